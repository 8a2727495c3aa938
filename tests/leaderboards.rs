//! Stories of leaderboards and help records read from kept totals (issue
//! 14): each period counts what was earned before it was first asked and
//! after, equals share a rank, and a help record follows votes given and
//! withdrawn.

use fanclub::club::model::{Actor, MessageId};

use crate::support::{TestClub, actor, said};

struct Club {
    test: TestClub,
    alice: Actor,
    bob: Actor,
    carol: Actor,
    dave: Actor,
}

/// Four members who said hello two days ago (their votes pay).
async fn club() -> Club {
    let test = TestClub::configured(|config| config.faq.model = std::path::PathBuf::new()).await;
    let (alice, bob, carol, dave) = (
        actor("alice", false),
        actor("bob", false),
        actor("carol", false),
        actor("dave", false),
    );
    for who in [&alice, &bob, &carol, &dave] {
        test.post(who, "hello", &format!("hello-{}", who.display_name))
            .await;
    }
    test.days_pass(2);
    Club {
        test,
        alice,
        bob,
        carol,
        dave,
    }
}

impl Club {
    async fn ask(&self, who: &Actor, command: &str, key: &str) -> String {
        let handled = self.test.send(said(who, command, key)).await;
        handled.replies[0].text.clone()
    }

    /// Bob answers, and carol's 👍 pays him.
    async fn bobs_answer_upvoted_by_carol(&self) -> MessageId {
        let bobs = self
            .test
            .post(&self.bob, "Restart the router", "bob-answer")
            .await;
        self.test.react(&self.carol, bobs, "👍", true, "v1").await;
        bobs
    }

    /// Changes the file by hand, around the store.
    async fn tamper(&self, sql: &str) {
        let mut connection = self.test.temp.raw_connection().await;
        sqlx::query(sqlx::AssertSqlSafe(sql))
            .execute(&mut connection)
            .await
            .unwrap();
    }

    async fn healthy(&self) {
        let report = self.test.temp.store.doctor().await.unwrap();
        assert!(report.is_healthy(), "{report}");
    }
}

#[tokio::test]
async fn a_period_counts_points_earned_before_it_was_first_asked_and_after() {
    let c = club().await;
    let t = &c.test;
    let bobs = t.post(&c.bob, "Restart the router", "bob-answer").await;
    let alices = t.post(&c.alice, "Try another cable", "alice-answer").await;
    t.react(&c.carol, bobs, "👍", true, "v1").await;
    t.react(&c.dave, bobs, "👍", true, "v2").await;
    t.react(&c.carol, alices, "👍", true, "v3").await;

    let week = c.ask(&c.carol, "/leaderboard week", "lb1").await;
    assert_eq!(
        week,
        "🏆 Leaderboard (this week):\n1. bob – 4 points\n2. alice – 2 points\n\
         You have not earned points in this period yet."
    );

    // After the week was first asked: alice catches up, and equals share
    // a rank, listed by name.
    t.react(&c.dave, alices, "👍", true, "v4").await;
    let week = c.ask(&c.alice, "/leaderboard week", "lb2").await;
    assert_eq!(
        week,
        "🏆 Leaderboard (this week):\n1. alice – 4 points\n1. bob – 4 points\n\
         You: rank 1 with 4 points"
    );
    let month = c.ask(&c.bob, "/leaderboard month", "lb3").await;
    assert!(
        month.contains("1. alice – 4 points\n1. bob – 4 points\nYou: rank 1 with 4 points"),
        "{month}"
    );

    // A withdrawn vote leaves the periods too.
    t.react(&c.carol, bobs, "👍", false, "v1-off").await;
    let season = c.ask(&c.bob, "/leaderboard season", "lb4").await;
    assert!(
        season.contains("1. alice – 4 points\n2. bob – 2 points\nYou: rank 2 with 2 points"),
        "{season}"
    );

    // The next week starts empty; the month still counts.
    t.days_pass(7);
    let week = c.ask(&c.bob, "/leaderboard week", "lb5").await;
    assert_eq!(
        week,
        "🏆 Leaderboard (this week):\nNobody has earned points in this period yet."
    );
    let month = c.ask(&c.bob, "/leaderboard month", "lb6").await;
    assert!(month.contains("2. bob – 2 points"), "{month}");
    let fresh = t.post(&c.bob, "Or update the firmware", "bob-again").await;
    t.react(&c.carol, fresh, "👍", true, "v5").await;
    let week = c.ask(&c.bob, "/leaderboard week", "lb7").await;
    assert!(week.contains("1. bob – 2 points\nYou: rank 1"), "{week}");
    c.healthy().await;
}

