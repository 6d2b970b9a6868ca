//! `linkwell users ...`: accounts from the command line, for the server's operator (the
//! first administrator, and recovery when no administrator can sign in). Every change is
//! audited with no acting account (the command line) and the same rules as the pages.

use super::{connect_existing, DbArgs};
use crate::audit::AuditContext;
use crate::auth::{password_policy, Role};
use crate::public_url::PublicUrl;
use crate::store::accounts::ACCOUNT_PURPOSE;
use crate::store::{NewUser, Store};
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

/// Who acts when the command line changes an account: no account (recorded as none).
fn operator() -> AuditContext {
    AuditContext {
        actor_id: 0,
        actor_role: "operator".into(),
        purpose: ACCOUNT_PURPOSE.into(),
        request_id: format!("cli-{}", &crate::auth::new_secret("").0[..16]),
    }
}

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
    store
        .user_id(username)
        .await?
        .with_context(|| format!("no user {username:?}"))
}

pub async fn run(command: UsersCommand) -> anyhow::Result<()> {
    match command {
        UsersCommand::CreateAdmin {
            db,
            username,
            display_name,
        } => {
            let password = match password_from_env()? {
                Some(p) => p,
                None => {
                    let mut line = String::new();
                    std::io::stdin().read_line(&mut line)?;
                    line.trim_end_matches(['\r', '\n']).to_string()
                }
            };
            let username = check_username(&username)?;
            check_password(&password, &username)?;
            let store = Store::connect(&db.database_url).await?;
            let id = store
                .create_user(&NewUser {
                    username: &username,
                    display_name: &display_name,
                    role: Role::Admin,
                    team_id: None,
                    organisation: None,
                    password: Some(&password),
                })
                .await?;
            println!("created administrator {username} (id {id})");
        }
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
            let username = check_username(&username)?;
            let password = password_from_env()?;
            if let Some(p) = &password {
                check_password(p, &username)?;
            }
            let store = Store::connect(&db.database_url).await?;
            let user = NewUser {
                username: &username,
                display_name: &display_name,
                role,
                team_id,
                organisation: organisation.as_deref(),
                password: password.as_deref(),
            };
            if password.is_some() {
                let id = store.create_user(&user).await?;
                println!("created user {username} (id {id})");
            } else {
                let lifetime = chrono::Duration::hours(link.link_hours);
                let (id, secret) = store.invite_user(&user, lifetime, &operator()).await?;
                println!("created user {username} (id {id}); they choose their password at this link (works once, for {} hours):", link.link_hours);
                println!("{}", link.public_url.password_link(&secret));
            }
        }
        UsersCommand::List { db } => {
            let store = connect_existing(&db.database_url).await?;
            println!("id\tusername\trole\tteam\torganisation\tstatus\tpassword\tsessions\ttokens");
            for a in store.accounts().await? {
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
        }
        UsersCommand::Disable { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            store.disable_user(id, &operator()).await?;
            println!("disabled {username}: its sessions and API tokens have ended");
        }
        UsersCommand::Enable { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            store.enable_user(id, &operator()).await?;
            println!("enabled {username}");
        }
        UsersCommand::ResetPassword { db, username, link } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            let secret = store
                .reset_password(id, chrono::Duration::hours(link.link_hours), &operator())
                .await?;
            println!("{username}'s password, sessions and tokens have ended; they choose a new password at this link (works once, for {} hours):", link.link_hours);
            println!("{}", link.public_url.password_link(&secret));
        }
        UsersCommand::RevokeTokens { db, username } => {
            let store = connect_existing(&db.database_url).await?;
            let id = account(&store, &username).await?;
            let revoked = store.revoke_user_tokens(id, &operator()).await?;
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
            anyhow::ensure!(
                store.is_disabled(id).await? == Some(false),
                "{username} is disabled"
            );
            let expires = chrono::Utc::now() + chrono::Duration::days(days);
            let (_, token) = store
                .issue_audited_token(id, &label, expires, &operator())
                .await?;
            println!("{token}");
        }
    }
    Ok(())
}
