//! An account's life: invited with a one-time link, its password set and changed by its
//! owner, disabled and enabled, its sessions ended and its API tokens listed and revoked.
//! Each change commits together with its audit record.

use super::audit::append_audit;
use super::{on_reader, on_writer, Backend, NewUser, Store};
use crate::accounts::{LinkHolder, PasswordChange, TokenInfo, ACCOUNT_PURPOSE};
use crate::audit::{AuditAction, AuditContext};
use crate::auth::{self, Role};
use chrono::{DateTime, Duration, Utc};

/// Why a one-time password link was made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkPurpose {
    /// A new account: its user chooses their first password.
    Invitation,
    /// An administrator reset the password: the old one no longer works.
    Reset,
}

impl LinkPurpose {
    fn code(self) -> &'static str {
        match self {
            LinkPurpose::Invitation => "invitation",
            LinkPurpose::Reset => "reset",
        }
    }
}

impl Store {
    /// Creates an account without a password and a one-time link for its user to choose
    /// one; returns the account's id and the link's secret.
    pub async fn invite_user(
        &self,
        user: &NewUser<'_>,
        lifetime: Duration,
        ctx: &AuditContext,
    ) -> anyhow::Result<(i64, String)> {
        let (secret, hash) = auth::new_secret("");
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO users (username, display_name, role, team_id, organisation, password_hash, created_at) \
                 VALUES ($1, $2, $3, $4, $5, NULL, $6) RETURNING id")
                .bind(user.username).bind(user.display_name).bind(user.role.code()).bind(user.team_id)
                .bind(user.organisation).bind(now).fetch_one(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO password_links (user_id, link_hash, purpose, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(id).bind(&hash).bind(LinkPurpose::Invitation.code()).bind(actor(ctx))
                .bind(now).bind(now + lifetime).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "account.invited", Some(id), None::<i64>);
            tx.commit().await?;
            id
        });
        Ok((id, secret))
    }

    /// Ends an account's password, sessions and tokens and makes a one-time link for its
    /// user to choose a new password; returns the link's secret.
    pub async fn reset_password(
        &self,
        user_id: i64,
        lifetime: Duration,
        ctx: &AuditContext,
    ) -> anyhow::Result<String> {
        let (secret, hash) = auth::new_secret("");
        let now = Utc::now();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let updated = sqlx::query("UPDATE users SET password_hash = NULL WHERE id = $1")
                .bind(user_id).execute(&mut *tx).await?.rows_affected();
            anyhow::ensure!(updated == 1, "no account {user_id}");
            sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
            sqlx::query("UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                .bind(now).bind(user_id).execute(&mut *tx).await?;
            sqlx::query(
                "INSERT INTO password_links (user_id, link_hash, purpose, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(user_id).bind(&hash).bind(LinkPurpose::Reset.code()).bind(actor(ctx))
                .bind(now).bind(now + lifetime).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "account.password_reset", Some(user_id), None::<i64>);
            tx.commit().await?;
        });
        Ok(secret)
    }

    /// The account a one-time link (by its hash) sets the password of, if the link is
    /// unused and unexpired and the account enabled.
    pub async fn password_link_holder(
        &self,
        link_hash: &str,
    ) -> anyhow::Result<Option<LinkHolder>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT u.id AS user_id, u.username, u.display_name FROM password_links l JOIN users u ON u.id = l.user_id \
             WHERE l.link_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND u.disabled_at IS NULL")
            .bind(link_hash).bind(Utc::now()).fetch_optional(pool).await)?)
    }

    /// Sets the password through a one-time link and uses the link up, in one transaction
    /// that holds the link's row, so a link works once even if submitted twice at once.
    /// Returns the account, or `None` if the link is unknown, used or expired.
    pub async fn use_password_link(
        &self,
        link_hash: &str,
        password_hash: &str,
        request_id: &str,
    ) -> anyhow::Result<Option<LinkHolder>> {
        let lock = match self.backend() {
            Backend::Postgres => " FOR UPDATE OF l",
            Backend::Sqlite => "",
        };
        let select = format!(
            "SELECT u.id AS user_id, u.username, u.display_name FROM password_links l JOIN users u ON u.id = l.user_id \
             WHERE l.link_hash = $1 AND l.used_at IS NULL AND l.expires_at > $2 AND u.disabled_at IS NULL{lock}"
        );
        let now = Utc::now();
        let holder = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let holder: Option<(LinkHolder, String)> = match sqlx::query_as::<_, LinkHolder>(&select)
                .bind(link_hash).bind(now).fetch_optional(&mut *tx).await? {
                Some(h) => {
                    let (role,): (String,) = sqlx::query_as("SELECT role FROM users WHERE id = $1")
                        .bind(h.user_id).fetch_one(&mut *tx).await?;
                    Some((h, role))
                }
                None => None,
            };
            if let Some((holder, role)) = &holder {
                sqlx::query("UPDATE password_links SET used_at = $1 WHERE link_hash = $2")
                    .bind(now).bind(link_hash).execute(&mut *tx).await?;
                sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                    .bind(password_hash).bind(holder.user_id).execute(&mut *tx).await?;
                // A new password starts afresh: no session or API token from before outlives it.
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(holder.user_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(holder.user_id).execute(&mut *tx).await?;
                let ctx = AuditContext {
                    actor_id: holder.user_id,
                    actor_role: role.clone(),
                    purpose: ACCOUNT_PURPOSE.into(),
                    request_id: request_id.to_string(),
                };
                append_audit!(tx, ctx, AuditAction::Update, "account.password_set", Some(holder.user_id), None::<i64>);
            }
            tx.commit().await?;
            holder.map(|(h, _)| h)
        });
        Ok(holder)
    }

    /// Changes the signed-in user's own password if `current` is right, and ends their
    /// other sessions (`keep_session` is the hash of the one they are using) and every API
    /// token: someone changing a password after a compromise must not leave the intruder's
    /// tokens working.
    pub async fn change_password(
        &self,
        user_id: i64,
        current: &str,
        new_password_hash: &str,
        keep_session: &str,
        ctx: &AuditContext,
    ) -> anyhow::Result<PasswordChange> {
        let (stored,): (Option<String>,) = on_reader!(self, pool => sqlx::query_as(
            "SELECT password_hash FROM users WHERE id = $1").bind(user_id).fetch_one(pool).await)?;
        let stored = stored.unwrap_or_default();
        let current = current.to_string();
        let matches =
            tokio::task::spawn_blocking(move || auth::verify_password(&current, &stored)).await?;
        if !matches {
            return Ok(PasswordChange::WrongCurrentPassword);
        }
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
                .bind(new_password_hash).bind(user_id).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND session_hash <> $2")
                .bind(user_id).bind(keep_session).execute(&mut *tx).await?;
            sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
                .bind(user_id).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "account.password_changed", Some(user_id), None::<i64>);
            tx.commit().await?;
        });
        Ok(PasswordChange::Changed)
    }

    /// Disables an account: it can no longer sign in, and its sessions, API tokens and
    /// unused password links end at once. Returns false if there is no such account.
    pub async fn disable_user(&self, user_id: i64, ctx: &AuditContext) -> anyhow::Result<bool> {
        let now = Utc::now();
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let updated = sqlx::query("UPDATE users SET disabled_at = COALESCE(disabled_at, $1) WHERE id = $2")
                .bind(now).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if updated == 1 {
                sqlx::query("DELETE FROM sessions WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("DELETE FROM api_tokens WHERE user_id = $1").bind(user_id).execute(&mut *tx).await?;
                sqlx::query("UPDATE password_links SET used_at = $1 WHERE user_id = $2 AND used_at IS NULL")
                    .bind(now).bind(user_id).execute(&mut *tx).await?;
                append_audit!(tx, ctx, AuditAction::Update, "account.disabled", Some(user_id), None::<i64>);
            }
            tx.commit().await?;
            updated == 1
        }))
    }

    /// Enables a disabled account (its user signs in with their password, or is sent a
    /// new link if they have none).
    pub async fn enable_user(&self, user_id: i64, ctx: &AuditContext) -> anyhow::Result<bool> {
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let updated = sqlx::query("UPDATE users SET disabled_at = NULL WHERE id = $1")
                .bind(user_id).execute(&mut *tx).await?.rows_affected();
            if updated == 1 {
                append_audit!(tx, ctx, AuditAction::Update, "account.enabled", Some(user_id), None::<i64>);
            }
            tx.commit().await?;
            updated == 1
        }))
    }

    /// Ends every session of an account; returns how many there were.
    pub async fn end_user_sessions(&self, user_id: i64, ctx: &AuditContext) -> anyhow::Result<u64> {
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let ended = sqlx::query("DELETE FROM sessions WHERE user_id = $1")
                .bind(user_id).execute(&mut *tx).await?.rows_affected();
            append_audit!(tx, ctx, AuditAction::Erase, "account.sessions_ended", Some(user_id), None::<i64>);
            tx.commit().await?;
            ended
        }))
    }

    /// Revokes every API token of an account; returns how many there were.
    pub async fn revoke_user_tokens(
        &self,
        user_id: i64,
        ctx: &AuditContext,
    ) -> anyhow::Result<u64> {
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let revoked = sqlx::query("DELETE FROM api_tokens WHERE user_id = $1")
                .bind(user_id).execute(&mut *tx).await?.rows_affected();
            append_audit!(tx, ctx, AuditAction::Erase, "account.tokens_revoked", Some(user_id), None::<i64>);
            tx.commit().await?;
            revoked
        }))
    }

    /// Forgets an account's counted sign-in failures, so a throttled user can try again.
    pub async fn unlock_account(
        &self,
        user_id: i64,
        username: &str,
        ctx: &AuditContext,
    ) -> anyhow::Result<()> {
        let key = crate::auth::throttle::account_key(username);
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query("DELETE FROM sign_in_counters WHERE throttle_key = $1")
                .bind(&key).execute(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Update, "account.unlocked", Some(user_id), None::<i64>);
            tx.commit().await?;
        });
        Ok(())
    }

    /// A user's own API tokens that have not expired, newest first.
    pub async fn api_tokens_of(&self, user_id: i64) -> anyhow::Result<Vec<TokenInfo>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT id, label, created_at, expires_at FROM api_tokens WHERE user_id = $1 AND expires_at > $2 \
             ORDER BY created_at DESC, id DESC")
            .bind(user_id).bind(Utc::now()).fetch_all(pool).await)?)
    }

    /// Issues a token for the user and records it in the audit log.
    pub async fn issue_audited_token(
        &self,
        user_id: i64,
        label: &str,
        expires_at: DateTime<Utc>,
        ctx: &AuditContext,
    ) -> anyhow::Result<(TokenInfo, String)> {
        let (token, hash) = auth::new_secret("lw_");
        let now = Utc::now();
        let id = on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let (id,): (i64,) = sqlx::query_as(
                "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
                .bind(user_id).bind(&hash).bind(label).bind(now).bind(expires_at).fetch_one(&mut *tx).await?;
            append_audit!(tx, ctx, AuditAction::Create, "api_token", Some(id), None::<i64>);
            tx.commit().await?;
            id
        });
        Ok((
            TokenInfo {
                id,
                label: label.to_string(),
                created_at: now,
                expires_at,
            },
            token,
        ))
    }

    /// Revokes one of the user's own tokens; false if they have no token with that id.
    pub async fn revoke_api_token(
        &self,
        user_id: i64,
        token_id: i64,
        ctx: &AuditContext,
    ) -> anyhow::Result<bool> {
        Ok(on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            let revoked = sqlx::query("DELETE FROM api_tokens WHERE id = $1 AND user_id = $2")
                .bind(token_id).bind(user_id).execute(&mut *tx).await?.rows_affected();
            if revoked == 1 {
                append_audit!(tx, ctx, AuditAction::Erase, "api_token", Some(token_id), None::<i64>);
            }
            tx.commit().await?;
            revoked == 1
        }))
    }

    /// Whether an account is disabled (`None`: no such account).
    pub async fn is_disabled(&self, user_id: i64) -> anyhow::Result<Option<bool>> {
        let row: Option<(bool,)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT disabled_at IS NOT NULL FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }

    /// An account's id, username and role by id (for the administrator's forms).
    pub async fn account_by_id(&self, user_id: i64) -> anyhow::Result<Option<(i64, String, Role)>> {
        let row: Option<(i64, String, String)> = on_reader!(self, pool => sqlx::query_as(
            "SELECT id, username, role FROM users WHERE id = $1").bind(user_id).fetch_optional(pool).await)?;
        Ok(row.and_then(|(id, name, role)| Role::from_code(&role).map(|r| (id, name, r))))
    }
}

/// The acting account for `created_by` columns: none for the command line.
fn actor(ctx: &AuditContext) -> Option<i64> {
    (ctx.actor_id > 0).then_some(ctx.actor_id)
}
