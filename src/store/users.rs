//! Users, teams, practices, API tokens and sessions.

use super::{on_reader, on_writer, Store};
use crate::auth::{self, CurrentUser, Role};
use chrono::{DateTime, Duration, Utc};

pub struct NewUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub team_id: Option<i64>,
    pub organisation: Option<&'a str>,
    pub password: Option<&'a str>,
}

#[derive(sqlx::FromRow)]
struct UserRow {
    id: i64,
    username: String,
    display_name: String,
    role: String,
    team_id: Option<i64>,
    organisation: Option<String>,
}

#[derive(sqlx::FromRow)]
struct SessionUserRow {
    #[sqlx(flatten)]
    user: UserRow,
    csrf_token: String,
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

    /// Creates an API token and returns it. Only its hash is kept, so it is shown once.
    pub async fn create_api_token(&self, user_id: i64, label: &str) -> anyhow::Result<String> {
        let (token, hash) = auth::new_secret("lw_");
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO api_tokens (user_id, token_hash, label, created_at) VALUES ($1, $2, $3, $4)")
            .bind(user_id).bind(hash).bind(label).bind(Utc::now()).execute(pool).await.map(|_| ()))?;
        Ok(token)
    }

    pub async fn user_by_token(&self, token_hash: &str) -> anyhow::Result<Option<CurrentUser>> {
        let sql = format!("SELECT {USER_COLUMNS} FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = $1");
        let row: Option<UserRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(token_hash).fetch_optional(pool).await)?;
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
            format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username = $1");
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

    /// Starts a cookie session; returns the secret to put in the cookie.
    pub async fn create_session(&self, user_id: i64, lifetime: Duration) -> anyhow::Result<String> {
        let (secret, hash) = auth::new_secret("");
        let (csrf, _) = auth::new_secret("");
        let now = Utc::now();
        let expires: DateTime<Utc> = now + lifetime;
        on_writer!(self, pool => sqlx::query("DELETE FROM sessions WHERE expires_at <= $1").bind(now).execute(pool).await.map(|_| ()))?;
        on_writer!(self, pool => sqlx::query(
            "INSERT INTO sessions (session_hash, user_id, csrf_token, expires_at) VALUES ($1, $2, $3, $4)")
            .bind(hash).bind(user_id).bind(csrf).bind(expires).execute(pool).await.map(|_| ()))?;
        Ok(secret)
    }

    pub async fn user_by_session(&self, session_hash: &str) -> anyhow::Result<Option<CurrentUser>> {
        let sql = format!(
            "SELECT {USER_COLUMNS}, s.csrf_token FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.session_hash = $1 AND s.expires_at > $2"
        );
        let row: Option<SessionUserRow> = on_reader!(self, pool => sqlx::query_as(&sql).bind(session_hash).bind(Utc::now()).fetch_optional(pool).await)?;
        row.map(|r| r.user.into_user(Some(r.csrf_token)))
            .transpose()
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
    /// Failed sign-ins for each key since `since` (RFC 3339 text, as stored).
    pub async fn sign_in_failures_since(&self, key: &str, since: &str) -> anyhow::Result<i64> {
        let (n,): (i64,) = on_reader!(self, pool => sqlx::query_as(
            "SELECT COUNT(*) FROM sign_in_failures WHERE throttle_key = $1 AND at > $2")
            .bind(key).bind(since).fetch_one(pool).await)?;
        Ok(n)
    }

    /// Records a failed (or not yet checked) sign-in for each key, and forgets failures
    /// older than `expired_before`, so the table stays the size of one window.
    pub async fn record_sign_in_failure(
        &self,
        keys: &[String],
        expired_before: &str,
    ) -> anyhow::Result<()> {
        let at = super::audit::now_text();
        on_writer!(self, pool => {
            let mut tx = pool.begin_with(super::begin_statement(pool)).await?;
            sqlx::query("DELETE FROM sign_in_failures WHERE at <= $1").bind(expired_before).execute(&mut *tx).await?;
            for key in keys {
                sqlx::query("INSERT INTO sign_in_failures (throttle_key, at) VALUES ($1, $2)")
                    .bind(key).bind(&at).execute(&mut *tx).await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Forgets an account's failures after a successful sign-in.
    pub async fn clear_sign_in_failures(&self, key: &str) -> anyhow::Result<()> {
        on_writer!(self, pool => sqlx::query("DELETE FROM sign_in_failures WHERE throttle_key = $1")
            .bind(key).execute(pool).await.map(|_| ()))?;
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
