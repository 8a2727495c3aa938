//! Stories told through the console: the built binary, a script on stdin.

use std::fs;

use crate::support::{console, line_starting, path_in, run_in, url_in};

#[test]
fn a_newcomer_asks_for_help_and_sees_only_the_commands_they_may_use() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(dir.path(), "en", "alice: /help\nmod: /help\n");
    let (alice, moderator) = run.stdout.split_once(" mod: /help").expect("both asked");
    assert!(
        alice.starts_with("#1 alice: /help\n#2 bot: Commands you can use:"),
        "{alice}"
    );
    assert!(
        alice.contains("/balance [member] – Points, rank and fan-since date"),
        "{alice}"
    );
    assert!(
        !alice.contains("/grant"),
        "members do not see moderator commands:\n{alice}"
    );
    assert!(
        moderator.contains("/grant <member> <points|category> [reason…]"),
        "{moderator}"
    );
}

#[test]
fn a_newcomer_gets_three_first_steps_asks_about_one_command_and_has_no_rank_yet() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "de",
        "bob: /start\nbob: /help grant\nbob: /help punkte\nbob: /help fliegen\nbob: /balance\n",
    );
    let out = &run.stdout;
    let start = out.split("#3 bob: /help grant").next().unwrap();
    for step in ["1. Frag etwas", "2. Hilf anderen", "3. Schau in den /shop"] {
        assert!(start.contains(step), "{start}");
    }
    assert!(
        !start.contains("Befehle, die du nutzen kannst"),
        "/start is short, /help lists the commands:\n{start}"
    );
    assert!(
        out.contains(
            "#4 bot: /grant <mitglied> <punkte|kategorie> [grund…]\n    Punkte oder eine Aktivität gutschreiben, auch abziehen (Moderation)\n    Nur für Moderator*innen."
        ),
        "/help <command> explains it instead of finding an argument too many:\n{out}"
    );
    assert!(
        out.contains("#6 bot: /balance [mitglied]\n    Punktestand, Rang und Fan-seit-Datum"),
        "the German name of a command works too:\n{out}"
    );
    assert!(
        out.contains("#8 bot: Einen Befehl /fliegen gibt es nicht."),
        "{out}"
    );
    let balance = line_starting(out, "#10 bot → bob (private):");
    assert!(
        balance.starts_with(
            "#10 bot → bob (private): bob: 0 Punkte · insgesamt verdient: 0 Punkte · Fan seit "
        ),
        "a member without points has no rank: {balance}"
    );
}

#[test]
fn a_moderator_grants_points_for_a_beta_test_and_the_member_sees_balance_and_history_in_german() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "de",
        "alice: Hallo zusammen!\nmod: /grant @alice 50 Beta-Test Sommer 2026\nalice: /balance\nalice: /history\n",
    );
    let out = &run.stdout;
    assert_eq!(
        line_starting(out, "#3 bot:"),
        "#3 bot: alice erhält 50 Punkte (Beta-Test Sommer 2026). Neuer Punktestand: 50 Punkte."
    );
    assert!(line_starting(out, "#5 bot → alice (private):").starts_with(
        "#5 bot → alice (private): alice: 50 Punkte · insgesamt verdient: 50 Punkte · Rang 1 von 1 · Fan seit "
    ));
    assert!(out.contains("Letzte Buchungen von alice:\n    "), "{out}");
    assert!(
        out.contains("+50  Beta-Test Sommer 2026  (Vergabe durch Moderation)"),
        "{out}"
    );
}

#[test]
fn a_moderator_grants_points_for_a_survey_and_the_member_sees_them_in_english() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "bob: hi\nmod: /grant bob 15 survey\nbob: /balance\nbob: /history 1\n",
    );
    let out = &run.stdout;
    assert_eq!(
        line_starting(out, "#3 bot:"),
        "#3 bot: bob receives 15 points (survey). New balance: 15 points."
    );
    assert!(
        line_starting(out, "#5 bot → bob (private):")
            .contains("bob: 15 points · earned in total: 15 points · rank 1 of 1")
    );
    assert!(
        out.contains("+15  survey  (granted by a moderator)"),
        "{out}"
    );
}

