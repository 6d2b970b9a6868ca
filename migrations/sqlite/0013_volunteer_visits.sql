-- Visits a link worker arranges with a volunteer (a walk, a first trip to a group). The
-- volunteer sees only the person's name and phone, the activity and the day, and records
-- that the visit happened.
CREATE TABLE volunteer_visits (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    volunteer_id INTEGER NOT NULL REFERENCES users(id),
    activity TEXT NOT NULL,
    visit_on TEXT NOT NULL,
    arranged_by INTEGER NOT NULL REFERENCES users(id),
    arranged_at TEXT NOT NULL,
    visited_at TEXT,
    note TEXT NOT NULL DEFAULT ''
);
CREATE INDEX volunteer_visits_volunteer ON volunteer_visits(volunteer_id, visit_on);
CREATE INDEX volunteer_visits_referral ON volunteer_visits(referral_id);
