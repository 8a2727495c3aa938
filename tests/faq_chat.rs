//! Stories of the FAQ in chat: asking, unprompted answers, feedback,
//! learning, curating. The search's own quality is measured in `faq.rs`.

use std::fs;

use fanclub::club::model::{Event, Incoming, MessageId};
use fanclub::faq::FaqBook;
use fanclub::lang::Lang;

use crate::support::{TestClub, actor, console, group, line_starting, run_in, said, starter_faq};

/// The question of a starter FAQ entry in `lang`, as the bot shows it.
fn question_of(entry: &str, lang: Lang) -> String {
    let book = FaqBook::load(&starter_faq()).expect("the starter FAQ loads");
    book.get(entry)
        .expect("the entry exists")
        .text(lang)
        .question
        .clone()
}

#[test]
fn a_member_asks_with_faq_in_german_and_gets_the_german_answer_with_feedback_buttons() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(dir.path(), "de", "alice: /faq Wie viele Punkte habe ich?\n");
    let answer = line_starting(&run.stdout, "#2 bot: ");
    assert_eq!(
        answer,
        format!("#2 bot: {}", question_of("check-balance", Lang::De)),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .trim_end()
            .ends_with("[Hilfreich] [Nicht hilfreich]"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_member_asks_in_english_and_gets_the_english_answer() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(dir.path(), "en", "bob: /faq how many points do I have?\n");
    let expected = format!("#2 bot: {}", question_of("check-balance", Lang::En));
    assert_eq!(line_starting(&run.stdout, "#2 bot: "), expected);
    assert!(
        run.stdout.trim_end().ends_with("[Helpful] [Not helpful]"),
        "{}",
        run.stdout
    );
}

#[test]
fn in_the_support_channel_the_bot_answers_confident_questions_and_stays_quiet_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: Wie viele Punkte habe ich eigentlich?
alice: Schönes Wetter heute, oder nicht.
alice: Wann kommt eigentlich das neue Handy raus?
";
    let run = console(dir.path(), "de", script);
    let out = &run.stdout;
    let answer = format!(
        "#1 alice: Wie viele Punkte habe ich eigentlich?\n#2 bot: {}",
        question_of("check-balance", Lang::De)
    );
    assert!(out.starts_with(&answer), "{out}");
    assert!(
        out.contains("#3 alice: Schönes Wetter heute, oder nicht.\n#4 alice: Wann kommt"),
        "{out}"
    );
    assert_eq!(
        out.matches(" bot: ").count(),
        1,
        "only the confident question was answered:\n{out}"
    );
}

#[test]
fn a_question_the_faq_cannot_answer_is_refused_honestly_and_shown_to_moderators() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: /faq Wann kommt das neue Handy raus?
bob: /faq wann kommt das neue Handy raus
alice: /faq_unanswered
mod: /faq_unanswered
";
    let run = console(dir.path(), "de", script);
    let out = &run.stdout;
    assert!(out.contains("#2 bot: Dazu steht noch nichts im FAQ. Eine Helferin oder ein Helfer wird die Frage aufgreifen."), "{out}");
    assert!(
        out.contains("/faq_unanswered dürfen nur Moderator*innen verwenden."),
        "{out}"
    );
    assert!(
        out.contains("Häufige Fragen ohne Antwort (letzte 30 Tage):\n    2× "),
        "{out}"
    );
}

#[test]
fn picking_a_suggestion_teaches_the_faq_and_the_lesson_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let first = console(dir.path(), "en", "alice: /faq points total\n");
    let suggestion = line_starting(&first.stdout, "#2 bot: ");
    assert_eq!(
        suggestion, "#2 bot: Did you mean one of these questions?",
        "{}",
        first.stdout
    );
    let balance = question_of("check-balance", Lang::En);
    let picked_line = first
        .stdout
        .lines()
        .find(|line| line.contains(&balance))
        .unwrap_or_else(|| panic!("the balance entry is suggested:\n{}", first.stdout));
    let number = picked_line
        .trim_start()
        .split('.')
        .next()
        .unwrap()
        .to_owned();

    let second = console(
        dir.path(),
        "en",
        &format!("alice [{number}] #2\nalice: /faq points total\nmod: /faq_learned\n"),
    );
    let out = &second.stdout;
    assert!(out.starts_with(&format!("#3 bot: {balance}")), "{out}");
    assert!(
        out.contains(&format!("#4 alice: /faq points total\n#5 bot: {balance}")),
        "the learned phrasing now answers:\n{out}"
    );
    assert!(
        out.contains("check-balance: \"points total\" (suggestion, by alice,"),
        "{out}"
    );
}

