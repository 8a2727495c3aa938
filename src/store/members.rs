//! Members and their platform identities.
//!
//! A member is the club's person; an identity is one account on one
//! platform. Members are created on first sight of an identity; linking
//! accounts later points a second identity at the same member.
//!
//! Usernames change on the platforms, so every sighting refreshes the
//! identity's; a username names one account at a time, so the account that
//! shows it now takes it from any other that was last seen with it. A name
//! typed in a command is compared ignoring (ASCII) case, and when it fits
//! several members the lookup says so rather than guessing.

use chrono::{DateTime, NaiveDate, Utc};
use sqlx::sqlite::SqliteRow;
use sqlx::{AssertSqlSafe, Row};

use super::writer::First;
use super::{Context, Store, StoreError};
use crate::club::model::{Member, MemberId, Platform};
use crate::lang::Lang;

/// An identity as a platform just showed it to us.
#[derive(Debug, Clone)]
pub struct IdentitySeen<'a> {
    pub platform: Platform,
    pub external_id: &'a str,
    pub username: Option<&'a str>,
    pub display_name: &'a str,
    /// The language the platform reports, if it is one the club speaks.
    pub language: Option<Lang>,
    /// The language for a brand-new member whose platform reports none.
    pub default_language: Lang,
    /// The club's calendar day now: a new member's "fan since" date.
    pub today: NaiveDate,
    pub is_bot: bool,
    /// When the platform says the account joined the community; an earlier
    /// date than the member's moves "fan since" and tenure back.
    pub joined: Option<Joined>,
}

/// A join date a platform reported, with its calendar day in the club's
/// time zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Joined {
    pub at: DateTime<Utc>,
    pub day: NaiveDate,
}

impl Joined {
    /// Whether this join date is earlier than what the club has for `member`.
    fn predates(&self, member: &Member) -> bool {
        self.at < member.created_at || self.day < member.fan_since
    }
}

/// A member as just seen, and whether it was the first time.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sighting {
    pub member: Member,
    pub first: bool,
}

/// The result of looking a member up by name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberByName {
    /// Exactly one member has this name, ignoring case.
    Found(Member),
    /// Several members have this name when case is ignored (`alice`,
    /// `Alice`), in member number order: the caller must ask which one.
    Ambiguous(Vec<NamedMember>),
    Unknown,
}

/// One of several members a name could mean, as the "which one?" answer
/// lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NamedMember {
    pub id: MemberId,
    /// The username that matched.
    pub username: String,
    pub display_name: String,
}

/// One platform account of a member, as `/whois` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdentityRecord {
    pub platform: String,
    pub external_id: String,
    pub username: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A member's columns (table alias `m`), as [`member_from_row`] decodes them.
macro_rules! member_columns {
    () => {
        "m.id, m.display_name, m.language, m.is_bot, m.fan_since, m.created_at, m.join_known"
    };
}
pub(super) use member_columns;

/// A `SELECT` of a member's columns (table alias `m`) followed by `$rest`.
macro_rules! select_member {
    ($rest:literal) => {
        concat!("SELECT ", member_columns!(), " ", $rest)
    };
}

/// An account's member and the username it was last seen with, as read
/// before a sighting decides whether anything changed.
#[derive(Debug, Clone)]
pub struct LastSeen(Option<(Member, Option<String>)>);

/// The statement that reads a [`LastSeen`], its platform and account
/// bound to `?{first}` and the next parameter; its rows' first column is
/// `seen` (for `row_named`).
pub(super) fn last_seen_sql(first: usize) -> String {
    format!(
        "SELECT i.member_id AS seen, {}, i.username FROM identities i \
         JOIN members m ON m.id = i.member_id WHERE i.platform = ?{first} AND i.external_id = ?{}",
        member_columns!(),
        first + 1
    )
}

