//! Stories of a member's data rights (issue 13), told through the console:
//! the built binary, a script on stdin, a real SQLite file. What the club
//! keeps is checked in the store afterwards.

use std::path::Path;

use fanclub::club::model::{MemberId, Platform};
use fanclub::store::{Store, StoreOptions};
use serde_json::Value;

use crate::support::{console, line_starting, run_in, url_in};

/// The store the console sessions in `dir` wrote.
async fn store_in(dir: &Path) -> Store {
    Store::open(&url_in(dir), &StoreOptions::default())
        .await
        .expect("the store opens")
}

/// Whether any public (not private) bot line of `output` mentions `text`.
fn said_in_public(output: &str, text: &str) -> bool {
    // A message's continuation lines belong to the line above them.
    let mut public = false;
    output.lines().any(|line| {
        if !line.starts_with("    ") {
            public = line.contains(" bot: ") || line.contains(" bot (edited): ");
        }
        public && line.contains(text)
    })
}

#[tokio::test]
async fn a_member_asks_for_their_data_in_the_group_and_gets_a_private_file_with_their_ledger_and_votes()
 {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "de",
        "alice: Wie setze ich mein Passwort zurück?\n\
         bob > #1: danke, hat geholfen\n\
         mod: /grant @alice 50 Beta-Test Sommer\n\
         alice: /mydata\n",
    );
    let out = &run.stdout;
    assert!(
        out.lines()
            .any(|line| line.contains(" bot → alice (private): Hier ist alles")),
        "{out}"
    );
    let path_line = out
        .lines()
        .find(|line| line.trim_start().starts_with("📎 "))
        .unwrap_or_else(|| panic!("no file in:\n{out}"));
    assert!(
        !said_in_public(out, "📎"),
        "the file showed in public:\n{out}"
    );
    let path = dir
        .path()
        .join(path_line.trim_start().trim_start_matches("📎 "));
    let export: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the file is readable by others");
    }
    let data = &export["data"];
    assert_eq!(data["member"]["display_name"], "alice");
    assert_eq!(data["identities"][0]["platform"], "console");
    let ledger = data["ledger"].as_array().unwrap();
    assert!(
        ledger
            .iter()
            .any(|row| row["amount"] == 50 && row["reason"] == "Beta-Test Sommer"),
        "{ledger:?}"
    );
    let store = store_in(dir.path()).await;
    let bob = store
        .identity_member(Platform::Console, "bob")
        .await
        .unwrap()
        .unwrap();
    let received = data["votes_received"].as_array().unwrap();
    assert_eq!(received.len(), 1, "{received:?}");
    assert_eq!(received[0]["voter_id"], bob.id.0);
    assert!(data["votes_given"].as_array().unwrap().is_empty());
    assert_eq!(
        data["messages"][0]["body"],
        "Wie setze ich mein Passwort zurück?"
    );
}

#[tokio::test]
async fn forgetting_asks_first_then_erases_names_and_messages_and_leaves_the_books_healthy() {
    let dir = tempfile::tempdir().unwrap();
    let first = console(
        dir.path(),
        "de",
        "alice: Hallo, ich bin Alice Sommerfeld aus Rostock\n\
         bob: Hallo Alice Sommerfeld!\n\
         mod: /grant @alice 300 Beta-Test\n\
         mod: /grant @bob 20 Umfrage\n\
         alice: /redeem stickers\n\
         alice: /redeem mug\n\
         alice: /forget_me\n",
    );
    let out = &first.stdout;
    let prompt = out
        .lines()
        .find(|line| line.contains("bot → alice (private): Soll der Club dich vergessen?"))
        .unwrap_or_else(|| panic!("no question in:\n{out}"));
    assert!(prompt.ends_with("[Ja, vergiss mich]"), "{prompt}");
    let prompt_id = prompt.split_whitespace().next().unwrap().to_owned();
    let store = store_in(dir.path()).await;
    let alice = store
        .identity_member(Platform::Console, "alice")
        .await
        .unwrap()
        .expect("asking forgets nothing yet");
    let bob = store
        .identity_member(Platform::Console, "bob")
        .await
        .unwrap()
        .unwrap();
    let bob_before = store.balance(bob.id).await.unwrap();
    store.close().await;

    let second = console(
        dir.path(),
        "de",
        &format!("alice [Ja] {prompt_id}\nalice: /balance\n"),
    );
    let out = &second.stdout;
    assert!(
        out.contains("Erledigt: Der Club hat dich vergessen."),
        "{out}"
    );
    assert!(
        out.contains("Eine offene Bestellung wurde storniert und erstattet."),
        "{out}"
    );
    // The moderators' message of the mug claim loses its buttons, says it
    // was cancelled, and no longer names her.
    let settled = out
        .lines()
        .find(|line| line.contains("bot (edited):") && line.contains("Fanclub-Tasse"))
        .unwrap_or_else(|| panic!("the claim's message was not settled:\n{out}"));
    assert!(settled.contains("storniert"), "{settled}");
    assert!(
        !settled.contains("alice") && !settled.contains('['),
        "{settled}"
    );
    // Writing again: a stranger, at zero.
    assert!(
        out.contains("bot → alice (private): alice: 0 Punkte"),
        "{out}"
    );

    let store = store_in(dir.path()).await;
    let again = store
        .identity_member(Platform::Console, "alice")
        .await
        .unwrap()
        .unwrap();
    assert_ne!(again.id, alice.id, "the new alice is a new member");
    let kept = store.personal_data(alice.id).await.unwrap();
    assert_eq!(kept["member"]["display_name"], format!("#{}", alice.id.0));
    assert!(kept["identities"].as_array().unwrap().is_empty());
    for message in kept["messages"].as_array().unwrap() {
        assert_eq!(message["body"], "", "{message}");
    }
    // What others wrote stays theirs.
    let bob_said = store.personal_data(bob.id).await.unwrap();
    let greeting = &bob_said["messages"][0]["body"];
    assert_eq!(
        greeting, "Hallo Alice Sommerfeld!",
        "bob's own words stay his"
    );
    // The books: her points stay booked, the mug's pending hold came back,
    // others are untouched, and every invariant holds.
    assert_eq!(store.balance(bob.id).await.unwrap(), bob_before);
    let balance = kept["balance"]["balance"].as_i64().unwrap();
    let ledger_sum: i64 = kept["ledger"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["amount"].as_i64().unwrap())
        .sum();
    assert_eq!(balance, ledger_sum);
    assert_eq!(kept["balance"]["held"], 0);
    let report = store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
    assert_eq!(store.audit_count("forget").await.unwrap(), 1);
    store.close().await;
    let doctor = run_in(
        dir.path(),
        &["--database", &url_in(dir.path()), "doctor"],
        "",
    );
    assert!(doctor.success, "{}\n{}", doctor.stdout, doctor.stderr);
}

