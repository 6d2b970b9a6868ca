-- Failed sign-ins, per account and per network address, for throttling. Kept in the
-- database so the limit holds across server instances.
CREATE TABLE sign_in_failures (
    throttle_key TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX sign_in_failures_key ON sign_in_failures(throttle_key, at);
