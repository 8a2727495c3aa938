//! Stories of points for helpful answers: upvotes, solutions, the rules
//! against farming, the moderators' tools, leaderboards and profiles.
//! The club's clock is moved, never slept on.

use fanclub::club::model::Actor;

use crate::support::{TestClub, actor, said};

/// A support channel where alice asks and bob answers; carol, dave and erin
/// are members old enough for their votes to pay.
struct Thread {
    test: TestClub,
    alice: Actor,
    bob: Actor,
    carol: Actor,
    dave: Actor,
    mia: Actor,
    question: fanclub::club::model::MessageId,
    answer: fanclub::club::model::MessageId,
}

async fn thread() -> Thread {
    thread_with(TestClub::new().await).await
}

async fn thread_with(test: TestClub) -> Thread {
    let (alice, bob, carol, dave, mia) = (
        actor("alice", false),
        actor("bob", false),
        actor("carol", false),
        actor("dave", false),
        actor("mia", true),
    );
    for (who, key) in [(&carol, "hello-c"), (&dave, "hello-d"), (&mia, "hello-m")] {
        test.post(who, "Hallo zusammen!", key).await;
    }
    test.post(&alice, "hi", "hello-a").await;
    test.post(&bob, "servus", "hello-b").await;
    test.days_pass(2);
    let question = test
        .post(&alice, "Wie lange dauert eine Freigabe im Shop?", "q")
        .await;
    let answer = test
        .reply(&bob, question, "Meist zwei, drei Tage.", "a")
        .await
        .message
        .unwrap();
    Thread {
        test,
        alice,
        bob,
        carol,
        dave,
        mia,
        question,
        answer,
    }
}

#[tokio::test]
async fn a_helpers_history_tells_each_vote_in_german_with_who_gave_it() {
    let t = thread().await;
    t.test.react(&t.carol, t.answer, "👍", true, "r1").await;
    t.test
        .react(&t.carol, t.answer, "👍", false, "r1-off")
        .await;
    let bob_in_german = Actor {
        locale: Some("de".into()),
        ..t.bob.clone()
    };
    let handled = t.test.send(said(&bob_in_german, "/history", "h")).await;
    let history = &handled.replies[0].text;
    assert!(
        history.contains(&format!(
            "+2  hilfreiche Antwort {}, Stimme von carol  (hilfreich)",
            t.answer
        )),
        "{history}"
    );
    assert!(
        history.contains("-2  Stimme zurückgenommen  (hilfreich zurückgenommen)"),
        "{history}"
    );
}

