//! What an operator needs around the club: logs in the format their
//! collector reads ([`logging`]), `/healthz` and `/metrics` on an optional
//! HTTP listener ([`http`], figures from [`metrics`]), and backups
//! ([`backup`]), one on demand and periodic ones with retention.
//!
//! # Why here
//! None of it is the club's business, so the core only makes a few one-line
//! calls into [`metrics`] where events are handed over (an event to the
//! club, a question to the FAQ, a notice to a platform). Everything that
//! can be read from the store (claims by state, outbox depth, points
//! booked) is read when `/metrics` is asked, not counted as it happens.

pub mod backup;
pub mod http;
pub mod logging;
pub mod metrics;
