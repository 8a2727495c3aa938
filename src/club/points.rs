//! Points for helpful answers: the rules, and the abuse checks around them.
//!
//! Votes arrive as reactions, thanks replies, `/upvote` and `/solved`. Rules
//! that need only the vote itself (self-votes, bots, new voters, old
//! messages, who may mark a solution) are checked here before the store is
//! asked; rules that need today's totals are decided by [`decide`] inside the
//! store's write transaction, so racing votes cannot overshoot a cap. Every
//! vote is recorded, paying or not, with the rule that decided, so `/why`
//! can explain any balance.

use std::collections::{BTreeSet, HashMap};

use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};

use super::Context;
use super::error::{ClubError, Mistake};
use super::model::{Member, MemberId, MessageId, Place, Platform};
use super::recognition;
use super::reply::Reply;
use crate::config::PointsSettings;
use crate::store::digests::EarnedKind;
use crate::store::messages::VotedMessage;
use crate::store::vote_writer::{EventMarks, VoteData, VoteEvent};
use crate::store::votes::{
    AuthorAfter, NewVote, Verdict, VoteEdge, VoteFacts, VoteKind, VoteRecorded,
};

/// Outcome codes of votes that the store records; `/why` translates them.
pub mod outcome {
    pub const PAID: &str = "paid";
    pub const CAPPED: &str = "daily_cap_partial";
    pub const SELF_VOTE: &str = "self_vote";
    pub const BOT_AUTHOR: &str = "bot_author";
    pub const DUPLICATE: &str = "duplicate";
    pub const ALREADY_SOLVED: &str = "already_solved";
    pub const NEW_VOTER: &str = "new_voter";
    pub const TOO_OLD: &str = "too_old";
    pub const DAILY_CAP: &str = "daily_cap";
    pub const VOTER_CAP: &str = "voter_cap";
    pub const PAIR_CAP: &str = "pair_cap";
    pub const NOT_ASKER: &str = "not_asker";
}

/// How a vote arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Reaction,
    Thanks,
    Command,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Reaction => "reaction",
            Via::Thanks => "thanks",
            Via::Command => "command",
        }
    }
}

/// What became of a vote, for the caller to report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VoteResult {
    /// Recorded; `verdict.points` were paid to `author`.
    Counted {
        vote: i64,
        kind: VoteKind,
        verdict: Verdict,
        author: Member,
        /// What a paying vote left the author with (`None`: it paid
        /// nothing).
        paid: Option<AuthorAfter>,
    },
    /// Not a vote the club counts (not a support channel, a bot's message),
    /// with the outcome code saying why; nothing was recorded.
    Ignored(&'static str),
    /// The platform event was handled before.
    Replayed,
}

/// Rules on today's totals, decided inside the store's transaction.
/// `blocked` is the outcome of a rule already decided outside it.
pub fn decide(
    kind: VoteKind,
    blocked: Option<&'static str>,
    facts: &VoteFacts,
    rules: &PointsSettings,
) -> Verdict {
    let none = |outcome| Verdict { points: 0, outcome };
    if facts.already_voted {
        return none(outcome::DUPLICATE);
    }
    if let Some(outcome) = blocked {
        return none(outcome);
    }
    let worth = match kind {
        VoteKind::Upvote => rules.upvote_points,
        VoteKind::Solution => rules.solution_points,
    };
    if kind == VoteKind::Solution && facts.question_solved {
        return none(outcome::ALREADY_SOLVED);
    }
    if kind == VoteKind::Upvote {
        if facts.voter_paid_today >= rules.daily_votes_per_voter {
            return none(outcome::VOTER_CAP);
        }
        if facts.pair_paid_today >= rules.daily_votes_per_pair {
            return none(outcome::PAIR_CAP);
        }
    }
    let room = rules.daily_points_cap - facts.author_earned_today;
    if room <= 0 {
        return none(outcome::DAILY_CAP);
    }
    if room < worth {
        return Verdict {
            points: room,
            outcome: outcome::CAPPED,
        };
    }
    Verdict {
        points: worth,
        outcome: outcome::PAID,
    }
}

/// A vote the club counts, checked by the rules that need only the vote
/// and ready for the store.
#[derive(Clone)]
struct Ballot {
    target: MessageId,
    question: Option<MessageId>,
    kind: VoteKind,
    via: Via,
    author: Member,
    /// A rule that already decided it pays nothing.
    blocked: Option<&'static str>,
    day: NaiveDate,
}

