//! Data rights on Discord (issue 13): `/mydata` answers ephemerally with
//! the member's data as an attached file, never in the channel.

use serde_json::Value;

use super::Bench;
use super::fixtures::{CHANNEL, slash, user};

#[tokio::test]
async fn my_data_comes_as_an_ephemeral_answer_with_the_file_attached() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let moderator = user(1009, "Mo");
    bench.post(60, &anna, "Hallo zusammen", None).await;
    bench
        .grant(5101, &moderator, &anna, "40", "Beta-Test")
        .await;
    bench.until_balance(1001, 40).await;
    bench
        .interact(&slash(5102, "mydata", &[], &anna, &[], CHANNEL))
        .await;
    let answer = bench.answer_to("token-5102").await;
    bench.until_delivered().await;
    let (name, bytes) = answer.file.clone().expect("the data came as a file");
    assert!(name.starts_with("fanclub-data-"), "{name}");
    let export: Value = serde_json::from_slice(&bytes).expect("the file is JSON");
    let ledger = export["data"]["ledger"].as_array().unwrap();
    assert!(
        ledger
            .iter()
            .any(|row| row["amount"] == 40 && row["reason"] == "Beta-Test"),
        "{ledger:?}"
    );
    assert_eq!(answer.body["attachments"][0]["filename"], name.as_str());
    // Nothing in the channel.
    assert!(bench.fake.calls_to("message").is_empty());
}
