-- Platform updates taken from the platform but not yet handled. An adapter
-- that confirms updates before handling them (so it can fetch more while a
-- slow chat is busy) writes them here first, deletes them once handled, and
-- handles what is left after a restart. Handling is idempotent by the
-- update's event key, so an update handled twice changes nothing.
CREATE TABLE inbox (
    platform TEXT NOT NULL,
    update_id INTEGER NOT NULL,
    body TEXT NOT NULL,
    received_at TEXT NOT NULL,
    PRIMARY KEY (platform, update_id)
) WITHOUT ROWID;
