-- Core social prescribing schema (SQLite). Keep in step with migrations/postgres.
CREATE TABLE teams (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE
);

CREATE TABLE practices (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    lsoa TEXT,
    team_id INTEGER REFERENCES teams(id)
);

CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL,
    team_id INTEGER REFERENCES teams(id),
    organisation TEXT,
    password_hash TEXT,
    created_at TEXT NOT NULL
);

CREATE TABLE api_tokens (
    id INTEGER PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users(id),
    token_hash TEXT NOT NULL UNIQUE,
    label TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    session_hash TEXT NOT NULL UNIQUE,
    user_id INTEGER NOT NULL REFERENCES users(id),
    csrf_token TEXT NOT NULL,
    expires_at TEXT NOT NULL
);

CREATE TABLE people (
    id INTEGER PRIMARY KEY,
    nhs_number TEXT UNIQUE,
    given_name TEXT NOT NULL,
    family_name TEXT NOT NULL,
    date_of_birth TEXT NOT NULL,
    sex TEXT NOT NULL,
    ethnicity TEXT NOT NULL,
    postcode TEXT NOT NULL,
    lsoa TEXT,
    imd_decile INTEGER,
    practice_id INTEGER REFERENCES practices(id),
    phone TEXT,
    plus_groups TEXT NOT NULL DEFAULT '',
    conditions TEXT NOT NULL DEFAULT '',
    created_by INTEGER REFERENCES users(id),
    created_at TEXT NOT NULL
);
CREATE INDEX people_practice ON people(practice_id);

CREATE TABLE referrals (
    id INTEGER PRIMARY KEY,
    person_id INTEGER NOT NULL REFERENCES people(id),
    state TEXT NOT NULL,
    version INTEGER NOT NULL,
    referrer_kind TEXT NOT NULL,
    referred_by INTEGER NOT NULL REFERENCES users(id),
    reason TEXT NOT NULL,
    team_id INTEGER REFERENCES teams(id),
    link_worker_id INTEGER REFERENCES users(id),
    close_reason TEXT,
    received_at TEXT NOT NULL,
    next_follow_up_on TEXT,
    snomed_code TEXT NOT NULL
);
CREATE INDEX referrals_person ON referrals(person_id);
CREATE INDEX referrals_team_state ON referrals(team_id, state);
CREATE INDEX referrals_referred_by ON referrals(referred_by);

CREATE TABLE referral_events (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    kind TEXT NOT NULL,
    to_state TEXT,
    close_reason TEXT,
    link_worker_id INTEGER REFERENCES users(id),
    snomed_code TEXT,
    note TEXT,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    at TEXT NOT NULL
);
CREATE INDEX referral_events_referral ON referral_events(referral_id);

CREATE TABLE contacts (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    at TEXT NOT NULL,
    mode TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    reached BOOLEAN NOT NULL,
    notes TEXT NOT NULL,
    what_matters TEXT,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX contacts_referral ON contacts(referral_id);

CREATE TABLE needs (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    need TEXT NOT NULL,
    notes TEXT NOT NULL
);
CREATE INDEX needs_referral ON needs(referral_id);

CREATE TABLE goals (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    description TEXT NOT NULL,
    need TEXT,
    created_at TEXT NOT NULL
);
CREATE INDEX goals_referral ON goals(referral_id);

CREATE TABLE goal_progress (
    id INTEGER PRIMARY KEY,
    goal_id INTEGER NOT NULL REFERENCES goals(id),
    progress INTEGER NOT NULL,
    note TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX goal_progress_goal ON goal_progress(goal_id);

CREATE TABLE services (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    organisation TEXT NOT NULL,
    description TEXT NOT NULL
);

CREATE TABLE connections (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    service_id INTEGER NOT NULL REFERENCES services(id),
    status TEXT NOT NULL,
    accompanied BOOLEAN NOT NULL,
    sent_at TEXT NOT NULL,
    status_at TEXT NOT NULL,
    notes TEXT NOT NULL,
    created_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX connections_referral ON connections(referral_id);

CREATE TABLE connection_events (
    id INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    status TEXT NOT NULL,
    note TEXT NOT NULL,
    actor_id INTEGER NOT NULL REFERENCES users(id),
    at TEXT NOT NULL
);
CREATE INDEX connection_events_connection ON connection_events(connection_id);

CREATE TABLE barriers (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    barrier TEXT NOT NULL,
    connection_id INTEGER REFERENCES connections(id),
    notes TEXT NOT NULL,
    at TEXT NOT NULL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX barriers_referral ON barriers(referral_id);

CREATE TABLE measures (
    id INTEGER PRIMARY KEY,
    referral_id INTEGER NOT NULL REFERENCES referrals(id),
    instrument TEXT NOT NULL,
    timing TEXT NOT NULL,
    taken_on TEXT NOT NULL,
    answers TEXT NOT NULL,
    complete BOOLEAN NOT NULL,
    total INTEGER,
    metric_score REAL,
    recorded_by INTEGER NOT NULL REFERENCES users(id)
);
CREATE INDEX measures_referral ON measures(referral_id);
