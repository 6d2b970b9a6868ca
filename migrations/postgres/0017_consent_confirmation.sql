-- Consent that arrives with a referral (the Consent of a FHIR transaction) is the sender's
-- account of what the person agreed: it belongs to that referral and is "proposed" until
-- the link worker of the team holding the case confirms it with the person. Nothing is
-- shared under a proposed consent. Consents recorded by the team are "active" at once.
-- Existing consents were recorded as active and stay so.
ALTER TABLE consents ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE consents ADD COLUMN referral_id BIGINT REFERENCES referrals(id);
ALTER TABLE consents ADD COLUMN confirmed_by BIGINT REFERENCES users(id);
ALTER TABLE consents ADD COLUMN confirmed_at TIMESTAMPTZ;
CREATE INDEX consents_referral ON consents(referral_id);
