//! Stories of the operator who installs, watches and backs up the bot
//! (issue 15), all through the built binary.

use std::fs;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::path::Path;
use std::process::{Child, Command, Stdio};

use std::time::{Duration, Instant};

use crate::support::{fanclub, run_command, run_in, url_in};

/// A catalog item that loads, for files that break something else.
const GOOD_ITEM: &str = "[[item]]\nsku = \"mug\"\ncost = 100\n[item.en]\nname = \"Mug\"\n";

/// One FAQ entry that loads.
const GOOD_ENTRY: &str = "[[entry]]\nid = \"points\"\n[entry.en]\nquestion = \"How do points work?\"\nanswer = \"You earn them for helpful answers.\"\n";

fn sqlite(url: &str) -> sqlx::SqlitePool {
    sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_lazy(url)
        .expect("a SQLite URL")
}

/// Runs `sql` on the database at `url` (tests set up broken states with it).
fn execute(url: &str, sql: &'static str) {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool = sqlite(url);
        sqlx::raw_sql(sql).execute(&pool).await.unwrap();
        pool.close().await;
    });
}

/// Each member's balance, by display name.
fn balances(url: &str) -> Vec<(String, i64)> {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(async {
        let pool = sqlite(url);
        let rows = sqlx::query_as(
            "SELECT m.display_name, b.balance FROM balances b JOIN members m ON m.id = b.member_id ORDER BY m.display_name",
        )
        .fetch_all(&pool)
        .await
        .unwrap();
        pool.close().await;
        rows
    })
}

#[test]
fn run_without_any_platform_token_exits_non_zero_naming_the_variables() {
    let dir = tempfile::tempdir().unwrap();
    // The environment file a service reads exists, but its token line is gone.
    fs::write(
        dir.path().join(".env"),
        "# TELEGRAM_BOT_TOKEN=\nRUST_LOG=info\n",
    )
    .unwrap();
    let url = url_in(dir.path());
    let run = run_in(dir.path(), &["--database", &url, "run"], "alice: /help\n");
    assert!(
        !run.success,
        "run must fail without a token: {}",
        run.stdout
    );
    assert!(run.stderr.contains("TELEGRAM_BOT_TOKEN"), "{}", run.stderr);
    assert!(run.stderr.contains("DISCORD_TOKEN"), "{}", run.stderr);
    assert!(run.stderr.contains(".env was read"), "{}", run.stderr);
    assert!(run.stdout.is_empty(), "no console ran: {}", run.stdout);

    // Plain `fanclub` is still the quick start: the console.
    let plain = run_in(
        dir.path(),
        &["--database", &url, "--lang", "en"],
        "alice: /balance\n",
    );
    assert!(plain.success, "{}", plain.stderr);
    assert!(plain.stdout.contains("bot"), "{}", plain.stdout);
}

/// `check-config` with the catalog at `catalog`; returns the run.
fn check_catalog(dir: &Path, catalog: &Path) -> crate::support::Run {
    let mut command = fanclub();
    command.env("FANCLUB__SHOP__CATALOG", catalog);
    run_command(command, dir, &["check-config"], "")
}

#[test]
fn check_config_names_the_file_and_the_entry_of_every_broken_catalog() {
    let dir = tempfile::tempdir().unwrap();
    let cases: [(&str, &[u8], &str); 7] = [
        (
            "duplicate",
            b"[[item]]\nsku = \"mug\"\ncost = 100\n[item.en]\nname = \"Mug\"\n[[item]]\nsku = \"mug\"\ncost = 200\n[item.en]\nname = \"Mug 2\"\n",
            "duplicate sku `mug`",
        ),
        (
            "negative-cost",
            b"[[item]]\nsku = \"mug\"\ncost = -5\n[item.en]\nname = \"Mug\"\n",
            "item `mug`: cost must be a positive number",
        ),
        (
            "huge-cost",
            b"[[item]]\nsku = \"mug\"\ncost = 9000000000000000000\n[item.en]\nname = \"Mug\"\n",
            "item `mug`: cost 9000000000000000000 is more than",
        ),
        (
            "negative-stock",
            b"[[item]]\nsku = \"mug\"\ncost = 100\nstock = -1\n[item.en]\nname = \"Mug\"\n",
            "item `mug`: stock must not be negative",
        ),
        (
            "syntax",
            b"[[item]\nsku = \"mug\"\n",
            "TOML parse error",
        ),
        (
            "binary",
            b"\x00\x9f\x92\x96\xff\xfe binary \x00",
            "cannot read catalog file",
        ),
        ("missing", b"", "cannot read catalog file"),
    ];
    for (name, bytes, expected) in cases {
        let file = dir.path().join(format!("{name}.toml"));
        if name != "missing" {
            fs::write(&file, bytes).unwrap();
        }
        let run = check_catalog(dir.path(), &file);
        assert!(!run.success, "{name}: check-config passed:\n{}", run.stdout);
        let error = run
            .stderr
            .lines()
            .find(|line| line.starts_with("error: shop.catalog:"))
            .unwrap_or_else(|| panic!("{name}: no catalog error in:\n{}", run.stderr));
        assert!(
            error.contains(&file.display().to_string()),
            "{name}: {error}"
        );
        assert!(error.contains(expected), "{name}: {error}");
        assert!(!run.stdout.contains("configuration is valid"), "{name}");
    }

    let good = dir.path().join("good.toml");
    fs::write(&good, GOOD_ITEM).unwrap();
    let run = check_catalog(dir.path(), &good);
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("catalog: "), "{}", run.stdout);
    assert!(run.stdout.contains("(1 items)"), "{}", run.stdout);
}

