//! fanclub's integration tests: one test binary, one module per area.
//! Every test runs on a real SQLite file in a temporary directory.

mod club;
mod console;
mod discord;
mod e5_file;
mod e5_fuzz;
mod e5_parity;
mod e5_tokenizer;
mod fair_start;
mod faq;
mod faq_chat;
mod german;
mod grants;
mod group_commit;
mod leaderboards;
mod linking;
mod multipart;
mod naming;
mod operator;
mod outbox;
mod points;
mod privacy;
mod retention;
mod shipping;
mod shop;
mod store;
mod support;
mod telegram;
