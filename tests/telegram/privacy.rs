//! Data rights on Telegram (issue 13): `/mydata` asked in the group comes
//! as a document in the member's private chat, and a question asked to the
//! bot privately never shows when a moderator lists unanswered questions
//! in a public group.

use serde_json::Value;

use super::Bench;
use super::fixtures::{GROUP, MODERATORS_CHAT, message, reaction, user};

#[tokio::test]
async fn my_data_asked_in_the_group_arrives_as_a_private_document_with_my_ledger_and_votes() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    let answer = "Schau unter Mein Konto nach der Sendungsnummer.";
    bench.fake.push(&message(1, 31, GROUP, &anna, answer, None));
    bench.fake.push(&reaction(2, GROUP, 31, &ben, &[], &["👍"]));
    bench.until_balance(1001, 2).await;
    bench
        .fake
        .push(&message(3, 32, GROUP, &anna, "/mydata", None));
    bench
        .until("a document for Anna", |calls| {
            calls
                .iter()
                .any(|call| call.method == "senddocument" && call.ok())
        })
        .await;

    let documents = bench.fake.calls_of("sendDocument");
    assert_eq!(documents.len(), 1);
    let document = &documents[0];
    assert_eq!(document.chat(), Some(1001), "sent to Anna's private chat");
    assert!(
        document.text().contains("Hier ist alles"),
        "{}",
        document.text()
    );
    let (name, bytes) = document.document.clone().expect("a file was uploaded");
    assert!(
        name.starts_with("fanclub-data-") && name.ends_with(".json"),
        "{name}"
    );
    let export: Value = serde_json::from_slice(&bytes).expect("the file is JSON");
    let data = &export["data"];
    assert_eq!(data["identities"][0]["external_id"], "1001");
    let ledger = data["ledger"].as_array().unwrap();
    assert!(
        ledger
            .iter()
            .any(|row| row["kind"] == "upvote" && row["amount"] == 2),
        "{ledger:?}"
    );
    assert_eq!(data["votes_received"].as_array().unwrap().len(), 1);
    // Nothing of it in the group.
    let in_group: Vec<_> = bench
        .fake
        .calls()
        .into_iter()
        .filter(|call| call.chat() == Some(GROUP) && call.method.starts_with("send"))
        .collect();
    assert!(in_group.is_empty(), "{in_group:?}");
    // Sent once, and the export is not kept in the outbox afterwards.
    bench.until_delivered().await;
    let again = bench.club.temp.store.due_notices(
        fanclub::club::model::Platform::Telegram,
        chrono::Utc::now(),
        &[],
        10,
    );
    assert!(again.await.unwrap().is_empty());
}

#[tokio::test]
async fn a_question_asked_privately_never_shows_when_unanswered_questions_are_listed_in_the_group()
{
    let bench = Bench::configured(|settings| settings.moderator_ids = vec![9001]).await;
    let anna = user(1001, "Anna", "de");
    let moderator = user(9001, "Mo", "de");
    let secret = "Zahlt die Krankenkasse meine Therapie bei Doktor Quenzel?";
    bench.fake.push(&message(1, 40, 1001, &anna, secret, None));
    bench.reply_to(1001, 40).await;
    bench
        .fake
        .push(&message(2, 41, GROUP, &moderator, "/faq_unanswered", None));
    bench
        .until("the list in the moderator's private chat", |calls| {
            calls
                .iter()
                .any(|call| call.method == "sendmessage" && call.ok() && call.chat() == Some(9001))
        })
        .await;
    // In the moderators' own chat the list is shown where it was asked.
    bench.fake.push(&message(
        3,
        42,
        MODERATORS_CHAT,
        &moderator,
        "/faq_unanswered",
        None,
    ));
    let in_moderators_chat = bench.reply_to(MODERATORS_CHAT, 42).await;
    bench.until_delivered().await;

    let private = bench.fake.delivered_to(9001);
    assert!(
        private.iter().any(|call| call.text().contains("Quenzel")),
        "{private:?}"
    );
    assert!(in_moderators_chat.text().contains("Quenzel"));
    let leaked: Vec<_> = bench
        .fake
        .calls()
        .into_iter()
        .filter(|call| call.chat() == Some(GROUP) && call.text().contains("Quenzel"))
        .collect();
    assert!(leaked.is_empty(), "{leaked:?}");
}

#[tokio::test]
async fn forget_me_asked_in_the_group_is_confirmed_by_the_button_in_the_private_chat() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna", "de");
    let ben = user(1002, "Ben", "en");
    bench.fake.push(&message(
        1,
        31,
        GROUP,
        &anna,
        "Ich wohne in der Lindenstraße 7",
        None,
    ));
    bench.fake.push(&reaction(2, GROUP, 31, &ben, &[], &["👍"]));
    bench.until_balance(1001, 2).await;
    bench
        .fake
        .push(&message(3, 32, GROUP, &anna, "/forget_me", None));
    bench
        .until("the question in Anna's private chat", |calls| {
            calls.iter().any(|call| {
                call.method == "sendmessage"
                    && call.chat() == Some(1001)
                    && !call.button_actions().is_empty()
            })
        })
        .await;
    let question = bench
        .fake
        .delivered_to(1001)
        .into_iter()
        .find(|call| !call.button_actions().is_empty())
        .unwrap();
    assert!(
        bench.fake.delivered_to(GROUP).is_empty(),
        "nothing in the group"
    );
    let action = question.button_actions()[0].clone();
    assert!(action.starts_with("forget:"), "{action}");
    // Nothing is forgotten before the press.
    assert_eq!(bench.balance(1001).await, 2);
    bench.fake.push(&super::fixtures::callback(
        4,
        "q-forget",
        &anna,
        1001,
        question.message_id.unwrap(),
        Some(&action),
    ));
    bench
        .until("the confirmation", |calls| {
            calls.iter().any(|call| {
                call.method == "sendmessage"
                    && call.chat() == Some(1001)
                    && call.text().contains("vergessen")
                    && call.button_actions().is_empty()
            })
        })
        .await;
    let store = &bench.club.temp.store;
    assert!(
        store
            .identity_member(fanclub::club::model::Platform::Telegram, "1001")
            .await
            .unwrap()
            .is_none(),
        "Anna's account is gone"
    );
    let report = store.doctor().await.unwrap();
    assert!(report.is_healthy(), "{report}");
    assert_eq!(store.audit_count("forget").await.unwrap(), 1);
}