impl Ballot {
    fn told_as(&self) -> EarnedKind {
        match (self.kind, self.via) {
            (VoteKind::Solution, _) => EarnedKind::Solution,
            (VoteKind::Upvote, Via::Thanks) => EarnedKind::Thanks,
            (VoteKind::Upvote, _) => EarnedKind::Upvote,
        }
    }

    /// What the vote came to, as the caller reports it.
    fn result(self, recorded: VoteRecorded) -> VoteResult {
        match recorded {
            VoteRecorded::Recorded {
                vote,
                verdict,
                paid,
            } => VoteResult::Counted {
                vote,
                kind: self.kind,
                verdict,
                author: self.author,
                paid,
            },
            VoteRecorded::Replayed => VoteResult::Replayed,
        }
    }
}

/// Logs a recorded vote with what it paid and the rule that decided.
fn log_vote(recorded: &VoteRecorded) {
    if let VoteRecorded::Recorded { vote, verdict, .. } = recorded {
        tracing::info!(
            vote,
            points = verdict.points,
            outcome = verdict.outcome,
            "vote"
        );
    }
}

/// The vote of `kind` on the `voted` message, with the rules that need
/// only the vote decided; or why the club does not count it.
fn ballot(
    context: &Context<'_>,
    voted: VotedMessage,
    kind: VoteKind,
    via: Via,
) -> Result<Result<Ballot, VoteResult>, ClubError> {
    let club = context.club;
    let message = &voted.message;
    let target = message.id;
    let place = Place {
        platform: Platform::parse(&message.platform).unwrap_or(Platform::Console),
        id: message.place.clone(),
        private: message.private,
    };
    if !club.config().is_support_channel(&place) {
        return Ok(Err(VoteResult::Ignored("not_support_channel")));
    }
    let author = match (message.author, voted.author) {
        (None, _) => return Ok(Err(VoteResult::Ignored("bot_message"))),
        (Some(_), Some(author)) => author,
        (Some(_), None) => {
            return Err(crate::store::StoreError::Inconsistent(format!(
                "message {target} has no author row"
            ))
            .into());
        }
    };
    let rules = &club.config().points;
    let question = message.reply_to;
    let mut blocked = static_rule(
        context.member,
        &author,
        message.created_at,
        context.now,
        rules,
    );
    if kind == VoteKind::Solution && blocked.is_none() {
        blocked = solution_rule(context.member, question, voted.question_author);
    }
    Ok(Ok(Ballot {
        target,
        question,
        kind,
        via,
        author,
        blocked,
        day: local_day(context.now, rules),
    }))
}

/// Casts `voter`'s vote of `kind` on message `target`, inside the event's
/// transaction.
pub(super) async fn vote(
    context: &Context<'_>,
    target: MessageId,
    kind: VoteKind,
    via: Via,
    emoji: Option<&str>,
    event_key: Option<&str>,
) -> Result<VoteResult, ClubError> {
    let voted = context
        .club
        .store()
        .voted_message(target)
        .await?
        .ok_or(Mistake::UnknownMessage(target))?;
    let ballot = match ballot(context, voted, kind, via)? {
        Ok(ballot) => ballot,
        Err(ignored) => return Ok(ignored),
    };
    let rules = &context.club.config().points;
    let new_vote = NewVote {
        message: ballot.target,
        question: ballot.question,
        voter: context.member.id,
        author: ballot.author.id,
        kind,
        via: via.as_str(),
        emoji,
        day: ballot.day,
        event_key,
        told_as: ballot.told_as(),
        voter_name: &context.member.display_name,
    };
    let blocked = ballot.blocked;
    let recorded = context
        .club
        .store()
        .cast_vote(&new_vote, context.now, |facts| {
            decide(kind, blocked, facts, rules)
        })
        .await?;
    log_vote(&recorded);
    Ok(ballot.result(recorded))
}

/// What a reaction came to, with its event.
pub(super) enum Reacted {
    /// No vote was recorded (not a vote, not counted, withdrawn): the
    /// event commits as any other.
    Uncounted,
    /// A refusal for the member alone; the event commits as any other.
    Refused(Box<Reply>),
    /// The vote and its event were committed, with these notices.
    Committed(Vec<Reply>),
}

/// What the store commits of a reaction's event with its vote or
/// withdrawal: its key, who acted on which platform, and where unless in
/// private.
pub(super) fn event_marks(context: &Context<'_>, event_key: Option<&str>) -> EventMarks {
    let place = context.place;
    EventMarks {
        event_key: event_key.map(str::to_owned),
        actor: context.member.id,
        platform: context.actor.platform,
        origin: (!place.private).then(|| place.id.clone()),
    }
}

