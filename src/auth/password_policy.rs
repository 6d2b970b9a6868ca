//! The one password policy, for every role and every way a password is set (command line,
//! one-time link, change-password page): at least 12 characters, and not one of the
//! common passwords in `data/common-passwords.txt` (see data/README.md for its source).
//! Length and a block list, no composition rules, as NCSC and NIST SP 800-63B advise.

use std::collections::HashSet;
use std::sync::OnceLock;

pub const MIN_CHARACTERS: usize = 12;
/// Long enough for any passphrase; bounds the hashing work a request can ask for.
pub const MAX_CHARACTERS: usize = 256;

fn common_passwords() -> &'static HashSet<&'static str> {
    static LIST: OnceLock<HashSet<&'static str>> = OnceLock::new();
    LIST.get_or_init(|| {
        include_str!("../../data/common-passwords.txt")
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .collect()
    })
}

/// Why a new password is refused, in words for the person choosing it.
pub fn check(password: &str, username: &str) -> Result<(), String> {
    let length = password.chars().count();
    if password.trim().is_empty() {
        return Err("enter a password".into());
    }
    if length < MIN_CHARACTERS {
        return Err(format!(
            "a password needs at least {MIN_CHARACTERS} characters (this one has {length}); a few unrelated words make a good one"
        ));
    }
    if length > MAX_CHARACTERS {
        return Err(format!(
            "a password can have at most {MAX_CHARACTERS} characters"
        ));
    }
    let lower = password.to_lowercase();
    if common_passwords().contains(lower.as_str()) {
        return Err(
            "this password is on a list of common passwords that attackers try first; choose another".into(),
        );
    }
    let name = username.trim().to_lowercase();
    if name.len() >= 3 && lower.contains(&name) {
        return Err("a password must not contain the username".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_common_and_empty_passwords_are_refused() {
        assert!(check("", "ann").is_err());
        assert!(check("            ", "ann").is_err());
        assert!(check("eleven char", "ann")
            .unwrap_err()
            .contains("at least 12"));
        // On the shipped list (checked by hand in data/common-passwords.txt), in any case.
        for common in [
            "qwerty123456",
            "1qaz2wsx3edc",
            "LeaveMeAlone",
            "123456789987654321",
        ] {
            assert!(
                check(common, "ann")
                    .unwrap_err()
                    .contains("common passwords"),
                "{common}"
            );
        }
        assert!(check("ann.smith-password", "ann.smith")
            .unwrap_err()
            .contains("username"));
        assert!(check("kettle orbit lantern gravel", "ann").is_ok());
        assert_eq!(common_passwords().len(), 49_233);
    }
}
