//! What each command does. Handlers read and write through the store and
//! return the member-facing text; the caller wraps it in a reply.

use chrono::NaiveDate;

use super::Context;
use super::commands::{Access, ArgKind, COMMANDS, CommandSpec, MemberRef};
use super::error::{ClubError, Mistake};
use super::i18n::{Texts, args, text};
use super::model::{Member, MemberId, MessageId};
use crate::lang::Lang;
use crate::store::{HistoryEntry, MemberByName};

/// `/start`: a short welcome with three first steps (`/help` lists the
/// rest).
pub(super) fn welcome(context: &Context<'_>) -> String {
    context.club.texts().get(
        context.lang,
        "welcome",
        Some(&args([
            ("club", text(&context.club.config().name)),
            ("name", text(&context.member.display_name)),
        ])),
    )
}

/// `/help`: every command this member may run, with usage and summary;
/// `/help <command>` explains that one.
pub(super) fn help(context: &Context<'_>, command: Option<&str>) -> String {
    match command {
        Some(name) => help_one(context, name),
        None => help_all(context),
    }
}

/// One command: its usage, what it does, who may run it and whether the
/// answer is private. The command is named as in the table or by its
/// localized name, with or without the slash.
fn help_one(context: &Context<'_>, name: &str) -> String {
    let texts = context.club.texts();
    let lang = context.lang;
    let wanted = name.trim_start_matches('/').to_lowercase();
    let found = COMMANDS.iter().find(|spec| {
        spec.name == wanted
            || Lang::ALL.iter().any(|&lang| {
                let local = format!("cmdname-{}", spec.name);
                texts.has(lang, &local) && texts.plain(lang, &local) == wanted
            })
    });
    let Some(spec) = found else {
        return texts.get(
            lang,
            "help-unknown",
            Some(&args([("command", text(&wanted))])),
        );
    };
    let mut lines = vec![texts.get(
        lang,
        "help-one",
        Some(&args([
            ("usage", text(&usage(texts, lang, spec))),
            ("summary", text(&texts.plain(lang, &spec.summary_id()))),
        ])),
    )];
    if spec.access == Access::Moderator {
        lines.push(texts.plain(lang, "help-one-moderators"));
    }
    if spec.private {
        lines.push(texts.plain(lang, "help-one-private"));
    }
    lines.join("\n")
}

/// Every command this member may run, with usage and summary.
fn help_all(context: &Context<'_>) -> String {
    let texts = context.club.texts();
    let lang = context.lang;
    let mut lines = vec![texts.plain(lang, "help-header")];
    let allowed =
        |spec: &&CommandSpec| spec.access == Access::Everyone || context.actor.is_moderator;
    for spec in COMMANDS.iter().filter(allowed) {
        let summary = texts.plain(lang, &spec.summary_id());
        lines.push(format!("{} – {summary}", usage(texts, lang, spec)));
    }
    if context.actor.is_moderator {
        lines.push(texts.plain(lang, "help-moderator-note"));
    }
    lines.join("\n")
}

/// A command's usage, such as `/grant <mitglied> <punkte> <grund…>`.
pub(super) fn usage(texts: &Texts, lang: Lang, spec: &CommandSpec) -> String {
    let mut usage = format!("/{}", spec.name);
    for arg in spec.args {
        let name = texts.plain(lang, &format!("arg-{}", arg.name));
        let ellipsis = if arg.kind == ArgKind::Text { "…" } else { "" };
        let (open, close) = if arg.required { ('<', '>') } else { ('[', ']') };
        usage.push_str(&format!(" {open}{name}{ellipsis}{close}"));
    }
    usage
}

/// The "Usage: …" line shown under a malformed command.
pub(super) fn usage_line(texts: &Texts, lang: Lang, spec: &CommandSpec) -> String {
    texts.get(
        lang,
        "usage",
        Some(&args([("usage", text(&usage(texts, lang, spec)))])),
    )
}