#[test]
fn a_member_who_is_not_a_moderator_cannot_grant_points() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "alice: hi\nbob: /grant @alice 500 because\nalice: /balance\n",
    );
    assert_eq!(
        line_starting(&run.stdout, "#3 bot:"),
        "#3 bot: Only moderators can use /grant."
    );
    assert!(line_starting(&run.stdout, "#5 bot → alice (private):").contains("alice: 0 points"));
}

#[test]
fn malformed_lines_and_commands_get_a_helpful_answer_and_processing_continues() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
this line has no speaker
alice: /grant
mod: /grant @alice 5x of points
mod: /grant @alice 5
mod: /grant @ghost 5 welcome
alice: /frobnicate
alice > #x: hi
bot: I am not the bot
alice: /balance
";
    let run = console(dir.path(), "en", script);
    let out = &run.stdout;
    assert!(
        out.starts_with("error: line 1: expected `name: text`"),
        "{out}"
    );
    assert!(
        out.contains("#2 bot: Only moderators can use /grant."),
        "{out}"
    );
    assert!(out.contains("#4 bot: <points|category> must be a whole number, not \"5x\".\n    Usage: /grant <member> <points|category> [reason…]"), "{out}");
    assert!(out.contains("#6 bot: <reason> is missing."), "{out}");
    assert!(
        out.contains("#8 bot: I don't know a member called @ghost yet."),
        "{out}"
    );
    assert!(
        out.contains("#10 bot: I don't know the command /frobnicate. /help shows every command."),
        "{out}"
    );
    assert!(
        out.contains("error: line 7: `#x` is not a message reference like #7"),
        "{out}"
    );
    assert!(
        out.contains("error: line 8: `bot` is the bot's name"),
        "{out}"
    );
    assert!(
        out.contains("#12 bot → alice (private): alice: 0 points"),
        "the session went on to the end:\n{out}"
    );
}

#[test]
fn huge_and_odd_input_gets_a_polite_answer_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let huge = "x".repeat(50_000);
    let script = format!(
        "alice: {huge}\nmod: /grant @alice 5 sneaky\u{202e}reason\nmod: /grant @alice 99999999999999999999999 x\nmod: /grant @alice 0 nothing\nalice: /history\n"
    );
    let run = console(dir.path(), "en", &script);
    let out = &run.stdout;
    assert!(
        out.starts_with("#1 bot: The message is too long (50000 characters, at most 4000).\n"),
        "{out}"
    );
    assert!(
        out.contains("#2 bot: The message contains invisible control characters."),
        "{out}"
    );
    assert!(
        out.contains("<points|category> must be between -1000000 and 1000000."),
        "{out}"
    );
    assert!(out.contains("Granting 0 points changes nothing."), "{out}");
    assert!(
        out.contains("No bookings yet."),
        "nothing was booked:\n{out}"
    );
}

#[test]
fn message_ids_survive_a_restart_so_a_later_session_can_reply_to_earlier_messages() {
    let dir = tempfile::tempdir().unwrap();
    console(
        dir.path(),
        "en",
        "alice: I earned my first points today.\ncarol: Congratulations!\n",
    );
    let run = console(
        dir.path(),
        "en",
        "alice > #2: thanks!\ncarol +👍 #2\ncarol +👍 #99\n",
    );
    assert!(
        run.stdout.starts_with("#3 alice > #2: thanks!\n"),
        "{}",
        run.stdout
    );
    assert!(
        // A reaction is quiet: its refusal goes to the member alone.
        run.stdout
            .contains("#4 bot → carol (private): There is no message #99."),
        "{}",
        run.stdout
    );
}

