//! The command line: a first administrator, with no default password.

use std::io::Write;
use std::process::{Command, Stdio};

fn create_admin(database_url: &str, password: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_linkwell"))
        .args([
            "users",
            "create-admin",
            "--username",
            "root",
            "--database-url",
            database_url,
        ])
        .env_remove("LINKWELL_PASSWORD")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    writeln!(child.stdin.take().unwrap(), "{password}").unwrap();
    child.wait_with_output().unwrap()
}

#[tokio::test]
async fn create_admin_takes_the_password_from_stdin_and_refuses_short_ones() {
    let dir = tempfile::tempdir().unwrap();
    let url = dir.path().join("admin.db").display().to_string();
    let short = create_admin(&url, "too short");
    assert!(!short.status.success());
    assert!(String::from_utf8_lossy(&short.stderr).contains("at least 12 characters"));
    let made = create_admin(&url, "correct horse battery staple");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let store = linkwell::store::Store::connect(&url).await.unwrap();
    let admin = store
        .authenticate("root", "correct horse battery staple")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(admin.role, linkwell::auth::Role::Admin);
    assert!(store
        .authenticate("root", "too short")
        .await
        .unwrap()
        .is_none());
}

/// Runs `linkwell users ...` against a database, with LINKWELL_PASSWORD as given.
fn users(database_url: &str, args: &[&str], password: Option<&str>) -> (bool, String, String) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_linkwell"));
    command
        .arg("users")
        .args(args)
        .args(["--database-url", database_url])
        .env_remove("LINKWELL_PASSWORD")
        .env("LINKWELL_PUBLIC_URL", "https://linkwell.example.nhs.uk")
        .stdin(Stdio::null());
    if let Some(p) = password {
        command.env("LINKWELL_PASSWORD", p);
    }
    let out = command.output().unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).to_string(),
        String::from_utf8_lossy(&out.stderr).to_string(),
    )
}

crate::on_both_databases!(the_command_line_runs_the_account_lifecycle_under_the_one_policy);

async fn the_command_line_runs_the_account_lifecycle_under_the_one_policy(
    backend: crate::helpers::Backend,
) {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::helpers::fresh_database(backend, &dir).await;
    let store = linkwell::store::Store::connect(&url).await.unwrap();
    let add = [
        "add",
        "--username",
        "ann",
        "--display-name",
        "Ann",
        "--role",
        "link_worker",
    ];
    // An empty, short or common password is refused, and no account is made.
    for (password, why) in [
        ("", "empty"),
        ("too short", "at least 12 characters"),
        ("qwerty123456", "common passwords"),
    ] {
        let (ok, _, err) = users(&url, &add, Some(password));
        assert!(!ok && err.contains(why), "{password:?}: {err}");
    }
    assert_eq!(store.user_id("ann").await.unwrap(), None);

    // Without a password: a one-time link on the public URL.
    let (ok, out, err) = users(&url, &add, None);
    assert!(ok, "{err}");
    assert!(
        out.contains("https://linkwell.example.nhs.uk/password-links/"),
        "{out}"
    );
    let (ok, out, _) = users(
        &url,
        &[
            "add",
            "--username",
            "bo",
            "--display-name",
            "Bo",
            "--role",
            "analyst",
        ],
        Some("kettle orbit lantern"),
    );
    assert!(ok, "{out}");
    assert!(store
        .authenticate("bo", "kettle orbit lantern")
        .await
        .unwrap()
        .is_some());

    let (ok, token, _) = users(&url, &["token", "--username", "bo", "--days", "7"], None);
    assert!(ok);
    let token = token.trim();
    let hash = linkwell::auth::hash_secret(token);
    assert!(store.user_by_token(&hash).await.unwrap().is_some());

    let (ok, list, _) = users(&url, &["list"], None);
    assert!(ok);
    let bo = list.lines().find(|l| l.contains("\tbo\t")).unwrap();
    assert!(
        bo.contains("enabled") && bo.contains("\tset\t") && bo.ends_with("\t1"),
        "{bo}"
    );
    let ann = list.lines().find(|l| l.contains("\tann\t")).unwrap();
    assert!(ann.contains("not set"), "{ann}");

    // Disabling ends the token at once and stops sign-in; enabling brings back sign-in.
    assert!(users(&url, &["disable", "--username", "bo"], None).0);
    assert!(store.user_by_token(&hash).await.unwrap().is_none());
    assert!(store
        .authenticate("bo", "kettle orbit lantern")
        .await
        .unwrap()
        .is_none());
    let (_, list, _) = users(&url, &["list"], None);
    assert!(list
        .lines()
        .any(|l| l.contains("\tbo\t") && l.contains("disabled")));
    assert!(users(&url, &["enable", "--username", "bo"], None).0);
    assert!(store
        .authenticate("bo", "kettle orbit lantern")
        .await
        .unwrap()
        .is_some());

    let (_, token, _) = users(&url, &["token", "--username", "bo"], None);
    let hash = linkwell::auth::hash_secret(token.trim());
    let (ok, out, _) = users(&url, &["revoke-tokens", "--username", "bo"], None);
    assert!(ok && out.contains("revoked 1"), "{out}");
    assert!(store.user_by_token(&hash).await.unwrap().is_none());

    let (ok, out, _) = users(&url, &["reset-password", "--username", "bo"], None);
    assert!(ok && out.contains("/password-links/"), "{out}");
    assert!(store
        .authenticate("bo", "kettle orbit lantern")
        .await
        .unwrap()
        .is_none());

    // Every change is in the audit log, made by no account (the command line).
    let records = store.audit_records(0, 1000).await.unwrap();
    let kinds: Vec<&str> = records.iter().map(|r| r.record_type.as_str()).collect();
    for kind in [
        "account.invited",
        "account.disabled",
        "account.enabled",
        "account.tokens_revoked",
        "account.password_reset",
        "api_token",
    ] {
        assert!(kinds.contains(&kind), "{kind} in {kinds:?}");
    }
    assert!(records
        .iter()
        .all(|r| r.actor_id.is_none() && r.actor_role == "operator"));
    assert!(!users(&url, &["disable", "--username", "nobody"], None).0);
}
