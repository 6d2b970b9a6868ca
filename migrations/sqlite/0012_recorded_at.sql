-- When needs and measures were recorded, for FHIR meta.lastUpdated and _lastUpdated
-- searches. Rows recorded before this migration have none; their referral's received
-- time stands in.
ALTER TABLE needs ADD COLUMN recorded_at TEXT;
ALTER TABLE measures ADD COLUMN recorded_at TEXT;
