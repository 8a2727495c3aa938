//! Invariant checks behind `fanclub doctor`.
//!
//! The cached balances must equal what the ledger says; the per-day and
//! per-hour totals, the help records, each leaderboard period's totals and
//! the rank tables what the votes, the ledger and the balances say; and no
//! row may point at something that does not exist. Each check is one query
//! that lists the rows breaking it, so the report says exactly where to
//! look. The report
//! also counts undelivered and failed notices of the outbox.

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
/// The earned points per hour and member are summed the same way, in a
/// second pass, into a table ordered like `earned_hours` (hour first): the
/// ledger is booked in time order, so its rows land at the end of that
/// table, and the two are then compared in step instead of sorting every
/// ledger row by member and hour (at ten million rows that sort was most of
/// the doctor's minute).
///
/// A third pass lists the members the ledger names as actors, so the
/// ledger's references are checked once per member, not once per row.
const LEDGER_SUMS: [&str; 9] = [
    "DROP TABLE IF EXISTS temp.doctor_ledger",
    "CREATE TEMP TABLE doctor_ledger (member_id INTEGER PRIMARY KEY, total INTEGER NOT NULL, earned INTEGER NOT NULL)",
    "INSERT INTO temp.doctor_ledger (member_id, total, earned) \
     SELECT member_id, amount, CASE WHEN earning = 1 THEN amount ELSE 0 END FROM main.ledger NOT INDEXED WHERE true \
     ON CONFLICT (member_id) DO UPDATE SET total = total + excluded.total, earned = earned + excluded.earned",
    "DROP TABLE IF EXISTS temp.doctor_hours",
    "CREATE TEMP TABLE doctor_hours (hour TEXT NOT NULL, member_id INTEGER NOT NULL, earned INTEGER NOT NULL, \
         PRIMARY KEY (hour, member_id)) WITHOUT ROWID",
    "INSERT INTO temp.doctor_hours (hour, member_id, earned) \
     SELECT substr(created_at, 1, 13), member_id, amount FROM main.ledger NOT INDEXED WHERE earning = 1 \
     ON CONFLICT (hour, member_id) DO UPDATE SET earned = earned + excluded.earned",
    "DROP TABLE IF EXISTS temp.doctor_actors",
    "CREATE TEMP TABLE doctor_actors (actor_id INTEGER PRIMARY KEY)",
    "INSERT INTO temp.doctor_actors (actor_id) \
     SELECT actor_id FROM main.ledger NOT INDEXED WHERE actor_id IS NOT NULL \
     ON CONFLICT (actor_id) DO NOTHING",
];

/// The temporary tables [`LEDGER_SUMS`] fills, dropped after the checks.
const LEDGER_SUMS_DROPPED: [&str; 3] = [
    "DROP TABLE temp.doctor_ledger",
    "DROP TABLE temp.doctor_hours",
    "DROP TABLE temp.doctor_actors",
];

