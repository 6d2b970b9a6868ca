//! `linkwell users ...`: accounts from the command line, for the server's operator (the
//! first administrator, and recovery when no administrator can sign in). Every change is
//! audited with no acting account (the command line) and the same rules as the pages.

use super::shared::{connect_existing, DbArgs};
use crate::accounts::NewUser;
use crate::auth::{password_policy, Role};
use crate::public_url::PublicUrl;
use crate::store::Store;
use crate::usecases::users::{self, Administrator};
use anyhow::Context;
use clap::Subcommand;

/// Where the one-time links printed by `add` and `reset-password` point.
#[derive(clap::Args, Clone)]
pub struct LinkArgs {
    /// The address users reach Linkwell at (as given to `serve`).
    #[arg(long, env = "LINKWELL_PUBLIC_URL", value_parser = PublicUrl::parse,
          default_value = "http://127.0.0.1:8080")]
    public_url: PublicUrl,
    /// Hours the one-time link works for.
    #[arg(long, default_value_t = 72, value_parser = clap::value_parser!(i64).range(1..=720))]
    link_hours: i64,
}

#[derive(Subcommand)]
pub enum UsersCommand {
    /// Create an administrator. There is no default password: it is read from
    /// LINKWELL_PASSWORD, or from the first line of standard input.
    CreateAdmin {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "Administrator")]
        display_name: String,
    },
    /// Add a user. With LINKWELL_PASSWORD set, that is their password (never from the
    /// command line); without it, a one-time link is printed at which they choose their own.
    Add {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long)]
        display_name: String,
        /// link_worker, team_lead, referrer, vcse, volunteer, analyst or admin.
        #[arg(long)]
        role: String,
        #[arg(long)]
        team_id: Option<i64>,
        #[arg(long)]
        organisation: Option<String>,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// Every account: role, team, whether it is disabled, and its sessions and tokens.
    List {
        #[command(flatten)]
        db: DbArgs,
    },
    /// Disable an account: it cannot sign in, and its sessions and API tokens end at once.
    Disable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Enable a disabled account.
    Enable {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// End the password, sessions and tokens of an account and print a one-time link at
    /// which its user chooses a new password.
    ResetPassword {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[command(flatten)]
        link: LinkArgs,
    },
    /// Revoke every API token of an account.
    RevokeTokens {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
    },
    /// Issue an API token for a user; it is printed once and stored only as a hash.
    Token {
        #[command(flatten)]
        db: DbArgs,
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "cli")]
        label: String,
        /// Days until the token expires.
        #[arg(long, default_value_t = crate::auth::DEFAULT_TOKEN_DAYS,
              value_parser = clap::value_parser!(i64).range(1..=366))]
        days: i64,
    },
}

/// The command line acts as the server's operator: no account (recorded as none).
const OPERATOR: Administrator<'static> = Administrator::Operator;

/// A password from LINKWELL_PASSWORD, refused if set but empty.
fn password_from_env() -> anyhow::Result<Option<String>> {
    match std::env::var("LINKWELL_PASSWORD") {
        Ok(p) if p.is_empty() => {
            anyhow::bail!(
                "LINKWELL_PASSWORD is set but empty; unset it to get a one-time link instead"
            )
        }
        Ok(p) => Ok(Some(p)),
        Err(_) => Ok(None),
    }
}

fn check_username(username: &str) -> anyhow::Result<String> {
    let username = username.trim().to_string();
    anyhow::ensure!(
        !username.is_empty() && !username.contains(char::is_whitespace),
        "a username cannot be empty or contain spaces"
    );
    Ok(username)
}

fn check_password(password: &str, username: &str) -> anyhow::Result<()> {
    password_policy::check(password, username)
        .map_err(|why| anyhow::anyhow!("password refused: {why}"))
}

async fn account(store: &Store, username: &str) -> anyhow::Result<i64> {
    users::account_id(store, OPERATOR, username)
        .await?
        .with_context(|| format!("no user {username:?}"))
}

