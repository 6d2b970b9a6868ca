//! Users, teams, practices, API tokens and sessions.

use super::{on_reader, on_writer, Store};
use crate::accounts::NewUser;
use crate::auth::{self, CurrentUser, Role};
use chrono::{DateTime, Duration, Utc};

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    team_id: Option<i64>,
    organisation: Option<String>,
}

impl UserRow {
    fn into_user(self, csrf_token: Option<String>) -> anyhow::Result<CurrentUser> {
        Ok(CurrentUser {
            id: self.id,
            role: Role::from_code(&self.role).ok_or_else(|| {
                anyhow::anyhow!("user {} has unknown role {}", self.id, self.role)
            })?,
            username: self.username,
            display_name: self.display_name,
            team_id: self.team_id,
            organisation: self.organisation,
            csrf_token,
            request_id: String::new(),
            token_id: None,
        })
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.display_name, u.role, u.team_id, u.organisation";

impl Store {
    pub async fn create_team(&self, name: &str) -> anyhow::Result<i64> {
        let (id,): (i64,) = on_writer!(self, pool => sqlx::query_as("INSERT INTO teams (name) VALUES ($1) RETURNING id")
            .bind(name).fetch_one(pool).await)?;
        Ok(id)
    }

    /// Sets (or clears) the team's phone number, which its volunteers are given; `false`
    /// when there is no such team.
    pub async fn set_team_phone(&self, team: i64, phone: Option<&str>) -> anyhow::Result<bool> {
        let changed = on_writer!(self, pool => sqlx::query("UPDATE teams SET phone = $1 WHERE id = $2")
            .bind(phone).bind(team).execute(pool).await.map(|done| done.rows_affected()))?;
        Ok(changed == 1)
    }

    pub async fn create_practice(
        &self,
        code: &str,
        name: &str,
        lsoa: Option<&str>,
        team_id: Option<i64>,
    ) -> anyhow::Result<i64> {
        let (id,): (i64,) = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO practices (code, name, lsoa, team_id) VALUES ($1, $2, $3, $4) RETURNING id")
            .bind(code).bind(name).bind(lsoa).bind(team_id).fetch_one(pool).await)?;
        Ok(id)
    }

    pub async fn create_user(&self, user: &NewUser<'_>) -> anyhow::Result<i64> {
        let hash = user.password.map(auth::hash_password).transpose()?;
        let (id,): (i64,) = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO users (username, display_name, role, team_id, organisation, password_hash, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id")
            .bind(user.username).bind(user.display_name).bind(user.role.code()).bind(user.team_id)
            .bind(user.organisation).bind(hash).bind(Utc::now())
            .fetch_one(pool).await)?;
        Ok(id)
    }

    /// Sets (or replaces) a user's password.
    pub async fn set_password(&self, username: &str, password: &str) -> anyhow::Result<()> {
        let hash = auth::hash_password(password)?;
        let updated = on_writer!(self, pool => sqlx::query("UPDATE users SET password_hash = $1 WHERE username = $2")
            .bind(hash).bind(username).execute(pool).await.map(|r| r.rows_affected()))?;
        anyhow::ensure!(updated == 1, "no user {username:?}");
        Ok(())
    }

    /// Creates an API token that expires after the default lifetime and returns it.
    pub async fn create_api_token(&self, user_id: i64, label: &str) -> anyhow::Result<String> {
        let expires = Utc::now() + Duration::days(auth::DEFAULT_TOKEN_DAYS);
        Ok(self.issue_api_token(user_id, label, expires).await?.1)
    }

    /// Creates an API token that expires at `expires_at`; returns its id and the token.
    /// Only its hash is kept, so it is shown once.
    pub async fn issue_api_token(
        &self,
        user_id: i64,
        label: &str,
        expires_at: DateTime<Utc>,
    ) -> anyhow::Result<(i64, String)> {
        let (token, hash) = auth::new_secret("lw_");
        let (id,): (i64,) = on_writer!(self, pool => sqlx::query_as(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(user_id).bind(hash).bind(label).bind(Utc::now()).bind(expires_at).fetch_one(pool).await)?;
        Ok((id, token))
    }

    pub async fn user_by_token(&self, token_hash: &str) -> anyhow::Result<Option<CurrentUser>> {
        #[derive(sqlx::FromRow)]
        struct WithToken {
            #[sqlx(flatten)]
            user: UserRow,
            token_id: i64,
        }
        let sql = format!(
            "SELECT {USER_COLUMNS}, t.id AS token_id FROM api_tokens t JOIN users u ON u.id = t.user_id \
             WHERE t.token_hash = $1 AND t.expires_at > $2 AND u.disabled_at IS NULL"
        );
        let row: Option<WithToken> = on_reader!(self, pool => sqlx::query_as(&sql).bind(token_hash).bind(Utc::now()).fetch_optional(pool).await)?;
        row.map(|r| {
            let mut user = r.user.into_user(None)?;
            user.token_id = Some(r.token_id);
            Ok(user)
        })
        .transpose()
    }

    /// The holder of a calendar feed secret (by its hash), if the link is current and the
    /// account not disabled.
    pub async fn user_by_calendar_feed(
        &self,
        secret_hash: &str,
    ) -> anyhow::Result<Option<CurrentUser>> {
        let sql = format!(
            "SELECT {USER_COLUMNS} FROM calendar_feeds f JOIN users u ON u.id = f.user_id \
             WHERE f.secret_hash = $1 AND u.disabled_at IS NULL"
        );
        let row: Option<UserRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(secret_hash).fetch_optional(pool).await)?;
        row.map(|r| r.into_user(None)).transpose()
    }

    /// Checks a password; returns the user only when it matches. The argon2 work runs off
    /// the async threads, and is spent even for unknown users or users without a password,
    /// so the answer's timing does not reveal which usernames exist.
    pub async fn authenticate(
        &self,
        username: &str,
        password: &str,
    ) -> anyhow::Result<Option<CurrentUser>> {
        #[derive(sqlx::FromRow)]
        struct WithHash {
            #[sqlx(flatten)]
            user: UserRow,
            password_hash: Option<String>,
        }
        let sql =
            format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1 AND u.disabled_at IS NULL");
        let found: Option<WithHash> = on_reader!(self, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)?;
        let (user, hash) = match found {
            Some(WithHash {
                user,
                password_hash: Some(hash),
            }) => (Some(user), hash),
            _ => (None, dummy_hash().to_string()),
        };
        let password = password.to_string();
        let matches =
            tokio::task::spawn_blocking(move || auth::verify_password(&password, &hash)).await?;
        match user {
            Some(user) if matches => Ok(Some(user.into_user(None)?)),
            _ => Ok(None),
        }
    }

    /// Starts a cookie session that ends at `lifetime` from now whatever happens (the
    /// absolute limit); returns the secret to put in the cookie.
    pub async fn create_session(&self, user_id: i64, lifetime: Duration) -> anyhow::Result<String> {
        let (secret, hash) = auth::new_secret("");
        let (csrf, _) = auth::new_secret("");
        let now = Utc::now();
        let expires: DateTime<Utc> = now + lifetime;
        on_writer!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|_| ()))?;
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO sessions (session_hash, user_id, csrf_token, expires_at, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $5)")
            .bind(hash).bind(user_id).bind(csrf).bind(expires).bind(now).execute(pool).await.map(|_| ()))?;
        Ok(secret)
    }

    /// The user of a session that is within its absolute limit and was last used less than
    /// `idle` ago, and marks it used now (the idle timeout slides with each request). A
    /// disabled account has no sessions.
    pub async fn user_by_session(
        &self,
        session_hash: &str,
        idle: Duration,
    ) -> anyhow::Result<Option<CurrentUser>> {
        let now = Utc::now();
        let touched: Option<(i64, String)> = on_writer!(self, pool => sqlx::query_as(
            "UPDATE sessions SET last_seen_at = $1 WHERE session_hash = $2 AND expires_at > $1 AND last_seen_at > $3 \
             RETURNING user_id, csrf_token")
            .bind(now).bind(session_hash).bind(now - idle).fetch_optional(pool).await)?;
        let Some((user_id, csrf_token)) = touched else {
            return Ok(None);
        };
        let sql =
            format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1 AND u.disabled_at IS NULL");
        let row: Option<UserRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(user_id).fetch_optional(pool).await)?;
        row.map(|r| r.into_user(Some(csrf_token))).transpose()
    }

    pub async fn end_session(&self, session_hash: &str) -> anyhow::Result<()> {
        on_writer!(self, pool => sqlx::query("DELETE FROM sessions WHERE session_hash = $1").bind(session_hash).execute(pool).await.map(|_| ()))?;
        Ok(())
    }
}