/// Each check: a name and a query returning one `problem` text per bad row.
const CHECKS: &[(&str, &str)] = &[
    (
        "balance equals the sum of the member's ledger",
        "SELECT 'member ' || b.member_id || ': balance ' || b.balance || ', ledger sums to ' || COALESCE(l.total, 0) AS problem \
         FROM balances b LEFT JOIN temp.doctor_ledger l ON l.member_id = b.member_id \
         WHERE b.balance <> COALESCE(l.total, 0)",
    ),
    (
        "lifetime earned equals the sum of the member's earned points",
        "SELECT 'member ' || b.member_id || ': lifetime ' || b.lifetime_earned || ', earned points sum to ' || COALESCE(l.earned, 0) AS problem \
         FROM balances b LEFT JOIN temp.doctor_ledger l ON l.member_id = b.member_id \
         WHERE b.lifetime_earned <> COALESCE(l.earned, 0)",
    ),
    (
        "held points equal the cost of the member's pending claims",
        "SELECT 'member ' || b.member_id || ': held ' || b.held || ', pending claims cost ' || COALESCE(c.total, 0) AS problem \
         FROM balances b LEFT JOIN (SELECT member_id, SUM(cost) AS total FROM claims WHERE state = 'pending' GROUP BY member_id) c \
           ON c.member_id = b.member_id \
         WHERE b.held <> COALESCE(c.total, 0)",
    ),
    (
        "every claim's points were held, and refunded exactly when it ended without a sale",
        "SELECT 'claim ' || c.id || ' (' || c.state || ') has ' || \
             CASE WHEN h.id IS NULL THEN 'no hold' WHEN r.id IS NULL THEN 'no refund' ELSE 'a refund it should not have' END AS problem \
         FROM claims c \
         LEFT JOIN ledger h ON h.idempotency_key = 'claim:' || c.id || ':hold' AND h.amount = -c.cost \
         LEFT JOIN ledger r ON r.idempotency_key = 'claim:' || c.id || ':refund' AND r.amount = c.cost \
         WHERE h.id IS NULL \
            OR (c.state IN ('rejected', 'cancelled', 'expired')) <> (r.id IS NOT NULL)",
    ),
    (
        "every member has a balance and an identity",
        "SELECT 'member ' || m.id || ' has ' || \
             CASE WHEN b.member_id IS NULL THEN 'no balance row' ELSE 'no identity' END AS problem \
         FROM members m LEFT JOIN balances b ON b.member_id = m.id \
         WHERE b.member_id IS NULL OR (m.merged_into IS NULL AND m.forgotten_at IS NULL \
           AND NOT EXISTS (SELECT 1 FROM identities i WHERE i.member_id = m.id))",
    ),
    (
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
    (
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
    (
        "a member has at most one account per platform",
        "SELECT 'member ' || member_id || ' has ' || COUNT(*) || ' accounts on ' || platform AS problem \
         FROM identities GROUP BY member_id, platform HAVING COUNT(*) > 1",
    ),
    (
        "one paying vote per member, message and kind, and none for oneself",
        "SELECT 'member ' || voter_id || ' has ' || COUNT(*) || ' paying ' || kind || ' votes on message ' || message_id AS problem \
         FROM votes WHERE active = 1 AND points > 0 GROUP BY voter_id, message_id, kind HAVING COUNT(*) > 1 \
         UNION ALL \
         SELECT 'vote ' || id || ': member ' || voter_id || ' paid themselves' FROM votes \
         WHERE active = 1 AND points > 0 AND voter_id = author_id",
    ),
    (
        "the per-day vote totals equal the standing votes",
        "SELECT 'votes for author ' || author_id || ' on ' || day || ': total ' || SUM(kept) || ', standing votes paid ' || SUM(counted) AS problem \
         FROM (SELECT author_id, day, earned AS kept, 0 AS counted FROM vote_days_author \
               UNION ALL SELECT author_id, day, 0, points FROM votes WHERE active = 1 AND points > 0) \
         GROUP BY author_id, day HAVING SUM(kept) <> SUM(counted) \
         UNION ALL \
         SELECT 'upvotes by voter ' || voter_id || ' on ' || day || ': total ' || SUM(kept) || ', standing paying upvotes ' || SUM(counted) \
         FROM (SELECT voter_id, day, paid AS kept, 0 AS counted FROM vote_days_voter \
               UNION ALL SELECT voter_id, day, 0, 1 FROM votes WHERE active = 1 AND points > 0 AND kind = 'upvote') \
         GROUP BY voter_id, day HAVING SUM(kept) <> SUM(counted) \
         UNION ALL \
         SELECT 'upvotes by voter ' || voter_id || ' for author ' || author_id || ' on ' || day || ': total ' || SUM(kept) || ', standing paying upvotes ' || SUM(counted) \
         FROM (SELECT voter_id, author_id, day, paid AS kept, 0 AS counted FROM vote_days_pair \
               UNION ALL SELECT voter_id, author_id, day, 0, 1 FROM votes WHERE active = 1 AND points > 0 AND kind = 'upvote') \
         GROUP BY voter_id, author_id, day HAVING SUM(kept) <> SUM(counted)",
    ),
    (
        "earned points per member and hour equal the ledger's",
        // Both tables are ordered by hour and member: each side is read in
        // order and looked up in the other.
        "SELECT 'member ' || e.member_id || ' in hour ' || e.hour || ': total ' || e.earned || ', ledger sums to ' || COALESCE(d.earned, 0) AS problem \
         FROM earned_hours e LEFT JOIN temp.doctor_hours d ON d.hour = e.hour AND d.member_id = e.member_id \
         WHERE e.earned <> COALESCE(d.earned, 0) \
         UNION ALL \
         SELECT 'member ' || d.member_id || ' in hour ' || d.hour || ': total 0, ledger sums to ' || d.earned \
         FROM temp.doctor_hours d LEFT JOIN earned_hours e ON e.hour = d.hour AND e.member_id = d.member_id \
         WHERE e.hour IS NULL AND d.earned <> 0",
    ),
    (
        "the rank table counts every earner at their lifetime total",
        "SELECT 'lifetime total ' || lifetime_earned || ': ' || SUM(kept) || ' members counted, ' || SUM(counted) || ' have it' AS problem \
         FROM (SELECT lifetime_earned, members AS kept, 0 AS counted FROM earned_ranks \
               UNION ALL SELECT b.lifetime_earned, 0, 1 FROM balances b JOIN members m ON m.id = b.member_id \
               WHERE m.is_bot = 0 AND b.lifetime_earned > 0) \
         GROUP BY lifetime_earned HAVING SUM(kept) <> SUM(counted)",
    ),
    (
        "the help records count the standing paying votes",
        "SELECT 'answer ' || message_id || ' of member ' || author_id || ': ' || SUM(kept) || ' upvotes counted, ' || SUM(counted) || ' stand' AS problem \
         FROM (SELECT author_id, message_id, upvotes AS kept, 0 AS counted FROM help_answers \
               UNION ALL SELECT author_id, message_id, 0, 1 FROM votes \
               WHERE active = 1 AND points > 0 AND kind = 'upvote') \
         GROUP BY author_id, message_id HAVING SUM(kept) <> SUM(counted) \
         UNION ALL \
         SELECT 'member ' || member_id || ': help record ' || SUM(answers) || ' answers, ' || SUM(solutions) \
             || ' solutions; the votes say ' || SUM(counted_answers) || ' and ' || SUM(counted_solutions) \
         FROM (SELECT member_id, answers, solutions, 0 AS counted_answers, 0 AS counted_solutions FROM help_records \
               UNION ALL SELECT author_id, 0, 0, COUNT(DISTINCT message_id), 0 FROM votes \
               WHERE active = 1 AND points > 0 AND kind = 'upvote' GROUP BY author_id \
               UNION ALL SELECT author_id, 0, 0, 0, COUNT(*) FROM votes \
               WHERE active = 1 AND points > 0 AND kind = 'solution' GROUP BY author_id) \
         GROUP BY member_id \
         HAVING SUM(answers) <> SUM(counted_answers) OR SUM(solutions) <> SUM(counted_solutions)",
    ),
    (
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
    (
        "each period's rank table counts every earner at their total",
        "SELECT 'period ' || period_id || ', total ' || earned || ': ' || SUM(kept) || ' members counted, ' || SUM(counted) || ' have it' AS problem \
         FROM (SELECT period_id, earned, members AS kept, 0 AS counted FROM period_ranks \
               UNION ALL SELECT pe.period_id, pe.earned, 0, 1 FROM period_earned pe \
               JOIN members m ON m.id = pe.member_id WHERE m.is_bot = 0 AND pe.earned > 0) \
         GROUP BY period_id, earned HAVING SUM(kept) <> SUM(counted)",
    ),
    (
        "no ledger entry without a member or a balance",
        "SELECT 'ledger entries of unknown member ' || l.member_id AS problem \
         FROM temp.doctor_ledger l LEFT JOIN balances b ON b.member_id = l.member_id WHERE b.member_id IS NULL",
    ),
    (
        "no orphan rows (foreign keys)",
        // SQLite's own check for every table but the ledger, whose two
        // references (member, actor) are checked on the ledger's sums:
        // looking up both for each of ten million rows took 13 s.
        "SELECT 'table ' || fk.\"table\" || ' row ' || COALESCE(fk.rowid, '?') || ' points at a missing ' || fk.parent AS problem \
         FROM sqlite_schema t, pragma_foreign_key_check(t.name) fk \
         WHERE t.type = 'table' AND t.name <> 'ledger' \
         UNION ALL \
         SELECT 'table ledger: rows of member ' || l.member_id || ' point at a missing members' \
         FROM temp.doctor_ledger l LEFT JOIN members m ON m.id = l.member_id WHERE m.id IS NULL \
         UNION ALL \
         SELECT 'table ledger: rows by actor ' || a.actor_id || ' point at a missing members' \
         FROM temp.doctor_actors a LEFT JOIN members m ON m.id = a.actor_id WHERE m.id IS NULL",
    ),
];

/// The doctor reads the whole file, through memory-mapped pages rather
/// than a `read` call per page.
const READ_MAPPED: &str = "PRAGMA mmap_size = 2147418112";

/// The check that runs first: on a damaged file the others cannot be
/// trusted (or fail outright), so the report then holds this one alone.
const FILE_INTACT: (&str, &str) = (
    "the database file is intact",
    "SELECT integrity_check AS problem FROM pragma_integrity_check WHERE integrity_check <> 'ok'",
);

impl Store {
    /// Runs every invariant check.
    #[tracing::instrument(skip_all)]
    pub async fn doctor(&self) -> Result<DoctorReport, StoreError> {
        // One connection for the run: the ledger's sums live in its
        // temporary table.
        let mut conn = self.reader().await?;
        sqlx::query(READ_MAPPED)
            .execute(&mut *conn)
            .await
            .context("mapping the file")?;
        let intact = run_check(&mut conn, FILE_INTACT).await?;
        if !intact.problems.is_empty() {
            drop(conn);
            let notices = self.notice_counts().await?;
            return Ok(DoctorReport {
                checks: vec![intact],
                notices,
            });
        }
        let started = std::time::Instant::now();
        for sql in LEDGER_SUMS {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .context("adding up the ledger")?;
        }
        tracing::debug!(
            took_ms = started.elapsed().as_millis(),
            "added up the ledger"
        );
        let mut checks = Vec::with_capacity(CHECKS.len() + 1);
        for &check in CHECKS {
            checks.push(run_check(&mut conn, check).await?);
        }
        checks.push(intact);
        for sql in LEDGER_SUMS_DROPPED {
            sqlx::query(sql)
                .execute(&mut *conn)
                .await
                .context("dropping the ledger's sums")?;
        }
        drop(conn);
        let notices = self.notice_counts().await?;
        Ok(DoctorReport { checks, notices })
    }
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
