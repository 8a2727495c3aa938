-- Foundation: members, their platform identities, the append-only points
-- ledger with cached balances, the message log and the moderators' audit log.
-- Migrations are append-only: never edit this file once it has shipped.

CREATE TABLE members (
    id            INTEGER PRIMARY KEY,
    display_name  TEXT    NOT NULL,
    language      TEXT    NOT NULL CHECK (language IN ('de', 'en')),
    is_bot        INTEGER NOT NULL DEFAULT 0 CHECK (is_bot IN (0, 1)),
    -- The day the member joined the club; shown as "fan since".
    fan_since     TEXT    NOT NULL,
    created_at    TEXT    NOT NULL
);

-- One row per account on a platform. External ids are TEXT: Telegram ids can
-- be negative and Discord snowflakes are u64, neither fits every integer type.
CREATE TABLE identities (
    platform      TEXT    NOT NULL,
    external_id   TEXT    NOT NULL,
    member_id     INTEGER NOT NULL REFERENCES members (id),
    username      TEXT,
    created_at    TEXT    NOT NULL,
    PRIMARY KEY (platform, external_id)
);
CREATE INDEX identities_by_member ON identities (member_id);
CREATE INDEX identities_by_username ON identities (platform, username COLLATE NOCASE);

-- Append-only: rows are never updated or deleted. A correction is a new row.
CREATE TABLE ledger (
    id              INTEGER PRIMARY KEY,
    member_id       INTEGER NOT NULL REFERENCES members (id),
    amount          INTEGER NOT NULL CHECK (amount <> 0),
    kind            TEXT    NOT NULL,
    reason          TEXT    NOT NULL,
    actor_id        INTEGER REFERENCES members (id),
    source          TEXT,
    idempotency_key TEXT    NOT NULL UNIQUE,
    created_at      TEXT    NOT NULL
);
CREATE INDEX ledger_by_member ON ledger (member_id, id);

CREATE TRIGGER ledger_is_append_only_update BEFORE UPDATE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
CREATE TRIGGER ledger_is_append_only_delete BEFORE DELETE ON ledger
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

-- Cached per-member totals, updated in the same transaction as the ledger.
CREATE TABLE balances (
    member_id       INTEGER PRIMARY KEY REFERENCES members (id),
    balance         INTEGER NOT NULL DEFAULT 0 CHECK (balance >= 0),
    lifetime_earned INTEGER NOT NULL DEFAULT 0 CHECK (lifetime_earned >= 0),
    updated_at      TEXT    NOT NULL
);

-- Every message the bot saw or sent, so replies, reactions and button presses
-- can refer to it later, across restarts.
CREATE TABLE messages (
    id           INTEGER PRIMARY KEY,
    platform     TEXT    NOT NULL,
    place        TEXT    NOT NULL,
    external_id  TEXT,
    author_id    INTEGER REFERENCES members (id),
    from_bot     INTEGER NOT NULL CHECK (from_bot IN (0, 1)),
    private      INTEGER NOT NULL CHECK (private IN (0, 1)),
    reply_to     INTEGER REFERENCES messages (id),
    body         TEXT    NOT NULL,
    -- Buttons of bot messages as a JSON array of {"label": …, "action": …}.
    buttons      TEXT    NOT NULL DEFAULT '[]',
    created_at   TEXT    NOT NULL,
    CHECK (from_bot = 1 OR author_id IS NOT NULL)
);
CREATE UNIQUE INDEX messages_by_external_id ON messages (platform, place, external_id)
    WHERE external_id IS NOT NULL;

-- What moderators did, for accountability.
CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY,
    actor_id    INTEGER NOT NULL REFERENCES members (id),
    action      TEXT    NOT NULL,
    subject_id  INTEGER REFERENCES members (id),
    detail      TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);