/// `/balance [member]`: points, lifetime earned, rank and fan-since date,
/// and the points held for pending shop claims. Anyone's balance can be
/// asked for (`/profile` shows it publicly anyway); the core answers it
/// privately when asked in a group.
pub(super) async fn balance(
    context: &Context<'_>,
    member: Option<MemberRef>,
) -> Result<String, ClubError> {
    let target = match member {
        Some(name) => resolve_member(context, &name).await?,
        None => context.member.clone(),
    };
    let mut standing = context.club.store().standing(target.id).await?;
    // The answer goes to the asker privately (the command is private).
    if !super::privacy::rank_shown(context, target.id, true).await? {
        standing.rank = None;
    }
    let held = context.club.store().held(target.id).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let mut line = texts.get(
        lang,
        "balance-line",
        Some(&args([
            ("name", text(&target.display_name)),
            ("balance", text(&points(texts, lang, standing.balance))),
            (
                "lifetime",
                text(&points(texts, lang, standing.lifetime_earned)),
            ),
            // 0: not ranked (the texts leave the rank out).
            ("rank", standing.rank.unwrap_or(0).into()),
            ("members", standing.members.into()),
            ("since", text(&format_date(lang, target.fan_since))),
        ])),
    );
    if held > 0 {
        let held = text(&points(texts, lang, held));
        line.push_str(&texts.get(lang, "balance-held", Some(&args([("held", held)]))));
    }
    Ok(line)
}

