//! Invariant checks behind `fanclub doctor`.
//!
//! The cached balances must equal what the ledger says; the per-day and
//! per-hour totals, the help records, each leaderboard period's totals and
//! the rank tables what the votes, the ledger and the balances say; and no
//! row may point at something that does not exist. Each check is one query
//! that lists the rows breaking it, so the report says exactly where to
//! look. The report
//! also counts undelivered and failed notices of the outbox.
//!
//! SQLite's own check of the file comes first ([`FileCheck`]: `quick_check`
//! unless `--full` asks for `integrity_check`); a damaged file is reported
//! alone. At a million members and ten million ledger rows and votes
//! (docs/performance.md) the checks read gigabytes, so they avoid what
//! costs there: no per-row lookup where a pass in order will do, the
//! ledger's sums and the help records recomputed into tables keyed like
//! the kept ones and compared in step, the hourly and daily totals merged
//! with the ledger's or the votes' rows sorted into the kept table's order
//! (one sort each), the temporary tables in memory, and two connections
//! working at once, one on the ledger's checks, the other on the votes'.

use std::fmt;

use sqlx::Row;

use super::{Context, Store, StoreError};

/// One invariant and the rows that break it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub name: &'static str,
    pub problems: Vec<String>,
}

/// The result of every check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DoctorReport {
    pub checks: Vec<Check>,
    /// Notices waiting in the outbox and given up: reported, not a fault of
    /// the store (a failed one is logged with its reason when it fails).
    pub notices: super::NoticeCounts,
}

impl DoctorReport {
    pub fn is_healthy(&self) -> bool {
        self.checks.iter().all(|check| check.problems.is_empty())
    }
}

impl fmt::Display for DoctorReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for check in &self.checks {
            if check.problems.is_empty() {
                writeln!(f, "ok    {}", check.name)?;
                continue;
            }
            writeln!(
                f,
                "FAIL  {} ({} problems)",
                check.name,
                check.problems.len()
            )?;
            for problem in check.problems.iter().take(20) {
                writeln!(f, "      {problem}")?;
            }
            if check.problems.len() > 20 {
                writeln!(f, "      … and {} more", check.problems.len() - 20)?;
            }
        }
        let notices = &self.notices;
        writeln!(
            f,
            "notices: {} undelivered ({} kept for members nothing reaches yet), {} failed",
            notices.undelivered, notices.held, notices.failed
        )?;
        let verdict = if self.is_healthy() {
            "healthy"
        } else {
            "UNHEALTHY"
        };
        write!(f, "store is {verdict}")
    }
}

/// Each member's ledger summed in one pass (total and earned), into a
/// temporary table the checks read. An upsert per row into a table with
/// one row per member, not `GROUP BY`: SQLite groups by sorting every row,
/// which at ten million rows took minutes instead of seconds.
///
/// (Reading through memory-mapped pages, [`READ_MAPPED`], made that pass
/// several times faster again.)
///
/// A second pass lists the members the ledger names as actors, so the
/// ledger's references are checked once per member, not once per row.
/// (The earned points per hour are not summed here: their check merges
/// the ledger with the kept totals itself, see [`CHECKS`].)
const LEDGER_SUMS: [&str; 6] = [
    "DROP TABLE IF EXISTS temp.doctor_ledger",
    "CREATE TEMP TABLE doctor_ledger (member_id INTEGER PRIMARY KEY, total INTEGER NOT NULL, earned INTEGER NOT NULL)",
    "INSERT INTO temp.doctor_ledger (member_id, total, earned) \
     SELECT member_id, amount, CASE WHEN earning = 1 THEN amount ELSE 0 END FROM main.ledger NOT INDEXED WHERE true \
     ON CONFLICT (member_id) DO UPDATE SET total = total + excluded.total, earned = earned + excluded.earned",
    "DROP TABLE IF EXISTS temp.doctor_actors",
    "CREATE TEMP TABLE doctor_actors (actor_id INTEGER PRIMARY KEY)",
    "INSERT INTO temp.doctor_actors (actor_id) \
     SELECT actor_id FROM main.ledger NOT INDEXED WHERE actor_id IS NOT NULL \
     ON CONFLICT (actor_id) DO NOTHING",
];

/// The temporary tables [`LEDGER_SUMS`] fills, dropped after the checks.
const LEDGER_SUMS_DROPPED: [&str; 2] = [
    "DROP TABLE temp.doctor_ledger",
    "DROP TABLE temp.doctor_actors",
];

