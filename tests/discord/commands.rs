//! Slash commands from the command table: registered once per guild, the
//! FAQ answered with buttons, private answers only for the member who
//! asked, members named by Discord's member option.

use serde_json::Value;

use super::Bench;
use super::fake::Call;
use super::fixtures::{
    CHANNEL, GUILD, MODERATOR_ROLE, Opt, autocomplete, context_menu, direct_message, form, slash,
    user,
};

#[tokio::test]
async fn the_commands_are_registered_once_per_guild_from_the_command_table() {
    let bench = Bench::start().await;
    let registrations = bench.fake.calls_to("commands");
    assert_eq!(registrations.len(), 1, "one bulk overwrite per guild");
    let registration = &registrations[0];
    assert_eq!(registration.method, "PUT");
    assert!(
        registration
            .path
            .contains(&format!("guilds/{GUILD}/commands"))
    );
    let commands = registration.body.as_array().expect("a list of commands");
    let named = |name: &str| -> Value {
        commands
            .iter()
            .find(|command| command["name"] == name)
            .unwrap_or_else(|| panic!("no {name} in {commands:?}"))
            .clone()
    };
    // Members' commands for everyone, moderators' ones behind Manage Server.
    assert!(named("balance")["default_member_permissions"].is_null());
    assert_eq!(named("grant")["default_member_permissions"], "32");
    assert_eq!(named("grant")["options"][0]["type"], 6, "a member option");
    // German descriptions, and the message commands as context-menu entries.
    assert!(named("faq")["description_localizations"]["de"].is_string());
    assert_eq!(named("Upvote")["type"], 3);
    assert_eq!(named("Mark as solution")["type"], 3);
    assert!(commands.iter().all(|command| command["name"] != "upvote"));
}

#[tokio::test]
async fn a_slash_faq_is_answered_in_the_channel_with_helpful_buttons() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let question = [Opt::Text("question", "Wie viele Punkte habe ich?")];
    let interaction = slash(5001, "faq", &question, &anna, &[], CHANNEL);
    bench.interact(&interaction).await;
    let defer = &bench.fake.calls_to("callback")[0];
    assert_eq!(defer.body["type"], 5, "deferred: the search may be slow");
    assert!(!defer.ephemeral(), "an answer for the whole channel");
    let answer = bench.answer_to("token-5001").await;
    assert_eq!(answer.route, "original", "the deferred response is edited");
    assert!(
        answer
            .text()
            .starts_with("Wie sehe ich, wie viele Punkte ich habe?\nSchreib /balance."),
        "not the German answer: {}",
        answer.text()
    );
    assert_eq!(
        answer.buttons(),
        ["faq:yes:check-balance", "faq:no:check-balance"]
    );
}

#[tokio::test]
async fn balance_is_answered_only_to_the_member_who_asked() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    bench
        .interact(&slash(5002, "balance", &[], &anna, &[], CHANNEL))
        .await;
    let defer = bench
        .fake
        .calls_to("callback")
        .into_iter()
        .find(|call| call.token() == Some("token-5002"))
        .unwrap();
    assert!(defer.ephemeral(), "the deferred response is ephemeral");
    let answer = bench.answer_to("token-5002").await;
    assert_eq!(answer.route, "original");
    assert!(answer.text().contains("0"), "{}", answer.text());
    bench.until_delivered().await;
    // Nothing in the channel, nothing by direct message.
    assert!(bench.fake.calls_to("message").is_empty());
    assert!(bench.fake.calls_to("dm").is_empty());
}

#[tokio::test]
async fn a_moderator_grants_points_to_the_member_picked_in_the_member_option() {
    let bench = Bench::start().await;
    let moderator = user(1009, "Mo");
    let ben = user(1002, "Ben");
    bench.post(60, &ben, "Hallo zusammen", None).await;
    let options = [
        Opt::Member("member", &ben),
        Opt::Text("amount", "50"),
        Opt::Text("reason", "Beta-Test Sommer"),
    ];
    // A member without the moderators' role is refused by the core.
    let anna = user(1001, "Anna");
    bench
        .interact(&slash(5003, "grant", &options, &anna, &[], CHANNEL))
        .await;
    let refusal = bench.answer_to("token-5003").await;
    assert!(refusal.text().contains("/grant"), "{}", refusal.text());
    assert_eq!(bench.balance(1002).await, 0);
    bench
        .interact(&slash(
            5004,
            "grant",
            &options,
            &moderator,
            &[MODERATOR_ROLE],
            CHANNEL,
        ))
        .await;
    bench.answer_to("token-5004").await;
    bench.until_balance(1002, 50).await;
}

