//! Every payload the fake sends, read with serenity's own types: serenity
//! turns a dispatch it cannot parse into an unknown event without an
//! error, so a fixture it rejects must fail here, not as a story that
//! silently waits.

use serde_json::{Value, json};
use serenity::model::event::{Event, GatewayEvent};
use serenity::model::prelude::{
    CurrentApplicationInfo, CurrentUser, Interaction, Message, PartialGuild,
};

use super::fixtures::*;

/// A dispatch as the gateway sends it, read the way serenity reads it.
fn dispatch(kind: &str, data: &Value) -> Event {
    let frame = json!({"op": 0, "s": 1, "t": kind, "d": data}).to_string();
    match serde_json::from_str::<GatewayEvent>(&frame) {
        Ok(GatewayEvent::Dispatch(_, event)) => event,
        other => panic!("serenity does not read {kind}: {other:?}"),
    }
}

#[test]
fn serenity_reads_every_dispatch_the_fake_sends_as_what_it_is() {
    let anna = user(1001, "Anna");
    let ready_event = dispatch("READY", &ready("s", "ws://127.0.0.1:1"));
    assert!(matches!(ready_event, Event::Ready(_)), "{ready_event:?}");
    let message = dispatch(
        "MESSAGE_CREATE",
        &message_create(5, &anna, "hallo", Some(4)),
    );
    let Event::MessageCreate(message) = message else {
        panic!("MESSAGE_CREATE is read as {message:?}");
    };
    assert_eq!(
        message
            .message
            .message_reference
            .unwrap()
            .message_id
            .unwrap()
            .get(),
        4
    );
    let direct = dispatch("MESSAGE_CREATE", &direct_message(6, 555, &anna, "hallo"));
    let Event::MessageCreate(direct) = direct else {
        panic!("a direct MESSAGE_CREATE is read as {direct:?}");
    };
    assert!(direct.message.guild_id.is_none());
    let added = dispatch("MESSAGE_REACTION_ADD", &reaction(5, &anna, "👍", true));
    assert!(matches!(added, Event::ReactionAdd(_)), "{added:?}");
    let removed = dispatch("MESSAGE_REACTION_REMOVE", &reaction(5, &anna, "👍", false));
    assert!(matches!(removed, Event::ReactionRemove(_)), "{removed:?}");
    let joined = dispatch(
        "GUILD_MEMBER_ADD",
        &member_add(&anna, "2026-11-01T20:00:00.000000+00:00"),
    );
    let Event::GuildMemberAdd(joined) = joined else {
        panic!("GUILD_MEMBER_ADD is read as {joined:?}");
    };
    assert_eq!(joined.member.guild_id.get(), GUILD);
    assert_eq!(
        joined.member.joined_at.unwrap().unix_timestamp(),
        1_793_563_200
    );
    let ben = user(1002, "Ben");
    let options = [
        Opt::Member("member", &ben),
        Opt::Text("amount", "5"),
        Opt::Text("reason", "Beta-Test"),
    ];
    for payload in [
        slash(10, "grant", &options, &anna, &[MODERATOR_ROLE], CHANNEL),
        slash(
            11,
            "history",
            &[Opt::Number("count", 3)],
            &anna,
            &[],
            CHANNEL,
        ),
        context_menu(12, "Upvote", 5, &anna),
        autocomplete(14, "redeem", "item", "mu", &anna),
        button(13, "claim:1:a", 6, MODERATORS_CHANNEL, &anna, &[]),
    ] {
        let event = dispatch("INTERACTION_CREATE", &payload);
        assert!(matches!(event, Event::InteractionCreate(_)), "{event:?}");
    }
}

#[test]
fn a_slash_command_carries_its_typed_options_and_the_members_permissions() {
    let anna = user(1001, "Anna");
    let ben = user(1002, "Ben");
    let options = [Opt::Member("member", &ben), Opt::Text("amount", "5")];
    let payload = slash(10, "grant", &options, &anna, &[MODERATOR_ROLE], CHANNEL);
    let Interaction::Command(command) = serde_json::from_value(payload).unwrap() else {
        panic!("a command");
    };
    assert_eq!(command.user.id.get(), 1001);
    let member = command.member.unwrap();
    assert!(member.permissions.unwrap().manage_guild());
    assert_eq!(member.roles[0].get(), MODERATOR_ROLE);
    assert_eq!(command.data.options.len(), 2);
    assert_eq!(
        command.data.options[0].value.as_user_id().unwrap().get(),
        1002
    );
}

#[test]
fn serenity_reads_the_rest_answers_the_fake_gives() {
    let me: CurrentUser = serde_json::from_value(user(BOT_ID, "Fanclub")).unwrap();
    assert!(me.bot);
    let application: CurrentApplicationInfo = serde_json::from_value(application()).unwrap();
    assert_eq!(application.id.get(), APPLICATION_ID);
    let sent: Message = serde_json::from_value(message_object(
        7,
        CHANNEL,
        &user(BOT_ID, "Fanclub"),
        "x",
        true,
    ))
    .unwrap();
    assert_eq!(sent.id.get(), 7);
    let server: PartialGuild = serde_json::from_value(guild(GUILD)).unwrap();
    assert_eq!(server.system_channel_id.map(|id| id.get()), Some(CHANNEL));
}
