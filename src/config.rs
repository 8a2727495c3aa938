//! Settings: one typed tree, layered from files and the environment.
//!
//! The layers, later ones winning:
//! 1. `config/default.toml`, compiled into the binary so `fanclub` works from
//!    any directory; the committed file documents every key.
//! 2. `config/local.toml` when it exists, or the file named by `--config`
//!    (which must exist).
//! 3. Environment variables `FANCLUB__SECTION__KEY`.
//!
//! Relative paths (`faq.path`, `faq.model`, `faq.cache_dir`,
//! `shop.catalog`, `privacy.export_dir`, `backup.dir` and the file in
//! `database.url`) set in a `--config` file resolve against that file's
//! directory, so a service started from any working directory finds the
//! files next to its settings. Paths from the defaults, `config/local.toml`
//! (which is found in the working directory's `config/`) and the
//! environment stay relative to the working directory, as they always were.
//!
//! Every struct rejects unknown keys, so a typo in a file is an error naming
//! the file and the key rather than a silently ignored setting. Secrets are
//! not part of this tree: they come from the environment only and live in
//! [`Secrets`], whose `Debug` cannot print them.

use std::path::{Path, PathBuf};

use figment::Figment;
use figment::providers::{Env, Format, Toml};
use secrecy::SecretString;
use serde::Deserialize;

use crate::faq::SearchSettings;
use crate::lang::Lang;

mod emoji;

pub use self::emoji::ReactionEmoji;

/// The defaults, exactly as committed in `config/default.toml`.
pub const DEFAULT_TOML: &str = include_str!("../config/default.toml");

/// The override file read when `--config` is not given and the file exists.
pub const LOCAL_CONFIG: &str = "config/local.toml";

/// Prefix of environment variables that override settings.
pub const ENV_PREFIX: &str = "FANCLUB__";

/// Everything `fanclub` can be configured with, minus secrets.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Settings {
    pub club: ClubSettings,
    pub faq: FaqSettings,
    pub points: PointsSettings,
    pub grants: GrantSettings,
    pub shop: ShopSettings,
    pub recognition: RecognitionSettings,
    pub delivery: DeliverySettings,
    pub database: DatabaseSettings,
    pub limits: Limits,
    pub console: ConsoleSettings,
    pub telegram: TelegramSettings,
    pub discord: DiscordSettings,
    pub log: LogSettings,
    pub privacy: PrivacySettings,
    pub http: HttpSettings,
    pub backup: BackupSettings,
    pub retention: RetentionSettings,
}

/// Who the club is and how it speaks by default.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClubSettings {
    pub name: String,
    pub default_language: Lang,
    /// The language of the moderators' places (a team that reads English
    /// in a German club); unset: `default_language`.
    #[serde(default)]
    pub moderators_language: Option<Lang>,
    pub support_channels: Vec<String>,
}

/// The FAQ file and how the club answers from it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaqSettings {
    pub path: PathBuf,
    /// The sentence model file; empty turns meaning off.
    pub model: PathBuf,
    /// Where the FAQ's vectors are kept between runs (a cache).
    pub cache_dir: PathBuf,
    pub unprompted: bool,
    pub unanswered_days: u32,
    /// The share of questions the bot may answer with a wrong entry, as
    /// measured on the FAQ's own practice questions at every load.
    pub max_wrong_rate: f32,
    /// The thresholds and weights of the search before issue 10 (retired:
    /// the decision is now fitted per FAQ). Still accepted so that older
    /// override files load; a non-empty table is logged and ignored.
    #[serde(default)]
    pub search: toml::Table,
}

impl FaqSettings {
    /// What the search needs of these settings.
    pub fn search_settings(&self) -> SearchSettings {
        if !self.search.is_empty() {
            tracing::warn!(
                keys = ?self.search.keys().collect::<Vec<_>>(),
                "faq.search is retired and ignored: the FAQ fits its decision at load; set faq.max_wrong_rate instead"
            );
        }
        SearchSettings {
            max_wrong_rate: self.max_wrong_rate,
            ..SearchSettings::default()
        }
    }
}