#[test]
fn check_config_names_the_file_and_the_entry_of_every_broken_faq() {
    let dir = tempfile::tempdir().unwrap();
    let duplicate = format!("{GOOD_ENTRY}{GOOD_ENTRY}");
    let cases: [(&str, &[u8], &str); 5] = [
        (
            "duplicate",
            duplicate.as_bytes(),
            "duplicate entry id `points`",
        ),
        (
            "no-language",
            b"[[entry]]\nid = \"points\"\n",
            "entry `points` has no language",
        ),
        ("syntax", b"[[entry]\nid = \"x\"\n", "TOML parse error"),
        (
            "binary",
            b"\x00\x9f\x92\x96\xff\xfe",
            "cannot read FAQ file",
        ),
        ("missing", b"", "cannot read FAQ file"),
    ];
    for (name, bytes, expected) in cases {
        let file = dir.path().join(format!("faq-{name}.toml"));
        if name != "missing" {
            fs::write(&file, bytes).unwrap();
        }
        let mut command = fanclub();
        command.env("FANCLUB__FAQ__PATH", &file);
        let run = run_command(command, dir.path(), &["check-config"], "");
        assert!(!run.success, "{name}: check-config passed:\n{}", run.stdout);
        let error = run
            .stderr
            .lines()
            .find(|line| line.starts_with("error: faq.path:"))
            .unwrap_or_else(|| panic!("{name}: no FAQ error in:\n{}", run.stderr));
        assert!(
            error.contains(&file.display().to_string()),
            "{name}: {error}"
        );
        assert!(error.contains(expected), "{name}: {error}");
    }
}

#[test]
fn check_config_reports_every_problem_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let catalog = dir.path().join("catalog.toml");
    fs::write(
        &catalog,
        "[[item]]\nsku = \"mug\"\ncost = 0\n[item.en]\nname = \"Mug\"\n",
    )
    .unwrap();
    let model = dir.path().join("not-the-model.bin");
    fs::write(&model, b"some other file").unwrap();
    let mut command = fanclub();
    command
        .env("FANCLUB__SHOP__CATALOG", &catalog)
        .env("FANCLUB__FAQ__PATH", dir.path().join("faq-typo.toml"))
        .env("FANCLUB__FAQ__MODEL", &model)
        .env("FANCLUB__CLUB__SUPPORT_CHANNELS", "[\"telegram:general\"]")
        .env("DATABASE_URL", "postgres://db.example/fanclub");
    let run = run_command(command, dir.path(), &["check-config"], "");
    assert!(!run.success);
    let errors: Vec<&str> = run
        .stderr
        .lines()
        .filter(|line| line.starts_with("error: "))
        .collect();
    let has = |fragment: &str| errors.iter().any(|line| line.contains(fragment));
    assert!(has("shop.catalog:") && has("item `mug`"), "{errors:#?}");
    assert!(has("faq.path:") && has("faq-typo.toml"), "{errors:#?}");
    assert!(
        has("faq.model:") && has("not the expected file"),
        "{errors:#?}"
    );
    assert!(
        has("club.support_channels: `telegram:general`"),
        "{errors:#?}"
    );
    assert!(has("database:") && has("is not SQLite"), "{errors:#?}");
    assert!(
        run.stdout.contains("configuration has 5 problems"),
        "{}",
        run.stdout
    );
    assert!(!dir.path().join("postgres:").exists());
}

