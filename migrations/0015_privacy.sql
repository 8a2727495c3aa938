-- Data rights (issue 13): members who left the leaderboards, members who
-- were forgotten (`/forget_me`), and attachments on notices (`/mydata`).

-- `/leaderboard_hide on`: the member is left out of every leaderboard.
ALTER TABLE members ADD COLUMN leaderboard_hidden INTEGER NOT NULL DEFAULT 0
    CHECK (leaderboard_hidden IN (0, 1));

-- When the member asked to be forgotten. The row stays (with no name, no
-- accounts), so the ledger's rows keep their owner, balances and `doctor`
-- stay consistent, and the number is never given to anyone else.
ALTER TABLE members ADD COLUMN forgotten_at TEXT;

-- A file that goes with a notice, as JSON {"name": "…", "text": "…"}: the
-- member's data export, sent privately as a document.
ALTER TABLE outbox ADD COLUMN attachment TEXT;

-- The ledger stays append-only with two exceptions: members being joined
-- (0010) and the reason of a row naming a forgotten member, which may be
-- rewritten (their name taken out) and nothing else about the row.
DROP TRIGGER ledger_is_append_only_update;
CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.amount IS OLD.amount
    AND NEW.kind IS OLD.kind
    AND (NEW.reason IS OLD.reason
         OR EXISTS (SELECT 1 FROM members WHERE forgotten_at IS NOT NULL
                    AND id IN (OLD.member_id, OLD.actor_id)))
    AND NEW.source IS OLD.source
    AND NEW.idempotency_key IS OLD.idempotency_key
    AND NEW.earning IS OLD.earning
    AND NEW.created_at IS OLD.created_at
    AND (NEW.member_id IS OLD.member_id
         OR NEW.member_id IS (SELECT merged_into FROM members WHERE id = OLD.member_id))
    AND (NEW.actor_id IS OLD.actor_id
         OR NEW.actor_id IS (SELECT merged_into FROM members WHERE id = OLD.actor_id))
)
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
