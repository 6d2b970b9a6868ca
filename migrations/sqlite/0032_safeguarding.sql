-- Risk and safeguarding concerns (docs/safeguarding.md). A concern belongs to a referral,
-- so only the team holding it reads it; organisations and volunteers never do. Concerns
-- are never changed or deleted once written (a later action is a new concern), so the
-- record of who knew what, and when, stands.
-- `kind` is a Care Act 2014 statutory guidance category (data/care-act-abuse-categories.csv)
-- or `other_risk`; NULL for a volunteer's worry the team has not yet assessed.
-- `raised_by_role` is 'team' (a link worker or team lead) or 'volunteer'.
CREATE TABLE concerns (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    kind TEXT,
    description TEXT NOT NULL,
    action_taken TEXT NOT NULL DEFAULT '',
    referred_to_lead_on TEXT,
    raised_by INTEGER NOT NULL REFERENCES users(id),
    raised_by_role TEXT NOT NULL,
    visit_id INTEGER REFERENCES volunteer_visits(id),
    raised_at TEXT NOT NULL
);
CREATE INDEX concerns_referral ON concerns(referral_id, id);

-- Which concerns each team member has read: another's concern without a row here is new
-- to them (counted on the caseload, marked on the person's page).
CREATE TABLE concern_reads (
    concern_id INTEGER NOT NULL REFERENCES concerns(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    read_at TEXT NOT NULL,
    PRIMARY KEY (concern_id, user_id)
);

-- The team's phone number, given to its volunteers, is teams.phone (migration 0034).

-- A visit's time and meeting place, and a volunteer's record that it did not happen.
ALTER TABLE volunteer_visits ADD COLUMN visit_time TEXT;
ALTER TABLE volunteer_visits ADD COLUMN meeting_place TEXT NOT NULL DEFAULT '';
ALTER TABLE volunteer_visits ADD COLUMN not_happened_at TEXT;
ALTER TABLE volunteer_visits ADD COLUMN not_happened_reason TEXT;
