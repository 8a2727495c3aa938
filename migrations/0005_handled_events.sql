-- Platform events without a message of their own (button presses) that were
-- handled, so one delivered twice is answered once.
CREATE TABLE handled_events (
    event_key  TEXT PRIMARY KEY,
    created_at TEXT NOT NULL
);
