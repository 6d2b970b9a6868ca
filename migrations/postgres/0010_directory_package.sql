-- What an imported HSDS CSV data package held beyond its service records: each table's
-- column order and the rows no service carries (metadata, unused taxonomies...), kept
-- as received so that exporting gives the package back.
CREATE TABLE directory_package (
    table_name TEXT PRIMARY KEY,
    columns TEXT NOT NULL,
    extra_rows TEXT NOT NULL
);
