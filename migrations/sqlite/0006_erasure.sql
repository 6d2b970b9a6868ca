-- When a person's identifying details and casework text were erased (retention or request).
-- Coded data stays, so aggregate counts and the audit chain remain whole.
ALTER TABLE people ADD COLUMN erased_at TEXT;
