//! The one command grammar.
//!
//! [`COMMANDS`] is the single source of truth: `/help`, the console, and the
//! platforms' command menus (Telegram's `setMyCommands`, Discord's slash
//! commands) are all derived from it. Parsing goes table-first (find the
//! spec, read its arguments by kind) and then into the typed [`Command`] that
//! handlers match on; [`Command::to_line`] goes back, and a round-trip test
//! keeps the two in step. Summaries and argument names are translated in the
//! Fluent files as `cmd-<name>` and `arg-<name>`.
//!
//! Members are named the same way in every command ([`MemberRef`]): `@name`
//! or `name`, `#<member number>`, a mention the platform marked in the text,
//! or, in a command sent as a reply, by leaving a required member out. The
//! grammar only reads which way was used; the core resolves it once
//! (`handlers::resolve_member`).

use std::fmt;

use unicode_normalization::UnicodeNormalization;

use super::model::Mention;

/// Who may run a command. The core checks this; adapters only display it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Everyone,
    Moderator,
}

/// How an argument is read from the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArgKind {
    /// A member, as `@name`, `name`, `#number` or a platform mention.
    Member,
    /// A whole number within bounds.
    Integer { min: i64, max: i64 },
    /// A whole number within bounds, or a category word instead.
    Amount { min: i64, max: i64 },
    /// One word, such as a FAQ entry id.
    Word,
    /// The rest of the line, as free text.
    Text,
}

/// One argument of a command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArgSpec {
    /// Also the Fluent id suffix of its translated name (`arg-<name>`).
    pub name: &'static str,
    pub kind: ArgKind,
    pub required: bool,
}

/// One command: its name, arguments and who may run it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandSpec {
    /// Lowercase ascii, digits and `_`, at most 32 characters: the rules both
    /// Telegram and Discord accept.
    pub name: &'static str,
    pub args: &'static [ArgSpec],
    pub access: Access,
    /// Answers personal information (points, history, claims): asked in a
    /// group, the answer goes to the member privately.
    pub private: bool,
}

impl CommandSpec {
    /// The Fluent id of the command's one-line summary.
    pub fn summary_id(&self) -> String {
        format!("cmd-{}", self.name)
    }
}

/// The most points one `/grant` may move. The configured limit
/// (`limits.max_grant_points`) may be lower.
pub const GRANT_POINTS_BOUND: i64 = 1_000_000;

/// The most entries `/history` can be asked for.
pub const HISTORY_BOUND: i64 = 1_000;

const MEMBER: ArgSpec = ArgSpec {
    name: "member",
    kind: ArgKind::Member,
    required: true,
};

const ENTRY: ArgSpec = ArgSpec {
    name: "entry",
    kind: ArgKind::Word,
    required: true,
};

const CLAIM: ArgSpec = ArgSpec {
    name: "claim",
    kind: ArgKind::Integer {
        min: 1,
        max: i64::MAX,
    },
    required: true,
};

