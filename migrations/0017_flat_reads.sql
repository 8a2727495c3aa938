-- Flat cost as the club grows (issue 14): a help record kept per member
-- instead of counted at every vote, per-period totals with their own rank
-- tables so every leaderboard reads a top-k index, an index for the
-- members left out of the leaderboards, and indexes that let retention
-- find old rows without scanning.
--
-- As in 0016 the totals are kept by triggers in the statement that writes
-- the vote or the ledger row, and `doctor` recomputes them all.

-- How many distinct answers of a member stand upvoted (with pay), and how
-- many of their answers stand as paying solutions: `/profile`, the badges
-- and the milestone a vote may reach. `help_answers` counts the paying
-- upvotes per answer, so the record moves only when an answer gets its
-- first or loses its last one.
CREATE TABLE help_answers (
    author_id  INTEGER NOT NULL,
    message_id INTEGER NOT NULL,
    upvotes    INTEGER NOT NULL,
    PRIMARY KEY (author_id, message_id)
) WITHOUT ROWID;

CREATE TABLE help_records (
    member_id INTEGER PRIMARY KEY,
    answers   INTEGER NOT NULL,
    solutions INTEGER NOT NULL
);

CREATE TRIGGER help_records_insert AFTER INSERT ON votes
WHEN NEW.active = 1 AND NEW.points > 0
BEGIN
    INSERT INTO help_answers (author_id, message_id, upvotes)
        SELECT NEW.author_id, NEW.message_id, 1 WHERE NEW.kind = 'upvote'
        ON CONFLICT (author_id, message_id) DO UPDATE SET upvotes = upvotes + 1;
    INSERT INTO help_records (member_id, answers, solutions)
        SELECT NEW.author_id,
               NEW.kind = 'upvote' AND (SELECT upvotes FROM help_answers
                   WHERE author_id = NEW.author_id AND message_id = NEW.message_id) = 1,
               NEW.kind = 'solution'
        WHERE true
        ON CONFLICT (member_id) DO UPDATE SET answers = answers + excluded.answers,
                                               solutions = solutions + excluded.solutions;
END;

-- Any change of what a vote counts for: take out the old row's share, add
-- the new one's (as vote_days_update does).
CREATE TRIGGER help_records_update AFTER UPDATE OF active, points, kind, author_id, message_id ON votes
WHEN (OLD.active = 1 AND OLD.points > 0) OR (NEW.active = 1 AND NEW.points > 0)
BEGIN
    UPDATE help_answers SET upvotes = upvotes - 1
        WHERE OLD.active = 1 AND OLD.points > 0 AND OLD.kind = 'upvote'
          AND author_id = OLD.author_id AND message_id = OLD.message_id;
    UPDATE help_records SET
            answers = answers - (OLD.kind = 'upvote' AND (SELECT upvotes FROM help_answers
                WHERE author_id = OLD.author_id AND message_id = OLD.message_id) = 0),
            solutions = solutions - (OLD.kind = 'solution')
        WHERE OLD.active = 1 AND OLD.points > 0 AND member_id = OLD.author_id;
    INSERT INTO help_answers (author_id, message_id, upvotes)
        SELECT NEW.author_id, NEW.message_id, 1
        WHERE NEW.active = 1 AND NEW.points > 0 AND NEW.kind = 'upvote'
        ON CONFLICT (author_id, message_id) DO UPDATE SET upvotes = upvotes + 1;
    INSERT INTO help_records (member_id, answers, solutions)
        SELECT NEW.author_id,
               NEW.kind = 'upvote' AND (SELECT upvotes FROM help_answers
                   WHERE author_id = NEW.author_id AND message_id = NEW.message_id) = 1,
               NEW.kind = 'solution'
        WHERE NEW.active = 1 AND NEW.points > 0
        ON CONFLICT (member_id) DO UPDATE SET answers = answers + excluded.answers,
                                               solutions = solutions + excluded.solutions;
END;

INSERT INTO help_answers (author_id, message_id, upvotes)
    SELECT author_id, message_id, COUNT(*) FROM votes
    WHERE active = 1 AND points > 0 AND kind = 'upvote' GROUP BY author_id, message_id;
INSERT INTO help_records (member_id, answers, solutions)
    SELECT author_id, SUM(kind = 'upvote'), SUM(kind = 'solution') FROM (
        SELECT author_id, 'upvote' AS kind FROM help_answers
        UNION ALL SELECT author_id, 'solution' FROM votes
            WHERE active = 1 AND points > 0 AND kind = 'solution')
    GROUP BY author_id;