/// A real argon2id hash, checked against when a username is unknown.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| auth::hash_password("no such user").unwrap_or_default())
}

impl Store {
    pub async fn user_id(&self, username: &str) -> anyhow::Result<Option<i64>> {
        let row: Option<(i64,)> = on_reader!(self, pool => sqlx::query_as("SELECT id FROM users WHERE username = $1")
            .bind(username).fetch_optional(pool).await)?;
        Ok(row.map(|r| r.0))
    }
}

impl Store {
    /// Practices and the LSOA each sits in, for placing them on the map.
    pub async fn practices_with_lsoa(&self) -> anyhow::Result<Vec<(i64, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT id, lsoa FROM practices WHERE lsoa IS NOT NULL ORDER BY id").fetch_all(pool).await)?)
    }

    /// After rows were written with explicit ids, moves PostgreSQL's identity sequences
    /// past them (SQLite needs nothing: it always uses max(id) + 1).
    pub async fn reset_id_sequences(&self) -> anyhow::Result<()> {
        if let Store::Postgres(pool) = self {
            for table in [
                "people",
                "referrals",
                "referral_events",
                "contacts",
                "needs",
                "goals",
                "goal_progress",
                "consents",
                "connections",
                "connection_events",
                "barriers",
                "measures",
                "services",
                "users",
                "teams",
                "practices",
            ] {
                sqlx::query(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))"
                ))
                .execute(pool)
                .await?;
            }
        }
        Ok(())
    }
}

