//! The address users and other systems reach Linkwell at, from configuration.
//!
//! Every absolute URL Linkwell writes (FHIR `fullUrl`s and search links, one-time password
//! links) is built on it, never on the request's `Host` header, which the caller chooses.

use axum::http::Uri;
use std::fmt;

/// An `http` or `https` base URL with no query or fragment, kept without a trailing slash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicUrl(String);

impl PublicUrl {
    pub fn parse(text: &str) -> Result<PublicUrl, String> {
        let text = text.trim().trim_end_matches('/');
        let uri: Uri = text
            .parse()
            .map_err(|e| format!("{text:?} is not a URL: {e}"))?;
        match uri.scheme_str() {
            Some("http") | Some("https") => {}
            _ => return Err(format!("{text:?} must start with http:// or https://")),
        }
        let host = uri.authority().map(|a| a.host()).unwrap_or_default();
        if host.is_empty() {
            return Err(format!("{text:?} names no host"));
        }
        if uri.query().is_some() || text.contains('#') || text.contains('@') {
            return Err(format!(
                "{text:?} must be a plain address (no user, query or fragment)"
            ));
        }
        Ok(PublicUrl(text.to_string()))
    }

    /// The default when none is configured: plain HTTP at the address the server listens on.
    pub fn of_listen_address(addr: std::net::SocketAddr) -> PublicUrl {
        PublicUrl(format!("http://{addr}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// An absolute URL for a path on this server (`path` starts with `/`).
    pub fn join(&self, path: &str) -> String {
        format!("{}{path}", self.0)
    }

    /// Where a one-time password link (an invitation or a reset) is used.
    pub fn password_link(&self, secret: &str) -> String {
        self.join(&password_link_path(secret))
    }
}

/// The path of a one-time password link (served by `web::accounts`).
pub fn password_link_path(secret: &str) -> String {
    format!("/password-links/{secret}")
}

impl fmt::Display for PublicUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_http_and_https_addresses_are_accepted() {
        let url = PublicUrl::parse("https://linkwell.example.nhs.uk/").unwrap();
        assert_eq!(url.as_str(), "https://linkwell.example.nhs.uk");
        assert!(url.is_https());
        assert_eq!(
            url.join("/fhir/Patient/1"),
            "https://linkwell.example.nhs.uk/fhir/Patient/1"
        );
        assert_eq!(
            PublicUrl::parse("http://10.0.0.5:8080/linkwell")
                .unwrap()
                .as_str(),
            "http://10.0.0.5:8080/linkwell"
        );
        for bad in [
            "ftp://x.example",
            "linkwell.example",
            "https://",
            "https://x.example/?a=1",
            "https://x.example/#top",
            "https://user:pw@x.example",
            "",
        ] {
            assert!(PublicUrl::parse(bad).is_err(), "{bad}");
        }
        assert_eq!(
            PublicUrl::of_listen_address("127.0.0.1:8080".parse().unwrap()).as_str(),
            "http://127.0.0.1:8080"
        );
    }
}
