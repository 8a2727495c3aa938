-- One member across platforms (issue 12): `/link` codes, and members whose
-- accounts were joined into another member.

-- A member joined into another by `/link`: the row stays, so its number is
-- never given to anyone else and `#number` still finds the member it
-- became; it owns nothing any more (`fanclub doctor` checks that).
ALTER TABLE members ADD COLUMN merged_into INTEGER REFERENCES members (id);
CREATE INDEX members_merged ON members (merged_into) WHERE merged_into IS NOT NULL;

-- One-time codes from `/link`, kept as the SHA-256 of the code: a copy of
-- the database gives away no code that still works. A code is used once
-- (`used_at`), whether the link went through or was refused to someone
-- who should not have had it.
CREATE TABLE link_codes (
    code_hash   TEXT    PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    -- The platform of the account that asked for it.
    platform    TEXT    NOT NULL,
    created_at  TEXT    NOT NULL,
    expires_at  TEXT    NOT NULL,
    used_at     TEXT,
    used_by     INTEGER REFERENCES members (id),
    -- 'linked', 'refused' (the accounts could not be joined) or 'exposed'
    -- (sent where others could read it).
    outcome     TEXT    CHECK (outcome IN ('linked', 'refused', 'exposed'))
);
CREATE INDEX link_codes_by_member ON link_codes (member_id, created_at);

-- Codes a member tried that fit no code: guessing is rate-limited.
CREATE TABLE link_attempts (
    id          INTEGER PRIMARY KEY,
    member_id   INTEGER NOT NULL REFERENCES members (id),
    created_at  TEXT    NOT NULL
);
CREATE INDEX link_attempts_by_member ON link_attempts (member_id, created_at);

-- The ledger stays append-only with one exception: when two members are
-- joined, the absorbed member's rows (as owner or as actor) are pointed at
-- the member it was merged into, and nothing else about them changes.
DROP TRIGGER ledger_is_append_only_update;
CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
WHEN NOT (
    NEW.id IS OLD.id
    AND NEW.amount IS OLD.amount
    AND NEW.kind IS OLD.kind
    AND NEW.reason IS OLD.reason
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
