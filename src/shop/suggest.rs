//! "Did you mean": items whose sku or name is close to what a member typed.
//!
//! Members type what they see (`T-Shirt`, `Tasse`, `tshrit`), not the sku.
//! Nothing here knows any item: both sides are reduced to lowercase letters
//! and digits, and an item fits when one contains the other or the spelling
//! differs by a few edits for its length. The catalog is small (dozens of
//! items), so comparing with every item is cheap.

use super::catalog::{Catalog, Item};
use crate::lang::Lang;

/// The most suggestions given.
pub const MAX_SUGGESTIONS: usize = 3;

/// Lowercase letters and digits only: `Fan-Club T-Shirt` → `fanclubtshirt`.
pub fn normalized(text: &str) -> String {
    text.chars()
        .flat_map(char::to_lowercase)
        .filter(|c| c.is_alphanumeric())
        .collect()
}

impl Catalog {
    /// Up to [`MAX_SUGGESTIONS`] items among `items` whose sku or name (in
    /// either language, or one word of it) is close to `typed`, closest
    /// first.
    pub fn suggest<'a>(&self, typed: &str, items: &[&'a Item]) -> Vec<&'a Item> {
        let typed = normalized(typed);
        if typed.chars().count() < 2 {
            return Vec::new();
        }
        let mut scored: Vec<(usize, usize, &Item)> = items
            .iter()
            .enumerate()
            .filter_map(|(order, item)| {
                candidates(item)
                    .iter()
                    .filter_map(|candidate| distance(&typed, candidate))
                    .min()
                    .map(|score| (score, order, *item))
            })
            .collect();
        scored.sort_by_key(|(score, order, _)| (*score, *order));
        scored
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .map(|(_, _, item)| item)
            .collect()
    }
}

/// What an item is known by: its sku, its names, and each word of them.
fn candidates(item: &Item) -> Vec<String> {
    let mut names = vec![normalized(&item.sku)];
    for lang in [Lang::De, Lang::En] {
        let name = &item.text(lang).name;
        names.push(normalized(name));
        names.extend(
            name.split(|c: char| c.is_whitespace())
                .map(normalized)
                .filter(|word| word.chars().count() >= 3),
        );
    }
    names.sort();
    names.dedup();
    names
}

/// How far `typed` is from `candidate` (both normalised), or `None` when
/// they are not close: 0 when equal, 1 when one contains the other,
/// 2 + edits when a few edits turn one into the other.
fn distance(typed: &str, candidate: &str) -> Option<usize> {
    if candidate.is_empty() {
        return None;
    }
    if typed == candidate {
        return Some(0);
    }
    let shorter = typed.chars().count().min(candidate.chars().count());
    if shorter >= 3 && (candidate.contains(typed) || typed.contains(candidate)) {
        return Some(1);
    }
    let longest = typed.chars().count().max(candidate.chars().count());
    let allowed = (longest / 4).max(1);
    let edits = levenshtein(typed, candidate);
    (edits <= allowed).then_some(2 + edits)
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (above + 1)
                .min(row[j] + 1)
                .min(diagonal + usize::from(ca != *cb));
            diagonal = above;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    const CATALOG: &str = r#"
[[item]]
sku = "tshirt-2026"
cost = 300
[item.de]
name = "Fanclub-T-Shirt 2026"
[item.en]
name = "Fan club T-shirt 2026"

[[item]]
sku = "mug"
cost = 120
[item.de]
name = "Fanclub-Tasse"
[item.en]
name = "Fan club mug"

[[item]]
sku = "stickers"
cost = 40
[item.en]
name = "Sticker pack"
"#;

    fn suggest(typed: &str) -> Vec<String> {
        let catalog = Catalog::parse(CATALOG, "c").unwrap();
        let items: Vec<&Item> = catalog.items().iter().collect();
        catalog
            .suggest(typed, &items)
            .into_iter()
            .map(|item| item.sku.clone())
            .collect()
    }

    #[test]
    fn what_members_type_finds_the_item_by_sku_name_or_a_typo() {
        assert_eq!(suggest("T-Shirt"), ["tshirt-2026"]);
        assert_eq!(suggest("tshirt"), ["tshirt-2026"]);
        assert_eq!(suggest("Tasse"), ["mug"]);
        assert_eq!(suggest("stikers"), ["stickers"]);
        assert_eq!(suggest("tshirt2026"), ["tshirt-2026"]);
    }

    #[test]
    fn unrelated_words_suggest_nothing() {
        assert!(suggest("laptop").is_empty());
        assert!(suggest("x").is_empty());
        assert!(suggest("").is_empty());
    }

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("tasse", "tasse"), 0);
    }
}
