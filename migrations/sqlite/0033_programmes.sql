-- Programmes (issue 17, item 3): the social prescribing offer a referral belongs to, each run
-- on one of the models the review names (docs/programmes.md). Administrators define them;
-- every report can be limited to one. Eligibility is kept simple: a minimum age, the coded
-- needs the programme is for (comma-separated need codes, empty = any) and free-text notes.
-- Pathway steps are one per line.
CREATE TABLE programmes (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    model TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    min_age INTEGER,
    eligible_needs TEXT NOT NULL DEFAULT '',
    eligibility_notes TEXT NOT NULL DEFAULT '',
    pathway TEXT NOT NULL DEFAULT '',
    active BOOLEAN NOT NULL DEFAULT TRUE
);

-- The teams that run a programme (a team may run several).
CREATE TABLE programme_teams (
    programme_id INTEGER NOT NULL REFERENCES programmes(id),
    team_id INTEGER NOT NULL REFERENCES teams(id),
    PRIMARY KEY (programme_id, team_id)
);
CREATE INDEX programme_teams_team ON programme_teams(team_id);

ALTER TABLE referrals ADD COLUMN programme_id INTEGER REFERENCES programmes(id);
CREATE INDEX referrals_programme ON referrals(programme_id);

-- Existing data: one default programme per team that exists now ("<team> social
-- prescribing", model "other": nobody has said which model it follows), run by that team,
-- holding every referral the team holds. Administrators rename and recode them afterwards.
INSERT INTO programmes (name, model, description, pathway)
    SELECT name || ' social prescribing', 'other',
           'Made when programmes were introduced: every referral the team held before then.',
           ''
    FROM teams ORDER BY id;
INSERT INTO programme_teams (programme_id, team_id)
    SELECT p.id, t.id FROM teams t JOIN programmes p ON p.name = t.name || ' social prescribing';
UPDATE referrals SET programme_id =
    (SELECT pt.programme_id FROM programme_teams pt WHERE pt.team_id = referrals.team_id)
    WHERE team_id IS NOT NULL;
