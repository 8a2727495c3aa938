//! The core's one error type.
//!
//! It separates the member's mistakes, which are shown to them translated and
//! verbatim (unknown member, not allowed, not enough points), from internal
//! failures, which are logged with their cause chain and shown only as a
//! short apology. Handlers return `Result<_, ClubError>` and use `?` on both.

use fluent_bundle::FluentValue;

use super::commands::ParseError;
use super::i18n::{Args, Texts, args};
use super::model::MessageId;
use crate::lang::Lang;
use crate::store::{NamedMember, StoreError};

/// Something the member did that the club cannot do for them.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Mistake {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error("only moderators may run /{command}")]
    NotAllowed { command: &'static str },
    #[error("no member called {name}")]
    UnknownMember { name: String },
    #[error("{name} could mean several members")]
    AmbiguousMember {
        name: String,
        candidates: Vec<NamedMember>,
    },
    #[error("the message replied to is not a member's")]
    NotAMembersMessage,
    #[error("message too long: {length} > {max}")]
    TooLong { length: usize, max: usize },
    #[error("message contains control characters")]
    OddCharacters,
    #[error("no message {0}")]
    UnknownMessage(MessageId),
    #[error("message {message} has no button {label}")]
    NoSuchButton { message: MessageId, label: String },
    #[error("a grant of zero points")]
    ZeroGrant,
    #[error("grant over the limit of {limit}")]
    GrantOverLimit { limit: i64 },
    #[error("a moderator granting to themselves")]
    SelfGrant,
    #[error("{name} has only {balance} points")]
    BelowZero { name: String, balance: i64 },
    #[error("reason longer than {max} characters")]
    ReasonTooLong { max: usize },
    #[error("no FAQ entry {entry}")]
    UnknownEntry { entry: String },
    #[error("/faq_link must reply to a question")]
    LinkNeedsReply,
    #[error("no learned phrasing #{number}")]
    NoSuchLearned { number: i64 },
    #[error("that button is not on that message")]
    ForeignButton,
    #[error("/{command} must reply to a message")]
    ReplyNeeded { command: &'static str },
    #[error("no grant category {name}")]
    UnknownCategory { name: String, known: String },
    #[error("no leaderboard period {period}")]
    UnknownPeriod { period: String },
    #[error("not a start date: {since}")]
    BadSince { since: String },
    #[error("no item {sku} in the shop")]
    UnknownItem { sku: String },
    /// Why an item cannot be claimed, already in the member's words.
    #[error("not available: {0}")]
    NotAvailable(String),
    #[error("no claim #{claim}")]
    NoSuchClaim { claim: i64 },
    #[error("claim #{claim} is {state}")]
    ClaimNotOpen {
        claim: i64,
        state: String,
        by: Option<String>,
    },
    #[error("a moderator deciding their own claim")]
    OwnClaim,
}

/// Why the core could not do what was asked.
#[derive(Debug, thiserror::Error)]
pub enum ClubError {
    #[error(transparent)]
    Mistake(#[from] Mistake),
    #[error("store failure")]
    Store(#[from] StoreError),
}

impl From<ParseError> for ClubError {
    fn from(error: ParseError) -> Self {
        ClubError::Mistake(Mistake::Parse(error))
    }
}

impl Mistake {
    /// The member-facing text in `lang`.
    pub fn render(&self, texts: &Texts, lang: Lang) -> String {
        let (id, mut args) = self.message();
        // Argument names are shown in the member's language, as /help shows them.
        if let Some(FluentValue::String(arg)) = args.get("arg") {
            let translated = texts.plain(lang, &format!("arg-{arg}"));
            args.set("arg", translated);
        }
        texts.get(lang, id, Some(&args))
    }

    fn message(&self) -> (&'static str, Args<'_>) {
        let text = |value: &str| FluentValue::from(value.to_owned());
        match self {
            Mistake::Parse(error) => parse_message(error),
            Mistake::NotAllowed { command } => {
                ("error-not-allowed", args([("command", text(command))]))
            }
            Mistake::UnknownMember { name } => {
                ("error-unknown-member", args([("name", text(name))]))
            }
            Mistake::AmbiguousMember { name, candidates } => {
                let listed: Vec<String> = candidates.iter().map(candidate).collect();
                let first = candidates.first().map_or(0, |member| member.id.0);
                (
                    "error-ambiguous-member",
                    args([
                        ("name", text(name)),
                        ("candidates", text(&listed.join(", "))),
                        ("first", text(&first.to_string())),
                    ]),
                )
            }
            Mistake::NotAMembersMessage => ("error-not-a-members-message", args([])),
            Mistake::TooLong { length, max } => (
                "error-too-long",
                args([("length", (*length).into()), ("max", (*max).into())]),
            ),
            Mistake::OddCharacters => ("error-odd-characters", args([])),
            Mistake::UnknownMessage(message) => (
                "error-unknown-message",
                args([("message", text(&message.to_string()))]),
            ),
            Mistake::NoSuchButton { message, label } => (
                "error-no-such-button",
                args([
                    ("message", text(&message.to_string())),
                    ("label", text(label)),
                ]),
            ),
            Mistake::ZeroGrant => ("grant-zero", args([])),
            Mistake::GrantOverLimit { limit } => {
                ("grant-over-limit", args([("limit", (*limit).into())]))
            }
            Mistake::SelfGrant => ("grant-self", args([])),
            Mistake::BelowZero { name, balance } => (
                "grant-below-zero",
                args([("name", text(name)), ("balance", (*balance).into())]),
            ),
            Mistake::UnknownEntry { entry } => {
                ("faq-unknown-entry", args([("entry", text(entry))]))
            }
            Mistake::LinkNeedsReply => ("faq-link-needs-reply", args([])),
            Mistake::NoSuchLearned { number } => {
                ("faq-no-such-learned", args([("number", (*number).into())]))
            }
            Mistake::ForeignButton => ("error-foreign-button", args([])),
            Mistake::ReplyNeeded { command } => {
                ("error-reply-needed", args([("command", text(command))]))
            }
            Mistake::UnknownCategory { name, known } => (
                "grant-unknown-category",
                args([("name", text(name)), ("known", text(known))]),
            ),
            Mistake::UnknownPeriod { period } => (
                "leaderboard-unknown-period",
                args([("period", text(period))]),
            ),
            Mistake::BadSince { since } => ("revoke-bad-since", args([("since", text(since))])),
            Mistake::UnknownItem { sku } => ("redeem-unknown-item", args([("sku", text(sku))])),
            Mistake::NotAvailable(why) => ("redeem-not-available", args([("why", text(why))])),
            Mistake::NoSuchClaim { claim } => {
                ("claim-not-found", args([("claim", (*claim).into())]))
            }
            Mistake::ClaimNotOpen { claim, state, by } => match by {
                Some(by) => (
                    "claim-already-decided",
                    args([
                        ("claim", (*claim).into()),
                        ("state", text(state)),
                        ("by", text(by)),
                    ]),
                ),
                None => (
                    "claim-not-open",
                    args([("claim", (*claim).into()), ("state", text(state))]),
                ),
            },
            Mistake::OwnClaim => ("claim-own", args([])),
            Mistake::ReasonTooLong { max } => {
                ("grant-reason-too-long", args([("max", (*max).into())]))
            }
        }
    }
}

/// `#3 @alice (Alice Smith)`: how a "which one?" answer lists a member.
fn candidate(member: &NamedMember) -> String {
    let mut line = format!("#{} @{}", member.id.0, member.username);
    if member.display_name != member.username {
        line.push_str(&format!(" ({})", member.display_name));
    }
    line
}

fn parse_message(error: &ParseError) -> (&'static str, Args<'_>) {
    let text = |value: &str| FluentValue::from(value.to_owned());
    match error {
        ParseError::UnknownCommand(command) => {
            ("error-unknown-command", args([("command", text(command))]))
        }
        ParseError::MissingArgument { arg, .. } => {
            ("error-missing-argument", args([("arg", text(arg))]))
        }
        ParseError::NotANumber { arg, value, .. } => (
            "error-not-a-number",
            args([("arg", text(arg)), ("value", text(value))]),
        ),
        ParseError::OutOfRange { arg, min, max, .. } => (
            "error-out-of-range",
            args([
                ("arg", text(arg)),
                ("min", (*min).into()),
                ("max", (*max).into()),
            ]),
        ),
        ParseError::BadMemberName { value, .. } => {
            ("error-bad-member-name", args([("value", text(value))]))
        }
        ParseError::WordTooLong { value, .. } => {
            ("error-word-too-long", args([("value", text(value))]))
        }
        ParseError::TooManyArguments { extra, .. } => {
            ("error-too-many-arguments", args([("extra", text(extra))]))
        }
    }
}
