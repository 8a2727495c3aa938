//! What the FAQ remembers: questions asked, phrasings learned, feedback.
//!
//! The FAQ file is curated by people and reloaded at will; what the club
//! learns from members lives here so it survives reloads and restarts.

use chrono::{DateTime, Utc};
use sqlx::Row;

use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, MessageId};
use crate::faq::LearnedPhrase;

/// A question the FAQ search looked at, and what it decided.
#[derive(Debug, Clone)]
pub struct FaqQuery<'a> {
    pub message: Option<MessageId>,
    pub member: MemberId,
    pub question: &'a str,
    /// `answer`, `suggest` or `none`.
    pub outcome: &'static str,
    pub entry: Option<&'a str>,
    pub score: f32,
    pub unprompted: bool,
}

/// How a phrasing was learned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LearnedFrom {
    /// The asker picked this entry among the suggestions.
    Suggestion,
    /// The asker marked the entry's answer as helpful.
    Helpful,
    /// A moderator linked the question to the entry with `/faq_link`.
    Moderator,
}

impl LearnedFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            LearnedFrom::Suggestion => "suggestion",
            LearnedFrom::Helpful => "helpful",
            LearnedFrom::Moderator => "moderator",
        }
    }
}

/// Who said a question is not covered by the FAQ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NegativeFrom {
    /// The asker (or a moderator) marked the bot's answer as not helpful.
    NotHelpful,
    /// A moderator marked it with `/faq_not_covered`.
    Moderator,
}

impl NegativeFrom {
    pub fn as_str(self) -> &'static str {
        match self {
            NegativeFrom::NotHelpful => "not_helpful",
            NegativeFrom::Moderator => "moderator",
        }
    }
}

/// A learned phrasing as moderators see it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedRow {
    pub id: i64,
    pub entry_id: String,
    pub phrase: String,
    pub source: String,
    pub taught_by: String,
    pub created_at: DateTime<Utc>,
}

/// A question that got no answer, with how often it was asked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    pub question: String,
    pub times: i64,
}

impl Store {
    /// Logs what the FAQ search decided for a question.
    #[tracing::instrument(skip_all)]
    pub async fn log_faq_query(
        &self,
        query: &FaqQuery<'_>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        self.write_alone(
            sqlx::query(
                "INSERT INTO faq_queries (message_id, member_id, question, normalized, outcome, entry_id, score, unprompted, created_at) \
                 VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(query.message.map(|id| id.0))
            .bind(query.member.0)
            .bind(query.question)
            .bind(normalize(query.question))
            .bind(query.outcome)
            .bind(query.entry)
            .bind(query.score)
            .bind(query.unprompted)
            .bind(now),
            "logging a FAQ question",
        )
        .await?;
        Ok(())
    }

