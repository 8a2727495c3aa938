//! The ways members vote, and the moderators' tools against abuse.
//!
//! Reactions and thanks replies are quiet: the author sees the points in
//! `/balance`, and the channel is not flooded with confirmations. `/upvote`
//! and `/solved` are explicit, so they are answered, with the reason when a
//! rule stopped the vote.

use chrono::{Duration, NaiveDate, TimeZone, Utc};

use super::commands::MemberRef;
use super::error::{ClubError, Mistake};
use super::handlers::points as points_text;
use super::i18n::{args, text};
use super::model::{Member, MemberId};
use super::points::{self, Finding, Reacted, Via, VoteResult};
use super::recognition;
use super::reply::Reply;
use super::{Context, ReactedOn};
use crate::lang::Lang;
use crate::store::vote_writer::WithdrawalEvent;
use crate::store::votes::{VoteKind, Withdrawal};

/// A reply that says thanks upvotes the message it replies to.
pub(super) async fn thanks(context: &Context<'_>, text: &str) -> Result<Vec<Reply>, ClubError> {
    let rules = &context.club.config().points;
    let Some(target) = context.reply_to else {
        return Ok(Vec::new());
    };
    if !points::says_thanks(text, &rules.thanks_words) {
        return Ok(Vec::new());
    }
    let key = format!("{}:thanks", context.event_key);
    let result = points::vote(
        context,
        target,
        VoteKind::Upvote,
        Via::Thanks,
        None,
        Some(&key),
    )
    .await?;
    recognition::celebrate(context, &result).await
}

/// A reaction added to or removed from a message. A vote or a withdrawal
/// commits its event with it ([`Reacted::Committed`]).
pub(super) async fn reaction(
    context: &Context<'_>,
    reacted_on: ReactedOn,
    emoji: &str,
    added: bool,
    event_key: Option<&str>,
) -> Result<Reacted, ClubError> {
    let rules = &context.club.config().points;
    // Each platform offers its own reactions (`points.upvote_emoji`).
    let platform = context.place.platform;
    let kind = if points::emoji_in(emoji, rules.upvote_emoji.on(platform)) {
        VoteKind::Upvote
    } else if points::emoji_in(emoji, rules.solution_emoji.on(platform)) {
        VoteKind::Solution
    } else {
        return Ok(Reacted::Uncounted);
    };
    let emoji = points::plain_emoji(emoji);
    if !added {
        let withdrawal = WithdrawalEvent {
            message: reacted_on.id,
            voter: context.member.id,
            emoji,
            now: context.now,
            marks: points::event_marks(context, event_key),
        };
        match context
            .club
            .store()
            .withdraw_reaction_event(withdrawal)
            .await?
        {
            Withdrawal::Withdrawn {
                vote,
                paid,
                reversed,
            } => tracing::info!(vote, paid, reversed, "vote withdrawn"),
            Withdrawal::Replayed => {
                tracing::debug!("reaction delivered twice; handled the first time");
            }
            Withdrawal::NothingToWithdraw => {}
        }
        // The store committed the event with the withdrawal.
        return Ok(Reacted::Committed(Vec::new()));
    }
    let voted = reacted_on
        .voted
        .ok_or(Mistake::UnknownMessage(reacted_on.id))?;
    // Boxed: the vote's state is large, and every platform's event future
    // would carry it on the stack.
    Box::pin(points::reaction_vote(
        context, voted, kind, &emoji, event_key,
    ))
    .await
}

/// `/upvote` or `/solved`, sent as a reply to the message meant.
pub(super) async fn command(
    context: &Context<'_>,
    kind: VoteKind,
) -> Result<Vec<Reply>, ClubError> {
    let name = match kind {
        VoteKind::Upvote => "upvote",
        VoteKind::Solution => "solved",
    };
    let target = context
        .reply_to
        .ok_or(Mistake::ReplyNeeded { command: name })?;
    let key = format!("{}:vote", context.event_key);
    let result = points::vote(context, target, kind, Via::Command, None, Some(&key)).await?;
    let mut replies = vec![Reply::in_place(
        context.place,
        describe(context, kind, &result),
        Some(context.message),
    )];
    replies.extend(recognition::celebrate(context, &result).await?);
    Ok(replies)
}