#[test]
fn read_only_commands_on_a_mistyped_path_exit_non_zero_and_create_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("typo/fanclub.db");
    let url = format!("sqlite://{}", missing.display());
    for args in [
        vec!["--database", url.as_str(), "doctor"],
        vec!["--database", url.as_str(), "claims", "export"],
        vec!["--database", url.as_str(), "backup", "copy.db"],
    ] {
        let run = run_in(dir.path(), &args, "");
        assert!(!run.success, "{args:?} passed: {}", run.stdout);
        assert!(
            run.stderr.contains("no database at"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(!run.stdout.contains("healthy"), "{}", run.stdout);
    }
    assert!(!missing.exists());
    assert!(
        !dir.path().join("typo").exists(),
        "no directory was created"
    );
    assert!(!dir.path().join("copy.db").exists());

    let postgres = run_in(dir.path(), &["--database", "postgres://x", "doctor"], "");
    assert!(!postgres.success);
    assert!(
        postgres.stderr.contains("is not SQLite"),
        "{}",
        postgres.stderr
    );
    assert!(!dir.path().join("postgres:").exists());
}

/// A database with a member and some points, made by a console session.
fn a_club_database(dir: &Path) -> String {
    let url = url_in(dir);
    crate::support::console(dir, "en", "alice: hi\nmod: /grant alice 40 beta test\n");
    url
}

/// The binary stopped at start with `message`, before answering anything.
fn refused_at_start(run: &crate::support::Run, message: &str) {
    assert!(!run.success, "{}", run.stdout);
    assert!(run.stderr.contains(message), "{}", run.stderr);
    assert!(
        run.stdout.is_empty(),
        "nothing was answered: {}",
        run.stdout
    );
}

#[test]
fn a_database_written_by_a_newer_fanclub_is_refused_at_start_naming_the_migration() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_club_database(dir.path());
    execute(
        &url,
        "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time) \
         VALUES (9001, 'from the future', CURRENT_TIMESTAMP, 1, x'00', 0)",
    );
    for args in [
        vec!["--database", url.as_str(), "console"],
        vec!["--database", url.as_str(), "doctor"],
    ] {
        let run = run_in(dir.path(), &args, "alice: /balance\n");
        refused_at_start(&run, "written by a newer fanclub (migration 9001");
    }
}

#[test]
fn a_read_only_database_is_refused_at_start_instead_of_apologising_for_every_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_club_database(dir.path());
    // Opened read-only by its URL: starts, but could write nothing.
    let read_only = format!("{url}?mode=ro");
    let run = run_in(
        dir.path(),
        &["--database", &read_only, "console"],
        "alice: /balance\n",
    );
    refused_at_start(&run, "is not writable");
}

#[test]
fn a_damaged_database_is_refused_at_start_by_its_quick_check() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_club_database(dir.path());
    let (page_size, root): (i64, i64) = {
        let runtime = tokio::runtime::Runtime::new().unwrap();
        runtime.block_on(async {
            let pool = sqlite(&url);
            let page_size = sqlx::query_scalar("PRAGMA page_size")
                .fetch_one(&pool)
                .await
                .unwrap();
            let root =
                sqlx::query_scalar("SELECT rootpage FROM sqlite_master WHERE name = 'balances'")
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            pool.close().await;
            (page_size, root)
        })
    };
    let file = dir.path().join("fanclub.db");
    let mut bytes = fs::read(&file).unwrap();
    // Garbage over the balances table's page, past its type byte.
    let start = (root - 1) as usize * page_size as usize;
    for byte in &mut bytes[start + 1..start + 64] {
        *byte = 0xA5;
    }
    fs::write(&file, bytes).unwrap();
    let run = run_in(
        dir.path(),
        &["--database", &url, "console"],
        "alice: /balance\n",
    );
    assert!(!run.success, "{}", run.stdout);
    assert!(
        run.stderr.contains("is damaged") || run.stderr.contains("malformed"),
        "{}",
        run.stderr
    );
    // The doctor's quick check finds it too, and reports it alone: the
    // other checks would read the broken pages.
    let doctor = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(!doctor.success, "{}", doctor.stdout);
    assert!(
        doctor
            .stdout
            .contains("FAIL  the database file is intact (quick_check)"),
        "{}{}",
        doctor.stdout,
        doctor.stderr
    );
    assert!(
        !doctor.stdout.contains("balance equals"),
        "{}",
        doctor.stdout
    );
}

