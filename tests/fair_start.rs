//! Issue 13, "A fair start": on the day the bot arrives the community is
//! not a crowd of newcomers. A member is new only while the club knows they
//! joined recently (a platform's join date, or the operator's import), and
//! `fanclub members import` gives long-time fans their seniority.

use std::path::Path;

use chrono::{Duration, NaiveDate};
use fanclub::club::model::{Actor, Platform};
use fanclub::club::roster::{MemberOutcome, MemberRow};
use fanclub::store::members::Imported;
use fanclub::store::{Store, StoreOptions};

use crate::support::{TestClub, actor, console, run_in, said, url_in};

/// Carla asks, Anna answers: the message votes go to.
async fn answer(test: &TestClub) -> fanclub::club::model::MessageId {
    let carla = actor("carla", false);
    let anna = actor("anna", false);
    let question = test.post(&carla, "Wo finde ich meine Rechnung?", "q").await;
    test.reply(&anna, question, "Unter Mein Konto, Bestellungen.", "a")
        .await
        .message
        .unwrap()
}

/// Someone the platform says joined `ago` before the club's clock.
fn joined(test: &TestClub, name: &str, ago: Duration) -> Actor {
    Actor {
        joined_at: Some(test.club.now() - ago),
        ..actor(name, false)
    }
}

#[tokio::test]
async fn on_launch_day_a_member_who_was_there_before_the_bot_votes_and_it_pays() {
    // The shipped rule: voters must be members for a day.
    let test = TestClub::new().await;
    assert_eq!(test.club.config().points.min_voter_days, 1);
    let answer = answer(&test).await;
    // Ben was in the group long before the bot; it sees him for the first
    // time with his reaction, and the platform says nothing of his join.
    test.react(&actor("ben", false), answer, "👍", true, "r1")
        .await;
    assert_eq!(test.balance(&actor("anna", false)).await, 2);
}

#[tokio::test]
async fn a_member_the_platform_says_joined_yesterday_is_still_new_and_later_is_not() {
    let test = TestClub::new().await;
    let answer = answer(&test).await;
    let neo = joined(&test, "neo", Duration::hours(14));
    let handled = test.react(&neo, answer, "👍", true, "r1").await;
    assert!(handled.replies.is_empty(), "a reaction is answered quietly");
    assert_eq!(
        test.balance(&actor("anna", false)).await,
        0,
        "a newcomer's vote"
    );
    let why = test
        .send(said(&actor("mo", true), "/why @anna", "why"))
        .await;
    assert!(
        why.replies[0]
            .text
            .contains("by neo: upvote +0 (a new member's vote"),
        "{}",
        why.replies[0].text
    );

    // A member first seen without a join date, who then shows up with a
    // later one (joined another group of the club), stays established.
    let ben = actor("ben", false);
    test.post(&ben, "Hallo", "b0").await;
    test.days_pass(1);
    let ben_joining = joined(&test, "ben", Duration::hours(1));
    test.react(&ben_joining, answer, "❤", true, "r2").await;
    assert_eq!(test.balance(&actor("anna", false)).await, 2);
    // A day after joining, neo's votes pay too.
    let fresh = test
        .reply(&actor("anna", false), answer, "Oder im Postfach.", "a2")
        .await
        .message
        .unwrap();
    test.react(&neo, fresh, "👍", true, "r3").await;
    assert_eq!(test.balance(&actor("anna", false)).await, 4);
}

#[tokio::test]
async fn an_imported_fan_since_gives_a_fan_of_five_years_their_seniority() {
    let test = TestClub::new().await;
    let answer = answer(&test).await;
    // The platform says Lena joined yesterday evening; the operator knows
    // she has been a fan since 2021 (she came back to a new group).
    let lena = Actor {
        external_id: "4711".to_owned(),
        ..joined(&test, "lena", Duration::hours(14))
    };
    test.post(&lena, "Hallo zusammen", "l0").await;
    let row = MemberRow {
        line: 2,
        platform: "telegram".to_owned(),
        id: lena.external_id.clone(),
        name: Some("Lena Fischer".to_owned()),
        fan_since: Some("01.03.2021".to_owned()),
    };
    let report = test
        .club
        .import_members(std::slice::from_ref(&row), false)
        .await
        .unwrap();
    assert!(report.written);
    assert!(
        matches!(
            report.rows[0].outcome,
            MemberOutcome::Done(_, Imported::Updated(_))
        ),
        "{report:?}"
    );
    let again = test.club.import_members(&[row], false).await.unwrap();
    assert!(
        matches!(
            again.rows[0].outcome,
            MemberOutcome::Done(_, Imported::Unchanged(_))
        ),
        "importing the same row again changes nothing: {again:?}"
    );
    let member = test
        .temp
        .store
        .identity_member(Platform::Telegram, &lena.external_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        member.fan_since,
        NaiveDate::from_ymd_opt(2021, 3, 1).unwrap()
    );
    assert_eq!(member.display_name, "Lena Fischer");
    assert!(!member.is_new(test.club.now(), 1));

    // Her vote pays on the bot's first day…
    test.react(&lena, answer, "👍", true, "r1").await;
    assert_eq!(test.balance(&actor("anna", false)).await, 2);
    // …and the 180-day backpack is hers to claim.
    let mods = actor("mo", true);
    test.send(said(&mods, "/grant @lena 900 Beta-Test", "g1"))
        .await;
    let claim = test.send(said(&lena, "/redeem backpack-2026", "c1")).await;
    assert!(
        claim
            .replies
            .iter()
            .any(|reply| reply.text.contains("Claim #1: Backpack 2026")),
        "{:?}",
        claim.replies
    );
    assert_eq!(
        test.temp.store.audit_count("members_import").await.unwrap(),
        1
    );
}