#[test]
fn marking_an_answer_helpful_teaches_the_askers_wording_but_a_bystander_cannot() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: /faq wie viele punkte hab ich
carol [Hilfreich] #2
alice [Hilfreich] #2
alice [Hilfreich] #2
mod: /faq_learned
";
    let run = console(dir.path(), "de", script);
    let out = &run.stdout;
    assert!(
        out.contains("#3 bot: Danke für dein Feedback, das freut uns!"),
        "{out}"
    );
    assert!(
        out.contains("#4 bot: Danke für dein Feedback, das freut uns!"),
        "{out}"
    );
    assert!(
        out.contains("#5 bot: Zu dieser Antwort hast du schon Feedback gegeben."),
        "{out}"
    );
    assert!(
        out.contains("„wie viele punkte hab ich“ (helpful, von alice,"),
        "{out}"
    );
    assert_eq!(out.matches("(helpful, von").count(), 1, "{out}");
}

#[test]
fn a_moderator_links_a_members_question_to_an_entry_and_can_take_it_back() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: mein Paket ist verschollen, was nun
mod > #1: /faq_link claim-status
mod > #1: /faq_link no-such-entry
mod: /faq_link claim-status
mod: /faq_learned claim-status
mod: /faq_forget 1
mod: /faq_forget 1
";
    let run = console(dir.path(), "de", script);
    let out = &run.stdout;
    assert!(
        out.contains("bot: Gelernt: „mein Paket ist verschollen, was nun“ gehört zu claim-status."),
        "{out}"
    );
    assert!(
        out.contains("bot: Einen FAQ-Eintrag „no-such-entry“ gibt es nicht."),
        "{out}"
    );
    assert!(
        out.contains("bot: Antworte mit /faq_link auf die Nachricht mit der Frage."),
        "{out}"
    );
    assert!(
        out.contains(
            "    1. claim-status: „mein Paket ist verschollen, was nun“ (moderator, von mod,"
        ),
        "{out}"
    );
    assert!(
        out.contains(
            "bot: Formulierung 1 vergessen: „mein Paket ist verschollen, was nun“ (claim-status)."
        ),
        "{out}"
    );
    assert!(
        out.contains("bot: Eine gelernte Formulierung mit der Nummer 1 gibt es nicht."),
        "{out}"
    );
}

#[tokio::test]
async fn a_broken_faq_file_on_reload_keeps_the_old_faq() {
    let dir = tempfile::tempdir().unwrap();
    let faq = dir.path().join("faq.toml");
    fs::copy(starter_faq(), &faq).unwrap();
    let test = TestClub::with_faq(faq.clone()).await;
    let moderator = actor("mia", true);
    let alice = actor("alice", false);

    let reloaded = test.send(said(&moderator, "/faq_reload", "u1")).await;
    assert!(
        reloaded.replies[0].text.starts_with("FAQ reloaded: "),
        "{:?}",
        reloaded.replies
    );
    let refused = test.send(said(&alice, "/faq_reload", "u2")).await;
    assert_eq!(
        refused.replies[0].text,
        "Only moderators can use /faq_reload."
    );

    fs::write(&faq, "[[entry]]\nid = \"broken\"\n").unwrap();
    let failed = test.send(said(&moderator, "/faq_reload", "u3")).await;
    let text = &failed.replies[0].text;
    assert!(
        text.starts_with("The FAQ was not reloaded; the previous version stays active:"),
        "{text}"
    );
    assert!(
        text.contains("broken") && text.contains("faq.toml"),
        "the error names entry and file: {text}"
    );

    let asked = test
        .send(said(&alice, "/faq how many points do I have?", "u4"))
        .await;
    let balance = question_of("check-balance", Lang::En);
    assert!(
        asked.replies[0].text.starts_with(&balance),
        "the old FAQ still answers: {:?}",
        asked.replies
    );
}

