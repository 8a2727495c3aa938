//! The console's input line format, a contract documented in README.md:
//!
//! ```text
//! alice: text               alice posts text in the channel (a command if it starts with /)
//! alice > #7: text          alice replies to message #7
//! alice +👍 #7              alice reacts with 👍 to message #7;  alice -👍 #7 removes it
//! alice [Approve] #12       alice presses the button labelled Approve on bot message #12
//! alice dm: text            alice writes to the bot privately
//! ```
//!
//! Blank lines and lines starting with `#` (comments in scripts) are skipped.

use crate::club::commands::{ECHO_CHARS, is_member_name, shorten};
use crate::club::model::MessageId;

/// One parsed input line: who does what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLine {
    pub who: String,
    pub action: Action,
}

/// What a console member does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Say(String),
    Reply {
        to: MessageId,
        text: String,
    },
    React {
        added: bool,
        emoji: String,
        message: MessageId,
    },
    Press {
        label: String,
        message: MessageId,
    },
    Direct(String),
}

/// Why a line could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LineError {
    #[error(
        "expected `name: text`, `name > #7: text`, `name +👍 #7`, `name [Button] #7` or `name dm: text`"
    )]
    Shape,
    #[error("`{0}` is not a usable name (letters, digits, `_`, `.`, `-`; up to 64)")]
    BadName(String),
    #[error("`{0}` is the bot's name")]
    BotName(String),
    #[error("`{0}` is not a message reference like #7")]
    BadReference(String),
    #[error("there is no text after the colon")]
    EmptyText,
}

/// Reads one line; `Ok(None)` for blank lines and comments.
pub fn parse_line(line: &str, bot_name: &str) -> Result<Option<ConsoleLine>, LineError> {
    let line = line.trim_end_matches(['\r', '\n']);
    let trimmed = line.trim_start();
    if trimmed.is_empty() || trimmed.starts_with('#') {
        return Ok(None);
    }
    let name_end = trimmed
        .find(|c: char| c == ':' || c.is_whitespace())
        .ok_or(LineError::Shape)?;
    let (who, rest) = trimmed.split_at(name_end);
    if !is_member_name(who) {
        return Err(LineError::BadName(shorten(who, ECHO_CHARS)));
    }
    if who.eq_ignore_ascii_case(bot_name) {
        return Err(LineError::BotName(who.to_owned()));
    }
    let action = parse_action(rest)?;
    Ok(Some(ConsoleLine {
        who: who.to_owned(),
        action,
    }))
}

fn parse_action(rest: &str) -> Result<Action, LineError> {
    if let Some(text) = rest.strip_prefix(':') {
        return Ok(Action::Say(text_after_colon(text)?));
    }
    let rest = rest.trim_start();
    if let Some(text) = rest.strip_prefix("dm:") {
        return Ok(Action::Direct(text_after_colon(text)?));
    }
    if let Some(reply) = rest.strip_prefix('>') {
        let (reference, text) = reply.trim_start().split_once(':').ok_or(LineError::Shape)?;
        return Ok(Action::Reply {
            to: parse_reference(reference.trim())?,
            text: text_after_colon(text)?,
        });
    }
    if let Some(button) = rest.strip_prefix('[') {
        let (label, reference) = button.split_once(']').ok_or(LineError::Shape)?;
        return Ok(Action::Press {
            label: label.trim().to_owned(),
            message: parse_reference(reference.trim())?,
        });
    }
    let added = match rest.chars().next() {
        Some('+') => true,
        Some('-') => false,
        _ => return Err(LineError::Shape),
    };
    let (emoji, reference) = rest[1..]
        .trim_start()
        .split_once(char::is_whitespace)
        .ok_or(LineError::Shape)?;
    Ok(Action::React {
        added,
        emoji: emoji.to_owned(),
        message: parse_reference(reference.trim())?,
    })
}

fn text_after_colon(text: &str) -> Result<String, LineError> {
    let text = text.strip_prefix(' ').unwrap_or(text);
    if text.trim().is_empty() {
        Err(LineError::EmptyText)
    } else {
        Ok(text.to_owned())
    }
}

fn parse_reference(reference: &str) -> Result<MessageId, LineError> {
    reference
        .strip_prefix('#')
        .and_then(|digits| digits.parse::<i64>().ok())
        .filter(|id| *id > 0)
        .map(MessageId)
        .ok_or_else(|| LineError::BadReference(shorten(reference, ECHO_CHARS)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Option<ConsoleLine>, LineError> {
        parse_line(line, "bot")
    }

    fn action(line: &str) -> Action {
        parse(line).unwrap().unwrap().action
    }

    #[test]
    fn every_documented_line_shape_is_read() {
        assert_eq!(
            action("alice: hello there"),
            Action::Say("hello there".into())
        );
        assert_eq!(action("alice: /balance"), Action::Say("/balance".into()));
        assert_eq!(
            action("alice > #7: danke!"),
            Action::Reply {
                to: MessageId(7),
                text: "danke!".into()
            }
        );
        assert_eq!(
            action("carol +👍 #7"),
            Action::React {
                added: true,
                emoji: "👍".into(),
                message: MessageId(7)
            }
        );
        assert_eq!(
            action("carol -❤️ #7"),
            Action::React {
                added: false,
                emoji: "❤️".into(),
                message: MessageId(7)
            }
        );
        assert_eq!(
            action("mod [Approve] #12"),
            Action::Press {
                label: "Approve".into(),
                message: MessageId(12)
            }
        );
        assert_eq!(
            action("alice dm: /history 3"),
            Action::Direct("/history 3".into())
        );
        assert_eq!(parse("alice: a: b").unwrap().unwrap().who, "alice");
    }

    #[test]
    fn blank_lines_and_comments_are_skipped() {
        assert_eq!(parse(""), Ok(None));
        assert_eq!(parse("   \r\n"), Ok(None));
        assert_eq!(parse("# a comment"), Ok(None));
    }

    #[test]
    fn malformed_lines_say_what_is_wrong() {
        assert_eq!(parse("alice"), Err(LineError::Shape));
        assert_eq!(parse("alice says hi"), Err(LineError::Shape));
        assert_eq!(parse("alice:"), Err(LineError::EmptyText));
        assert_eq!(
            parse("alice > #x: hi"),
            Err(LineError::BadReference("#x".into()))
        );
        assert_eq!(
            parse("alice +👍 7"),
            Err(LineError::BadReference("7".into()))
        );
        assert_eq!(parse("alice [Approve #3"), Err(LineError::Shape));
        assert_eq!(
            parse("bot: I am the bot"),
            Err(LineError::BotName("bot".into()))
        );
        assert!(matches!(parse("al!ce: hi"), Err(LineError::BadName(_))));
        assert!(matches!(
            parse(&format!("{}: hi", "a".repeat(100))),
            Err(LineError::BadName(_))
        ));
    }
}