/// Casts a reaction's vote of `kind` on `target` and commits its event
/// with it: the store writes it together with the other votes waiting
/// (`Store::cast_vote_event`). Its milestone is decided there too.
pub(super) async fn reaction_vote(
    context: &Context<'_>,
    voted: VotedMessage,
    kind: VoteKind,
    emoji: &str,
    event_key: Option<&str>,
) -> Result<Reacted, ClubError> {
    let ballot = match ballot(context, voted, kind, Via::Reaction)? {
        Ok(ballot) => ballot,
        Err(_ignored) => return Ok(Reacted::Uncounted),
    };
    let vote = VoteData {
        message: ballot.target,
        question: ballot.question,
        voter: context.member.id,
        author: ballot.author.id,
        kind,
        via: Via::Reaction.as_str(),
        emoji: Some(emoji.to_owned()),
        day: ballot.day,
        told_as: ballot.told_as(),
        voter_name: context.member.display_name.clone(),
        now: context.now,
    };
    let place = context.place;
    let marks = event_marks(context, event_key);
    let club = context.club.clone();
    let blocked = ballot.blocked;
    let decide =
        Box::new(move |facts: &VoteFacts| decide(kind, blocked, facts, &club.config().points));
    let (club, lang, place, counted) = (
        context.club.clone(),
        context.lang,
        place.clone(),
        ballot.clone(),
    );
    let celebrate = Box::new(move |recorded: &VoteRecorded| {
        let result = counted.result(*recorded);
        recognition::celebration(&club, lang, &place, &result)
    });
    let written = context
        .club
        .store()
        .cast_vote_event(VoteEvent {
            vote,
            marks,
            decide,
            celebrate,
        })
        .await?;
    log_vote(&written.recorded);
    Ok(Reacted::Committed(written.notices))
}

/// Rules that need only the vote: bots, self-votes, old messages, new voters.
fn static_rule(
    voter: &Member,
    author: &Member,
    written: DateTime<Utc>,
    now: DateTime<Utc>,
    rules: &PointsSettings,
) -> Option<&'static str> {
    if author.is_bot {
        return Some(outcome::BOT_AUTHOR);
    }
    if author.id == voter.id {
        return Some(outcome::SELF_VOTE);
    }
    if now - written > Duration::days(rules.max_message_age_days) {
        return Some(outcome::TOO_OLD);
    }
    if voter.is_new(now, rules.min_voter_days) {
        return Some(outcome::NEW_VOTER);
    }
    None
}

/// Only the member who asked (the author of the message the answer replies
/// to) may mark an answer as the solution.
fn solution_rule(
    voter: &Member,
    question: Option<MessageId>,
    asker: Option<MemberId>,
) -> Option<&'static str> {
    if question.is_none() || asker != Some(voter.id) {
        return Some(outcome::NOT_ASKER);
    }
    None
}

/// The local calendar day of `now` in the configured time zone.
pub fn local_day(now: DateTime<Utc>, rules: &PointsSettings) -> NaiveDate {
    now.with_timezone(&rules.zone()).date_naive()
}

/// Whether a reply's text thanks its addressee: one of the thanks words or
/// phrases, matched as whole words, case-insensitively ("party" is no "ty").
pub fn says_thanks(text: &str, thanks_words: &[String]) -> bool {
    let words = words(text);
    thanks_words.iter().any(|phrase| {
        let phrase = self::words(phrase);
        !phrase.is_empty()
            && words
                .windows(phrase.len())
                .any(|window| window == phrase.as_slice())
    })
}

/// Lowercase words; `+` and `+1` count as words.
fn words(text: &str) -> Vec<String> {
    text.split(|c: char| !(c.is_alphanumeric() || c == '+'))
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// Whether `emoji` is one of `list`, ignoring variation selectors.
pub fn emoji_in(emoji: &str, list: &[String]) -> bool {
    let emoji = plain_emoji(emoji);
    list.iter().any(|candidate| plain_emoji(candidate) == emoji)
}

/// An emoji without variation selectors: platforms send "❤" and "❤️" alike.
pub fn plain_emoji(emoji: &str) -> String {
    emoji
        .chars()
        .filter(|c| !matches!(c, '\u{FE0E}' | '\u{FE0F}'))
        .collect()
}

/// Leaderboard periods.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Period {
    Week,
    Month,
    /// The calendar quarter.
    Season,
    All,
}

impl Period {
    pub fn parse(word: &str) -> Option<Period> {
        match word.to_lowercase().as_str() {
            "week" | "woche" => Some(Period::Week),
            "month" | "monat" => Some(Period::Month),
            "season" | "saison" => Some(Period::Season),
            "all" | "alle" | "gesamt" => Some(Period::All),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Period::Week => "week",
            Period::Month => "month",
            Period::Season => "season",
            Period::All => "all",
        }
    }

