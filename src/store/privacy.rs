//! A member's data rights: what the club keeps about them (`/mydata`),
//! forgetting them (`/forget_me`), and leaving the leaderboards.
//!
//! Why here, in one file: GDPR Art. 15 and 17 are about every table at
//! once. The export reads whole rows (`SELECT *`), so a column another
//! table group adds later (an address on a claim) is in the member's copy
//! without this file changing. Forgetting is one write transaction that
//! erases names, texts, accounts and links, and keeps what the club's
//! arithmetic needs: the member's row (nameless, marked `forgotten_at`),
//! their ledger, balance and votes, so balances, leaderboards of others
//! and `fanclub doctor` stay consistent. The ledger's append-only trigger
//! lets a forgotten member's name be taken out of a row's reason and
//! nothing else (migration 0015).

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};
use sqlx::sqlite::SqliteRow;
use sqlx::{Column, Row, TypeInfo, ValueRef};

use super::ledger::{AuditNote, record_audit};
use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, Platform};

/// What forgetting a member erased, in numbers (the audit entry says
/// these and nothing personal).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Forgotten {
    /// Messages of theirs whose text was erased.
    pub messages: u64,
    /// Platform accounts removed.
    pub accounts: u64,
    /// Learned FAQ phrasings and questions marked not covered that came
    /// from them, deleted (the FAQ's index must be rebuilt).
    pub phrasings: u64,
}

/// The tables of a member's export and the query that reads each; `?1` is
/// the member. Every query reads whole rows.
const EXPORT: &[(&str, &str)] = &[
    ("member", "SELECT * FROM members WHERE id = ?1"),
    (
        "identities",
        "SELECT * FROM identities WHERE member_id = ?1 ORDER BY created_at",
    ),
    ("balance", "SELECT * FROM balances WHERE member_id = ?1"),
    (
        "ledger",
        "SELECT * FROM ledger WHERE member_id = ?1 ORDER BY id",
    ),
    (
        "votes_given",
        "SELECT * FROM votes WHERE voter_id = ?1 ORDER BY id",
    ),
    (
        "votes_received",
        "SELECT * FROM votes WHERE author_id = ?1 ORDER BY id",
    ),
    (
        "claims",
        "SELECT * FROM claims WHERE member_id = ?1 ORDER BY id",
    ),
    (
        "faq_learned_phrasings",
        "SELECT * FROM faq_learned WHERE member_id = ?1 ORDER BY id",
    ),
    (
        "faq_not_covered",
        "SELECT * FROM faq_negatives WHERE member_id = ?1 ORDER BY id",
    ),
    (
        "faq_questions",
        "SELECT * FROM faq_queries WHERE member_id = ?1 ORDER BY id",
    ),
    (
        "faq_feedback",
        "SELECT * FROM faq_feedback WHERE member_id = ?1 ORDER BY created_at",
    ),
    (
        "messages",
        "SELECT id, platform, place, private, reply_to, body, created_at FROM messages \
         WHERE author_id = ?1 ORDER BY id",
    ),
    (
        "pending_notices",
        "SELECT id, platform, private, texts, created_at, attempts, last_error FROM outbox \
         WHERE member_id = ?1 AND delivered_at IS NULL AND failed_at IS NULL ORDER BY id",
    ),
    (
        "points_waiting_for_a_digest",
        "SELECT * FROM earned_points WHERE member_id = ?1 AND digested_at IS NULL ORDER BY id",
    ),
    (
        "delivery",
        "SELECT * FROM member_delivery WHERE member_id = ?1",
    ),
    (
        "link_codes",
        "SELECT platform, created_at, expires_at, used_at, outcome FROM link_codes \
         WHERE member_id = ?1 ORDER BY created_at",
    ),
];

impl Store {
    /// Everything the club keeps about `member`, table by table, as JSON
    /// rows (`member` and `balance` are one object each, the rest lists).
    #[tracing::instrument(skip_all)]
    pub async fn personal_data(&self, member: MemberId) -> Result<Map<String, Value>, StoreError> {
        let mut data = Map::new();
        for (name, sql) in EXPORT {
            let rows = sqlx::query(*sql)
                .bind(member.0)
                .fetch_all(&mut *self.reader().await?)
                .await
                .context("reading a member's data")?;
            let mut rows: Vec<Value> = rows
                .iter()
                .map(|row| Value::Object(row_json(row)))
                .collect();
            let value = if matches!(*name, "member" | "balance" | "delivery") {
                rows.pop().unwrap_or(Value::Null)
            } else {
                Value::Array(rows)
            };
            data.insert((*name).to_owned(), value);
        }
        Ok(data)
    }