/// The rules for points from helpful answers.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PointsSettings {
    /// Reactions that upvote, per platform (see [`ReactionEmoji`]).
    pub upvote_emoji: ReactionEmoji,
    /// Reactions with which the asker marks the solution, per platform.
    pub solution_emoji: ReactionEmoji,
    pub thanks_words: Vec<String>,
    pub upvote_points: i64,
    pub solution_points: i64,
    pub min_voter_days: i64,
    pub daily_points_cap: i64,
    pub daily_votes_per_voter: i64,
    pub daily_votes_per_pair: i64,
    pub max_message_age_days: i64,
    pub time_zone: String,
    pub suspicious_days: i64,
    pub suspicious_min_votes: i64,
    pub suspicious_factor: f64,
}

impl PointsSettings {
    /// The configured time zone; [`Settings::load`] has validated it.
    pub fn zone(&self) -> chrono_tz::Tz {
        self.time_zone.parse().unwrap_or(chrono_tz::Europe::Berlin)
    }
}

/// Moderator grants.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GrantSettings {
    /// Activity categories and their default points.
    pub categories: std::collections::BTreeMap<String, i64>,
}

/// The merchandise shop.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ShopSettings {
    pub catalog: PathBuf,
    pub claim_expiry_days: i64,
    pub two_approvals_from: i64,
    pub expiry_check_seconds: u64,
    /// Moderators are reminded once a day of claims waiting longer.
    pub remind_after_hours: u32,
    /// A claim's postal address is erased this many days after the claim
    /// shipped (or ended otherwise).
    pub erase_address_days: i64,
}

/// Public recognition.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecognitionSettings {
    /// Milestones are congratulated publicly where the vote happened.
    pub announce_milestones: bool,
    /// New members are welcomed the first time they speak in a welcome place.
    pub welcome_new_members: bool,
    /// The welcome places; empty means every support channel.
    pub welcome_channels: Vec<String>,
    /// Points earned are told privately at most once per this many minutes.
    pub digest_minutes: u32,
}

/// How notices reach their addressees (the outbox and its deliverers).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeliverySettings {
    /// Attempts before a notice is marked failed.
    pub max_attempts: u32,
    /// On SIGTERM/SIGINT, how long the deliverers may still send.
    pub shutdown_grace_seconds: u64,
    /// Delivered notices are deleted after this many days.
    pub keep_days: u32,
    /// How often a deliverer looks for notices other processes wrote.
    pub poll_interval_ms: u64,
}

/// Where and how the SQLite store is opened.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DatabaseSettings {
    pub url: String,
    pub busy_timeout_ms: u64,
    pub max_connections: u32,
}

/// Bounds on what members may send and ask for.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Limits {
    pub max_message_chars: usize,
    pub max_grant_points: i64,
    pub history_default: u32,
    pub history_max: u32,
}

/// The local console chat.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleSettings {
    pub moderators: Vec<String>,
    pub channel: String,
    pub bot_name: String,
}

/// The Telegram adapter. The token is a secret: `TELEGRAM_BOT_TOKEN`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TelegramSettings {
    pub api_url: String,
    pub moderators_chat: i64,
    pub moderator_ids: Vec<i64>,
    pub admin_cache_seconds: u64,
    pub poll_timeout_seconds: u32,
}

/// The Discord adapter. The token is a secret: `DISCORD_TOKEN`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordSettings {
    /// The base URL REST calls go to instead of `https://discord.com` (an
    /// HTTP proxy that owns the rate limits, or the tests' fake); the
    /// gateway's URL is read from `GET /api/v10/gateway` there.
    pub api_url: String,
    /// Guild ids whose slash commands are registered; empty: global.
    pub guilds: Vec<u64>,
    /// The channel where claims wait for moderators; 0 means none.
    pub moderators_channel: u64,
    /// Role ids whose members moderate (besides Manage Server).
    pub moderator_roles: Vec<u64>,
    /// Whether the bot hears members join (the privileged Server Members
    /// intent, which must be switched on in the Developer Portal too): the
    /// fair start learns join dates, and newcomers are welcomed in the
    /// server's system channel when it is a welcome place.
    #[serde(default)]
    pub member_events: bool,
}

impl DiscordSettings {
    /// Discord's own API: serenity's rate limiter is on only then.
    pub const DISCORD_API: &'static str = "https://discord.com";
}

/// Members' data rights (`/mydata`, `/forget_me`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrivacySettings {
    /// Where the console writes a member's data export (`/mydata`),
    /// relative to the working directory; the platforms send it as a file.
    pub export_dir: PathBuf,
}

