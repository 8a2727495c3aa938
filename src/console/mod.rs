//! The console chat: a local adapter on stdin/stdout.
//!
//! It lets a newcomer try the whole club without a platform token, and it is
//! the scripting interface of the tests. Like the platform adapters it only
//! translates: a line becomes an [`Incoming`], the club's replies become
//! printed messages. Its output format is a contract (README.md):
//!
//! ```text
//! #7 alice: text                      a member's message in the channel
//! #8 carol > #7: text                 a member's reply to #7
//! #9 alice → bot (private): text      a member's private message to the bot
//! #10 bot: text [Approve] [Reject]    the bot, with buttons after the text
//! #11 bot → alice (private): text     the bot, privately
//! #10 bot (edited): text              bot message #10 now reads differently
//! error: line 3: …                    an input line that could not be read
//! ```
//!
//! Continuation lines of multi-line messages are indented by four spaces.
//!
//! The console delivers through the outbox like every platform: the club
//! writes its notices there, and after each line the console prints the
//! due console notices in the order they were written. A notice that
//! carries a file (a member's data export) has it written to the export
//! directory (`privacy.export_dir`), readable by the owner only, and its
//! path printed as the message's last line, after `📎 `.

pub mod line;

use std::path::{Path, PathBuf};

use tokio::io::{AsyncBufRead, AsyncBufReadExt, AsyncWrite, AsyncWriteExt};

use self::line::{Action, ConsoleLine, parse_line};
use crate::club::model::{Actor, Event, Incoming, MessageId, Place, Platform};
use crate::club::reply::{Attachment, Reply};
use crate::club::{Club, Handled, error_chain};
use crate::config::ConsoleSettings;
use crate::lang::Lang;
use crate::store::{SentNotice, StoreError};

/// Why the console stopped.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    #[error("console input/output failed")]
    Io(#[from] std::io::Error),
}

/// The console adapter.
#[derive(Debug, Clone)]
pub struct Console {
    club: Club,
    settings: ConsoleSettings,
    lang: Lang,
    /// Where files that notices carry are written.
    export_dir: PathBuf,
}

/// Where a console writes files when nothing else is said
/// (`privacy.export_dir`'s default).
pub const DEFAULT_EXPORT_DIR: &str = "data/exports";

impl Console {
    /// A console whose members speak `lang`.
    pub fn new(club: Club, settings: ConsoleSettings, lang: Lang) -> Console {
        Console {
            club,
            settings,
            lang,
            export_dir: PathBuf::from(DEFAULT_EXPORT_DIR),
        }
    }

    /// The same console, writing the files notices carry into `dir`.
    pub fn with_export_dir(self, dir: PathBuf) -> Console {
        Console {
            export_dir: dir,
            ..self
        }
    }

    /// Reads lines until end of input, printing every message.
    pub async fn run<R, W>(&self, input: R, mut output: W) -> Result<(), ConsoleError>
    where
        R: AsyncBufRead + Unpin,
        W: AsyncWrite + Unpin,
    {
        let mut input = input;
        // The console's moderators read the shared channel.
        self.club
            .store()
            .register_platform(
                Platform::Console,
                Some(&self.settings.channel),
                chrono::Utc::now(),
            )
            .await
            .map_err(|error| std::io::Error::other(error_chain(&error)))?;
        let mut buffer = Vec::new();
        let mut number = 0usize;
        let every =
            std::time::Duration::from_secs(self.club.config().shop.expiry_check_seconds.max(1));
        // The first tick is at once: what expired while the console was
        // closed is settled before the first line.
        let mut ticks = tokio::time::interval(every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let printed = tokio::select! {
                biased;
                _ = ticks.tick() => self.run_timers().await,
                // Cancel-safe as used: a partly read line stays in `buffer`.
                read = input.read_until(b'\n', &mut buffer) => {
                    if read? == 0 && buffer.is_empty() {
                        break;
                    }
                    number += 1;
                    let text = String::from_utf8_lossy(&buffer).into_owned();
                    buffer.clear();
                    self.line(number, &text).await
                }
            };
            output.write_all(printed.as_bytes()).await?;
            output.flush().await?;
        }
        Ok(())
    }

    /// The club's timers, every `shop.expiry_check_seconds` (claims expire,
    /// digests and reminders are written), whether or not anyone types;
    /// their state lives in the database and survives restarts.
    async fn run_timers(&self) -> String {
        let outcome = match self.club.tick().await {
            Ok(()) => self.deliver().await,
            Err(error) => Err(error),
        };
        outcome.unwrap_or_else(|error| {
            tracing::error!(error = %error_chain(&error), "the club's timers failed");
            String::new()
        })
    }

    /// Handles one input line and returns what to print.
    async fn line(&self, number: usize, text: &str) -> String {
        let parsed = match parse_line(text, &self.settings.bot_name) {
            Ok(Some(parsed)) => parsed,
            Ok(None) => return String::new(),
            Err(error) => return format!("error: line {number}: {error}\n"),
        };
        match self.act(&parsed).await {
            Ok(printed) => printed,
            Err(error) => {
                tracing::error!(error = %error_chain(&error), line = number, "console line failed");
                format!("error: line {number}: {}\n", self.club.apology(self.lang))
            }
        }
    }

