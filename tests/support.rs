//! Shared helpers: temporary stores, a club on a manual clock, the binary.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, OnceLock};

use chrono::{TimeZone, Utc};
use fanclub::club::clock::ManualClock;
use fanclub::club::model::{Actor, Event, Incoming, MemberId, MessageId, Place, Platform};
use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::faq::FaqBook;
use fanclub::faq::semantic::Embedder;
use fanclub::lang::Lang;
use fanclub::store::{IdentitySeen, Store, StoreOptions};
use tempfile::TempDir;

/// A store on a fresh SQLite file that lives as long as this value.
pub struct TempStore {
    pub store: Store,
    pub dir: TempDir,
}

impl TempStore {
    pub async fn new() -> TempStore {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let store = Store::open(&url_in(dir.path()), &StoreOptions::default())
            .await
            .expect("the store opens");
        TempStore { store, dir }
    }

    pub fn url(&self) -> String {
        url_in(self.dir.path())
    }

    /// A connection of its own, outside the store: what an operator with
    /// the `sqlite3` shell (or a bug) could do to the file.
    pub async fn raw_connection(&self) -> sqlx::SqliteConnection {
        use sqlx::Connection;
        sqlx::SqliteConnection::connect(&self.url())
            .await
            .expect("a raw connection")
    }

    /// A member seen on the console under `name`.
    pub async fn member(&self, name: &str) -> MemberId {
        let seen = IdentitySeen {
            platform: Platform::Console,
            external_id: name,
            username: Some(name),
            display_name: name,
            language: Some(Lang::De),
            default_language: Lang::De,
            today: Utc::now().date_naive(),
            is_bot: false,
            joined: None,
        };
        self.store
            .member_seen(&seen, Utc::now())
            .await
            .expect("member")
            .id
    }
}

/// The catalog the club ships with.
pub fn starter_catalog() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/catalog.toml")
}

/// The FAQ file the club ships with.
pub fn starter_faq() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("config/faq.toml")
}

/// The sentence model that `scripts/fetch-model` installs, with the starter
/// FAQ's phrasing vectors on disk (in [`faq_cache_dir`]) before the first
/// binary starts (every binary started without them would embed them
/// itself, at once).
pub fn faq_model() -> PathBuf {
    static WARM: OnceLock<PathBuf> = OnceLock::new();
    WARM.get_or_init(|| {
        let path =
            Path::new(env!("CARGO_MANIFEST_DIR")).join(fanclub::faq::semantic::DEFAULT_MODEL_PATH);
        let embedder =
            Embedder::shared(&path, &faq_cache_dir()).unwrap_or_else(|error| panic!("{error}"));
        let book = FaqBook::load(&starter_faq()).expect("the starter FAQ loads");
        let phrasings: Vec<&str> = book
            .entries()
            .iter()
            .flat_map(|entry| entry.texts())
            .flat_map(|text| text.phrasings())
            .collect();
        embedder
            .phrasings(&phrasings)
            .expect("the starter FAQ is embedded");
        warm_the_binarys_faq(&path);
        path
    })
    .clone()
}

