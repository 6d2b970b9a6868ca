-- System outcomes (issue 17, item 4; docs/service-use.md): GP consultations and A&E
-- attendances in the 6 months before a referral was received and the 6 months after. One row
-- per referral and window; a later recording replaces the counts it gives (the latest wins)
-- and every change is in the audit log. A count left NULL has not been recorded.
-- `window_code` is 'before' or 'after'; `source` is 'link_worker', 'practice_import' or 'fhir'.
CREATE TABLE service_use (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    window_code TEXT NOT NULL CHECK (window_code IN ('before', 'after')),
    gp_consultations INTEGER CHECK (gp_consultations BETWEEN 0 AND 183),
    ae_attendances INTEGER CHECK (ae_attendances BETWEEN 0 AND 183),
    source TEXT NOT NULL,
    recorded_by INTEGER REFERENCES users(id),
    recorded_at TEXT NOT NULL,
    UNIQUE (referral_id, window_code)
);