    async fn act(&self, line: &ConsoleLine) -> Result<String, StoreError> {
        let actor = self.actor(&line.who);
        let channel = self.channel();
        let (place, event) = match &line.action {
            Action::Say(text) => (channel, message(text, None)),
            Action::Reply { to, text } => (channel, message(text, Some(*to))),
            Action::Direct(text) => (self.private_place(&line.who), message(text, None)),
            Action::React {
                added,
                emoji,
                message,
            } => (
                channel,
                Event::Reaction {
                    message: (*message).into(),
                    emoji: emoji.clone(),
                    added: *added,
                },
            ),
            Action::Press { label, message } => {
                match self.club.button_action(*message, label).await {
                    Ok(action) => (
                        channel,
                        Event::Button {
                            message: *message,
                            action,
                        },
                    ),
                    Err(error) => {
                        let lang = self.club.language_for(&actor, None);
                        let reply =
                            Reply::in_place(&channel, self.club.explain(&error, lang), None);
                        self.club.tell(&[reply]).await?;
                        return self.deliver().await;
                    }
                }
            }
        };
        let incoming = Incoming {
            actor,
            place: place.clone(),
            event_key: None,
            event,
        };
        let Handled { message, .. } = self.club.handle(incoming).await?;
        let mut printed = message.map(|id| self.echo(id, line)).unwrap_or_default();
        printed.push_str(&self.deliver().await?);
        Ok(printed)
    }

    /// The console's deliverer: prints every due console notice from the
    /// outbox, oldest first, and records it as sent. Notices other
    /// processes wrote for console members (a decision a Telegram moderator
    /// took) show up here too, before the next line's output.
    pub async fn deliver(&self) -> Result<String, StoreError> {
        let store = self.club.store();
        let mut printed = String::new();
        // One at a time: the oldest due notice is always the first of its
        // chat, and the console prints in the order the club spoke.
        while let Some(notice) = store
            .due_notices(Platform::Console, chrono::Utc::now(), &[], 1)
            .await?
            .pop()
        {
            let mut body = notice.text.clone();
            if let Some(attachment) = &notice.attachment {
                match write_attachment(&self.export_dir, notice.id, attachment) {
                    Ok(path) => body.push_str(&format!("\n📎 {}", path.display())),
                    Err(error) => {
                        tracing::error!(%error, dir = %self.export_dir.display(), "writing a file failed");
                        let reason = format!("writing the file failed: {error}");
                        let retry = chrono::Utc::now() + chrono::Duration::seconds(60);
                        store
                            .notice_attempt_failed(
                                notice.id,
                                &reason,
                                Some(retry),
                                chrono::Utc::now(),
                            )
                            .await?;
                        continue;
                    }
                }
            }
            let sent = SentNotice {
                external_id: None,
                body: &notice.text,
            };
            let id = store
                .notice_sent(&notice, &sent, chrono::Utc::now())
                .await?;
            let edited = notice.replaces.is_some() && !notice.replaced_lost;
            let mut speaker = if notice.private {
                format!("{} → {} (private)", self.settings.bot_name, notice.place)
            } else {
                self.settings.bot_name.clone()
            };
            if edited {
                speaker.push_str(" (edited)");
            }
            let buttons: String = notice
                .buttons
                .iter()
                .map(|button| format!(" [{}]", button.label))
                .collect();
            printed.push_str(&render(id, &speaker, &format!("{body}{buttons}")));
        }
        Ok(printed)
    }

    /// Prints a member's own message with the id it got.
    fn echo(&self, id: MessageId, line: &ConsoleLine) -> String {
        let who = &line.who;
        match &line.action {
            Action::Say(text) => render(id, who, text),
            Action::Reply { to, text } => render(id, &format!("{who} > {to}"), text),
            Action::Direct(text) => render(
                id,
                &format!("{who} → {} (private)", self.settings.bot_name),
                text,
            ),
            Action::React { .. } | Action::Press { .. } => String::new(),
        }
    }

    fn actor(&self, name: &str) -> Actor {
        Actor {
            platform: Platform::Console,
            external_id: name.to_owned(),
            username: Some(name.to_owned()),
            display_name: name.to_owned(),
            locale: Some(self.lang.code().to_owned()),
            is_bot: false,
            is_moderator: self
                .settings
                .moderators
                .iter()
                .any(|moderator| moderator == name),
            joined_at: None,
        }
    }

    fn channel(&self) -> Place {
        Place {
            platform: Platform::Console,
            id: self.settings.channel.clone(),
            private: false,
        }
    }

    fn private_place(&self, name: &str) -> Place {
        Place {
            platform: Platform::Console,
            id: name.to_owned(),
            private: true,
        }
    }
}

/// Writes `attachment` into `dir` as `<notice>-<name>`, readable by its
/// owner only (it holds a member's personal data); the path written.
fn write_attachment(dir: &Path, notice: i64, attachment: &Attachment) -> std::io::Result<PathBuf> {
    use std::io::Write;
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("{notice}-{}", attachment.name));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path)?;
    file.write_all(attachment.text.as_bytes())?;
    Ok(path)
}

fn message(text: &str, reply_to: Option<MessageId>) -> Event {
    Event::Message {
        text: text.to_owned(),
        reply_to,
        external_id: None,
        mentions: Vec::new(),
    }
}

/// `#7 speaker: text`, continuation lines indented.
fn render(id: MessageId, speaker: &str, text: &str) -> String {
    let body = text.trim_end().replace('\n', "\n    ");
    format!("{id} {speaker}: {body}\n")
}