#[tokio::test]
async fn a_help_record_follows_upvotes_given_and_withdrawn() {
    let c = club().await;
    let t = &c.test;
    let answer = t.post(&c.bob, "Restart the router", "bob-answer").await;
    let help = |text: String| {
        text.lines()
            .find(|line| line.starts_with("Helpful answers"))
            .unwrap_or_default()
            .to_owned()
    };
    t.react(&c.carol, answer, "👍", true, "v1").await;
    t.react(&c.dave, answer, "👍", true, "v2").await;
    let profile = c.ask(&c.alice, "/profile @bob", "p1").await;
    assert_eq!(help(profile), "Helpful answers: 1 · solutions: 0");

    t.react(&c.carol, answer, "👍", false, "v1-off").await;
    let profile = c.ask(&c.alice, "/profile @bob", "p2").await;
    assert_eq!(
        help(profile),
        "Helpful answers: 1 · solutions: 0",
        "one upvote still stands"
    );

    t.react(&c.dave, answer, "👍", false, "v2-off").await;
    let profile = c.ask(&c.alice, "/profile @bob", "p3").await;
    assert_eq!(help(profile), "Helpful answers: 0 · solutions: 0");
    c.healthy().await;
}

#[tokio::test]
async fn the_doctor_finds_earned_points_counted_in_the_wrong_hour() {
    let c = club().await;
    let t = &c.test;
    c.bobs_answer_upvoted_by_carol().await;
    c.healthy().await;

    // Someone edits the kept totals by hand: bob's points move to a year
    // in which nothing was earned.
    c.tamper("UPDATE earned_hours SET hour = '2001-01-01T00'")
        .await;

    let report = t.temp.store.doctor().await.unwrap();
    assert!(!report.is_healthy());
    let printed = report.to_string();
    assert!(
        printed.contains("in hour 2001-01-01T00: total 2, ledger sums to 0"),
        "{printed}"
    );
    assert!(printed.contains(": total 0, ledger sums to 2"), "{printed}");
}

#[tokio::test]
async fn a_vote_is_booked_as_a_lean_row_and_the_history_still_says_who_and_where() {
    let c = club().await;
    let t = &c.test;
    let bobs = c.bobs_answer_upvoted_by_carol().await;

    let mut connection = t.temp.raw_connection().await;
    let (reason, source, created_at): (String, Option<String>, String) =
        sqlx::query_as("SELECT reason, source, created_at FROM ledger WHERE kind = 'upvote'")
            .fetch_one(&mut connection)
            .await
            .unwrap();
    assert_eq!((reason.as_str(), source), ("", None), "no repeated text");
    assert_eq!(
        created_at.len(),
        "2026-11-30T10:00:00Z".len(),
        "{created_at}"
    );
    assert!(created_at.ends_with('Z'), "{created_at}");

    let history = c.ask(&c.bob, "/history", "h1").await;
    assert!(
        history.contains(&format!("helpful answer {bobs}, vote by carol")),
        "{history}"
    );
}

#[tokio::test]
async fn the_doctor_finds_a_help_record_that_disagrees_with_the_votes() {
    let c = club().await;
    let t = &c.test;
    let bobs = c.bobs_answer_upvoted_by_carol().await;
    c.healthy().await;

    c.tamper("UPDATE help_answers SET upvotes = 5").await;
    c.tamper("UPDATE help_records SET answers = 9").await;

    let printed = t.temp.store.doctor().await.unwrap().to_string();
    assert!(
        printed.contains(&format!("answer {} of member", bobs.0))
            && printed.contains(": 5 upvotes counted, 1 stand"),
        "{printed}"
    );
    assert!(
        printed.contains("help record 9 answers, 0 solutions; the votes say 1 and 0"),
        "{printed}"
    );
}

