//! The merchandise catalog: what members can trade their points for.
//!
//! Like the FAQ, the catalog is a file curated by people (`config/catalog.toml`)
//! and reloaded at will; this module only reads and validates it. Stock that
//! is claimed lives in the store, so reloading a file with less stock never
//! invalidates a claim already made: the shop then simply has none left.

mod catalog;
pub mod suggest;

pub use catalog::{
    Catalog, CatalogError, Chosen, Item, ItemText, OPTION_VALUE_CHARS, OptionsRead, Unavailable,
};
