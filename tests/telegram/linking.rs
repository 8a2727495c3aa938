//! Issue 12: a member links their console account and their Telegram
//! account (through the real adapter and the fake Bot API) and sees one
//! balance on both.

use fanclub::club::model::{Event, Incoming, Place, Platform};

use super::Bench;
use super::fixtures::{GROUP, message, user};
use crate::linking::{code_in, console_actor};

/// `text` said on the console by `who` (in the channel, or privately).
fn on_console(who: &str, moderator: bool, text: &str, private: bool) -> Incoming {
    let place = if private {
        Place {
            platform: Platform::Console,
            id: who.to_owned(),
            private: true,
        }
    } else {
        Place {
            platform: Platform::Console,
            id: "general".to_owned(),
            private: false,
        }
    };
    Incoming {
        actor: console_actor(who, moderator),
        place,
        event_key: None,
        event: Event::Message {
            text: text.to_owned(),
            reply_to: None,
            external_id: None,
            mentions: Vec::new(),
        },
    }
}

#[tokio::test]
async fn a_console_member_links_their_telegram_account_and_sees_one_balance_on_both() {
    let bench = Bench::start().await;
    let club = &bench.club;
    club.send(on_console("alice", false, "Hallo!", false)).await;
    club.send(on_console("mod", true, "/grant @alice 90 Beta-Test", false))
        .await;
    let anna = user(1001, "Anna", "en");
    bench
        .fake
        .push(&message(1, 40, GROUP, &anna, "Hi everyone", None));
    bench.until_balance(1001, 0).await;

    let asked = club.send(on_console("alice", false, "/link", false)).await;
    let code = code_in(&asked.replies[0].text);
    // Anna sends the code to the bot in her private chat (its id is hers).
    bench
        .fake
        .push(&message(2, 41, 1001, &anna, &format!("/link {code}"), None));

    let linked = bench.reply_to(1001, 41).await;
    assert!(
        linked
            .text()
            .starts_with("Linked: console + telegram belong to one member now"),
        "{}",
        linked.text()
    );
    bench.until_balance(1001, 90).await;
    bench
        .fake
        .push(&message(3, 42, 1001, &anna, "/balance", None));
    let on_telegram = bench.reply_to(1001, 42).await;
    let on_console = club
        .send(on_console("alice", false, "/balance", true))
        .await;
    let figures = "90 points · earned in total: 90 points";
    assert!(
        on_telegram.text().contains(figures),
        "{}",
        on_telegram.text()
    );
    assert!(
        on_console.replies[0].text.contains(figures),
        "{:?}",
        on_console.replies
    );
    assert!(club.temp.store.doctor().await.unwrap().is_healthy());
}