/// The [`LastSeen`] among a query's rows (see [`last_seen_sql`]).
pub(super) fn last_seen_from_rows(rows: &[SqliteRow]) -> Result<LastSeen, StoreError> {
    let known = super::row_named(rows, "seen")
        .map(|row| Ok::<_, StoreError>((member_from_row(row)?, username_from_row(row)?)))
        .transpose()?;
    Ok(LastSeen(known))
}

impl Store {
    /// Returns the member behind an identity, creating both on first sight and
    /// refreshing the name and language when the platform reports new ones.
    #[tracing::instrument(skip_all, fields(platform = %seen.platform))]
    pub async fn member_seen(
        &self,
        seen: &IdentitySeen<'_>,
        now: DateTime<Utc>,
    ) -> Result<Member, StoreError> {
        Ok(self.sighting(seen, now).await?.member)
    }

    /// Like [`Store::member_seen`], and says whether this was the first sight.
    #[tracing::instrument(skip_all, fields(platform = %seen.platform))]
    pub async fn sighting(
        &self,
        seen: &IdentitySeen<'_>,
        now: DateTime<Utc>,
    ) -> Result<Sighting, StoreError> {
        let known = self
            .identity_as_seen(seen.platform, seen.external_id)
            .await?;
        self.sighting_after(known, seen, now).await
    }

    /// [`Store::sighting`] with the account as read before (with other
    /// reads of the same event): writes only when something changed.
    #[tracing::instrument(skip_all, fields(platform = %seen.platform))]
    pub async fn sighting_after(
        &self,
        known: LastSeen,
        seen: &IdentitySeen<'_>,
        now: DateTime<Utc>,
    ) -> Result<Sighting, StoreError> {
        if let LastSeen(Some((member, username))) = known
            && is_up_to_date(&member, username.as_deref(), seen)
        {
            return Ok(Sighting {
                member,
                first: false,
            });
        }
        let platform = seen.platform.as_str();
        let account = seen.external_id;
        let first = First {
            sql: "SELECT member_id AS existing FROM identities WHERE platform = ? AND external_id = ?"
                .into(),
            bind: Box::new(move |query| query.bind(platform).bind(account)),
        };
        let (mut tx, rows) = self.begin_write_reading(first).await?;
        let existing: Option<i64> = super::row_named(&rows, "existing")
            .map(|row| row.try_get("existing"))
            .transpose()
            .context("looking up an identity")?;
        let Some(member_id) = existing else {
            let member = create_member(&mut tx, seen, now).await?;
            tx.commit().await.context("committing a member")?;
            return Ok(Sighting {
                member,
                first: true,
            });
        };
        refresh_identity(&mut tx, member_id, seen).await?;
        tx.commit().await.context("committing a member")?;
        let member = self.member(MemberId(member_id)).await?.ok_or_else(|| {
            StoreError::Inconsistent(format!("member {member_id} vanished after being written"))
        })?;
        Ok(Sighting {
            member,
            first: false,
        })
    }

    /// The member with this id; for a member joined into another by
    /// `/link`, the member it became.
    #[tracing::instrument(skip_all)]
    pub async fn member(&self, id: MemberId) -> Result<Option<Member>, StoreError> {
        sqlx::query(select_member!(
            "FROM members m WHERE m.id = (SELECT COALESCE(merged_into, id) FROM members WHERE id = ?)"
        ))
            .bind(id.0)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .context("reading a member")?
            .map(|row| member_from_row(&row))
            .transpose()
    }