/// Every command the club understands, in the order `/help` lists them:
/// members' commands first, then moderators'.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        name: "start",
        args: &[],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "help",
        args: &[ArgSpec {
            name: "command",
            kind: ArgKind::Word,
            required: false,
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "faq",
        args: &[ArgSpec {
            name: "question",
            kind: ArgKind::Text,
            required: true,
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "balance",
        args: &[ArgSpec {
            required: false,
            ..MEMBER
        }],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "history",
        args: &[ArgSpec {
            name: "count",
            kind: ArgKind::Integer {
                min: 1,
                max: HISTORY_BOUND,
            },
            required: false,
        }],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "leaderboard",
        args: &[ArgSpec {
            name: "period",
            kind: ArgKind::Word,
            required: false,
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "profile",
        args: &[ArgSpec {
            required: false,
            ..MEMBER
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "upvote",
        args: &[],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "solved",
        args: &[],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "shop",
        args: &[],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "redeem",
        args: &[
            ArgSpec {
                name: "item",
                kind: ArgKind::Word,
                required: true,
            },
            // The shop ships: the item's options (`/redeem tshirt-2026 L`).
            ArgSpec {
                name: "option",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "claims",
        args: &[],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "cancel",
        args: &[CLAIM],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "notify",
        args: &[ArgSpec {
            name: "switch",
            kind: ArgKind::Word,
            required: true,
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "link",
        args: &[ArgSpec {
            name: "code",
            kind: ArgKind::Word,
            required: false,
        }],
        access: Access::Everyone,
        // The code is a key to the account: it is only ever said privately.
        private: true,
    },
    CommandSpec {
        name: "unlink",
        args: &[ArgSpec {
            name: "platform",
            kind: ArgKind::Word,
            required: true,
        }],
        access: Access::Everyone,
        private: false,
    },
    CommandSpec {
        name: "grant",
        args: &[
            MEMBER,
            ArgSpec {
                name: "amount",
                kind: ArgKind::Amount {
                    min: -GRANT_POINTS_BOUND,
                    max: GRANT_POINTS_BOUND,
                },
                required: true,
            },
            ArgSpec {
                name: "reason",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "why",
        args: &[MEMBER],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "whois",
        args: &[MEMBER],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "suspicious",
        args: &[],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "revoke_votes",
        args: &[
            MEMBER,
            ArgSpec {
                name: "since",
                kind: ArgKind::Word,
                required: false,
            },
        ],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "pending",
        args: &[],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "approve",
        args: &[
            CLAIM,
            ArgSpec {
                name: "note",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "reject",
        args: &[
            CLAIM,
            ArgSpec {
                name: "reason",
                kind: ArgKind::Text,
                required: true,
            },
        ],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "fulfil",
        args: &[
            CLAIM,
            ArgSpec {
                name: "tracking",
                kind: ArgKind::Text,
                required: false,
            },
        ],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "shop_reload",
        args: &[],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_link",
        args: &[ENTRY],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_not_covered",
        args: &[ArgSpec {
            name: "question",
            kind: ArgKind::Text,
            required: false,
        }],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_entries",
        args: &[ArgSpec {
            name: "tag",
            kind: ArgKind::Word,
            required: false,
        }],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_learned",
        args: &[ArgSpec {
            required: false,
            ..ENTRY
        }],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_forget",
        args: &[ArgSpec {
            name: "number",
            kind: ArgKind::Integer {
                min: 1,
                max: i64::MAX,
            },
            required: true,
        }],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_unanswered",
        args: &[],
        access: Access::Moderator,
        private: false,
    },
    CommandSpec {
        name: "faq_reload",
        args: &[],
        access: Access::Moderator,
        private: false,
    },
    // Data rights (issue 13): answered privately, whatever the place.
    CommandSpec {
        name: "privacy",
        args: &[],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "mydata",
        args: &[],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "forget_me",
        args: &[ArgSpec {
            name: "confirm",
            kind: ArgKind::Word,
            required: false,
        }],
        access: Access::Everyone,
        private: true,
    },
    CommandSpec {
        name: "leaderboard_hide",
        args: &[ArgSpec {
            name: "hidden",
            kind: ArgKind::Word,
            required: true,
        }],
        access: Access::Everyone,
        private: true,
    },
    // The shop ships: a member's postal address for their shipping claims.
    CommandSpec {
        name: "address",
        args: &[ArgSpec {
            name: "address",
            kind: ArgKind::Text,
            required: false,
        }],
        access: Access::Everyone,
        // An address is personal: it is only ever said privately.
        private: true,
    },
];

/// Looks a command up by name.
pub fn spec(name: &str) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|spec| spec.name == name)
}

/// A member named in a command, the way the command named them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberRef {
    /// `@name` or `name` (kept without the `@`): a username on the platform
    /// the command came from.
    Name(String),
    /// `#42`: the club's member number, the same on every platform.
    Number(i64),
    /// An account the platform marked as mentioned (a Telegram
    /// `text_mention`, a Discord `<@id>`); `shown` is the text it covers.
    Mention { external_id: String, shown: String },
    /// A required member left out of a command sent as a reply: the author
    /// of the message replied to.
    Replied,
}

impl MemberRef {
    /// How the member is written in a command line; nothing for
    /// [`MemberRef::Replied`], which is written by leaving the member out.
    pub fn typed(&self) -> Option<String> {
        match self {
            MemberRef::Name(name) => Some(format!("@{name}")),
            MemberRef::Number(number) => Some(format!("#{number}")),
            MemberRef::Mention { shown, .. } => Some(shown.clone()),
            MemberRef::Replied => None,
        }
    }
}

/// What a command line is read with besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct Naming<'a> {
    /// The platform's mentions in the line, by byte range.
    pub mentions: &'a [Mention],
    /// The command is sent as a reply to a message: a required member that
    /// is left out means that message's author.
    pub replying: bool,
}

/// How many points a grant moves: a number, or an activity category whose
/// configured points apply.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Amount {
    Points(i64),
    Category(String),
}

/// A parsed, well-formed command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Start,
    /// `/help`, or `/help <command>` for one command.
    Help {
        command: Option<String>,
    },
    Faq {
        question: String,
    },
    Balance {
        member: Option<MemberRef>,
    },
    History {
        count: Option<u32>,
    },
    Grant {
        member: MemberRef,
        amount: Amount,
        reason: Option<String>,
    },
    Upvote,
    Solved,
    Leaderboard {
        period: Option<String>,
    },
    Profile {
        member: Option<MemberRef>,
    },
    Why {
        member: MemberRef,
    },
    Whois {
        member: MemberRef,
    },
    Suspicious,
    RevokeVotes {
        member: MemberRef,
        since: Option<String>,
    },
    Shop,
    /// `/redeem <item> [option…]`: the option values typed, if any.
    Redeem {
        sku: String,
        option: Option<String>,
    },
    Claims,
    Cancel {
        claim: i64,
    },
    /// `/notify on|off`: private digests of points earned.
    Notify {
        switch: String,
    },
    /// `/link`: a one-time code; `/link <code>` from another platform's
    /// account joins both accounts into one member.
    Link {
        code: Option<String>,
    },
    /// `/unlink <platform>`: that platform's account becomes a member of
    /// its own again.
    Unlink {
        platform: String,
    },
    Pending,
    Approve {
        claim: i64,
        note: Option<String>,
    },
    Reject {
        claim: i64,
        reason: String,
    },
    Fulfil {
        claim: i64,
        tracking: Option<String>,
    },
    ShopReload,
    FaqLink {
        entry: String,
    },
    FaqLearned {
        entry: Option<String>,
    },
    FaqForget {
        number: i64,
    },
    FaqUnanswered,
    FaqReload,
    /// The question given, or the one replied to, is not covered by the FAQ.
    FaqNotCovered {
        question: Option<String>,
    },
    /// Entry ids with their question, optionally of one tag.
    FaqEntries {
        tag: Option<String>,
    },
    /// `/privacy`: what the club keeps about the member and why.
    Privacy,
    /// `/mydata`: the member's data as a file, privately.
    MyData,
    /// `/forget_me [confirm]`: erase the member, after a confirmation.
    ForgetMe {
        confirm: Option<String>,
    },
    /// `/leaderboard_hide on|off`.
    LeaderboardHide {
        switch: String,
    },
    /// `/address [address…]`: sets (or, without text, shows) the postal
    /// address of the member's open shipping claims.
    Address {
        address: Option<String>,
    },
}

/// Why a command line could not be read. These are the member's mistakes and
/// are shown to them, translated, with the command's usage.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("`/{0}` is not a command")]
    UnknownCommand(String),
    #[error("`/{command}` needs <{arg}>")]
    MissingArgument {
        command: &'static str,
        arg: &'static str,
    },
    #[error("`/{command}`: <{arg}> must be a whole number, not `{value}`")]
    NotANumber {
        command: &'static str,
        arg: &'static str,
        value: String,
    },
    #[error("`/{command}`: <{arg}> must be between {min} and {max}")]
    OutOfRange {
        command: &'static str,
        arg: &'static str,
        min: i64,
        max: i64,
    },
    #[error("`/{command}`: `{value}` is not a member name")]
    BadMemberName {
        command: &'static str,
        value: String,
    },
    #[error("`/{command}`: `{value}` is too long")]
    WordTooLong {
        command: &'static str,
        value: String,
    },
    #[error("`/{command}` takes fewer arguments; `{extra}` is one too many")]
    TooManyArguments {
        command: &'static str,
        extra: String,
    },
}

impl ParseError {
    /// The command whose usage should be shown with the error, if any.
    pub fn command(&self) -> Option<&'static str> {
        match self {
            ParseError::UnknownCommand(_) => None,
            ParseError::MissingArgument { command, .. }
            | ParseError::NotANumber { command, .. }
            | ParseError::OutOfRange { command, .. }
            | ParseError::BadMemberName { command, .. }
            | ParseError::WordTooLong { command, .. }
            | ParseError::TooManyArguments { command, .. } => Some(command),
        }
    }
}

/// Whether a message is meant as a command.
pub fn is_command(text: &str) -> bool {
    text.trim_start().starts_with('/')
}

/// Parses a command line such as `/grant @alice 50 beta test`.
///
/// The command name is case-insensitive and may carry a `@botname` suffix,
/// which adapters check before calling this. Text is NFC-normalised.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    parse_in(line, &Naming::default())
}

/// Parses a command line with the platform's mentions in it, sent as a
/// reply or not (see [`Naming`]).
///
/// In a reply, a command whose first argument is a required member may
/// leave it out ([`MemberRef::Replied`]): `/grant 10 thanks`, `/whois`. A
/// first word that starts like a number (a digit, `+` or `-`) is then never
/// read as a name; a word that is no `@name`, `#number` or mention is read
/// as a name when the rest of the line fits, else as the next argument.
pub fn parse_in(line: &str, naming: &Naming<'_>) -> Result<Command, ParseError> {
    let (normalized, mentions) = normalize(line, naming.mentions);
    let line = normalized.trim();
    let (head, rest) = split_word(line.strip_prefix('/').unwrap_or(line));
    let spec = spec(&command_name(head))
        .ok_or_else(|| ParseError::UnknownCommand(shorten(head, ECHO_CHARS)))?;
    let reader = Reader {
        base: &normalized,
        mentions: &mentions,
    };
    let values = if naming.replying && takes_member_first(spec) {
        reader.read_replying(spec, rest)?
    } else {
        reader.read_args(spec, rest, Vec::new())?
    };
    Ok(build(spec, values))
}

/// Whether a command's first argument is a required member, which a reply
/// may leave out.
fn takes_member_first(spec: &CommandSpec) -> bool {
    spec.args
        .first()
        .is_some_and(|arg| arg.kind == ArgKind::Member && arg.required)
}

/// `line` NFC-normalised piece by piece, so the mentions' byte ranges can
/// follow it; mentions that do not fit the line or overlap are dropped.
fn normalize(line: &str, mentions: &[Mention]) -> (String, Vec<Mention>) {
    let mut sorted: Vec<&Mention> = mentions
        .iter()
        .filter(|mention| {
            mention.range.start < mention.range.end && line.get(mention.range.clone()).is_some()
        })
        .collect();
    sorted.sort_by_key(|mention| mention.range.start);
    let mut normalized = String::with_capacity(line.len());
    let mut moved = Vec::with_capacity(sorted.len());
    let mut done = 0;
    for mention in sorted {
        if mention.range.start < done {
            continue;
        }
        normalized.extend(line[done..mention.range.start].nfc());
        let start = normalized.len();
        normalized.extend(line[mention.range.clone()].nfc());
        moved.push(Mention {
            range: start..normalized.len(),
            external_id: mention.external_id.clone(),
        });
        done = mention.range.end;
    }
    normalized.extend(line[done..].nfc());
    (normalized, moved)
}

/// The spec of the command a line invokes, without reading its arguments,
/// so permission can be checked before the member is told about arguments.
pub fn spec_of(line: &str) -> Option<&'static CommandSpec> {
    let line = line.trim();
    let (head, _) = split_word(line.strip_prefix('/').unwrap_or(line));
    spec(&command_name(head))
}

/// `Grant@fanclub_bot` → `grant`.
fn command_name(head: &str) -> String {
    head.split('@').next().unwrap_or_default().to_lowercase()
}

/// An argument value read according to its [`ArgKind`].
#[derive(Debug, Clone, PartialEq, Eq)]
enum ArgValue {
    Member(MemberRef),
    Integer(i64),
    Word(String),
    Text(String),
}

/// The longest single word argument.
const MAX_WORD_CHARS: usize = 64;

/// Reads arguments from a normalised line and the mentions in it.
struct Reader<'a> {
    /// The whole normalised line: every argument is a slice of it, so its
    /// byte offset says which mention starts there.
    base: &'a str,
    mentions: &'a [Mention],
}

impl<'a> Reader<'a> {
    /// The arguments of a command sent as a reply whose first argument is a
    /// required member, which may be left out (see [`parse_in`]).
    fn read_replying(
        &self,
        spec: &'static CommandSpec,
        rest: &'a str,
    ) -> Result<Vec<Option<ArgValue>>, ParseError> {
        let omitted = || vec![Some(ArgValue::Member(MemberRef::Replied))];
        let rest = rest.trim_start();
        let word = split_word(rest).0;
        let explicit = word.starts_with(['@', '#']) || self.mention_at(rest).is_some();
        if word.is_empty() || (starts_like_a_number(word) && !explicit) {
            return self.read_args(spec, rest, omitted());
        }
        let named = self.read_args(spec, rest, Vec::new());
        if named.is_ok() || explicit {
            return named;
        }
        self.read_args(spec, rest, omitted()).or(named)
    }

    /// The mention that starts `text` (a slice of the line), also after an
    /// `@` typed in front of it.
    fn mention_at(&self, text: &str) -> Option<&'a Mention> {
        let at = self.offset(text)?;
        let after_at = at + usize::from(text.starts_with('@'));
        self.mentions
            .iter()
            .find(|mention| mention.range.start == at || mention.range.start == after_at)
    }

    /// Where `text`, a non-empty slice of the line, starts in it.
    fn offset(&self, text: &str) -> Option<usize> {
        let at = (text.as_ptr() as usize).checked_sub(self.base.as_ptr() as usize)?;
        (!text.is_empty() && at + text.len() <= self.base.len()).then_some(at)
    }

    /// A member argument at the start of `text` and what follows it.
    fn read_member(
        &self,
        spec: &'static CommandSpec,
        text: &'a str,
    ) -> Result<(MemberRef, &'a str), ParseError> {
        if let Some(mention) = self.mention_at(text)
            && let Some(at) = self.offset(text)
            && let Some(covered) = text.get(..mention.range.end - at)
        {
            let remaining = &text[covered.len()..];
            let member = MemberRef::Mention {
                external_id: mention.external_id.clone(),
                shown: covered.to_owned(),
            };
            return Ok((member, remaining));
        }
        let (word, remaining) = split_word(text);
        Ok((read_member(spec, word)?, remaining))
    }

    /// Reads `spec`'s arguments after the `values` already read.
    fn read_args(
        &self,
        spec: &'static CommandSpec,
        mut rest: &'a str,
        mut values: Vec<Option<ArgValue>>,
    ) -> Result<Vec<Option<ArgValue>>, ParseError> {
        for arg in &spec.args[values.len()..] {
            rest = rest.trim_start();
            if rest.is_empty() {
                if arg.required {
                    return Err(ParseError::MissingArgument {
                        command: spec.name,
                        arg: arg.name,
                    });
                }
                values.push(None);
                continue;
            }
            let (value, remaining) = match arg.kind {
                ArgKind::Text => (ArgValue::Text(rest.trim_end().to_owned()), ""),
                ArgKind::Member => {
                    let (member, remaining) = self.read_member(spec, rest)?;
                    (ArgValue::Member(member), remaining)
                }
                ArgKind::Amount { min, max } => {
                    let (word, remaining) = split_word(rest);
                    let value = if starts_like_a_number(word) {
                        ArgValue::Integer(read_integer(spec, arg, word, min, max)?)
                    } else {
                        ArgValue::Word(read_word(spec, word)?.to_lowercase())
                    };
                    (value, remaining)
                }
                ArgKind::Word => {
                    let (word, remaining) = split_word(rest);
                    (ArgValue::Word(read_word(spec, word)?.to_owned()), remaining)
                }
                ArgKind::Integer { min, max } => {
                    let (word, remaining) = split_word(rest);
                    (
                        ArgValue::Integer(read_integer(spec, arg, word, min, max)?),
                        remaining,
                    )
                }
            };
            values.push(Some(value));
            rest = remaining;
        }
        let extra = rest.trim();
        if !extra.is_empty() {
            return Err(ParseError::TooManyArguments {
                command: spec.name,
                extra: shorten(split_word(extra).0, ECHO_CHARS),
            });
        }
        Ok(values)
    }
}

/// Whether `word` is meant as a number (and is then read as one, or refused).
fn starts_like_a_number(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_digit() || c == '+' || c == '-')
}

/// A member typed as one word: `#42`, `@name` or `name`.
fn read_member(spec: &'static CommandSpec, word: &str) -> Result<MemberRef, ParseError> {
    let bad = || ParseError::BadMemberName {
        command: spec.name,
        value: shorten(word, ECHO_CHARS),
    };
    if let Some(number) = word.strip_prefix('#') {
        let is_number = !number.is_empty() && number.chars().all(|c| c.is_ascii_digit());
        return match number.parse::<i64>() {
            Ok(number) if is_number && number > 0 => Ok(MemberRef::Number(number)),
            _ => Err(bad()),
        };
    }
    let name = word.strip_prefix('@').unwrap_or(word);
    if is_member_name(name) {
        Ok(MemberRef::Name(name.to_owned()))
    } else {
        Err(bad())
    }
}

/// Member names: 1–64 letters, digits, `_`, `.` or `-`.
pub fn is_member_name(name: &str) -> bool {
    let length = name.chars().count();
    (1..=64).contains(&length)
        && name
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
}

fn read_word<'a>(spec: &'static CommandSpec, word: &'a str) -> Result<&'a str, ParseError> {
    if word.chars().count() > MAX_WORD_CHARS {
        return Err(ParseError::WordTooLong {
            command: spec.name,
            value: shorten(word, ECHO_CHARS),
        });
    }
    Ok(word)
}

fn read_integer(
    spec: &'static CommandSpec,
    arg: &ArgSpec,
    word: &str,
    min: i64,
    max: i64,
) -> Result<i64, ParseError> {
    // `#3`: the bot itself writes claims and numbers so ("Claim #3").
    let word = word.strip_prefix('#').unwrap_or(word);
    let digits = word.strip_prefix('+').unwrap_or(word);
    let looks_numeric = !digits.is_empty()
        && digits
            .strip_prefix('-')
            .unwrap_or(digits)
            .chars()
            .all(|c| c.is_ascii_digit());
    if !looks_numeric {
        return Err(ParseError::NotANumber {
            command: spec.name,
            arg: arg.name,
            value: shorten(word, ECHO_CHARS),
        });
    }
    let out_of_range = || ParseError::OutOfRange {
        command: spec.name,
        arg: arg.name,
        min,
        max,
    };
    let value: i64 = digits.parse().map_err(|_| out_of_range())?;
    if (min..=max).contains(&value) {
        Ok(value)
    } else {
        Err(out_of_range())
    }
}

fn build(spec: &'static CommandSpec, values: Vec<Option<ArgValue>>) -> Command {
    let mut values = values.into_iter();
    let mut next = || values.next().flatten();
    match spec.name {
        "start" => Command::Start,
        "help" => Command::Help {
            command: next().map(ArgValue::into_text),
        },
        "faq" => Command::Faq {
            question: next().map(ArgValue::into_text).unwrap_or_default(),
        },
        "balance" => Command::Balance {
            member: next().map(ArgValue::into_member),
        },
        "history" => Command::History {
            count: next().map(|value| u32::try_from(value.into_integer()).unwrap_or(u32::MAX)),
        },
        "grant" => Command::Grant {
            member: next()
                .map(ArgValue::into_member)
                .unwrap_or(MemberRef::Replied),
            amount: next()
                .map(ArgValue::into_amount)
                .unwrap_or(Amount::Points(0)),
            reason: next().map(ArgValue::into_text),
        },
        "upvote" => Command::Upvote,
        "solved" => Command::Solved,
        "leaderboard" => Command::Leaderboard {
            period: next().map(ArgValue::into_text),
        },
        "profile" => Command::Profile {
            member: next().map(ArgValue::into_member),
        },
        "why" => Command::Why {
            member: next()
                .map(ArgValue::into_member)
                .unwrap_or(MemberRef::Replied),
        },
        "whois" => Command::Whois {
            member: next()
                .map(ArgValue::into_member)
                .unwrap_or(MemberRef::Replied),
        },
        "suspicious" => Command::Suspicious,
        "revoke_votes" => Command::RevokeVotes {
            member: next()
                .map(ArgValue::into_member)
                .unwrap_or(MemberRef::Replied),
            since: next().map(ArgValue::into_text),
        },
        "faq_link" => Command::FaqLink {
            entry: next().map(ArgValue::into_text).unwrap_or_default(),
        },
        "faq_learned" => Command::FaqLearned {
            entry: next().map(ArgValue::into_text),
        },
        "faq_not_covered" => Command::FaqNotCovered {
            question: next().map(ArgValue::into_text),
        },
        "faq_entries" => Command::FaqEntries {
            tag: next().map(ArgValue::into_text),
        },
        "faq_forget" => Command::FaqForget {
            number: next().map(ArgValue::into_integer).unwrap_or_default(),
        },
        "faq_unanswered" => Command::FaqUnanswered,
        "shop" => Command::Shop,
        "redeem" => Command::Redeem {
            sku: next()
                .map(ArgValue::into_text)
                .unwrap_or_default()
                .to_lowercase(),
            option: next().map(ArgValue::into_text),
        },
        "claims" => Command::Claims,
        "cancel" => Command::Cancel {
            claim: next().map(ArgValue::into_integer).unwrap_or_default(),
        },
        "notify" => Command::Notify {
            switch: next().map(ArgValue::into_text).unwrap_or_default(),
        },
        "link" => Command::Link {
            code: next().map(ArgValue::into_text),
        },
        "unlink" => Command::Unlink {
            platform: next()
                .map(ArgValue::into_text)
                .unwrap_or_default()
                .to_lowercase(),
        },
        "pending" => Command::Pending,
        "approve" => Command::Approve {
            claim: next().map(ArgValue::into_integer).unwrap_or_default(),
            note: next().map(ArgValue::into_text),
        },
        "reject" => Command::Reject {
            claim: next().map(ArgValue::into_integer).unwrap_or_default(),
            reason: next().map(ArgValue::into_text).unwrap_or_default(),
        },
        "fulfil" => Command::Fulfil {
            claim: next().map(ArgValue::into_integer).unwrap_or_default(),
            tracking: next().map(ArgValue::into_text),
        },
        "shop_reload" => Command::ShopReload,
        "faq_reload" => Command::FaqReload,
        "privacy" => Command::Privacy,
        "mydata" => Command::MyData,
        "forget_me" => Command::ForgetMe {
            confirm: next().map(ArgValue::into_text),
        },
        "leaderboard_hide" => Command::LeaderboardHide {
            switch: next().map(ArgValue::into_text).unwrap_or_default(),
        },
        "address" => Command::Address {
            address: next().map(ArgValue::into_text),
        },
        other => unreachable!("command `{other}` is in the table but not built"),
    }
}

impl ArgValue {
    fn into_member(self) -> MemberRef {
        match self {
            ArgValue::Member(member) => member,
            other => unreachable!("the table reads a member here, got {other:?}"),
        }
    }

    fn into_integer(self) -> i64 {
        match self {
            ArgValue::Integer(value) => value,
            other => unreachable!("the table reads an integer here, got {other:?}"),
        }
    }

    fn into_amount(self) -> Amount {
        match self {
            ArgValue::Integer(points) => Amount::Points(points),
            ArgValue::Word(category) | ArgValue::Text(category) => Amount::Category(category),
            other => unreachable!("the table reads an amount here, got {other:?}"),
        }
    }

    fn into_text(self) -> String {
        match self {
            ArgValue::Text(text) | ArgValue::Word(text) => text,
            other => unreachable!("the table reads text here, got {other:?}"),
        }
    }
}

impl Command {
    /// The spec this command was parsed by.
    pub fn spec(&self) -> &'static CommandSpec {
        let name = match self {
            Command::Start => "start",
            Command::Help { .. } => "help",
            Command::Faq { .. } => "faq",
            Command::Balance { .. } => "balance",
            Command::History { .. } => "history",
            Command::Grant { .. } => "grant",
            Command::Upvote => "upvote",
            Command::Solved => "solved",
            Command::Leaderboard { .. } => "leaderboard",
            Command::Profile { .. } => "profile",
            Command::Why { .. } => "why",
            Command::Whois { .. } => "whois",
            Command::Suspicious => "suspicious",
            Command::RevokeVotes { .. } => "revoke_votes",
            Command::Shop => "shop",
            Command::Redeem { .. } => "redeem",
            Command::Claims => "claims",
            Command::Cancel { .. } => "cancel",
            Command::Notify { .. } => "notify",
            Command::Link { .. } => "link",
            Command::Unlink { .. } => "unlink",
            Command::Pending => "pending",
            Command::Approve { .. } => "approve",
            Command::Reject { .. } => "reject",
            Command::Fulfil { .. } => "fulfil",
            Command::ShopReload => "shop_reload",
            Command::FaqLink { .. } => "faq_link",
            Command::FaqLearned { .. } => "faq_learned",
            Command::FaqForget { .. } => "faq_forget",
            Command::FaqUnanswered => "faq_unanswered",
            Command::FaqReload => "faq_reload",
            Command::FaqNotCovered { .. } => "faq_not_covered",
            Command::FaqEntries { .. } => "faq_entries",
            Command::Privacy => "privacy",
            Command::MyData => "mydata",
            Command::ForgetMe { .. } => "forget_me",
            Command::LeaderboardHide { .. } => "leaderboard_hide",
            Command::Address { .. } => "address",
        };
        spec(name).expect("every command variant has a spec")
    }

    /// The canonical command line, which [`parse`] reads back into `self`.
    pub fn to_line(&self) -> String {
        let mut line = format!("/{}", self.spec().name);
        let mut push = |part: &dyn fmt::Display| {
            line.push(' ');
            line.push_str(&part.to_string());
        };
        match self {
            Command::Start | Command::FaqUnanswered | Command::FaqReload => {}
            Command::Help { command } => {
                if let Some(command) = command {
                    push(command);
                }
            }
            Command::Faq { question } => push(question),
            Command::FaqLink { entry } => push(entry),
            Command::FaqLearned { entry } => {
                if let Some(entry) = entry {
                    push(entry);
                }
            }
            Command::FaqNotCovered { question } => {
                if let Some(question) = question {
                    push(question);
                }
            }
            Command::FaqEntries { tag } => {
                if let Some(tag) = tag {
                    push(tag);
                }
            }
            Command::FaqForget { number } => push(number),
            Command::Balance { member } | Command::Profile { member } => {
                if let Some(member) = member.as_ref().and_then(MemberRef::typed) {
                    push(&member);
                }
            }
            Command::History { count } => {
                if let Some(count) = count {
                    push(count);
                }
            }
            Command::Grant {
                member,
                amount,
                reason,
            } => {
                if let Some(member) = member.typed() {
                    push(&member);
                }
                match amount {
                    Amount::Points(points) => push(points),
                    Amount::Category(category) => push(category),
                }
                if let Some(reason) = reason {
                    push(reason);
                }
            }
            Command::Upvote
            | Command::Solved
            | Command::Suspicious
            | Command::Shop
            | Command::Claims
            | Command::Pending
            | Command::ShopReload => {}
            Command::Redeem { sku, option } => {
                push(sku);
                if let Some(option) = option {
                    push(option);
                }
            }
            Command::Address { address } => {
                if let Some(address) = address {
                    push(address);
                }
            }
            Command::Cancel { claim } => push(claim),
            Command::Notify { switch } => push(switch),
            Command::Link { code } => {
                if let Some(code) = code {
                    push(code);
                }
            }
            Command::Unlink { platform } => push(platform),
            Command::Approve { claim, note }
            | Command::Fulfil {
                claim,
                tracking: note,
            } => {
                push(claim);
                if let Some(note) = note {
                    push(note);
                }
            }
            Command::Reject { claim, reason } => {
                push(claim);
                push(reason);
            }
            Command::Leaderboard { period } => {
                if let Some(period) = period {
                    push(period);
                }
            }
            Command::Privacy | Command::MyData => {}
            Command::ForgetMe { confirm } => {
                if let Some(confirm) = confirm {
                    push(confirm);
                }
            }
            Command::LeaderboardHide { switch } => push(switch),
            Command::Why { member } | Command::Whois { member } => {
                if let Some(member) = member.typed() {
                    push(&member);
                }
            }
            Command::RevokeVotes { member, since } => {
                if let Some(member) = member.typed() {
                    push(&member);
                }
                if let Some(since) = since {
                    push(since);
                }
            }
        }
        line
    }
}

fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], &text[end..]),
        None => (text, ""),
    }
}

/// Cuts echoed input so a huge argument cannot blow up the reply.
/// How much of a member's input a mistake message echoes.
pub const ECHO_CHARS: usize = 33;

/// `text` cut to at most `max_chars` characters, an ellipsis included, so
/// huge input cannot blow up a reply or a button label.
pub fn shorten(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    short.push('…');
    short
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_name_suits_both_platforms() {
        for spec in COMMANDS {
            let ok = (1..=32).contains(&spec.name.len())
                && spec
                    .name
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            assert!(
                ok,
                "`{}` breaks Telegram's or Discord's name rules",
                spec.name
            );
        }
    }

    #[test]
    fn personal_information_is_answered_privately() {
        let private: Vec<&str> = COMMANDS
            .iter()
            .filter(|spec| spec.private)
            .map(|spec| spec.name)
            .collect();
        assert_eq!(
            private,
            [
                "balance",
                "history",
                "shop",
                "claims",
                "link",
                "privacy",
                "mydata",
                "forget_me",
                "leaderboard_hide",
                "address"
            ]
        );
    }

    #[test]
    fn command_names_are_unique_and_text_arguments_come_last() {
        for (i, spec) in COMMANDS.iter().enumerate() {
            assert!(
                COMMANDS[i + 1..]
                    .iter()
                    .all(|other| other.name != spec.name)
            );
            let text_at = spec.args.iter().position(|arg| arg.kind == ArgKind::Text);
            if let Some(index) = text_at {
                assert_eq!(
                    index,
                    spec.args.len() - 1,
                    "/{}: text must be last",
                    spec.name
                );
            }
            let first_optional = spec.args.iter().position(|arg| !arg.required);
            if let Some(index) = first_optional {
                assert!(
                    spec.args[index..].iter().all(|arg| !arg.required),
                    "/{}",
                    spec.name
                );
            }
        }
    }

    #[test]
    fn commands_round_trip_through_their_lines() {
        let commands = [
            Command::Start,
            Command::Help { command: None },
            Command::Help {
                command: Some("grant".into()),
            },
            Command::Balance { member: None },
            Command::Balance {
                member: Some(MemberRef::Name("jürgen".into())),
            },
            Command::History { count: None },
            Command::History { count: Some(5) },
            Command::Faq {
                question: "Wie löse ich Punkte ein?".into(),
            },
            Command::FaqLink {
                entry: "redeem-points".into(),
            },
            Command::FaqLearned { entry: None },
            Command::FaqLearned {
                entry: Some("join-club".into()),
            },
            Command::FaqForget { number: 12 },
            Command::FaqNotCovered { question: None },
            Command::FaqNotCovered {
                question: Some("Wann kommt das neue Handy raus?".into()),
            },
            Command::FaqEntries { tag: None },
            Command::FaqEntries {
                tag: Some("points".into()),
            },
            Command::FaqUnanswered,
            Command::FaqReload,
            Command::Grant {
                member: MemberRef::Name("alice".into()),
                amount: Amount::Points(-20),
                reason: Some("Beta-Test Sommer 2026 🎉".into()),
            },
            Command::Grant {
                member: MemberRef::Name("bob".into()),
                amount: Amount::Category("beta_test".into()),
                reason: None,
            },
            Command::Upvote,
            Command::Solved,
            Command::Leaderboard { period: None },
            Command::Leaderboard {
                period: Some("week".into()),
            },
            Command::Profile { member: None },
            Command::Profile {
                member: Some(MemberRef::Name("carol".into())),
            },
            Command::Why {
                member: MemberRef::Name("dora".into()),
            },
            Command::Whois {
                member: MemberRef::Number(42),
            },
            Command::Grant {
                member: MemberRef::Number(7),
                amount: Amount::Points(5),
                reason: Some("x".into()),
            },
            Command::Suspicious,
            Command::Shop,
            Command::Redeem {
                sku: "tshirt-2026".into(),
                option: None,
            },
            Command::Redeem {
                sku: "hoodie".into(),
                option: Some("L blau".into()),
            },
            Command::Address { address: None },
            Command::Address {
                address: Some("Anna Berg, Hauptstr. 5, 50667 Köln".into()),
            },
            Command::Claims,
            Command::Cancel { claim: 3 },
            Command::Notify {
                switch: "off".into(),
            },
            Command::Link { code: None },
            Command::Link {
                code: Some("7KQ2M-X9RTA".into()),
            },
            Command::Unlink {
                platform: "telegram".into(),
            },
            Command::Pending,
            Command::Approve {
                claim: 4,
                note: None,
            },
            Command::Approve {
                claim: 4,
                note: Some("Größe L".into()),
            },
            Command::Reject {
                claim: 5,
                reason: "Doppelt bestellt".into(),
            },
            Command::Fulfil {
                claim: 6,
                tracking: Some("DHL 0034".into()),
            },
            Command::ShopReload,
            Command::RevokeVotes {
                member: MemberRef::Name("emil".into()),
                since: Some("2026-11-01".into()),
            },
            Command::Privacy,
            Command::MyData,
            Command::ForgetMe { confirm: None },
            Command::ForgetMe {
                confirm: Some("confirm".into()),
            },
            Command::LeaderboardHide {
                switch: "on".into(),
            },
        ];
        for command in commands {
            assert_eq!(
                parse(&command.to_line()),
                Ok(command.clone()),
                "{}",
                command.to_line()
            );
        }
        for spec in COMMANDS {
            assert!(parse(&format!("/{}", spec.name)).map_or(true, |c| c.spec().name == spec.name));
        }
    }

    #[test]
    fn a_required_member_argument_comes_first_so_a_reply_can_stand_for_it() {
        for spec in COMMANDS {
            for (index, arg) in spec.args.iter().enumerate() {
                if arg.kind == ArgKind::Member && arg.required {
                    assert_eq!(index, 0, "/{}", spec.name);
                }
            }
        }
    }

    #[test]
    fn members_are_named_by_name_or_by_member_number() {
        assert_eq!(
            parse("/whois #12"),
            Ok(Command::Whois {
                member: MemberRef::Number(12)
            })
        );
        assert_eq!(
            parse("/whois alice"),
            Ok(Command::Whois {
                member: MemberRef::Name("alice".into())
            })
        );
        for bad in ["#0", "#-3", "#12a", "#", "#99999999999999999999"] {
            assert!(
                matches!(
                    parse(&format!("/whois {bad}")),
                    Err(ParseError::BadMemberName { .. })
                ),
                "{bad}"
            );
        }
    }

    /// `line` with `shown` in it marked as a mention of `external_id`.
    fn parse_mentioning(line: &str, shown: &str, external_id: &str) -> Result<Command, ParseError> {
        let start = line.find(shown).expect("the mention is in the text");
        let mentions = [Mention {
            range: start..start + shown.len(),
            external_id: external_id.to_owned(),
        }];
        let naming = Naming {
            mentions: &mentions,
            replying: false,
        };
        parse_in(line, &naming)
    }

    #[test]
    fn a_platform_mention_names_its_account_whatever_its_text_says() {
        assert_eq!(
            parse_mentioning("/grant Zoë 🎉 Berg 5 Beta-Test", "Zoë 🎉 Berg", "4242"),
            Ok(Command::Grant {
                member: MemberRef::Mention {
                    external_id: "4242".into(),
                    shown: "Zoë 🎉 Berg".into()
                },
                amount: Amount::Points(5),
                reason: Some("Beta-Test".into()),
            })
        );
        assert!(matches!(
            parse_mentioning("/whois @Zoë", "Zoë", "4242"),
            Ok(Command::Whois {
                member: MemberRef::Mention { .. }
            })
        ));
    }

    #[test]
    fn a_mention_in_free_text_stays_text() {
        assert_eq!(
            parse_mentioning("/grant #3 5 thanks to Zoë", "Zoë", "4242"),
            Ok(Command::Grant {
                member: MemberRef::Number(3),
                amount: Amount::Points(5),
                reason: Some("thanks to Zoë".into()),
            })
        );
    }

    #[test]
    fn mentions_follow_the_line_through_normalisation() {
        let line = "/whois e\u{301} Zoe\u{308}";
        let mentions = [Mention {
            range: line.find('Z').unwrap()..line.len(),
            external_id: "7".into(),
        }];
        let (normalized, moved) = normalize(line, &mentions);
        assert_eq!(normalized, "/whois é Zoë");
        assert_eq!(&normalized[moved[0].range.clone()], "Zoë");
        let outside = [Mention {
            range: 3..400,
            external_id: "7".into(),
        }];
        assert!(normalize(line, &outside).1.is_empty());
    }

    #[test]
    fn in_a_reply_a_required_member_left_out_is_the_replied_to_author() {
        let reply = Naming {
            mentions: &[],
            replying: true,
        };
        let read = |line: &str| parse_in(line, &reply);
        assert_eq!(
            read("/grant 10 great answer"),
            Ok(Command::Grant {
                member: MemberRef::Replied,
                amount: Amount::Points(10),
                reason: Some("great answer".into()),
            })
        );
        assert_eq!(
            read("/grant beta_test"),
            Ok(Command::Grant {
                member: MemberRef::Replied,
                amount: Amount::Category("beta_test".into()),
                reason: None,
            })
        );
        assert_eq!(
            read("/whois"),
            Ok(Command::Whois {
                member: MemberRef::Replied
            })
        );
        assert_eq!(
            read("/revoke_votes 7d"),
            Ok(Command::RevokeVotes {
                member: MemberRef::Replied,
                since: Some("7d".into()),
            })
        );
        // Naming someone else still works in a reply.
        assert_eq!(
            read("/grant alice 5 x"),
            Ok(Command::Grant {
                member: MemberRef::Name("alice".into()),
                amount: Amount::Points(5),
                reason: Some("x".into()),
            })
        );
        assert!(matches!(
            read("/grant #4 5 x"),
            Ok(Command::Grant {
                member: MemberRef::Number(4),
                ..
            })
        ));
        // An optional member left out is still the asker.
        assert_eq!(read("/balance"), Ok(Command::Balance { member: None }));
        // Not a reply: the member is missing.
        assert_eq!(
            parse("/whois"),
            Err(ParseError::MissingArgument {
                command: "whois",
                arg: "member"
            })
        );
        let command = Command::Grant {
            member: MemberRef::Replied,
            amount: Amount::Points(-3),
            reason: Some("spam".into()),
        };
        assert_eq!(read(&command.to_line()), Ok(command));
    }

    #[test]
    fn a_moderator_grant_reads_member_points_and_reason() {
        assert_eq!(
            parse("/grant @alice +50   beta test  "),
            Ok(Command::Grant {
                member: MemberRef::Name("alice".into()),
                amount: Amount::Points(50),
                reason: Some("beta test".into()),
            })
        );
        assert_eq!(
            parse("/GRANT@fanclub_bot bob 5 x").map(|c| c.spec().name),
            Ok("grant")
        );
    }

    #[test]
    fn malformed_commands_say_what_is_wrong() {
        assert_eq!(
            parse("/nope"),
            Err(ParseError::UnknownCommand("nope".into()))
        );
        assert_eq!(
            parse("/grant @alice"),
            Err(ParseError::MissingArgument {
                command: "grant",
                arg: "amount"
            })
        );
        assert!(matches!(
            parse("/grant @alice 5x of"),
            Err(ParseError::NotANumber { .. })
        ));
        assert!(matches!(
            parse("/grant @alice 99999999999999999999 x"),
            Err(ParseError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse("/history 0"),
            Err(ParseError::OutOfRange { .. })
        ));
        assert!(matches!(
            parse("/history 3 4"),
            Err(ParseError::TooManyArguments { .. })
        ));
        assert!(matches!(
            parse("/balance @al ice"),
            Err(ParseError::TooManyArguments { .. })
        ));
        assert!(matches!(
            parse("/balance @a\u{202e}b"),
            Err(ParseError::BadMemberName { .. })
        ));
        assert!(matches!(
            parse("/history --5"),
            Err(ParseError::NotANumber { .. })
        ));
    }

    #[test]
    fn a_claim_number_may_be_written_as_the_bot_writes_it() {
        assert_eq!(parse("/cancel #3"), Ok(Command::Cancel { claim: 3 }));
        assert_eq!(
            parse("/approve #4 ok"),
            Ok(Command::Approve {
                claim: 4,
                note: Some("ok".into())
            })
        );
        assert!(matches!(
            parse("/cancel #x"),
            Err(ParseError::NotANumber { .. })
        ));
        assert!(matches!(
            parse("/cancel ##3"),
            Err(ParseError::NotANumber { .. })
        ));
    }

    #[test]
    fn shortened_text_keeps_its_bound_ellipsis_included() {
        assert_eq!(shorten("kurz", 10), "kurz");
        assert_eq!(shorten("abcdef", 4), "abc…");
        assert_eq!(shorten(&"ä".repeat(100), 33).chars().count(), 33);
    }

    #[test]
    fn echoed_input_is_cut_short() {
        let long = format!("/{}", "x".repeat(10_000));
        match parse(&long) {
            Err(ParseError::UnknownCommand(name)) => assert!(name.chars().count() <= 33),
            other => panic!("{other:?}"),
        }
    }
}
