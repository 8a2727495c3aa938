//! Stories of the store: the ledger never loses or double-counts a point.

use std::collections::HashMap;

use chrono::Utc;
use fanclub::club::model::{MemberId, Platform};
use fanclub::lang::Lang;
use fanclub::store::messages::Recorded;
use fanclub::store::{IdentitySeen, NewMessage, Posting, PostingOutcome};

use crate::support::TempStore;

fn posting(member: MemberId, amount: i64, key: &str) -> Posting {
    crate::support::grant_posting(member, amount, key)
}

/// A store where alice holds `points` from one grant.
async fn alice_holding(points: i64) -> (TempStore, MemberId) {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    temp.store
        .post(&posting(alice, points, "start"), Utc::now())
        .await
        .unwrap();
    (temp, alice)
}

#[tokio::test]
async fn a_credit_applied_twice_is_booked_once() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    let first = temp
        .store
        .post(&posting(alice, 25, "beta-2026:alice"), Utc::now())
        .await
        .unwrap();
    let second = temp
        .store
        .post(&posting(alice, 25, "beta-2026:alice"), Utc::now())
        .await
        .unwrap();
    assert!(
        matches!(first, PostingOutcome::Applied { balance: 25, .. }),
        "{first:?}"
    );
    assert_eq!(second, PostingOutcome::AlreadyApplied { balance: 25 });
    assert_eq!(temp.store.history(alice, 10).await.unwrap().len(), 1);
    assert!(temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn fifty_concurrent_debits_succeed_exactly_as_often_as_the_balance_allows() {
    let (temp, alice) = alice_holding(100).await;

    let debits = (0..50).map(|i| {
        let store = temp.store.clone();
        tokio::spawn(async move {
            store
                .post(&posting(alice, -7, &format!("debit-{i}")), Utc::now())
                .await
        })
    });
    let mut applied = 0;
    let mut refused = 0;
    for debit in debits {
        match debit.await.unwrap().unwrap() {
            PostingOutcome::Applied { .. } => applied += 1,
            PostingOutcome::Insufficient { .. } => refused += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(
        applied,
        100 / 7,
        "exactly the affordable number of debits succeed"
    );
    assert_eq!(refused, 50 - 100 / 7);
    assert_eq!(temp.store.balance(alice).await.unwrap(), 100 % 7);
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn the_ledger_invariant_holds_after_a_mixed_random_workload() {
    let temp = TempStore::new().await;
    let mut members = Vec::new();
    for name in ["anna", "ben", "cem", "dora", "emil"] {
        members.push(temp.member(name).await);
    }
    // A small deterministic generator: no extra crate, same workload every run.
    let mut seed: u64 = 0x2545_F491_4F6C_DD1D;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let mut tasks = Vec::new();
    for i in 0..400 {
        let member = members[(next() % 5) as usize];
        let amount = (next() % 41) as i64 - 15; // -15..=25
        let amount = if amount == 0 { 1 } else { amount };
        // Every fourth event is a replay of an earlier key.
        let key = if i % 4 == 3 {
            format!("event-{}", i - 2)
        } else {
            format!("event-{i}")
        };
        let store = temp.store.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = store
                .post(&posting(member, amount, &key), Utc::now())
                .await
                .unwrap();
            (member, amount, key, outcome)
        }));
    }
    let mut expected: HashMap<MemberId, i64> = HashMap::new();
    let mut applied_keys = HashMap::new();
    for task in tasks {
        let (member, amount, key, outcome) = task.await.unwrap();
        if let PostingOutcome::Applied { .. } = outcome {
            *expected.entry(member).or_default() += amount;
            assert!(
                applied_keys.insert(key, member).is_none(),
                "a key was booked twice"
            );
        }
    }
    for member in members {
        let balance = temp.store.balance(member).await.unwrap();
        assert_eq!(balance, expected.get(&member).copied().unwrap_or(0));
        assert!(balance >= 0);
    }
    let report = temp.store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
}

#[tokio::test]
async fn the_ledger_cannot_be_edited_or_deleted() {
    let (temp, _) = alice_holding(10).await;
    let mut connection = temp.raw_connection().await;
    let update = sqlx::query("UPDATE ledger SET amount = 1000")
        .execute(&mut connection)
        .await;
    let delete = sqlx::query("DELETE FROM ledger")
        .execute(&mut connection)
        .await;
    assert!(update.unwrap_err().to_string().contains("append-only"));
    assert!(delete.unwrap_err().to_string().contains("append-only"));
}

#[tokio::test]
async fn the_doctor_finds_a_balance_that_disagrees_with_the_ledger() {
    let (temp, _) = alice_holding(10).await;
    let mut connection = temp.raw_connection().await;
    sqlx::query("UPDATE balances SET balance = 99")
        .execute(&mut connection)
        .await
        .unwrap();
    let report = temp.store.doctor().await.unwrap();
    assert!(!report.is_healthy());
    let printed = report.to_string();
    assert!(
        printed.contains("balance 99, ledger sums to 10"),
        "{printed}"
    );
}

#[tokio::test]
async fn the_doctor_finds_ledger_rows_naming_a_member_that_does_not_exist() {
    let (temp, _) = alice_holding(10).await;
    assert!(temp.store.doctor().await.unwrap().is_healthy());

    // A hand-made row, written with the references unchecked, names an
    // actor nobody is.
    let mut connection = temp.raw_connection().await;
    sqlx::query("PRAGMA foreign_keys = OFF")
        .execute(&mut connection)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ledger (member_id, amount, kind, reason, actor_id, idempotency_key, created_at) \
         SELECT member_id, 1, 'grant', 'by hand', 4242, 'hand', created_at FROM ledger",
    )
    .execute(&mut connection)
    .await
    .unwrap();

    let printed = temp.store.doctor().await.unwrap().to_string();
    assert!(
        printed.contains("table ledger: rows by actor 4242 point at a missing members"),
        "{printed}"
    );
}

