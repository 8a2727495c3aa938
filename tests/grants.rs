//! Issue 13, "Grants that cannot double-pay": every row of a grant file is
//! its own booking; a file is checked whole and booked whole, or not at
//! all; spreadsheets' separators and byte order marks are read; problems
//! are named by row and column.

use std::path::Path;

use chrono::Utc;
use fanclub::club::grants::{GrantRow, RowOutcome};
use fanclub::club::model::Platform;
use fanclub::store::ledger::LedgerKind;
use fanclub::store::{Posting, PostingOutcome, Store, StoreOptions};

use crate::support::{Run, TestClub, console, run_in, url_in};

/// `fanclub grant --csv FILE` on the database in `dir`.
fn grant_file(dir: &Path, name: &str, content: &str, extra: &[&str]) -> Run {
    let file = dir.join(name);
    std::fs::write(&file, content).unwrap();
    let url = url_in(dir);
    let args = [
        &[
            "--database",
            url.as_str(),
            "grant",
            "--csv",
            file.to_str().unwrap(),
        ],
        extra,
    ]
    .concat();
    run_in(dir, &args, "")
}

/// The balance of console member `name` in the database in `dir`.
async fn balance(dir: &Path, name: &str) -> i64 {
    let store = Store::open(&url_in(dir), &StoreOptions::default())
        .await
        .unwrap();
    let member = store
        .identity_member(Platform::Console, name)
        .await
        .unwrap()
        .expect("a known member");
    let balance = store.balance(member.id).await.unwrap();
    store.close().await;
    balance
}

#[tokio::test]
async fn a_file_that_failed_on_its_last_row_and_was_corrected_pays_every_row_once() {
    let dir = tempfile::tempdir().unwrap();
    console(dir.path(), "en", "alice: hi\nbob: hi\n");
    let mut rows = String::from("member,points,reason\n");
    for _ in 0..3000 {
        rows.push_str("console:alice,1,Umfrage\n");
    }
    let broken = format!("{rows}console:bobb,5,Event\n");
    let first = grant_file(dir.path(), "grants.csv", &broken, &[]);
    assert!(!first.success, "{}", first.stdout);
    assert!(
        first
            .stdout
            .contains("row 3002, column A (member): unknown member `console:bobb`"),
        "{}",
        first.stdout
    );
    assert!(
        first
            .stdout
            .contains("3001 rows, 1 with problems: nothing was written."),
        "{}",
        first.stdout
    );
    assert_eq!(balance(dir.path(), "alice").await, 0, "nothing was written");

    let corrected = format!("{rows}console:bob,5,Event\n");
    let second = grant_file(dir.path(), "grants.csv", &corrected, &[]);
    assert!(second.success, "{}", second.stdout);
    assert!(
        second
            .stdout
            .contains("3001 rows: 3001 booked, 0 already booked"),
        "{}",
        second.stdout
    );
    let again = grant_file(dir.path(), "grants-again.csv", &corrected, &[]);
    assert!(
        again
            .stdout
            .contains("3001 rows: 0 booked, 3001 already booked"),
        "{}",
        again.stdout
    );
    assert_eq!(balance(dir.path(), "alice").await, 3000, "not 6,000");
    assert_eq!(balance(dir.path(), "bob").await, 5);
}

