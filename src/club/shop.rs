//! The shop in chat: browsing, claiming, cancelling, and the moderators'
//! decisions.
//!
//! A claim moves its cost from the balance into a hold and reserves a unit
//! in one transaction (see `store::claims`). The moderators' place gets the
//! claim with Approve / Reject buttons; when it is decided, cancelled or
//! expires, that message is edited to say who decided what, and the member
//! is told privately, in their own language.

use chrono::Duration;

use super::Club;
use super::Context;
use super::error::{ClubError, Mistake};
use super::handlers::points;
use super::i18n::{Args, args, text};
use super::model::Member;
use super::reply::{Button, Reply};
use crate::lang::Lang;
use crate::shop::{Chosen, Item, OptionsRead, Unavailable};
use crate::store::StoreError;
use crate::store::claims::{
    Cancelled, Claim, ClaimAttempt, ClaimState, Decided, Decision, Fulfilled, NewAddress, NewClaim,
};

/// The shortest postal address taken: a name, a street and a town are
/// longer. (It also keeps erasure from matching a stray word.)
pub const ADDRESS_MIN_CHARS: usize = 10;
/// The longest postal address taken.
pub const ADDRESS_MAX_CHARS: usize = 300;
/// The most lines of a postal address.
pub const ADDRESS_MAX_LINES: usize = 8;
/// What a member's message that carried an address reads in the store.
const ADDRESS_HIDDEN: &str = "[…]";

/// Most claims `/claims` and `/pending` list.
const LIST_LIMIT: u32 = 20;

/// What a claim button does; compact for Telegram's 64-byte callback data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum ClaimAction {
    Approve(i64),
    Reject(i64),
}

impl ClaimAction {
    fn code(self) -> String {
        match self {
            ClaimAction::Approve(id) => format!("claim:approve:{id}"),
            ClaimAction::Reject(id) => format!("claim:reject:{id}"),
        }
    }

    fn parse(code: &str) -> Option<ClaimAction> {
        let (verb, id) = code.strip_prefix("claim:")?.split_once(':')?;
        let id = id.parse().ok()?;
        match verb {
            "approve" => Some(ClaimAction::Approve(id)),
            "reject" => Some(ClaimAction::Reject(id)),
            _ => None,
        }
    }
}

