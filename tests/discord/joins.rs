//! Issue 12 with issue 13's fair start: with `discord.member_events` on
//! (the privileged Server Members intent), the bot hears members join the
//! server, learns when, and welcomes them in the server's system channel.

use chrono::{Duration, SecondsFormat};
use fanclub::club::ClubConfig;
use fanclub::club::model::Platform;

use super::fixtures::{CHANNEL, GUILD, member_add, user};
use super::{Bench, WAIT};
use crate::support::TestClub;

#[tokio::test]
async fn a_newcomer_who_joins_the_server_is_welcomed_once_and_counts_as_new() {
    let club = TestClub::configured(|config: &mut ClubConfig| {
        config.recognition.welcome_new_members = true;
    })
    .await;
    let bench = Bench::on_with(club, |discord| discord.member_events = true).await;
    let yesterday =
        (bench.club.club.now() - Duration::hours(14)).to_rfc3339_opts(SecondsFormat::Micros, false);
    let neo = user(1004, "Neo");

    bench
        .fake
        .dispatch("GUILD_MEMBER_ADD", &member_add(&neo, &yesterday));
    let welcome = bench
        .message_in(CHANNEL, |text| {
            text.contains("Willkommen") && text.contains("Neo")
        })
        .await;
    assert!(welcome.ok());
    let store = &bench.club.temp.store;
    let member = store
        .identity_member(Platform::Discord, "1004")
        .await
        .unwrap()
        .expect("the newcomer is known");
    assert!(member.join_known, "{member:?}");
    assert!(member.is_new(bench.club.club.now(), 1), "{member:?}");

    // The gateway sends the join again after a resume, and Zoe joins too:
    // Neo is not welcomed twice, and the server is read only once.
    bench
        .fake
        .dispatch("GUILD_MEMBER_ADD", &member_add(&neo, &yesterday));
    let zoe = user(1005, "Zoe");
    bench
        .fake
        .dispatch("GUILD_MEMBER_ADD", &member_add(&zoe, &yesterday));
    bench.message_in(CHANNEL, |text| text.contains("Zoe")).await;
    tokio::time::sleep(WAIT / 20).await;
    let welcomes_for_neo = bench
        .fake
        .calls_to("message")
        .iter()
        .filter(|call| call.channel() == Some(CHANNEL) && call.text().contains("Neo"))
        .count();
    assert_eq!(welcomes_for_neo, 1);
    assert_eq!(bench.fake.calls_to("guild").len(), 1);
    assert!(
        bench
            .fake
            .calls_to("guild")
            .iter()
            .all(|call| call.path.ends_with(&GUILD.to_string())),
        "the server the member joined is read"
    );
}
