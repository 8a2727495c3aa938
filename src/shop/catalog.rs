//! Reading and validating `config/catalog.toml`.

use std::collections::{BTreeMap, HashSet};
use std::path::Path;

use chrono::NaiveDate;
use serde::Deserialize;

use crate::lang::Lang;

/// A validated catalog.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Catalog {
    items: Vec<Item>,
}

/// One thing members can claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    /// Lowercase letters, digits and `-`, at most 32: typed in `/redeem`.
    pub sku: String,
    de: Option<ItemText>,
    en: Option<ItemText>,
    pub cost: i64,
    /// Units for sale in total; `None` is unlimited.
    pub stock: Option<i64>,
    pub per_member_limit: Option<i64>,
    /// The merch year, e.g. 2026.
    pub edition: Option<i32>,
    pub available_from: Option<NaiveDate>,
    pub available_until: Option<NaiveDate>,
    pub min_membership_days: Option<i64>,
    pub requires_approval: bool,
    /// Choices the member makes when claiming, such as
    /// `size = ["S", "M", "L"]`: one value of each, by option name.
    pub options: BTreeMap<String, Vec<String>>,
    /// The item is sent by post: the claim needs the member's address.
    pub shipping: bool,
}

/// The choices a member made for an item's options, by option name.
pub type Chosen = BTreeMap<String, String>;

/// How a member's words fit an item's options.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OptionsRead {
    /// One value for every option.
    Complete(Chosen),
    /// A word that is no value of any option.
    Unknown { word: String },
    /// Two words for the same option.
    Twice { option: String },
    /// Options still without a value (their names), with what was chosen.
    Missing {
        chosen: Chosen,
        missing: Vec<String>,
    },
}

/// Most characters of an option value: one word, short enough for a button.
pub const OPTION_VALUE_CHARS: usize = 24;

/// An item's name and description in one language.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemText {
    pub name: String,
    #[serde(default)]
    pub description: String,
    /// What the item's options are called in this language, by option
    /// name (`options = { size = "Größe" }`); an option without a label is
    /// shown by its name.
    #[serde(default)]
    pub options: BTreeMap<String, String>,
}

/// Why a member cannot claim an item now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unavailable {
    /// `needed` more points.
    NotEnoughPoints {
        needed: i64,
    },
    LimitReached {
        limit: i64,
    },
    /// A member for `days` of the `required` days.
    Tenure {
        days: i64,
        required: i64,
    },
    SoldOut,
}

/// Why a catalog file could not be loaded. Messages name the file and the sku.
#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("cannot read catalog file {origin}")]
    Read {
        origin: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{origin}: {message}")]
    Syntax { origin: String, message: String },
    #[error("{origin}: item `{sku}`: {problem}")]
    Invalid {
        origin: String,
        sku: String,
        problem: String,
    },
    #[error("{origin}: duplicate sku `{sku}`")]
    Duplicate { origin: String, sku: String },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalog {
    #[serde(default)]
    item: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    sku: String,
    cost: i64,
    stock: Option<i64>,
    per_member_limit: Option<i64>,
    edition: Option<i32>,
    available_from: Option<toml::value::Datetime>,
    available_until: Option<toml::value::Datetime>,
    min_membership_days: Option<i64>,
    #[serde(default = "requires_approval_by_default")]
    requires_approval: bool,
    #[serde(default)]
    options: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    shipping: bool,
    de: Option<ItemText>,
    en: Option<ItemText>,
}

fn requires_approval_by_default() -> bool {
    true
}

impl Catalog {
    /// Reads and validates a catalog file.
    pub fn load(path: &Path) -> Result<Catalog, CatalogError> {
        let origin = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| CatalogError::Read {
            origin: origin.clone(),
            source,
        })?;
        Catalog::parse(&text, &origin)
    }

    /// Validates catalog text; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Catalog, CatalogError> {
        let raw: RawCatalog = toml::from_str(text).map_err(|error| CatalogError::Syntax {
            origin: origin.to_owned(),
            message: error.to_string().trim_end().to_owned(),
        })?;
        let mut seen = HashSet::new();
        let mut items = Vec::with_capacity(raw.item.len());
        for raw_item in raw.item {
            let item = raw_item.validate(origin)?;
            if !seen.insert(item.sku.clone()) {
                return Err(CatalogError::Duplicate {
                    origin: origin.to_owned(),
                    sku: item.sku,
                });
            }
            items.push(item);
        }
        Ok(Catalog { items })
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    pub fn get(&self, sku: &str) -> Option<&Item> {
        self.items.iter().find(|item| item.sku == sku)
    }
}

