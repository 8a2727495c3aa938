-- Points a member earned, waiting to be told to them in a private digest
-- (at most one per `recognition.digest_minutes`). Written when the points
-- are booked; the digest notice and the `digested_at` mark are written in
-- one transaction.
CREATE TABLE earned_points (
    id           INTEGER PRIMARY KEY,
    member_id    INTEGER NOT NULL REFERENCES members (id),
    kind         TEXT    NOT NULL CHECK (kind IN ('upvote', 'solution', 'thanks', 'grant', 'badge')),
    -- A badge earns no points of its own.
    points       INTEGER NOT NULL CHECK (points <> 0 OR kind = 'badge'),
    -- Who voted (their name as it was then); NULL for grants.
    from_name    TEXT,
    -- A grant's or revocation's reason; a badge's message id.
    reason       TEXT,
    source_key   TEXT    NOT NULL UNIQUE,
    created_at   TEXT    NOT NULL,
    digested_at  TEXT
);
CREATE INDEX earned_points_waiting ON earned_points (member_id, created_at)
    WHERE digested_at IS NULL;
