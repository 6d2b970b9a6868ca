-- The community directory (HSDS 3.0 / Open Referral UK). A service keeps its record exactly
-- as received (`document`, JSON text), so a feed round-trips; the columns beside it are what
-- queries and connections need. Services made before the directory have no document and
-- are served from their columns.
ALTER TABLE services ADD COLUMN hsds_id TEXT;
CREATE UNIQUE INDEX services_hsds_id ON services(hsds_id);
ALTER TABLE services ADD COLUMN status TEXT NOT NULL DEFAULT 'active';
ALTER TABLE services ADD COLUMN document TEXT;
ALTER TABLE services ADD COLUMN updated_at TEXT;

CREATE TABLE directory_organizations (
    hsds_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    document TEXT NOT NULL
);

CREATE TABLE directory_taxonomy_terms (
    hsds_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    taxonomy_id TEXT,
    document TEXT NOT NULL
);