impl Item {
    /// The item's text in `lang`, or in its only language.
    pub fn text(&self, lang: Lang) -> &ItemText {
        let (wanted, other) = match lang {
            Lang::De => (&self.de, &self.en),
            Lang::En => (&self.en, &self.de),
        };
        wanted
            .as_ref()
            .or(other.as_ref())
            .expect("validation guarantees at least one language")
    }

    /// What option `option` is called in `lang`: its label there, else
    /// its name.
    pub fn option_label<'a>(&'a self, lang: Lang, option: &'a str) -> &'a str {
        self.text(lang)
            .options
            .get(option)
            .map_or(option, String::as_str)
    }

    /// Whether the item is offered on `day` (its edition window).
    pub fn offered_on(&self, day: NaiveDate) -> bool {
        self.available_from.is_none_or(|from| from <= day)
            && self.available_until.is_none_or(|until| day <= until)
    }

    /// Why a member cannot claim this item now, or `None` if they can.
    /// `claimed` counts units claimed by anyone, `mine` by this member.
    pub fn unavailable(
        &self,
        balance: i64,
        member_days: i64,
        claimed: i64,
        mine: i64,
    ) -> Option<Unavailable> {
        if self.stock.is_some_and(|stock| claimed >= stock) {
            return Some(Unavailable::SoldOut);
        }
        if let Some(limit) = self.per_member_limit.filter(|limit| mine >= *limit) {
            return Some(Unavailable::LimitReached { limit });
        }
        if let Some(required) = self
            .min_membership_days
            .filter(|required| member_days < *required)
        {
            return Some(Unavailable::Tenure {
                days: member_days,
                required,
            });
        }
        if balance < self.cost {
            return Some(Unavailable::NotEnoughPoints {
                needed: self.cost - balance,
            });
        }
        None
    }

    /// Reads the option values a member typed (`L`, `l blau`): each word
    /// must be a value of one option, ignoring case, and each option needs
    /// one value.
    pub fn read_options(&self, words: &str) -> OptionsRead {
        let mut chosen = Chosen::new();
        for word in words.split_whitespace() {
            let found = self.options.iter().find_map(|(option, values)| {
                values
                    .iter()
                    .find(|value| value.to_lowercase() == word.to_lowercase())
                    .map(|value| (option, value))
            });
            let Some((option, value)) = found else {
                return OptionsRead::Unknown {
                    word: word.to_owned(),
                };
            };
            if chosen.insert(option.clone(), value.clone()).is_some() {
                return OptionsRead::Twice {
                    option: option.clone(),
                };
            }
        }
        let missing: Vec<String> = self
            .options
            .keys()
            .filter(|option| !chosen.contains_key(*option))
            .cloned()
            .collect();
        if missing.is_empty() {
            OptionsRead::Complete(chosen)
        } else {
            OptionsRead::Missing { chosen, missing }
        }
    }

    /// Units left for sale given `claimed` units; `None` is unlimited.
    pub fn left(&self, claimed: i64) -> Option<i64> {
        self.stock.map(|stock| (stock - claimed).max(0))
    }
}