    /// Leaves `member` out of the leaderboards (or back in); whether that
    /// changed anything.
    #[tracing::instrument(skip_all)]
    pub async fn set_leaderboard_hidden(
        &self,
        member: MemberId,
        hidden: bool,
    ) -> Result<bool, StoreError> {
        let changed = self.write_alone(
            sqlx::query(
                "UPDATE members SET leaderboard_hidden = ?1 WHERE id = ?2 AND leaderboard_hidden <> ?1",
            )
            .bind(hidden)
            .bind(member.0),
            "hiding a member from leaderboards",
        )
        .await?;
        Ok(changed.rows_affected() == 1)
    }

    /// The members left out of the leaderboards (forgotten members too).
    #[tracing::instrument(skip_all)]
    pub async fn leaderboard_hidden(&self) -> Result<HashSet<MemberId>, StoreError> {
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM members WHERE leaderboard_hidden = 1 OR forgotten_at IS NOT NULL",
        )
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing members hidden from leaderboards")?;
        Ok(ids.into_iter().map(MemberId).collect())
    }

    /// Whether `member` is left out of the leaderboards (hidden, or
    /// forgotten): one row, where [`Store::leaderboard_hidden`] lists all.
    #[tracing::instrument(skip_all)]
    pub async fn is_leaderboard_hidden(&self, member: MemberId) -> Result<bool, StoreError> {
        let hidden: Option<bool> = sqlx::query_scalar(
            "SELECT leaderboard_hidden = 1 OR forgotten_at IS NOT NULL FROM members WHERE id = ?",
        )
        .bind(member.0)
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading whether a member is hidden from leaderboards")?;
        Ok(hidden.unwrap_or(false))
    }

    /// The moderators' place `platform` registered, if it has one.
    #[tracing::instrument(skip_all, fields(%platform))]
    pub async fn moderators_place(&self, platform: Platform) -> Result<Option<String>, StoreError> {
        let place: Option<Option<String>> = sqlx::query_scalar(
            "SELECT moderators_place FROM delivery_platforms WHERE platform = ?",
        )
        .bind(platform.as_str())
        .fetch_optional(&mut *self.reader().await?)
        .await
        .context("reading a moderators' place")?;
        Ok(place.flatten())
    }

    /// The numbers of `member`'s claims still waiting for a decision.
    #[tracing::instrument(skip_all)]
    pub async fn pending_claims_of(&self, member: MemberId) -> Result<Vec<i64>, StoreError> {
        sqlx::query_scalar(
            "SELECT id FROM claims WHERE member_id = ? AND state = 'pending' ORDER BY id",
        )
        .bind(member.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing a member's pending claims")
    }

    /// Forgets `member` in one transaction with one audit entry (numbers
    /// only): their names (the member's and every account's), the texts of
    /// their messages and of the bot's private messages to them, their
    /// FAQ questions, phrasings and verdicts, shipping data on their
    /// claims, their accounts, link codes, delivery choices and waiting
    /// notices and digests. Their name is taken out of ledger reasons and
    /// stored bot messages. Kept: the member row (named `#<number>`, left
    /// out of leaderboards), the ledger, balances, votes and claims, so
    /// every sum stays right. `None` when they were forgotten before.
    ///
    /// Pending claims are the caller's to cancel first (with their refund).
    #[tracing::instrument(skip_all)]
    pub async fn forget_member(
        &self,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Option<Forgotten>, StoreError> {
        let mut tx = self.begin_write().await?;
        // First, so the ledger's trigger lets reasons lose the name.
        let marked = sqlx::query(
            "UPDATE members SET forgotten_at = ?1 WHERE id = ?2 AND forgotten_at IS NULL \
             AND merged_into IS NULL",
        )
        .bind(now)
        .bind(member.0)
        .execute(&mut *tx)
        .await
        .context("marking a member forgotten")?;
        if marked.rows_affected() == 0 {
            return Ok(None);
        }
        let label = format!("#{}", member.0);
        // Every name they went by: the member's, every account's, and those
        // of members joined into them.
        let names: Vec<String> = sqlx::query_scalar(
            "SELECT display_name FROM members WHERE id = ?1 OR merged_into = ?1 \
             UNION SELECT username FROM identities WHERE member_id = ?1 AND username IS NOT NULL",
        )
        .bind(member.0)
        .fetch_all(&mut *tx)
        .await
        .context("reading a member's names")?;
        let messages =
            sqlx::query("UPDATE messages SET body = '' WHERE author_id = ? AND body <> ''")
                .bind(member.0)
                .execute(&mut *tx)
                .await
                .context("erasing a member's messages")?
                .rows_affected();
        let mut forgotten = Forgotten {
            messages,
            ..Forgotten::default()
        };
        let statements: &[(&'static str, &'static str)] = &[
            (
                "UPDATE messages SET body = '', buttons = '[]' WHERE from_bot = 1 AND private = 1 \
                 AND (platform, place) IN (SELECT platform, external_id FROM identities WHERE member_id = ?1)",
                "erasing private messages to a member",
            ),
            (
                "DELETE FROM faq_queries WHERE member_id = ?1",
                "erasing FAQ questions",
            ),
            (
                "DELETE FROM faq_feedback WHERE member_id = ?1",
                "erasing FAQ verdicts",
            ),
            (
                "UPDATE outbox SET replaces_notice = NULL WHERE replaces_notice IN \
                 (SELECT id FROM outbox WHERE member_id = ?1 OR (private = 1 AND (platform, place) IN \
                  (SELECT platform, external_id FROM identities WHERE member_id = ?1)))",
                "unlinking a member's notices",
            ),
            (
                "DELETE FROM outbox WHERE member_id = ?1 OR (private = 1 AND (platform, place) IN \
                 (SELECT platform, external_id FROM identities WHERE member_id = ?1))",
                "erasing a member's notices",
            ),
            (
                "DELETE FROM earned_points WHERE member_id = ?1",
                "erasing waiting digests",
            ),
            (
                "DELETE FROM member_delivery WHERE member_id = ?1",
                "erasing delivery choices",
            ),
            (
                "DELETE FROM link_codes WHERE member_id = ?1 OR used_by = ?1",
                "erasing link codes",
            ),
            (
                "DELETE FROM link_attempts WHERE member_id = ?1",
                "erasing link attempts",
            ),
        ];
        for (sql, context) in statements {
            sqlx::query(*sql)
                .bind(member.0)
                .execute(&mut *tx)
                .await
                .context(context)?;
        }
        for sql in [
            "DELETE FROM faq_learned WHERE member_id = ?",
            "DELETE FROM faq_negatives WHERE member_id = ?",
        ] {
            forgotten.phrasings += sqlx::query(sql)
                .bind(member.0)
                .execute(&mut *tx)
                .await
                .context("erasing a member's FAQ phrasings")?
                .rows_affected();
        }
        erase_shipping_data(&mut tx, member, now).await?;
        for name in names.iter().filter(|name| !name.is_empty()) {
            // Votes booked before issue 14's lean rows name their voter:
            // "upvote by NAME on #7" (today's carry no text).
            sqlx::query(
                "UPDATE ledger SET reason = replace(reason, ' by ' || ?1 || ' on ', ' by ' || ?2 || ' on ') \
                 WHERE actor_id = ?3 AND instr(reason, ' by ' || ?1 || ' on ') > 0",
            )
            .bind(name)
            .bind(&label)
            .bind(member.0)
            .execute(&mut *tx)
            .await
            .context("taking a name out of ledger reasons")?;
            if name.chars().count() >= MIN_NAME_TO_REPLACE {
                unname_bot_messages(&mut tx, name, &label).await?;
            }
        }
        forgotten.accounts = sqlx::query("DELETE FROM identities WHERE member_id = ?")
            .bind(member.0)
            .execute(&mut *tx)
            .await
            .context("erasing a member's accounts")?
            .rows_affected();
        sqlx::query(
            "UPDATE members SET display_name = '#' || id, leaderboard_hidden = 1, \
             forgotten_at = COALESCE(forgotten_at, ?1) WHERE id = ?2 OR merged_into = ?2",
        )
        .bind(now)
        .bind(member.0)
        .execute(&mut *tx)
        .await
        .context("erasing a member's names")?;
        let note = AuditNote {
            actor: member,
            action: "forget",
            detail: format!(
                "member #{} forgotten on request: {} messages, {} accounts, {} FAQ phrasings erased",
                member.0, forgotten.messages, forgotten.accounts, forgotten.phrasings
            ),
        };
        record_audit(&mut tx, &note, Some(member), now).await?;
        tx.commit().await.context("committing a forgotten member")?;
        tracing::info!(member = member.0, "member forgotten on request");
        Ok(Some(forgotten))
    }
}

/// Names shorter than this are not taken out of the bot's stored messages
/// (a one-letter name is a word of its own too often).
const MIN_NAME_TO_REPLACE: usize = 2;

/// Replaces `name` as a whole word (not inside a longer word) by `label`
/// in the stored texts of the bot's messages, inside the caller's
/// transaction.
async fn unname_bot_messages(
    tx: &mut sqlx::SqliteConnection,
    name: &str,
    label: &str,
) -> Result<(), StoreError> {
    let rows: Vec<(i64, String)> =
        sqlx::query_as("SELECT id, body FROM messages WHERE from_bot = 1 AND instr(body, ?) > 0")
            .bind(name)
            .fetch_all(&mut *tx)
            .await
            .context("finding a name in the bot's messages")?;
    for (id, body) in rows {
        let replaced = replace_word(&body, name, label);
        if replaced != body {
            sqlx::query("UPDATE messages SET body = ? WHERE id = ?")
                .bind(&replaced)
                .bind(id)
                .execute(&mut *tx)
                .await
                .context("taking a name out of the bot's messages")?;
        }
    }
    Ok(())
}

/// `text` with every whole-word `word` replaced by `by`: a match counts
/// when no letter or digit touches it on either side.
fn replace_word(text: &str, word: &str, by: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut done = 0;
    for (at, _) in text.match_indices(word) {
        if at < done {
            continue;
        }
        let before = text[..at].chars().next_back();
        let after = text[at + word.len()..].chars().next();
        let apart = |c: Option<char>| c.is_none_or(|c| !c.is_alphanumeric());
        if apart(before) && apart(after) {
            out.push_str(&text[done..at]);
            out.push_str(by);
            done = at + word.len();
        }
    }
    out.push_str(&text[done..]);
    out
}

/// Erases the shipping data of `member`'s claims inside the caller's
/// transaction (`/forget_me`): the postal address, and the moderators'
/// notes and tracking numbers, which can name a person or a parcel.
pub(crate) async fn erase_shipping_data(
    tx: &mut sqlx::SqliteConnection,
    member: MemberId,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let erased = sqlx::query(
        "UPDATE claims SET note = NULL, tracking = NULL, \
             address_erased_at = CASE WHEN shipping_address IS NOT NULL THEN ?2 \
                                      ELSE address_erased_at END, \
             shipping_address = NULL \
         WHERE member_id = ?1 \
           AND (note IS NOT NULL OR tracking IS NOT NULL OR shipping_address IS NOT NULL)",
    )
    .bind(member.0)
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("erasing a member's shipping data")?;
    Ok(erased.rows_affected())
}

/// A row as a JSON object, column by column: integers, reals and texts as
/// they are, NULL as null, anything else (a blob) left out.
fn row_json(row: &SqliteRow) -> Map<String, Value> {
    let mut object = Map::new();
    for (index, column) in row.columns().iter().enumerate() {
        let Ok(raw) = row.try_get_raw(index) else {
            continue;
        };
        let value = if raw.is_null() {
            Value::Null
        } else {
            match raw.type_info().name() {
                "INTEGER" => row.try_get::<i64, _>(index).map(Value::from).ok(),
                "REAL" => row.try_get::<f64, _>(index).map(Value::from).ok(),
                "BLOB" => None,
                _ => row.try_get::<String, _>(index).map(Value::from).ok(),
            }
            .or_else(|| row.try_get::<String, _>(index).map(Value::from).ok())
            .unwrap_or(Value::Null)
        };
        object.insert(column.name().to_owned(), value);
    }
    object
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreOptions;

    #[test]
    fn a_name_is_replaced_only_as_a_whole_word() {
        assert_eq!(
            replace_word("Ben erhält 5 Punkte, Benutzer Ben.", "Ben", "#4"),
            "#4 erhält 5 Punkte, Benutzer #4."
        );
        assert_eq!(replace_word("👍 von anna", "anna", "#2"), "👍 von #2");
        assert_eq!(replace_word("hannah", "anna", "#2"), "hannah");
    }

    #[tokio::test]
    async fn rows_become_json_with_their_sqlite_types() {
        let store = Store::open("sqlite::memory:", &StoreOptions::default())
            .await
            .unwrap();
        let row = sqlx::query("SELECT 7 AS n, 0.5 AS r, '1001' AS t, NULL AS z")
            .fetch_one(store.pool())
            .await
            .unwrap();
        let json = row_json(&row);
        assert_eq!(json["n"], Value::from(7));
        assert_eq!(json["r"], Value::from(0.5));
        assert_eq!(json["t"], Value::from("1001"));
        assert_eq!(json["z"], Value::Null);
    }
}