#[tokio::test]
async fn a_member_imported_as_new_votes_for_nothing_until_their_first_day_is_over() {
    let test = TestClub::new().await;
    let answer = answer(&test).await;
    let today = test.club.now().date_naive();
    let row = MemberRow {
        line: 2,
        platform: "telegram".to_owned(),
        id: "id-tom".to_owned(),
        name: None,
        fan_since: Some(today.to_string()),
    };
    let report = test.club.import_members(&[row], false).await.unwrap();
    assert!(!report.written, "telegram ids are numbers: {report:?}");
    let row = MemberRow {
        line: 2,
        platform: "console".to_owned(),
        id: "tom".to_owned(),
        name: None,
        fan_since: Some(today.to_string()),
    };
    let report = test.club.import_members(&[row], false).await.unwrap();
    assert!(
        matches!(
            report.rows[0].outcome,
            MemberOutcome::Done(_, Imported::Created(_))
        ),
        "an account not seen yet gets its member now: {report:?}"
    );
    let tom = Actor {
        platform: Platform::Console,
        external_id: "tom".to_owned(),
        ..actor("tom", false)
    };
    test.react(&tom, answer, "👍", true, "r1").await;
    assert_eq!(test.balance(&actor("anna", false)).await, 0);
}

/// The balance of console member `name` in the database in `dir`.
async fn fan_since(dir: &Path, name: &str) -> NaiveDate {
    let store = Store::open(&url_in(dir), &StoreOptions::default())
        .await
        .unwrap();
    let member = store
        .identity_member(Platform::Console, name)
        .await
        .unwrap()
        .expect("a known member");
    store.close().await;
    member.fan_since
}

#[tokio::test]
async fn members_import_from_a_german_excel_file_is_checked_whole_and_written_once() {
    let dir = tempfile::tempdir().unwrap();
    let url = url_in(dir.path());
    console(dir.path(), "de", "alice: hallo\nbob: hallo\n");
    let file = dir.path().join("fans.csv");
    let import = |content: &str| {
        std::fs::write(&file, content).unwrap();
        run_in(
            dir.path(),
            &[
                "--database",
                &url,
                "members",
                "import",
                "--csv",
                file.to_str().unwrap(),
            ],
            "",
        )
    };
    let bad = "\u{feff}platform;id;name;fan_since\r\n\
               console;alice;Alice Adler;01.03.2020\r\n\
               icq;123;;\r\n\
               console;bob;;31.02.2021\r\n\
               telegram;anna;;2021-01-01\r\n";
    let run = import(bad);
    assert!(!run.success);
    for expected in [
        "cells separated by semicolons",
        "fan since 2020-03-01, name Alice Adler",
        "row 3, column A (platform): unknown platform `icq` (telegram, discord or console)",
        "row 4, column D (fan_since): `31.02.2021` is not a date",
        "row 5, column B (id): `anna` is not a Telegram user id (a number)",
        "4 rows, 3 with problems: nothing was written.",
    ] {
        assert!(
            run.stdout.contains(expected),
            "missing {expected:?} in:\n{}",
            run.stdout
        );
    }
    // The club's day, in its time zone: what a member's first sighting
    // records as the start of their membership.
    let rules = fanclub::config::Settings::defaults().points;
    let today = fanclub::club::points::local_day(chrono::Utc::now(), &rules);
    assert_eq!(
        fan_since(dir.path(), "alice").await,
        today,
        "nothing was written"
    );

    let good = "\u{feff}platform;id;name;fan_since\r\n\
                console;alice;Alice Adler;01.03.2020\r\n\
                console;bob;;2021-06-15\r\n\
                telegram;4242;Zoë;2019-09-01\r\n";
    let run = import(good);
    assert!(run.success, "{}", run.stdout);
    assert!(
        run.stdout
            .contains("3 rows: 1 new, 2 updated, 0 unchanged."),
        "{}",
        run.stdout
    );
    let again = import(good);
    assert!(
        again
            .stdout
            .contains("3 rows: 0 new, 0 updated, 3 unchanged."),
        "{}",
        again.stdout
    );
    assert_eq!(
        fan_since(dir.path(), "alice").await,
        NaiveDate::from_ymd_opt(2020, 3, 1).unwrap()
    );

    // Alice can claim the backpack for fans of 180 days at once.
    let run = console(
        dir.path(),
        "en",
        "mod: /grant @alice 900 Beta test\nalice: /redeem backpack-2026\nalice: /balance\n",
    );
    assert!(
        run.stdout.contains("Claim #1: Backpack 2026"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("fan since"), "{}", run.stdout);
    let doctor = run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(doctor.success, "{}", doctor.stdout);
}
