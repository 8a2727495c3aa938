-- FAQ: what members asked, what the search decided, what they said about the
-- answer, and the phrasings the FAQ learned from them.

-- Every question the FAQ search looked at, for /faq_unanswered and feedback.
CREATE TABLE faq_queries (
    id          INTEGER PRIMARY KEY,
    message_id  INTEGER REFERENCES messages (id),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    question    TEXT    NOT NULL,
    -- Lowercased and trimmed, so repeats of a question group together.
    normalized  TEXT    NOT NULL,
    outcome     TEXT    NOT NULL CHECK (outcome IN ('answer', 'suggest', 'none')),
    entry_id    TEXT,
    score       REAL    NOT NULL,
    unprompted  INTEGER NOT NULL CHECK (unprompted IN (0, 1)),
    created_at  TEXT    NOT NULL
);
CREATE INDEX faq_queries_by_outcome ON faq_queries (outcome, created_at);

-- Member wordings confirmed as meaning an entry. They survive FAQ reloads;
-- an entry id that disappears from the file leaves its phrasings unused.
CREATE TABLE faq_learned (
    id          INTEGER PRIMARY KEY,
    entry_id    TEXT    NOT NULL,
    phrase      TEXT    NOT NULL,
    source      TEXT    NOT NULL CHECK (source IN ('suggestion', 'helpful', 'moderator')),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    created_at  TEXT    NOT NULL,
    UNIQUE (entry_id, phrase)
);

-- "helpful" / "not helpful" on a bot answer; one verdict per member and answer.
CREATE TABLE faq_feedback (
    answer_message_id INTEGER NOT NULL REFERENCES messages (id),
    member_id         INTEGER NOT NULL REFERENCES members (id),
    entry_id          TEXT    NOT NULL,
    helpful           INTEGER NOT NULL CHECK (helpful IN (0, 1)),
    created_at        TEXT    NOT NULL,
    PRIMARY KEY (answer_message_id, member_id)
);