#[tokio::test]
async fn a_helpful_answer_earns_points_from_reactions_thanks_and_a_solution() {
    let t = thread().await;
    t.test.react(&t.carol, t.answer, "👍", true, "r1").await;
    t.test.react(&t.dave, t.answer, "❤", true, "r2").await;
    assert_eq!(
        t.test.balance(&t.bob).await,
        4,
        "two upvotes, 2 points each"
    );

    t.test
        .reply(&t.alice, t.answer, "Danke dir!", "thanks")
        .await;
    assert_eq!(
        t.test.balance(&t.bob).await,
        6,
        "a thanks reply is an upvote"
    );

    // On Telegram the solution is 🏆: its reactions have no ✅.
    t.test.react(&t.alice, t.answer, "🏆", true, "solved").await;
    assert_eq!(
        t.test.balance(&t.bob).await,
        16,
        "the asker's 🏆 marks the solution: +10"
    );
    assert!(t.test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn on_telegram_the_emoji_of_telegrams_own_reaction_list_count() {
    let t = thread().await;
    // Telegram members cannot react with ⭐ or ✅: what arrives is from
    // Telegram's list, and `points.*_emoji.telegram` names those.
    t.test.react(&t.carol, t.answer, "⭐", true, "star").await;
    t.test.react(&t.alice, t.answer, "✅", true, "check").await;
    assert_eq!(t.test.balance(&t.bob).await, 0, "not Telegram's emoji");
    t.test
        .react(&t.carol, t.answer, "💯", true, "hundred")
        .await;
    t.test.react(&t.alice, t.answer, "🏆", true, "trophy").await;
    assert_eq!(t.test.balance(&t.bob).await, 12, "💯 upvotes, 🏆 solves");
}

#[tokio::test]
async fn self_votes_duplicate_votes_and_votes_for_bots_pay_nothing_but_are_explained() {
    let t = thread().await;
    t.test.react(&t.bob, t.answer, "👍", true, "self").await;
    t.test.react(&t.carol, t.answer, "👍", true, "c1").await;
    t.test.react(&t.carol, t.answer, "🔥", true, "c2").await;
    t.test.reply(&t.carol, t.answer, "thanks!", "c3").await;
    assert_eq!(
        t.test.balance(&t.bob).await,
        2,
        "only carol's first vote pays"
    );

    let mut robot = actor("helperbot", false);
    robot.is_bot = true;
    let robots_answer = t
        .test
        .reply(&robot, t.question, "Beep: 2-3 Tage.", "bot-answer")
        .await
        .message
        .unwrap();
    let handled = t.test.reply(&t.carol, robots_answer, "/upvote", "c4").await;
    assert_eq!(
        handled.replies[0].text,
        "That does not count: a bot's message"
    );

    let why = t
        .test
        .send(crate::support::said(&t.mia, "/why @bob", "why"))
        .await;
    let text = &why.replies[0].text;
    assert!(text.contains("by bob: upvote +0 (own message)"), "{text}");
    assert!(text.contains("by carol: upvote +2 (paid)"), "{text}");
    assert_eq!(text.matches("(already voted)").count(), 2, "{text}");
}

#[tokio::test]
async fn a_new_members_vote_pays_nothing_until_a_day_has_passed() {
    let t = thread().await;
    // The platform says the member joined just now (issue 13: only a join
    // the club knows of makes a member new).
    let mut newbie = actor("neu", false);
    newbie.joined_at = Some(t.test.club.now());
    t.test.post(&newbie, "Hallo, bin neu hier", "n0").await;
    let handled = t.test.reply(&newbie, t.answer, "/upvote", "n1").await;
    assert_eq!(
        handled.replies[0].text,
        "That does not count: a new member's vote (counts from day 2)"
    );
    assert_eq!(t.test.balance(&t.bob).await, 0);

    t.test.days_pass(1);
    let later = t.test.reply(&newbie, t.answer, "/upvote", "n2").await;
    assert_eq!(
        later.replies[0].text, "That does not count: already voted",
        "the first vote still stands, and one vote per voter per message"
    );
    let fresh_answer = t
        .test
        .reply(&t.bob, t.question, "Nachtrag: manchmal eine Woche.", "a2")
        .await
        .message
        .unwrap();
    t.test.reply(&newbie, fresh_answer, "/upvote", "n3").await;
    assert_eq!(t.test.balance(&t.bob).await, 2);
}

#[tokio::test]
async fn the_daily_cap_holds_and_resets_the_next_day() {
    let t = thread().await;
    // Nine members vote on three of bob's answers each: 27 votes of 2 points.
    let voters: Vec<Actor> = (1..=9).map(|i| actor(&format!("fan{i}"), false)).collect();
    for (i, voter) in voters.iter().enumerate() {
        t.test.post(voter, "hi", &format!("hi{i}")).await;
    }
    t.test.days_pass(2);
    let mut answers = Vec::new();
    for i in 0..3 {
        let key = format!("answer{i}");
        answers.push(
            t.test
                .reply(&t.bob, t.question, "Noch ein Tipp", &key)
                .await
                .message
                .unwrap(),
        );
    }
    for (v, voter) in voters.iter().enumerate() {
        for (a, answer) in answers.iter().enumerate() {
            t.test
                .react(voter, *answer, "👍", true, &format!("vote-{v}-{a}"))
                .await;
        }
    }
    assert_eq!(
        t.test.balance(&t.bob).await,
        50,
        "at most 50 points a day from votes"
    );

    t.test.days_pass(1);
    let tomorrow = t
        .test
        .reply(&t.bob, t.question, "Und noch einer", "answer-next-day")
        .await
        .message
        .unwrap();
    t.test
        .react(&t.carol, tomorrow, "👍", true, "next-day")
        .await;
    assert_eq!(t.test.balance(&t.bob).await, 52, "a new day, a new cap");
}

#[tokio::test]
async fn the_same_voter_pays_the_same_author_at_most_three_times_a_day() {
    let t = thread().await;
    for i in 0..5 {
        let answer = t
            .test
            .reply(&t.bob, t.question, "Tipp", &format!("tip{i}"))
            .await
            .message
            .unwrap();
        t.test
            .react(&t.carol, answer, "👍", true, &format!("carol{i}"))
            .await;
    }
    assert_eq!(t.test.balance(&t.bob).await, 6);
}

#[tokio::test]
async fn unreacting_withdraws_exactly_what_the_vote_paid() {
    let t = thread().await;
    t.test.react(&t.carol, t.answer, "👍", true, "up").await;
    t.test.react(&t.dave, t.answer, "🔥", true, "up2").await;
    assert_eq!(t.test.balance(&t.bob).await, 4);
    t.test.react(&t.carol, t.answer, "👍", false, "down").await;
    assert_eq!(t.test.balance(&t.bob).await, 2);
    t.test
        .react(&t.carol, t.answer, "👍", false, "down-again")
        .await;
    assert_eq!(t.test.balance(&t.bob).await, 2, "nothing left to withdraw");
    // A vote that paid nothing takes nothing back.
    t.test.react(&t.dave, t.answer, "👍", true, "dup").await;
    t.test.react(&t.dave, t.answer, "👍", false, "undup").await;
    assert_eq!(t.test.balance(&t.bob).await, 2);
    assert!(t.test.temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn the_same_platform_event_applied_twice_credits_once() {
    let t = thread().await;
    t.test
        .react(&t.carol, t.answer, "👍", true, "update-900")
        .await;
    t.test
        .react(&t.carol, t.answer, "👍", true, "update-900")
        .await;
    t.test.reply(&t.dave, t.answer, "+1", "update-901").await;
    t.test.reply(&t.dave, t.answer, "+1", "update-901").await;
    assert_eq!(t.test.balance(&t.bob).await, 4);
    // Replaying the add after a withdrawal does not bring the vote back.
    t.test
        .react(&t.carol, t.answer, "👍", false, "update-902")
        .await;
    t.test
        .react(&t.carol, t.answer, "👍", true, "update-900")
        .await;
    assert_eq!(t.test.balance(&t.bob).await, 2);
}

#[tokio::test]
async fn only_the_asker_marks_the_solution_and_only_one_per_question() {
    let t = thread().await;
    let handled = t.test.reply(&t.carol, t.answer, "/solved", "c").await;
    assert_eq!(
        handled.replies[0].text,
        "That does not count: only the member who asked can mark the solution"
    );
    let handled = t
        .test
        .reply(&t.alice, t.answer, "/solved", "solved-by-alice")
        .await;
    assert_eq!(
        handled.replies[0].text,
        "✅ Marked as the solution: bob receives 10 points."
    );
    let other = t
        .test
        .reply(&t.carol, t.question, "Oder frag im Support.", "other")
        .await
        .message
        .unwrap();
    let handled = t.test.reply(&t.alice, other, "/solved", "a2").await;
    assert_eq!(
        handled.replies[0].text,
        "That does not count: the question already has a solution"
    );
    let handled = t
        .test
        .send(crate::support::said(&t.alice, "/solved", "a3"))
        .await;
    assert_eq!(
        handled.replies[0].text,
        "Send /solved as a reply to the message you mean."
    );
    assert_eq!(t.test.balance(&t.bob).await, 10);
}

#[tokio::test]
async fn votes_on_old_messages_and_outside_support_channels_pay_nothing() {
    let t = thread().await;
    t.test.days_pass(8);
    let handled = t.test.reply(&t.carol, t.answer, "/upvote", "late").await;
    assert_eq!(
        handled.replies[0].text,
        "That does not count: message older than 7 days"
    );

    let elsewhere =
        TestClub::configured(|config| config.support_channels = vec!["telegram:-100999".into()])
            .await;
    let t2 = thread_with(elsewhere).await;
    let handled = t2.test.reply(&t2.carol, t2.answer, "/upvote", "x").await;
    assert_eq!(
        handled.replies[0].text,
        "Votes do not count here, only in the support channels."
    );
    assert_eq!(t2.test.balance(&t2.bob).await, 0);
}

#[tokio::test]
async fn a_ring_of_three_members_is_reported_by_suspicious() {
    let t = thread().await;
    let ring = [
        actor("ringo", false),
        actor("paula", false),
        actor("george", false),
    ];
    let crowd: Vec<Actor> = (1..=8).map(|i| actor(&format!("fan{i}"), false)).collect();
    for (i, who) in ring.iter().chain(&crowd).enumerate() {
        t.test.post(who, "hi", &format!("hi{i}")).await;
    }
    t.test.days_pass(2);
    // Normal traffic: each fan upvotes the next fan once.
    for i in 0..crowd.len() {
        let answer = t.test.post(&crowd[i], "ein Tipp", &format!("tip{i}")).await;
        let voter = &crowd[(i + 1) % crowd.len()];
        t.test
            .react(voter, answer, "👍", true, &format!("crowd{i}"))
            .await;
    }
    // The ring: every day for a week, each votes three times for the next.
    for day in 0..7 {
        for (i, member) in ring.iter().enumerate() {
            for n in 0..3 {
                let post = t
                    .test
                    .post(member, "meine Antwort", &format!("ring-post-{day}-{i}-{n}"))
                    .await;
                let voter = &ring[(i + 2) % 3];
                t.test
                    .react(voter, post, "👍", true, &format!("ring-vote-{day}-{i}-{n}"))
                    .await;
            }
        }
        t.test.days_pass(1);
    }
    let report = t
        .test
        .send(crate::support::said(&t.mia, "/suspicious", "sus"))
        .await;
    let text = &report.replies[0].text;
    assert!(
        text.contains("ring ringo → paula → george → ringo: 21 / 21 / 21 votes"),
        "{text}"
    );
    assert!(
        !text.contains("fan"),
        "normal voting is not suspicious: {text}"
    );
    let denied = t
        .test
        .send(crate::support::said(&t.carol, "/suspicious", "sus2"))
        .await;
    assert_eq!(
        denied.replies[0].text,
        "Only moderators can use /suspicious."
    );
}

#[tokio::test]
async fn revoking_a_voters_votes_takes_their_payouts_back_and_keeps_the_ledger_whole() {
    let t = thread().await;
    t.test.react(&t.carol, t.answer, "👍", true, "c1").await;
    let second = t
        .test
        .reply(&t.bob, t.question, "Ergänzung", "a2")
        .await
        .message
        .unwrap();
    t.test.react(&t.carol, second, "👍", true, "c2").await;
    t.test.react(&t.dave, second, "👍", true, "d1").await;
    assert_eq!(t.test.balance(&t.bob).await, 6);

    let handled = t
        .test
        .send(crate::support::said(
            &t.mia,
            "/revoke_votes @carol",
            "revoke",
        ))
        .await;
    assert_eq!(
        handled.replies[0].text,
        "Votes of carol revoked: 2 votes, 4 points taken back."
    );
    assert_eq!(t.test.balance(&t.bob).await, 2, "dave's vote stands");
    assert_eq!(
        t.test.temp.store.audit_count("revoke_votes").await.unwrap(),
        1
    );
    let report = t.test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn a_moderator_grants_points_for_an_activity_category() {
    let t = thread().await;
    let handled = t
        .test
        .send(crate::support::said(
            &t.mia,
            "/grant @alice beta_test",
            "g1",
        ))
        .await;
    assert_eq!(
        handled.replies[0].text,
        "alice receives 50 points (beta_test). New balance: 50 points."
    );
    let handled = t
        .test
        .send(crate::support::said(
            &t.mia,
            "/grant @alice survey Herbstumfrage",
            "g2",
        ))
        .await;
    assert_eq!(
        handled.replies[0].text,
        "alice receives 20 points (Herbstumfrage). New balance: 70 points."
    );
    let handled = t
        .test
        .send(crate::support::said(&t.mia, "/grant @alice party", "g3"))
        .await;
    assert_eq!(
        handled.replies[0].text,
        "There is no category \"party\". Known: beta_test, event, recommendation, survey."
    );
    let handled = t
        .test
        .send(crate::support::said(&t.mia, "/grant @alice 5", "g4"))
        .await;
    assert!(
        handled.replies[0].text.starts_with("<reason> is missing."),
        "{:?}",
        handled.replies
    );
}

#[tokio::test]
async fn the_leaderboard_ranks_points_earned_in_the_period() {
    let t = thread().await;
    t.test
        .send(crate::support::said(&t.mia, "/grant @alice event", "g"))
        .await;
    t.test.days_pass(40);
    let answer = t
        .test
        .reply(&t.bob, t.question, "Neu: eine Woche.", "late")
        .await
        .message
        .unwrap();
    t.test.react(&t.carol, answer, "👍", true, "v").await;
    t.test
        .send(crate::support::said(
            &t.mia,
            "/grant @alice -20 correction",
            "debit",
        ))
        .await;

    let week = t
        .test
        .send(crate::support::said(&t.bob, "/leaderboard week", "lb1"))
        .await;
    let text = &week.replies[0].text;
    assert!(
        text.starts_with("🏆 Leaderboard (this week):\n1. bob – 2 points"),
        "{text}"
    );
    assert!(text.ends_with("You: rank 1 with 2 points"), "{text}");

    let all = t
        .test
        .send(crate::support::said(&t.carol, "/leaderboard all", "lb2"))
        .await;
    let text = &all.replies[0].text;
    assert!(
        text.contains("1. alice – 5 points\n2. bob – 2 points"),
        "{text}"
    );
    assert!(
        text.ends_with("You have not earned points in this period yet."),
        "{text}"
    );
    let wrong = t
        .test
        .send(crate::support::said(&t.carol, "/leaderboard year", "lb3"))
        .await;
    assert_eq!(
        wrong.replies[0].text,
        "I don't know \"year\". Choose week, month, season or all."
    );
}

#[tokio::test]
async fn a_profile_shows_points_help_badges_and_tenure() {
    let t = thread().await;
    t.test.react(&t.carol, t.answer, "👍", true, "v").await;
    t.test.reply(&t.alice, t.answer, "/solved", "s").await;
    let handled = t
        .test
        .send(crate::support::said(&t.carol, "/profile @bob", "p"))
        .await;
    let text = &handled.replies[0].text;
    assert!(text.starts_with("bob – fan since 2026\n"), "{text}");
    assert!(
        text.contains("Balance: 12 points · earned in total: 12 points"),
        "{text}"
    );
    assert!(text.contains("Helpful answers: 1 · solutions: 1"), "{text}");
    assert!(
        text.ends_with("Badges: Fan since 2026, First solution"),
        "{text}"
    );
}

#[tokio::test]
async fn milestones_and_new_members_are_celebrated_where_configured() {
    let test = TestClub::configured(|config| {
        config.recognition.announce_milestones = true;
        config.recognition.welcome_new_members = true;
        config.recognition.welcome_channels = vec!["telegram:-100123".into()];
    })
    .await;
    let greeted = test
        .send(crate::support::said(&actor("zoe", false), "Hallo!", "z"))
        .await;
    assert!(
        greeted.replies[0]
            .text
            .starts_with("Welcome to Fanclub, zoe!"),
        "{:?}",
        greeted.replies
    );
    let t = thread_with(test).await;
    let handled = t.test.reply(&t.alice, t.answer, "/solved", "s").await;
    assert_eq!(handled.replies.len(), 2, "{:?}", handled.replies);
    assert_eq!(
        handled.replies[1].text,
        "🎉 Congratulations, bob: First solution!"
    );
}

/// How many of `handled`'s replies welcome a new member (`/start`'s own
/// welcome does not count).
fn welcomes(handled: &fanclub::club::Handled) -> usize {
    handled
        .replies
        .iter()
        .filter(|reply| reply.text.contains("Ask your questions, and help others"))
        .count()
}

#[tokio::test]
async fn a_new_member_is_welcomed_once_in_any_support_channel_when_no_place_is_listed() {
    let test = TestClub::configured(|config| config.recognition.welcome_new_members = true).await;
    let zoe = actor("zoe", false);
    let greeted = test.send(crate::support::said(&zoe, "Hallo!", "z1")).await;
    assert_eq!(welcomes(&greeted), 1, "{:?}", greeted.replies);
    assert!(
        greeted.replies[0]
            .text
            .starts_with("Welcome to Fanclub, zoe! Ask your questions"),
        "{:?}",
        greeted.replies
    );
    let later = test
        .send(crate::support::said(&zoe, "Noch da?", "z2"))
        .await;
    assert_eq!(welcomes(&later), 0, "only the first message");

    // A first word in private is no public welcome, and the member is not
    // new any more when they come to the group.
    let yuki = actor("yuki", false);
    let mut private = crate::support::said(&yuki, "Hallo?", "y1");
    private.place = fanclub::club::model::Place {
        platform: fanclub::club::model::Platform::Telegram,
        id: "id-yuki".to_owned(),
        private: true,
    };
    assert_eq!(welcomes(&test.send(private).await), 0);
    let in_group = test.send(crate::support::said(&yuki, "Hallo!", "y2")).await;
    assert_eq!(welcomes(&in_group), 0);

    // `/start` welcomes in its own words, once.
    let started = test
        .send(crate::support::said(&actor("max", false), "/start", "m1"))
        .await;
    assert_eq!(started.replies.len(), 1, "{:?}", started.replies);
    assert_eq!(welcomes(&started), 0);
}

#[tokio::test]
async fn no_welcome_outside_the_support_channels_nor_when_welcomes_are_off() {
    let elsewhere = TestClub::configured(|config| {
        config.recognition.welcome_new_members = true;
        config.support_channels = vec!["telegram:-100999".into()];
    })
    .await;
    let handled = elsewhere
        .send(crate::support::said(&actor("zoe", false), "Hallo!", "z"))
        .await;
    assert_eq!(welcomes(&handled), 0, "not a support channel");

    let off = TestClub::configured(|config| {
        config.recognition.welcome_new_members = false;
        config.recognition.welcome_channels = vec!["telegram:-100123".into()];
    })
    .await;
    let handled = off
        .send(crate::support::said(&actor("zoe", false), "Hallo!", "z"))
        .await;
    assert_eq!(welcomes(&handled), 0, "welcome_new_members = false wins");
}

/// Runs the console as shipped (welcomes and milestones on, new members'
/// votes paying) with `env` set, on the database in `dir`.
fn shipped_console(dir: &std::path::Path, env: &[(&str, &str)], script: &str) -> String {
    let mut command = crate::support::fanclub_as_shipped();
    command.env("FANCLUB__POINTS__MIN_VOTER_DAYS", "0");
    for (key, value) in env {
        command.env(key, value);
    }
    let url = crate::support::url_in(dir);
    let run = crate::support::run_command(
        command,
        dir,
        &["--database", &url, "--lang", "de", "console"],
        script,
    );
    assert!(run.success, "{}", run.stderr);
    run.stdout
}

#[test]
fn as_shipped_the_console_welcomes_new_members_and_announces_a_first_solution() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: Wie lange dauert die Freigabe einer Bestellung?
bob > #1: Meist zwei bis drei Tage.
";
    let out = shipped_console(dir.path(), &[], script);
    assert!(
        out.starts_with(
            "#1 alice: Wie lange dauert die Freigabe einer Bestellung?\n\
             #2 bot: Willkommen im Fanclub, alice! Stell gern deine Fragen"
        ),
        "the welcome comes first, one message:\n{out}"
    );
    let answer: Vec<&str> = out
        .lines()
        .skip_while(|line| !line.contains(" bob > #1: "))
        .take(2)
        .collect();
    assert!(
        answer[1].contains(" bot: Willkommen im Fanclub, bob!"),
        "bob is welcomed after his first message:\n{out}"
    );
    assert_eq!(out.matches("Willkommen im Fanclub").count(), 2, "{out}");
    let number = answer[0].split(' ').next().unwrap();

    let solved = shipped_console(dir.path(), &[], &format!("alice +✅ {number}\n"));
    assert!(
        solved.ends_with(" bot: 🎉 Glückwunsch, bob: Erste Lösung!\n"),
        "the milestone is announced in the channel:\n{solved}"
    );

    let quiet = tempfile::tempdir().unwrap();
    let off = [("FANCLUB__RECOGNITION__WELCOME_NEW_MEMBERS", "false")];
    let out = shipped_console(quiet.path(), &off, script);
    assert!(
        out.contains(" bob > #1: Meist zwei bis drei Tage."),
        "{out}"
    );
    assert!(!out.contains("Willkommen"), "welcomes are off:\n{out}");
}

#[test]
fn a_console_session_shows_votes_a_solution_the_leaderboard_and_a_profile() {
    let dir = tempfile::tempdir().unwrap();
    let script = "\
alice: Wie lange dauert die Freigabe einer Bestellung?
bob > #1: Meist zwei bis drei Tage.
carol > #1: Bei mir ging es schneller.
carol +👍 #3
dave +⭐ #3
alice > #3: danke!
alice +✅ #3
bob +👍 #4
dave -⭐ #3
bob: /balance
bob: /leaderboard
carol: /profile @bob
";
    let mut command = crate::support::fanclub();
    command.env("FANCLUB__POINTS__MIN_VOTER_DAYS", "0");
    let url = crate::support::url_in(dir.path());
    let run = crate::support::run_command(
        command,
        dir.path(),
        &["--database", &url, "--lang", "de", "console"],
        script,
    );
    assert!(run.success, "{}", run.stderr);
    let out = &run.stdout;
    assert!(
        out.starts_with("#1 alice: Wie lange dauert die Freigabe einer Bestellung?\n#2 bot: "),
        "the FAQ answers first:\n{out}"
    );
    assert!(
        out.contains("bob: 14 Punkte · insgesamt verdient: 14 Punkte"),
        "{out}"
    );
    assert!(
        out.contains("1. bob – 14 Punkte\n    2. carol – 2 Punkte"),
        "{out}"
    );
    assert!(
        out.contains("Hilfreiche Antworten: 1 · Lösungen: 1"),
        "{out}"
    );
}

#[test]
fn a_grant_file_is_checked_row_by_row_before_anything_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let url = crate::support::url_in(dir.path());
    crate::support::console(dir.path(), "en", "alice: hi\nbob: hi\n");
    let bad = dir.path().join("bad.csv");
    std::fs::write(&bad, "member,points,reason\nconsole:alice,50,Beta test\nconsole:ghost,10,x\nconsole:bob,-5,oops\nconsole:bob,party\n").unwrap();
    let run = crate::support::run_in(
        dir.path(),
        &["--database", &url, "grant", "--csv", bad.to_str().unwrap()],
        "",
    );
    assert!(!run.success);
    assert!(
        run.stdout.contains("row 2: ok: +50 to alice (Beta test)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("row 3, column A (member): unknown member `console:ghost`"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("row 4, column B (points): bob has only 0 points"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("row 5, column B (points): There is no category \"party\""),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("4 rows, 3 with problems: nothing was written."),
        "{}",
        run.stdout
    );

    let good = dir.path().join("good.csv");
    std::fs::write(&good, "console:alice,50,Beta test\nconsole:bob,survey\n").unwrap();
    let args = [
        "--database",
        url.as_str(),
        "grant",
        "--csv",
        good.to_str().unwrap(),
    ];
    let dry = crate::support::run_in(dir.path(), &[&args[..], &["--dry-run"]].concat(), "");
    assert!(
        dry.stdout.contains(
            "2 rows, no problems (dry run: nothing was written): 2 to book, 0 already booked."
        ),
        "{}",
        dry.stdout
    );
    let first = crate::support::run_in(dir.path(), &args, "");
    assert!(
        first.stdout.contains("2 rows: 2 booked, 0 already booked"),
        "{}",
        first.stdout
    );
    let again = crate::support::run_in(dir.path(), &args, "");
    assert!(
        again.stdout.contains("2 rows: 0 booked, 2 already booked"),
        "{}",
        again.stdout
    );

    let balances = crate::support::console(dir.path(), "en", "alice: /balance\nbob: /balance\n");
    assert!(
        balances.stdout.contains("alice: 50 points"),
        "{}",
        balances.stdout
    );
    assert!(
        balances.stdout.contains("bob: 20 points"),
        "{}",
        balances.stdout
    );
    let doctor = crate::support::run_in(dir.path(), &["--database", &url, "doctor"], "");
    assert!(doctor.success, "{}", doctor.stdout);
}