#[test]
fn a_private_message_is_answered_privately() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(dir.path(), "en", "alice dm: /balance\n");
    assert!(
        run.stdout.starts_with(
            "#1 alice → bot (private): /balance\n#2 bot → alice (private): alice: 0 points"
        ),
        "{}",
        run.stdout
    );
}

#[test]
fn pressing_a_button_that_is_not_there_is_explained() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "alice: /help\nmod [Approve] #2\nmod [Approve] #50\n",
    );
    assert!(
        run.stdout
            .contains("bot: Message #2 has no button \"Approve\"."),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("bot: There is no message #50."),
        "{}",
        run.stdout
    );
}

#[test]
fn the_doctor_passes_after_a_session_and_fails_on_a_tampered_store() {
    let dir = tempfile::tempdir().unwrap();
    console(
        dir.path(),
        "de",
        "alice: hallo\nmod: /grant @alice 20 Umfrage\nmod: /grant @alice -5 Korrektur\n",
    );
    let url = url_in(dir.path());
    let healthy = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(healthy.success, "{}", healthy.stdout);
    assert!(healthy.stdout.contains("store is healthy"));

    let tamper = tamper_with_a_balance(&path_in(dir.path(), "fanclub.db"));
    assert!(tamper, "the test could tamper with the file");
    let broken = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(!broken.success, "doctor must fail:\n{}", broken.stdout);
    assert!(
        broken
            .stdout
            .contains("FAIL  balance equals the sum of the member's ledger"),
        "{}",
        broken.stdout
    );
}

/// Changes a cached balance behind the store's back.
fn tamper_with_a_balance(path: &std::path::Path) -> bool {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        use sqlx::Connection;
        let url = format!("sqlite://{}", path.display());
        let mut connection = sqlx::SqliteConnection::connect(&url).await.unwrap();
        let result = sqlx::query("UPDATE balances SET balance = balance + 7")
            .execute(&mut connection)
            .await
            .unwrap();
        result.rows_affected() > 0
    })
}

#[test]
fn an_in_memory_database_works_for_a_throwaway_run() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(
        dir.path(),
        &["--database", "sqlite::memory:", "--lang", "en"],
        "alice: hi\nmod: /grant @alice 3 x\nalice: /balance\n",
    );
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("alice: 3 points"), "{}", run.stdout);
    assert!(
        fs::read_dir(dir.path()).unwrap().next().is_none(),
        "nothing was written to disk"
    );
}

#[test]
fn without_a_database_flag_the_default_file_is_created_under_data() {
    let dir = tempfile::tempdir().unwrap();
    let run = run_in(dir.path(), &["--lang", "en"], "alice: hi\n");
    assert!(run.success, "{}", run.stderr);
    assert!(dir.path().join("data/fanclub.db").is_file());
}

#[test]
fn check_config_accepts_the_defaults_and_rejects_an_unknown_key_naming_file_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let ok = run_in(dir.path(), &["check-config"], "");
    assert!(ok.success, "{}", ok.stderr);
    assert!(ok.stdout.contains("configuration is valid"));

    let file = dir.path().join("mine.toml");
    fs::write(&file, "[console]\nmoderator = [\"anna\"]\n").unwrap();
    let bad = run_in(
        dir.path(),
        &["--config", file.to_str().unwrap(), "check-config"],
        "",
    );
    assert!(!bad.success);
    assert!(bad.stderr.contains("moderator"), "{}", bad.stderr);
    assert!(bad.stderr.contains("mine.toml"), "{}", bad.stderr);
}

#[test]
fn tokens_are_never_printed() {
    let dir = tempfile::tempdir().unwrap();
    let mut command = crate::support::fanclub();
    let output = command
        .args(["check-config"])
        .current_dir(dir.path())
        .env("TELEGRAM_BOT_TOKEN", "12345:super-secret-token")
        .env("RUST_LOG", "trace")
        .output()
        .unwrap();
    let printed = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(printed.contains("TELEGRAM_BOT_TOKEN: set"), "{printed}");
    assert!(!printed.contains("super-secret-token"), "{printed}");
}