#[tokio::test]
async fn a_member_seen_on_many_connections_at_once_is_created_once() {
    let temp = TempStore::new().await;
    let sightings = (0..20).map(|_| {
        let store = temp.store.clone();
        tokio::spawn(async move {
            let seen = IdentitySeen {
                platform: Platform::Telegram,
                external_id: "-1001",
                username: Some("zoe"),
                display_name: "Zoë",
                language: None,
                default_language: Lang::En,
                today: Utc::now().date_naive(),
                is_bot: false,
                joined: None,
            };
            store.member_seen(&seen, Utc::now()).await.unwrap()
        })
    });
    let mut ids = Vec::new();
    for sighting in sightings {
        ids.push(sighting.await.unwrap().id);
    }
    ids.dedup();
    assert_eq!(ids.len(), 1, "one member, however many sightings");
    let member = temp.store.member(ids[0]).await.unwrap().unwrap();
    assert_eq!(
        member.language,
        Lang::En,
        "a new member gets the default language"
    );
    assert!(temp.store.doctor().await.unwrap().is_healthy());
}

#[tokio::test]
async fn a_platform_message_delivered_twice_is_recorded_once() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    let message = NewMessage {
        platform: Platform::Telegram,
        place: "-100123",
        external_id: Some("42"),
        author: Some(alice),
        private: false,
        reply_to: None,
        body: "hallo",
        buttons: &[],
    };
    let first = temp
        .store
        .record_message(&message, Utc::now())
        .await
        .unwrap();
    let second = temp
        .store
        .record_message(&message, Utc::now())
        .await
        .unwrap();
    assert!(matches!(first, Recorded::New(_)));
    assert_eq!(second, Recorded::Seen(first.id()));
}

#[tokio::test]
async fn inside_one_event_a_refused_debit_is_undone_and_the_credit_before_it_commits_with_the_event()
 {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    let store = &temp.store;
    let outcomes = store
        .atomically(async {
            let credit = store
                .post(&posting(alice, 10, "e1:credit"), Utc::now())
                .await?;
            let debit = store
                .post(&posting(alice, -50, "e1:debit"), Utc::now())
                .await?;
            Ok::<_, fanclub::store::StoreError>((credit, debit))
        })
        .await
        .unwrap();
    assert!(matches!(
        outcomes.0,
        PostingOutcome::Applied { balance: 10, .. }
    ));
    assert!(matches!(
        outcomes.1,
        PostingOutcome::Insufficient { balance: 10 }
    ));
    assert_eq!(store.balance(alice).await.unwrap(), 10);
    // The refused debit left no ledger row: booked now, it applies.
    let later = store
        .post(&posting(alice, -5, "e1:debit"), Utc::now())
        .await;
    assert!(matches!(
        later.unwrap(),
        PostingOutcome::Applied { balance: 5, .. }
    ));
}

#[tokio::test]
async fn an_event_that_fails_after_booking_leaves_no_booking_behind() {
    let temp = TempStore::new().await;
    let alice = temp.member("alice").await;
    let store = &temp.store;
    let failed: Result<(), fanclub::store::StoreError> = store
        .atomically(async {
            store
                .post(&posting(alice, 10, "e2:credit"), Utc::now())
                .await?;
            // The handler saw its own booking before the event failed.
            assert_eq!(store.balance(alice).await?, 10);
            Err(fanclub::store::StoreError::Inconsistent("injected".into()))
        })
        .await;
    assert!(failed.is_err());
    assert_eq!(store.balance(alice).await.unwrap(), 0);
    let again = store
        .post(&posting(alice, 10, "e2:credit"), Utc::now())
        .await;
    assert!(matches!(
        again.unwrap(),
        PostingOutcome::Applied { balance: 10, .. }
    ));
}
