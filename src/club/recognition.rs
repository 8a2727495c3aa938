//! Seeing and celebrating: leaderboards, profiles, milestones, welcomes.
//!
//! Leaderboards rank points *earned* in a period, never the balance, so
//! redeeming merchandise does not push anyone down. Public congratulations
//! on milestones and one short welcome for a new member are on by default:
//! a club that celebrates its helpers keeps them. A busy group can turn
//! them off (`recognition.announce_milestones`,
//! `recognition.welcome_new_members`); the member still hears of a badge in
//! their private digest.

use chrono::{DateTime, Datelike, Duration, Utc};
use fluent_bundle::FluentValue;

use super::Club;
use super::Context;
use super::commands::MemberRef;
use super::error::{ClubError, Mistake};
use super::handlers::points;
use super::i18n::{Texts, args, text};
use super::model::{Member, Place};
use super::points::{Period, VoteResult};
use super::reply::Reply;
use crate::config::PointsSettings;
use crate::lang::Lang;
use crate::store::digests::{Earned, EarnedKind, badge_source_key};
use crate::store::ledger::PeriodBounds;
use crate::store::vote_writer::Celebration;
use crate::store::votes::{AuthorAfter, HelpRecord, VoteKind};

/// How many members a leaderboard shows.
const LEADERBOARD_SIZE: usize = 10;

/// `/leaderboard [week|month|season|all]` (default: week).
pub(super) async fn leaderboard(
    context: &Context<'_>,
    period: Option<&str>,
) -> Result<String, ClubError> {
    let period = match period {
        None => Period::Week,
        Some(word) => Period::parse(word).ok_or_else(|| Mistake::UnknownPeriod {
            period: word.to_owned(),
        })?,
    };
    let bounds = bounds(period, context.now, &context.club.config().points);
    let board = context
        .club
        .store()
        .leaderboard(bounds.as_ref(), LEADERBOARD_SIZE, context.member.id)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let period_name = texts.plain(lang, &format!("period-{}", period.as_str()));
    let mut lines = vec![texts.get(
        lang,
        "leaderboard-header",
        Some(&args([("period", text(&period_name))])),
    )];
    // Members who left the leaderboards (`/leaderboard_hide`) are not
    // listed and take no place; one of them sees their own rank privately.
    let own_hidden = board.viewer.filter(|place| place.hidden);
    if board.top.is_empty() && own_hidden.is_none() {
        lines.push(texts.plain(lang, "leaderboard-empty"));
        return Ok(lines.join("\n"));
    }
    let ranks = shared_ranks(board.top.iter().map(|earner| earner.earned));
    for (earner, rank) in board.top.iter().zip(&ranks) {
        lines.push(texts.get(
            lang,
            "leaderboard-line",
            Some(&args([
                ("rank", (*rank).into()),
                ("name", text(&earner.name)),
                ("points", text(&points(texts, lang, earner.earned))),
            ])),
        ));
    }
    lines.push(match board.viewer {
        Some(place) if place.hidden && !context.place.private => {
            texts.plain(lang, "leaderboard-you-hidden")
        }
        Some(place) => texts.get(
            lang,
            "leaderboard-you",
            Some(&args([
                ("rank", place.rank.into()),
                ("count", place.earned.into()),
            ])),
        ),
        None => texts.plain(lang, "leaderboard-you-none"),
    });
    Ok(lines.join("\n"))
}

/// A period's bounds in the club's time zone, and the end of the period
/// after it; `None` for all time. The end of a period is the start of the
/// period that holds an instant safely inside the next one (a week and
/// half a day, 32 days, 93 days on: daylight saving time moves midnight by
/// an hour, never by half a day).
fn bounds(period: Period, now: DateTime<Utc>, rules: &PointsSettings) -> Option<PeriodBounds> {
    let span = match period {
        Period::Week => Duration::hours(7 * 24 + 12),
        Period::Month => Duration::days(32),
        Period::Season => Duration::days(93),
        Period::All => return None,
    };
    let starts = period.start(now, rules)?;
    let ends = period.start(starts + span, rules)?;
    let next_ends = period.start(ends + span, rules)?;
    Some(PeriodBounds {
        kind: period.as_str(),
        starts,
        ends,
        next_ends,
    })
}

/// Ranks for scores sorted high to low; equal scores share a rank (1, 2, 2, 4).
fn shared_ranks(scores: impl Iterator<Item = i64>) -> Vec<usize> {
    let mut ranks = Vec::new();
    let mut previous = None;
    for (index, score) in scores.enumerate() {
        let rank = match previous {
            Some((last_score, last_rank)) if last_score == score => last_rank,
            _ => index + 1,
        };
        ranks.push(rank);
        previous = Some((score, rank));
    }
    ranks
}