impl RawItem {
    fn validate(self, origin: &str) -> Result<Item, CatalogError> {
        let sku = self.sku.clone();
        let invalid = |problem: &str| CatalogError::Invalid {
            origin: origin.to_owned(),
            sku: sku.clone(),
            problem: problem.to_owned(),
        };
        let sku_ok = (1..=32).contains(&self.sku.len())
            && self
                .sku
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !sku_ok {
            return Err(invalid(
                "the sku must be 1-32 lowercase letters, digits or `-`",
            ));
        }
        if self.cost <= 0 {
            return Err(invalid("cost must be a positive number of points"));
        }
        if self.stock.is_some_and(|stock| stock < 0) {
            return Err(invalid("stock must not be negative"));
        }
        if self.per_member_limit.is_some_and(|limit| limit < 1) {
            return Err(invalid("per_member_limit must be at least 1"));
        }
        if self.min_membership_days.is_some_and(|days| days < 0) {
            return Err(invalid("min_membership_days must not be negative"));
        }
        if self.de.is_none() && self.en.is_none() {
            return Err(invalid("needs [item.de] and/or [item.en] with a name"));
        }
        let mut values_seen = HashSet::new();
        for (option, values) in &self.options {
            let name_ok = (1..=24).contains(&option.len())
                && option
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
            if !name_ok {
                return Err(invalid(
                    "an option's name must be 1-24 lowercase letters, digits or `_`",
                ));
            }
            if values.is_empty() {
                return Err(invalid(&format!(
                    "option `{option}` needs at least one value"
                )));
            }
            for value in values {
                let value_ok = (1..=OPTION_VALUE_CHARS).contains(&value.chars().count())
                    && !value.chars().any(|c| c.is_whitespace() || c.is_control());
                if !value_ok {
                    return Err(invalid(&format!(
                        "option `{option}`: a value must be one word of at most {OPTION_VALUE_CHARS} characters, not `{value}`"
                    )));
                }
                if !values_seen.insert(value.to_lowercase()) {
                    return Err(invalid(&format!(
                        "option value `{value}` appears twice (values must be unique within an item, ignoring case)"
                    )));
                }
            }
        }
        for text in [&self.de, &self.en].into_iter().flatten() {
            if text.name.trim().is_empty() {
                return Err(invalid("a name must not be empty"));
            }
            for (option, label) in &text.options {
                if !self.options.contains_key(option) {
                    return Err(invalid(&format!(
                        "a label names option `{option}`, which the item does not have"
                    )));
                }
                if label.trim().is_empty() {
                    return Err(invalid(&format!(
                        "the label of option `{option}` must not be empty"
                    )));
                }
            }
        }
        let from = self
            .available_from
            .map(|date| {
                to_date(date)
                    .ok_or_else(|| invalid("available_from must be a date such as 2026-01-01"))
            })
            .transpose()?;
        let until = self
            .available_until
            .map(|date| {
                to_date(date)
                    .ok_or_else(|| invalid("available_until must be a date such as 2026-12-31"))
            })
            .transpose()?;
        if let (Some(from), Some(until)) = (from, until)
            && from > until
        {
            return Err(invalid("available_from is after available_until"));
        }
        Ok(Item {
            sku: self.sku,
            de: self.de,
            en: self.en,
            cost: self.cost,
            stock: self.stock,
            per_member_limit: self.per_member_limit,
            edition: self.edition,
            available_from: from,
            available_until: until,
            min_membership_days: self.min_membership_days,
            requires_approval: self.requires_approval,
            options: self.options,
            shipping: self.shipping,
        })
    }
}