/// Logging on stderr.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogSettings {
    pub filter: String,
    /// `text` for people, `json` (one object per line) for log collectors.
    #[serde(default)]
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

/// The optional HTTP listener for `/healthz` and `/metrics`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpSettings {
    /// `host:port` to listen on, e.g. `127.0.0.1:9464`; empty: no listener.
    pub listen: String,
    /// `/healthz` reports the outbox stuck when a due notice waits longer.
    pub outbox_stuck_seconds: u64,
}

/// Periodic backups while the bot runs (`fanclub backup FILE` any time).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BackupSettings {
    /// Where the periodic backups go.
    pub dir: PathBuf,
    /// Hours between backups; 0 turns periodic backups off.
    pub every_hours: u64,
    /// How many periodic backups are kept; older ones are deleted.
    pub keep: usize,
}

/// How long rows that serve only for a while are kept (delivered notices:
/// `delivery.keep_days`). A periodic task prunes them while the bot runs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionSettings {
    /// Messages (the log replies, reactions and buttons refer to) are
    /// deleted after this many days, unless something still points at
    /// them; at least `points.max_message_age_days` and
    /// `shop.claim_expiry_days`.
    pub messages_days: u32,
    /// Questions asked of the FAQ; at least `faq.unanswered_days`.
    pub faq_queries_days: u32,
    /// Marks of handled platform events (replays); at least 2.
    pub handled_events_days: u32,
    /// Hours between pruning runs; 0 turns pruning off.
    pub every_hours: u64,
}

/// Why settings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("config file {0} does not exist")]
    MissingFile(PathBuf),
    #[error("invalid configuration: {0}")]
    Invalid(String),
    #[error("invalid configuration: {0}")]
    Rule(String),
}

impl From<figment::Error> for ConfigError {
    /// Names the file (or environment) and the key of every problem.
    fn from(error: figment::Error) -> Self {
        let problems: Vec<String> = error
            .into_iter()
            .map(|problem| describe(&problem))
            .collect();
        ConfigError::Invalid(problems.join("; "))
    }
}

fn describe(problem: &figment::Error) -> String {
    let origin = problem
        .metadata
        .as_ref()
        .map(|metadata| match &metadata.source {
            Some(figment::Source::File(path)) => path.display().to_string(),
            Some(figment::Source::Code(_)) if metadata.name.contains("TOML") => {
                "config/default.toml".to_owned()
            }
            _ => metadata.name.to_string(),
        })
        .unwrap_or_else(|| "settings".to_owned());
    let key = problem.path.join(".");
    if key.is_empty() {
        format!("{origin}: {}", problem.kind)
    } else {
        format!("{origin}: key `{key}`: {}", problem.kind)
    }
}

/// The settings and the files they were read from, for `check-config`.
#[derive(Debug, Clone)]
pub struct Loaded {
    pub settings: Settings,
    pub files: Vec<PathBuf>,
}

impl Settings {
    /// Loads the layered settings. `explicit` is the `--config` file, which
    /// must exist; without it `config/local.toml` is read when present.
    pub fn load(explicit: Option<&Path>) -> Result<Loaded, ConfigError> {
        Self::load_from(explicit, Path::new(LOCAL_CONFIG), Env::prefixed(ENV_PREFIX))
    }

    /// The defaults alone, for tests and tools that take no files.
    pub fn defaults() -> Settings {
        Figment::from(Toml::string(DEFAULT_TOML))
            .extract::<Settings>()
            .expect("config/default.toml is valid; a unit test guards it")
    }

    fn load_from(explicit: Option<&Path>, local: &Path, env: Env) -> Result<Loaded, ConfigError> {
        let mut figment = Figment::from(Toml::string(DEFAULT_TOML));
        let mut files = Vec::new();
        match explicit {
            Some(path) if !path.is_file() => return Err(ConfigError::MissingFile(path.into())),
            Some(path) => files.push(path.to_path_buf()),
            None if local.is_file() => files.push(local.to_path_buf()),
            None => {}
        }
        for file in &files {
            figment = figment.merge(Toml::file_exact(file));
        }
        let figment = figment.merge(env.split("__"));
        let mut settings: Settings = figment.extract()?;
        if let Some(explicit) = explicit {
            settings.resolve_paths(&figment, explicit);
        }
        settings.validate()?;
        Ok(Loaded { settings, files })
    }

