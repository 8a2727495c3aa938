-- Questions the FAQ does not answer, as members and moderators said: the
-- FAQ's decision practises refusing them at every load (issue 10).
CREATE TABLE faq_negatives (
    id          INTEGER PRIMARY KEY,
    question    TEXT    NOT NULL,
    -- The entry that answered it wrongly ("not helpful"), or '' when a
    -- moderator marked it as not covered by the FAQ at all.
    entry_id    TEXT    NOT NULL DEFAULT '',
    source      TEXT    NOT NULL CHECK (source IN ('not_helpful', 'moderator')),
    member_id   INTEGER NOT NULL REFERENCES members (id),
    created_at  TEXT    NOT NULL,
    UNIQUE (question, entry_id)
);
