-- Facts about the database itself, e.g. that a synthetic population was generated completely.
CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
