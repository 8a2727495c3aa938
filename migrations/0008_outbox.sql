-- Delivery: every notice the club sends waits here until the deliverer of
-- its platform has sent it. A handler writes its notices in the same
-- transaction as the event's handled mark (handled_events), so a crash
-- loses neither: the event is handled once in effect and its notices are
-- delivered at least once, also after a restart.

-- The platforms that deliver notices, and where each one's moderators read.
-- Every adapter registers itself when it starts; notices for the moderators
-- go to every platform listed here that has a moderators' place.
CREATE TABLE delivery_platforms (
    platform          TEXT PRIMARY KEY,
    moderators_place  TEXT,
    registered_at     TEXT NOT NULL
);

-- How each member wants to be reached.
CREATE TABLE member_delivery (
    member_id           INTEGER PRIMARY KEY REFERENCES members (id),
    -- The platform the member used last; private notices go there.
    last_platform       TEXT,
    -- A platform the member chose; wins over the last one while reachable.
    preferred_platform  TEXT,
    -- `/notify off`: no digests of points earned.
    recognition         INTEGER NOT NULL DEFAULT 1 CHECK (recognition IN (0, 1)),
    updated_at          TEXT NOT NULL
);

CREATE TABLE outbox (
    id               INTEGER PRIMARY KEY,
    addressee        TEXT    NOT NULL CHECK (addressee IN ('member', 'moderators', 'place')),
    member_id        INTEGER REFERENCES members (id),
    -- The platform whose deliverer sends it. NULL while nothing can reach the
    -- addressee: the notice is held until the member next uses the bot.
    platform         TEXT,
    -- The chat on that platform: a place id, the moderators' place, or for a
    -- member the account id whose private chat the deliverer opens.
    place            TEXT,
    private          INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    -- JSON {"lang": "de", "text": "…", "translations": {"en": "…"}}: the
    -- deliverer picks the addressee's language.
    texts            TEXT    NOT NULL,
    buttons          TEXT    NOT NULL DEFAULT '[]',
    reply_to         INTEGER REFERENCES messages (id),
    -- Edit this bot message instead of sending a new one …
    replaces         INTEGER REFERENCES messages (id),
    -- … or the message an earlier notice became, once it is sent.
    replaces_notice  INTEGER REFERENCES outbox (id),
    -- Where the event happened and the member's message there: a private
    -- notice the platform refuses becomes a hint in that place.
    origin_place     TEXT,
    origin_message   INTEGER REFERENCES messages (id),
    dedupe_key       TEXT UNIQUE,
    attempts         INTEGER NOT NULL DEFAULT 0,
    next_attempt_at  TEXT    NOT NULL,
    -- A deliverer is sending it until then; cleared when the attempt is
    -- recorded, and by the platform's deliverer when it starts (a crash).
    leased_until     TEXT,
    delivered_at     TEXT,
    -- The platform's id of the sent message, and ours.
    external_id      TEXT,
    message_id       INTEGER REFERENCES messages (id),
    failed_at        TEXT,
    last_error       TEXT,
    created_at       TEXT    NOT NULL
);
CREATE INDEX outbox_due ON outbox (platform, next_attempt_at)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
-- A chat's notices go out in order: the deliverer looks for earlier ones.
CREATE INDEX outbox_by_chat ON outbox (platform, place, id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_by_member ON outbox (member_id)
    WHERE delivered_at IS NULL AND failed_at IS NULL;
CREATE INDEX outbox_delivered ON outbox (delivered_at) WHERE delivered_at IS NOT NULL;
