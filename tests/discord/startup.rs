//! The start: a token Discord refuses is logged and retried, never a
//! panic; `fanclub run` with both tokens runs Discord and Telegram in one
//! process on one store; the token never shows.

use std::process::Stdio;
use std::time::Duration;

use fanclub::club::ClubConfig;
use fanclub::config::Settings;
use fanclub::discord::Discord;
use secrecy::SecretString;

use super::fake::{Failure, FakeDiscord};
use super::fixtures::{CHANNEL, GUILD, MODERATORS_CHANNEL, Opt, slash, user};
use super::{TOKEN, WAIT, fast_tuning};
use crate::support::{TestClub, fanclub, url_in};
use crate::telegram::Logs;
use crate::telegram::fake::FakeTelegram;
use crate::telegram::fixtures::{self as telegram, GROUP};

/// The part of [`TOKEN`] after the bot id, which must never be logged.
const TOKEN_SECRET: &str = "very-secret-discord-token-part";

/// A started binary runs the FAQ's practice before it connects; with the
/// whole test suite beside it on two cores that can take long.
const STARTUP_WAIT: Duration = Duration::from_secs(60);

/// Kills the child process if the test fails before it does.
struct Running(Option<std::process::Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

#[tokio::test]
async fn a_token_discord_refuses_is_logged_and_retried_with_backoff_without_a_panic() {
    let (logs, _guard) = Logs::capture();
    let fake = FakeDiscord::start().await;
    fake.fail("me", &[Failure::Server(401), Failure::Server(401)]);
    let club = TestClub::configured(|_: &mut ClubConfig| {}).await;
    let mut settings = Settings::defaults().discord;
    settings.api_url = fake.url.clone();
    settings.guilds = vec![GUILD];
    let adapter = Discord::new(
        club.club.clone(),
        settings,
        &SecretString::from(TOKEN),
        fast_tuning(),
    );
    let printed = format!("{adapter:?}");
    assert!(
        !printed.contains(TOKEN_SECRET) && printed.contains("REDACTED"),
        "{printed}"
    );
    let running = tokio::spawn(adapter.run());
    fake.until_connected(WAIT).await;
    assert!(!running.is_finished(), "the adapter gave up");
    let attempts = fake.calls_to("me");
    assert_eq!(
        attempts.iter().map(|call| call.status).collect::<Vec<_>>(),
        [401, 401, 200]
    );
    let text = logs.text();
    assert_eq!(
        text.matches("GET /users/@me failed, retrying").count(),
        2,
        "{text}"
    );
    assert!(
        !text.contains(TOKEN_SECRET),
        "the token was logged:\n{text}"
    );
    running.abort();
}

#[tokio::test]
async fn fanclub_run_with_both_tokens_runs_discord_and_telegram_in_one_process() {
    let discord = FakeDiscord::start().await;
    let telegram_fake = FakeTelegram::start(crate::telegram::TOKEN).await;
    let dir = tempfile::tempdir().unwrap();
    let child = fanclub()
        .args(["--database", &url_in(dir.path()), "run"])
        .current_dir(dir.path())
        .env("DISCORD_TOKEN", TOKEN)
        .env("FANCLUB__DISCORD__API_URL", &discord.url)
        .env("FANCLUB__DISCORD__GUILDS", format!("[{GUILD}]"))
        .env(
            "FANCLUB__DISCORD__MODERATORS_CHANNEL",
            MODERATORS_CHANNEL.to_string(),
        )
        .env("TELEGRAM_BOT_TOKEN", crate::telegram::TOKEN)
        .env("FANCLUB__TELEGRAM__API_URL", &telegram_fake.url)
        .env("FANCLUB__TELEGRAM__POLL_TIMEOUT_SECONDS", "1")
        .env("FANCLUB__LOG__FILTER", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fanclub starts");
    let mut running = Running(Some(child));
    let deadline = std::time::Instant::now() + STARTUP_WAIT;
    while !discord.connected() {
        let child = running.0.as_mut().expect("the child");
        let exited = child.try_wait().expect("fanclub can be asked").is_some();
        if exited || std::time::Instant::now() > deadline {
            let mut child = running.0.take().expect("the child");
            let _ = child.kill();
            let output = child.wait_with_output().expect("fanclub's output");
            panic!(
                "fanclub run never connected to Discord:\n{}",
                String::from_utf8_lossy(&output.stderr)
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    telegram_fake
        .wait_for("fanclub run to poll Telegram", STARTUP_WAIT, |calls| {
            calls.iter().any(|call| call.method == "getupdates")
        })
        .await;

    // A question on each platform, answered on each.
    let question = [Opt::Text("question", "Wie viele Punkte habe ich?")];
    discord.dispatch(
        "INTERACTION_CREATE",
        &slash(9001, "faq", &question, &user(1001, "Anna"), &[], CHANNEL),
    );
    let ben = telegram::user(2002, "Ben", "de");
    telegram_fake.push(&telegram::message(
        1,
        10,
        GROUP,
        &ben,
        "/faq Wie viele Punkte habe ich?",
        None,
    ));
    let on_discord = tokio::time::timeout(
        WAIT,
        discord.wait_for("the Discord answer", WAIT, |calls| {
            calls
                .iter()
                .any(|call| call.route == "original" && call.ok())
        }),
    )
    .await;
    let on_telegram = tokio::time::timeout(
        WAIT,
        telegram_fake.wait_for("the Telegram answer", WAIT, |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(GROUP))
        }),
    )
    .await;
    let mut child = running.0.take().expect("the child");
    child.kill().expect("fanclub stops");
    let output = child.wait_with_output().expect("fanclub's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        on_discord.is_ok() && on_telegram.is_ok(),
        "no answers:\n{stderr}"
    );
    assert!(stdout.is_empty(), "the console ran:\n{stdout}");
    assert!(stderr.contains("connected to Discord"), "{stderr}");
    assert!(stderr.contains("connected to Telegram"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN_SECRET),
        "the token was logged:\n{stderr}"
    );
    // One registration, one session.
    assert_eq!(discord.calls_to("commands").len(), 1);
    assert_eq!(discord.identifies(), 1);
}
