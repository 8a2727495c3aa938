//! Autocomplete for the options whose values come from the operator's
//! files: a shop item (`/redeem <item>`) from the catalog in force, a FAQ
//! entry (`/faq_learned <entry>`) from the FAQ in force. Discord shows at
//! most 25 choices; the typed text narrows them. Suggestions only: the
//! core still reads (and checks) whatever is sent.

use crate::club::Club;
use crate::club::commands::shorten;
use crate::lang::Lang;

/// The options that get autocomplete, by the table's argument name.
pub(super) const AUTOCOMPLETED: [&str; 2] = ["item", "entry"];

/// Discord's limits: 25 choices, names of 1 to 100 characters.
const MAX_CHOICES: usize = 25;

/// (shown, value) pairs for option `option` when `typed` was typed so far.
pub(super) fn choices(club: &Club, lang: Lang, option: &str, typed: &str) -> Vec<(String, String)> {
    let typed = typed.trim().to_lowercase();
    let fits = |texts: &[&str]| {
        texts
            .iter()
            .any(|text| text.to_lowercase().contains(&typed))
    };
    let found: Vec<(String, String)> = match option {
        "item" => club
            .catalog()
            .items()
            .iter()
            .filter(|item| fits(&[&item.sku, &item.text(lang).name]))
            .map(|item| {
                let shown = format!("{} ({}, {})", item.text(lang).name, item.sku, item.cost);
                (shown, item.sku.clone())
            })
            .collect(),
        "entry" => {
            let index = club.faq().index();
            index
                .book()
                .entries()
                .iter()
                .filter(|entry| fits(&[&entry.id, &entry.text(lang).question]))
                .map(|entry| {
                    let shown = format!("{}: {}", entry.id, entry.text(lang).question);
                    (shown, entry.id.clone())
                })
                .collect()
        }
        _ => Vec::new(),
    };
    found
        .into_iter()
        .take(MAX_CHOICES)
        .map(|(shown, value)| (shorten(&shown, 100), value))
        .collect()
}
