-- Every change to a directory listing made in Linkwell (by its organisation or an
-- administrator): who, when, what, and the record before and after.
CREATE TABLE directory_listing_history (
    id INTEGER PRIMARY KEY,
    service_id INTEGER NOT NULL REFERENCES services(id),
    changed_at TEXT NOT NULL,
    changed_by INTEGER NOT NULL REFERENCES users(id),
    summary TEXT NOT NULL,
    document_before TEXT NOT NULL,
    document_after TEXT NOT NULL
);
CREATE INDEX directory_listing_history_service ON directory_listing_history(service_id);