    /// Makes the relative paths that `file` (the `--config` file) set
    /// relative to its directory instead of the working directory.
    fn resolve_paths(&mut self, figment: &Figment, file: &Path) {
        let base = file
            .parent()
            .filter(|dir| !dir.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let base = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_path_buf());
        let from_file = |key: &str| {
            figment
                .find_metadata(key)
                .and_then(|metadata| metadata.source.as_ref())
                .is_some_and(|source| {
                    matches!(source, figment::Source::File(path) if path.ends_with(file) || file.ends_with(path) || path == file)
                })
        };
        let resolve = |key: &str, path: &mut PathBuf| {
            if from_file(key) && path.is_relative() && !path.as_os_str().is_empty() {
                *path = base.join(&*path);
            }
        };
        resolve("faq.path", &mut self.faq.path);
        resolve("faq.model", &mut self.faq.model);
        resolve("faq.cache_dir", &mut self.faq.cache_dir);
        resolve("shop.catalog", &mut self.shop.catalog);
        resolve("privacy.export_dir", &mut self.privacy.export_dir);
        resolve("backup.dir", &mut self.backup.dir);
        if from_file("database.url") {
            self.database.url = resolve_url(&self.database.url, &base);
        }
    }

    /// Rules that types alone cannot express.
    fn validate(&self) -> Result<(), ConfigError> {
        let rule = |ok: bool, message: &str| {
            if ok {
                Ok(())
            } else {
                Err(ConfigError::Rule(message.to_owned()))
            }
        };
        let limits = &self.limits;
        rule(
            limits.max_message_chars >= 16,
            "limits.max_message_chars must be at least 16",
        )?;
        rule(
            limits.max_grant_points > 0,
            "limits.max_grant_points must be positive",
        )?;
        rule(
            (1..=limits.history_max).contains(&limits.history_default),
            "limits.history_default must be between 1 and limits.history_max",
        )?;
        rule(
            self.club
                .support_channels
                .iter()
                .all(|channel| channel.contains(':')),
            "club.support_channels entries look like \"platform:place-id\"",
        )?;
        let points = &self.points;
        rule(
            points.time_zone.parse::<chrono_tz::Tz>().is_ok(),
            "points.time_zone must be an IANA time zone such as \"Europe/Berlin\"",
        )?;
        rule(
            [
                points.upvote_points,
                points.solution_points,
                points.daily_points_cap,
            ]
            .iter()
            .all(|value| *value >= 0)
                && [
                    points.min_voter_days,
                    points.daily_votes_per_voter,
                    points.daily_votes_per_pair,
                ]
                .iter()
                .all(|value| *value >= 0),
            "points: amounts, caps and days must not be negative",
        )?;
        rule(
            points.max_message_age_days >= 1
                && points.suspicious_days >= 1
                && points.suspicious_factor > 0.0,
            "points.max_message_age_days and points.suspicious_days must be at least 1, suspicious_factor positive",
        )?;
        rule(
            self.grants.categories.iter().all(|(name, points)| {
                *points != 0
                    && !name.is_empty()
                    && name.chars().all(|c| c.is_ascii_lowercase() || c == '_')
            }),
            "grants.categories: names are lowercase words with `_`, points are not zero",
        )?;
        rule(
            self.delivery.max_attempts >= 1
                && self.delivery.keep_days >= 1
                && self.delivery.poll_interval_ms >= 1
                && self.recognition.digest_minutes >= 1,
            "delivery.max_attempts, delivery.keep_days, delivery.poll_interval_ms and recognition.digest_minutes must be at least 1",
        )?;
        rule(
            self.recognition
                .welcome_channels
                .iter()
                .all(|channel| channel.contains(':')),
            "recognition.welcome_channels entries look like \"platform:place-id\"",
        )?;
        rule(
            self.shop.claim_expiry_days >= 1
                && self.shop.expiry_check_seconds >= 1
                && self.shop.two_approvals_from >= 0
                && self.shop.erase_address_days >= 0,
            "shop.claim_expiry_days and shop.expiry_check_seconds must be at least 1, two_approvals_from and erase_address_days not negative",
        )?;
        rule(
            self.faq.unanswered_days >= 1,
            "faq.unanswered_days must be at least 1",
        )?;
        let retention = &self.retention;
        rule(
            i64::from(retention.messages_days) >= self.points.max_message_age_days
                && i64::from(retention.messages_days) >= self.shop.claim_expiry_days,
            "retention.messages_days must be at least points.max_message_age_days and shop.claim_expiry_days (votes and claim buttons need their messages)",
        )?;
        rule(
            i64::from(retention.faq_queries_days) >= i64::from(self.faq.unanswered_days),
            "retention.faq_queries_days must be at least faq.unanswered_days",
        )?;
        rule(
            retention.handled_events_days >= 2,
            "retention.handled_events_days must be at least 2 (Telegram keeps unconfirmed updates for 24 hours)",
        )?;
        rule(
            (0.0..0.5).contains(&self.faq.max_wrong_rate),
            "faq.max_wrong_rate must be at least 0 and below 0.5",
        )?;
        rule(
            self.telegram.api_url.starts_with("http://")
                || self.telegram.api_url.starts_with("https://"),
            "telegram.api_url must be an http:// or https:// URL",
        )?;
        rule(
            self.discord.api_url.starts_with("http://")
                || self.discord.api_url.starts_with("https://"),
            "discord.api_url must be an http:// or https:// URL",
        )?;
        rule(
            self.database.max_connections >= 1,
            "database.max_connections must be at least 1",
        )?;
        rule(
            !self.console.channel.trim().is_empty() && !self.console.bot_name.trim().is_empty(),
            "console.channel and console.bot_name must not be empty",
        )?;
        rule(
            self.http.listen.is_empty() || self.http.listen.parse::<std::net::SocketAddr>().is_ok(),
            "http.listen must be empty (off) or an address with a port, such as \"127.0.0.1:9464\"",
        )?;
        rule(
            self.http.outbox_stuck_seconds >= 1,
            "http.outbox_stuck_seconds must be at least 1",
        )?;
        rule(self.backup.keep >= 1, "backup.keep must be at least 1")
    }
}