/// One invariant: the query returning one `problem` text per row that
/// breaks it, with the statements that fill the temporary tables it reads
/// (`before`) and drop them again (`after`, so a connection holds at most
/// one check's tables at a time).
struct Invariant {
    name: &'static str,
    lane: Lane,
    /// How many times it sorts every vote or ledger row (seconds each at
    /// ten million rows), the measure of its cost: free checks are taken
    /// the costliest first, so the two connections end at about the same
    /// time.
    sorts: u8,
    before: &'static [&'static str],
    query: &'static str,
    after: &'static [&'static str],
}

/// Which of the doctor's connections may run a check.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lane {
    /// Only the connection that added up the ledger: the checks that read
    /// its sums ([`LEDGER_SUMS`], temporary tables of that connection).
    Ledger,
    /// Either: a second connection takes these from the start, the first
    /// one too once its own are done, each the next one not yet taken.
    Beside,
}

impl Invariant {
    /// A check that needs no table of its own.
    const fn plain(name: &'static str, query: &'static str) -> Invariant {
        Invariant {
            name,
            lane: Lane::Beside,
            sorts: 0,
            before: &[],
            query,
            after: &[],
        }
    }

    /// A check that reads the ledger's sums.
    const fn on_sums(name: &'static str, query: &'static str) -> Invariant {
        Invariant {
            lane: Lane::Ledger,
            ..Invariant::plain(name, query)
        }
    }

    /// A free check that sorts every vote or ledger row once.
    const fn long(name: &'static str, query: &'static str) -> Invariant {
        Invariant {
            sorts: 1,
            ..Invariant::plain(name, query)
        }
    }
}

/// The check of the per-day vote totals, which runs in parts.
const VOTE_DAYS: &str = "the per-day vote totals equal the standing votes";