/// `/profile [member]`: public recognition of what a member did.
pub(super) async fn profile(
    context: &Context<'_>,
    member: Option<MemberRef>,
) -> Result<String, ClubError> {
    let target = match member {
        Some(name) => super::handlers::resolve_member(context, &name).await?,
        None => context.member.clone(),
    };
    let store = context.club.store();
    let standing = store.standing(target.id).await?;
    let record = store.help_record(target.id).await?;
    let rank_hidden =
        !super::privacy::rank_shown(context, target.id, context.place.private).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let year = target.fan_since.year();
    let mut lines = vec![
        texts.get(
            lang,
            "profile-header",
            Some(&args([
                ("name", text(&target.display_name)),
                ("year", year.to_string().into()),
            ])),
        ),
        texts.get(
            lang,
            // A member who left the leaderboards shows no rank, but to
            // themself in private.
            if rank_hidden {
                "profile-points-hidden"
            } else {
                "profile-points"
            },
            Some(&args([
                ("balance", text(&points(texts, lang, standing.balance))),
                (
                    "lifetime",
                    text(&points(texts, lang, standing.lifetime_earned)),
                ),
                // 0: not ranked (the texts leave the rank out).
                ("rank", standing.rank.unwrap_or(0).into()),
                ("members", standing.members.into()),
            ])),
        ),
        texts.get(
            lang,
            "profile-help",
            Some(&args([
                ("answers", record.answers_upvoted.into()),
                ("solutions", record.solutions.into()),
            ])),
        ),
    ];
    let badges = badges(texts, lang, &target, record);
    lines.push(texts.get(
        lang,
        "profile-badges",
        Some(&args([("badges", text(&badges.join(", ")))])),
    ));
    Ok(lines.join("\n"))
}

/// The tenure badge and the milestone badges a member has earned.
fn badges(texts: &Texts, lang: Lang, member: &Member, record: HelpRecord) -> Vec<String> {
    let mut badges = vec![texts.get(
        lang,
        "badge-tenure",
        Some(&args([(
            "year",
            member.fan_since.year().to_string().into(),
        )])),
    )];
    let earned = [
        (record.solutions >= 1, "badge-first-solution"),
        (record.answers_upvoted >= 10, "badge-helpful-10"),
        (record.answers_upvoted >= 100, "badge-helpful-100"),
    ];
    badges.extend(
        earned
            .iter()
            .filter(|(has, _)| *has)
            .map(|(_, id)| texts.plain(lang, id)),
    );
    badges
}

/// Tells of a milestone a paying vote took its author to: a line in their
/// next digest, and a public congratulation where the club announces them.
pub(super) async fn celebrate(
    context: &Context<'_>,
    result: &VoteResult,
) -> Result<Vec<Reply>, ClubError> {
    let celebration = celebration(context.club, context.lang, context.place, result);
    if let Some(earned) = &celebration.earned {
        context
            .club
            .store()
            .record_earned(earned, context.now)
            .await?;
    }
    Ok(celebration.notices)
}

/// The milestone a paying vote took its author to, if any: the digest row
/// the member hears of it in privately, and the notice for the channel
/// when the club announces milestones.
pub(super) fn celebration(
    club: &Club,
    lang: Lang,
    place: &Place,
    result: &VoteResult,
) -> Celebration {
    let VoteResult::Counted {
        vote,
        paid: Some(paid),
        author,
        kind,
        ..
    } = result
    else {
        return Celebration::default();
    };
    let Some(badge) = milestone(*kind, paid) else {
        return Celebration::default();
    };
    let earned = Some(Earned {
        member: author.id,
        kind: EarnedKind::Badge,
        points: 0,
        from: None,
        reason: Some(badge.to_owned()),
        source_key: badge_source_key(*vote),
    });
    if !club.config().recognition.announce_milestones {
        return Celebration {
            earned,
            notices: Vec::new(),
        };
    }
    let texts = club.texts();
    let text = texts.get(
        lang,
        "milestone",
        Some(&args([
            ("name", FluentValue::from(author.display_name.clone())),
            ("badge", FluentValue::from(texts.plain(lang, badge))),
        ])),
    );
    Celebration {
        earned,
        notices: vec![Reply::in_place(place, text, None)],
    }
}

/// The badge a paying vote earned its author, as a text id.
fn milestone(kind: VoteKind, paid: &AuthorAfter) -> Option<&'static str> {
    let record = paid.record;
    match kind {
        VoteKind::Solution if record.solutions == 1 => Some("badge-first-solution"),
        VoteKind::Upvote if paid.first_upvote => match record.answers_upvoted {
            10 => Some("badge-helpful-10"),
            100 => Some("badge-helpful-100"),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_period_ends_where_the_next_one_starts_across_daylight_saving_time() {
        use chrono::TimeZone;
        let rules = crate::config::Settings::defaults().points;
        // Berlin: summer time ends on Sunday 25 October 2026.
        let now = Utc.with_ymd_and_hms(2026, 10, 21, 12, 0, 0).unwrap();
        let at = |d, h| Utc.with_ymd_and_hms(2026, 10, d, h, 0, 0).unwrap();
        let week = bounds(Period::Week, now, &rules).unwrap();
        assert_eq!((week.starts, week.ends), (at(18, 22), at(25, 23)));
        assert_eq!(
            week.next_ends,
            Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap()
        );
        let month = bounds(Period::Month, now, &rules).unwrap();
        assert_eq!(
            (month.starts, month.ends),
            (
                Utc.with_ymd_and_hms(2026, 9, 30, 22, 0, 0).unwrap(),
                at(31, 23)
            )
        );
        let season = bounds(Period::Season, now, &rules).unwrap();
        assert_eq!(
            season.ends,
            Utc.with_ymd_and_hms(2026, 12, 31, 23, 0, 0).unwrap()
        );
        assert_eq!(
            season.next_ends,
            Utc.with_ymd_and_hms(2027, 3, 31, 22, 0, 0).unwrap()
        );
        assert_eq!(bounds(Period::All, now, &rules), None);
    }

    #[test]
    fn equal_scores_share_a_rank() {
        assert_eq!(shared_ranks([30, 20, 20, 10].into_iter()), vec![1, 2, 2, 4]);
        assert_eq!(shared_ranks(std::iter::empty()), Vec::<usize>::new());
    }
}
