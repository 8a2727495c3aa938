//! FAQ answering in chat.
//!
//! `/faq <question>` and plain questions in a private chat get the full
//! answer / suggestions / "no answer yet" treatment. In support channels the
//! bot speaks up unprompted only when a message looks like a question and
//! the search is confident, because a wrong confident answer is worse than
//! silence. Every answer carries "helpful" / "not helpful" buttons.
//!
//! The club learns: when the asker picks a suggestion or marks an answer
//! helpful, or a moderator links a question to an entry, the question is
//! stored as a phrasing of that entry and the index is rebuilt with it, after
//! the event's transaction commits (see [`rebuilding_after`]). Only
//! the asker and moderators teach, so a bystander cannot attach nonsense to
//! somebody else's question.

use std::cell::Cell;
use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, RwLock};

use chrono::Duration;

use super::Context;
use super::commands::{self, Command, shorten};
use super::error::{ClubError, Mistake};
use super::i18n::{Texts, args, text};
use super::model::{MemberId, MessageId, Place};
use super::reply::{Button, Reply};
use crate::faq::{
    FaqBook, FaqEntry, FaqFileError, FaqIndex, LearnedPhrase, Outcome, SearchResult,
    SearchSettings, semantic::Embedder,
};
use crate::lang::Lang;
use crate::store::faq::{FaqQuery, LearnedFrom, NegativeFrom};
use crate::store::{Store, StoreError, StoredMessage};

/// Longest question the club learns as a phrasing; longer ones are stories,
/// not phrasings.
const MAX_LEARNED_CHARS: usize = 300;

/// Longest suggestion button label.
const MAX_LABEL_CHARS: usize = 60;

/// The FAQ as the club uses it: the file, the current index, and how to
/// rebuild it when the file changes or the club learns a phrasing.
pub struct FaqDesk {
    path: PathBuf,
    /// The live settings the answers' placeholders show; the shop's
    /// change on `/shop_reload`.
    values: RwLock<std::collections::BTreeMap<String, String>>,
    settings: SearchSettings,
    /// The sentence model, when configured and loaded.
    embedder: Option<Arc<Embedder>>,
    index: RwLock<Arc<FaqIndex>>,
    /// One rebuild at a time, so a slow rebuild cannot overwrite a newer one.
    rebuilding: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for FaqDesk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FaqDesk")
            .field("path", &self.path)
            .field("entries", &self.index().book().len())
            .finish_non_exhaustive()
    }
}