    /// When the period began, at local midnight; `None` for all time.
    pub fn start(self, now: DateTime<Utc>, rules: &PointsSettings) -> Option<DateTime<Utc>> {
        let today = local_day(now, rules);
        let first = match self {
            Period::All => return None,
            Period::Week => {
                today - Duration::days(i64::from(today.weekday().num_days_from_monday()))
            }
            Period::Month => today.with_day(1)?,
            Period::Season => {
                NaiveDate::from_ymd_opt(today.year(), (today.month0() / 3) * 3 + 1, 1)?
            }
        };
        let midnight = first.and_hms_opt(0, 0, 0)?;
        rules
            .zone()
            .from_local_datetime(&midnight)
            .earliest()
            .map(|local| local.with_timezone(&Utc))
    }
}

/// Members who upvote each other far more than members usually do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Finding {
    /// Two members voting for each other: names and votes each way.
    Pair { names: [String; 2], votes: [i64; 2] },
    /// Three members voting round in a circle: a→b→c→a.
    Ring { names: [String; 3], votes: [i64; 3] },
}

/// Finds mutual pairs and three-member rings among vote counts. An edge is
/// suspicious when it has at least `min_votes` votes and `factor` times the
/// median edge; pairs and rings need every edge suspicious.
pub fn find_suspicious(edges: &[VoteEdge], min_votes: i64, factor: f64) -> Vec<Finding> {
    let threshold = suspicion_threshold(edges, min_votes, factor) as f64;
    let heavy: HashMap<(MemberId, MemberId), i64> = edges
        .iter()
        .filter(|edge| edge.votes as f64 >= threshold)
        .map(|edge| ((edge.voter, edge.author), edge.votes))
        .collect();
    let names: HashMap<MemberId, &str> = edges
        .iter()
        .flat_map(|edge| {
            [
                (edge.voter, edge.voter_name.as_str()),
                (edge.author, edge.author_name.as_str()),
            ]
        })
        .collect();
    let name = |id: MemberId| names.get(&id).copied().unwrap_or("?").to_owned();
    let mut members: BTreeSet<MemberId> = BTreeSet::new();
    for (voter, author) in heavy.keys() {
        members.insert(*voter);
        members.insert(*author);
    }
    let members: Vec<MemberId> = members.into_iter().collect();
    let mut findings = Vec::new();
    for (i, &a) in members.iter().enumerate() {
        for (j, &b) in members.iter().enumerate().skip(i + 1) {
            if let (Some(&ab), Some(&ba)) = (heavy.get(&(a, b)), heavy.get(&(b, a))) {
                findings.push(Finding::Pair {
                    names: [name(a), name(b)],
                    votes: [ab, ba],
                });
            }
            for &c in members.iter().skip(j + 1) {
                for [x, y, z] in [[a, b, c], [a, c, b]] {
                    if let (Some(&xy), Some(&yz), Some(&zx)) =
                        (heavy.get(&(x, y)), heavy.get(&(y, z)), heavy.get(&(z, x)))
                    {
                        findings.push(Finding::Ring {
                            names: [name(x), name(y), name(z)],
                            votes: [xy, yz, zx],
                        });
                    }
                }
            }
        }
    }
    findings
}

/// The votes one member must give another to look suspicious: `factor`
/// times the median between two members, at least `min_votes`.
pub fn suspicion_threshold(edges: &[VoteEdge], min_votes: i64, factor: f64) -> i64 {
    ((median(edges) * factor).ceil() as i64).max(min_votes)
}