-- Leaderboard periods. The club works out each period's bounds in its time
-- zone (a week from local Monday midnight, a month, a calendar quarter)
-- and registers them here, with the points earned in them so far (from
-- `earned_hours`); from then on the trigger below adds every earning
-- ledger row to each period it falls in. Bounds are UTC instants in the
-- ledger's own text form, so they compare with `created_at` as text.
CREATE TABLE leaderboard_periods (
    id        INTEGER PRIMARY KEY,
    kind      TEXT NOT NULL,
    starts_at TEXT NOT NULL,
    ends_at   TEXT NOT NULL,
    UNIQUE (kind, starts_at)
);
CREATE INDEX leaderboard_periods_by_end ON leaderboard_periods (ends_at);

-- Earned points per member in each registered period; the index is the
-- leaderboard: the top of a period read backwards.
CREATE TABLE period_earned (
    period_id INTEGER NOT NULL REFERENCES leaderboard_periods (id),
    member_id INTEGER NOT NULL,
    earned    INTEGER NOT NULL,
    PRIMARY KEY (period_id, member_id)
) WITHOUT ROWID;
CREATE INDEX period_earned_top ON period_earned (period_id, earned);

-- How many (non-bot) members earned each total in a period: a rank in a
-- period is a sum over the distinct totals above it (as earned_ranks is
-- for all time).
CREATE TABLE period_ranks (
    period_id INTEGER NOT NULL,
    earned    INTEGER NOT NULL,
    members   INTEGER NOT NULL,
    PRIMARY KEY (period_id, earned)
) WITHOUT ROWID;

CREATE TRIGGER period_earned_insert AFTER INSERT ON ledger
WHEN NEW.earning = 1
BEGIN
    INSERT INTO period_earned (period_id, member_id, earned)
        SELECT id, NEW.member_id, NEW.amount FROM leaderboard_periods
        WHERE ends_at > NEW.created_at AND starts_at <= NEW.created_at
        ON CONFLICT (period_id, member_id) DO UPDATE SET earned = earned + excluded.earned;
END;

-- Joining two members moves ledger rows to the member that stays.
CREATE TRIGGER period_earned_move AFTER UPDATE OF member_id ON ledger
WHEN NEW.earning = 1 AND NEW.member_id IS NOT OLD.member_id
BEGIN
    UPDATE period_earned SET earned = earned - OLD.amount
        WHERE member_id = OLD.member_id AND period_id IN (SELECT id FROM leaderboard_periods
            WHERE ends_at > OLD.created_at AND starts_at <= OLD.created_at);
    INSERT INTO period_earned (period_id, member_id, earned)
        SELECT id, NEW.member_id, NEW.amount FROM leaderboard_periods
        WHERE ends_at > NEW.created_at AND starts_at <= NEW.created_at
        ON CONFLICT (period_id, member_id) DO UPDATE SET earned = earned + excluded.earned;
END;

CREATE TRIGGER period_ranks_insert AFTER INSERT ON period_earned
WHEN NEW.earned > 0 AND (SELECT is_bot FROM members WHERE id = NEW.member_id) = 0
BEGIN
    INSERT INTO period_ranks (period_id, earned, members) VALUES (NEW.period_id, NEW.earned, 1)
        ON CONFLICT (period_id, earned) DO UPDATE SET members = members + 1;
END;

CREATE TRIGGER period_ranks_update AFTER UPDATE OF earned ON period_earned
WHEN NEW.earned IS NOT OLD.earned AND (SELECT is_bot FROM members WHERE id = NEW.member_id) = 0
BEGIN
    UPDATE period_ranks SET members = members - 1
        WHERE OLD.earned > 0 AND period_id = OLD.period_id AND earned = OLD.earned;
    DELETE FROM period_ranks WHERE period_id = OLD.period_id AND earned = OLD.earned AND members = 0;
    INSERT INTO period_ranks (period_id, earned, members)
        SELECT NEW.period_id, NEW.earned, 1 WHERE NEW.earned > 0
        ON CONFLICT (period_id, earned) DO UPDATE SET members = members + 1;
END;

-- Members left out of the leaderboards (and forgotten ones): few, and
-- read by every leaderboard, `/balance` and `/profile`.
CREATE INDEX members_hidden ON members (id)
    WHERE leaderboard_hidden = 1 OR forgotten_at IS NOT NULL;

-- Retention finds old rows by time.
CREATE INDEX messages_by_created ON messages (created_at);
CREATE INDEX faq_queries_by_created ON faq_queries (created_at);
CREATE INDEX handled_events_by_created ON handled_events (created_at);
-- Retention keeps a message that a kept FAQ question points at.
CREATE INDEX faq_queries_by_message ON faq_queries (message_id) WHERE message_id IS NOT NULL;