/// Each check, in the order the report lists them; consecutive parts of
/// one check (the same name) are reported as one.
const CHECKS: &[Invariant] = &[
    Invariant::on_sums(
        "balance equals the sum of the member's ledger",
        "SELECT 'member ' || b.member_id || ': balance ' || b.balance || ', ledger sums to ' || COALESCE(l.total, 0) AS problem \
         FROM balances b LEFT JOIN temp.doctor_ledger l ON l.member_id = b.member_id \
         WHERE b.balance <> COALESCE(l.total, 0)",
    ),
    Invariant::on_sums(
        "lifetime earned equals the sum of the member's earned points",
        "SELECT 'member ' || b.member_id || ': lifetime ' || b.lifetime_earned || ', earned points sum to ' || COALESCE(l.earned, 0) AS problem \
         FROM balances b LEFT JOIN temp.doctor_ledger l ON l.member_id = b.member_id \
         WHERE b.lifetime_earned <> COALESCE(l.earned, 0)",
    ),
    Invariant::plain(
        "held points equal the cost of the member's pending claims",
        "SELECT 'member ' || b.member_id || ': held ' || b.held || ', pending claims cost ' || COALESCE(c.total, 0) AS problem \
         FROM balances b LEFT JOIN (SELECT member_id, SUM(cost) AS total FROM claims WHERE state = 'pending' GROUP BY member_id) c \
           ON c.member_id = b.member_id \
         WHERE b.held <> COALESCE(c.total, 0)",
    ),
    Invariant::plain(
        "every claim's points were held, and refunded exactly when it ended without a sale",
        "SELECT 'claim ' || c.id || ' (' || c.state || ') has ' || \
             CASE WHEN h.id IS NULL THEN 'no hold' WHEN r.id IS NULL THEN 'no refund' ELSE 'a refund it should not have' END AS problem \
         FROM claims c \
         LEFT JOIN ledger h ON h.idempotency_key = 'claim:' || c.id || ':hold' AND h.amount = -c.cost \
         LEFT JOIN ledger r ON r.idempotency_key = 'claim:' || c.id || ':refund' AND r.amount = c.cost \
         WHERE h.id IS NULL \
            OR (c.state IN ('rejected', 'cancelled', 'expired')) <> (r.id IS NOT NULL)",
    ),
    Invariant::plain(
        "every member has a balance and an identity",
        "SELECT 'member ' || m.id || ' has ' || \
             CASE WHEN b.member_id IS NULL THEN 'no balance row' ELSE 'no identity' END AS problem \
         FROM members m LEFT JOIN balances b ON b.member_id = m.id \
         WHERE b.member_id IS NULL OR (m.merged_into IS NULL AND m.forgotten_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id))",
    ),
    Invariant::plain(
        "a forgotten member has no name, account, text or phrasing left",
        "SELECT 'member ' || m.id || ' was forgotten but still has ' || left_over.what AS problem \
         FROM members m JOIN ( \
             SELECT id, 'a name' AS what FROM members WHERE display_name <> '#' || id \
             UNION ALL SELECT member_id, 'an account' FROM identities \
             UNION ALL SELECT author_id, 'message texts' FROM messages WHERE author_id IS NOT NULL AND body <> '' \
             UNION ALL SELECT member_id, 'FAQ questions' FROM faq_queries \
             UNION ALL SELECT member_id, 'learned FAQ phrasings' FROM faq_learned \
         ) left_over ON left_over.id = m.id \
         WHERE m.forgotten_at IS NOT NULL GROUP BY m.id, left_over.what",
    ),
    Invariant::plain(
        "a member joined into another by /link owns nothing any more",
        // Each part looks only for the joined members (few), through an
        // index where the table has one.
        "WITH merged AS MATERIALIZED (SELECT id FROM members WHERE merged_into IS NOT NULL) \
         SELECT 'member ' || m.id || ' was joined into ' || m.merged_into || ' but still has ' || owned.what AS problem \
         FROM members m JOIN ( \
             SELECT member_id AS id, 'an account' AS what FROM identities WHERE member_id IN merged \
             UNION ALL SELECT member_id, 'ledger entries' FROM ledger WHERE member_id IN merged \
             UNION ALL SELECT actor_id, 'ledger entries as actor' FROM ledger WHERE actor_id IN merged \
             UNION ALL SELECT member_id, 'points' FROM balances WHERE member_id IN merged \
                 AND (balance <> 0 OR held <> 0 OR lifetime_earned <> 0) \
             UNION ALL SELECT voter_id, 'votes cast' FROM votes WHERE voter_id IN merged \
             UNION ALL SELECT author_id, 'votes received' FROM votes WHERE author_id IN merged \
             UNION ALL SELECT member_id, 'claims' FROM claims WHERE member_id IN merged \
             UNION ALL SELECT author_id, 'messages' FROM messages WHERE author_id IN merged \
             UNION ALL SELECT member_id, 'notices' FROM outbox WHERE member_id IN merged \
             UNION ALL SELECT member_id, 'points waiting for a digest' FROM earned_points WHERE member_id IN merged \
             UNION ALL SELECT merged_into, 'members joined into it' FROM members WHERE merged_into IN merged \
         ) owned ON owned.id = m.id \
         WHERE m.merged_into IS NOT NULL GROUP BY m.id, owned.what",
    ),
    Invariant::plain(
        "a member has at most one account per platform",
        "SELECT 'member ' || member_id || ' has ' || COUNT(*) || ' accounts on ' || platform AS problem \
         FROM identities GROUP BY member_id, platform HAVING COUNT(*) > 1",
    ),
    Invariant::long(
        "one paying vote per member, message and kind, and none for oneself",
        "SELECT 'member ' || voter_id || ' has ' || COUNT(*) || ' paying ' || kind || ' votes on message ' || message_id AS problem \
         FROM votes WHERE active = 1 AND points > 0 GROUP BY voter_id, message_id, kind HAVING COUNT(*) > 1 \
         UNION ALL \
         SELECT 'vote ' || id || ': member ' || voter_id || ' paid themselves' FROM votes \
         WHERE active = 1 AND points > 0 AND voter_id = author_id",
    ),
    // The per-day vote totals, in three parts (one per kept table) that
    // either connection may take: the report folds them into one check.
    // Each part is a merge, as the hourly totals below: the kept table in
    // its own order, the standing votes sorted into it, the sums of both
    // sides compared per key as they go by. One sort of the votes per part,
    // where grouping kept and counted rows together sorted both (twice the
    // rows).
    Invariant::long(
        VOTE_DAYS,
        "SELECT 'votes for author ' || author_id || ' on ' || day || ': total ' || SUM(kept) || ', standing votes paid ' || SUM(counted) AS problem \
         FROM (SELECT author_id, day, earned AS kept, 0 AS counted FROM main.vote_days_author \
               UNION ALL SELECT author_id, day, 0, points FROM main.votes NOT INDEXED WHERE active = 1 AND points > 0 \
               ORDER BY 1, 2) \
         GROUP BY author_id, day HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::long(
        VOTE_DAYS,
        "SELECT 'upvotes by voter ' || voter_id || ' on ' || day || ': total ' || SUM(kept) || ', standing paying upvotes ' || SUM(counted) AS problem \
         FROM (SELECT voter_id, day, paid AS kept, 0 AS counted FROM main.vote_days_voter \
               UNION ALL SELECT voter_id, day, 0, 1 FROM main.votes NOT INDEXED WHERE active = 1 AND points > 0 AND kind = 'upvote' \
               ORDER BY 1, 2) \
         GROUP BY voter_id, day HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::long(
        VOTE_DAYS,
        "SELECT 'upvotes by voter ' || voter_id || ' for author ' || author_id || ' on ' || day || ': total ' || SUM(kept) || ', standing paying upvotes ' || SUM(counted) AS problem \
         FROM (SELECT voter_id, author_id, day, paid AS kept, 0 AS counted FROM main.vote_days_pair \
               UNION ALL SELECT voter_id, author_id, day, 0, 1 FROM main.votes NOT INDEXED WHERE active = 1 AND points > 0 AND kind = 'upvote' \
               ORDER BY 1, 2, 3) \
         GROUP BY voter_id, author_id, day HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::long(
        "earned points per member and hour equal the ledger's",
        // A merge: the kept totals in their own order (hour, member), the
        // ledger's earning rows sorted into it (`ORDER BY` on the compound
        // makes SQLite merge the two instead of sorting both), the sum of
        // each side per key compared as the merged rows go by. One sort of
        // the ledger; no table of sums, no lookup in either direction: a
        // key missing on one side sums to 0 there. (Summing the ledger
        // into a table keyed like the kept one and comparing the two in
        // step both ways took twice the time at ten million rows.)
        "SELECT 'member ' || member_id || ' in hour ' || hour || ': total ' || SUM(kept) || ', ledger sums to ' || SUM(counted) AS problem \
         FROM (SELECT hour, member_id, earned AS kept, 0 AS counted FROM main.earned_hours \
               UNION ALL SELECT substr(created_at, 1, 13), member_id, 0, amount FROM main.ledger NOT INDEXED WHERE earning = 1 \
               ORDER BY 1, 2) \
         GROUP BY hour, member_id HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::plain(
        "the rank table counts every earner at their lifetime total",
        "SELECT 'lifetime total ' || lifetime_earned || ': ' || SUM(kept) || ' members counted, ' || SUM(counted) || ' have it' AS problem \
         FROM (SELECT lifetime_earned, members AS kept, 0 AS counted FROM earned_ranks \
               UNION ALL SELECT b.lifetime_earned, 0, 1 FROM balances b JOIN members m ON m.id = b.member_id \
               WHERE m.is_bot = 0 AND b.lifetime_earned > 0) \
         GROUP BY lifetime_earned HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant {
        name: "the help records count the standing paying votes",
        lane: Lane::Beside,
        // One sort, and the comparisons in step as long again.
        sorts: 2,
        // Each answer's standing paying upvotes and solutions in a table
        // keyed like `help_answers` (one sort of the votes), each member's
        // record summed from it in its own order; both compared with the
        // kept ones in step, both ways (sorting kept and counted rows
        // together, twice, took 65-73 s at ten million votes).
        before: &[
            "DROP TABLE IF EXISTS temp.doctor_answers",
            "CREATE TEMP TABLE doctor_answers (author_id INTEGER NOT NULL, message_id INTEGER NOT NULL, \
                 upvotes INTEGER NOT NULL, solutions INTEGER NOT NULL, \
                 PRIMARY KEY (author_id, message_id)) WITHOUT ROWID",
            "INSERT INTO temp.doctor_answers (author_id, message_id, upvotes, solutions) \
             SELECT author_id, message_id, SUM(kind = 'upvote'), SUM(kind = 'solution') FROM main.votes NOT INDEXED \
             WHERE active = 1 AND points > 0 GROUP BY author_id, message_id",
            "DROP TABLE IF EXISTS temp.doctor_help",
            "CREATE TEMP TABLE doctor_help (member_id INTEGER PRIMARY KEY, answers INTEGER NOT NULL, solutions INTEGER NOT NULL)",
            "INSERT INTO temp.doctor_help (member_id, answers, solutions) \
             SELECT author_id, SUM(upvotes > 0), SUM(solutions) FROM temp.doctor_answers GROUP BY author_id",
        ],
        query: "SELECT 'answer ' || k.message_id || ' of member ' || k.author_id || ': ' || k.upvotes || ' upvotes counted, ' || COALESCE(d.upvotes, 0) || ' stand' AS problem \
             FROM main.help_answers k LEFT JOIN temp.doctor_answers d ON d.author_id = k.author_id AND d.message_id = k.message_id \
             WHERE k.upvotes <> COALESCE(d.upvotes, 0) \
             UNION ALL \
             SELECT 'answer ' || d.message_id || ' of member ' || d.author_id || ': 0 upvotes counted, ' || d.upvotes || ' stand' \
             FROM temp.doctor_answers d LEFT JOIN main.help_answers k ON k.author_id = d.author_id AND k.message_id = d.message_id \
             WHERE k.author_id IS NULL AND d.upvotes <> 0 \
             UNION ALL \
             SELECT 'member ' || k.member_id || ': help record ' || k.answers || ' answers, ' || k.solutions \
                 || ' solutions; the votes say ' || COALESCE(d.answers, 0) || ' and ' || COALESCE(d.solutions, 0) \
             FROM main.help_records k LEFT JOIN temp.doctor_help d ON d.member_id = k.member_id \
             WHERE k.answers <> COALESCE(d.answers, 0) OR k.solutions <> COALESCE(d.solutions, 0) \
             UNION ALL \
             SELECT 'member ' || d.member_id || ': help record 0 answers, 0 solutions; the votes say ' || d.answers || ' and ' || d.solutions \
             FROM temp.doctor_help d LEFT JOIN main.help_records k ON k.member_id = d.member_id \
             WHERE k.member_id IS NULL AND (d.answers <> 0 OR d.solutions <> 0)",
        after: &[
            "DROP TABLE temp.doctor_answers",
            "DROP TABLE temp.doctor_help",
        ],
    },
    Invariant::plain(
        "each leaderboard period's totals equal the points earned in it",
        // Periods on whole hours (every whole-hour time zone) against the
        // hourly totals, which the check above holds to the ledger; others
        // against the ledger itself.
        "SELECT 'period ' || period_id || ', member ' || member_id || ': total ' || SUM(kept) || ', earned ' || SUM(counted) AS problem \
         FROM (SELECT period_id, member_id, earned AS kept, 0 AS counted FROM period_earned \
               UNION ALL SELECT p.id, h.member_id, 0, h.earned FROM leaderboard_periods p \
               JOIN earned_hours h ON h.hour >= substr(p.starts_at, 1, 13) AND h.hour < substr(p.ends_at, 1, 13) \
               WHERE substr(p.starts_at, 14) = ':00:00+00:00' AND substr(p.ends_at, 14) = ':00:00+00:00' \
               UNION ALL SELECT p.id, l.member_id, 0, l.amount FROM leaderboard_periods p \
               JOIN ledger l ON l.earning = 1 AND l.created_at >= p.starts_at AND l.created_at < p.ends_at \
               WHERE NOT (substr(p.starts_at, 14) = ':00:00+00:00' AND substr(p.ends_at, 14) = ':00:00+00:00')) \
         GROUP BY period_id, member_id HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::plain(
        "each period's rank table counts every earner at their total",
        "SELECT 'period ' || period_id || ', total ' || earned || ': ' || SUM(kept) || ' members counted, ' || SUM(counted) || ' have it' AS problem \
         FROM (SELECT period_id, earned, members AS kept, 0 AS counted FROM period_ranks \
               UNION ALL SELECT pe.period_id, pe.earned, 0, 1 FROM period_earned pe \
               JOIN members m ON m.id = pe.member_id WHERE m.is_bot = 0 AND pe.earned > 0) \
         GROUP BY period_id, earned HAVING SUM(kept) <> SUM(counted)",
    ),
    Invariant::on_sums(
        "no ledger entry without a member or a balance",
        "SELECT 'ledger entries of unknown member ' || l.member_id AS problem \
         FROM temp.doctor_ledger l LEFT JOIN balances b ON b.member_id = l.member_id WHERE b.member_id IS NULL",
    ),
    Invariant::on_sums(
        "no orphan rows (foreign keys)",
        // SQLite's own check for every table but the three largest, whose
        // references are checked once per parent they name: the ledger's
        // (member, actor) on the ledger's sums; the votes' (message, voter,
        // author) through their indexes, which list each parent once and
        // in order, so each lookup is the next entry; the messages' author
        // and the message replied to. Looking up every parent of each of
        // ten million ledger rows took 13 s, of the votes and messages
        // 18-20 s. [`REFERENCES_CHECKED`] lists these, and a test holds it
        // to the schema.
        "SELECT 'table ' || fk.\"table\" || ' row ' || COALESCE(fk.rowid, '?') || ' points at a missing ' || fk.parent AS problem \
         FROM sqlite_schema t, pragma_foreign_key_check(t.name) fk \
         WHERE t.type = 'table' AND t.name NOT IN ('ledger', 'votes', 'messages') \
         UNION ALL \
         SELECT 'table ledger: rows of member ' || l.member_id || ' point at a missing members' \
         FROM temp.doctor_ledger l LEFT JOIN members m ON m.id = l.member_id WHERE m.id IS NULL \
         UNION ALL \
         SELECT 'table ledger: rows by actor ' || a.actor_id || ' point at a missing members' \
         FROM temp.doctor_actors a LEFT JOIN members m ON m.id = a.actor_id WHERE m.id IS NULL \
         UNION ALL \
         SELECT 'table votes: votes on message ' || v.message_id || ' point at a missing messages' \
         FROM (SELECT DISTINCT message_id FROM votes INDEXED BY votes_by_message) v \
         LEFT JOIN messages p ON p.id = v.message_id WHERE p.id IS NULL \
         UNION ALL \
         SELECT 'table votes: votes by voter ' || v.voter_id || ' point at a missing members' \
         FROM (SELECT DISTINCT voter_id FROM votes INDEXED BY votes_by_voter_day) v \
         LEFT JOIN members p ON p.id = v.voter_id WHERE p.id IS NULL \
         UNION ALL \
         SELECT 'table votes: votes for author ' || v.author_id || ' point at a missing members' \
         FROM (SELECT DISTINCT author_id FROM votes INDEXED BY votes_by_author_day) v \
         LEFT JOIN members p ON p.id = v.author_id WHERE p.id IS NULL \
         UNION ALL \
         SELECT 'table messages: messages of author ' || c.author_id || ' point at a missing members' \
         FROM (SELECT DISTINCT author_id FROM messages WHERE author_id IS NOT NULL) c \
         LEFT JOIN members p ON p.id = c.author_id WHERE p.id IS NULL \
         UNION ALL \
         SELECT 'table messages: replies to message ' || c.reply_to || ' point at a missing messages' \
         FROM (SELECT DISTINCT reply_to FROM messages INDEXED BY messages_by_reply_to WHERE reply_to IS NOT NULL) c \
         LEFT JOIN messages p ON p.id = c.reply_to WHERE p.id IS NULL",
    ),
];

