-- The platform event whose handling wrote a notice (its idempotency key,
-- e.g. `discord:interaction:<id>`), NULL for notices no event owns (timers,
-- digests). A platform that answers an event through the event itself (a
-- Discord interaction's response and follow-ups) finds its answers by it.
ALTER TABLE outbox ADD COLUMN event_key TEXT;