    /// Stores a phrasing of an entry; `false` when it was known already.
    #[tracing::instrument(skip_all)]
    pub async fn learn_phrase(
        &self,
        entry_id: &str,
        phrase: &str,
        source: LearnedFrom,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self.write_alone(
            sqlx::query(
                "INSERT INTO faq_learned (entry_id, phrase, source, member_id, created_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (entry_id, phrase) DO NOTHING",
            )
            .bind(entry_id)
            .bind(phrase)
            .bind(source.as_str())
            .bind(member.0)
            .bind(now),
            "learning a FAQ phrasing",
        )
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Stores a question the FAQ should not answer (with the entry that
    /// answered it wrongly, if any); `false` when it was known already.
    #[tracing::instrument(skip_all)]
    pub async fn mark_not_covered(
        &self,
        question: &str,
        entry_id: Option<&str>,
        source: NegativeFrom,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self.write_alone(
            sqlx::query(
                "INSERT INTO faq_negatives (question, entry_id, source, member_id, created_at) VALUES (?, ?, ?, ?, ?) \
                 ON CONFLICT (question, entry_id) DO NOTHING",
            )
            .bind(question)
            .bind(entry_id.unwrap_or(""))
            .bind(source.as_str())
            .bind(member.0)
            .bind(now),
            "marking a question as not covered by the FAQ",
        )
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// Every question marked as not covered, for fitting the FAQ's
    /// decision (each once, oldest first).
    #[tracing::instrument(skip_all)]
    pub async fn faq_negatives(&self) -> Result<Vec<String>, StoreError> {
        let rows =
            sqlx::query("SELECT question FROM faq_negatives GROUP BY question ORDER BY MIN(id)")
                .fetch_all(&mut *self.reader().await?)
                .await
                .context("reading questions not covered by the FAQ")?;
        rows.iter()
            .map(|row| row.try_get("question"))
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding questions not covered by the FAQ")
    }

    /// Every learned phrasing, for building the search index.
    #[tracing::instrument(skip_all)]
    pub async fn learned_phrases(&self) -> Result<Vec<LearnedPhrase>, StoreError> {
        let rows = sqlx::query("SELECT entry_id, phrase FROM faq_learned ORDER BY id")
            .fetch_all(&mut *self.reader().await?)
            .await
            .context("reading learned phrasings")?;
        rows.iter()
            .map(|row| {
                Ok(LearnedPhrase {
                    entry_id: row.try_get("entry_id")?,
                    text: row.try_get("phrase")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding learned phrasings")
    }

    /// The latest learned phrasings, optionally of one entry, for moderators.
    #[tracing::instrument(skip_all)]
    pub async fn learned_rows(
        &self,
        entry_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<LearnedRow>, StoreError> {
        let rows = sqlx::query(
            "SELECT l.id, l.entry_id, l.phrase, l.source, m.display_name, l.created_at \
             FROM faq_learned l JOIN members m ON m.id = l.member_id \
             WHERE ?1 IS NULL OR l.entry_id = ?1 ORDER BY l.id DESC LIMIT ?2",
        )
        .bind(entry_id)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing learned phrasings")?;
        rows.iter()
            .map(|row| {
                Ok(LearnedRow {
                    id: row.try_get("id")?,
                    entry_id: row.try_get("entry_id")?,
                    phrase: row.try_get("phrase")?,
                    source: row.try_get("source")?,
                    taught_by: row.try_get("display_name")?,
                    created_at: row.try_get("created_at")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding learned phrasings")
    }

    /// Removes a learned phrasing, returning it; `None` when there is none.
    #[tracing::instrument(skip_all)]
    pub async fn forget_phrase(&self, id: i64) -> Result<Option<(String, String)>, StoreError> {
        self.atomically(async {
            let row =
                sqlx::query("DELETE FROM faq_learned WHERE id = ? RETURNING entry_id, phrase")
                    .bind(id)
                    .fetch_optional(&mut *self.writer().await?)
                    .await
                    .context("forgetting a learned phrasing")?;
            row.map(|row| Ok((row.try_get("entry_id")?, row.try_get("phrase")?)))
                .transpose()
                .context("decoding a forgotten phrasing")
        })
        .await
    }

    /// Records a member's verdict on a FAQ answer; `false` when they gave
    /// one for this answer before (the first verdict stands).
    #[tracing::instrument(skip_all)]
    pub async fn record_faq_feedback(
        &self,
        answer: MessageId,
        member: MemberId,
        entry_id: &str,
        helpful: bool,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let result = self.write_alone(
            sqlx::query(
                "INSERT INTO faq_feedback (answer_message_id, member_id, entry_id, helpful, created_at) \
                 VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            )
            .bind(answer.0)
            .bind(member.0)
            .bind(entry_id)
            .bind(helpful)
            .bind(now),
            "recording FAQ feedback",
        )
        .await?;
        Ok(result.rows_affected() == 1)
    }

    /// The most frequent questions since `since` that the FAQ could not
    /// answer, most asked first.
    #[tracing::instrument(skip_all)]
    pub async fn unanswered_questions(
        &self,
        since: DateTime<Utc>,
        limit: u32,
    ) -> Result<Vec<Unanswered>, StoreError> {
        let rows = sqlx::query(
            "SELECT MIN(question) AS question, COUNT(*) AS times FROM faq_queries \
             WHERE outcome = 'none' AND created_at >= ? \
             GROUP BY normalized ORDER BY times DESC, MAX(created_at) DESC LIMIT ?",
        )
        .bind(since)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing unanswered questions")?;
        rows.iter()
            .map(|row| {
                Ok(Unanswered {
                    question: row.try_get("question")?,
                    times: row.try_get("times")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding unanswered questions")
    }
}

/// Groups repeats of a question: lowercase, single spaces, no trailing
/// punctuation.
fn normalize(question: &str) -> String {
    let words: Vec<String> = question.split_whitespace().map(str::to_lowercase).collect();
    words
        .join(" ")
        .trim_end_matches(['?', '!', '.', ' '])
        .to_owned()
}

/// Moves `from`'s questions, lessons and verdicts to `to`, inside the
/// caller's write transaction (members being joined). One verdict per
/// person and answer: where both accounts gave one, `to`'s stays.
pub(crate) async fn reassign_faq(
    tx: &mut sqlx::SqliteConnection,
    from: MemberId,
    to: MemberId,
) -> Result<(), StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &[
            "UPDATE faq_queries SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE faq_learned SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE faq_negatives SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE OR IGNORE faq_feedback SET member_id = ?1 WHERE member_id = ?2",
            "DELETE FROM faq_feedback WHERE member_id = ?2",
        ],
        "moving FAQ records",
    )
    .await
}

impl Store {
    /// Deletes the questions asked before `before` (retention), in small
    /// batches; how many.
    #[tracing::instrument(skip_all)]
    pub(crate) async fn prune_faq_queries(&self, before: DateTime<Utc>) -> Result<u64, StoreError> {
        self.delete_in_batches(
            "DELETE FROM faq_queries WHERE id IN \
             (SELECT id FROM faq_queries WHERE created_at < ? LIMIT ?)",
            before,
            "pruning FAQ questions",
        )
        .await
    }
}