    /// The member behind a platform account, if we have seen it.
    #[tracing::instrument(skip_all)]
    pub async fn identity_member(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> Result<Option<Member>, StoreError> {
        sqlx::query(select_member!(
            "FROM identities i JOIN members m ON m.id = i.member_id \
             WHERE i.platform = ? AND i.external_id = ?"
        ))
        .bind(platform.as_str())
        .bind(external_id)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading an identity's member")?
        .map(|row| member_from_row(&row))
        .transpose()
    }

    /// The member behind a platform account and the username it was last
    /// seen with.
    #[tracing::instrument(skip_all)]
    async fn identity_as_seen(
        &self,
        platform: Platform,
        external_id: &str,
    ) -> Result<LastSeen, StoreError> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| last_seen_sql(1));
        let rows = sqlx::query(AssertSqlSafe(SQL.as_str()))
            .bind(platform.as_str())
            .bind(external_id)
            .fetch_all(&mut *self.reader().await?)
            .await
            .context("reading an identity as last seen")?;
        last_seen_from_rows(&rows)
    }

    /// Finds a member by the username of one of their identities on
    /// `platform`, as typed in `@name`. Case is ignored (ASCII, as SQLite's
    /// `NOCASE`), and a name that fits several members is
    /// [`MemberByName::Ambiguous`], even when one of them matches exactly:
    /// `alice` may well have been meant for `Alice`.
    #[tracing::instrument(skip_all)]
    pub async fn member_by_username(
        &self,
        platform: Platform,
        username: &str,
    ) -> Result<MemberByName, StoreError> {
        let rows = sqlx::query(select_member!(
            ", i.username FROM identities i JOIN members m ON m.id = i.member_id \
             WHERE i.platform = ? AND i.username = ? COLLATE NOCASE \
             ORDER BY m.id, i.created_at"
        ))
        .bind(platform.as_str())
        .bind(username)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("finding a member by name")?;
        let mut found: Vec<(Member, String)> = Vec::with_capacity(rows.len());
        for row in &rows {
            let member = member_from_row(row)?;
            if found.last().is_some_and(|(last, _)| last.id == member.id) {
                continue;
            }
            // The query matched it, so it is there.
            let name = username_from_row(row)?.unwrap_or_default();
            found.push((member, name));
        }
        Ok(match found.len() {
            0 => MemberByName::Unknown,
            1 => MemberByName::Found(found.remove(0).0),
            _ => MemberByName::Ambiguous(
                found
                    .into_iter()
                    .map(|(member, username)| NamedMember {
                        id: member.id,
                        username,
                        display_name: member.display_name,
                    })
                    .collect(),
            ),
        })
    }

    /// Every platform account of a member, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn identities_of(&self, member: MemberId) -> Result<Vec<IdentityRecord>, StoreError> {
        let rows = sqlx::query(
            "SELECT platform, external_id, username, created_at FROM identities \
             WHERE member_id = ? ORDER BY created_at, platform, external_id",
        )
        .bind(member.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing a member's accounts")?;
        let read = |source| StoreError::Query {
            context: "decoding an identity",
            source,
        };
        rows.iter()
            .map(|row| {
                Ok(IdentityRecord {
                    platform: row.try_get("platform").map_err(read)?,
                    external_id: row.try_get("external_id").map_err(read)?,
                    username: row.try_get("username").map_err(read)?,
                    created_at: row.try_get("created_at").map_err(read)?,
                })
            })
            .collect()
    }

    /// The member's account id on `platform`, for private messages.
    #[tracing::instrument(skip_all)]
    pub async fn external_id_of(
        &self,
        member: MemberId,
        platform: Platform,
    ) -> Result<Option<String>, StoreError> {
        sqlx::query_scalar(
            "SELECT external_id FROM identities WHERE member_id = ? AND platform = ? ORDER BY created_at LIMIT 1",
        )
        .bind(member.0)
        .bind(platform.as_str())
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("finding a member's account")
    }
}

