//! The sign-in page.

use super::Layout;
use askama::Template;

#[derive(Template)]
#[template(path = "sign_in.html")]
pub struct SignInPage {
    pub layout: Layout,
    pub error: Option<String>,
    pub username: String,
    pub csrf: String,
}