/// `sqlite://relative/file.db` against `base`; other URLs unchanged.
fn resolve_url(url: &str, base: &Path) -> String {
    let Some(rest) = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
    else {
        return url.to_owned();
    };
    let (file, query) = match rest.split_once('?') {
        Some((file, query)) => (file, Some(query)),
        None => (rest, None),
    };
    if file.is_empty() || file.starts_with(':') || Path::new(file).is_absolute() {
        return url.to_owned();
    }
    let joined = base.join(file).display().to_string();
    match query {
        Some(query) => format!("sqlite://{joined}?{query}"),
        None => format!("sqlite://{joined}"),
    }
}

/// Where the moderators read what waits for them (claims to decide), on a
/// platform `fanclub run` starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModeratorsPlace {
    /// The console's channel: with no platform token the console runs, and
    /// its moderators read the channel.
    Console { channel: String },
    /// `telegram.moderators_chat`.
    Telegram { chat: i64 },
    /// `discord.moderators_channel`.
    Discord { channel: u64 },
}

impl std::fmt::Display for ModeratorsPlace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ModeratorsPlace::Console { channel } => write!(f, "the console channel {channel}"),
            ModeratorsPlace::Telegram { chat } => write!(f, "the Telegram chat {chat}"),
            ModeratorsPlace::Discord { channel } => write!(f, "the Discord channel {channel}"),
        }
    }
}

impl Settings {
    /// The moderators' places of the platforms `fanclub run` starts with
    /// `secrets` (the same choice it makes: Telegram and Discord with their
    /// tokens, else the console); `Err` names the keys that would give them
    /// one.
    pub fn moderators_places(
        &self,
        secrets: &Secrets,
    ) -> Result<Vec<ModeratorsPlace>, Vec<&'static str>> {
        if !secrets.any_platform() {
            return Ok(vec![ModeratorsPlace::Console {
                channel: self.console.channel.clone(),
            }]);
        }
        let mut places = Vec::new();
        let mut keys = Vec::new();
        if secrets.telegram_bot_token.is_some() {
            match self.telegram.moderators_chat {
                0 => keys.push("telegram.moderators_chat"),
                chat => places.push(ModeratorsPlace::Telegram { chat }),
            }
        }
        if secrets.discord_token.is_some() {
            match self.discord.moderators_channel {
                0 => keys.push("discord.moderators_channel"),
                channel => places.push(ModeratorsPlace::Discord { channel }),
            }
        }
        if places.is_empty() {
            return Err(keys);
        }
        Ok(places)
    }

    /// Claims on items that need approval wait for a moderator: when the
    /// shop has such items (`needing_approval`, their skus), some platform
    /// that runs must have a moderators' place, or claims wait unseen until
    /// they expire. The error names the key to set.
    pub fn check_approvals_reach_moderators(
        &self,
        secrets: &Secrets,
        needing_approval: &[&str],
    ) -> Result<(), ConfigError> {
        match self.moderators_places(secrets) {
            Err(keys) if !needing_approval.is_empty() => Err(ConfigError::Rule(format!(
                "the shop has items that need a moderator's approval ({}), but no platform \
                 has a moderators' place: set {}",
                needing_approval.join(", "),
                keys.join(" or ")
            ))),
            _ => Ok(()),
        }
    }
}

