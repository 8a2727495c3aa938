-- Points for helpful answers: every vote, paying or not, and why.

-- Whether a ledger row counts as earned (upvotes, solutions, grants and their
-- reversals) rather than spent; leaderboards and "lifetime earned" sum these.
-- Every row written before this migration is a moderator grant: earned.
ALTER TABLE ledger ADD COLUMN earning INTEGER NOT NULL DEFAULT 1 CHECK (earning IN (0, 1));

-- One row per vote event: a reaction, a thanks reply, /upvote or /solved.
-- A vote that pays nothing is still recorded with the reason, for /why.
CREATE TABLE votes (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages (id),
    voter_id     INTEGER NOT NULL REFERENCES members (id),
    author_id    INTEGER NOT NULL REFERENCES members (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('upvote', 'solution')),
    -- reaction, thanks or command; for reactions the emoji, so removing
    -- that reaction withdraws exactly this vote.
    via          TEXT    NOT NULL,
    emoji        TEXT,
    -- What the vote paid (0 when a rule stopped it) and the rule that decided.
    points       INTEGER NOT NULL CHECK (points >= 0),
    outcome      TEXT    NOT NULL,
    -- The voter's local day, for the daily caps.
    day          TEXT    NOT NULL,
    active       INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    -- The platform event, so a replayed event is recognised (NULL: none).
    event_key    TEXT UNIQUE,
    created_at   TEXT    NOT NULL,
    withdrawn_at TEXT,
    -- What the withdrawal took back (can be less than points when the
    -- author had already spent them).
    reversed     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX votes_by_author_day ON votes (author_id, day);
CREATE INDEX votes_by_voter_day ON votes (voter_id, day);
CREATE INDEX votes_by_message ON votes (message_id, voter_id);
