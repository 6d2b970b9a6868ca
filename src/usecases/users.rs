//! Administering accounts: inviting, listing, disabling and enabling, unlocking, ending
//! sessions, revoking tokens and resetting passwords. The administration pages act for a
//! signed-in administrator; the command line acts for the server's operator, who holds the
//! database itself (the first administrator, and recovery when no administrator can sign in).
//! Both go through these functions, so they audit alike and follow the same rules.

use super::accounts::account_context;
use crate::accounts::{Account, NewUser, TeamSize, TokenInfo, ACCOUNT_PURPOSE};
use crate::audit::AuditContext;
use crate::auth::policy::Action;
use crate::auth::throttle::account_key;
use crate::auth::{self, CurrentUser};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store::Store;
use chrono::{DateTime, Duration, Utc};

/// Who administers accounts.
#[derive(Clone, Copy)]
pub enum Administrator<'a> {
    /// A signed-in user: the access policy decides, and the audit names them.
    User(&'a CurrentUser),
    /// The server's operator at the command line: no account acts (recorded as none, with
    /// the role `operator`).
    Operator,
}

impl Administrator<'_> {
    /// Asks the policy, and gives the audit context the change is recorded under.
    fn authorise(self) -> AppResult<AuditContext> {
        match self {
            Administrator::User(user) => {
                user.require(Action::ManageAccounts)?;
                Ok(account_context(user))
            }
            Administrator::Operator => Ok(AuditContext {
                actor_id: 0,
                actor_role: "operator".into(),
                purpose: ACCOUNT_PURPOSE.into(),
                request_id: format!("cli-{}", &auth::new_secret("").0[..16]),
            }),
        }
    }

    /// Refuses a change an administrator may not make to their own account on a page
    /// (another administrator, or the operator, can).
    fn refuse_if_self(self, account_id: i64) -> AppResult<()> {
        match self {
            Administrator::User(user) if user.id == account_id => Err(AppError::Conflict(
                "you cannot do this to your own account here; another administrator (or `linkwell users` at the server) can".into(),
            )),
            _ => Ok(()),
        }
    }
}

/// An account an administrator acts on, found by id.
struct Target {
    id: i64,
    username: String,
}

async fn target(store: &Store, account_id: i64) -> AppResult<Target> {
    let (id, username, _) = store
        .account_by_id(account_id)
        .await?
        .ok_or(AppError::NotFound("account"))?;
    Ok(Target { id, username })
}

/// The id of the account with this username.
pub async fn account_id(
    store: &Store,
    admin: Administrator<'_>,
    username: &str,
) -> AppResult<Option<i64>> {
    admin.authorise()?;
    Ok(store.user_id(username).await?)
}

/// Every account, with what it can still use.
pub async fn list(store: &Store, admin: Administrator<'_>) -> AppResult<Vec<Account>> {
    admin.authorise()?;
    Ok(store.accounts().await?)
}

/// An account on the administration page, and whether sign-in refuses it for its failures.
pub struct AccountState {
    pub account: Account,
    pub locked: bool,
}

/// What the administration page shows: every account and every team.
pub struct Overview {
    pub accounts: Vec<AccountState>,
    pub teams: Vec<TeamSize>,
}

/// Every account (with whether the throttle has locked it) and every team.
pub async fn overview(state: &AppState, user: &CurrentUser) -> AppResult<Overview> {
    Administrator::User(user).authorise()?;
    let teams = state.store.team_sizes().await?;
    let locked = state
        .store
        .locked_account_keys(Utc::now(), &state.settings.sign_in_limits)
        .await?;
    let accounts = state
        .store
        .accounts()
        .await?
        .into_iter()
        .map(|account| AccountState {
            locked: locked.contains(&account_key(&account.username)),
            account,
        })
        .collect();
    Ok(Overview { accounts, teams })
}