#[tokio::test]
async fn the_doctor_finds_daily_vote_totals_that_disagree_with_the_votes() {
    let c = club().await;
    let t = &c.test;
    c.bobs_answer_upvoted_by_carol().await;
    c.healthy().await;

    // By hand: bob's day is worth more than carol's vote paid, carol's
    // upvote counted on a day she never voted, and her upvote for bob not
    // counted at all.
    c.tamper("UPDATE vote_days_author SET earned = 7").await;
    c.tamper("UPDATE vote_days_voter SET day = '2001-01-01'")
        .await;
    c.tamper("DELETE FROM vote_days_pair").await;

    let report = t.temp.store.doctor().await.unwrap();
    assert!(!report.is_healthy());
    let printed = report.to_string();
    let line = |fragments: &[&str]| {
        printed
            .lines()
            .any(|line| fragments.iter().all(|fragment| line.contains(fragment)))
    };
    assert!(
        line(&["votes for author", ": total 7, standing votes paid 2"]),
        "{printed}"
    );
    assert!(
        line(&[
            "upvotes by voter",
            " on 2001-01-01: total 1, standing paying upvotes 0"
        ]),
        "{printed}"
    );
    let nowhere = |line: &&str| {
        line.contains("upvotes by voter") && line.contains(": total 0, standing paying upvotes 1")
    };
    assert!(
        printed
            .lines()
            .filter(nowhere)
            .any(|line| !line.contains("for author")),
        "the voter's real day: {printed}"
    );
    assert!(
        printed
            .lines()
            .filter(nowhere)
            .any(|line| line.contains("for author")),
        "the pair's day: {printed}"
    );
}

#[tokio::test]
async fn the_doctor_finds_an_answer_and_a_help_record_missing_from_the_kept_ones() {
    let c = club().await;
    let t = &c.test;
    let bobs = c.bobs_answer_upvoted_by_carol().await;
    c.healthy().await;

    c.tamper("DELETE FROM help_answers").await;
    c.tamper("DELETE FROM help_records").await;

    let printed = t.temp.store.doctor().await.unwrap().to_string();
    assert!(
        printed.contains(&format!("answer {} of member", bobs.0))
            && printed.contains(": 0 upvotes counted, 1 stand"),
        "{printed}"
    );
    assert!(
        printed.contains("help record 0 answers, 0 solutions; the votes say 1 and 0"),
        "{printed}"
    );
}

#[tokio::test]
async fn the_doctor_finds_votes_and_messages_that_point_at_nothing() {
    let c = club().await;
    let t = &c.test;
    c.bobs_answer_upvoted_by_carol().await;
    c.healthy().await;

    // Rows written with the references unchecked: a vote (that paid
    // nothing, so no total counts it) on a message nobody wrote, by and for
    // members who do not exist, and a reply of a stranger to a message that
    // is not there.
    c.tamper(
        "PRAGMA foreign_keys = OFF; \
         INSERT INTO votes (message_id, voter_id, author_id, kind, via, points, outcome, day, active, created_at) \
         VALUES (9999, 4243, 4244, 'upvote', 'reaction', 0, 'by hand', '2026-01-01', 1, '2026-01-01T00:00:00Z'); \
         INSERT INTO messages (platform, place, author_id, from_bot, private, reply_to, body, created_at) \
         VALUES ('console', 'general', 4245, 0, 0, 8888, '', '2026-01-01T00:00:00Z');",
    )
    .await;

    let report = t.temp.store.doctor().await.unwrap();
    assert!(!report.is_healthy());
    let printed = report.to_string();
    for problem in [
        "table votes: votes on message 9999 point at a missing messages",
        "table votes: votes by voter 4243 point at a missing members",
        "table votes: votes for author 4244 point at a missing members",
        "table messages: messages of author 4245 point at a missing members",
        "table messages: replies to message 8888 point at a missing messages",
    ] {
        assert!(printed.contains(problem), "{problem}: {printed}");
    }
}
