-- Account lifecycle (issue 12, item 7): accounts can be disabled, API tokens expire, and
-- new users (or users whose password is reset) set their own password at a one-time link.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Tokens made before expiry existed get the default 90 days from now; a token without an
-- expiry is never accepted.
ALTER TABLE api_tokens ADD COLUMN expires_at TEXT;
UPDATE api_tokens SET expires_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '+90 days');
CREATE INDEX api_tokens_user ON api_tokens(user_id);

-- One-time links to set a password. Only the link's hash is kept; used_at is set when
-- it is used, and a newer link for the same user replaces older ones.
CREATE TABLE password_links (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    link_hash TEXT NOT NULL UNIQUE,
    purpose TEXT NOT NULL,
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used_at TEXT
);
CREATE INDEX password_links_user ON password_links(user_id);