/// Joins member `absorbed` into `survivor` inside the caller's write
/// transaction: the identities move, "fan since" becomes the earlier date,
/// and `absorbed` (and every member merged into it before) now points at
/// `survivor`. `false`, with nothing written, when `absorbed` was merged
/// meanwhile (a guarded update).
pub(super) async fn merge_member(
    tx: &mut sqlx::SqliteConnection,
    absorbed: MemberId,
    survivor: MemberId,
) -> Result<bool, StoreError> {
    let marked = sqlx::query(
        "UPDATE members SET merged_into = ?1 WHERE id = ?2 AND merged_into IS NULL \
         AND EXISTS (SELECT 1 FROM members WHERE id = ?1 AND merged_into IS NULL)",
    )
    .bind(survivor.0)
    .bind(absorbed.0)
    .execute(&mut *tx)
    .await
    .context("marking a member merged")?;
    if marked.rows_affected() == 0 {
        return Ok(false);
    }
    sqlx::query("UPDATE members SET merged_into = ? WHERE merged_into = ?")
        .bind(survivor.0)
        .bind(absorbed.0)
        .execute(&mut *tx)
        .await
        .context("pointing earlier merges at the member")?;
    sqlx::query(
        "UPDATE members SET fan_since = (SELECT fan_since FROM members WHERE id = ?1) \
         WHERE id = ?2 AND fan_since > (SELECT fan_since FROM members WHERE id = ?1)",
    )
    .bind(absorbed.0)
    .bind(survivor.0)
    .execute(&mut *tx)
    .await
    .context("keeping the earlier fan-since date")?;
    // Tenure counts from the earlier start too; the person is new only if
    // the club knows that both accounts joined recently.
    sqlx::query(
        "UPDATE members SET \
             created_at = MIN(created_at, (SELECT created_at FROM members WHERE id = ?1)), \
             join_known = join_known AND (SELECT join_known FROM members WHERE id = ?1) \
         WHERE id = ?2",
    )
    .bind(absorbed.0)
    .bind(survivor.0)
    .execute(&mut *tx)
    .await
    .context("keeping the earlier join")?;
    sqlx::query("UPDATE identities SET member_id = ? WHERE member_id = ?")
        .bind(survivor.0)
        .bind(absorbed.0)
        .execute(&mut *tx)
        .await
        .context("moving a member's accounts")?;
    Ok(true)
}

/// The platforms on which both members have an account (a member has at
/// most one account per platform, so these two cannot be joined).
pub(super) async fn shared_platforms(
    tx: &mut sqlx::SqliteConnection,
    one: MemberId,
    other: MemberId,
) -> Result<Vec<String>, StoreError> {
    sqlx::query_scalar(
        "SELECT platform FROM identities WHERE member_id = ? \
         INTERSECT SELECT platform FROM identities WHERE member_id = ? ORDER BY 1",
    )
    .bind(one.0)
    .bind(other.0)
    .fetch_all(&mut *tx)
    .await
    .context("comparing two members' platforms")
}

/// Moves `member`'s account on `platform` to a new member of its own, with
/// an empty balance, inside the caller's write transaction. `None` when
/// the member has no account there, or no other account to keep.
pub(super) async fn split_identity(
    tx: &mut sqlx::SqliteConnection,
    member: MemberId,
    platform: Platform,
    fan_since: NaiveDate,
    now: DateTime<Utc>,
) -> Result<Option<MemberId>, StoreError> {
    let accounts: Vec<String> =
        sqlx::query_scalar("SELECT platform FROM identities WHERE member_id = ?")
            .bind(member.0)
            .fetch_all(&mut *tx)
            .await
            .context("listing a member's platforms")?;
    if accounts.len() < 2 || !accounts.iter().any(|listed| listed == platform.as_str()) {
        return Ok(None);
    }
    let split: i64 = sqlx::query_scalar(
        "INSERT INTO members (display_name, language, is_bot, fan_since, created_at) \
         SELECT COALESCE(i.username, m.display_name), m.language, m.is_bot, ?, ? \
         FROM members m JOIN identities i ON i.member_id = m.id AND i.platform = ? \
         WHERE m.id = ? RETURNING id",
    )
    .bind(fan_since)
    .bind(now)
    .bind(platform.as_str())
    .bind(member.0)
    .fetch_one(&mut *tx)
    .await
    .context("creating the member an account splits into")?;
    sqlx::query("UPDATE identities SET member_id = ? WHERE member_id = ? AND platform = ?")
        .bind(split)
        .bind(member.0)
        .bind(platform.as_str())
        .execute(&mut *tx)
        .await
        .context("moving an account to its own member")?;
    sqlx::query("INSERT INTO balances (member_id, updated_at) VALUES (?, ?)")
        .bind(split)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("opening a balance")?;
    Ok(Some(MemberId(split)))
}

