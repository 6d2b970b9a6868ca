-- Business identifiers of referrals that arrived as FHIR ServiceRequests: the same
-- identifier posted again returns the referral already made instead of a second one.
CREATE TABLE fhir_identifiers (
    system TEXT NOT NULL,
    value TEXT NOT NULL,
    referral_id BIGINT NOT NULL REFERENCES referrals(id),
    PRIMARY KEY (system, value)
);