#[tokio::test]
async fn forget_me_confirmed_in_words_works_where_there_are_no_buttons() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "carol: I live at Hauptstraße 5\ncarol dm: /forget_me maybe\ncarol dm: /forget_me confirm\n",
    );
    let out = &run.stdout;
    assert!(
        line_starting(out, "#3 bot → carol (private):").contains("/forget_me confirm"),
        "{out}"
    );
    assert!(out.contains("Done: the club has forgotten you."), "{out}");
    let store = store_in(dir.path()).await;
    assert!(
        store
            .identity_member(Platform::Console, "carol")
            .await
            .unwrap()
            .is_none()
    );
    let carol = store.personal_data(MemberId(1)).await.unwrap();
    assert_eq!(carol["messages"][0]["body"], "");
    assert!(store.doctor().await.unwrap().is_healthy());
}

#[test]
fn a_member_who_left_the_leaderboards_is_not_on_them_and_sees_their_rank_only_privately() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "alice: hi\nbob: hi\n\
         mod: /grant @alice 50 beta test\n\
         mod: /grant @bob 20 survey\n\
         alice: /leaderboard_hide on\n\
         bob: /leaderboard all\n\
         alice: /leaderboard all\n\
         alice dm: /leaderboard all\n\
         bob: /profile alice\n\
         bob: /balance alice\n\
         alice: /balance\n",
    );
    let out = &run.stdout;
    assert!(
        out.lines()
            .any(|line| line
                .contains(" bot → alice (private): You are left out of the leaderboards")),
        "{out}"
    );
    let for_bob = out
        .split("bob: /leaderboard all")
        .nth(1)
        .unwrap()
        .split("alice: /leaderboard all")
        .next()
        .unwrap();
    assert!(for_bob.contains("1. bob"), "{for_bob}");
    assert!(!for_bob.contains("alice"), "{for_bob}");
    let in_public = out
        .split("alice: /leaderboard all")
        .nth(1)
        .unwrap()
        .split("alice → bot (private)")
        .next()
        .unwrap();
    assert!(!in_public.contains("alice"), "{in_public}");
    assert!(
        in_public.contains("hidden from the leaderboards"),
        "{in_public}"
    );
    let in_private = out
        .split("alice → bot (private): /leaderboard all")
        .nth(1)
        .unwrap();
    assert!(
        in_private.contains("You: rank 1 with 50 points"),
        "{in_private}"
    );
    let profile = out
        .split("bob: /profile alice")
        .nth(1)
        .unwrap()
        .split("bob: /balance alice")
        .next()
        .unwrap();
    assert!(profile.contains("not on the leaderboards"), "{profile}");
    assert!(!profile.contains("rank"), "{profile}");
    // Bob asks for Alice's balance: her points, not her rank.
    let balance_for_bob = out
        .split("bob: /balance alice")
        .nth(1)
        .unwrap()
        .split("alice: /balance")
        .next()
        .unwrap();
    assert!(
        balance_for_bob.contains("alice: 50 points"),
        "{balance_for_bob}"
    );
    assert!(!balance_for_bob.contains("rank"), "{balance_for_bob}");
    // Her own balance, privately: her rank.
    let own = out.rsplit("alice: /balance").next().unwrap();
    assert!(own.contains("rank 1 of 2"), "{own}");
}

#[test]
fn a_question_asked_privately_never_shows_when_a_moderator_lists_unanswered_questions_in_the_group()
{
    let dir = tempfile::tempdir().unwrap();
    let secret = "Zahlt die Krankenkasse meine Therapie bei Doktor Quenzel?";
    let run = console(
        dir.path(),
        "de",
        &format!(
            "alice dm: {secret}\nmod: /faq_unanswered\nmod: /faq_learned\nmod: /whois alice\n"
        ),
    );
    let out = &run.stdout;
    assert!(!said_in_public(out, "Quenzel"), "{out}");
    assert!(!said_in_public(out, "console"), "/whois in public:\n{out}");
    let to_moderator = out
        .split("mod: /faq_unanswered")
        .nth(1)
        .unwrap()
        .split("mod: /faq_learned")
        .next()
        .unwrap();
    assert!(
        to_moderator.contains("bot → mod (private):") && to_moderator.contains("Quenzel"),
        "the moderator reads it privately:\n{to_moderator}"
    );
}