/// Lets the binary build the starter FAQ's index once, as the club does
/// (answers rendered with the default settings, passages and the practice
/// passages its decision is fitted on), so the vectors are in
/// [`faq_cache_dir`] before any test waits for a started binary's answer.
fn warm_the_binarys_faq(model: &Path) {
    let output = Command::new(env!("CARGO_BIN_EXE_fanclub"))
        .args(["faq", "ask", "--json", "warm up"])
        .env_remove("RUST_LOG")
        .env("FANCLUB__FAQ__PATH", starter_faq())
        .env("FANCLUB__FAQ__MODEL", model)
        .env("FANCLUB__FAQ__CACHE_DIR", faq_cache_dir())
        .env("FANCLUB__SHOP__CATALOG", starter_catalog())
        .output()
        .expect("fanclub faq ask runs");
    assert!(
        output.status.success(),
        "warming the FAQ failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The tests' cache of FAQ vectors: under the target directory, shared by
/// every test process and build, never the repository's `data/`.
pub fn faq_cache_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("faq-cache")
}

pub fn url_in(dir: &Path) -> String {
    format!("sqlite://{}/fanclub.db", dir.display())
}

/// A moderator-style grant of `amount` to `member`, booked once per `key`.
pub fn grant_posting(member: MemberId, amount: i64, key: &str) -> fanclub::store::Posting {
    fanclub::store::Posting {
        member,
        amount,
        kind: fanclub::store::ledger::LedgerKind::Grant,
        reason: "test".to_owned(),
        actor: None,
        source: None,
        idempotency_key: key.to_owned(),
        audit: None,
    }
}

/// The shipped settings with the starter files, and without the public
/// welcome and milestone messages: they are on by default, but most
/// stories are about something else, and their transcripts and reply lists
/// would shift by a message for every new member. The stories about
/// welcomes and milestones turn them back on (or run the binary as
/// shipped, see [`fanclub_as_shipped`]).
pub fn test_config() -> ClubConfig {
    let mut config = ClubConfig::from_settings(&Settings::defaults());
    config.faq.path = starter_faq();
    config.faq.model = faq_model();
    config.faq.cache_dir = faq_cache_dir();
    config.shop.catalog = starter_catalog();
    config.recognition.welcome_new_members = false;
    config.recognition.announce_milestones = false;
    config
}

/// A club on a temporary store whose clock tests can move.
pub struct TestClub {
    pub club: Club,
    pub clock: Arc<ManualClock>,
    pub temp: TempStore,
}

impl TestClub {
    pub async fn new() -> TestClub {
        TestClub::with_faq(starter_faq()).await
    }

    /// A club whose FAQ is read from `faq`.
    pub async fn with_faq(faq: PathBuf) -> TestClub {
        TestClub::configured(|config| config.faq.path = faq).await
    }

    /// A club with the default settings changed by `change`.
    pub async fn configured(change: impl FnOnce(&mut ClubConfig)) -> TestClub {
        let temp = TempStore::new().await;
        let clock = Arc::new(ManualClock::at(
            Utc.with_ymd_and_hms(2026, 11, 2, 10, 0, 0).unwrap(),
        ));
        let mut config = test_config();
        change(&mut config);
        let club = Club::open(temp.store.clone(), config, clock.clone())
            .await
            .expect("the club opens");
        TestClub { club, clock, temp }
    }

    /// Handles an event, expecting the store to work.
    pub async fn send(&self, incoming: Incoming) -> fanclub::club::Handled {
        self.club.handle(incoming).await.expect("the store works")
    }

    /// Posts `text` and returns the message's id.
    pub async fn post(&self, who: &Actor, text: &str, key: &str) -> MessageId {
        self.send(said(who, text, key))
            .await
            .message
            .expect("a message id")
    }

    /// Replies to `to` and returns the reply's id and the bot's replies.
    pub async fn reply(
        &self,
        who: &Actor,
        to: MessageId,
        text: &str,
        key: &str,
    ) -> fanclub::club::Handled {
        let mut incoming = said(who, text, key);
        incoming.event = Event::Message {
            text: text.to_owned(),
            reply_to: Some(to),
            external_id: Some(key.to_owned()),
            mentions: Vec::new(),
        };
        self.send(incoming).await
    }

    /// Adds (or removes) a reaction.
    pub async fn react(
        &self,
        who: &Actor,
        to: MessageId,
        emoji: &str,
        added: bool,
        key: &str,
    ) -> fanclub::club::Handled {
        self.send(Incoming {
            actor: who.clone(),
            place: group(),
            event_key: Some(key.to_owned()),
            event: Event::Reaction {
                message: to.into(),
                emoji: emoji.to_owned(),
                added,
            },
        })
        .await
    }

    /// The member an actor is, once the club has seen them.
    pub async fn member_id(&self, who: &Actor) -> MemberId {
        self.temp
            .store
            .identity_member(who.platform, &who.external_id)
            .await
            .unwrap()
            .expect("a known member")
            .id
    }

    /// A member's balance, looked up by their actor.
    pub async fn balance(&self, who: &Actor) -> i64 {
        let member = self.member_id(who).await;
        self.temp.store.balance(member).await.unwrap()
    }

    /// The club after a restart `after` later: a new process on the same
    /// database file.
    pub async fn restarted(self, after: chrono::Duration) -> TestClub {
        let store = Store::open(&self.temp.url(), &StoreOptions::default())
            .await
            .expect("the store reopens");
        let clock = Arc::new(ManualClock::at(self.club.now() + after));
        let config = test_config();
        let club = Club::open(store.clone(), config, clock.clone())
            .await
            .expect("the club reopens");
        self.temp.store.close().await;
        let temp = TempStore {
            store,
            dir: self.temp.dir,
        };
        TestClub { club, clock, temp }
    }

    /// Lets `days` pass.
    pub fn days_pass(&self, days: i64) {
        self.clock.advance(chrono::Duration::days(days));
    }
}

/// Someone in a Telegram-like group, by name.
pub fn actor(name: &str, moderator: bool) -> Actor {
    Actor {
        platform: Platform::Telegram,
        external_id: format!("id-{name}"),
        username: Some(name.to_owned()),
        display_name: name.to_owned(),
        locale: Some("en".to_owned()),
        is_bot: false,
        is_moderator: moderator,
        joined_at: None,
    }
}

pub fn group() -> Place {
    Place {
        platform: Platform::Telegram,
        id: "-100123".to_owned(),
        private: false,
    }
}

/// `text` said in the group by `actor`, delivered as platform event `key`.
pub fn said(actor: &Actor, text: &str, key: &str) -> Incoming {
    Incoming {
        actor: actor.clone(),
        place: group(),
        event_key: Some(key.to_owned()),
        event: Event::Message {
            text: text.to_owned(),
            reply_to: None,
            external_id: Some(key.to_owned()),
            mentions: Vec::new(),
        },
    }
}

/// The built `fanclub` binary, without public welcomes and milestone
/// messages (for the reason given at [`test_config`]).
pub fn fanclub() -> Command {
    let mut command = fanclub_as_shipped();
    command
        .env("FANCLUB__RECOGNITION__WELCOME_NEW_MEMBERS", "false")
        .env("FANCLUB__RECOGNITION__ANNOUNCE_MILESTONES", "false");
    command
}

/// The built `fanclub` binary with the shipped recognition settings.
pub fn fanclub_as_shipped() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_fanclub"));
    // Keep the caller's environment from leaking in.
    command
        .env_remove("DATABASE_URL")
        .env_remove("TELEGRAM_BOT_TOKEN")
        .env_remove("DISCORD_TOKEN")
        .env_remove("RUST_LOG")
        .env_remove("FANCLUB__RECOGNITION__WELCOME_NEW_MEMBERS")
        .env_remove("FANCLUB__RECOGNITION__ANNOUNCE_MILESTONES")
        .env("FANCLUB__FAQ__PATH", starter_faq())
        .env("FANCLUB__FAQ__MODEL", faq_model())
        .env("FANCLUB__FAQ__CACHE_DIR", faq_cache_dir())
        .env("FANCLUB__SHOP__CATALOG", starter_catalog());
    command
}

