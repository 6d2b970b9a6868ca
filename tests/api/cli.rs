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