/// The references of the tables SQLite's own foreign-key check leaves to
/// the doctor (table, column, parent): what the orphan check looks up once
/// per parent named.
pub const REFERENCES_CHECKED: &[(&str, &str, &str)] = &[
    ("ledger", "member_id", "members"),
    ("ledger", "actor_id", "members"),
    ("votes", "message_id", "messages"),
    ("votes", "voter_id", "members"),
    ("votes", "author_id", "members"),
    ("messages", "author_id", "members"),
    ("messages", "reply_to", "messages"),
];

/// The doctor reads the whole file, through memory-mapped pages rather
/// than a `read` call per page.
const READ_MAPPED: &str = "PRAGMA mmap_size = 2147418112";

/// The doctor's temporary tables (a row per member, up to ten million
/// rows for the help records) stay in memory instead of going through a
/// temporary file page by page: a cache large enough for them, for the
/// doctor's run only ([`TEMP_CACHE_DEFAULT`] after it). Only the temporary
/// database's cache: the sorts size their runs by the main one's, which is
/// left as it is (a larger one made them slower, docs/performance.md).
const TEMP_CACHE: &str = "PRAGMA temp.cache_size = -1048576";

/// How each of the doctor's connections is set up for its run.
const CONNECTION_SET_UP: [&str; 2] = [READ_MAPPED, TEMP_CACHE];