#[test]
fn a_moderator_marks_a_question_as_not_covered_and_the_bot_stops_answering_it_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: /faq wie viele punkte hab ich
alice: /faq_not_covered wie viele punkte hab ich
mod: /faq_not_covered
mod > #1: /faq_not_covered
mod > #1: /faq_not_covered
alice: /faq wie viele punkte hab ich
";
    let run = console(dir.path(), "de", script);
    let out = &run.stdout;
    let balance = question_of("check-balance", Lang::De);
    assert!(
        out.contains(&format!("#2 bot: {balance}")),
        "answered at first:\n{out}"
    );
    assert!(
        out.contains("/faq_not_covered dürfen nur Moderator*innen verwenden."),
        "{out}"
    );
    assert!(
        out.contains("bot: Antworte mit /faq_not_covered auf die Nachricht mit der Frage"),
        "{out}"
    );
    assert!(
        out.contains("bot: Gemerkt: „wie viele punkte hab ich“ beantwortet das FAQ nicht."),
        "{out}"
    );
    assert!(
        out.contains("bot: Das wusste ich schon: „wie viele punkte hab ich“"),
        "{out}"
    );
    let last = out
        .lines()
        .rev()
        .find(|line| line.contains(" bot: "))
        .unwrap_or_default();
    assert!(
        last.ends_with("bot: Dazu steht noch nichts im FAQ. Eine Helferin oder ein Helfer wird die Frage aufgreifen."),
        "refused now:\n{out}"
    );
    let again = console(dir.path(), "de", "bob: /faq Wie viele Punkte hab ich?\n");
    assert!(
        again.stdout.contains("bot: Dazu steht noch nichts im FAQ."),
        "still refused after a restart:\n{}",
        again.stdout
    );
}

#[test]
fn a_moderator_lists_the_entry_ids_that_faq_link_takes() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: /faq_entries
mod: /faq_entries
mod: /faq_entries no-such-tag
";
    let run = console(dir.path(), "en", script);
    let out = &run.stdout;
    assert!(
        out.contains("Only moderators can use /faq_entries."),
        "{out}"
    );
    let balance = question_of("check-balance", Lang::En);
    assert!(out.contains(&format!("check-balance: {balance}")), "{out}");
    assert!(out.contains("FAQ entries ("), "{out}");
    assert!(out.contains("No FAQ entries with this tag."), "{out}");
}

#[test]
fn a_broken_faq_file_at_start_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let faq = dir.path().join("faq.toml");
    fs::write(&faq, "[[entry]]\nid = \"broken\"\n").unwrap();
    let mut command = crate::support::fanclub();
    command.env("FANCLUB__FAQ__PATH", &faq);
    let run = crate::support::run_command(
        command,
        dir.path(),
        &["--database", "sqlite::memory:", "console"],
        "alice: hi\n",
    );
    assert!(!run.success);
    assert!(
        run.stderr.contains("loading the FAQ")
            && run.stderr.contains("faq.toml")
            && run.stderr.contains("broken"),
        "{}",
        run.stderr
    );
}

#[test]
fn faq_ask_prints_one_json_line_per_question_and_never_touches_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &["faq", "ask", "--json"],
        "How many points do I have?\nwann kommt das neue Handy raus\npoints\n",
    );
    assert!(run.success, "{}", run.stderr);
    let lines: Vec<serde_json::Value> = run
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).expect("each line is one JSON object"))
        .collect();
    assert_eq!(lines.len(), 3, "{}", run.stdout);
    assert_eq!(lines[0]["answer"], "check-balance");
    assert_eq!(lines[0]["suggestions"], serde_json::json!([]));
    assert!(lines[1]["answer"].is_null());
    assert!(lines[2]["answer"].is_null());
    assert!(
        !lines[2]["suggestions"].as_array().unwrap().is_empty(),
        "a vague question gets suggestions"
    );
    for line in &lines {
        let keys: Vec<&String> = line.as_object().unwrap().keys().collect();
        assert_eq!(keys.len(), 3, "exactly answer, suggestions, score: {line}");
        assert!(line["score"].is_number());
    }
    assert!(!dir.path().join("data").exists(), "no database was created");

    let single = run_in(
        dir.path(),
        &[
            "faq", "ask", "--json", "how", "many", "points", "do", "I", "have?",
        ],
        "",
    );
    assert_eq!(single.stdout.lines().count(), 1);
}

