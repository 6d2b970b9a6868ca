-- The diary (issue 15, item 14): contacts and volunteer visits booked for a time, with place
-- and mode; each user's private calendar feed (only the SHA-256 of its secret is kept); and
-- the team's phone number, which appointment letters give for changing an appointment.
ALTER TABLE teams ADD COLUMN phone TEXT;

CREATE TABLE appointments (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    kind TEXT NOT NULL CHECK (kind IN ('contact', 'visit')),
    starts_at TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL CHECK (duration_minutes > 0),
    place TEXT NOT NULL,
    mode TEXT NOT NULL,
    with_user_id INTEGER NOT NULL REFERENCES users(id),
    what_to_bring TEXT NOT NULL DEFAULT '',
    booked_by INTEGER NOT NULL REFERENCES users(id),
    booked_at TEXT NOT NULL,
    cancelled_at TEXT
);
CREATE INDEX appointments_with ON appointments(with_user_id, starts_at);
CREATE INDEX appointments_booked_by ON appointments(booked_by, starts_at);
CREATE INDEX appointments_referral ON appointments(referral_id);

CREATE TABLE calendar_feeds (
    user_id INTEGER PRIMARY KEY REFERENCES users(id),
    secret_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);