#[test]
fn the_full_doctor_finds_an_index_that_no_longer_matches_its_table_and_reports_it_alone() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_club_database(dir.path());
    // The index of messages by time now claims to hold their places: its
    // pages are sound, its entries are not what the table says.
    execute(
        &url,
        "PRAGMA writable_schema = ON; \
         UPDATE sqlite_schema SET sql = 'CREATE INDEX messages_by_created ON messages (place)' \
         WHERE name = 'messages_by_created'; \
         PRAGMA writable_schema = OFF;",
    );

    // Every page and row is fine, so the quick check passes, and so does
    // every invariant: the plain doctor says healthy.
    let quick = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(quick.success, "{}{}", quick.stdout, quick.stderr);
    assert!(
        quick
            .stdout
            .contains("ok    the database file is intact (quick_check)"),
        "{}",
        quick.stdout
    );

    let full = run_in(dir.path(), &["--database", &url, "doctor", "--full"], "");
    assert!(!full.success, "{}", full.stdout);
    assert!(
        full.stdout
            .contains("FAIL  the database file is intact (integrity_check, indexes included)"),
        "{}{}",
        full.stdout,
        full.stderr
    );
    assert!(
        full.stdout.contains("messages_by_created"),
        "{}",
        full.stdout
    );
    assert!(!full.stdout.contains("balance equals"), "{}", full.stdout);
    assert!(
        full.stdout.contains("store is UNHEALTHY"),
        "{}",
        full.stdout
    );
}

#[test]
fn the_doctor_finds_kept_totals_with_nothing_behind_them_and_reports_each_check_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = a_club_database(dir.path());
    // By hand: alice's granted points moved to an hour in which nothing
    // was booked, and daily vote totals for votes nobody cast. The doctor
    // merges each kept table with what it recounts, so a key on one side
    // only must still show, with 0 for the other side.
    execute(
        &url,
        "UPDATE earned_hours SET hour = '2001-01-01T00', earned = 5; \
         INSERT INTO vote_days_author (author_id, day, earned) VALUES (4242, '2001-01-03', 6); \
         INSERT INTO vote_days_voter (voter_id, day, paid) VALUES (4243, '2001-01-02', 4); \
         INSERT INTO vote_days_pair (voter_id, author_id, day, paid) VALUES (4243, 4242, '2001-01-01', 3);",
    );

    let doctor = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(!doctor.success, "{}", doctor.stdout);
    let printed = &doctor.stdout;
    assert!(
        printed.lines().any(|line| line.contains(" in hour 20")
            && !line.contains("2001-01-01")
            && line.contains(": total 0, ledger sums to ")),
        "alice's real hour: {printed}"
    );
    for problem in [
        " in hour 2001-01-01T00: total 5, ledger sums to 0",
        "votes for author 4242 on 2001-01-03: total 6, standing votes paid 0",
        "upvotes by voter 4243 on 2001-01-02: total 4, standing paying upvotes 0",
        "upvotes by voter 4243 for author 4242 on 2001-01-01: total 3, standing paying upvotes 0",
    ] {
        assert!(printed.contains(problem), "{problem}: {printed}");
    }
    // The daily totals are checked in parts on both connections, and
    // reported as one check with all three problems.
    assert_eq!(
        printed
            .lines()
            .filter(|line| line.contains("the per-day vote totals equal the standing votes"))
            .collect::<Vec<_>>(),
        ["FAIL  the per-day vote totals equal the standing votes (3 problems)"],
        "{printed}"
    );
    assert_eq!(
        printed
            .lines()
            .filter(|line| line.contains("earned points per member and hour"))
            .count(),
        1,
        "{printed}"
    );
    assert!(printed.contains("ok    balance equals"), "{printed}");
}

/// A console process with stdin kept open, reading its stdout line by line.
struct Session {
    child: Child,
    lines: std::sync::mpsc::Receiver<String>,
    errors: std::sync::mpsc::Receiver<String>,
}

impl Session {
    fn start(mut command: Command, dir: &Path, args: &[&str]) -> Session {
        let mut child = command
            .args(args)
            .current_dir(dir)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fanclub starts");
        let lines = forward(child.stdout.take().unwrap());
        let errors = forward(child.stderr.take().unwrap());
        Session {
            child,
            lines,
            errors,
        }
    }