/// SQLite's default cache size, for the temporary database again once the
/// doctor is done.
const TEMP_CACHE_DEFAULT: &str = "PRAGMA temp.cache_size = -2000";

/// How much of the file the doctor's first check reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FileCheck {
    /// `PRAGMA quick_check`: every page and every row's constraints, but
    /// not that each index holds exactly its table's rows. At ten million
    /// ledger rows (a 4.9 GB file) a fraction of the full check's time.
    #[default]
    Quick,
    /// `PRAGMA integrity_check`: also every index entry against its row
    /// (`fanclub doctor --full`); over 100 s on that file.
    Full,
}

impl FileCheck {
    /// The check that runs first: on a damaged file the others cannot be
    /// trusted (or fail outright), so the report then holds this one alone.
    fn check(self) -> (&'static str, &'static str) {
        match self {
            FileCheck::Quick => (
                "the database file is intact (quick_check)",
                "PRAGMA quick_check",
            ),
            FileCheck::Full => (
                "the database file is intact (integrity_check, indexes included)",
                "PRAGMA integrity_check",
            ),
        }
    }
}

impl Store {
    /// Runs every invariant check, after SQLite's `quick_check` of the file.
    pub async fn doctor(&self) -> Result<DoctorReport, StoreError> {
        self.doctor_with(FileCheck::Quick).await
    }

