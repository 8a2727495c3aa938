//! Issue 13, "Replies that read right": a German member's whole session
//! through the console binary reads German. Every line the bot writes is
//! checked for the English words that slipped into German replies before
//! (`tests/data/english_words.txt`, the list the locale test uses too).

use crate::support::console;

/// The English words of `tests/data/english_words.txt`.
fn english_words() -> Vec<&'static str> {
    include_str!("data/english_words.txt")
        .lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .collect()
}

/// What the bot wrote: its messages with their continuation lines.
fn bot_lines(output: &str) -> Vec<&str> {
    let mut lines = Vec::new();
    let mut in_bot_message = false;
    for line in output.lines() {
        if let Some(rest) = line.strip_prefix('#') {
            let speaker = rest.split_once(' ').map_or("", |(_, after)| after);
            in_bot_message = speaker.starts_with("bot:")
                || speaker.starts_with("bot →")
                || speaker.starts_with("bot (edited)");
        } else if !line.starts_with("    ") {
            in_bot_message = false;
        }
        if in_bot_message {
            lines.push(line);
        }
    }
    lines
}

/// The English words in `line`, command names (`/balance`) left out.
fn english_in(line: &str, english: &[&str]) -> Vec<String> {
    line.split_whitespace()
        .filter(|word| !word.starts_with('/'))
        .flat_map(|word| word.split(|c: char| !c.is_alphabetic()))
        .map(str::to_lowercase)
        .filter(|word| english.contains(&word.as_str()))
        .collect()
}

#[test]
fn a_german_member_reads_german_from_the_first_hello_to_a_cancelled_claim() {
    let dir = tempfile::tempdir().unwrap();
    let run = console(
        dir.path(),
        "de",
        "carla: Hallo zusammen, ich bin neu hier.\n\
         anna > #1: Willkommen! Unter Mein Konto findest du alles.\n\
         bob +👍 #2\n\
         carla > #2: danke!\n\
         bob -👍 #2\n\
         anna: /start\n\
         anna: /help\n\
         anna: /help redeem\n\
         anna: /balance\n\
         anna: /history\n\
         anna: /leaderboard\n\
         anna: /leaderboard woche\n\
         anna: /profile\n\
         mod: /grant @anna 1000 Beta-Test\n\
         anna: /shop\n\
         anna: /redeem T-Shirt\n\
         anna: /redeem tshirt-2026\n\
         anna: /redeem tshirt-2026 L\n\
         anna dm: /address Anna Beispiel, Musterweg 1, 12345 Musterstadt\n\
         anna: /claims\n\
         mod: /pending\n\
         anna: /cancel #1\n\
         anna: /history\n\
         anna: /notify aus\n\
         anna: /privacy\n\
         anna: /leaderboard_hide an\n\
         anna: /upvote\n\
         anna: /redeem nichts-davon\n\
         anna: /grant @carla 5\n\
         anna: /balance @niemand\n",
    );
    let out = &run.stdout;
    let said = bot_lines(out);
    assert!(said.len() >= 25, "the bot answered every command:\n{out}");
    // The story's steps happened, in German.
    for expected in [
        "Willkommen",
        "Bestellung #1",
        "Stimme",
        "storniert",
        "Punktestand",
        "Größe: L",
    ] {
        assert!(
            said.iter().any(|line| line.contains(expected)),
            "no bot line says {expected:?}:\n{out}"
        );
    }
    let english = english_words();
    let slipped: Vec<(String, &str)> = said
        .iter()
        .flat_map(|line| {
            english_in(line, &english)
                .into_iter()
                .map(move |word| (word, *line))
        })
        .collect();
    assert!(
        slipped.is_empty(),
        "English in German replies: {slipped:#?}\n{out}"
    );
}