    fn say(&mut self, line: &str) {
        let stdin = self.child.stdin.as_mut().unwrap();
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    /// Waits for a line of `from` containing `fragment`.
    fn wait_for(from: &std::sync::mpsc::Receiver<String>, fragment: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(120);
        let mut seen = String::new();
        while Instant::now() < deadline {
            match from.recv_timeout(Duration::from_millis(200)) {
                Ok(line) if line.contains(fragment) => return line,
                Ok(line) => {
                    seen.push_str(&line);
                    seen.push('\n');
                }
                Err(std::sync::mpsc::RecvTimeoutError::Timeout) => {}
                Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        panic!("no line with {fragment:?}; saw:\n{seen}");
    }

    fn finish(mut self) -> bool {
        drop(self.child.stdin.take());
        self.child.wait().unwrap().success()
    }
}

fn forward(stream: impl std::io::Read + Send + 'static) -> std::sync::mpsc::Receiver<String> {
    let (send, receive) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if send.send(line).is_err() {
                break;
            }
        }
    });
    receive
}

#[test]
fn a_backup_during_console_load_passes_the_doctor_with_the_same_balances() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(dir.path());
    let mut session = Session::start(
        fanclub(),
        dir.path(),
        &["--database", &url, "--lang", "en", "console"],
    );
    let members = 20;
    for member in 0..members {
        session.say(&format!("fan{member}: hi"));
    }
    for round in 0..10 {
        for member in 0..members {
            session.say(&format!(
                "mod: /grant fan{member} {} round {round}",
                member + 1
            ));
        }
    }
    // The last grant's answer: everything before it is committed (and in
    // the WAL, which the running console keeps open).
    let last = format!("fan{}", members - 1);
    session.say(&format!("{last}: /balance"));
    Session::wait_for(&session.lines, &format!("{last}: /balance"));
    Session::wait_for(&session.lines, "bot");

    let copy = dir.path().join("backups/copy.db");
    let backup = run_in(
        dir.path(),
        &["--database", &url, "backup", copy.to_str().unwrap()],
        "",
    );
    assert!(backup.success, "{}", backup.stderr);
    assert!(backup.stdout.contains("bytes"), "{}", backup.stdout);
    assert!(backup.stdout.contains("healthy"), "{}", backup.stdout);

    let copy_url = format!("sqlite://{}", copy.display());
    let doctor = run_in(dir.path(), &["--database", &copy_url, "doctor"], "");
    assert!(doctor.success, "{}", doctor.stdout);
    let copied = balances(&copy_url);
    // The fans and the moderator who granted.
    assert_eq!(copied.len(), members + 1, "{copied:?}");
    assert_eq!(copied, balances(&url));
    assert!(
        copied
            .iter()
            .any(|(name, balance)| name == "fan0" && *balance == 10)
    );
    assert!(session.finish());

    // A second backup to the same file is refused, the first kept.
    let again = run_in(
        dir.path(),
        &["--database", &url, "backup", copy.to_str().unwrap()],
        "",
    );
    assert!(!again.success);
    assert!(again.stderr.contains("exists already"), "{}", again.stderr);
    assert_eq!(balances(&copy_url), copied);
}

/// `GET path` on `address`: the status code and the body.
fn get(address: &str, path: &str) -> (u16, String) {
    let mut stream = std::net::TcpStream::connect(address).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: fanclub\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or(0);
    let body = response
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_owned())
        .unwrap_or_default();
    (status, body)
}

/// The value of the first metric line starting with `prefix`.
fn metric(body: &str, prefix: &str) -> f64 {
    body.lines()
        .filter(|line| !line.starts_with('#'))
        .find(|line| line.starts_with(prefix))
        .and_then(|line| line.rsplit(' ').next())
        .and_then(|value| value.parse().ok())
        .unwrap_or(0.0)
}