    /// Runs every invariant check, after the given check of the file.
    #[tracing::instrument(skip_all)]
    pub async fn doctor_with(&self, file: FileCheck) -> Result<DoctorReport, StoreError> {
        // The connection that checks the file and adds up the ledger: its
        // sums live in its temporary tables.
        let mut conn = self.reader().await?;
        execute_each(
            &mut conn,
            &CONNECTION_SET_UP,
            "setting up the doctor's connection",
        )
        .await?;
        // A second connection where the pool has one runs the other lane
        // at the same time: the work is about half each, and the machine
        // has at least two cores (an in-memory store has one connection,
        // and runs both lanes after each other).
        let mut second = if self.pool.options().get_max_connections() >= 2 {
            let mut second = self
                .pool
                .acquire()
                .await
                .context("a second connection for the doctor")?;
            execute_each(
                &mut second,
                &CONNECTION_SET_UP,
                "setting up the doctor's connection",
            )
            .await?;
            Some(second)
        } else {
            None
        };
        // The checks either connection may run, the costliest first (in
        // the report's order among equals), and the place of the next one
        // not yet taken.
        let mut free: Vec<usize> = (0..CHECKS.len())
            .filter(|&at| CHECKS[at].lane == Lane::Beside)
            .collect();
        free.sort_by_key(|&at| std::cmp::Reverse(CHECKS[at].sorts));
        let next = std::sync::atomic::AtomicUsize::new(0);
        let first_lane = async {
            let intact = check_file(&mut conn, file).await?;
            if !intact.problems.is_empty() {
                // The other connection takes no further check.
                next.store(free.len(), std::sync::atomic::Ordering::Relaxed);
                return Ok((intact, None));
            }
            let started = std::time::Instant::now();
            execute_each(&mut conn, &LEDGER_SUMS, "adding up the ledger").await?;
            tracing::debug!(
                took_ms = started.elapsed().as_millis(),
                "added up the ledger"
            );
            let mut checks = run_lane(&mut conn, Lane::Ledger).await?;
            checks.extend(take_free(&mut conn, &free, &next).await?);
            Ok::<_, StoreError>((intact, Some(checks)))
        };
        let outcome = match second.as_deref_mut() {
            // The second connection starts beside the file check; on a
            // damaged file it takes no further check, what it found (or
            // the errors it met) is dropped and the file check reported
            // alone, as when nothing else ran.
            Some(second) => {
                let (first, beside) = tokio::join!(first_lane, take_free(second, &free, &next));
                match first? {
                    (intact, Some(ledger)) => Ok((intact, ledger, beside?)),
                    (intact, None) => Err(intact),
                }
            }
            // Alone, the first lane takes every free check itself.
            None => match first_lane.await? {
                (intact, Some(ledger)) => Ok((intact, ledger, Vec::new())),
                (intact, None) => Err(intact),
            },
        };
        if let Some(second) = second.as_deref_mut() {
            restore_cache(second).await?;
        }
        drop(second);
        let (intact, ledger, beside) = match outcome {
            Ok(lanes) => lanes,
            Err(intact) => {
                restore_cache(&mut conn).await?;
                drop(conn);
                let notices = self.notice_counts().await?;
                return Ok(DoctorReport {
                    checks: vec![intact],
                    notices,
                });
            }
        };
        execute_each(
            &mut conn,
            &LEDGER_SUMS_DROPPED,
            "dropping the ledger's sums",
        )
        .await?;
        restore_cache(&mut conn).await?;
        drop(conn);
        let mut parts: Vec<(usize, Check)> = ledger.into_iter().chain(beside).collect();
        parts.sort_by_key(|(at, _)| *at);
        let mut checks: Vec<Check> = Vec::with_capacity(parts.len());
        for (_, part) in parts {
            match checks.last_mut() {
                Some(check) if check.name == part.name => check.problems.extend(part.problems),
                _ => checks.push(part),
            }
        }
        checks.push(intact);
        let notices = self.notice_counts().await?;
        Ok(DoctorReport { checks, notices })
    }
}

