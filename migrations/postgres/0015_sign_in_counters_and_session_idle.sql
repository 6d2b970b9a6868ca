-- Sign-in throttling counted first, then checked (issue 12, items 3 and 4). One row per
-- account and per network address, locked while an attempt is counted, so parallel
-- guesses cannot all read "under the limit" before any of them is recorded.
--   failures:     attempts counted in the current window that did not (yet) succeed
--   window_start: when the current window began (a window past its length starts afresh)
--   last_failure: the latest counted attempt, from which an address's delay runs
CREATE TABLE sign_in_counters (
    throttle_key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    window_start TEXT NOT NULL,
    last_failure TEXT NOT NULL
);
-- Replaced by sign_in_counters: a row per attempt could only be counted, then added to.
DROP TABLE sign_in_failures;

-- Sessions end after 30 minutes without a request (sliding) as well as at expires_at
-- (the absolute limit). Sessions from before this migration are ended.
DELETE FROM sessions;
ALTER TABLE sessions ADD COLUMN created_at TIMESTAMPTZ NOT NULL DEFAULT now();
ALTER TABLE sessions ADD COLUMN last_seen_at TIMESTAMPTZ NOT NULL DEFAULT now();
CREATE INDEX sessions_user ON sessions(user_id);
CREATE INDEX sign_in_counters_last_failure ON sign_in_counters(last_failure);
