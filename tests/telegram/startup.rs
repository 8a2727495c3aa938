//! Story 7 and the start: a wrong token or an unreachable Telegram is logged
//! and retried, never a panic; the command menu is registered once, from the
//! core's table; polling asks for reactions and button presses; `fanclub run`
//! with a token runs the Telegram adapter instead of the console.

use std::process::Stdio;
use std::time::Duration;

use serde_json::{Value, json};

use super::fixtures::{GROUP, MODERATORS_CHAT, message, user};
use super::{Bench, Logs, TOKEN, TOKEN_SECRET, WAIT};
use crate::support::{fanclub, url_in};

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
async fn a_rejected_token_is_logged_and_retried_with_backoff_without_a_panic() {
    let (logs, _guard) = Logs::capture();

    let mut bench = Bench::idle(|_| {}).await;
    bench.fake.reject_token();
    bench.launch();
    bench
        .until("three getMe attempts", |calls| {
            calls.iter().filter(|call| call.method == "getme").count() >= 3
        })
        .await;

    assert!(bench.adapter_running(), "the adapter gave up or panicked");
    let attempts = bench.fake.calls_of("getMe");
    assert!(attempts.iter().all(|call| call.status == 401));
    // Backoff: 20 ms, then 40 ms (fast_tuning), growing.
    let second_wait = attempts[2].at - attempts[1].at;
    assert!(second_wait >= Duration::from_millis(40), "{second_wait:?}");
    // Nothing else happens before Telegram accepts the bot.
    assert!(bench.fake.calls_of("getUpdates").is_empty());
    assert!(bench.fake.calls_of("setMyCommands").is_empty());

    let logged = logs.text();
    assert!(logged.contains("ERROR"), "{logged}");
    assert!(logged.contains("getMe failed"), "{logged}");
    assert!(logged.contains("TELEGRAM_BOT_TOKEN"), "{logged}");
    assert!(
        !logged.contains(TOKEN_SECRET),
        "the token was logged:\n{logged}"
    );
}

#[tokio::test]
async fn the_command_menu_is_registered_once_per_language_and_polling_asks_for_reactions_and_buttons()
 {
    let bench = Bench::start().await;
    // A few polls in, the menu is not registered again.
    bench
        .until("three polls", |calls| {
            calls
                .iter()
                .filter(|call| call.method == "getupdates")
                .count()
                >= 3
        })
        .await;
    let menus = bench.fake.calls_of("setMyCommands");
    assert_eq!(
        menus.len(),
        6,
        "default, de, en for everyone and for moderators"
    );
    let names = |call: &super::fake::Call| -> Vec<String> {
        call.body["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|command| command["command"].as_str().unwrap().to_owned())
            .collect()
    };
    for call in &menus {
        let scope = &call.body["scope"];
        let names = names(call);
        assert!(names.contains(&"faq".to_owned()), "{names:?}");
        if scope["type"] == "chat" {
            assert_eq!(scope["chat_id"], json!(MODERATORS_CHAT));
            assert!(names.contains(&"grant".to_owned()), "{names:?}");
        } else {
            assert_eq!(scope["type"], "default");
            assert!(!names.contains(&"grant".to_owned()), "{names:?}");
        }
    }
    let languages: Vec<Value> = menus
        .iter()
        .map(|call| {
            call.body
                .get("language_code")
                .cloned()
                .unwrap_or(Value::Null)
        })
        .collect();
    for language in [json!("de"), json!("en"), Value::Null] {
        assert_eq!(
            languages.iter().filter(|code| **code == language).count(),
            2,
            "{languages:?}"
        );
    }
    let german = menus
        .iter()
        .find(|call| call.body["language_code"] == "de")
        .unwrap();
    let english = menus
        .iter()
        .find(|call| call.body["language_code"] == "en")
        .unwrap();
    assert_ne!(
        german.body["commands"][0]["description"], english.body["commands"][0]["description"],
        "the menu is translated"
    );

    let first_poll = bench.fake.calls_of("getUpdates").remove(0);
    let allowed = first_poll.body["allowed_updates"].clone();
    for kind in ["message", "callback_query", "message_reaction"] {
        assert!(
            allowed.as_array().unwrap().contains(&json!(kind)),
            "{allowed}"
        );
    }
}

/// A freshly started binary loads the sentence model and fits the FAQ's
/// decision before it polls; with the whole test suite beside it on two
/// cores that has taken more than [`WAIT`].
const STARTUP_WAIT: Duration = Duration::from_secs(60);

#[tokio::test]
async fn fanclub_run_with_a_token_runs_the_telegram_adapter_instead_of_the_console() {
    let bench = Bench::idle(|_| {}).await;
    let dir = tempfile::tempdir().unwrap();
    let child = fanclub()
        .args(["--database", &url_in(dir.path()), "run"])
        .current_dir(dir.path())
        .env("TELEGRAM_BOT_TOKEN", TOKEN)
        .env("FANCLUB__TELEGRAM__API_URL", &bench.fake.url)
        .env("FANCLUB__TELEGRAM__POLL_TIMEOUT_SECONDS", "1")
        .env("FANCLUB__LOG__FILTER", "info")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fanclub starts");
    let mut running = Running(Some(child));
    bench
        .fake
        .wait_for("fanclub run to poll", STARTUP_WAIT, |calls| {
            calls.iter().any(|call| call.method == "getupdates")
        })
        .await;
    let anna = user(1001, "Anna", "de");
    bench.fake.push(&message(
        1,
        10,
        GROUP,
        &anna,
        "/faq Wie viele Punkte habe ich?",
        None,
    ));
    let answered = tokio::time::timeout(WAIT, bench.reply_to(GROUP, 10)).await;
    let mut child = running.0.take().expect("the child");
    child.kill().expect("fanclub stops");
    let output = child.wait_with_output().expect("fanclub's output");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(answered.is_ok(), "no answer from fanclub run:\n{stderr}");
    assert!(stdout.is_empty(), "the console ran:\n{stdout}");
    assert!(stderr.contains("connected to Telegram"), "{stderr}");
    assert!(
        !stderr.contains(TOKEN_SECRET),
        "the token was logged:\n{stderr}"
    );
}

#[tokio::test]
async fn the_adapter_never_shows_its_token_in_debug_output() {
    let bench = Bench::idle(|_| {}).await;
    let adapter = fanclub::telegram::Telegram::new(
        bench.club.club.clone(),
        bench.settings.clone(),
        &secrecy::SecretString::from(TOKEN),
        super::fast_tuning(&bench.settings),
    )
    .expect("the adapter is set up");
    let printed = format!("{adapter:?}");
    assert!(!printed.contains(TOKEN_SECRET), "{printed}");
    assert!(printed.contains("REDACTED"), "{printed}");
}