#[tokio::test]
async fn a_members_refused_grant_is_answered_to_them_alone_and_nothing_shows_in_the_channel() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    bench.post(61, &ben, "Hallo zusammen", None).await;
    let options = [
        Opt::Member("member", &ben),
        Opt::Text("amount", "50"),
        Opt::Text("reason", "Freundschaftsdienst"),
    ];
    bench
        .interact(&slash(5006, "grant", &options, &anna, &[], CHANNEL))
        .await;
    let refusal = bench.answer_to("token-5006").await;
    assert!(refusal.text().contains("/grant"), "{}", refusal.text());
    assert_eq!(refusal.route, "followup", "{refusal:?}");
    assert!(refusal.ephemeral(), "only Anna sees the refusal");
    bench.until_delivered().await;
    let calls = bench.fake.calls();
    let token = |call: &&Call| call.token() == Some("token-5006");
    // The public "thinking…" was removed before the refusal followed …
    let removed = calls
        .iter()
        .filter(token)
        .position(|call| call.route == "original-delete");
    let answered = calls
        .iter()
        .filter(token)
        .position(|call| call.route == "followup");
    assert!(removed.is_some() && removed < answered, "{calls:?}");
    // … and nothing was said in the channel.
    assert!(
        !calls
            .iter()
            .filter(token)
            .any(|call| call.route == "original")
    );
    assert!(bench.fake.calls_to("message").is_empty());
    assert_eq!(bench.balance(1002).await, 0);
}

#[tokio::test]
async fn typing_an_item_into_redeem_offers_the_catalogs_items_that_fit() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    bench
        .interact(&autocomplete(5005, "redeem", "item", "mu", &anna))
        .await;
    let answer = bench
        .fake
        .calls_to("callback")
        .into_iter()
        .find(|call| call.token() == Some("token-5005"))
        .unwrap();
    assert_eq!(answer.body["type"], 8, "autocomplete choices");
    let values: Vec<&str> = answer.body["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|choice| choice["value"].as_str().unwrap())
        .collect();
    assert_eq!(values, ["mug"]);
}

#[tokio::test]
async fn a_moderator_links_a_members_question_to_a_faq_entry_from_the_message_menu() {
    let bench = Bench::start().await;
    let carla = user(1003, "Carla");
    let moderator = user(1009, "Mo");
    bench
        .post(40, &carla, "Wo seh ich meinen Kontostand", None)
        .await;
    // The menu entry asks for the entry in a form …
    let mut opened = context_menu(5006, "Link to FAQ entry", 40, &moderator);
    opened["member"]["roles"] = serde_json::json!([MODERATOR_ROLE.to_string()]);
    bench.interact(&opened).await;
    let asked = bench
        .fake
        .calls_to("callback")
        .into_iter()
        .find(|call| call.token() == Some("token-5006"))
        .unwrap();
    assert_eq!(asked.body["type"], 9, "a form");
    let form_id = asked.body["data"]["custom_id"].as_str().unwrap().to_owned();
    assert_eq!(
        asked.body["data"]["components"][0]["components"][0]["custom_id"],
        "entry"
    );
    // … and the submitted form teaches the FAQ that wording.
    let submitted = form(
        5007,
        &form_id,
        &[("entry", "check-balance")],
        &moderator,
        &[MODERATOR_ROLE],
    );
    bench.interact(&submitted).await;
    let answer = bench.answer_to("token-5007").await;
    assert_eq!(
        answer.text(),
        "Gelernt: „Wo seh ich meinen Kontostand“ gehört zu check-balance."
    );
}

#[tokio::test]
async fn a_direct_message_to_the_bot_is_a_faq_question_answered_by_direct_message() {
    let bench = Bench::start().await;
    let anna = user(1001, "Anna");
    bench.fake.dispatch(
        "MESSAGE_CREATE",
        &direct_message(80, 555, &anna, "Wie viele Punkte habe ich?"),
    );
    bench
        .until("the answer by direct message", |calls| {
            calls
                .iter()
                .any(|call| call.route == "message" && call.ok())
        })
        .await;
    let opened = bench.fake.calls_to("dm");
    assert_eq!(opened.len(), 1, "the direct-message channel is opened once");
    assert_eq!(opened[0].body["recipient_id"], "1001");
    let answer = &bench.fake.calls_to("message")[0];
    assert_ne!(
        answer.channel(),
        Some(CHANNEL),
        "not in the support channel"
    );
    assert!(
        answer
            .text()
            .starts_with("Wie sehe ich, wie viele Punkte ich habe?"),
        "{}",
        answer.text()
    );
}