/// Platform tokens, read from the environment (or `.env`) only.
///
/// `SecretString`'s `Debug` prints `[REDACTED]`, so logging this struct, or
/// anything holding it, cannot leak a token.
#[derive(Debug, Default)]
pub struct Secrets {
    pub discord_token: Option<SecretString>,
    pub telegram_bot_token: Option<SecretString>,
}

impl Secrets {
    /// Reads `DISCORD_TOKEN` and `TELEGRAM_BOT_TOKEN`; empty values count as unset.
    pub fn from_env() -> Secrets {
        let read = |name: &str| {
            std::env::var(name)
                .ok()
                .filter(|value| !value.trim().is_empty())
                .map(SecretString::from)
        };
        Secrets {
            discord_token: read("DISCORD_TOKEN"),
            telegram_bot_token: read("TELEGRAM_BOT_TOKEN"),
        }
    }

    /// Whether any platform token is configured.
    pub fn any_platform(&self) -> bool {
        self.discord_token.is_some() || self.telegram_bot_token.is_some()
    }
}

#[cfg(test)]
mod tests {
    use std::io::Write;

    use super::*;

    fn no_env() -> Env {
        Env::prefixed("FANCLUB_TEST_UNSET_PREFIX__")
    }

    fn file_with(text: &str) -> tempfile::NamedTempFile {
        let mut file = tempfile::Builder::new().suffix(".toml").tempfile().unwrap();
        file.write_all(text.as_bytes()).unwrap();
        file
    }

    #[test]
    fn the_committed_defaults_load_and_pass_validation() {
        let defaults = Settings::defaults();
        assert!(defaults.validate().is_ok());
        assert_eq!(defaults.club.default_language, Lang::De);
        assert_eq!(defaults.database.url, "sqlite://data/fanclub.db");
    }

    #[test]
    fn the_committed_search_settings_are_the_code_defaults() {
        let faq = Settings::defaults().faq;
        assert_eq!(faq.search_settings(), SearchSettings::default());
        assert!(faq.search.is_empty(), "faq.search is retired");
    }