pub async fn run(command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::CreateAdmin {
            db,
            username,
            display_name,
        } => create_admin(&db, &username, &display_name).await?,
        UsersCommand::Add {
            db,
            username,
            display_name,
            role,
            team_id,
            organisation,
            link,
        } => {
            let role = Role::from_code(&role).with_context(|| format!("unknown role {role:?}"))?;
            let user = NewUser {
                username: &username,
                display_name: &display_name,
                role,
                team_id,
                organisation: organisation.as_deref(),
                password: None,
            };
            add(&db, user, &link).await?
        }
        UsersCommand::List { db } => list(&db).await?,
        UsersCommand::Disable { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            users::disable(&store, OPERATOR, id).await?;
            println!("disabled {username}: its sessions and API tokens have ended");
        }
        UsersCommand::Enable { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            users::enable(&store, OPERATOR, id).await?;
            println!("enabled {username}");
        }
        UsersCommand::ResetPassword { db, username, link } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            let lifetime = chrono::Duration::hours(link.link_hours);
            let reset = users::reset_password(&store, OPERATOR, id, lifetime).await?;
            println!("{username}'s password, sessions and tokens have ended; they choose a new password at this link (works once, for {} hours):", link.link_hours);
            println!("{}", link.public_url.password_link(&reset.secret));
        }
        UsersCommand::RevokeTokens { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            let revoked = users::revoke_tokens(&store, OPERATOR, id).await?;
            println!("revoked {revoked} API token(s) of {username}");
        }
        UsersCommand::Token {
            db,
            username,
            label,
            days,
        } => {
            let store = Store::connect(&db.database_url).await?;
            let id = account(&store, &username).await?;
            let expires = chrono::Utc::now() + chrono::Duration::days(days);
            let (_, token) = users::issue_token(&store, OPERATOR, id, &label, expires).await?;
            println!("{token}");
        }
    }
    Ok(())
}

/// The first administrator (or a recovery one), with the password from the environment or
/// standard input.
async fn create_admin(db: &DbArgs, username: &str, display_name: &str) -> anyhow::Result<()> {
    let password = match password_from_env()? {
        Some(p) => p,
        None => {
            let mut line = String::new();
            std::io::stdin().read_line(&mut line)?;
            line.trim_end_matches(['\r', '\n']).to_string()
        }
    };
    let username = check_username(username)?;
    check_password(&password, &username)?;
    let store = Store::connect(&db.database_url).await?;
    let id = users::create_with_password(
        &store,
        OPERATOR,
        &NewUser {
            username: &username,
            display_name,
            role: Role::Admin,
            team_id: None,
            organisation: None,
            password: Some(&password),
        },
    )
    .await?;
    println!("created administrator {username} (id {id})");
    Ok(())
}

/// A new account: with LINKWELL_PASSWORD as its password, else invited by a one-time link.
async fn add(db: &DbArgs, user: NewUser<'_>, link: &LinkArgs) -> anyhow::Result<()> {
    let username = check_username(user.username)?;
    let password = password_from_env()?;
    if let Some(p) = &password {
        check_password(p, &username)?;
    }
    let store = Store::connect(&db.database_url).await?;
    let user = NewUser {
        username: &username,
        password: password.as_deref(),
        ..user
    };
    if password.is_some() {
        let id = users::create_with_password(&store, OPERATOR, &user).await?;
        println!("created user {username} (id {id})");
    } else {
        let lifetime = chrono::Duration::hours(link.link_hours);
        let (id, secret) = users::invite(&store, OPERATOR, &user, lifetime).await?;
        println!("created user {username} (id {id}); they choose their password at this link (works once, for {} hours):", link.link_hours);
        println!("{}", link.public_url.password_link(&secret));
    }
    Ok(())
}

/// Every account, tab-separated, with what it can still use.
async fn list(db: &DbArgs) -> anyhow::Result<()> {
    let store = connect_existing(&db.database_url).await?;
    println!("id\tusername\trole\tteam\torganisation\tstatus\tpassword\tsessions\ttokens");
    for a in users::list(&store, OPERATOR).await? {
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
            a.id,
            a.username,
            a.role,
            a.team.unwrap_or_default(),
            a.organisation.unwrap_or_default(),
            if a.disabled { "disabled" } else { "enabled" },
            if a.has_password { "set" } else { "not set" },
            a.sessions,
            a.tokens
        );
    }
    Ok(())
}
