//! Stories of many writers at once (issue 14): votes and postings that
//! arrive together share one transaction and one commit, each keeps its
//! own outcome, the per-day totals and the rank table stay true, and a
//! process killed in the middle leaves only what it acknowledged.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use chrono::Utc;
use fanclub::club::model::{Actor, Event, Incoming};
use fanclub::store::{PostingOutcome, Store, StoreOptions};

use crate::support::{TempStore, TestClub, actor, grant_posting, group};

/// Votes racing from many voters at once (the club's whole vote path, each
/// in its own task) pay exactly up to the author's daily cap.
#[tokio::test]
async fn forty_voters_voting_at_once_pay_the_author_exactly_the_daily_cap() {
    let test = TestClub::new().await;
    let bob = actor("bob", false);
    let voters: Vec<Actor> = (0..40).map(|i| actor(&format!("fan{i}"), false)).collect();
    for (i, who) in voters.iter().chain([&bob]).enumerate() {
        test.post(who, "Hallo!", &format!("hello-{i}")).await;
    }
    test.days_pass(2);
    let answer = test.post(&bob, "Ein hilfreicher Tipp", "answer").await;
    let votes: Vec<_> = voters
        .iter()
        .enumerate()
        .map(|(i, voter)| {
            let club = test.club.clone();
            let incoming = Incoming {
                actor: voter.clone(),
                place: group(),
                event_key: Some(format!("vote-{i}")),
                event: Event::Reaction {
                    message: answer.into(),
                    emoji: "👍".to_owned(),
                    added: true,
                },
            };
            tokio::spawn(async move { club.handle(incoming).await })
        })
        .collect();
    for vote in votes {
        vote.await.unwrap().expect("every vote is handled");
    }
    assert_eq!(
        test.balance(&bob).await,
        50,
        "40 votes of 2 points, capped at 50 a day"
    );
    let bob_id = test.member_id(&bob).await;
    let standing = test.temp.store.standing(bob_id).await.unwrap();
    assert_eq!(
        (standing.rank, standing.members),
        (Some(1), 1),
        "bob is the only earner"
    );
    assert_eq!(test.temp.store.count_paying_votes().await.unwrap(), 25);
    let report = test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// One fan's reactions arriving all at once are written together, and each
/// is ruled on as if it had come alone: the same event delivered twice
/// counts once, a second upvote on the same answer is a duplicate, and the
/// caps per pair and per voter hold inside the batch.
#[tokio::test]
async fn one_fans_reactions_arriving_together_are_ruled_on_as_if_one_at_a_time() {
    let test = TestClub::configured(|config| {
        config.points.daily_votes_per_pair = 3;
        config.points.daily_votes_per_voter = 5;
        config.points.daily_points_cap = 1_000;
    })
    .await;
    let worth = test.club.config().points.upvote_points;
    let (ann, bob, cleo) = (
        actor("ann", false),
        actor("bob", false),
        actor("cleo", false),
    );
    for (i, who) in [&ann, &bob, &cleo].into_iter().enumerate() {
        test.post(who, "Hallo!", &format!("hello-{i}")).await;
    }
    test.days_pass(2);
    let mut answers = Vec::new();
    for i in 0..5 {
        answers.push(test.post(&bob, "Ein Tipp", &format!("bob-{i}")).await);
    }
    for i in 0..3 {
        answers.push(
            test.post(&cleo, "Noch ein Tipp", &format!("cleo-{i}"))
                .await,
        );
    }
    let mut reactions: Vec<(usize, &str, String)> = (0..answers.len())
        .map(|i| (i, "👍", format!("up-{i}")))
        .collect();
    reactions.push((0, "❤️", "heart-0".to_owned()));
    reactions.push((1, "👍", "up-1".to_owned()));
    let tasks: Vec<_> = reactions
        .into_iter()
        .map(|(answer, emoji, key)| {
            let club = test.club.clone();
            let incoming = Incoming {
                actor: ann.clone(),
                place: group(),
                event_key: Some(key),
                event: Event::Reaction {
                    message: answers[answer].into(),
                    emoji: emoji.to_owned(),
                    added: true,
                },
            };
            tokio::spawn(async move { club.handle(incoming).await })
        })
        .collect();
    for task in tasks {
        task.await.unwrap().expect("every reaction is handled");
    }
    let (to_bob, to_cleo) = (test.balance(&bob).await, test.balance(&cleo).await);
    assert_eq!(to_bob + to_cleo, 5 * worth, "ann's five paying votes a day");
    assert!(
        to_bob <= 3 * worth && to_cleo <= 3 * worth,
        "at most three to one author: bob {to_bob}, cleo {to_cleo}"
    );
    assert_eq!(test.temp.store.count_paying_votes().await.unwrap(), 5);
    let ann_id = test.member_id(&ann).await;
    let since = test.club.now() - chrono::Duration::days(1);
    let cast = test.temp.store.vote_edges(since).await.unwrap();
    let recorded: i64 = cast
        .iter()
        .filter(|edge| edge.voter == ann_id)
        .map(|edge| edge.votes)
        .sum();
    assert_eq!(
        recorded, 9,
        "eight upvotes and the duplicate heart are recorded, the event delivered twice once"
    );
    let report = test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// Fans taking their reactions back all at once (each in a task of its
/// own, every withdrawal delivered twice, while others still vote) are
/// written together: each vote ends once, the author gives back what the
/// withdrawn votes paid as far as the points not yet spent allow, and the
/// books stay true.
#[tokio::test]
async fn fans_taking_their_reactions_back_at_once_take_back_each_vote_once_and_no_more_than_is_left()
 {
    let test = TestClub::configured(|config| {
        config.points.daily_points_cap = 1_000;
    })
    .await;
    let worth = test.club.config().points.upvote_points;
    let bob = actor("bob", false);
    let fans: Vec<Actor> = (0..30).map(|i| actor(&format!("fan{i}"), false)).collect();
    for (i, who) in fans.iter().chain([&bob]).enumerate() {
        test.post(who, "Hallo!", &format!("hello-{i}")).await;
    }
    test.days_pass(2);
    let answer = test.post(&bob, "Ein hilfreicher Tipp", "answer").await;
    let react = |fan: &Actor, key: String, added: bool| {
        let club = test.club.clone();
        let incoming = Incoming {
            actor: fan.clone(),
            place: group(),
            event_key: Some(key),
            event: Event::Reaction {
                message: answer.into(),
                emoji: "👍".to_owned(),
                added,
            },
        };
        tokio::spawn(async move { club.handle(incoming).await })
    };
    for (i, fan) in fans[..20].iter().enumerate() {
        react(fan, format!("up-{i}"), true).await.unwrap().unwrap();
    }
    assert_eq!(test.balance(&bob).await, 20 * worth);
    // Bob spends all but five votes' worth.
    let bob_id = test.member_id(&bob).await;
    let spent = grant_posting(bob_id, -15 * worth, "spent");
    test.temp.store.post(&spent, Utc::now()).await.unwrap();

    // Ten fans take theirs back, each withdrawal delivered twice, while
    // ten others vote.
    let mut tasks = Vec::new();
    for (i, fan) in fans[..10].iter().enumerate() {
        tasks.push(react(fan, format!("back-{i}"), false));
        tasks.push(react(fan, format!("back-{i}"), false));
    }
    for (i, fan) in fans[20..].iter().enumerate() {
        tasks.push(react(fan, format!("late-{i}"), true));
    }
    for task in tasks {
        task.await.unwrap().expect("every reaction is handled");
    }

    let day = test.club.now().date_naive();
    let votes = test.temp.store.votes_received(bob_id, day).await.unwrap();
    let withdrawn: Vec<_> = votes.iter().filter(|vote| !vote.active).collect();
    assert_eq!(withdrawn.len(), 10, "each withdrawn vote ended once");
    let taken_back: i64 = withdrawn.iter().map(|vote| vote.reversed).sum();
    assert!(
        (5 * worth..=10 * worth).contains(&taken_back),
        "what was left when each withdrawal came, at most: {taken_back}"
    );
    assert_eq!(
        test.balance(&bob).await,
        5 * worth + 10 * worth - taken_back,
        "the late votes paid, the withdrawals took back what they say"
    );
    assert_eq!(test.temp.store.count_paying_votes().await.unwrap(), 20);
    let report = test.temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// Credits and refused debits sent together: a refused debit is undone
/// alone, its batch-mates' credits all stay booked.
#[tokio::test]
async fn a_refused_debit_never_undoes_the_credits_committed_with_it() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    let bob = temp.member("bob").await;
    let postings: Vec<_> = (0..60)
        .map(|i| {
            let store = temp.store.clone();
            // Every third posting takes from bob, who has nothing.
            let posting = if i % 3 == 0 {
                grant_posting(bob, -5, &format!("debit-{i}"))
            } else {
                grant_posting(alice, 3, &format!("credit-{i}"))
            };
            tokio::spawn(async move { store.post(&posting, Utc::now()).await })
        })
        .collect();
    let mut refused = 0;
    for posting in postings {
        match posting.await.unwrap().unwrap() {
            PostingOutcome::Insufficient { .. } => refused += 1,
            PostingOutcome::Applied { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(refused, 20);
    assert_eq!(temp.store.balance(alice).await.unwrap(), 40 * 3);
    assert_eq!(temp.store.balance(bob).await.unwrap(), 0);
    assert_eq!(temp.store.history(bob, 100).await.unwrap().len(), 0);
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// Thirty events at once, each booking a credit, a debit its member cannot
/// pay and another credit: in every event the refused debit alone is undone
/// (its savepoint rolled back while the next write begins), both credits
/// commit with the event, and no event's refusal touches a batch-mate.
#[tokio::test]
async fn events_with_a_refused_debit_between_two_credits_keep_both_credits_when_sent_together() {
    let temp = TempStore::new().await;
    let mut members = Vec::new();
    for i in 0..30 {
        members.push(temp.member(&format!("m{i}")).await);
    }
    let events: Vec<_> = members
        .iter()
        .enumerate()
        .map(|(i, member)| {
            let store = temp.store.clone();
            let member = *member;
            tokio::spawn(async move {
                store
                    .atomically(async {
                        let first = store
                            .post(&grant_posting(member, 2, &format!("a-{i}")), Utc::now())
                            .await?;
                        let refused = store
                            .post(&grant_posting(member, -50, &format!("b-{i}")), Utc::now())
                            .await?;
                        let second = store
                            .post(&grant_posting(member, 3, &format!("c-{i}")), Utc::now())
                            .await?;
                        Ok::<_, fanclub::store::StoreError>([first, refused, second])
                    })
                    .await
            })
        })
        .collect();
    for event in events {
        let outcomes = event.await.unwrap().expect("the event commits");
        assert!(
            matches!(
                outcomes,
                [
                    PostingOutcome::Applied { balance: 2, .. },
                    PostingOutcome::Insufficient { balance: 2 },
                    PostingOutcome::Applied { balance: 5, .. },
                ]
            ),
            "{outcomes:?}"
        );
    }
    for member in &members {
        assert_eq!(temp.store.balance(*member).await.unwrap(), 5);
        assert_eq!(temp.store.history(*member, 10).await.unwrap().len(), 2);
    }
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// The rank of a member counts the earners above them; ties share a rank.
#[tokio::test]
async fn ranks_follow_lifetime_earnings_and_ties_share_a_place() {
    let temp = TempStore::new().await;
    let names = ["ann", "ben", "cat", "dan"];
    let mut members = Vec::new();
    for name in names {
        members.push(temp.member(name).await);
    }
    for (member, amount) in members.iter().zip([30, 30, 30, 0]) {
        if amount > 0 {
            temp.store
                .post(
                    &grant_posting(*member, amount, &format!("g-{}", member.0)),
                    Utc::now(),
                )
                .await
                .unwrap();
        }
    }
    // Spending does not move anyone down.
    temp.store
        .post(&grant_posting(members[0], 20, "ann-more"), Utc::now())
        .await
        .unwrap();
    let mut spend = grant_posting(members[0], -45, "ann-spends");
    spend.kind = fanclub::store::ledger::LedgerKind::Hold;
    temp.store.post(&spend, Utc::now()).await.unwrap();
    let mut ranks = Vec::new();
    for member in &members {
        let standing = temp.store.standing(*member).await.unwrap();
        ranks.push((standing.rank, standing.members));
    }
    assert_eq!(
        ranks,
        [(Some(1), 3), (Some(2), 3), (Some(2), 3), (None, 3)],
        "ann 50, ben and cat 30 each, dan nothing"
    );
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

/// The environment variable that turns the crash story's child into a
/// writer (see [`writer_child_for_the_crash_story`]).
const CHILD_DB: &str = "FANCLUB_CRASH_CHILD_DB";

/// A process booking postings from 32 tasks at once is killed with SIGKILL
/// after a few hundred acknowledgements: after a restart every acknowledged
/// posting is in the ledger and the books balance.
#[tokio::test]
async fn a_process_killed_while_writing_in_batches_keeps_every_posting_it_acknowledged() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    temp.store.close().await;
    for round in 0..3 {
        let mut child = Command::new(std::env::current_exe().unwrap())
            .args([
                "--exact",
                "group_commit::writer_child_for_the_crash_story",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_DB, temp.url())
            .env("FANCLUB_CRASH_CHILD_ROUND", round.to_string())
            .env("FANCLUB_CRASH_CHILD_MEMBER", alice.0.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the writer child starts");
        let mut acknowledged = Vec::new();
        let lines = BufReader::new(child.stdout.take().unwrap()).lines();
        for line in lines {
            let line = line.unwrap();
            if let Some(key) = line.strip_prefix("acked ") {
                acknowledged.push(key.to_owned());
            }
            if acknowledged.len() >= 300 + 97 * round {
                break;
            }
        }
        let status = Command::new("kill")
            .args(["-KILL", &child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
        child.wait().unwrap();

        let store = Store::open(&temp.url(), &StoreOptions::default())
            .await
            .unwrap();
        let booked: std::collections::HashSet<String> = store
            .history(alice, 1_000_000)
            .await
            .unwrap()
            .into_iter()
            .map(|entry| entry.reason)
            .collect();
        let lost: Vec<_> = acknowledged
            .iter()
            .filter(|key| !booked.contains(*key))
            .collect();
        assert!(lost.is_empty(), "acknowledged but lost: {lost:?}");
        let report = store.doctor().await.unwrap();
        assert!(report.is_healthy(), "{report}");
        store.close().await;
    }
}

/// The crash story's child: runs only when the story starts it.
#[tokio::test]
#[ignore = "started by the crash story"]
async fn writer_child_for_the_crash_story() {
    let Ok(url) = std::env::var(CHILD_DB) else {
        return;
    };
    let round = std::env::var("FANCLUB_CRASH_CHILD_ROUND").unwrap();
    let member = fanclub::club::model::MemberId(
        std::env::var("FANCLUB_CRASH_CHILD_MEMBER")
            .unwrap()
            .parse()
            .unwrap(),
    );
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    let writers: Vec<_> = (0..32)
        .map(|task| {
            let store = store.clone();
            let round = round.clone();
            tokio::spawn(async move {
                for i in 0.. {
                    let key = format!("crash-{round}-{task}-{i}");
                    let mut posting = grant_posting(member, 1, &key);
                    posting.reason = key.clone();
                    store.post(&posting, Utc::now()).await.unwrap();
                    println!("acked {key}");
                }
            })
        })
        .collect();
    for writer in writers {
        writer.await.unwrap();
    }
}
