-- The secret behind the equity report's record keys (cell-key perturbation, as the ONS used for
-- Census 2021): each referral's key is a keyed hash of its id, so it is fixed for the life of the
-- database but cannot be worked out without this value. Created once, never shown.
INSERT INTO meta (key, value)
VALUES ('equity_record_key_secret',
        md5(random()::text || clock_timestamp()::text) || md5(random()::text || clock_timestamp()::text))
ON CONFLICT (key) DO NOTHING;