/// Gives a doctor's connection back to the pool with the temporary
/// database's cache as every other connection has it.
async fn restore_cache(conn: &mut sqlx::SqliteConnection) -> Result<(), StoreError> {
    execute_each(conn, &[TEMP_CACHE_DEFAULT], "restoring the cache size").await
}

/// Runs `statements` on `conn` one after another; a failure says `what`
/// was being done.
async fn execute_each(
    conn: &mut sqlx::SqliteConnection,
    statements: &[&'static str],
    what: &'static str,
) -> Result<(), StoreError> {
    for &sql in statements {
        sqlx::query(sql).execute(&mut *conn).await.context(what)?;
    }
    Ok(())
}

/// Runs the checks of one lane, each with its place in [`CHECKS`].
async fn run_lane(
    conn: &mut sqlx::SqliteConnection,
    lane: Lane,
) -> Result<Vec<(usize, Check)>, StoreError> {
    let mut checks = Vec::new();
    for (at, invariant) in CHECKS.iter().enumerate() {
        if invariant.lane == lane {
            checks.push((at, run_invariant(conn, invariant).await?));
        }
    }
    Ok(checks)
}

/// Runs the free checks not yet taken by the other connection, one at a
/// time, each with its place in [`CHECKS`].
async fn take_free(
    conn: &mut sqlx::SqliteConnection,
    free: &[usize],
    next: &std::sync::atomic::AtomicUsize,
) -> Result<Vec<(usize, Check)>, StoreError> {
    let mut checks = Vec::new();
    while let Some(&at) = free.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed)) {
        checks.push((at, run_invariant(conn, &CHECKS[at]).await?));
    }
    Ok(checks)
}

