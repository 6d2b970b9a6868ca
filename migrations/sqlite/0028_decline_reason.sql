-- Why a service declined a connection, coded (issue 17, community capacity): `no_capacity`
-- is counted as a connection declined because the service was full. Free-text notes stay
-- in connection_events; connections declined before this have no coded reason.
ALTER TABLE connections ADD COLUMN decline_reason TEXT;
