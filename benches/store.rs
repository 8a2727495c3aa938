//! Write-path figures of the store on a real SQLite file: postings, votes
//! and racing shop claims. Run with `cargo bench --bench store`.
//!
//! Not a test: it prints what it measured and asserts only that the races
//! ended the way the invariants demand (one winner, nothing lost).

use std::time::{Duration, Instant};

use chrono::Utc;
use fanclub::club::model::{MemberId, MessageId, Platform};
use fanclub::lang::Lang;
use fanclub::store::claims::{ClaimAttempt, NewClaim};
use fanclub::store::digests::EarnedKind;
use fanclub::store::ledger::LedgerKind;
use fanclub::store::votes::{NewVote, Verdict, VoteKind};
use fanclub::store::{IdentitySeen, NewMessage, Posting, Store, StoreOptions};

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = format!("sqlite://{}/bench.db", dir.path().display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store opens");
    let members = members(&store, 200).await;

    let postings = 2_000;
    let started = Instant::now();
    for i in 0..postings {
        store
            .post(
                &grant(members[i % members.len()], 5, &format!("grant-{i}")),
                Utc::now(),
            )
            .await
            .unwrap();
    }
    report("sequential grant postings", postings, started.elapsed());

    let message = message(&store, members[0]).await;
    let votes = 2_000;
    let started = Instant::now();
    for i in 0..votes {
        let vote = NewVote {
            message,
            question: None,
            voter: members[1 + i % (members.len() - 1)],
            author: members[0],
            kind: VoteKind::Upvote,
            via: "reaction",
            emoji: Some("👍"),
            day: Utc::now().date_naive(),
            event_key: None,
            told_as: EarnedKind::Upvote,
            voter_name: "a voter",
        };
        store
            .cast_vote(&vote, Utc::now(), |_| Verdict {
                points: 2,
                outcome: "paid",
            })
            .await
            .unwrap();
    }
    report(
        "sequential votes (facts read and booked in one transaction)",
        votes,
        started.elapsed(),
    );

    for rival_count in [100, 200] {
        let started = Instant::now();
        let sku = format!("last-shirt-{rival_count}");
        let tasks: Vec<_> = members[..rival_count]
            .iter()
            .map(|member| {
                let store = store.clone();
                let member = *member;
                let sku = sku.clone();
                tokio::spawn(async move {
                    let claim = NewClaim {
                        member,
                        sku: &sku,
                        cost: 3,
                        stock: Some(1),
                        per_member_limit: None,
                        approvals_needed: 1,
                        expires_at: Utc::now() + chrono::Duration::days(14),
                        event_key: None,
                        options: &fanclub::shop::Chosen::new(),
                        shipping: false,
                    };
                    let asked = Instant::now();
                    let attempt = store.make_claim(&claim, Utc::now()).await.unwrap();
                    (matches!(attempt, ClaimAttempt::Made(_)), asked.elapsed())
                })
            })
            .collect();
        let mut winners = 0;
        let mut latencies = Vec::new();
        for task in tasks {
            let (won, latency) = task.await.unwrap();
            winners += usize::from(won);
            latencies.push(latency);
        }
        assert_eq!(winners, 1, "exactly one claim gets the last unit");
        latencies.sort();
        let p99 = latencies[latencies.len() * 99 / 100 - 1];
        println!(
            "{rival_count} concurrent claims on the last unit: 1 made, {} sold out, all done in {:.1} ms, p99 {:.1} ms",
            rival_count - 1,
            started.elapsed().as_secs_f64() * 1000.0,
            p99.as_secs_f64() * 1000.0
        );
    }
    let report = store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
    println!("doctor: healthy");
}

async fn members(store: &Store, count: usize) -> Vec<MemberId> {
    let mut members = Vec::with_capacity(count);
    for i in 0..count {
        let name = format!("fan{i}");
        let seen = IdentitySeen {
            platform: Platform::Console,
            external_id: &name,
            username: Some(&name),
            display_name: &name,
            language: Some(Lang::De),
            default_language: Lang::De,
            today: Utc::now().date_naive(),
            is_bot: false,
            joined: None,
        };
        members.push(store.member_seen(&seen, Utc::now()).await.unwrap().id);
    }
    members
}

async fn message(store: &Store, author: MemberId) -> MessageId {
    let message = NewMessage {
        platform: Platform::Console,
        place: "general",
        external_id: None,
        author: Some(author),
        private: false,
        reply_to: None,
        body: "a helpful answer",
        buttons: &[],
    };
    store
        .record_message(&message, Utc::now())
        .await
        .unwrap()
        .id()
}

fn grant(member: MemberId, amount: i64, key: &str) -> Posting {
    Posting {
        member,
        amount,
        kind: LedgerKind::Grant,
        reason: "bench".to_owned(),
        actor: None,
        source: None,
        idempotency_key: key.to_owned(),
        audit: None,
    }
}

fn report(what: &str, count: usize, took: Duration) {
    let per_second = count as f64 / took.as_secs_f64();
    let micros = took.as_secs_f64() * 1e6 / count as f64;
    println!(
        "{what}: {count} in {:.2} s, {per_second:.0}/s, {micros:.0} µs each",
        took.as_secs_f64()
    );
}