/// Fills the tables one invariant reads, runs its check and drops them.
async fn run_invariant(
    conn: &mut sqlx::SqliteConnection,
    invariant: &Invariant,
) -> Result<Check, StoreError> {
    let started = std::time::Instant::now();
    execute_each(
        conn,
        invariant.before,
        "adding up what an invariant check reads",
    )
    .await?;
    if !invariant.before.is_empty() {
        tracing::debug!(
            check = invariant.name,
            took_ms = started.elapsed().as_millis(),
            "added up"
        );
    }
    let check = run_check(conn, (invariant.name, invariant.query)).await?;
    execute_each(
        conn,
        invariant.after,
        "dropping what an invariant check read",
    )
    .await?;
    tracing::debug!(
        check = invariant.name,
        took_ms = started.elapsed().as_millis(),
        "checked, with its sums"
    );
    Ok(check)
}

/// SQLite's check of the file. Its lines other than `ok` are the problems;
/// a file too damaged for the check to go on (`SQLITE_CORRUPT`,
/// `SQLITE_NOTADB`) is one problem, the error's text, not a failed run.
async fn check_file(
    conn: &mut sqlx::SqliteConnection,
    file: FileCheck,
) -> Result<Check, StoreError> {
    let (name, pragma) = file.check();
    let started = std::time::Instant::now();
    let problems = match sqlx::query_scalar::<_, String>(pragma)
        .fetch_all(&mut *conn)
        .await
    {
        Ok(lines) => lines.into_iter().filter(|line| line != "ok").collect(),
        Err(sqlx::Error::Database(error)) if is_damage(error.code().as_deref()) => {
            vec![error.message().to_owned()]
        }
        Err(error) => return Err(error).context("checking the database file"),
    };
    tracing::debug!(
        check = name,
        took_ms = started.elapsed().as_millis(),
        "checked"
    );
    Ok(Check { name, problems })
}

/// Whether an SQLite (extended) result code says the file is damaged.
fn is_damage(code: Option<&str>) -> bool {
    const SQLITE_CORRUPT: i32 = 11;
    const SQLITE_NOTADB: i32 = 26;
    code.and_then(|code| code.parse::<i32>().ok())
        .is_some_and(|code| matches!(code & 0xff, SQLITE_CORRUPT | SQLITE_NOTADB))
}

/// Runs one check on the doctor's connection.
async fn run_check(
    conn: &mut sqlx::SqliteConnection,
    (name, sql): (&'static str, &'static str),
) -> Result<Check, StoreError> {
    let started = std::time::Instant::now();
    let rows = sqlx::query(sql)
        .fetch_all(&mut *conn)
        .await
        .context("running an invariant check")?;
    let problems = rows
        .iter()
        .map(|row| row.try_get::<String, _>("problem"))
        .collect::<Result<_, _>>()
        .context("reading an invariant check")?;
    tracing::debug!(
        check = name,
        took_ms = started.elapsed().as_millis(),
        "checked"
    );
    Ok(Check { name, problems })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    #[tokio::test]
    async fn the_references_the_doctor_looks_up_itself_are_every_one_of_their_tables() {
        let store = Store::open("sqlite::memory:", &StoreOptions::default())
            .await
            .unwrap();
        let mut conn = store.reader().await.unwrap();
        let mut declared: Vec<(String, String, String)> = sqlx::query_as(
            "SELECT t.name, fk.\"from\", fk.\"table\" FROM sqlite_schema t, pragma_foreign_key_list(t.name) fk \
             WHERE t.type = 'table' AND t.name IN ('ledger', 'votes', 'messages')",
        )
        .fetch_all(&mut *conn)
        .await
        .unwrap();
        declared.sort();
        let mut checked: Vec<(String, String, String)> = REFERENCES_CHECKED
            .iter()
            .map(|&(table, column, parent)| (table.into(), column.into(), parent.into()))
            .collect();
        checked.sort();
        assert_eq!(declared, checked);
    }
}