fn is_up_to_date(member: &Member, username: Option<&str>, seen: &IdentitySeen<'_>) -> bool {
    member.display_name == seen.display_name
        && username == seen.username
        && seen.language.is_none_or(|lang| lang == member.language)
        && seen.joined.is_none_or(|joined| !joined.predates(member))
}

/// A username names one account at a time: another account last seen with
/// a username has since given it up (renamed), so it loses it. Parameters:
/// the platform, the username twice, the account that has it now. The
/// NOCASE comparison lets the username index find the rows.
macro_rules! release_username_sql {
    () => {
        "UPDATE identities SET username = NULL \
         WHERE platform = ? AND username = ? COLLATE NOCASE AND username = ? \
         AND external_id <> ?"
    };
}

/// Releases `seen`'s username from any other account (see
/// [`release_username_sql`]).
async fn release_username(
    tx: &mut sqlx::SqliteConnection,
    seen: &IdentitySeen<'_>,
) -> Result<(), StoreError> {
    let Some(username) = seen.username else {
        return Ok(());
    };
    sqlx::query(release_username_sql!())
        .bind(seen.platform.as_str())
        .bind(username)
        .bind(username)
        .bind(seen.external_id)
        .execute(&mut *tx)
        .await
        .context("releasing a username taken by another account")?;
    Ok(())
}

async fn refresh_identity(
    tx: &mut sqlx::SqliteConnection,
    member_id: i64,
    seen: &IdentitySeen<'_>,
) -> Result<(), StoreError> {
    release_username(tx, seen).await?;
    sqlx::query("UPDATE identities SET username = ? WHERE platform = ? AND external_id = ?")
        .bind(seen.username)
        .bind(seen.platform.as_str())
        .bind(seen.external_id)
        .execute(&mut *tx)
        .await
        .context("refreshing an identity")?;
    sqlx::query(
        "UPDATE members SET display_name = ?, language = COALESCE(?, language) WHERE id = ?",
    )
    .bind(seen.display_name)
    .bind(seen.language.map(Lang::code))
    .bind(member_id)
    .execute(&mut *tx)
    .await
    .context("refreshing a member")?;
    if let Some(joined) = seen.joined {
        // A join date no later than what the club has makes the join
        // known; a later one (a member seen before who joined another
        // place, or left and came back) changes nothing.
        sqlx::query(
            "UPDATE members SET created_at = CASE WHEN created_at > ?1 THEN ?1 ELSE created_at END, \
             fan_since = CASE WHEN fan_since > ?2 THEN ?2 ELSE fan_since END, \
             join_known = CASE WHEN created_at >= ?1 THEN 1 ELSE join_known END WHERE id = ?3",
        )
        .bind(joined.at)
        .bind(joined.day)
        .bind(member_id)
        .execute(&mut *tx)
        .await
        .context("moving a member's join date back")?;
    }
    Ok(())
}