/// A TOML date (without a time) as a calendar date.
fn to_date(value: toml::value::Datetime) -> Option<NaiveDate> {
    if value.time.is_some() || value.offset.is_some() {
        return None;
    }
    let date = value.date?;
    NaiveDate::from_ymd_opt(
        i32::from(date.year),
        u32::from(date.month),
        u32::from(date.day),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHIRT: &str = r#"
[[item]]
sku = "tshirt-2026"
cost = 300
stock = 2
per_member_limit = 1
edition = 2026
available_from = 2026-01-01
available_until = 2026-12-31

[item.de]
name = "T-Shirt 2026"
description = "Das Jahres-Shirt."

[item.en]
name = "T-shirt 2026"
"#;

    const HOODIE: &str = r#"
[[item]]
sku = "hoodie"
cost = 500
shipping = true
options = { size = ["S", "M", "L"], colour = ["black", "blue"] }

[item.de]
name = "Kapuzenpulli"
options = { size = "Größe" }

[item.en]
name = "Hoodie"
"#;

    #[test]
    fn options_are_called_by_their_label_in_each_language_else_by_name() {
        let catalog = Catalog::parse(HOODIE, "c").unwrap();
        let hoodie = catalog.get("hoodie").unwrap();
        assert_eq!(hoodie.option_label(Lang::De, "size"), "Größe");
        assert_eq!(hoodie.option_label(Lang::De, "colour"), "colour");
        assert_eq!(hoodie.option_label(Lang::En, "size"), "size");
    }

    #[test]
    fn options_are_read_from_the_members_words_in_any_case_and_order() {
        let catalog = Catalog::parse(HOODIE, "c").unwrap();
        let hoodie = catalog.get("hoodie").unwrap();
        assert!(hoodie.shipping);
        let complete = Chosen::from([
            ("colour".to_owned(), "blue".to_owned()),
            ("size".to_owned(), "L".to_owned()),
        ]);
        assert_eq!(
            hoodie.read_options("BLUE l"),
            OptionsRead::Complete(complete)
        );
        assert_eq!(
            hoodie.read_options("m"),
            OptionsRead::Missing {
                chosen: Chosen::from([("size".to_owned(), "M".to_owned())]),
                missing: vec!["colour".to_owned()],
            }
        );
        assert_eq!(
            hoodie.read_options("XXL"),
            OptionsRead::Unknown { word: "XXL".into() }
        );
        assert_eq!(
            hoodie.read_options("S M"),
            OptionsRead::Twice {
                option: "size".into()
            }
        );
        let shirt = Catalog::parse(SHIRT, "c").unwrap();
        let shirt = shirt.get("tshirt-2026").unwrap();
        assert!(!shirt.shipping);
        assert_eq!(shirt.read_options(""), OptionsRead::Complete(Chosen::new()));
        assert!(matches!(
            shirt.read_options("L"),
            OptionsRead::Unknown { .. }
        ));
    }

    #[test]
    fn option_values_must_be_single_unique_words() {
        let cases = [
            ("options = { size = [] }", "needs at least one value"),
            ("options = { size = [\"X L\"] }", "one word"),
            ("options = { size = [\"L\", \"l\"] }", "appears twice"),
            ("options = { Size = [\"L\"] }", "option's name"),
            (
                "options = { size = [\"L\"] }\n[item.de]\nname = \"Kappe\"\noptions = { farbe = \"Farbe\" }",
                "option `farbe`, which the item does not have",
            ),
            (
                "options = { size = [\"L\"] }\n[item.de]\nname = \"Kappe\"\noptions = { size = \" \" }",
                "must not be empty",
            ),
        ];
        for (line, problem) in cases {
            let text =
                format!("[[item]]\nsku = \"cap\"\ncost = 5\n{line}\n[item.en]\nname = \"Cap\"\n");
            let error = Catalog::parse(&text, "shop.toml").unwrap_err().to_string();
            assert!(error.starts_with("shop.toml: item `cap`"), "{error}");
            assert!(error.contains(problem), "{error}");
        }
    }

    #[test]
    fn a_catalog_item_reads_with_its_edition_window() {
        let catalog = Catalog::parse(SHIRT, "catalog.toml").unwrap();
        let shirt = catalog.get("tshirt-2026").unwrap();
        assert_eq!(shirt.text(Lang::En).name, "T-shirt 2026");
        assert_eq!(shirt.text(Lang::De).description, "Das Jahres-Shirt.");
        assert!(shirt.requires_approval);
        assert!(shirt.offered_on(NaiveDate::from_ymd_opt(2026, 6, 1).unwrap()));
        assert!(!shirt.offered_on(NaiveDate::from_ymd_opt(2027, 1, 1).unwrap()));
    }

    #[test]
    fn availability_names_the_first_reason() {
        let catalog = Catalog::parse(SHIRT, "c").unwrap();
        let shirt = catalog.get("tshirt-2026").unwrap();
        assert_eq!(shirt.unavailable(500, 10, 0, 0), None);
        assert_eq!(
            shirt.unavailable(100, 10, 0, 0),
            Some(Unavailable::NotEnoughPoints { needed: 200 })
        );
        assert_eq!(
            shirt.unavailable(500, 10, 1, 1),
            Some(Unavailable::LimitReached { limit: 1 })
        );
        assert_eq!(shirt.unavailable(500, 10, 2, 0), Some(Unavailable::SoldOut));
        assert_eq!(shirt.left(5), Some(0));
    }

    #[test]
    fn invalid_items_are_rejected_naming_file_and_sku() {
        let cases = [
            (
                "[[item]]\nsku = \"mug\"\ncost = 0\n[item.en]\nname = \"Mug\"\n",
                "cost must be a positive",
            ),
            (
                "[[item]]\nsku = \"mug\"\ncost = 5\n",
                "needs [item.de] and/or [item.en]",
            ),
            (
                "[[item]]\nsku = \"Mug!\"\ncost = 5\n[item.en]\nname = \"Mug\"\n",
                "the sku must be",
            ),
            (
                "[[item]]\nsku = \"mug\"\ncost = 5\nstock = -1\n[item.en]\nname = \"Mug\"\n",
                "stock must not be negative",
            ),
            (
                "[[item]]\nsku = \"mug\"\ncost = 5\navailable_from = 2026-05-01\navailable_until = 2026-01-01\n[item.en]\nname = \"Mug\"\n",
                "after available_until",
            ),
        ];
        for (text, problem) in cases {
            let error = Catalog::parse(text, "shop.toml").unwrap_err().to_string();
            assert!(error.starts_with("shop.toml: item `"), "{error}");
            assert!(error.contains(problem), "{error}");
        }
        let twice = format!("{SHIRT}\n{SHIRT}");
        let error = Catalog::parse(&twice, "shop.toml").unwrap_err().to_string();
        assert_eq!(error, "shop.toml: duplicate sku `tshirt-2026`");
        let unknown = Catalog::parse("[[item]]\nsku = \"mug\"\ncots = 5\n", "shop.toml")
            .unwrap_err()
            .to_string();
        assert!(unknown.contains("cots"), "{unknown}");
    }
}
