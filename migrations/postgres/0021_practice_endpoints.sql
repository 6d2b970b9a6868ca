-- Where each practice's GP messages are delivered (issue 16): a FHIR $process-message URL, or
-- a MESH-style mailbox folder (one data file and one control file per message).
CREATE TABLE practice_endpoints (
    practice_id BIGINT PRIMARY KEY REFERENCES practices(id),
    -- fhir or mailbox
    kind TEXT NOT NULL,
    -- The URL messages are POSTed to, or the folder they are written into.
    address TEXT NOT NULL,
    -- Mailbox only: the practice's mailbox id and the workflow id, for the control file.
    mailbox_id TEXT,
    workflow_id TEXT,
    updated_at TIMESTAMPTZ NOT NULL
);
