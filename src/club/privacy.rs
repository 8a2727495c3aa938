//! A member's data rights: `/privacy`, `/mydata`, `/forget_me` and
//! `/leaderboard_hide`, and keeping members' texts out of public places.
//!
//! Why: the club speaks German first, and in the EU a member may ask what
//! is kept about them (GDPR Art. 15) and have it erased (Art. 17). The
//! answers are private: `/mydata` is a file in the member's private chat,
//! never in a group, and forgetting asks for a confirmation first (a
//! button, or `/forget_me confirm` where there are no buttons).
//!
//! Forgetting keeps the club's arithmetic: the member's ledger stays
//! under their number, nameless, so balances, other members' ranks and
//! `fanclub doctor` stay right. Claims still waiting for a decision are
//! cancelled with their refund first: nobody can decide a claim for a
//! member who is gone. After it the member is a stranger: writing again
//! makes a new member.
//!
//! Moderators' views that list what members wrote or who they are
//! (`/faq_unanswered`, `/faq_learned`, `/why`, `/whois`, `/suspicious`)
//! are shown only in a private chat or the moderators' place; asked in
//! another group, they are answered privately.

use chrono::SecondsFormat;
use serde_json::{Value, json};

use super::Context;
use super::error::{ClubError, Mistake};
use super::i18n::{args, text};
use super::model::{MemberId, Platform};
use super::reply::{Attachment, Button, Reply};
use crate::store::StoreError;

/// The button action that confirms `/forget_me` for one member.
const FORGET_ACTION: &str = "forget:";

/// The word that confirms `/forget_me` without a button.
const CONFIRM_WORDS: &[&str] = &["confirm", "bestaetigen", "bestätigen"];

/// The version of the export's layout, in the file itself.
const EXPORT_FORMAT: &str = "fanclub-personal-data/1";

/// Moderators' commands whose answer lists members' texts or accounts.
const CONFIDENTIAL: &[&str] = &[
    "faq_unanswered",
    "faq_learned",
    "why",
    "whois",
    "suspicious",
];

/// Whether the answer to `command` must not be shown in the place the
/// context is in: it lists members' texts or accounts, and the place is a
/// group that is not the moderators' place. The console's channel is
/// everyone's channel and its moderators' place at once: it counts as a
/// group.
pub(super) async fn keep_out_of_place(
    context: &Context<'_>,
    command: &str,
) -> Result<bool, StoreError> {
    if !CONFIDENTIAL.contains(&command) || context.place.private {
        return Ok(false);
    }
    if context.place.platform == Platform::Console {
        return Ok(true);
    }
    let moderators = context
        .club
        .store()
        .moderators_place(context.place.platform)
        .await?;
    Ok(moderators.as_deref() != Some(context.place.id.as_str()))
}

/// `/privacy`: what the club keeps about the member and why, in their
/// language, with how long where the club has a rule for it.
pub(super) fn privacy(context: &Context<'_>) -> String {
    let config = context.club.config();
    context.club.texts().get(
        context.lang,
        "privacy-info",
        Some(&args([
            ("club", text(&config.name)),
            ("number", context.member.id.0.into()),
            ("unanswered_days", config.faq.unanswered_days.into()),
            ("claim_days", config.shop.claim_expiry_days.into()),
        ])),
    )
}

/// `/mydata`: everything the club keeps about the member, as a JSON file
/// sent to them privately.
pub(super) async fn mydata(context: &Context<'_>) -> Result<Vec<Reply>, ClubError> {
    let member = context.member.id;
    let data = context.club.store().personal_data(member).await?;
    let export = json!({
        "format": EXPORT_FORMAT,
        "club": context.club.config().name,
        "member_number": member.0,
        "exported_at": context.now.to_rfc3339_opts(SecondsFormat::Secs, true),
        "data": Value::Object(data),
    });
    let file = serde_json::to_string_pretty(&export)
        .map_err(|error| StoreError::Inconsistent(format!("an export cannot be JSON: {error}")))?;
    let day = context.now.format("%Y-%m-%d");
    let attachment = Attachment::new(&format!("fanclub-data-{}-{day}.json", member.0), file);
    let texts = context.club.texts();
    let message = texts.get(
        context.lang,
        "mydata-sent",
        Some(&args([("file", text(&attachment.name))])),
    );
    Ok(vec![
        Reply::to_member(member, message).with_attachment(attachment),
    ])
}

