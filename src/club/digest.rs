//! Telling members what they earned, and reminding moderators.
//!
//! Why digests: a helper whose answer gets three 👍 and a "danke" should hear
//! about it, but not four times. Every booking that earns points leaves a
//! row (`store::digests`); [`Club::send_digests`] turns a member's waiting
//! rows into one private notice once the oldest has waited
//! `recognition.digest_minutes`, so a member gets at most one digest per
//! window. The digest is rendered in both languages and the deliverer picks
//! the member's. Milestone badges are in the digest too. `/notify off`
//! stops digests (the rows are still marked); `/notify here` makes the
//! platform it is sent on the member's choice for private notices.
//!
//! These run on timers ([`Club::tick`]): the adapters call it periodically,
//! the console before each line. They use the club's clock.

use chrono::Duration;

use super::error::ClubError;
use super::i18n::{args, text};
use super::model::MemberId;
use super::reply::Reply;
use super::{Club, Context};
use crate::lang::Lang;
use crate::store::StoreError;
use crate::store::digests::{Earned, EarnedKind};

/// Records points booked for `member`, for their next digest.
pub(super) async fn earned(
    context: &Context<'_>,
    member: MemberId,
    kind: EarnedKind,
    points: i64,
    reason: Option<String>,
    source_key: String,
) -> Result<(), StoreError> {
    let from = match kind {
        EarnedKind::Grant | EarnedKind::Badge => None,
        _ => Some(context.member.display_name.clone()),
    };
    let earned = Earned {
        member,
        kind,
        points,
        from,
        reason,
        source_key,
    };
    context
        .club
        .store()
        .record_earned(&earned, context.now)
        .await
}

/// `/notify on|off`: switches the member's digests of points earned.
pub(super) async fn notify(context: &Context<'_>, switch: &str) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let on = match switch.to_lowercase().as_str() {
        "on" | "an" | "ein" => true,
        "off" | "aus" => false,
        "here" | "hier" => {
            let platform = context.actor.platform;
            context
                .club
                .store()
                .prefer_platform(context.member.id, platform, context.now)
                .await?;
            return Ok(texts.get(
                lang,
                "notify-here",
                Some(&args([("platform", text(platform.as_str()))])),
            ));
        }
        _ => return Ok(texts.plain(lang, "notify-usage")),
    };
    context
        .club
        .store()
        .set_recognition(context.member.id, on, context.now)
        .await?;
    if !on {
        return Ok(texts.plain(lang, "notify-off"));
    }
    let minutes = context.club.config().recognition.digest_minutes;
    Ok(texts.get(
        lang,
        "notify-on",
        Some(&args([("minutes", minutes.into())])),
    ))
}

impl Club {
    /// The periodic work: claims expire, digests go out, moderators are
    /// reminded of claims waiting long. Each part's failure is logged and
    /// the others still run.
    pub async fn tick(&self) -> Result<(), StoreError> {
        let expired = self.expire_claims().await.map(|_| ());
        let digests = self.send_digests().await.map(|_| ());
        let reminded = self.remind_moderators().await.map(|_| ());
        expired.and(digests).and(reminded)
    }

    /// Writes the digests that are due to the outbox; how many members got
    /// one.
    pub async fn send_digests(&self) -> Result<usize, StoreError> {
        let now = self.now();
        let window = Duration::minutes(i64::from(self.config().recognition.digest_minutes));
        let mut sent = 0;
        for waiting in self.store().waiting_digests(now - window).await? {
            let Some(last) = waiting.items.last().map(|(id, _)| *id) else {
                continue;
            };
            let items: Vec<&Earned> = waiting.items.iter().map(|(_, earned)| earned).collect();
            let notice = waiting.wanted.then(|| self.digest(waiting.member, &items));
            if self
                .store()
                .commit_digest(waiting.member, last, notice.as_ref(), now)
                .await?
                && notice.is_some()
            {
                sent += 1;
            }
        }
        if sent > 0 {
            self.poke_deliverers();
        }
        Ok(sent)
    }

    /// Once a day, the moderators hear of claims waiting longer than
    /// `shop.remind_after_hours`. Whether a reminder was written.
    pub async fn remind_moderators(&self) -> Result<bool, StoreError> {
        let Some(reminder) = super::shop::reminder(self).await? else {
            return Ok(false);
        };
        self.tell(&[reminder]).await?;
        Ok(true)
    }

    /// The digest of `items` for `member`, in every language.
    fn digest(&self, member: MemberId, items: &[&Earned]) -> Reply {
        let lang = self.config().default_language;
        let mut notice = Reply::to_member(member, self.digest_text(lang, items));
        notice.translations = vec![(lang.other(), self.digest_text(lang.other(), items))];
        notice
    }

    fn digest_text(&self, lang: Lang, items: &[&Earned]) -> String {
        let texts = self.texts();
        let total: i64 = items
            .iter()
            .filter(|earned| earned.kind != EarnedKind::Badge)
            .map(|earned| earned.points)
            .sum();
        let mut parts = Vec::new();
        for (kind, id) in [
            (EarnedKind::Upvote, "digest-upvotes"),
            (EarnedKind::Thanks, "digest-thanks"),
            (EarnedKind::Solution, "digest-solutions"),
        ] {
            let mut names: Vec<&str> = Vec::new();
            for earned in items.iter().filter(|earned| earned.kind == kind) {
                let name = earned.from.as_deref().unwrap_or("?");
                if !names.contains(&name) {
                    names.push(name);
                }
            }
            if !names.is_empty() {
                let names = self.name_list(lang, &names);
                parts.push(texts.get(lang, id, Some(&args([("names", text(&names))]))));
            }
        }
        for earned in items
            .iter()
            .filter(|earned| earned.kind == EarnedKind::Grant)
        {
            parts.push(texts.get(
                lang,
                "digest-grant",
                Some(&args([
                    ("points", text(&signed_points(self, lang, earned.points))),
                    ("reason", text(earned.reason.as_deref().unwrap_or("-"))),
                ])),
            ));
        }
        for earned in items
            .iter()
            .filter(|earned| earned.kind == EarnedKind::Badge)
        {
            let badge = texts.plain(lang, earned.reason.as_deref().unwrap_or_default());
            parts.push(texts.get(lang, "digest-badge", Some(&args([("badge", text(&badge))]))));
        }
        texts.get(
            lang,
            "digest",
            Some(&args([
                ("points", text(&signed_points(self, lang, total))),
                ("parts", text(&parts.join(", "))),
            ])),
        )
    }

    /// "ben", "ben and carol", "ben, carol and dana".
    fn name_list(&self, lang: Lang, names: &[&str]) -> String {
        match names {
            [] => String::new(),
            [one] => (*one).to_owned(),
            [rest @ .., last] => self.texts().get(
                lang,
                "list-and",
                Some(&args([
                    ("rest", text(&rest.join(", "))),
                    ("last", text(last)),
                ])),
            ),
        }
    }
}

/// "+6 points", "-5 points".
fn signed_points(club: &Club, lang: Lang, points: i64) -> String {
    let sign = if points >= 0 { "+" } else { "-" };
    format!(
        "{sign}{}",
        super::handlers::points(club.texts(), lang, points.abs())
    )
}
