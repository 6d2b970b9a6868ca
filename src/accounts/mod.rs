//! A user's own account over the API: their API tokens, listed, issued and revoked. The
//! account controls for administrators are pages (`web::admin`) and commands (`cli`); the
//! rules they share (password policy, throttling) live in `auth`.

pub mod api;
