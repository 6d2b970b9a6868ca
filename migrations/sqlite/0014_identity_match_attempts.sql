-- Identity matches tried per user: an NHS number sent with a family name and date of birth
-- that must match the person on file. One row per user, incremented atomically *before*
-- the match is checked (and given back when it matches), so however many requests arrive
-- at once, no more than the limit of failed matches is ever checked in one window. Kept in
-- the database so the limit holds across server instances.
CREATE TABLE identity_match_attempts (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    window_start TEXT NOT NULL,
    attempts INTEGER NOT NULL
);
