//! Stories of who a command means (issue 11, "Who is meant"): a name that
//! fits several members is asked about and books nothing; `#<number>`, a
//! platform mention and a reply name a member exactly; names follow renames;
//! `/whois` tells members apart. Core stories drive the club as an adapter
//! does; console stories run the built binary.

use fanclub::club::model::{Actor, Event, Member, Mention};

use crate::support::{TestClub, actor, console, line_starting, said};

async fn member(test: &TestClub, who: &Actor) -> Member {
    test.temp
        .store
        .identity_member(who.platform, &who.external_id)
        .await
        .unwrap()
        .expect("a known member")
}

#[tokio::test]
async fn alice_and_capital_alice_exist_a_grant_for_alice_asks_which_one_and_books_nothing_and_one_by_number_books_exactly_one()
 {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let alice = actor("alice", false);
    let capital_alice = actor("Alice", false);
    test.send(said(&alice, "hi", "u1")).await;
    test.send(said(&capital_alice, "hallo", "u2")).await;
    let (small, capital) = (
        member(&test, &alice).await.id.0,
        member(&test, &capital_alice).await.id.0,
    );

    for (typed, key) in [("alice", "u3"), ("@alice", "u4"), ("ALICE", "u5")] {
        let asked = test
            .send(said(&moderator, &format!("/grant {typed} 5 x"), key))
            .await;
        let text = &asked.replies[0].text;
        assert!(text.contains("could mean several members"), "{text}");
        assert!(text.contains(&format!("#{small} @alice")), "{text}");
        assert!(text.contains(&format!("#{capital} @Alice")), "{text}");
    }
    assert_eq!(test.balance(&alice).await, 0);
    assert_eq!(test.balance(&capital_alice).await, 0);
    assert_eq!(test.temp.store.audit_count("grant").await.unwrap(), 0);

    let booked = test
        .send(said(&moderator, &format!("/grant #{small} 5 x"), "u6"))
        .await;
    assert!(
        booked.replies[0].text.contains("alice receives 5 points"),
        "{:?}",
        booked.replies
    );
    assert_eq!(test.balance(&alice).await, 5);
    assert_eq!(test.balance(&capital_alice).await, 0);
    assert_eq!(test.temp.store.audit_count("grant").await.unwrap(), 1);
}

#[tokio::test]
async fn a_name_that_fits_one_member_only_in_another_case_still_finds_them() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let anna = actor("Anna", false);
    test.send(said(&anna, "hi", "u1")).await;
    test.send(said(&moderator, "/grant @anna 7 Umfrage", "u2"))
        .await;
    assert_eq!(test.balance(&anna).await, 7);
}

#[tokio::test]
async fn a_member_number_that_nobody_has_is_unknown_and_books_nothing() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let handled = test.send(said(&moderator, "/grant #999 5 x", "u1")).await;
    assert_eq!(
        handled.replies[0].text,
        "I don't know a member called #999 yet."
    );
    assert_eq!(test.temp.store.audit_count("grant").await.unwrap(), 0);
}

#[tokio::test]
async fn a_renamed_telegram_user_is_found_by_the_new_name_and_not_the_old() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let mut anna = actor("anna", false);
    test.send(said(&anna, "hallo", "u1")).await;
    anna.username = Some("anna_neu".to_owned());
    test.send(said(&anna, "neuer Name", "u2")).await;

    let old = test.send(said(&moderator, "/grant @anna 5 x", "u3")).await;
    assert_eq!(
        old.replies[0].text,
        "I don't know a member called @anna yet."
    );
    test.send(said(&moderator, "/grant @anna_neu 5 x", "u4"))
        .await;
    assert_eq!(test.balance(&anna).await, 5);

    // Someone else takes the freed name: it is theirs alone now.
    let mut ben = actor("ben", false);
    ben.username = Some("anna".to_owned());
    test.send(said(&ben, "ich heiße jetzt anna", "u5")).await;
    test.send(said(&moderator, "/grant @anna 3 x", "u6")).await;
    assert_eq!(test.balance(&ben).await, 3);
    assert_eq!(test.balance(&anna).await, 5);
}

#[tokio::test]
async fn a_mention_names_the_mentioned_account_even_when_its_text_is_someone_elses_name() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let zoe = actor("zoe", false);
    let mut nameless = actor("x", false);
    nameless.external_id = "id-4242".to_owned();
    nameless.username = None;
    nameless.display_name = "zoe".to_owned();
    test.send(said(&zoe, "hi", "u1")).await;
    test.send(said(&nameless, "hi", "u2")).await;

    let text = "/grant zoe 4 Beta-Test";
    let mut grant = said(&moderator, text, "u3");
    grant.event = Event::Message {
        text: text.to_owned(),
        reply_to: None,
        external_id: Some("u3".to_owned()),
        mentions: vec![Mention {
            range: 7..10,
            external_id: "id-4242".to_owned(),
        }],
    };
    test.send(grant).await;
    assert_eq!(test.balance(&nameless).await, 4);
    assert_eq!(test.balance(&zoe).await, 0);
}

#[tokio::test]
async fn a_moderator_command_sent_as_a_reply_means_the_author_of_the_message_replied_to() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let carla = actor("carla", false);
    let tipp = test
        .post(&carla, "Tipp: Neustart hilft fast immer", "u1")
        .await;
    test.reply(&moderator, tipp, "/grant 10 guter Tipp", "u2")
        .await;
    assert_eq!(test.balance(&carla).await, 10);

    let whois = test.reply(&moderator, tipp, "/whois", "u3").await;
    let number = member(&test, &carla).await.id.0;
    assert!(
        whois.replies[0]
            .text
            .starts_with(&format!("Member #{number}: carla")),
        "{:?}",
        whois.replies
    );

    assert_eq!(test.balance(&carla).await, 10);
}