/// Why the FAQ could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
pub enum FaqDeskError {
    #[error(transparent)]
    File(#[from] FaqFileError),
    #[error("reading learned phrasings failed")]
    Store(#[from] StoreError),
    #[error("building the FAQ index failed")]
    Build(#[source] tokio::task::JoinError),
}

impl FaqDesk {
    /// Loads the FAQ file and the learned phrasings and builds the index.
    pub async fn open(
        path: PathBuf,
        values: std::collections::BTreeMap<String, String>,
        settings: SearchSettings,
        embedder: Option<Arc<Embedder>>,
        store: &Store,
    ) -> Result<FaqDesk, FaqDeskError> {
        let book = load(&path, &values)?;
        let learned = store.learned_phrases().await?;
        let negatives = store.faq_negatives().await?;
        let index = build(book, learned, negatives, settings.clone(), embedder.clone()).await?;
        tracing::info!(
            entries = index.book().len(),
            path = %path.display(),
            meaning = index.has_meaning(),
            "FAQ loaded"
        );
        Ok(FaqDesk {
            path,
            values: RwLock::new(values),
            settings,
            embedder,
            index: RwLock::new(Arc::new(index)),
            rebuilding: tokio::sync::Mutex::new(()),
        })
    }

    /// The index in force.
    pub fn index(&self) -> Arc<FaqIndex> {
        self.index
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone()
    }

    /// Reads the file again. A broken file keeps the FAQ loaded before.
    pub async fn reload(&self, store: &Store) -> Result<usize, FaqDeskError> {
        let _one_at_a_time = self.rebuilding.lock().await;
        let values = self
            .values
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clone();
        let book = load(&self.path, &values)?;
        let entries = book.len();
        self.rebuild(book, store).await?;
        tracing::info!(entries, "FAQ reloaded");
        Ok(entries)
    }

    /// Shows new setting values in the answers (the shop's prices after
    /// `/shop_reload`): reads the file again and renders it with them.
    pub async fn revalue(
        &self,
        values: std::collections::BTreeMap<String, String>,
        store: &Store,
    ) -> Result<usize, FaqDeskError> {
        *self
            .values
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = values;
        self.reload(store).await
    }

    /// Rebuilds the index with the current file and every learned phrasing.
    pub async fn relearn(&self, store: &Store) -> Result<(), FaqDeskError> {
        let _one_at_a_time = self.rebuilding.lock().await;
        let book = self.index().book().clone();
        self.rebuild(book, store).await
    }

    async fn rebuild(&self, book: FaqBook, store: &Store) -> Result<(), FaqDeskError> {
        let learned = store.learned_phrases().await?;
        let negatives = store.faq_negatives().await?;
        let index = build(
            book,
            learned,
            negatives,
            self.settings.clone(),
            self.embedder.clone(),
        )
        .await?;
        *self
            .index
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner()) = Arc::new(index);
        Ok(())
    }
}

/// Reads the FAQ file with its placeholders rendered.
fn load(
    path: &std::path::Path,
    values: &std::collections::BTreeMap<String, String>,
) -> Result<FaqBook, FaqFileError> {
    FaqBook::load(path)?.render(values, &path.display().to_string())
}

/// Index building is CPU work (seconds for tens of thousands of entries, or
/// for new phrasings to embed), so it runs off the async threads.
async fn build(
    book: FaqBook,
    learned: Vec<LearnedPhrase>,
    negatives: Vec<String>,
    settings: SearchSettings,
    embedder: Option<Arc<Embedder>>,
) -> Result<FaqIndex, FaqDeskError> {
    tokio::task::spawn_blocking(move || {
        FaqIndex::build_with_negatives(book, &learned, &negatives, settings, embedder)
    })
    .await
    .map_err(FaqDeskError::Build)
}

/// What a FAQ button does; encoded compactly for Telegram's 64 bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum FaqAction {
    Pick(String),
    Helpful(String),
    NotHelpful(String),
}

impl FaqAction {
    fn code(&self) -> String {
        match self {
            FaqAction::Pick(entry) => format!("faq:pick:{entry}"),
            FaqAction::Helpful(entry) => format!("faq:yes:{entry}"),
            FaqAction::NotHelpful(entry) => format!("faq:no:{entry}"),
        }
    }

