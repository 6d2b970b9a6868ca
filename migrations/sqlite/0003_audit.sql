-- Append-only, hash-chained audit log of every read and write of person-identifiable data.
-- Each record's hash covers its fields and the previous record's hash, so an edited,
-- deleted or reordered record breaks the chain; audit_head holds the tip, so a truncated
-- tail is detected too. Times are stored as text so the hashed bytes round-trip exactly.
CREATE TABLE audit_log (
    id INTEGER PRIMARY KEY CHECK (id > 0),
    at TEXT NOT NULL,
    actor_id INTEGER,
    actor_role TEXT NOT NULL,
    action TEXT NOT NULL,
    record_type TEXT NOT NULL,
    record_id INTEGER,
    person_id INTEGER,
    purpose TEXT NOT NULL,
    request_id TEXT NOT NULL,
    prev_hash TEXT NOT NULL,
    hash TEXT NOT NULL
);
CREATE INDEX audit_log_person ON audit_log(person_id);

CREATE TABLE audit_head (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    last_id INTEGER NOT NULL,
    last_hash TEXT NOT NULL
);
INSERT INTO audit_head (id, last_id, last_hash) VALUES (1, 0, 'genesis');