#[tokio::test]
async fn whois_shows_number_names_and_accounts_to_moderators_only() {
    let test = TestClub::new().await;
    let moderator = actor("mia", true);
    let mut anna = actor("anna", false);
    anna.display_name = "Anna Berg".to_owned();
    test.send(said(&anna, "hallo", "u1")).await;
    let number = member(&test, &anna).await.id.0;

    let shown = test.send(said(&moderator, "/whois @anna", "u2")).await;
    let text = &shown.replies[0].text;
    assert!(
        text.starts_with(&format!("Member #{number}: Anna Berg · fan since ")),
        "{text}"
    );
    assert!(text.contains("Telegram: @anna (account id-anna)"), "{text}");

    let refused = test.send(said(&anna, "/whois @anna", "u3")).await;
    assert_eq!(refused.replies[0].text, "Only moderators can use /whois.");
}

#[test]
fn on_the_console_a_grant_for_alice_asks_which_one_and_a_grant_by_number_or_reply_books_one() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "en",
        "alice: hi\nAlice: hallo\nmod: /grant alice 5 x\nmod: /grant #1 5 x\n\
         mod > #2: /grant 3 welcome\nmod: /whois #2\nmod > #4: /grant 3 x\n",
    );
    let out = &run.stdout;
    assert_eq!(
        line_starting(out, "#4 bot:"),
        "#4 bot: @alice could mean several members: #1 @alice, #2 @Alice. \
         Which one do you mean? Name them by their number, such as #1."
    );
    assert_eq!(
        line_starting(out, "#6 bot:"),
        "#6 bot: alice receives 5 points (x). New balance: 5 points."
    );
    assert_eq!(
        line_starting(out, "#8 bot:"),
        "#8 bot: Alice receives 3 points (welcome). New balance: 3 points."
    );
    assert!(
        // A moderator's view of a member goes to them privately: the
        // console's channel is everyone's.
        out.contains("#10 bot → mod (private): Member #2: Alice · fan since ")
            && out.contains("    console: @Alice (account Alice)"),
        "{out}"
    );
    // #4 is the bot's question, nobody's message: nothing is granted.
    assert_eq!(
        line_starting(out, "#12 bot:"),
        "#12 bot: The message you reply to is not a member's. Name the member as @name or #number."
    );
    assert!(!out.contains("#13"), "{out}");
}

/// `fanclub check-config` on Telegram (a token set), with `env` on top.
fn check_config_on_telegram(dir: &std::path::Path, env: &[(&str, &str)]) -> crate::support::Run {
    let mut command = crate::support::fanclub();
    command.env("TELEGRAM_BOT_TOKEN", "12345:not-a-real-token");
    for (key, value) in env {
        command.env(key, value);
    }
    crate::support::run_command(command, dir, &["check-config"], "")
}

#[test]
fn check_config_fails_when_claims_need_approval_but_no_platform_has_a_moderators_place() {
    let dir = tempfile::tempdir().unwrap();
    let missing = check_config_on_telegram(dir.path(), &[]);
    assert!(!missing.success, "{}", missing.stdout);
    assert!(
        missing.stderr.contains("set telegram.moderators_chat"),
        "{}",
        missing.stderr
    );
    assert!(!missing.stdout.contains("configuration is valid"));

    let set = check_config_on_telegram(
        dir.path(),
        &[("FANCLUB__TELEGRAM__MODERATORS_CHAT", "-100500")],
    );
    assert!(set.success, "{}", set.stderr);
    assert!(
        set.stdout
            .contains("moderators' place: the Telegram chat -100500"),
        "{}",
        set.stdout
    );

    let catalog = dir.path().join("catalog.toml");
    std::fs::write(
        &catalog,
        "[[item]]\nsku = \"sticker\"\ncost = 10\nrequires_approval = false\n\n[item.en]\nname = \"Stickers\"\n",
    )
    .unwrap();
    let nothing_to_approve = check_config_on_telegram(
        dir.path(),
        &[("FANCLUB__SHOP__CATALOG", catalog.to_str().unwrap())],
    );
    assert!(nothing_to_approve.success, "{}", nothing_to_approve.stderr);
}

#[tokio::test]
async fn a_grant_file_row_naming_alice_when_alice_and_capital_alice_exist_is_a_problem_and_books_nothing()
 {
    use fanclub::club::grants::GrantRow;
    let test = TestClub::new().await;
    test.temp.member("alice").await;
    let capital = test.temp.member("Alice").await;
    let row = |line: usize, member: &str| GrantRow::new(line, member, "5", "Umfrage");
    let rows = [row(1, "console:alice"), row(2, &format!("#{}", capital.0))];
    let report = test.club.grant_batch(&rows, false).await.unwrap();
    assert_eq!(report.problems(), 1);
    let problem = &report.rows[0].outcome.problems()[0].message;
    assert!(
        problem.starts_with("`console:alice` could mean several members: "),
        "{problem}"
    );
    assert!(
        problem.contains(&format!("#{} @Alice", capital.0)),
        "{problem}"
    );
    assert!(report.rows[1].outcome.problems().is_empty());
    assert_eq!(report.booked, 0);
    assert_eq!(test.temp.store.balance(capital).await.unwrap(), 0);
}