    fn parse(code: &str) -> Option<FaqAction> {
        let (kind, entry) = code.strip_prefix("faq:")?.split_once(':')?;
        let entry = entry.to_owned();
        match kind {
            "pick" => Some(FaqAction::Pick(entry)),
            "yes" => Some(FaqAction::Helpful(entry)),
            "no" => Some(FaqAction::NotHelpful(entry)),
            _ => None,
        }
    }
}

/// Searches off the async threads: with the sentence model a question costs
/// 15–30 ms of CPU, too long to hold a thread that serves other events.
async fn search(index: &Arc<FaqIndex>, question: &str) -> SearchResult {
    let (searcher, owned) = (Arc::clone(index), question.to_owned());
    let started = std::time::Instant::now();
    match tokio::task::spawn_blocking(move || searcher.search(&owned)).await {
        Ok(result) => crate::ops::metrics::faq_searched(result, started),
        Err(error) if error.is_panic() => std::panic::resume_unwind(error.into_panic()),
        // The runtime is shutting down: answer on this thread.
        Err(_) => index.search(question),
    }
}

/// `/faq <question>`, and plain questions in a private chat.
pub(super) async fn ask(context: &Context<'_>, question: &str) -> Result<Vec<Reply>, ClubError> {
    let index = context.club.faq().index();
    let result = search(&index, question).await;
    log_query(context, question, &result, false).await?;
    let texts = context.club.texts();
    let reply = match &result.outcome {
        Outcome::Answer(id) => answer(
            texts,
            context.lang,
            context.place,
            entry(&index, id)?,
            context.message,
        ),
        Outcome::Suggest(ids) => suggestions(
            texts,
            context.lang,
            context.place,
            &index,
            ids,
            context.message,
        ),
        Outcome::None => Reply::in_place(
            context.place,
            texts.plain(context.lang, "faq-none"),
            Some(context.message),
        ),
    };
    Ok(vec![reply])
}

/// A message in a support channel: answered only when it looks like a
/// question and the search is confident; otherwise the bot stays quiet.
pub(super) async fn unprompted(context: &Context<'_>, text: &str) -> Result<Vec<Reply>, ClubError> {
    if !crate::faq::looks_like_question(text) {
        return Ok(Vec::new());
    }
    let index = context.club.faq().index();
    let result = search(&index, text).await;
    log_query(context, text, &result, true).await?;
    let Outcome::Answer(id) = &result.outcome else {
        return Ok(Vec::new());
    };
    let texts = context.club.texts();
    Ok(vec![answer(
        texts,
        context.lang,
        context.place,
        entry(&index, id)?,
        context.message,
    )])
}

/// A FAQ button pressed on bot message `pressed`.
pub(super) async fn press(
    context: &Context<'_>,
    pressed: &StoredMessage,
    code: &str,
) -> Result<Vec<Reply>, ClubError> {
    let Some(action) = FaqAction::parse(code) else {
        tracing::warn!(code, "unknown button action");
        return Ok(Vec::new());
    };
    let texts = context.club.texts();
    let lang = context.lang;
    let (id, helpful) = match action {
        FaqAction::Pick(id) => {
            let index = context.club.faq().index();
            let picked = entry(&index, &id)?;
            teach_from(context, pressed, &id, LearnedFrom::Suggestion).await?;
            let reply_to = pressed.reply_to.unwrap_or(pressed.id);
            return Ok(vec![answer(texts, lang, context.place, picked, reply_to)]);
        }
        FaqAction::Helpful(id) => (id, true),
        FaqAction::NotHelpful(id) => (id, false),
    };
    let store = context.club.store();
    let first = store
        .record_faq_feedback(pressed.id, context.member.id, &id, helpful, context.now)
        .await?;
    let message = match (first, helpful) {
        (false, _) => "faq-feedback-again",
        (true, true) => "faq-thanks-helpful",
        (true, false) => "faq-thanks-not-helpful",
    };
    if first && helpful {
        teach_from(context, pressed, &id, LearnedFrom::Helpful).await?;
    }
    if first && !helpful {
        refuse_from(context, pressed, &id).await?;
    }
    Ok(vec![Reply::in_place(
        context.place,
        texts.plain(lang, message),
        Some(pressed.id),
    )])
}

/// `/faq_link <entry>`, sent by a moderator as a reply to a member's question.
pub(super) async fn link(context: &Context<'_>, id: &str) -> Result<String, ClubError> {
    let index = context.club.faq().index();
    entry(&index, id)?;
    let question_id = context.reply_to.ok_or(Mistake::LinkNeedsReply)?;
    let question = context
        .club
        .store()
        .message(question_id)
        .await?
        .ok_or(Mistake::UnknownMessage(question_id))?;
    let phrase = question_text(&question.body).ok_or(Mistake::LinkNeedsReply)?;
    let learned = learn(context, id, &phrase, LearnedFrom::Moderator).await?;
    context.audit("faq_link", format!("{id}: {phrase}")).await?;
    let message = if learned {
        "faq-linked"
    } else {
        "faq-link-known"
    };
    let texts = context.club.texts();
    Ok(texts.get(
        context.lang,
        message,
        Some(&args([("phrase", text(&phrase)), ("entry", text(id))])),
    ))
}

/// `/faq_learned [entry]`: the latest learned phrasings.
pub(super) async fn learned(
    context: &Context<'_>,
    entry: Option<&str>,
) -> Result<String, ClubError> {
    let rows = context.club.store().learned_rows(entry, 20).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    if rows.is_empty() {
        return Ok(texts.plain(lang, "faq-learned-empty"));
    }
    let mut lines = vec![texts.plain(lang, "faq-learned-header")];
    for row in rows {
        lines.push(texts.get(
            lang,
            "faq-learned-line",
            Some(&args([
                ("number", row.id.into()),
                ("entry", text(&row.entry_id)),
                ("phrase", text(&row.phrase)),
                ("source", text(&row.source)),
                ("name", text(&row.taught_by)),
                (
                    "date",
                    text(&context.club.format_time(lang, row.created_at)),
                ),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

/// `/faq_forget <number>`: removes a learned phrasing.
pub(super) async fn forget(context: &Context<'_>, number: i64) -> Result<String, ClubError> {
    let store = context.club.store();
    let (entry, phrase) = store
        .forget_phrase(number)
        .await?
        .ok_or(Mistake::NoSuchLearned { number })?;
    relearn(context).await?;
    context
        .audit("faq_forget", format!("{entry}: {phrase}"))
        .await?;
    Ok(context.club.texts().get(
        context.lang,
        "faq-forgot",
        Some(&args([
            ("number", number.into()),
            ("phrase", text(&phrase)),
            ("entry", text(&entry)),
        ])),
    ))
}

/// `/faq_unanswered`: what members asked most that the FAQ could not answer.
pub(super) async fn unanswered(context: &Context<'_>) -> Result<String, ClubError> {
    let days = context.club.config().faq.unanswered_days;
    let since = context.now - Duration::days(i64::from(days));
    let questions = context.club.store().unanswered_questions(since, 10).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let days_arg = args([("days", days.into())]);
    if questions.is_empty() {
        return Ok(texts.get(lang, "faq-unanswered-empty", Some(&days_arg)));
    }
    let mut lines = vec![texts.get(lang, "faq-unanswered-header", Some(&days_arg))];
    for question in questions {
        lines.push(texts.get(
            lang,
            "faq-unanswered-line",
            Some(&args([
                ("times", question.times.into()),
                ("question", text(&question.question)),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

/// `/faq_reload`: reads the FAQ file again; a broken file keeps the old FAQ.
pub(super) async fn reload(context: &Context<'_>) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    match context.club.faq().reload(context.club.store()).await {
        Ok(entries) => {
            context
                .audit("faq_reload", format!("{entries} entries"))
                .await?;
            Ok(texts.get(
                lang,
                "faq-reloaded",
                Some(&args([("entries", entries.into())])),
            ))
        }
        Err(FaqDeskError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::warn!(error = %super::error_chain(&error), "FAQ reload failed; keeping the old FAQ");
            Ok(texts.get(
                lang,
                "faq-reload-failed",
                Some(&args([("error", text(&error.to_string()))])),
            ))
        }
    }
}

/// An answer: the entry's question and answer in `lang` (or its only
/// language), with the feedback buttons.
fn answer(
    texts: &Texts,
    lang: Lang,
    place: &Place,
    entry: &FaqEntry,
    reply_to: MessageId,
) -> Reply {
    let body = entry.text(lang);
    let mut reply = Reply::in_place(
        place,
        format!("{}\n{}", body.question, body.answer),
        Some(reply_to),
    );
    reply.buttons = vec![
        Button {
            label: texts.plain(lang, "faq-helpful"),
            action: FaqAction::Helpful(entry.id.clone()).code(),
        },
        Button {
            label: texts.plain(lang, "faq-not-helpful"),
            action: FaqAction::NotHelpful(entry.id.clone()).code(),
        },
    ];
    reply
}

/// "Did you mean": the candidates, numbered, one button each.
fn suggestions(
    texts: &Texts,
    lang: Lang,
    place: &Place,
    index: &FaqIndex,
    ids: &[String],
    reply_to: MessageId,
) -> Reply {
    let mut lines = vec![texts.plain(lang, "faq-suggest-header")];
    let mut buttons = Vec::new();
    for (number, entry) in ids.iter().filter_map(|id| index.book().get(id)).enumerate() {
        let question = &entry.text(lang).question;
        lines.push(format!("{}. {question}", number + 1));
        buttons.push(Button {
            label: shorten(&format!("{}. {question}", number + 1), MAX_LABEL_CHARS),
            action: FaqAction::Pick(entry.id.clone()).code(),
        });
    }
    let mut reply = Reply::in_place(place, lines.join("\n"), Some(reply_to));
    reply.buttons = buttons;
    reply
}

fn entry<'a>(index: &'a FaqIndex, id: &str) -> Result<&'a FaqEntry, Mistake> {
    index.book().get(id).ok_or_else(|| Mistake::UnknownEntry {
        entry: id.to_owned(),
    })
}

async fn log_query(
    context: &Context<'_>,
    question: &str,
    result: &SearchResult,
    unprompted: bool,
) -> Result<(), StoreError> {
    let (outcome, entry) = match &result.outcome {
        Outcome::Answer(id) => ("answer", Some(id.as_str())),
        Outcome::Suggest(ids) => ("suggest", ids.first().map(String::as_str)),
        Outcome::None => ("none", None),
    };
    let query = FaqQuery {
        message: Some(context.message),
        member: context.member.id,
        question,
        outcome,
        entry,
        score: result.score,
        unprompted,
    };
    context
        .club
        .store()
        .log_faq_query(&query, context.now)
        .await
}

/// Learns the question that bot message `pressed` answered, when the one
/// pressing asked it or moderates.
async fn teach_from(
    context: &Context<'_>,
    pressed: &StoredMessage,
    id: &str,
    source: LearnedFrom,
) -> Result<(), ClubError> {
    if let Some(phrase) = question_to_teach(context, pressed).await? {
        learn(context, id, &phrase, source).await?;
    }
    Ok(())
}

/// Remembers the question that bot message `pressed` answered with entry
/// `id` as one the FAQ should not have answered, when the one pressing
/// asked it or moderates; the decision practises refusing it from now on.
async fn refuse_from(
    context: &Context<'_>,
    pressed: &StoredMessage,
    id: &str,
) -> Result<(), ClubError> {
    if let Some(phrase) = question_to_teach(context, pressed).await? {
        mark_not_covered(context, &phrase, Some(id), NegativeFrom::NotHelpful).await?;
    }
    Ok(())
}

/// The question bot message `pressed` answered, as a phrasing, when the one
/// pressing may teach the FAQ about it (they asked it, or they moderate).
async fn question_to_teach(
    context: &Context<'_>,
    pressed: &StoredMessage,
) -> Result<Option<String>, ClubError> {
    let Some(question_id) = pressed.reply_to else {
        return Ok(None);
    };
    let Some(question) = context.club.store().message(question_id).await? else {
        return Ok(None);
    };
    if !may_teach(context, question.author) {
        return Ok(None);
    }
    Ok(question_text(&question.body))
}

/// Stores a question as not covered and refits the decision when it is new.
async fn mark_not_covered(
    context: &Context<'_>,
    question: &str,
    id: Option<&str>,
    source: NegativeFrom,
) -> Result<bool, ClubError> {
    let new = context
        .club
        .store()
        .mark_not_covered(question, id, source, context.member.id, context.now)
        .await?;
    if new {
        relearn(context).await?;
        tracing::info!(
            entry = id,
            source = source.as_str(),
            "FAQ learned a question it does not answer"
        );
    }
    Ok(new)
}

/// `/faq_not_covered [question]` (moderators): the question given, or the
/// one replied to, is not covered by the FAQ; the search practises
/// refusing it from the next rebuild on (which this starts).
pub(super) async fn not_covered(
    context: &Context<'_>,
    question: Option<&str>,
) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let question = match question.map(str::trim).filter(|q| !q.is_empty()) {
        Some(question) => Some(question.to_owned()),
        None => match context.reply_to {
            Some(id) => context
                .club
                .store()
                .message(id)
                .await?
                .and_then(|message| question_text(&message.body)),
            None => None,
        },
    };
    let Some(question) = question else {
        return Ok(texts.plain(context.lang, "faq-not-covered-needs-question"));
    };
    let new = mark_not_covered(context, &question, None, NegativeFrom::Moderator).await?;
    context.audit("faq_not_covered", question.clone()).await?;
    let message = if new {
        "faq-not-covered"
    } else {
        "faq-not-covered-known"
    };
    Ok(texts.get(
        context.lang,
        message,
        Some(&args([("question", text(&question))])),
    ))
}

/// `/faq_entries [tag]` (moderators): every entry id with its question in
/// the moderator's language, the ids `/faq_link` takes.
pub(super) fn entries(context: &Context<'_>, tag: Option<&str>) -> String {
    let index = context.club.faq().index();
    let texts = context.club.texts();
    let lines: Vec<String> = index
        .book()
        .entries()
        .iter()
        .filter(|entry| tag.is_none_or(|tag| entry.tags.iter().any(|t| t == tag)))
        .map(|entry| format!("{}: {}", entry.id, entry.text(context.lang).question))
        .collect();
    if lines.is_empty() {
        return texts.plain(context.lang, "faq-entries-empty");
    }
    let count = i64::try_from(lines.len()).unwrap_or(i64::MAX);
    let head = texts.get(
        context.lang,
        "faq-entries",
        Some(&args([("count", fluent_bundle::FluentValue::from(count))])),
    );
    format!("{head}\n{}", lines.join("\n"))
}

fn may_teach(context: &Context<'_>, asker: Option<MemberId>) -> bool {
    asker == Some(context.member.id) || context.actor.is_moderator
}

/// Stores a phrasing and rebuilds the index when it is new.
async fn learn(
    context: &Context<'_>,
    id: &str,
    phrase: &str,
    source: LearnedFrom,
) -> Result<bool, ClubError> {
    let store = context.club.store();
    let new = store
        .learn_phrase(id, phrase, source, context.member.id, context.now)
        .await?;
    if new {
        relearn(context).await?;
        tracing::info!(
            entry = id,
            source = source.as_str(),
            "FAQ learned a phrasing"
        );
    }
    Ok(new)
}

tokio::task_local! {
    /// Set when an event's handler taught the FAQ something.
    static LESSON_PENDING: Cell<bool>;
}

/// Runs an event's work (its transaction included); when the work taught
/// the FAQ a phrasing or a refusal, rebuilds the index afterwards. Refitting
/// the decision takes seconds on a large FAQ: done inside the event it
/// would hold SQLite's write lock that long, and every other writer (the
/// deliverers, other events) would wait for it.
pub(super) async fn rebuilding_after<T, E>(
    club: &super::Club,
    work: impl Future<Output = Result<T, E>>,
) -> Result<T, E> {
    let (result, learned) = LESSON_PENDING
        .scope(Cell::new(false), async {
            let result = work.await;
            (result, LESSON_PENDING.with(Cell::get))
        })
        .await;
    if learned
        && result.is_ok()
        && let Err(error) = club.faq().relearn(club.store()).await
    {
        tracing::error!(error = %super::error_chain(&error), "rebuilding the FAQ index failed");
    }
    result
}

/// The FAQ learned something: inside an event (see [`rebuilding_after`])
/// the index is rebuilt once the event committed, elsewhere at once.
pub(super) async fn relearn(context: &Context<'_>) -> Result<(), ClubError> {
    if LESSON_PENDING.try_with(|pending| pending.set(true)).is_ok() {
        return Ok(());
    }
    match context.club.faq().relearn(context.club.store()).await {
        Ok(()) => Ok(()),
        Err(FaqDeskError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::error!(error = %super::error_chain(&error), "rebuilding the FAQ index failed");
            Ok(())
        }
    }
}

/// The question a message asks: the text after `/faq`, or a plain message;
/// `None` for other commands and for texts too long to be a phrasing.
fn question_text(body: &str) -> Option<String> {
    let question = if commands::is_command(body) {
        match commands::parse(body) {
            Ok(Command::Faq { question }) => question,
            _ => return None,
        }
    } else {
        body.trim().to_owned()
    };
    let length = question.chars().count();
    (1..=MAX_LEARNED_CHARS)
        .contains(&length)
        .then_some(question)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_actions_round_trip_and_fit_telegram_callback_data() {
        let longest = "a".repeat(crate::faq::MAX_ID_LEN);
        for action in [
            FaqAction::Pick(longest.clone()),
            FaqAction::Helpful(longest.clone()),
            FaqAction::NotHelpful(longest),
        ] {
            let code = action.code();
            assert!(code.len() <= 64, "{code} is {} bytes", code.len());
            assert_eq!(FaqAction::parse(&code), Some(action));
        }
        assert_eq!(FaqAction::parse("claim:approve:3"), None);
    }

    #[test]
    fn the_question_of_a_faq_command_is_its_text() {
        assert_eq!(
            question_text("/faq Wie löse ich ein?"),
            Some("Wie löse ich ein?".into())
        );
        assert_eq!(
            question_text("  wie geht das?  "),
            Some("wie geht das?".into())
        );
        assert_eq!(question_text("/balance"), None);
        assert_eq!(question_text(&"x".repeat(MAX_LEARNED_CHARS + 1)), None);
    }
}