impl Store {
    /// The id and role of a user, for commands run on someone's behalf.
    pub async fn user_role(&self, username: &str) -> anyhow::Result<Option<(i64, Role)>> {
        let row: Option<(i64, String)> = on_reader!(self, pool => sqlx::query_as("SELECT id, role FROM users WHERE username = $1")
            .bind(username).fetch_optional(pool).await)?;
        Ok(row.and_then(|(id, role)| Role::from_code(&role).map(|r| (id, r))))
    }
}

impl Store {
    /// A practice's id and the team serving it, by its ODS code.
    pub async fn practice_by_code(&self, code: &str) -> anyhow::Result<Option<(i64, Option<i64>)>> {
        Ok(
            on_reader!(self, pool => sqlx::query_as("SELECT id, team_id FROM practices WHERE code = $1")
            .bind(code).fetch_optional(pool).await)?,
        )
    }

    /// Every practice's ODS code and name, by name, for choosing one.
    pub async fn practice_choices(&self) -> anyhow::Result<Vec<(String, String)>> {
        Ok(
            on_reader!(self, pool => sqlx::query_as("SELECT code, name FROM practices ORDER BY name, code")
            .fetch_all(pool).await)?,
        )
    }

    /// A user by username, for commands run on their behalf.
    pub async fn user_by_username(&self, username: &str) -> anyhow::Result<Option<CurrentUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1");
        let row: Option<UserRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(username).fetch_optional(pool).await)?;
        row.map(|r| r.into_user(None)).transpose()
    }

    /// The code and name of a person's practice, if they have one.
    pub async fn practice_of_person(
        &self,
        person_id: i64,
    ) -> anyhow::Result<Option<(String, String)>> {
        Ok(on_reader!(self, pool => sqlx::query_as(
            "SELECT pr.code, pr.name FROM people p JOIN practices pr ON pr.id = p.practice_id WHERE p.id = $1")
            .bind(person_id).fetch_optional(pool).await)?)
    }
}
