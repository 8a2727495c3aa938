//! # fanclub
//!
//! A chat bot that runs a brand's fan club on Discord and Telegram at once:
//! it answers support questions from a curated bilingual FAQ, awards points
//! for helpful answers, and runs a merchandise shop, all on one SQLite store.
//!
//! # Layout
//!
//! - [`club`]: the core. Members, places, the command grammar, rules and
//!   notices (addressed to members, the moderators or places). It knows
//!   nothing of any chat platform.
//! - [`store`]: the SQLite store. All SQL lives here, one file per table group.
//! - [`delivery`]: the loop that takes due notices from the outbox and sends
//!   them through a platform's [`delivery::Sender`]: per-chat queues,
//!   pacing, retries, draining on shutdown. Each platform plugs in here.
//! - [`console`]: the local console chat, an adapter like the platform ones;
//!   the default when no platform token is configured, and the tests'
//!   scripting interface.
//! - [`telegram`]: the Telegram adapter (Bot API long polling, a Telegram
//!   sender for the delivery loop); runs when `TELEGRAM_BOT_TOKEN` is set.
//! - [`discord`]: the Discord adapter (serenity's gateway, slash commands
//!   from the command table, a Discord sender for the delivery loop); runs
//!   when `DISCORD_TOKEN` is set, beside Telegram when both tokens are.
//! - [`config`]: layered settings (committed defaults, local file,
//!   environment) and secrets.
//! - [`faq`]: the curated bilingual FAQ and the search that answers from it,
//!   pure and in memory; the club keeps what it learns in the store.
//! - [`shop`]: the merchandise catalog file; claims and stock live in the
//!   store, the rules for claiming in the club.
//! - [`lang`]: the two languages the club speaks.
//! - [`ops`]: what an operator watches: logs, `/healthz` and `/metrics`,
//!   backups.
//! - [`app`], [`cli`] and [`ops`]: the edge. Wiring the parts together from
//!   settings and the `fanclub` command line; only these use `anyhow`.

pub mod app;
pub mod cli;
pub mod club;
pub mod config;
pub mod console;
pub mod delivery;
pub mod discord;
pub mod faq;
pub mod lanes;
pub mod lang;
pub mod ops;
pub mod shop;
pub mod store;
pub mod telegram;
