//! Marks the build when `LINKWELL_TEST_POSTGRES_URL` is set, so the PostgreSQL variants of the
//! integration tests run then and are reported as *ignored* (never as passing) without it.
fn main() {
    println!("cargo::rerun-if-env-changed=LINKWELL_TEST_POSTGRES_URL");
    println!("cargo::rustc-check-cfg=cfg(linkwell_postgres_tests)");
    if std::env::var("LINKWELL_TEST_POSTGRES_URL").is_ok_and(|url| !url.is_empty()) {
        println!("cargo::rustc-cfg=linkwell_postgres_tests");
    }
    println!("cargo::rerun-if-changed=build.rs");
}
