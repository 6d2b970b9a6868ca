-- Issue 16. (1) The referral code at the right moment: SNOMED CT 871731000000106 (referral to
-- social prescribing service) is recorded when the person accepts the referral (the move to
-- `active`), not on receipt; 871711000000103 on a decline. Existing history is corrected the
-- same way, and `referrals.snomed_code` becomes the latest code recorded (none before either).
-- (2) The GP outbox: one row per event the GP record is told of, written in the transaction
-- that records the event (docs/gp-record.md).
UPDATE referral_events SET snomed_code = NULL WHERE kind = 'created' AND snomed_code = '871731000000106';
UPDATE referral_events SET snomed_code = '871731000000106'
WHERE kind = 'transition' AND to_state = 'active' AND snomed_code IS NULL;
ALTER TABLE referrals DROP COLUMN snomed_code;
ALTER TABLE referrals ADD COLUMN snomed_code TEXT;
UPDATE referrals SET snomed_code = (
    SELECT e.snomed_code FROM referral_events e
    WHERE e.referral_id = referrals.id AND e.snomed_code IS NOT NULL ORDER BY e.id DESC LIMIT 1);

CREATE TABLE gp_outbox (
    id INTEGER PRIMARY KEY,
    -- accepted, declined, contact, score, closed, unable_to_contact
    event TEXT NOT NULL,
    -- What happened, once: "<event>:<table>:<id>"; the message id is derived from it.
    event_key TEXT NOT NULL UNIQUE,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    -- The person's practice when the event happened: where the message goes.
    practice_id INTEGER NOT NULL REFERENCES practices(id),
    created_at TEXT NOT NULL,
    -- pending, delivered, dead
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT NOT NULL,
    leased_until TEXT,
    lease_holder TEXT,
    last_error TEXT,
    last_attempt_at TEXT,
    delivered_at TEXT
);
CREATE INDEX gp_outbox_due ON gp_outbox(status, next_attempt_at);
CREATE INDEX gp_outbox_referral ON gp_outbox(referral_id);
