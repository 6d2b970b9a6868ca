-- Programme costs (issue 17, item 5): what a programme cost in one calendar month, in
-- pence, split into staff, grants (paid on to community groups) and other costs
-- (docs/cost-report.md). Recorded by the month so that every published period (a month, a
-- quarter, a financial year) is an exact sum of whole months.
--
-- Append-only: a change to a month's figures is a new row, and the month's figures are
-- its latest row (the highest id). Earlier rows stay as the history of who recorded what
-- and when; each row also has its audit record (record_type 'programme_cost').
CREATE TABLE programme_costs (
    id INTEGER PRIMARY KEY,
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    -- The calendar month, 'YYYY-MM'.
    month TEXT NOT NULL CHECK (length(month) = 7 AND substr(month, 5, 1) = '-'),
    staff_pence BIGINT NOT NULL CHECK (staff_pence >= 0),
    grants_pence BIGINT NOT NULL CHECK (grants_pence >= 0),
    other_pence BIGINT NOT NULL CHECK (other_pence >= 0),
    note TEXT NOT NULL DEFAULT '',
    recorded_by INTEGER NOT NULL REFERENCES users(id),
    recorded_at TEXT NOT NULL
);
CREATE INDEX programme_costs_month ON programme_costs(programme_id, month, id);
