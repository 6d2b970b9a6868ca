-- Consent to share with a community organisation: what, with whom, when and how it was
-- given. A connection is sent only under an active consent; withdrawing it stops sharing.
CREATE TABLE consents (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    organisation TEXT NOT NULL,
    share_fields TEXT NOT NULL,
    method TEXT NOT NULL,
    given_at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    withdrawn_at TEXT,
    withdrawn_by INTEGER REFERENCES users(id)
);
CREATE INDEX consents_person ON consents(person_id);

ALTER TABLE connections ADD COLUMN consent_id INTEGER REFERENCES consents(id);