/// `/forget_me [confirm]`: without the word, asks (privately, with a
/// button); with it, forgets the member.
pub(super) async fn forget_me(
    context: &Context<'_>,
    word: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let Some(word) = word else {
        let mut ask = Reply::to_member(context.member.id, texts.plain(lang, "forget-me-ask"));
        ask.buttons = vec![Button {
            label: texts.plain(lang, "forget-me-button"),
            action: format!("{FORGET_ACTION}{}", context.member.id.0),
        }];
        return Ok(vec![ask]);
    };
    if !CONFIRM_WORDS.contains(&word.to_lowercase().as_str()) {
        return Ok(vec![Reply::to_member(
            context.member.id,
            texts.plain(lang, "forget-me-usage"),
        )]);
    }
    forget(context).await
}

/// Whether a button action is this module's.
pub(super) fn is_privacy_action(action: &str) -> bool {
    action.starts_with(FORGET_ACTION)
}

/// The confirmation button of `/forget_me`: only the member it was made
/// for can press it.
pub(super) async fn press(context: &Context<'_>, action: &str) -> Result<Vec<Reply>, ClubError> {
    let for_member = action
        .strip_prefix(FORGET_ACTION)
        .and_then(|id| id.parse().ok())
        .map(MemberId);
    if for_member != Some(context.member.id) {
        return Err(Mistake::ForeignButton.into());
    }
    forget(context).await
}

/// Forgets the member who acted: pending claims are cancelled with their
/// refund, then the store erases them. The answer goes where they
/// confirmed: their accounts are gone, so nothing can reach them privately
/// any more (it names nobody).
async fn forget(context: &Context<'_>) -> Result<Vec<Reply>, ClubError> {
    let store = context.club.store();
    let member = context.member.id;
    let mut cancelled = Vec::new();
    for claim in store.pending_claims_of(member).await? {
        if let crate::store::claims::Cancelled::Cancelled(_) =
            store.cancel_claim(claim, member, context.now).await?
        {
            cancelled.push(claim);
        }
    }
    let refunded = cancelled.len();
    let texts = context.club.texts();
    let lang = context.lang;
    let Some(forgotten) = store.forget_member(member, context.now).await? else {
        return Ok(vec![Reply::in_place(
            context.place,
            texts.plain(lang, "forget-me-already"),
            None,
        )]);
    };
    if forgotten.phrasings > 0 {
        super::answers::relearn(context).await?;
    }
    let mut done = texts.plain(lang, "forget-me-done");
    if refunded > 0 {
        done.push(' ');
        done.push_str(&texts.get(
            lang,
            "forget-me-refunded",
            Some(&args([("claims", refunded.into())])),
        ));
    }
    let mut replies = vec![Reply::in_place(context.place, done, None)];
    // The moderators' messages of the cancelled claims lose their buttons
    // and say so, under the name the forgotten member has now.
    for id in cancelled {
        if let Some(claim) = store.claim(id).await? {
            replies.extend(super::shop::settle_moderators_message(context.club, &claim).await?);
        }
    }
    Ok(replies)
}

/// Whether `target`'s rank may be shown in an answer to the member who
/// asked: always, unless `target` left the leaderboards; then only to
/// themself, in an answer nobody else reads (`privately`).
pub(super) async fn rank_shown(
    context: &Context<'_>,
    target: MemberId,
    privately: bool,
) -> Result<bool, StoreError> {
    if target == context.member.id && privately {
        return Ok(true);
    }
    Ok(!context.club.store().is_leaderboard_hidden(target).await?)
}

/// `/leaderboard_hide on|off`: leaves the member out of the leaderboards
/// (their own rank is still shown to them privately).
pub(super) async fn leaderboard_hide(
    context: &Context<'_>,
    switch: &str,
) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let hidden = match switch.to_lowercase().as_str() {
        "on" | "an" | "ein" | "ja" | "yes" => true,
        "off" | "aus" | "nein" | "no" => false,
        _ => return Ok(texts.plain(lang, "leaderboard-hide-usage")),
    };
    context
        .club
        .store()
        .set_leaderboard_hidden(context.member.id, hidden)
        .await?;
    Ok(texts.plain(
        lang,
        if hidden {
            "leaderboard-hide-on"
        } else {
            "leaderboard-hide-off"
        },
    ))
}
