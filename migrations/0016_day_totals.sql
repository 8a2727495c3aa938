-- Per-day totals, so that a vote's cost does not grow with the day's
-- activity, and indexes for rank and replies (issue 14).
--
-- The totals are kept by triggers, in the statement (and so the
-- transaction) that writes the vote or the ledger row: no write path can
-- forget them, and `doctor` recomputes them from the votes and the ledger.
-- Rows whose total fell back to zero stay; they count as zero.

-- Points each author got from standing votes per (voter's local) day.
CREATE TABLE vote_days_author (
    author_id INTEGER NOT NULL,
    day       TEXT    NOT NULL,
    earned    INTEGER NOT NULL,
    PRIMARY KEY (author_id, day)
) WITHOUT ROWID;

-- Standing paying upvotes each voter cast per day.
CREATE TABLE vote_days_voter (
    voter_id  INTEGER NOT NULL,
    day       TEXT    NOT NULL,
    paid      INTEGER NOT NULL,
    PRIMARY KEY (voter_id, day)
) WITHOUT ROWID;

-- Standing paying upvotes from one voter to one author per day.
CREATE TABLE vote_days_pair (
    voter_id  INTEGER NOT NULL,
    author_id INTEGER NOT NULL,
    day       TEXT    NOT NULL,
    paid      INTEGER NOT NULL,
    PRIMARY KEY (voter_id, author_id, day)
) WITHOUT ROWID;

-- Earned points (ledger rows with earning = 1) per member and UTC hour
-- ('2026-11-02T10', the first 13 characters of created_at): a leaderboard
-- period that starts on a full hour (local midnight in every whole-hour
-- time zone) sums these instead of the ledger.
CREATE TABLE earned_hours (
    member_id INTEGER NOT NULL,
    hour      TEXT    NOT NULL,
    earned    INTEGER NOT NULL,
    PRIMARY KEY (hour, member_id)
) WITHOUT ROWID;

CREATE TRIGGER vote_days_insert AFTER INSERT ON votes
WHEN NEW.active = 1 AND NEW.points > 0
BEGIN
    INSERT INTO vote_days_author (author_id, day, earned) VALUES (NEW.author_id, NEW.day, NEW.points)
        ON CONFLICT (author_id, day) DO UPDATE SET earned = earned + excluded.earned;
    INSERT INTO vote_days_voter (voter_id, day, paid)
        SELECT NEW.voter_id, NEW.day, 1 WHERE NEW.kind = 'upvote'
        ON CONFLICT (voter_id, day) DO UPDATE SET paid = paid + 1;
    INSERT INTO vote_days_pair (voter_id, author_id, day, paid)
        SELECT NEW.voter_id, NEW.author_id, NEW.day, 1 WHERE NEW.kind = 'upvote'
        ON CONFLICT (voter_id, author_id, day) DO UPDATE SET paid = paid + 1;
END;

-- Any change of what a vote counts for (paid, ended, moved to a joined
-- member): take out the old row's share, add the new one's.
CREATE TRIGGER vote_days_update AFTER UPDATE OF active, points, kind, day, voter_id, author_id ON votes
WHEN (OLD.active = 1 AND OLD.points > 0) OR (NEW.active = 1 AND NEW.points > 0)
BEGIN
    UPDATE vote_days_author SET earned = earned - OLD.points
        WHERE OLD.active = 1 AND OLD.points > 0 AND author_id = OLD.author_id AND day = OLD.day;
    UPDATE vote_days_voter SET paid = paid - 1
        WHERE OLD.active = 1 AND OLD.points > 0 AND OLD.kind = 'upvote'
          AND voter_id = OLD.voter_id AND day = OLD.day;
    UPDATE vote_days_pair SET paid = paid - 1
        WHERE OLD.active = 1 AND OLD.points > 0 AND OLD.kind = 'upvote'
          AND voter_id = OLD.voter_id AND author_id = OLD.author_id AND day = OLD.day;
    INSERT INTO vote_days_author (author_id, day, earned)
        SELECT NEW.author_id, NEW.day, NEW.points WHERE NEW.active = 1 AND NEW.points > 0
        ON CONFLICT (author_id, day) DO UPDATE SET earned = earned + excluded.earned;
    INSERT INTO vote_days_voter (voter_id, day, paid)
        SELECT NEW.voter_id, NEW.day, 1 WHERE NEW.active = 1 AND NEW.points > 0 AND NEW.kind = 'upvote'
        ON CONFLICT (voter_id, day) DO UPDATE SET paid = paid + 1;
    INSERT INTO vote_days_pair (voter_id, author_id, day, paid)
        SELECT NEW.voter_id, NEW.author_id, NEW.day, 1 WHERE NEW.active = 1 AND NEW.points > 0 AND NEW.kind = 'upvote'
        ON CONFLICT (voter_id, author_id, day) DO UPDATE SET paid = paid + 1;
END;

CREATE TRIGGER earned_hours_insert AFTER INSERT ON ledger
WHEN NEW.earning = 1
BEGIN
    INSERT INTO earned_hours (member_id, hour, earned)
        VALUES (NEW.member_id, substr(NEW.created_at, 1, 13), NEW.amount)
        ON CONFLICT (hour, member_id) DO UPDATE SET earned = earned + excluded.earned;
END;

-- Joining two members moves ledger rows to the member that stays.
CREATE TRIGGER earned_hours_move AFTER UPDATE OF member_id ON ledger
WHEN NEW.earning = 1 AND NEW.member_id IS NOT OLD.member_id
BEGIN
    UPDATE earned_hours SET earned = earned - OLD.amount
        WHERE member_id = OLD.member_id AND hour = substr(OLD.created_at, 1, 13);
    INSERT INTO earned_hours (member_id, hour, earned)
        VALUES (NEW.member_id, substr(NEW.created_at, 1, 13), NEW.amount)
        ON CONFLICT (hour, member_id) DO UPDATE SET earned = earned + excluded.earned;
END;

-- What was there before this migration.
INSERT INTO vote_days_author (author_id, day, earned)
    SELECT author_id, day, SUM(points) FROM votes
    WHERE active = 1 AND points > 0 GROUP BY author_id, day;
INSERT INTO vote_days_voter (voter_id, day, paid)
    SELECT voter_id, day, COUNT(*) FROM votes
    WHERE active = 1 AND points > 0 AND kind = 'upvote' GROUP BY voter_id, day;
INSERT INTO vote_days_pair (voter_id, author_id, day, paid)
    SELECT voter_id, author_id, day, COUNT(*) FROM votes
    WHERE active = 1 AND points > 0 AND kind = 'upvote' GROUP BY voter_id, author_id, day;
INSERT INTO earned_hours (member_id, hour, earned)
    SELECT member_id, substr(created_at, 1, 13), SUM(amount) FROM ledger
    WHERE earning = 1 GROUP BY member_id, substr(created_at, 1, 13);

-- A solution's facts look for votes on the question's replies.
CREATE INDEX messages_by_reply_to ON messages (reply_to) WHERE reply_to IS NOT NULL;

-- Rank: how many (non-bot) members have each lifetime total above zero.
-- A member's rank is one more than the members above their total: a sum
-- over the distinct totals above it, not a count over every balance.
CREATE TABLE earned_ranks (
    lifetime_earned INTEGER PRIMARY KEY,
    members         INTEGER NOT NULL
);

CREATE TRIGGER earned_ranks_update AFTER UPDATE OF lifetime_earned ON balances
WHEN NEW.lifetime_earned IS NOT OLD.lifetime_earned
     AND (SELECT is_bot FROM members WHERE id = NEW.member_id) = 0
BEGIN
    UPDATE earned_ranks SET members = members - 1
        WHERE OLD.lifetime_earned > 0 AND lifetime_earned = OLD.lifetime_earned;
    DELETE FROM earned_ranks WHERE lifetime_earned = OLD.lifetime_earned AND members = 0;
    INSERT INTO earned_ranks (lifetime_earned, members)
        SELECT NEW.lifetime_earned, 1 WHERE NEW.lifetime_earned > 0
        ON CONFLICT (lifetime_earned) DO UPDATE SET members = members + 1;
END;

INSERT INTO earned_ranks (lifetime_earned, members)
    SELECT b.lifetime_earned, COUNT(*) FROM balances b JOIN members m ON m.id = b.member_id
    WHERE m.is_bot = 0 AND b.lifetime_earned > 0 GROUP BY b.lifetime_earned;

-- The all-time leaderboard: the top of lifetime earnings.
CREATE INDEX balances_by_earned ON balances (lifetime_earned);