/// What to tell the member who voted explicitly.
fn describe(context: &Context<'_>, kind: VoteKind, result: &VoteResult) -> String {
    let texts = context.club.texts();
    let lang = context.lang;
    match result {
        VoteResult::Counted {
            verdict, author, ..
        } if verdict.points > 0 => {
            let id = match kind {
                VoteKind::Upvote => "vote-counted",
                VoteKind::Solution => "solution-counted",
            };
            texts.get(
                lang,
                id,
                Some(&args([
                    ("name", text(&author.display_name)),
                    ("points", text(&points_text(texts, lang, verdict.points))),
                ])),
            )
        }
        VoteResult::Counted { verdict, .. } => texts.get(
            lang,
            "vote-not-counted",
            Some(&args([(
                "why",
                text(&outcome_text(context, lang, verdict.outcome)),
            )])),
        ),
        VoteResult::Ignored("bot_message") => texts.plain(lang, "vote-bot-message"),
        VoteResult::Ignored(_) => texts.plain(lang, "vote-not-support"),
        VoteResult::Replayed => String::new(),
    }
}

/// A vote outcome code in words, with the rule's numbers.
fn outcome_text(context: &Context<'_>, lang: Lang, outcome: &str) -> String {
    let rules = &context.club.config().points;
    let (days, cap) = match outcome {
        points::outcome::NEW_VOTER => (rules.min_voter_days + 1, 0),
        points::outcome::TOO_OLD => (rules.max_message_age_days, 0),
        points::outcome::DAILY_CAP => (0, rules.daily_points_cap),
        points::outcome::VOTER_CAP => (0, rules.daily_votes_per_voter),
        points::outcome::PAIR_CAP => (0, rules.daily_votes_per_pair),
        _ => (0, 0),
    };
    let id = format!("outcome-{outcome}");
    let texts = context.club.texts();
    if !texts.has(lang, &id) {
        return outcome.to_owned();
    }
    texts.get(
        lang,
        &id,
        Some(&args([("days", days.into()), ("cap", cap.into())])),
    )
}