/// What a run of the binary printed, and how it ended.
pub struct Run {
    pub stdout: String,
    pub stderr: String,
    pub success: bool,
}

/// Runs `fanclub ARGS` in `dir` with `script` on stdin.
pub fn run_in(dir: &Path, args: &[&str], script: &str) -> Run {
    run_command(fanclub(), dir, args, script)
}

/// Runs a prepared `fanclub` command in `dir` with `script` on stdin.
pub fn run_command(mut command: Command, dir: &Path, args: &[&str], script: &str) -> Run {
    let mut child = command
        .args(args)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fanclub starts");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(script.as_bytes())
        .expect("the script is written");
    let output = child.wait_with_output().expect("fanclub finishes");
    Run {
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        success: output.status.success(),
    }
}

/// A console session on the database in `dir`.
pub fn console(dir: &Path, lang: &str, script: &str) -> Run {
    let url = url_in(dir);
    let run = run_in(
        dir,
        &["--database", &url, "--lang", lang, "console"],
        script,
    );
    assert!(
        run.success,
        "the console failed:\n{}\n{}",
        run.stdout, run.stderr
    );
    run
}

/// The line of `output` that starts with `prefix`.
pub fn line_starting<'a>(output: &'a str, prefix: &str) -> &'a str {
    output
        .lines()
        .find(|line| line.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starts with {prefix:?} in:\n{output}"))
}

pub fn path_in(dir: &Path, name: &str) -> PathBuf {
    dir.join(name)
}