/// `/shop`: what this member can claim now, and why not where they cannot.
pub(super) async fn shop(context: &Context<'_>) -> Result<String, ClubError> {
    let store = context.club.store();
    let balance = store.balance(context.member.id).await?;
    let counts = store.claim_counts(context.member.id).await?;
    let catalog = context.club.catalog();
    let texts = context.club.texts();
    let lang = context.lang;
    let today = super::points::local_day(context.now, &context.club.config().points);
    let member_days = member_days(context);
    let mut lines = vec![texts.get(
        lang,
        "shop-header",
        Some(&args([("balance", text(&points(texts, lang, balance)))])),
    )];
    let offered: Vec<&Item> = catalog
        .items()
        .iter()
        .filter(|item| item.offered_on(today))
        .collect();
    if offered.is_empty() {
        lines.push(texts.plain(lang, "shop-empty"));
    }
    for item in offered {
        let (claimed, mine) = counts
            .iter()
            .find(|count| count.sku == item.sku)
            .map_or((0, 0), |count| (count.claimed, count.mine));
        let stock = match item.left(claimed) {
            Some(left) => texts.get(
                lang,
                "shop-stock-left",
                Some(&args([("left", left.into())])),
            ),
            None => texts.plain(lang, "shop-stock-unlimited"),
        };
        let status = match item.unavailable(balance, member_days, claimed, mine) {
            None => texts.get(
                lang,
                "shop-claimable",
                Some(&args([("sku", text(&item.sku))])),
            ),
            Some(why) => why_unavailable(context.club, lang, why),
        };
        lines.push(texts.get(
            lang,
            "shop-line",
            Some(&args([
                ("name", text(&item.text(lang).name)),
                ("sku", text(&item.sku)),
                ("cost", text(&points(texts, lang, item.cost))),
                ("stock", text(&stock)),
                ("status", text(&status)),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

fn why_unavailable(club: &Club, lang: Lang, why: Unavailable) -> String {
    let texts = club.texts();
    match why {
        Unavailable::NotEnoughPoints { needed } => texts.get(
            lang,
            "shop-needs-points",
            Some(&args([("needed", text(&points(texts, lang, needed)))])),
        ),
        Unavailable::LimitReached { limit } => texts.get(
            lang,
            "shop-limit-reached",
            Some(&args([("limit", limit.into())])),
        ),
        Unavailable::Tenure { days, required } => texts.get(
            lang,
            "shop-tenure",
            Some(&args([
                ("days", days.into()),
                ("required", required.into()),
            ])),
        ),
        Unavailable::SoldOut => texts.plain(lang, "shop-sold-out"),
    }
}

fn member_days(context: &Context<'_>) -> i64 {
    (context.now - context.member.created_at).num_days()
}

/// `/redeem <sku> [options]`: claims an item; the moderators get it with
/// buttons. An unknown item gets "did you mean"; an item with options
/// needs one value of each (else the choices, as buttons where they fit);
/// an item sent by post makes the bot ask for the address privately.
pub(super) async fn redeem(
    context: &Context<'_>,
    sku: &str,
    typed_options: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let catalog = context.club.catalog();
    let today = super::points::local_day(context.now, &context.club.config().points);
    let offered: Vec<&Item> = catalog
        .items()
        .iter()
        .filter(|item| item.offered_on(today))
        .collect();
    let Some(item) = offered.iter().find(|item| item.sku == sku).copied() else {
        let suggestions = catalog.suggest(sku, &offered);
        return Ok(vec![unknown_item(context, sku, &suggestions)]);
    };
    let options = match item.read_options(typed_options.unwrap_or_default()) {
        OptionsRead::Complete(chosen) => chosen,
        OptionsRead::Unknown { .. } if item.options.is_empty() => {
            let said = context.club.texts().get(
                context.lang,
                "redeem-no-options",
                Some(&args([
                    ("item", text(&item.text(context.lang).name)),
                    ("sku", text(&item.sku)),
                ])),
            );
            return Ok(vec![Reply::error_in(
                context.place,
                said,
                Some(context.message),
            )]);
        }
        OptionsRead::Unknown { word } => {
            let all: Vec<String> = item.options.keys().cloned().collect();
            let problem = context.club.texts().get(
                context.lang,
                "redeem-unknown-option",
                Some(&args([
                    ("option", text(&crate::club::commands::shorten(&word, 33))),
                    ("item", text(&item.text(context.lang).name)),
                ])),
            );
            return Ok(vec![choices(
                context,
                item,
                Some(problem),
                &Chosen::new(),
                &all,
            )]);
        }
        OptionsRead::Twice { option } => {
            let all: Vec<String> = item.options.keys().cloned().collect();
            let problem = context.club.texts().get(
                context.lang,
                "redeem-option-twice",
                Some(&args([(
                    "option",
                    text(item.option_label(context.lang, &option)),
                )])),
            );
            return Ok(vec![choices(
                context,
                item,
                Some(problem),
                &Chosen::new(),
                &all,
            )]);
        }
        OptionsRead::Missing { chosen, missing } => {
            return Ok(vec![choices(context, item, None, &chosen, &missing)]);
        }
    };
    let member_days = member_days(context);
    if let Some(required) = item
        .min_membership_days
        .filter(|required| member_days < *required)
    {
        return Err(Mistake::NotAvailable(why_unavailable(
            context.club,
            context.lang,
            Unavailable::Tenure {
                days: member_days,
                required,
            },
        ))
        .into());
    }
    let shop = &context.club.config().shop;
    let approvals_needed = match (item.requires_approval, shop.two_approvals_from) {
        (false, _) => 0,
        (true, threshold) if threshold > 0 && item.cost >= threshold => 2,
        (true, _) => 1,
    };
    let new_claim = NewClaim {
        member: context.member.id,
        sku: &item.sku,
        cost: item.cost,
        stock: item.stock,
        per_member_limit: item.per_member_limit,
        approvals_needed,
        expires_at: context.now + Duration::days(shop.claim_expiry_days),
        event_key: Some(&context.event_key),
        options: &options,
        shipping: item.shipping,
    };
    let claim = match context
        .club
        .store()
        .make_claim(&new_claim, context.now)
        .await?
    {
        ClaimAttempt::Made(claim) => claim,
        ClaimAttempt::Replayed(_) => return Ok(Vec::new()),
        ClaimAttempt::NotEnoughPoints { balance } => {
            let why = Unavailable::NotEnoughPoints {
                needed: item.cost - balance,
            };
            return Err(
                Mistake::NotAvailable(why_unavailable(context.club, context.lang, why)).into(),
            );
        }
        ClaimAttempt::SoldOut => {
            return Err(Mistake::NotAvailable(why_unavailable(
                context.club,
                context.lang,
                Unavailable::SoldOut,
            ))
            .into());
        }
        ClaimAttempt::LimitReached { limit } => {
            let why = Unavailable::LimitReached { limit };
            return Err(
                Mistake::NotAvailable(why_unavailable(context.club, context.lang, why)).into(),
            );
        }
    };
    tracing::info!(claim = claim.id, sku = %claim.sku, "claim made");
    let texts = context.club.texts();
    let lang = context.lang;
    let confirmation = if claim.state == ClaimState::Approved {
        "redeem-approved-at-once"
    } else {
        "redeem-pending"
    };
    let mut said = texts.get(
        lang,
        confirmation,
        Some(&claim_args(context.club, lang, &claim, item)),
    );
    if claim.shipping {
        said.push(' ');
        said.push_str(&texts.plain(lang, "redeem-address-follows"));
    }
    let mut replies = vec![Reply::in_place(context.place, said, Some(context.message))];
    replies.push(for_moderators(context.club, &claim, item));
    if claim.shipping {
        replies.push(Reply::to_member(
            context.member.id,
            texts.get(
                lang,
                "address-ask",
                Some(&claim_args(context.club, lang, &claim, item)),
            ),
        ));
    }
    Ok(replies)
}

/// "No item `t-shirt`; did you mean tshirt-2026?" (nothing is written).
fn unknown_item(context: &Context<'_>, typed: &str, suggestions: &[&Item]) -> Reply {
    let texts = context.club.texts();
    let lang = context.lang;
    let typed = crate::club::commands::shorten(typed, crate::club::commands::ECHO_CHARS);
    let said = if suggestions.is_empty() {
        texts.get(
            lang,
            "redeem-unknown-item",
            Some(&args([("sku", text(&typed))])),
        )
    } else {
        let listed: Vec<String> = suggestions
            .iter()
            .map(|item| format!("{} ({})", item.sku, item.text(lang).name))
            .collect();
        texts.get(
            lang,
            "redeem-did-you-mean",
            Some(&args([
                ("sku", text(&typed)),
                ("suggestions", text(&listed.join(", "))),
                ("first", text(&suggestions[0].sku)),
            ])),
        )
    };
    Reply::error_in(context.place, said, Some(context.message))
}

/// What a choice button does: `shop:<member>:<sku>:<value,value>` claims
/// `sku` with those option values for that member (and nobody else).
#[derive(Debug, Clone, PartialEq, Eq)]
struct Choice {
    member: i64,
    sku: String,
    values: Vec<String>,
}

impl Choice {
    fn code(&self) -> String {
        format!(
            "shop:{}:{}:{}",
            self.member,
            self.sku,
            self.values.join(",")
        )
    }

    fn parse(code: &str) -> Option<Choice> {
        let mut parts = code.strip_prefix("shop:")?.splitn(3, ':');
        let member = parts.next()?.parse().ok()?;
        let sku = parts.next()?.to_owned();
        let values = parts
            .next()?
            .split(',')
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
            .collect();
        Some(Choice {
            member,
            sku,
            values,
        })
    }
}

/// Telegram's limit for a button's callback data.
const BUTTON_CODE_BYTES: usize = 64;

/// The item's choices for the options still `missing`: a list, and buttons
/// when one option is left and every button's code fits.
fn choices(
    context: &Context<'_>,
    item: &Item,
    problem: Option<String>,
    chosen: &Chosen,
    missing: &[String],
) -> Reply {
    let texts = context.club.texts();
    let lang = context.lang;
    let mut lines: Vec<String> = problem.into_iter().collect();
    let example: Vec<&str> = item
        .options
        .values()
        .filter_map(|values| values.first().map(String::as_str))
        .collect();
    lines.push(texts.get(
        lang,
        "redeem-choose",
        Some(&args([
            ("item", text(&item.text(lang).name)),
            (
                "example",
                text(&format!("/redeem {} {}", item.sku, example.join(" "))),
            ),
        ])),
    ));
    for option in missing {
        let values = item.options.get(option).cloned().unwrap_or_default();
        let label = item.option_label(lang, option);
        lines.push(format!("• {label}: {}", values.join(" · ")));
    }
    let mut reply = Reply::in_place(context.place, lines.join("\n"), Some(context.message));
    if let [option] = missing {
        let values = item.options.get(option).cloned().unwrap_or_default();
        let buttons: Vec<Button> = values
            .iter()
            .map(|value| {
                let mut picked: Vec<String> = chosen.values().cloned().collect();
                picked.push(value.clone());
                Button {
                    label: value.clone(),
                    action: Choice {
                        member: context.member.id.0,
                        sku: item.sku.clone(),
                        values: picked,
                    }
                    .code(),
                }
            })
            .collect();
        let fits = buttons.iter().all(|button| {
            button.action.len() <= BUTTON_CODE_BYTES
                && Choice::parse(&button.action)
                    .is_some_and(|choice| choice.values.len() == chosen.len() + 1)
        });
        if fits {
            reply.buttons = buttons;
        }
    }
    reply
}

/// A choice button pressed: the member who asked claims the item with the
/// value pressed. One claim per choice message, however often it is pressed.
pub(super) async fn press_choice(
    context: &Context<'_>,
    code: &str,
) -> Result<Vec<Reply>, ClubError> {
    let Some(choice) = Choice::parse(code) else {
        tracing::warn!(code, "unknown shop action");
        return Ok(Vec::new());
    };
    if choice.member != context.member.id.0 {
        let said = context
            .club
            .texts()
            .plain(context.lang, "redeem-choice-not-yours");
        return Ok(vec![Reply::error_in(
            context.place,
            said,
            Some(context.message),
        )]);
    }
    let keyed = Context {
        event_key: format!("shop:choice:{}:{}", context.message.0, choice.member),
        ..*context
    };
    let typed = choice.values.join(" ");
    redeem(&keyed, &choice.sku, Some(&typed)).await
}

/// The options inside parentheses that name the item: `, size: L`.
fn options_inline(club: &Club, lang: Lang, sku: &str, options: &Chosen) -> String {
    options_listed(club, lang, sku, options)
        .iter()
        .map(|option| format!(", {option}"))
        .collect()
}

/// The options as moderators and members read them: ` (Größe: L)`, or
/// nothing for an item without options.
fn options_text(club: &Club, lang: Lang, sku: &str, options: &Chosen) -> String {
    if options.is_empty() {
        return String::new();
    }
    format!(" ({})", options_listed(club, lang, sku, options).join(", "))
}

/// `Größe: L` for each chosen option, called as the catalog calls it in
/// `lang` (by its name once the item left the catalog).
fn options_listed(club: &Club, lang: Lang, sku: &str, options: &Chosen) -> Vec<String> {
    let catalog = club.catalog();
    let item = catalog.get(sku);
    options
        .iter()
        .map(|(option, value)| {
            let label = item.map_or(option.as_str(), |item| item.option_label(lang, option));
            format!("{label}: {value}")
        })
        .collect()
}

/// The key of a claim's notice for the moderators; its later edits find the
/// message it became by this key.
fn moderators_notice(claim: i64) -> String {
    format!("claim:{claim}:moderators")
}

/// The claim as the moderators' place shows it: waiting for a decision,
/// with Approve and Reject, or (needing none) to ship.
fn for_moderators(club: &Club, claim: &Claim, item: &Item) -> Reply {
    let texts = club.texts();
    let render = |lang: Lang| {
        if claim.state != ClaimState::Pending {
            return texts.get(
                lang,
                "claim-to-ship",
                Some(&claim_args(club, lang, claim, item)),
            );
        }
        let mut text = texts.get(
            lang,
            "claim-for-moderators",
            Some(&claim_args(club, lang, claim, item)),
        );
        if claim.shipping {
            text.push('\n');
            text.push_str(&texts.plain(lang, "claim-address-waiting"));
        }
        if claim.approvals_needed > 1 {
            text.push('\n');
            text.push_str(&texts.get(
                lang,
                "claim-needs-approvals",
                Some(&args([("needed", claim.approvals_needed.into())])),
            ));
        }
        text
    };
    let lang = club.config().moderators_language;
    let buttons = if claim.state == ClaimState::Pending {
        vec![
            Button {
                label: texts.plain(lang, "button-approve"),
                action: ClaimAction::Approve(claim.id).code(),
            },
            Button {
                label: texts.plain(lang, "button-reject"),
                action: ClaimAction::Reject(claim.id).code(),
            },
        ]
    } else {
        Vec::new()
    };
    Reply {
        buttons,
        dedupe: Some(moderators_notice(claim.id)),
        ..Reply::to_moderators(lang, render)
    }
}

fn claim_args<'a>(club: &Club, lang: Lang, claim: &Claim, item: &Item) -> Args<'a> {
    args([
        ("claim", claim.id.into()),
        ("name", text(&claim.member_name)),
        ("item", text(&item.text(lang).name)),
        (
            "options",
            text(&options_text(club, lang, &claim.sku, &claim.options)),
        ),
        (
            "options_inline",
            text(&options_inline(club, lang, &claim.sku, &claim.options)),
        ),
        ("sku", text(&claim.sku)),
        ("cost", text(&points(club.texts(), lang, claim.cost))),
        ("expires", text(&club.format_time(lang, claim.expires_at))),
    ])
}

/// The moderators' daily reminder of claims waiting longer than
/// `shop.remind_after_hours`, once per day of the club's calendar (the
/// outbox's dedupe key keeps it to one).
pub(super) async fn reminder(club: &Club) -> Result<Option<Reply>, StoreError> {
    let hours = club.config().shop.remind_after_hours;
    let now = club.now();
    let waited = now - Duration::hours(i64::from(hours));
    let claims: Vec<Claim> = club
        .store()
        .pending_claims(LIST_LIMIT)
        .await?
        .into_iter()
        .filter(|claim| claim.created_at <= waited)
        .collect();
    if claims.is_empty() {
        return Ok(None);
    }
    let render = |lang: Lang| {
        let mut lines = vec![club.texts().get(
            lang,
            "claims-reminder",
            Some(&args([("hours", hours.into())])),
        )];
        lines.extend(claims.iter().map(|claim| claim_line(club, lang, claim)));
        lines.join("\n")
    };
    let day = super::points::local_day(now, &club.config().points);
    Ok(Some(Reply {
        dedupe: Some(format!("claims-reminder:{day}")),
        ..Reply::to_moderators(club.config().moderators_language, render)
    }))
}

/// `/claims`: the member's claims with state and dates.
pub(super) async fn claims(context: &Context<'_>) -> Result<String, ClubError> {
    let claims = context
        .club
        .store()
        .claims_of(context.member.id, LIST_LIMIT)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    if claims.is_empty() {
        return Ok(texts.plain(lang, "claims-empty"));
    }
    let mut lines = vec![texts.plain(lang, "claims-header")];
    lines.extend(
        claims
            .iter()
            .map(|claim| claim_line(context.club, lang, claim)),
    );
    Ok(lines.join("\n"))
}

/// `#12 T-Shirt 2026 · 300 Punkte · wartet auf Freigabe (bis 06.12.2026)`.
fn claim_line(club: &Club, lang: Lang, claim: &Claim) -> String {
    let texts = club.texts();
    let item = club.item_name(&claim.sku, lang);
    let item = format!(
        "{item}{}",
        options_text(club, lang, &claim.sku, &claim.options)
    );
    let when = |at: Option<chrono::DateTime<chrono::Utc>>| {
        at.map(|at| club.format_time(lang, at)).unwrap_or_default()
    };
    let state_id = match (claim.state, &claim.decided_by) {
        // Items without approval are confirmed by the shop itself.
        (ClaimState::Approved, None) => "claim-state-confirmed".to_owned(),
        (state, _) => format!("claim-state-{}", state.as_str()),
    };
    let mut state = texts.get(
        lang,
        &state_id,
        Some(&args([
            ("created", text(&club.format_time(lang, claim.created_at))),
            ("expires", text(&club.format_time(lang, claim.expires_at))),
            ("decided", text(&when(claim.decided_at))),
            ("shipped", text(&when(claim.fulfilled_at))),
            ("by", text(claim.decided_by.as_deref().unwrap_or("-"))),
            ("note", text(claim.note.as_deref().unwrap_or("-"))),
            ("tracking", text(claim.tracking.as_deref().unwrap_or("-"))),
            ("approvals", claim.approvals.into()),
            ("needed", claim.approvals_needed.into()),
        ])),
    );
    if let Some(address) = address_state(claim) {
        state.push_str(" · ");
        state.push_str(&texts.plain(lang, address));
    }
    texts.get(
        lang,
        "claim-line",
        Some(&args([
            ("claim", claim.id.into()),
            ("member", text(&claim.member_name)),
            ("item", text(&item)),
            ("cost", text(&points(texts, lang, claim.cost))),
            ("state", text(&state)),
        ])),
    )
}

/// `/cancel <claim>`: the member takes back a pending claim.
pub(super) async fn cancel(context: &Context<'_>, id: i64) -> Result<Vec<Reply>, ClubError> {
    let outcome = context
        .club
        .store()
        .cancel_claim(id, context.member.id, context.now)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let claim = match outcome {
        Cancelled::Cancelled(claim) => claim,
        Cancelled::NotPending(claim) => return Err(not_open(context.club, lang, &claim).into()),
        Cancelled::NotFound => return Err(Mistake::NoSuchClaim { claim: id }.into()),
    };
    let mut replies = vec![Reply::in_place(
        context.place,
        texts.get(
            lang,
            "claim-cancelled",
            Some(&args([
                ("claim", id.into()),
                ("cost", text(&points(texts, lang, claim.cost))),
            ])),
        ),
        Some(context.message),
    )];
    replies.extend(settle_moderators_message(context.club, &claim).await?);
    Ok(replies)
}

fn not_open(club: &Club, lang: Lang, claim: &Claim) -> Mistake {
    let state = club
        .texts()
        .plain(lang, &format!("claim-word-{}", claim.state.as_str()));
    Mistake::ClaimNotOpen {
        claim: claim.id,
        state,
        by: claim.decided_by.clone(),
    }
}

/// `/pending`: the claims waiting for a decision, then the approved ones
/// waiting to be sent by post. Postal addresses only in a private chat: an
/// address is never said where others read.
pub(super) async fn pending(context: &Context<'_>) -> Result<String, ClubError> {
    let store = context.club.store();
    let claims = store.pending_claims(LIST_LIMIT).await?;
    let to_ship = store.claims_to_ship(LIST_LIMIT).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    if claims.is_empty() && to_ship.is_empty() {
        return Ok(texts.plain(lang, "pending-empty"));
    }
    let addresses = context.place.private;
    let mut lines = Vec::new();
    for (header, claims) in [("pending-header", &claims), ("pending-to-ship", &to_ship)] {
        if claims.is_empty() {
            continue;
        }
        lines.push(texts.plain(lang, header));
        for claim in claims {
            lines.push(claim_line(context.club, lang, claim));
            if let Some(address) = claim.address.as_deref().filter(|_| addresses) {
                lines.push(format!("    📦 {address}"));
            }
        }
    }
    Ok(lines.join("\n"))
}

/// A claim button pressed: only moderators decide.
pub(super) async fn press(context: &Context<'_>, code: &str) -> Result<Vec<Reply>, ClubError> {
    let Some(action) = ClaimAction::parse(code) else {
        tracing::warn!(code, "unknown claim action");
        return Ok(Vec::new());
    };
    if !context.actor.is_moderator {
        return Err(Mistake::NotAllowed { command: "approve" }.into());
    }
    let decision = match action {
        ClaimAction::Approve(_) => Decision::Approve { note: None },
        ClaimAction::Reject(id) => {
            let member_lang = claim_member_language(context.club, id).await?;
            Decision::Reject {
                reason: context.club.texts().plain(member_lang, "claim-no-reason"),
            }
        }
    };
    let id = match action {
        ClaimAction::Approve(id) | ClaimAction::Reject(id) => id,
    };
    decide(context, id, decision).await
}

async fn claim_member_language(club: &Club, id: i64) -> Result<Lang, StoreError> {
    let Some(claim) = club.store().claim(id).await? else {
        return Ok(club.config().default_language);
    };
    Ok(club
        .store()
        .member(claim.member)
        .await?
        .map_or(club.config().default_language, |member| member.language))
}

/// `/approve`, `/reject` and the buttons: exactly one decision wins.
pub(super) async fn decide(
    context: &Context<'_>,
    id: i64,
    decision: Decision,
) -> Result<Vec<Reply>, ClubError> {
    let outcome = context
        .club
        .store()
        .decide_claim(id, context.member.id, &decision, context.now)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let say = |message: &str, claim: &Claim| {
        Reply::in_place(
            context.place,
            texts.get(
                lang,
                message,
                Some(&args([
                    ("claim", claim.id.into()),
                    ("approvals", claim.approvals.into()),
                    ("needed", claim.approvals_needed.into()),
                ])),
            ),
            Some(context.message),
        )
    };
    let mut replies = Vec::new();
    match outcome {
        Decided::Approved(claim) => {
            replies.push(say("claim-approved", &claim));
            replies.push(tell_member(context.club, &claim, "member-claim-approved").await?);
            replies.extend(settle_moderators_message(context.club, &claim).await?);
        }
        Decided::Rejected(claim) => {
            replies.push(say("claim-rejected", &claim));
            replies.push(tell_member(context.club, &claim, "member-claim-rejected").await?);
            replies.extend(settle_moderators_message(context.club, &claim).await?);
        }
        Decided::ApprovalRecorded(claim) => replies.push(say("claim-approval-recorded", &claim)),
        Decided::AlreadyApprovedByYou(claim) => {
            replies.push(say("claim-already-approved-by-you", &claim))
        }
        Decided::AlreadyDecided(claim) => return Err(not_open(context.club, lang, &claim).into()),
        Decided::OwnClaim => return Err(Mistake::OwnClaim.into()),
        Decided::NotFound => return Err(Mistake::NoSuchClaim { claim: id }.into()),
    }
    Ok(replies)
}

/// `/fulfil <claim> [tracking]`: an approved claim is on its way.
pub(super) async fn fulfil(
    context: &Context<'_>,
    id: i64,
    tracking: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let outcome = context
        .club
        .store()
        .fulfil_claim(id, context.member.id, tracking, context.now)
        .await?;
    let claim = match outcome {
        Fulfilled::Fulfilled(claim) => claim,
        Fulfilled::NotApproved(claim) => {
            return Err(not_open(context.club, context.lang, &claim).into());
        }
        Fulfilled::NoAddress(claim) => {
            let said = context.club.texts().get(
                context.lang,
                "claim-fulfil-needs-address",
                Some(&args([("claim", claim.id.into())])),
            );
            return Ok(vec![Reply::error_in(
                context.place,
                said,
                Some(context.message),
            )]);
        }
        Fulfilled::NotFound => return Err(Mistake::NoSuchClaim { claim: id }.into()),
    };
    let texts = context.club.texts();
    Ok(vec![
        Reply::in_place(
            context.place,
            texts.get(
                context.lang,
                "claim-fulfilled",
                Some(&args([("claim", id.into())])),
            ),
            Some(context.message),
        ),
        tell_member(context.club, &claim, "member-claim-fulfilled").await?,
    ])
}

/// The FAQ's answers quote the shop (`{shop.SKU.cost}`): render them
/// with the catalog just loaded. A FAQ file broken meanwhile keeps the old
/// answers; the catalog reload still stands.
async fn revalue_faq(context: &Context<'_>) -> Result<(), ClubError> {
    let club = context.club;
    match club
        .faq()
        .revalue(club.setting_values(), club.store())
        .await
    {
        Ok(_) => Ok(()),
        Err(super::answers::FaqDeskError::Store(error)) => Err(error.into()),
        Err(error) => {
            tracing::warn!(error = %super::error_chain(&error), "the FAQ keeps its old prices: it could not be read again");
            Ok(())
        }
    }
}

/// `/shop_reload`: reads the catalog again; a broken file keeps the old one.
pub(super) async fn reload(context: &Context<'_>) -> Result<String, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    Ok(match context.club.reload_catalog() {
        Ok(items) => {
            context
                .audit("shop_reload", format!("{items} items"))
                .await?;
            revalue_faq(context).await?;
            texts.get(
                lang,
                "shop-reloaded",
                Some(&args([("items", items.into())])),
            )
        }
        Err(error) => {
            tracing::warn!(error = %super::error_chain(&error), "catalog reload failed; keeping the old catalog");
            texts.get(
                lang,
                "shop-reload-failed",
                Some(&args([("error", text(&error.to_string()))])),
            )
        }
    })
}

/// Expires pending claims whose time is up, refunding them, and says so to
/// their members and in the moderators' place.
pub(super) async fn expire(club: &Club) -> Result<Vec<Reply>, StoreError> {
    let now = club.now();
    let keep = Duration::days(club.config().shop.erase_address_days);
    let erased = club.store().erase_addresses(now - keep, now).await?;
    if !erased.is_empty() {
        tracing::info!(claims = ?erased, "postal addresses erased");
    }
    let mut replies = Vec::new();
    for claim in club.store().expire_claims(club.now()).await? {
        tracing::info!(claim = claim.id, "claim expired");
        replies.push(tell_member(club, &claim, "member-claim-expired").await?);
        replies.extend(settle_moderators_message(club, &claim).await?);
    }
    Ok(replies)
}

/// A private message to the claim's member, in their language.
async fn tell_member(club: &Club, claim: &Claim, message: &str) -> Result<Reply, StoreError> {
    let member: Option<Member> = club.store().member(claim.member).await?;
    let lang = member.map_or(club.config().default_language, |member| member.language);
    let item = club.item_name(&claim.sku, lang);
    let item = format!(
        "{item}{}",
        options_inline(club, lang, &claim.sku, &claim.options)
    );
    let text = club.texts().get(
        lang,
        message,
        Some(&args([
            ("claim", claim.id.into()),
            ("item", text(&item)),
            ("cost", text(&points(club.texts(), lang, claim.cost))),
            ("note", text(claim.note.as_deref().unwrap_or("-"))),
            ("tracking", text(claim.tracking.as_deref().unwrap_or("-"))),
            ("days", club.config().shop.claim_expiry_days.into()),
        ])),
    );
    Ok(Reply::to_member(claim.member, text))
}

/// Edits the claim's message in the moderators' place of every platform:
/// no more buttons, and who decided what. The message is found by the
/// notice it came from, whatever the platform's id for it is.
pub(super) async fn settle_moderators_message(
    club: &Club,
    claim: &Claim,
) -> Result<Option<Reply>, StoreError> {
    Ok(Some(Reply {
        replaces_notice: Some(moderators_notice(claim.id)),
        ..Reply::to_moderators(club.config().moderators_language, |lang| {
            claim_line(club, lang, claim)
        })
    }))
}

/// Where a shipping claim's address stands, as a message id; `None` for
/// items not sent by post.
fn address_state(claim: &Claim) -> Option<&'static str> {
    if !claim.shipping {
        return None;
    }
    Some(match (&claim.address, claim.address_erased) {
        (Some(_), _) => "claim-address-given",
        (None, true) => "claim-address-erased",
        (None, false) if claim.awaits_address() => "claim-address-missing",
        (None, false) => return None,
    })
}

/// Why an address cannot be taken, as a message id, or `None` when it fits.
fn address_problem(address: &str) -> Option<&'static str> {
    let length = address.chars().count();
    if length < ADDRESS_MIN_CHARS {
        return Some("address-too-short");
    }
    if length > ADDRESS_MAX_CHARS || address.lines().count() > ADDRESS_MAX_LINES {
        return Some("address-too-long");
    }
    None
}

fn address_args<'a>(claims: &[Claim], address: &str) -> Args<'a> {
    let numbers: Vec<String> = claims
        .iter()
        .map(|claim| format!("#{}", claim.id))
        .collect();
    args([
        ("claims", text(&numbers.join(", "))),
        ("count", (claims.len() as i64).into()),
        ("address", text(address)),
        ("min", (ADDRESS_MIN_CHARS as i64).into()),
        ("max", (ADDRESS_MAX_CHARS as i64).into()),
        ("lines", (ADDRESS_MAX_LINES as i64).into()),
    ])
}

/// `/address [address…]`: sets the address of every open shipping claim of
/// the member (only privately), or without text shows it. Answered
/// privately.
pub(super) async fn address(
    context: &Context<'_>,
    typed: Option<&str>,
) -> Result<Vec<Reply>, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let member = context.member.id;
    let store = context.club.store();
    let Some(typed) = typed.map(str::trim).filter(|typed| !typed.is_empty()) else {
        let open = store.open_shipping_claims(member).await?;
        if open.is_empty() {
            return Ok(vec![Reply::to_member(
                member,
                texts.plain(lang, "address-no-claim"),
            )]);
        }
        let lines: Vec<String> = open
            .iter()
            .map(|claim| {
                let (id, address) = match &claim.address {
                    Some(address) => ("address-shown", address.as_str()),
                    None => ("address-shown-missing", ""),
                };
                texts.get(
                    lang,
                    id,
                    Some(&args([
                        ("claim", claim.id.into()),
                        ("address", text(address)),
                    ])),
                )
            })
            .collect();
        return Ok(vec![Reply::to_member(member, lines.join("\n"))]);
    };
    if !context.place.private {
        // Said in a group it is public already; storing it would teach
        // members to post addresses there.
        return Ok(vec![Reply::to_member(
            member,
            texts.plain(lang, "address-not-private"),
        )]);
    }
    save_address(context, typed, false, "/address […]").await
}

/// A plain private message while a shipping claim waits for its address:
/// the member's answer to the bot's question. `None` when no claim waits
/// (or the message asks something: a question goes to the FAQ).
pub(super) async fn address_answer(
    context: &Context<'_>,
    said: &str,
) -> Result<Option<Vec<Reply>>, ClubError> {
    if !context.place.private || said.trim_end().ends_with('?') {
        return Ok(None);
    }
    let open = context
        .club
        .store()
        .open_shipping_claims(context.member.id)
        .await?;
    if !open.iter().any(Claim::awaits_address) {
        return Ok(None);
    }
    save_address(context, said.trim(), true, ADDRESS_HIDDEN)
        .await
        .map(Some)
}

/// Checks and stores an address; tells the member privately and the
/// moderators in their place.
async fn save_address(
    context: &Context<'_>,
    address: &str,
    only_missing: bool,
    hidden: &str,
) -> Result<Vec<Reply>, ClubError> {
    let texts = context.club.texts();
    let lang = context.lang;
    let member = context.member.id;
    if let Some(problem) = address_problem(address) {
        let said = texts.get(lang, problem, Some(&address_args(&[], address)));
        return Ok(vec![Reply {
            kind: super::reply::Kind::Error,
            ..Reply::to_member(member, said)
        }]);
    }
    let claims = context
        .club
        .store()
        .set_address(
            &NewAddress {
                member,
                address,
                message: Some((context.message, hidden)),
                only_missing,
            },
            context.now,
        )
        .await?;
    if claims.is_empty() {
        return Ok(vec![Reply::to_member(
            member,
            texts.plain(lang, "address-no-claim"),
        )]);
    }
    tracing::info!(claims = claims.len(), "postal address stored");
    let mut replies = vec![Reply::to_member(
        member,
        texts.get(lang, "address-saved", Some(&address_args(&claims, address))),
    )];
    let club = context.club;
    // The moderators' place may be read by others (on the console it is
    // the channel): it hears that the address is in, not the address.
    let render = |lang: Lang| {
        let mut lines = vec![texts.get(
            lang,
            "address-for-moderators",
            Some(&address_args(&claims, "")),
        )];
        lines.extend(claims.iter().map(|claim| claim_line(club, lang, claim)));
        lines.join("\n")
    };
    replies.push(Reply {
        dedupe: Some(format!("address:{}", context.event_key)),
        ..Reply::to_moderators(club.config().moderators_language, render)
    });
    Ok(replies)
}

/// A shop ledger entry as the member reads it in `/history`: the claim, its
/// item and options, and where the claim stands now (`None` for entries that
/// are not a claim's, or a claim no longer known).
pub(super) async fn ledger_reason(
    club: &Club,
    lang: Lang,
    kind: &str,
    reason: &str,
) -> Result<Option<String>, StoreError> {
    if kind != "hold" && kind != "refund" {
        return Ok(None);
    }
    let Some(id) = reason
        .strip_prefix("claim ")
        .and_then(|rest| rest.split(|c: char| !c.is_ascii_digit()).next())
        .and_then(|digits| digits.parse::<i64>().ok())
    else {
        return Ok(None);
    };
    let Some(claim) = club.store().claim(id).await? else {
        return Ok(None);
    };
    let item = club.item_name(&claim.sku, lang);
    let texts = club.texts();
    let state = texts.plain(lang, &format!("claim-word-{}", claim.state.as_str()));
    let id = if kind == "hold" {
        "ledger-claim-hold"
    } else {
        "ledger-claim-refund"
    };
    Ok(Some(texts.get(
        lang,
        id,
        Some(&args([
            ("claim", claim.id.into()),
            (
                "item",
                text(&format!(
                    "{item}{}",
                    options_text(club, lang, &claim.sku, &claim.options)
                )),
            ),
            ("state", text(&state)),
        ])),
    )))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn claim_buttons_round_trip_and_fit_telegram_callback_data() {
        for action in [ClaimAction::Approve(i64::MAX), ClaimAction::Reject(1)] {
            let code = action.code();
            assert!(code.len() <= 64);
            assert_eq!(ClaimAction::parse(&code), Some(action));
        }
        assert_eq!(ClaimAction::parse("claim:ship:3"), None);
        assert_eq!(ClaimAction::parse("faq:yes:x"), None);
    }

    #[test]
    fn choice_buttons_round_trip_and_name_the_member_who_asked() {
        let choice = Choice {
            member: 42,
            sku: "tshirt-2026".into(),
            values: vec!["blue".into(), "XL".into()],
        };
        let code = choice.code();
        assert!(code.len() <= BUTTON_CODE_BYTES);
        assert_eq!(Choice::parse(&code), Some(choice));
        assert_eq!(Choice::parse("claim:approve:1"), None);
        assert_eq!(Choice::parse("shop:x:mug:"), None);
    }

    #[test]
    fn an_address_must_be_neither_empty_nor_huge() {
        assert_eq!(address_problem(""), Some("address-too-short"));
        assert_eq!(address_problem("Köln"), Some("address-too-short"));
        assert_eq!(address_problem("Anna Berg, Hauptstr. 5, 50667 Köln"), None);
        assert_eq!(
            address_problem(&"x".repeat(ADDRESS_MAX_CHARS + 1)),
            Some("address-too-long")
        );
        assert_eq!(
            address_problem(&"Zeile\n".repeat(ADDRESS_MAX_LINES + 1)),
            Some("address-too-long")
        );
    }
}