#[tokio::test]
async fn a_corrected_and_longer_file_books_only_its_new_rows_and_lists_the_skipped_ones() {
    let dir = tempfile::tempdir().unwrap();
    console(dir.path(), "en", "alice: hi\nbob: hi\ncarol: hi\n");
    let first = "member,points,reason\nconsole:alice,50,Beta test\nconsole:bob,survey\n";
    let run = grant_file(dir.path(), "march.csv", first, &[]);
    assert!(
        run.stdout.contains("2 rows: 2 booked, 0 already booked"),
        "{}",
        run.stdout
    );

    // The operator fixes a typo in a new row and adds it, and two equal
    // rows for carol: the second of them is a booking of its own.
    let longer = "member,points,reason\nconsole:alice,50,Beta test\nconsole:bob,survey\n\
                  console:carol,30,Event\nconsole:carol,30,Event\n";
    let dry = grant_file(dir.path(), "march.csv", longer, &["--dry-run"]);
    assert!(
        dry.stdout.contains(
            "4 rows, no problems (dry run: nothing was written): 2 to book, 2 already booked."
        ),
        "{}",
        dry.stdout
    );
    let run = grant_file(dir.path(), "march.csv", longer, &[]);
    assert!(run.success, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("row 2: skipped, already booked: +50 to alice (Beta test)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("row 3: skipped, already booked: +20 to bob (survey)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("row 4: ok: +30 to carol (Event)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("row 5: ok: +30 to carol (Event)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("4 rows: 2 booked, 2 already booked by an earlier import (skipped)."),
        "{}",
        run.stdout
    );
    assert_eq!(balance(dir.path(), "alice").await, 50);
    assert_eq!(balance(dir.path(), "bob").await, 20);
    assert_eq!(balance(dir.path(), "carol").await, 60);
}

#[tokio::test]
async fn a_german_excel_file_with_semicolons_a_byte_order_mark_and_dates_is_booked() {
    let dir = tempfile::tempdir().unwrap();
    console(dir.path(), "de", "anna: hallo\nben: hallo\n");
    let excel = "\u{feff}member;points;reason;date\r\n\
                 console:anna;50;Beta-Test, Runde 2;05.11.2025\r\n\
                 console:anna;50;Beta-Test, Runde 2;12.11.2025\r\n\
                 console:ben;-0;Korrektur;12.11.2025\r\n";
    let bad = grant_file(dir.path(), "excel.csv", excel, &[]);
    assert!(
        bad.stdout.starts_with("cells separated by semicolons\n"),
        "{}",
        bad.stdout
    );
    assert!(
        bad.stdout
            .contains("row 4, column B (points): Granting 0 points changes nothing."),
        "{}",
        bad.stdout
    );
    let fixed = excel.replace("console:ben;-0;", "console:ben;25;");
    let run = grant_file(dir.path(), "excel.csv", &fixed, &[]);
    assert!(run.success, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("row 2: ok: +50 to anna (Beta-Test, Runde 2)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("3 rows: 3 booked, 0 already booked"),
        "the same grant on another day is another booking:\n{}",
        run.stdout
    );
    assert_eq!(balance(dir.path(), "anna").await, 100);
    assert_eq!(balance(dir.path(), "ben").await, 25);
}

#[tokio::test]
async fn a_bad_file_writes_nothing_and_names_the_row_and_column_of_every_problem() {
    let dir = tempfile::tempdir().unwrap();
    console(dir.path(), "en", "alice: hi\nbob: hi\n");
    let content = "member,points,reason,date,id\n\
                   console:alice,50,Beta test,,b-1\n\
                   console:ghost,12x,,2025-13-01,\n\
                   console:bob,-5,Correction,,\n\
                   console:alice,10,Meetup,,b-1\n\
                   console:bob,party\n";
    let run = grant_file(dir.path(), "bad.csv", content, &[]);
    assert!(!run.success);
    let out = &run.stdout;
    for expected in [
        "row 2: ok: +50 to alice (Beta test)",
        "row 3, column A (member): unknown member `console:ghost`",
        "row 3, column B (points): `12x` is not a whole number",
        "row 3, column D (date): `2025-13-01` is not a date",
        "row 4, column B (points): bob has only 0 points; a balance cannot go below zero",
        "row 5, column E (id): the id `b-1` is on row 2 too",
        "row 6, column B (points): There is no category \"party\"",
        "5 rows, 4 with problems: nothing was written.",
    ] {
        assert!(out.contains(expected), "missing {expected:?} in:\n{out}");
    }
    assert_eq!(balance(dir.path(), "alice").await, 0);

    let header = grant_file(
        dir.path(),
        "header.csv",
        "member,points,note\nconsole:alice,5,x\n",
        &[],
    );
    assert!(!header.success);
    assert!(
        header.stdout.contains(
            "row 1, column C: unknown column `note` (known: member, points, reason, date, id)"
        ),
        "{}",
        header.stdout
    );
    assert!(
        header.stdout.contains("nothing was written"),
        "{}",
        header.stdout
    );
    assert_eq!(balance(dir.path(), "alice").await, 0);
}

#[tokio::test]
async fn a_row_with_an_id_is_that_booking_in_every_later_file() {
    let test = TestClub::new().await;
    test.temp.member("anna").await;
    let row = |line, amount: &str, id: &str| GrantRow {
        id: Some(id.to_owned()),
        ..GrantRow::new(line, "console:anna", amount, "Umfrage November")
    };
    let report = test
        .club
        .grant_batch(&[row(2, "20", "survey-11-anna")], false)
        .await
        .unwrap();
    assert_eq!(report.booked, 1);
    // A later file says 25 for the same id: it was booked, nothing more.
    let later = test
        .club
        .grant_batch(
            &[
                row(2, "25", "survey-11-anna"),
                row(3, "20", "survey-12-anna"),
            ],
            false,
        )
        .await
        .unwrap();
    assert!(matches!(
        later.rows[0].outcome,
        RowOutcome::AlreadyBooked(_)
    ));
    assert_eq!((later.booked, later.already_booked), (1, 1));
    let anna = test
        .temp
        .store
        .identity_member(Platform::Console, "anna")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(test.temp.store.balance(anna.id).await.unwrap(), 40);
}

/// Before issue 13 a file's rows were keyed `csv:<hash of the file>:<line>`:
/// a file imported then and again now (as it was, or corrected) is
/// recognised by what its rows booked, occurrence by occurrence.
#[tokio::test]
async fn rows_booked_under_the_old_whole_file_keys_are_not_paid_again() {
    let test = TestClub::new().await;
    let anna = test.temp.member("anna").await;
    test.temp.member("ben").await;
    for line in [1, 2] {
        let old = Posting {
            member: anna,
            amount: 50,
            kind: LedgerKind::Grant,
            reason: "Beta test".to_owned(),
            actor: None,
            source: Some(format!("grant file line {line}")),
            idempotency_key: format!("csv:0123456789abcdef01234567:{line}"),
            audit: None,
        };
        assert!(matches!(
            test.temp.store.post(&old, Utc::now()).await.unwrap(),
            PostingOutcome::Applied { .. }
        ));
    }
    let rows = [
        GrantRow::new(1, "console:anna", "50", "Beta test"),
        GrantRow::new(2, "console:anna", "50", "Beta test"),
        GrantRow::new(3, "console:anna", "50", "Beta test"),
        GrantRow::new(4, "console:ben", "50", "Beta test"),
    ];
    let report = test.club.grant_batch(&rows, false).await.unwrap();
    assert!(matches!(
        report.rows[0].outcome,
        RowOutcome::AlreadyBooked(_)
    ));
    assert!(matches!(
        report.rows[1].outcome,
        RowOutcome::AlreadyBooked(_)
    ));
    assert!(matches!(report.rows[2].outcome, RowOutcome::Book(_)));
    assert_eq!((report.booked, report.already_booked), (2, 2));
    assert_eq!(test.temp.store.balance(anna).await.unwrap(), 150);
    let again = test.club.grant_batch(&rows, false).await.unwrap();
    assert_eq!((again.booked, again.already_booked), (0, 4));
    assert_eq!(test.temp.store.balance(anna).await.unwrap(), 150);
}

#[tokio::test]
async fn a_balance_that_changes_while_a_file_is_booked_rolls_the_whole_file_back() {
    let test = TestClub::new().await;
    let anna = test.temp.member("anna").await;
    let ben = test.temp.member("ben").await;
    let start = crate::support::grant_posting(anna, 100, "start");
    test.temp.store.post(&start, Utc::now()).await.unwrap();
    let rows = [
        GrantRow::new(2, "console:ben", "30", "Event"),
        GrantRow::new(3, "console:anna", "-100", "Correction"),
    ];
    let plan = test.club.check_grants(&rows).await.unwrap();
    assert_eq!(plan.report.problems(), 0);
    // Meanwhile anna spends 50 points.
    let spent = crate::support::grant_posting(anna, -50, "spent");
    test.temp.store.post(&spent, Utc::now()).await.unwrap();
    let report = test.club.book_grants(plan).await.unwrap();
    let (row, why) = report.rolled_back.clone().expect("rolled back");
    assert_eq!(row, 3);
    assert!(why.contains("anna has 50 points now"), "{why}");
    assert!(report.failed());
    assert_eq!(report.booked, 0);
    assert_eq!(
        test.temp.store.balance(ben).await.unwrap(),
        0,
        "ben's row rolled back too"
    );
    assert_eq!(test.temp.store.balance(anna).await.unwrap(), 50);
    assert_eq!(test.temp.store.audit_count("grant_csv").await.unwrap(), 0);
}