#[test]
fn faq_check_names_the_entry_and_the_file_of_a_problem() {
    let dir = tempfile::tempdir().unwrap();
    let ok = run_in(
        dir.path(),
        &["faq", "check", starter_faq().to_str().unwrap()],
        "",
    );
    assert!(ok.success, "{}", ok.stderr);
    assert!(
        ok.stdout.contains("36 entries") || ok.stdout.contains("entries ("),
        "{}",
        ok.stdout
    );
    let bad = dir.path().join("bad.toml");
    fs::write(&bad, "[[entry]]\nid = \"twice\"\n[entry.en]\nquestion = \"q\"\nanswer = \"a\"\n[[entry]]\nid = \"twice\"\n[entry.en]\nquestion = \"q2\"\nanswer = \"a2\"\n").unwrap();
    let run = run_in(dir.path(), &["faq", "check", bad.to_str().unwrap()], "");
    assert!(!run.success);
    assert!(
        run.stderr.contains("twice") && run.stderr.contains("bad.toml"),
        "{}",
        run.stderr
    );
    let typo = dir.path().join("typo.toml");
    fs::write(&typo, "[[entry]]\nid = \"cap\"\n[entry.en]\nquestion = \"q\"\nanswer = \"at most {points.daily_cap} points\"\n").unwrap();
    let run = run_in(dir.path(), &["faq", "check", typo.to_str().unwrap()], "");
    assert!(!run.success);
    assert!(
        run.stderr
            .contains("typo.toml: entry `cap` uses the unknown placeholder {points.daily_cap}")
            && run.stderr.contains("points.daily_points_cap"),
        "{}",
        run.stderr
    );
}

#[tokio::test]
async fn the_same_question_delivered_twice_is_answered_once() {
    let test = TestClub::new().await;
    let alice = actor("alice", false);
    let question = said(&alice, "How many points do I have?", "update-7");
    let first = test.send(question.clone()).await;
    let again = test.send(question).await;
    assert_eq!(first.replies.len(), 1, "{:?}", first.replies);
    assert!(again.replies.is_empty());
}

#[tokio::test]
async fn a_forged_button_action_is_refused() {
    let test = TestClub::new().await;
    let alice = actor("alice", false);
    let asked = test
        .send(said(&alice, "/faq How many points do I have?", "u1"))
        .await;
    let answer = &asked.replies[0];
    let answer_id = test
        .club
        .record_sent(group().platform, &group(), Some("bot-1"), answer)
        .await
        .unwrap();
    let forged = Incoming {
        actor: alice,
        place: group(),
        event_key: Some("cb-1".to_owned()),
        event: Event::Button {
            message: answer_id,
            action: "faq:yes:join-club".to_owned(),
        },
    };
    let handled = test.send(forged).await;
    assert_eq!(
        handled.replies[0].text,
        "That button does not belong to that message."
    );
    assert_ne!(answer_id, MessageId(0));
}

/// Issue 10: twenty U+FDFA ligatures (each normalised to 18 code points)
/// once overflowed the sentence engine's buffer and aborted the process.
#[test]
fn a_member_who_sends_a_run_of_wide_ligatures_gets_an_answer_and_the_club_stays_up() {
    let dir = tempfile::tempdir().unwrap();
    let ligatures = "\u{FDFA}".repeat(20);
    let run = console(
        dir.path(),
        "en",
        &format!(
            "alice: /faq {ligatures}\nalice: /faq {ligatures}{ligatures}{ligatures}\nbob: /help\n"
        ),
    );
    assert!(
        run.stdout.contains("#2 bot"),
        "the first question is answered:\n{}",
        run.stdout
    );
    assert!(
        line_starting(&run.stdout, "#6 bot") == "#6 bot: Commands you can use:",
        "the club still answers after it:\n{}",
        run.stdout
    );
}
