-- What a notice is (`crate::club::reply::Kind`): 'answer', or 'error' for a
-- mistake or apology meant for the acting member alone, which a platform
-- that can show a message to one member only (Discord's ephemeral answers)
-- shows so.
ALTER TABLE outbox ADD COLUMN kind TEXT NOT NULL DEFAULT 'answer';