/// What only the data can refuse in an invitation: a team that does not exist, a username
/// already taken. Each problem is (field, message), to show beside the form's own.
pub async fn invitation_problems(
    store: &Store,
    user: &CurrentUser,
    username: &str,
    team_id: Option<i64>,
) -> AppResult<Vec<(&'static str, &'static str)>> {
    Administrator::User(user).authorise()?;
    let mut problems = Vec::new();
    if let Some(team) = team_id {
        if !store.team_sizes().await?.iter().any(|t| t.id == team) {
            problems.push(("team_id", "Choose a team from the list"));
        }
    }
    if store.user_id(username).await?.is_some() {
        problems.push(("username", "That username is taken; choose another"));
    }
    Ok(problems)
}

/// Creates an account without a password and a one-time link (valid for `lifetime`) at
/// which its user chooses one; returns the account's id and the link's secret.
pub async fn invite(
    store: &Store,
    admin: Administrator<'_>,
    new_user: &NewUser<'_>,
    lifetime: Duration,
) -> AppResult<(i64, String)> {
    let ctx = admin.authorise()?;
    Ok(store.invite_user(new_user, lifetime, &ctx).await?)
}

/// Creates an account with the password it is given (already through the password
/// policy): the operator's first administrator, or a user added with a password.
pub async fn create_with_password(
    store: &Store,
    admin: Administrator<'_>,
    new_user: &NewUser<'_>,
) -> AppResult<i64> {
    admin.authorise()?;
    Ok(store.create_user(new_user).await?)
}

/// Disables an account: it cannot sign in, and its sessions and API tokens end at once.
pub async fn disable(store: &Store, admin: Administrator<'_>, account_id: i64) -> AppResult<()> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    admin.refuse_if_self(account.id)?;
    store.disable_user(account.id, &ctx).await?;
    Ok(())
}

/// Enables a disabled account.
pub async fn enable(store: &Store, admin: Administrator<'_>, account_id: i64) -> AppResult<()> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    store.enable_user(account.id, &ctx).await?;
    Ok(())
}

/// Forgets an account's counted sign-in failures, so its user can sign in again.
pub async fn unlock(store: &Store, admin: Administrator<'_>, account_id: i64) -> AppResult<()> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    store
        .unlock_account(account.id, &account.username, &ctx)
        .await?;
    Ok(())
}

/// Ends every session of an account; returns how many there were.
pub async fn end_sessions(
    store: &Store,
    admin: Administrator<'_>,
    account_id: i64,
) -> AppResult<u64> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    admin.refuse_if_self(account.id)?;
    Ok(store.end_user_sessions(account.id, &ctx).await?)
}

/// Revokes every API token of an account; returns how many there were.
pub async fn revoke_tokens(
    store: &Store,
    admin: Administrator<'_>,
    account_id: i64,
) -> AppResult<u64> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    Ok(store.revoke_user_tokens(account.id, &ctx).await?)
}

/// A reset password: whose, and the one-time link's secret at which they choose a new one.
pub struct Reset {
    pub username: String,
    pub secret: String,
}

/// Ends an account's password, sessions and tokens, and makes a one-time link (valid for
/// `lifetime`) at which its user chooses a new password.
pub async fn reset_password(
    store: &Store,
    admin: Administrator<'_>,
    account_id: i64,
    lifetime: Duration,
) -> AppResult<Reset> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    admin.refuse_if_self(account.id)?;
    let secret = store.reset_password(account.id, lifetime, &ctx).await?;
    Ok(Reset {
        username: account.username,
        secret,
    })
}

/// Issues an API token for an enabled account (the operator's `users token`); returns it
/// with its secret, shown this once.
pub async fn issue_token(
    store: &Store,
    admin: Administrator<'_>,
    account_id: i64,
    label: &str,
    expires_at: DateTime<Utc>,
) -> AppResult<(TokenInfo, String)> {
    let ctx = admin.authorise()?;
    let account = target(store, account_id).await?;
    if store.is_disabled(account.id).await? != Some(false) {
        return Err(AppError::Conflict(format!(
            "{} is disabled",
            account.username
        )));
    }
    Ok(store
        .issue_audited_token(account.id, label, expires_at, &ctx)
        .await?)
}
