#!/usr/bin/env python3
"""Prepares a generated database for the browser journey and prints what the journey
needs to know, as KEY=value lines. A new practice served by the demo link worker's team
starts with no referrals, so the analyst can see the journey's referral arrive in its
equity report. Usage: python3 tests/browser/setup.py DATABASE_FILE
"""
import sqlite3
import sys

with sqlite3.connect(sys.argv[1]) as db:
    team, = db.execute("SELECT team_id FROM users WHERE username = 'linkworker'").fetchone()
    organisation, = db.execute("SELECT organisation FROM users WHERE username = 'vcse'").fetchone()
    lsoa, = db.execute("SELECT lsoa FROM practices WHERE team_id = ? AND lsoa IS NOT NULL LIMIT 1", (team,)).fetchone()
    db.execute("INSERT INTO practices (code, name, lsoa, team_id) VALUES ('Z99999', 'Journey Test Surgery', ?, ?)", (lsoa, team))
    service, = db.execute(
        "SELECT name FROM services WHERE organisation = ? ORDER BY id LIMIT 1", (organisation,)).fetchone()
print("PRACTICE_CODE=Z99999")
print(f"SERVICE_NAME={service}")
print(f"ORGANISATION={organisation}")