#[test]
fn metrics_and_healthz_answer_and_the_events_counter_moves_after_an_event() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(dir.path());
    let mut command = fanclub();
    command
        .env("FANCLUB__HTTP__LISTEN", "127.0.0.1:0")
        .env("RUST_LOG", "fanclub=info")
        .env("FANCLUB__LOG__FORMAT", "json");
    let mut session = Session::start(command, dir.path(), &["--database", &url, "console"]);
    let listening = Session::wait_for(&session.errors, "serving /healthz and /metrics");
    let line: serde_json::Value = serde_json::from_str(&listening).unwrap();
    let address = line["address"].as_str().unwrap().to_owned();

    let (status, health) = get(&address, "/healthz");
    assert_eq!(status, 200, "{health}");
    let health: serde_json::Value = serde_json::from_str(&health).unwrap();
    assert_eq!(health["status"], "ok");
    assert_eq!(health["store"], "ok");

    let (status, before) = get(&address, "/metrics");
    assert_eq!(status, 200);
    let counted = "fanclub_events_total{platform=\"console\",kind=\"command\"}";
    let events_before = metric(&before, counted);

    session.say("alice: hi");
    Session::wait_for(&session.lines, "alice: hi");
    session.say("mod: /grant alice 25 survey");
    Session::wait_for(&session.lines, "bot");
    session.say("alice: /balance");
    Session::wait_for(&session.lines, "alice: 25");

    let (_, after) = get(&address, "/metrics");
    assert!(
        metric(&after, counted) >= events_before + 2.0,
        "before:\n{before}\nafter:\n{after}"
    );
    assert!(after.contains("fanclub_event_seconds_bucket"), "{after}");
    assert!(metric(&after, "fanclub_points_earned") >= 25.0, "{after}");
    assert!(metric(&after, "fanclub_members") >= 2.0, "{after}");
    assert!(session.finish());
}

#[test]
fn json_logs_parse_line_by_line_and_say_what_runs() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(dir.path());
    let mut command = fanclub();
    command
        .env("RUST_LOG", "fanclub=debug")
        .env("FANCLUB__LOG__FORMAT", "json");
    let run = run_command(
        command,
        dir.path(),
        &["--database", &url, "console"],
        "alice: hi\nmod: /grant alice 5 survey\n",
    );
    assert!(run.success, "{}", run.stderr);
    let mut start_lines = 0;
    for line in run.stderr.lines() {
        let object: serde_json::Value =
            serde_json::from_str(line).unwrap_or_else(|error| panic!("not JSON ({error}): {line}"));
        assert!(object["level"].is_string(), "{line}");
        assert!(object["timestamp"].is_string(), "{line}");
        if object["message"] == "fanclub runs" {
            start_lines += 1;
            assert_eq!(object["platforms"], "console", "{line}");
            assert_eq!(object["database"], url.as_str(), "{line}");
            assert!(object["faq_entries"].as_u64().unwrap() > 0, "{line}");
            assert!(object["catalog_items"].as_u64().unwrap() > 0, "{line}");
        }
        assert!(!line.contains('\u{1b}'), "no colour codes: {line}");
    }
    assert_eq!(start_lines, 1, "{}", run.stderr);
}

#[test]
fn text_logs_piped_into_a_file_carry_no_colour_codes() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(dir.path());
    let mut command = fanclub();
    command.env("RUST_LOG", "info");
    let run = run_command(
        command,
        dir.path(),
        &["--database", &url, "console"],
        "alice: hi\n",
    );
    assert!(run.success, "{}", run.stderr);
    assert!(run.stderr.contains("fanclub runs"), "{}", run.stderr);
    assert!(!run.stderr.contains('\u{1b}'), "{}", run.stderr);
}

#[test]
fn paths_in_a_settings_file_resolve_against_its_directory_from_any_working_directory() {
    let home = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    fs::write(home.path().join("catalog.toml"), GOOD_ITEM).unwrap();
    fs::write(home.path().join("faq.toml"), GOOD_ENTRY).unwrap();
    fs::write(
        home.path().join("fanclub.toml"),
        "[database]\nurl = \"sqlite://data/club.db\"\n[faq]\npath = \"faq.toml\"\nmodel = \"\"\n[shop]\ncatalog = \"catalog.toml\"\n",
    )
    .unwrap();
    let config = home.path().join("fanclub.toml");
    let mut command = fanclub();
    command
        .env_remove("FANCLUB__FAQ__PATH")
        .env_remove("FANCLUB__FAQ__MODEL")
        .env_remove("FANCLUB__SHOP__CATALOG");
    let run = run_command(
        command,
        elsewhere.path(),
        &[
            "--config",
            config.to_str().unwrap(),
            "--lang",
            "en",
            "console",
        ],
        "alice: /shop\n",
    );
    assert!(run.success, "{}", run.stderr);
    assert!(run.stdout.contains("Mug"), "{}", run.stdout);
    assert!(home.path().join("data/club.db").is_file());
    assert!(!elsewhere.path().join("data").exists());
}