/// Creates a member for an account first seen, with its identity and
/// balance, in one round trip (a reaction's voter is often new).
async fn create_member(
    tx: &mut sqlx::SqliteConnection,
    seen: &IdentitySeen<'_>,
    now: DateTime<Utc>,
) -> Result<Member, StoreError> {
    let language = seen.language.unwrap_or(seen.default_language);
    // Positional parameters, bound statement by statement: sqlx fills the
    // numbers a statement leaves unused below its highest from a count
    // that runs on across statements, and stops binding where that count
    // passes the arguments, so shared numbers with gaps would go unbound.
    let (platform, account, username) = (seen.platform.as_str(), seen.external_id, seen.username);
    let rows = sqlx::query(concat!(
        "INSERT INTO members (display_name, language, is_bot, fan_since, created_at, join_known) \
         VALUES (?, ?, ?, ?, ?, ?); ",
        // Without a username (NULL) it releases nothing.
        release_username_sql!(),
        "; INSERT INTO identities (platform, external_id, member_id, username, created_at) \
         VALUES (?, ?, last_insert_rowid(), ?, ?); \
         INSERT INTO balances (member_id, updated_at) \
         VALUES ((SELECT member_id FROM identities WHERE platform = ? AND external_id = ?), ?); \
         SELECT i.member_id AS created, ",
        member_columns!(),
        " FROM identities i JOIN members m ON m.id = i.member_id \
         WHERE i.platform = ? AND i.external_id = ?"
    ))
    .bind(seen.display_name)
    .bind(language.code())
    .bind(seen.is_bot)
    .bind(
        seen.joined
            .map_or(seen.today, |joined| joined.day.min(seen.today)),
    )
    .bind(seen.joined.map_or(now, |joined| joined.at.min(now)))
    .bind(seen.joined.is_some())
    .bind(platform)
    .bind(username)
    .bind(username)
    .bind(account)
    .bind(platform)
    .bind(account)
    .bind(username)
    .bind(now)
    .bind(platform)
    .bind(account)
    .bind(now)
    .bind(platform)
    .bind(account)
    .fetch_all(&mut *tx)
    .await
    .context("creating a member")?;
    let member = super::row_named(&rows, "created")
        .map(member_from_row)
        .transpose()?
        .ok_or_else(|| StoreError::Inconsistent("a new member was not written".into()))?;
    tracing::info!(member_id = member.id.0, "new member");
    Ok(member)
}

/// The `username` column of an identity row.
fn username_from_row(row: &SqliteRow) -> Result<Option<String>, StoreError> {
    row.try_get("username").map_err(|source| StoreError::Query {
        context: "decoding a username",
        source,
    })
}

pub(super) fn member_from_row(row: &SqliteRow) -> Result<Member, StoreError> {
    let read = |source| StoreError::Query {
        context: "decoding a member",
        source,
    };
    let language: String = row.try_get("language").map_err(read)?;
    let language = language
        .parse::<Lang>()
        .map_err(|error| StoreError::Inconsistent(error.to_string()))?;
    Ok(Member {
        id: MemberId(row.try_get("id").map_err(read)?),
        display_name: row.try_get("display_name").map_err(read)?,
        language,
        is_bot: row.try_get("is_bot").map_err(read)?,
        fan_since: row.try_get::<NaiveDate, _>("fan_since").map_err(read)?,
        created_at: row
            .try_get::<DateTime<Utc>, _>("created_at")
            .map_err(read)?,
        join_known: row.try_get("join_known").map_err(read)?,
    })
}

/// One account's row of a members import, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberImport {
    pub platform: Platform,
    pub external_id: String,
    /// The display name to set, if any.
    pub name: Option<String>,
    /// The day the member joined ("fan since"), and that day's start in
    /// the club's time zone, from which tenure counts.
    pub fan_since: Option<(NaiveDate, DateTime<Utc>)>,
}

/// What an import did (or would do) to one account's member.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Imported {
    /// The account was not seen yet: a member was created for it.
    Created(MemberId),
    Updated(MemberId),
    /// The member already had these values.
    Unchanged(MemberId),
    /// Not seen yet (on a dry run: would be created).
    Unseen,
}