    #[test]
    fn an_override_file_changes_only_the_keys_it_names() {
        let file = file_with("[club]\ndefault_language = \"en\"\n");
        let loaded =
            Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env()).unwrap();
        assert_eq!(loaded.settings.club.default_language, Lang::En);
        assert_eq!(loaded.settings.club.name, "Fanclub");
        assert_eq!(loaded.files, vec![file.path().to_path_buf()]);
    }

    #[test]
    fn relative_paths_in_a_config_file_resolve_against_its_directory_and_defaults_stay() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("fanclub.toml");
        std::fs::write(
            &file,
            "[faq]\npath = \"faq.toml\"\n[shop]\ncatalog = \"/abs/catalog.toml\"\n\
             [database]\nurl = \"sqlite://data/club.db?mode=rwc\"\n[backup]\ndir = \"backups\"\n",
        )
        .unwrap();
        let base = std::fs::canonicalize(dir.path()).unwrap();
        let settings = Settings::load_from(Some(&file), Path::new("/nonexistent"), no_env())
            .unwrap()
            .settings;
        assert_eq!(settings.faq.path, base.join("faq.toml"));
        assert_eq!(settings.backup.dir, base.join("backups"));
        assert_eq!(settings.shop.catalog, Path::new("/abs/catalog.toml"));
        assert_eq!(
            settings.database.url,
            format!("sqlite://{}?mode=rwc", base.join("data/club.db").display())
        );
        // Keys the file does not set keep the defaults, relative to the
        // working directory.
        assert_eq!(settings.faq.cache_dir, Path::new("data/cache"));
        assert_eq!(settings.privacy.export_dir, Path::new("data/exports"));
    }

    #[test]
    fn the_new_operator_keys_have_safe_defaults_and_bad_values_are_named() {
        let defaults = Settings::defaults();
        assert!(defaults.http.listen.is_empty(), "no listener unless asked");
        assert_eq!(defaults.backup.every_hours, 0);
        assert_eq!(defaults.backup.keep, 7);
        assert_eq!(defaults.log.format, LogFormat::Text);
        let file = file_with("[http]\nlisten = \"localhost\"\n");
        let error = Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("http.listen"), "{error}");
        let file = file_with("[log]\nformat = \"xml\"\n");
        let error = Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("log.format"), "{error}");
    }

    #[test]
    fn welcomes_and_milestones_are_on_unless_an_older_file_turns_them_off() {
        let recognition = Settings::defaults().recognition;
        assert!(recognition.welcome_new_members && recognition.announce_milestones);
        assert!(recognition.welcome_channels.is_empty());
        // A file written before `welcome_new_members` existed still loads.
        let file = file_with("[recognition]\nannounce_milestones = false\n");
        let loaded =
            Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env()).unwrap();
        assert!(!loaded.settings.recognition.announce_milestones);
        assert!(loaded.settings.recognition.welcome_new_members);
    }

    #[test]
    fn each_platform_counts_reactions_its_members_can_give() {
        use crate::club::model::Platform;
        let points = Settings::defaults().points;
        // Telegram's fixed reaction list has neither ✅ nor ⭐.
        assert_eq!(
            points.upvote_emoji.on(Platform::Telegram),
            ["👍", "❤", "🔥", "👏", "💯"]
        );
        assert_eq!(points.solution_emoji.on(Platform::Telegram), ["🏆"]);
        assert_eq!(
            points.upvote_emoji.on(Platform::Discord),
            ["👍", "⭐", "❤️"]
        );
        assert_eq!(points.solution_emoji.on(Platform::Discord), ["✅"]);
        assert_eq!(points.solution_emoji.on(Platform::Console), ["✅"]);
    }

    #[test]
    fn an_older_file_with_one_emoji_list_still_loads_and_counts_it_everywhere() {
        use crate::club::model::Platform;
        let file = file_with("[points]\nupvote_emoji = [\"👍\"]\nsolution_emoji = [\"✅\"]\n");
        let loaded =
            Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env()).unwrap();
        let points = loaded.settings.points;
        assert_eq!(points.upvote_emoji.on(Platform::Telegram), ["👍"]);
        assert_eq!(points.solution_emoji.on(Platform::Discord), ["✅"]);
    }

    #[test]
    fn a_table_of_emoji_changes_only_the_platforms_it_names() {
        use crate::club::model::Platform;
        let file = file_with("[points.solution_emoji]\ntelegram = [\"🎯\"]\n");
        let loaded =
            Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env()).unwrap();
        let points = loaded.settings.points;
        assert_eq!(points.solution_emoji.on(Platform::Telegram), ["🎯"]);
        assert_eq!(points.solution_emoji.on(Platform::Discord), ["✅"]);
        assert_eq!(points.upvote_emoji.on(Platform::Telegram)[0], "👍");
    }

    #[test]
    fn an_unknown_key_is_rejected_naming_the_key_and_the_file() {
        let file = file_with("[club]\nnmae = \"typo\"\n");
        let error = Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("nmae"), "{error}");
        assert!(
            error.contains(&file.path().display().to_string()),
            "{error}"
        );
    }

    #[test]
    fn a_wrongly_typed_value_is_rejected_naming_the_key() {
        let file = file_with("[limits]\nmax_grant_points = \"lots\"\n");
        let error = Settings::load_from(Some(file.path()), Path::new("/nonexistent"), no_env())
            .unwrap_err()
            .to_string();
        assert!(error.contains("max_grant_points"), "{error}");
    }

    #[test]
    fn a_missing_explicit_file_is_an_error() {
        let error =
            Settings::load_from(Some(Path::new("/no/such.toml")), Path::new("/x"), no_env())
                .unwrap_err();
        assert!(matches!(error, ConfigError::MissingFile(_)));
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn environment_variables_override_files() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FANCLUB_JAIL__CLUB__DEFAULT_LANGUAGE", "en");
            jail.set_env("FANCLUB_JAIL__CONSOLE__MODERATORS", "[anna, ben]");
            let loaded = Settings::load_from(
                None,
                Path::new("/nonexistent"),
                Env::prefixed("FANCLUB_JAIL__"),
            )
            .unwrap();
            assert_eq!(loaded.settings.club.default_language, Lang::En);
            assert_eq!(loaded.settings.console.moderators, vec!["anna", "ben"]);
            Ok(())
        });
    }

    fn telegram_secrets() -> Secrets {
        Secrets {
            telegram_bot_token: Some(SecretString::from("1:x")),
            ..Secrets::default()
        }
    }

    #[test]
    fn items_needing_approval_on_telegram_without_a_moderators_chat_name_the_key_to_set() {
        let settings = Settings::defaults();
        let error = settings
            .check_approvals_reach_moderators(&telegram_secrets(), &["tshirt-2026"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("telegram.moderators_chat"), "{error}");
        assert!(error.contains("tshirt-2026"), "{error}");
    }

    #[test]
    fn approvals_are_fine_with_a_moderators_chat_or_with_nothing_to_approve() {
        let mut settings = Settings::defaults();
        let telegram = telegram_secrets();
        assert!(
            settings
                .check_approvals_reach_moderators(&telegram, &[])
                .is_ok()
        );
        settings.telegram.moderators_chat = -100_500;
        assert!(
            settings
                .check_approvals_reach_moderators(&telegram, &["mug"])
                .is_ok()
        );
        assert_eq!(
            settings.moderators_places(&telegram),
            Ok(vec![ModeratorsPlace::Telegram { chat: -100_500 }])
        );
    }

    #[test]
    fn without_a_platform_token_the_console_channel_is_the_moderators_place() {
        let settings = Settings::defaults();
        assert!(
            settings
                .check_approvals_reach_moderators(&Secrets::default(), &["mug"])
                .is_ok()
        );
        assert_eq!(
            settings.moderators_places(&Secrets::default()),
            Ok(vec![ModeratorsPlace::Console {
                channel: "general".to_owned()
            }])
        );
    }

    #[test]
    fn discord_claims_need_a_moderators_channel_unless_telegram_has_a_chat() {
        let mut settings = Settings::defaults();
        let discord_only = Secrets {
            discord_token: Some(SecretString::from("d")),
            ..Secrets::default()
        };
        let error = settings
            .check_approvals_reach_moderators(&discord_only, &["mug"])
            .unwrap_err()
            .to_string();
        assert!(error.contains("discord.moderators_channel"), "{error}");
        settings.discord.moderators_channel = 42;
        assert_eq!(
            settings.moderators_places(&discord_only),
            Ok(vec![ModeratorsPlace::Discord { channel: 42 }])
        );
        let both = Secrets {
            discord_token: Some(SecretString::from("d")),
            telegram_bot_token: Some(SecretString::from("1:x")),
        };
        settings.discord.moderators_channel = 0;
        settings.telegram.moderators_chat = -7;
        assert_eq!(
            settings.moderators_places(&both),
            Ok(vec![ModeratorsPlace::Telegram { chat: -7 }])
        );
    }

    #[test]
    #[allow(clippy::result_large_err)] // figment's Jail API returns its own large error
    fn the_discord_api_url_and_guilds_come_from_the_environment() {
        figment::Jail::expect_with(|jail| {
            jail.set_env("FANCLUB_JAIL__DISCORD__API_URL", "http://127.0.0.1:9");
            jail.set_env("FANCLUB_JAIL__DISCORD__GUILDS", "[1234567890123456789]");
            let loaded = Settings::load_from(
                None,
                Path::new("/nonexistent"),
                Env::prefixed("FANCLUB_JAIL__"),
            )
            .unwrap();
            assert_eq!(loaded.settings.discord.api_url, "http://127.0.0.1:9");
            assert_eq!(
                loaded.settings.discord.guilds,
                vec![1_234_567_890_123_456_789]
            );
            Ok(())
        });
        assert_eq!(
            Settings::defaults().discord.api_url,
            DiscordSettings::DISCORD_API
        );
    }

    #[test]
    fn secrets_never_show_in_debug_output() {
        let secrets = Secrets {
            discord_token: Some(SecretString::from("discord-very-secret")),
            telegram_bot_token: Some(SecretString::from("123:telegram-very-secret")),
        };
        let printed = format!("{secrets:?}");
        assert!(!printed.contains("very-secret"), "{printed}");
    }
}
