-- A short message thread on each connection, read by both sides: the team holding the
-- referral and the community organisation the connection was sent to (the organisation
-- only while the person's consent to share with it is confirmed and in force).
-- `side` is who wrote it: 'team' or 'organisation'.
CREATE TABLE connection_messages (
    id INTEGER PRIMARY KEY,
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    side TEXT NOT NULL,
    author_id INTEGER NOT NULL REFERENCES users(id),
    body TEXT NOT NULL,
    sent_at TEXT NOT NULL
);
CREATE INDEX connection_messages_connection ON connection_messages(connection_id, id);

-- How far each user has read each thread: messages after `last_read_id` from the other
-- side are unread for them.
CREATE TABLE connection_message_reads (
    connection_id INTEGER NOT NULL REFERENCES connections(id),
    user_id INTEGER NOT NULL REFERENCES users(id),
    last_read_id INTEGER NOT NULL,
    PRIMARY KEY (connection_id, user_id)
);