impl Store {
    /// What importing `rows` would do, writing nothing.
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn preview_member_import(
        &self,
        rows: &[MemberImport],
    ) -> Result<Vec<Imported>, StoreError> {
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            let outcome = match self.identity_member(row.platform, &row.external_id).await? {
                None => Imported::Unseen,
                Some(member) if import_changes(&member, row) => Imported::Updated(member.id),
                Some(member) => Imported::Unchanged(member.id),
            };
            outcomes.push(outcome);
        }
        Ok(outcomes)
    }

    /// Sets display names and join dates from an operator's file, all rows
    /// in one transaction, with one audit entry per member changed. An
    /// account not seen yet gets a member now (its username comes with its
    /// first sighting). A join date makes the join known: the member is new
    /// only if it is recent.
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn import_members(
        &self,
        rows: &[MemberImport],
        operator: MemberId,
        default_language: Lang,
        today: NaiveDate,
        now: DateTime<Utc>,
    ) -> Result<Vec<Imported>, StoreError> {
        let mut tx = self.begin_write().await?;
        let mut outcomes = Vec::with_capacity(rows.len());
        for row in rows {
            let existing: Option<i64> = sqlx::query_scalar(
                "SELECT member_id FROM identities WHERE platform = ? AND external_id = ?",
            )
            .bind(row.platform.as_str())
            .bind(&row.external_id)
            .fetch_optional(&mut *tx)
            .await
            .context("looking up an imported account")?;
            let (member_id, created) = match existing {
                Some(id) => (id, false),
                None => {
                    let fallback = format!("{}:{}", row.platform, row.external_id);
                    let seen = IdentitySeen {
                        platform: row.platform,
                        external_id: &row.external_id,
                        username: None,
                        display_name: row.name.as_deref().unwrap_or(&fallback),
                        language: None,
                        default_language,
                        today,
                        is_bot: false,
                        joined: None,
                    };
                    (create_member(&mut tx, &seen, now).await?.id.0, true)
                }
            };
            let changed = sqlx::query(
                "UPDATE members SET display_name = COALESCE(?1, display_name), \
                     fan_since = COALESCE(?2, fan_since), created_at = COALESCE(?3, created_at), \
                     join_known = CASE WHEN ?2 IS NULL THEN join_known ELSE 1 END \
                 WHERE id = ?4 AND NOT (display_name IS COALESCE(?1, display_name) \
                     AND fan_since IS COALESCE(?2, fan_since) \
                     AND created_at IS COALESCE(?3, created_at) \
                     AND (?2 IS NULL OR join_known = 1))",
            )
            .bind(row.name.as_deref())
            .bind(row.fan_since.map(|(day, _)| day))
            .bind(row.fan_since.map(|(_, at)| at))
            .bind(member_id)
            .execute(&mut *tx)
            .await
            .context("importing a member's name and join date")?
            .rows_affected()
                > 0;
            if changed || created {
                let mut detail = Vec::new();
                if let Some((day, _)) = row.fan_since {
                    detail.push(format!("fan since {day}"));
                }
                if let Some(name) = &row.name {
                    detail.push(format!("name {name}"));
                }
                let audit = super::ledger::AuditNote {
                    actor: operator,
                    action: "members_import",
                    detail: format!("{}:{} {}", row.platform, row.external_id, detail.join(", ")),
                };
                super::ledger::record_audit(&mut tx, &audit, Some(MemberId(member_id)), now)
                    .await?;
            }
            let member = MemberId(member_id);
            outcomes.push(match (created, changed) {
                (true, _) => Imported::Created(member),
                (false, true) => Imported::Updated(member),
                (false, false) => Imported::Unchanged(member),
            });
        }
        tx.commit().await.context("committing a members import")?;
        Ok(outcomes)
    }
}

/// Whether importing `row` would change `member`.
fn import_changes(member: &Member, row: &MemberImport) -> bool {
    row.name
        .as_ref()
        .is_some_and(|name| *name != member.display_name)
        || row.fan_since.is_some_and(|(day, at)| {
            day != member.fan_since || at != member.created_at || !member.join_known
        })
}
