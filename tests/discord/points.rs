//! Reactions on Discord pay the helper by the club's rules and a removed
//! reaction takes the points back; the message context menu's "Upvote"
//! does what `/upvote` as a reply does.

use chrono::NaiveDate;
use serde_json::json;

use super::Bench;
use super::fixtures::{context_menu, reaction, user};
use crate::support::TestClub;
use fanclub::club::ClubConfig;

#[tokio::test]
async fn reactions_pay_the_helper_and_a_removed_reaction_takes_its_points_back() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    let carla = user(1003, "Carla");
    let dora = user(1004, "Dora");
    bench
        .post(
            30,
            &carla,
            "Weiß jemand, warum mein Paket noch nicht da ist",
            None,
        )
        .await;
    bench
        .post(
            31,
            &anna,
            "Schau unter Mein Konto nach der Sendungsnummer.",
            Some(30),
        )
        .await;
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &ben, "👍", true));
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(31, &dora, "⭐", true));
    // Two upvotes at points.upvote_points (2) each; a custom emoji is none.
    bench.until_balance(1001, 4).await;
    bench
        .fake
        .dispatch("MESSAGE_REACTION_REMOVE", &reaction(31, &ben, "👍", false));
    bench.until_balance(1001, 2).await;
    // Voters earn nothing for voting.
    assert_eq!(bench.balance(1002).await, 0);
    assert_eq!(bench.balance(1004).await, 0);
}

#[tokio::test]
async fn the_upvote_context_menu_upvotes_the_message_it_was_opened_on() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let carla = user(1003, "Carla");
    bench
        .post(40, &carla, "Wie verdiene ich Punkte?", None)
        .await;
    bench
        .post(41, &anna, "Hilf anderen im Support-Kanal.", Some(40))
        .await;
    bench
        .interact(&context_menu(6001, "Upvote", 41, &carla))
        .await;
    bench.until_balance(1001, 2).await;
    let answer = bench.answer_to("token-6001").await;
    assert!(!answer.text().is_empty());
    // The asker marks it as the solution too.
    bench
        .interact(&context_menu(6002, "Mark as solution", 41, &carla))
        .await;
    bench.until_balance(1001, 12).await;
}

/// Issue 12: "fan since" and the new-member rules follow the day a member
/// joined the server, which Discord sends with every guild event, not the
/// day the bot first saw them. The club's clock says 2 November 2026.
#[tokio::test]
async fn a_member_of_the_server_since_last_year_is_no_newcomer_to_the_club() {
    let club = TestClub::configured(|config: &mut ClubConfig| {
        config.points.min_voter_days = 30;
    })
    .await;
    let bench = Bench::on(club).await;
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    let carla = user(1003, "Carla");
    let newcomer = user(1004, "Neo");
    bench
        .post(50, &carla, "Wo finde ich meine Rechnung?", None)
        .await;
    bench
        .post(51, &anna, "Unter Mein Konto, Bestellungen.", Some(50))
        .await;
    // Ben joined the server on 1 June 2025 (the fixtures' join date): his
    // first reaction pays although the bot never saw him before.
    bench
        .fake
        .dispatch("MESSAGE_REACTION_ADD", &reaction(51, &ben, "👍", true));
    bench.until_balance(1001, 2).await;
    let ben_member = bench.until_member(1002).await;
    assert_eq!(
        ben_member.fan_since,
        NaiveDate::from_ymd_opt(2025, 6, 1).unwrap()
    );
    // Neo joined the server yesterday: a newcomer, whose vote pays nothing.
    let mut fresh = reaction(51, &newcomer, "❤️", true);
    fresh["member"]["joined_at"] = json!("2026-11-01T09:00:00.000000+00:00");
    bench.fake.dispatch("MESSAGE_REACTION_ADD", &fresh);
    let neo = bench.until_member(1004).await;
    assert_eq!(neo.fan_since, NaiveDate::from_ymd_opt(2026, 11, 1).unwrap());
    assert_eq!(
        bench.balance(1001).await,
        2,
        "a newcomer's vote pays nothing"
    );
}