/// `/why <member>`: today's votes for a member and why each paid or not.
pub(super) async fn why(context: &Context<'_>, member: &MemberRef) -> Result<String, ClubError> {
    let target = super::handlers::resolve_member(context, member).await?;
    let day = points::local_day(context.now, &context.club.config().points);
    let votes = context.club.store().votes_received(target.id, day).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let name = args([("name", text(&target.display_name))]);
    if votes.is_empty() {
        return Ok(texts.get(lang, "why-empty", Some(&name)));
    }
    let date = super::handlers::format_date(lang, day);
    let mut lines = vec![texts.get(
        lang,
        "why-header",
        Some(&args([
            ("name", text(&target.display_name)),
            ("date", text(&date)),
        ])),
    )];
    for vote in votes {
        let mut why = outcome_text(context, lang, &vote.outcome);
        if !vote.active {
            let withdrawn = texts.get(
                lang,
                "why-withdrawn",
                Some(&args([(
                    "reversed",
                    text(&points_text(texts, lang, vote.reversed)),
                )])),
            );
            why = format!("{why}; {withdrawn}");
        }
        lines.push(texts.get(
            lang,
            "why-line",
            Some(&args([
                ("message", text(&vote.message.to_string())),
                ("voter", text(&vote.voter)),
                (
                    "kind",
                    text(&texts.plain(lang, &format!("kind-{}", vote.kind.as_str()))),
                ),
                ("points", vote.points.into()),
                ("why", text(&why)),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

/// `/suspicious`: pairs and rings voting for each other far above normal.
pub(super) async fn suspicious(context: &Context<'_>) -> Result<String, ClubError> {
    let rules = &context.club.config().points;
    let since = context.now - Duration::days(rules.suspicious_days);
    let edges = context.club.store().vote_edges(since).await?;
    let threshold =
        points::suspicion_threshold(&edges, rules.suspicious_min_votes, rules.suspicious_factor);
    let findings =
        points::find_suspicious(&edges, rules.suspicious_min_votes, rules.suspicious_factor);
    let texts = context.club.texts();
    let lang = context.lang;
    let days = rules.suspicious_days;
    if findings.is_empty() {
        return Ok(texts.get(
            lang,
            "suspicious-none",
            Some(&args([("days", days.into())])),
        ));
    }
    let mut lines = vec![texts.get(
        lang,
        "suspicious-header",
        Some(&args([
            ("days", days.into()),
            ("threshold", threshold.into()),
        ])),
    )];
    for finding in findings {
        lines.push(match finding {
            Finding::Pair { names, votes } => texts.get(
                lang,
                "suspicious-pair",
                Some(&args([
                    ("a", text(&names[0])),
                    ("b", text(&names[1])),
                    ("ab", votes[0].into()),
                    ("ba", votes[1].into()),
                ])),
            ),
            Finding::Ring { names, votes } => texts.get(
                lang,
                "suspicious-ring",
                Some(&args([
                    ("a", text(&names[0])),
                    ("b", text(&names[1])),
                    ("c", text(&names[2])),
                    ("ab", votes[0].into()),
                    ("bc", votes[1].into()),
                    ("ca", votes[2].into()),
                ])),
            ),
        });
    }
    Ok(lines.join("\n"))
}

/// `/revoke_votes <voter> [since]`: reverses every payout the voter's votes
/// caused (since a date `2026-11-01` or `7d` ago), with one audit entry.
/// Each author who lost points is told privately why; the notices commit
/// with the revocation, in the event's transaction.
pub(super) async fn revoke(
    context: &Context<'_>,
    member: &MemberRef,
    since: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let voter = super::handlers::resolve_member(context, member).await?;
    let since = since.map(|since| parse_since(context, since)).transpose()?;
    let revoked = context
        .club
        .store()
        .revoke_votes(voter.id, since, context.member.id, context.now)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let summary = texts.get(
        lang,
        "revoked",
        Some(&args([
            ("name", text(&voter.display_name)),
            ("votes", revoked.votes.into()),
            ("points", text(&points_text(texts, lang, revoked.points))),
        ])),
    );
    let mut replies = vec![Reply::in_place(
        context.place,
        summary,
        Some(context.message),
    )];
    for &(author, lost) in &revoked.losses {
        replies.push(tell_loss(context, &voter, author, lost).await?);
    }
    Ok(replies)
}

/// The private notice to `author` that the revocation of `voter`'s votes
/// took `lost` points, in the author's language.
async fn tell_loss(
    context: &Context<'_>,
    voter: &Member,
    author: MemberId,
    lost: i64,
) -> Result<Reply, ClubError> {
    let club = context.club;
    let lang = club
        .store()
        .member(author)
        .await?
        .map_or(club.config().default_language, |member| member.language);
    let texts = club.texts();
    let notice = texts.get(
        lang,
        "member-votes-revoked",
        Some(&args([
            ("points", text(&points_text(texts, lang, lost))),
            ("name", text(&voter.display_name)),
        ])),
    );
    let mut reply = Reply::to_member(author, notice);
    reply.dedupe = Some(format!("{}:revoked:{}", context.event_key, author.0));
    Ok(reply)
}

/// `2026-11-01` (local midnight) or `7d` (seven days ago).
fn parse_since(context: &Context<'_>, since: &str) -> Result<chrono::DateTime<Utc>, Mistake> {
    let bad = || Mistake::BadSince {
        since: since.to_owned(),
    };
    if let Some(days) = since
        .strip_suffix('d')
        .and_then(|days| days.parse::<i64>().ok())
    {
        return (0..=3650)
            .contains(&days)
            .then(|| context.now - Duration::days(days))
            .ok_or_else(bad);
    }
    let date = NaiveDate::parse_from_str(since, "%Y-%m-%d").map_err(|_| bad())?;
    let midnight = date.and_hms_opt(0, 0, 0).ok_or_else(bad)?;
    context
        .club
        .config()
        .points
        .zone()
        .from_local_datetime(&midnight)
        .earliest()
        .map(|local| local.with_timezone(&Utc))
        .ok_or_else(bad)
}
