-- Self-referral (issue 16, item 4): a public form with no sign-in (docs/self-referral.md).
--
-- Referrer kinds widened: "other_professional" is no longer offered; its referrals become "other".
UPDATE referrals SET referrer_kind = 'other' WHERE referrer_kind = 'other_professional';

-- What a self-referral brings beyond the person and the referral. The NHS number is as the person
-- typed it, unchecked against anyone on file: the link worker reconciles it when they call.
CREATE TABLE self_referrals (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL UNIQUE REFERENCES referrals(id),
    reference TEXT NOT NULL UNIQUE,
    stated_nhs_number TEXT,
    preferred_time TEXT NOT NULL,
    no_fixed_address BOOLEAN NOT NULL,
    consent_to_contact BOOLEAN NOT NULL,
    created_at TEXT NOT NULL
);

-- Submissions per network address in the current window, counted before anything is written.
CREATE TABLE self_referral_counters (
    address_key TEXT PRIMARY KEY,
    submissions BIGINT NOT NULL,
    window_start TEXT NOT NULL
);
