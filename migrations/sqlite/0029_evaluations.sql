-- Approved evaluations and the extracts made for them (issue 17, item 6). Each evaluation has
-- its own secret: an extract's person key is HMAC-SHA256 of the person id under it, so two
-- evaluations' rows cannot be linked and nobody without the database can reverse a key.
-- Dates are text (YYYY-MM-DD; times RFC 3339 UTC) so both engines store them alike.
CREATE TABLE evaluations (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    evaluator TEXT NOT NULL,
    purpose TEXT NOT NULL,
    approved_until TEXT NOT NULL,
    key_secret TEXT NOT NULL,
    approved_at TEXT NOT NULL,
    approved_by_role TEXT NOT NULL,
    approved_by INTEGER REFERENCES users(id)
);

-- Every extract and every refusal, with what was checked; the audit log points here.
CREATE TABLE evaluation_extracts (
    id INTEGER PRIMARY KEY,
    evaluation_name TEXT NOT NULL,
    evaluation_id INTEGER REFERENCES evaluations(id),
    at TEXT NOT NULL,
    actor_role TEXT NOT NULL,
    actor_id INTEGER REFERENCES users(id),
    outcome TEXT NOT NULL,
    period_from TEXT,
    period_to TEXT,
    row_count INTEGER NOT NULL,
    k_achieved INTEGER,
    generalisations TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX evaluation_extracts_evaluation ON evaluation_extracts(evaluation_name);