fn median(edges: &[VoteEdge]) -> f64 {
    let mut counts: Vec<i64> = edges.iter().map(|edge| edge.votes).collect();
    counts.sort_unstable();
    match counts.len() {
        0 => 0.0,
        n if n % 2 == 1 => counts[n / 2] as f64,
        n => (counts[n / 2 - 1] + counts[n / 2]) as f64 / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Settings;

    fn rules() -> PointsSettings {
        Settings::defaults().points
    }

    #[test]
    fn thanks_are_whole_words_in_both_languages() {
        let words = rules().thanks_words;
        for text in [
            "danke!",
            "Thanks a lot",
            "+1",
            "+",
            "ty :)",
            "Vielen Dank, hat geklappt",
            "THX",
        ] {
            assert!(says_thanks(text, &words), "{text}");
        }
        for text in [
            "party time",
            "thanksgiving plans",
            "1+1=2",
            "dankbar bin ich nicht",
            "vielen leuten",
        ] {
            assert!(!says_thanks(text, &words), "{text}");
        }
    }

    #[test]
    fn emoji_match_ignores_variation_selectors() {
        let emoji = rules().upvote_emoji;
        let list = emoji.on(crate::club::model::Platform::Discord);
        assert!(emoji_in("❤", list));
        assert!(emoji_in("❤️", list));
        assert!(emoji_in("👍", list));
        assert!(!emoji_in("👎", list));
    }

    #[test]
    fn the_rules_pay_until_a_cap_and_pay_the_rest_of_the_daily_cap() {
        let rules = rules();
        let facts = VoteFacts::default();
        assert_eq!(decide(VoteKind::Upvote, None, &facts, &rules).points, 2);
        assert_eq!(decide(VoteKind::Solution, None, &facts, &rules).points, 10);
        let nearly_full = VoteFacts {
            author_earned_today: 49,
            ..facts
        };
        assert_eq!(
            decide(VoteKind::Upvote, None, &nearly_full, &rules),
            Verdict {
                points: 1,
                outcome: outcome::CAPPED
            }
        );
        let full = VoteFacts {
            author_earned_today: 50,
            ..facts
        };
        assert_eq!(
            decide(VoteKind::Upvote, None, &full, &rules).outcome,
            outcome::DAILY_CAP
        );
        let pair = VoteFacts {
            pair_paid_today: 3,
            ..facts
        };
        assert_eq!(
            decide(VoteKind::Upvote, None, &pair, &rules).outcome,
            outcome::PAIR_CAP
        );
        assert_eq!(
            decide(VoteKind::Solution, None, &pair, &rules).points,
            10,
            "pair caps are for upvotes"
        );
        let voter = VoteFacts {
            voter_paid_today: 30,
            ..facts
        };
        assert_eq!(
            decide(VoteKind::Upvote, None, &voter, &rules).outcome,
            outcome::VOTER_CAP
        );
        let twice = VoteFacts {
            already_voted: true,
            ..facts
        };
        assert_eq!(
            decide(VoteKind::Upvote, None, &twice, &rules).outcome,
            outcome::DUPLICATE
        );
        assert_eq!(
            decide(VoteKind::Upvote, Some(outcome::SELF_VOTE), &facts, &rules).points,
            0
        );
    }

    #[test]
    fn periods_start_at_local_midnight() {
        let rules = rules();
        // Sunday 22 Nov 2026, 23:30 UTC is already Monday 23 Nov in Berlin.
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert_eq!(
            local_day(now, &rules),
            NaiveDate::from_ymd_opt(2026, 11, 23).unwrap()
        );
        let week = Period::Week.start(now, &rules).unwrap();
        assert_eq!(week, Utc.with_ymd_and_hms(2026, 11, 22, 23, 0, 0).unwrap());
        let season = Period::Season.start(now, &rules).unwrap();
        assert_eq!(season, Utc.with_ymd_and_hms(2026, 9, 30, 22, 0, 0).unwrap());
        assert_eq!(Period::All.start(now, &rules), None);
    }

    fn edge(voter: i64, author: i64, votes: i64) -> VoteEdge {
        let name = |id: i64| {
            ["anna", "ben", "cem", "dora", "emil"]
                .get(id as usize - 1)
                .map_or(format!("m{id}"), |n| n.to_string())
        };
        VoteEdge {
            voter: MemberId(voter),
            voter_name: name(voter),
            author: MemberId(author),
            author_name: name(author),
            votes,
        }
    }

    #[test]
    fn a_ring_and_a_mutual_pair_stand_out_from_normal_voting() {
        // Normal traffic: one or two votes between many members.
        let mut edges: Vec<VoteEdge> = (6..20).map(|id| edge(id, id + 1, 1 + id % 2)).collect();
        edges.extend([edge(6, 1, 1), edge(7, 2, 2), edge(8, 3, 1), edge(3, 9, 1)]);
        // A ring anna → ben → cem → anna.
        edges.extend([edge(1, 2, 9), edge(2, 3, 8), edge(3, 1, 10)]);
        // A pair dora ⇄ emil, and a one-sided fan of emil, which is no abuse.
        edges.extend([edge(4, 5, 9), edge(5, 4, 8), edge(6, 5, 7)]);
        let findings = find_suspicious(&edges, 4, 3.0);
        assert!(findings.contains(&Finding::Ring {
            names: ["anna".into(), "ben".into(), "cem".into()],
            votes: [9, 8, 10]
        }));
        assert!(findings.contains(&Finding::Pair {
            names: ["dora".into(), "emil".into()],
            votes: [9, 8]
        }));
        assert_eq!(findings.len(), 2, "{findings:?}");
    }
}