/// `/history [n]`: the member's latest ledger entries.
pub(super) async fn history(
    context: &Context<'_>,
    count: Option<u32>,
) -> Result<String, ClubError> {
    let limits = &context.club.config().limits;
    let count = count
        .unwrap_or(limits.history_default)
        .min(limits.history_max);
    let entries = context
        .club
        .store()
        .history(context.member.id, count)
        .await?;
    let texts = context.club.texts();
    let lang = context.lang;
    if entries.is_empty() {
        return Ok(texts.plain(lang, "history-empty"));
    }
    let mut lines = vec![texts.get(
        lang,
        "history-header",
        Some(&args([("name", text(&context.member.display_name))])),
    )];
    for entry in entries {
        // A claim's entries say where the claim stands now.
        let reason =
            match super::shop::ledger_reason(context.club, lang, &entry.kind, &entry.reason).await?
            {
                Some(reason) => reason,
                None => history_reason(context, &entry),
            };
        lines.push(texts.get(
            lang,
            "history-line",
            Some(&args([
                (
                    "date",
                    text(&context.club.format_time(lang, entry.created_at)),
                ),
                ("amount", text(&format!("{:+}", entry.amount))),
                ("reason", text(&reason)),
                ("kind", text(&kind_name(texts, lang, &entry.kind))),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

/// The member a command names, for every command that takes one:
///
/// - `@name` / `name`: the member with that username on the command's
///   platform, ignoring case; when several members fit, the member is
///   asked which one ([`Mistake::AmbiguousMember`] lists them with their
///   numbers), never given the newest or the exact-case one;
/// - `#42`: the member with that number;
/// - a platform mention: the member behind the mentioned account;
/// - left out in a reply: the author of the message replied to.
///
/// A member that cannot be told is a mistake, so the command writes nothing.
pub(super) async fn resolve_member(
    context: &Context<'_>,
    named: &MemberRef,
) -> Result<Member, ClubError> {
    let store = context.club.store();
    let found = match named {
        MemberRef::Name(name) => {
            match store
                .member_by_username(context.place.platform, name)
                .await?
            {
                MemberByName::Found(member) => Some(member),
                MemberByName::Ambiguous(candidates) => {
                    return Err(Mistake::AmbiguousMember {
                        name: format!("@{name}"),
                        candidates,
                    }
                    .into());
                }
                MemberByName::Unknown => None,
            }
        }
        MemberRef::Number(number) => store.member(MemberId(*number)).await?,
        MemberRef::Mention { external_id, .. } => {
            store
                .identity_member(context.place.platform, external_id)
                .await?
        }
        MemberRef::Replied => {
            let replied = match context.reply_to {
                Some(message) => store.message(message).await?,
                None => None,
            };
            let Some(author) = replied.and_then(|message| message.author) else {
                return Err(Mistake::NotAMembersMessage.into());
            };
            store.member(author).await?
        }
    };
    found.ok_or_else(|| {
        Mistake::UnknownMember {
            name: named.typed().unwrap_or_default(),
        }
        .into()
    })
}

/// `/whois <member>`: a member's number, names and platform accounts, so
/// moderators can tell look-alike names apart and name a member by number.
pub(super) async fn whois(context: &Context<'_>, named: &MemberRef) -> Result<String, ClubError> {
    let member = resolve_member(context, named).await?;
    let identities = context.club.store().identities_of(member.id).await?;
    let texts = context.club.texts();
    let lang = context.lang;
    let mut lines = vec![texts.get(
        lang,
        "whois-header",
        Some(&args([
            ("number", text(&member.id.0.to_string())),
            ("name", text(&member.display_name)),
            ("since", text(&format_date(lang, member.fan_since))),
        ])),
    )];
    for identity in identities {
        let (id, username) = match &identity.username {
            Some(username) => ("whois-identity", username.as_str()),
            None => ("whois-identity-nameless", ""),
        };
        lines.push(texts.get(
            lang,
            id,
            Some(&args([
                ("platform", text(&identity.platform)),
                ("id", text(&identity.external_id)),
                ("username", text(username)),
            ])),
        ));
    }
    Ok(lines.join("\n"))
}

/// "1 Punkt", "5 points".
pub(super) fn points(texts: &Texts, lang: Lang, count: i64) -> String {
    texts.get(lang, "points", Some(&args([("count", count.into())])))
}

/// What a vote's history line says happened, in the reader's language:
/// built from what the posting belongs to, so a line written in one
/// language reads right in the other (a claim's lines come from
/// `shop::ledger_reason`). A moderator's grant keeps the moderator's words.
fn history_reason(context: &Context<'_>, entry: &HistoryEntry) -> String {
    let texts = context.club.texts();
    let lang = context.lang;
    let source = entry.source.as_deref().unwrap_or_default();
    let numbered = |prefix: &str| {
        source
            .strip_prefix(prefix)
            .map(|number| number.trim_start_matches('#'))
            .and_then(|number| number.parse::<i64>().ok())
    };
    let someone = || {
        entry
            .actor
            .clone()
            .unwrap_or_else(|| texts.plain(lang, "reason-someone"))
    };
    match entry.kind.as_str() {
        "upvote" | "solution" => match numbered("message ") {
            Some(message) => texts.get(
                lang,
                &format!("reason-{}", entry.kind),
                Some(&args([
                    ("name", text(&someone())),
                    ("message", text(&MessageId(message).to_string())),
                ])),
            ),
            None => entry.reason.clone(),
        },
        // Written as `vote <id> <why>`.
        "upvote_reversal" | "solution_reversal" => {
            let why = entry.reason.rsplit(' ').next().unwrap_or_default();
            texts.get(
                lang,
                "reason-vote-reversed",
                Some(&args([("why", text(why))])),
            )
        }
        _ => entry.reason.clone(),
    }
}

fn kind_name(texts: &Texts, lang: Lang, kind: &str) -> String {
    let id = format!("kind-{kind}");
    if texts.has(lang, &id) {
        texts.plain(lang, &id)
    } else {
        kind.to_owned()
    }
}

pub(super) fn format_date(lang: Lang, date: NaiveDate) -> String {
    match lang {
        Lang::De => date.format("%d.%m.%Y").to_string(),
        Lang::En => date.format("%-d %b %Y").to_string(),
    }
}
