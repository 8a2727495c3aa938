//! Issue 11: notices live in the outbox until they are delivered. A slow
//! chat holds up only itself; a shutdown or a crash loses nothing; a member
//! is told on the platform where the club can reach them.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use chrono::Utc;
use fanclub::club::model::{MemberId, Platform};
use fanclub::console::Console;
use fanclub::lang::Lang;
use fanclub::store::{IdentitySeen, Store, StoreOptions};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

use super::fake::FakeTelegram;
use super::fixtures::{GROUP, MODERATORS_CHAT, callback, message, user};
use super::{Bench, TOKEN, WAIT, fast_tuning};
use crate::support::{fanclub, grant_posting};

/// A `fanclub run` child that is killed if the test ends before it does.
struct Running(Option<Child>);

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(mut child) = self.0.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Running {
    /// `fanclub run` on `database` against the fake at `api`.
    fn start(database: &str, dir: &std::path::Path, api: &str) -> Running {
        let child = fanclub()
            .args(["--database", database, "run"])
            .current_dir(dir)
            .env("TELEGRAM_BOT_TOKEN", TOKEN)
            .env("FANCLUB__TELEGRAM__API_URL", api)
            .env("FANCLUB__TELEGRAM__POLL_TIMEOUT_SECONDS", "1")
            .env(
                "FANCLUB__TELEGRAM__MODERATORS_CHAT",
                MODERATORS_CHAT.to_string(),
            )
            .env("FANCLUB__DELIVERY__SHUTDOWN_GRACE_SECONDS", "1")
            .env("FANCLUB__DELIVERY__POLL_INTERVAL_MS", "50")
            .env("FANCLUB__LOG__FILTER", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("fanclub starts");
        Running(Some(child))
    }

    /// Sends `signal` (`TERM`, `KILL`) and waits, bounded, for the exit.
    async fn stop(&mut self, signal: &str) -> std::process::ExitStatus {
        let mut child = self.0.take().expect("a running child");
        let status = std::process::Command::new("kill")
            .args([format!("-{signal}"), child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        let deadline = Instant::now() + WAIT;
        loop {
            if let Some(status) = child.try_wait().expect("the child's status") {
                return status;
            }
            if Instant::now() > deadline {
                let _ = child.kill();
                let _ = child.wait();
                panic!("fanclub did not stop within {WAIT:?} of SIG{signal}");
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

/// Makes Telegram user `id` a member with `points`, on `store`.
async fn member_with_points(store: &Store, id: i64, name: &str, points: i64) -> MemberId {
    let external = id.to_string();
    let seen = IdentitySeen {
        platform: Platform::Telegram,
        external_id: &external,
        username: Some(name),
        display_name: name,
        language: Some(Lang::De),
        default_language: Lang::De,
        today: Utc::now().date_naive(),
        is_bot: false,
        joined: None,
    };
    let member = store
        .member_seen(&seen, Utc::now())
        .await
        .expect("the member")
        .id;
    store
        .post(
            &grant_posting(member, points, &format!("seed-{id}")),
            Utc::now(),
        )
        .await
        .expect("the points");
    member
}

/// How long a story waits for a `fanclub run` child: it loads the FAQ
/// model first, and the tests share the machine.
const START: Duration = Duration::from_secs(40);

/// Waits (bounded) until `what` holds on the store.
async fn until_store(what: &str, store: &Store, done: impl AsyncFn(&Store) -> bool) {
    let deadline = Instant::now() + START;
    while !done(store).await {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn one_chat_whose_send_message_hangs_does_not_delay_another_members_private_reply() {
    let mut bench = Bench::idle(|_| {}).await;
    let mut tuning = fast_tuning(&bench.settings);
    tuning.attempt_timeout = Duration::from_secs(20);
    bench.launch_with(tuning);
    bench.polling().await;
    bench.fake.hang_chat(1001, Duration::from_secs(20));
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench
        .fake
        .push(&message(1, 10, 1001, &anna, "/balance", None));
    // Anna's reply is now stuck in Telegram; Ben asks after her.
    tokio::time::sleep(Duration::from_millis(200)).await;
    let asked = Instant::now();
    bench
        .fake
        .push(&message(2, 11, 1002, &ben, "/balance", None));
    bench
        .until("Ben's balance in his private chat", |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(1002))
        })
        .await;
    let waited = asked.elapsed();
    assert!(
        waited < Duration::from_secs(1),
        "Ben waited {waited:?} behind Anna's hanging chat"
    );
    assert!(
        bench.fake.delivered_to(1001).is_empty(),
        "Anna's chat was meant to hang"
    );
}

#[tokio::test]
async fn a_member_known_only_on_the_console_is_told_of_a_decision_a_telegram_moderator_took() {
    let (logs, _guard) = super::Logs::capture();
    let mut bench = Bench::idle(|settings| settings.moderator_ids = vec![1009]).await;
    let club = bench.club.club.clone();
    let settings = fanclub::config::Settings::defaults();
    let console = Console::new(club.clone(), settings.console.clone(), Lang::En);
    let (mut typing, input) = tokio::io::duplex(64 * 1024);
    let (output, printed) = tokio::io::duplex(64 * 1024);
    let session =
        tokio::spawn(async move { console.run(BufReader::new(input), output).await.is_ok() });
    let mut printed = BufReader::new(printed).lines();
    // Both deliver from one database: the console registers, then Telegram.
    typing
        .write_all(b"alice: hello\nmod: /grant @alice 500 event\n")
        .await
        .unwrap();
    let mut seen = Vec::new();
    let mut read_until = async |needle: &str, seen: &mut Vec<String>| {
        let deadline = Instant::now() + WAIT;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = tokio::time::timeout(left, printed.next_line())
                .await
                .unwrap_or_else(|_| panic!("no {needle:?} from the console: {seen:#?}"))
                .expect("console output")
                .expect("the console is running");
            let found = line.contains(needle);
            seen.push(line);
            if found {
                return;
            }
        }
    };
    read_until("New balance", &mut seen).await;
    bench.launch();
    bench.polling().await;
    typing
        .write_all(b"alice: /redeem tshirt-2026 L\n")
        .await
        .unwrap();
    read_until("is reserved", &mut seen).await;
    bench
        .until("the claim in the moderators' chat", |calls| {
            calls.iter().any(|call| {
                call.ok()
                    && call.chat() == Some(MODERATORS_CHAT)
                    && call
                        .button_actions()
                        .contains(&"claim:approve:1".to_owned())
            })
        })
        .await;
    let claim = bench.fake.delivered_to(MODERATORS_CHAT).remove(0);
    let posted = claim.message_id.expect("the claim message's id");
    let moderator = user(1009, "Mia", "de");
    bench.fake.push(&callback(
        1,
        "q-1",
        &moderator,
        MODERATORS_CHAT,
        posted,
        Some("claim:approve:1"),
    ));
    let _shown = super::ShowLogsOnPanic(logs);
    bench
        .until("the claim message edited with the decision", |calls| {
            calls.iter().any(|call| {
                call.method == "editmessagetext" && call.body["message_id"].as_i64() == Some(posted)
            })
        })
        .await;
    // The console prints what waits for it before the next line's output.
    typing.write_all(b"alice: /claims\n").await.unwrap();
    read_until("bot → alice (private): 🎉", &mut seen).await;
    drop(typing);
    assert!(session.await.unwrap(), "the console ended with an error");
    let told = seen
        .iter()
        .filter(|line| line.contains("bot → alice (private): 🎉"))
        .count();
    assert_eq!(told, 1, "{seen:#?}");
}

#[tokio::test]
async fn a_claim_waiting_when_the_bot_is_stopped_reaches_the_moderators_once_after_the_restart() {
    let bench = Bench::idle(|_| {}).await;
    let store = bench.club.temp.store.clone();
    member_with_points(&store, 1001, "Anna", 1000).await;
    let database = bench.club.temp.url();
    let dir = tempfile::tempdir().unwrap();
    bench.fake.fail_chat(MODERATORS_CHAT, 500);
    let mut first = Running::start(&database, dir.path(), &bench.fake.url);
    let anna = user(1001, "Anna", "de");
    bench
        .fake
        .push(&message(1, 10, GROUP, &anna, "/redeem tshirt-2026 L", None));
    bench
        .fake
        .wait_for("the moderators' chat answering 500", START, |calls| {
            calls
                .iter()
                .any(|call| call.chat() == Some(MODERATORS_CHAT) && call.status == 500)
        })
        .await;
    let status = first.stop("TERM").await;
    assert!(status.success(), "SIGTERM is a normal shutdown: {status:?}");
    assert!(
        bench.fake.delivered_to(MODERATORS_CHAT).is_empty(),
        "the failing chat took a message"
    );

    let healthy = FakeTelegram::start(TOKEN).await;
    let mut second = Running::start(&database, dir.path(), &healthy.url);
    healthy
        .wait_for("the claim in the moderators' chat", START, |calls| {
            calls
                .iter()
                .any(|call| call.ok() && call.chat() == Some(MODERATORS_CHAT))
        })
        .await;
    // Time for a duplicate to show, were there one.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let delivered = healthy.delivered_to(MODERATORS_CHAT);
    second.stop("KILL").await;
    assert_eq!(delivered.len(), 1, "{delivered:#?}");
    assert_eq!(
        delivered[0].button_actions(),
        ["claim:approve:1", "claim:reject:1"]
    );
}

#[tokio::test]
async fn a_reply_committed_just_before_the_process_is_killed_arrives_after_the_restart() {
    let bench = Bench::idle(|_| {}).await;
    let database = bench.club.temp.url();
    let dir = tempfile::tempdir().unwrap();
    // Telegram never answers the send: the reply cannot leave before the kill.
    bench.fake.hang_chat(1001, Duration::from_secs(60));
    let mut first = Running::start(&database, dir.path(), &bench.fake.url);
    let anna = user(1001, "Anna", "de");
    bench
        .fake
        .push(&message(1, 10, 1001, &anna, "/balance", None));
    let store = Store::open(&database, &StoreOptions::default())
        .await
        .expect("the store");
    until_store("the reply in the outbox", &store, async |store| {
        store.notice_counts().await.expect("counts").undelivered >= 1
    })
    .await;
    first.stop("KILL").await;

    let healthy = FakeTelegram::start(TOKEN).await;
    let mut second = Running::start(&database, dir.path(), &healthy.url);
    healthy
        .wait_for("the balance in Anna's chat", START, |calls| {
            calls
                .iter()
                .any(|call| call.ok() && call.chat() == Some(1001))
        })
        .await;
    until_store("the reply marked delivered", &store, async |store| {
        store.notice_counts().await.expect("counts").undelivered == 0
    })
    .await;
    second.stop("KILL").await;
    let reply = healthy.delivered_to(1001);
    assert_eq!(reply.len(), 1);
    assert!(reply[0].text().contains("Punkte"), "{}", reply[0].text());
}
