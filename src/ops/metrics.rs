//! The figures `/metrics` shows, in Prometheus' text format.
//!
//! Counters and histograms are recorded with the `metrics` crate's macros at
//! the few places where work is handed over; without a recorder (no
//! `[http] listen`) those calls cost next to nothing. Gauges of stored state
//! are set from [`Store::stats`] just before each rendering, so they are
//! right after a restart and no write path counts them.

use std::sync::OnceLock;
use std::time::Instant;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use crate::club::model::{Event, Incoming, Platform};
use crate::delivery::SendFailure;
use crate::faq::SearchResult;
use crate::store::{Store, StoreError};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide recorder (once) and returns its handle.
pub fn install() -> anyhow::Result<PrometheusHandle> {
    if let Some(handle) = HANDLE.get() {
        return Ok(handle.clone());
    }
    let handle = PrometheusBuilder::new()
        .set_buckets(&[
            0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
        ])?
        .install_recorder()?;
    let handle = HANDLE.get_or_init(|| handle);
    describe();
    Ok(handle.clone())
}

fn describe() {
    metrics::describe_counter!(
        "fanclub_events_total",
        "events handed to the club, by platform and kind"
    );
    metrics::describe_histogram!(
        "fanclub_event_seconds",
        metrics::Unit::Seconds,
        "time the club took to handle an event (commands: kind=\"command\")"
    );
    metrics::describe_counter!("fanclub_faq_total", "FAQ searches by outcome");
    metrics::describe_histogram!(
        "fanclub_faq_search_seconds",
        metrics::Unit::Seconds,
        "FAQ search latency"
    );
    metrics::describe_counter!(
        "fanclub_deliveries_total",
        "notice delivery attempts by platform and result (permanent_error: given up)"
    );
    metrics::describe_gauge!(
        "fanclub_last_backup_timestamp_seconds",
        "Unix time of the last backup that passed the doctor"
    );
}

/// An event the club handled (`started` when it was handed over).
pub fn event_handled(incoming: &Incoming, started: Instant) {
    let kind = match &incoming.event {
        Event::Message { text, .. } if text.trim_start().starts_with('/') => "command",
        Event::Message { .. } => "message",
        Event::Reaction { .. } => "reaction",
        Event::Button { .. } => "button",
        Event::Joined => "joined",
    };
    let platform = incoming.actor.platform.as_str();
    metrics::counter!("fanclub_events_total", "platform" => platform, "kind" => kind).increment(1);
    metrics::histogram!("fanclub_event_seconds", "platform" => platform, "kind" => kind)
        .record(started.elapsed().as_secs_f64());
}

/// A FAQ search and its outcome; passes the result on.
pub fn faq_searched(result: SearchResult, started: Instant) -> SearchResult {
    let outcome = match &result.outcome {
        crate::faq::Outcome::Answer(_) => "answer",
        crate::faq::Outcome::Suggest(_) => "suggest",
        crate::faq::Outcome::None => "none",
    };
    metrics::counter!("fanclub_faq_total", "outcome" => outcome).increment(1);
    metrics::histogram!("fanclub_faq_search_seconds").record(started.elapsed().as_secs_f64());
    result
}

/// One delivery attempt and how it went.
pub fn delivery<T>(platform: &Platform, outcome: &Result<T, SendFailure>) {
    let result = match outcome {
        Ok(_) => "sent",
        Err(SendFailure::Unreachable(_)) => "unreachable",
        Err(SendFailure::RetryAfter(_)) => "flood_limited",
        Err(SendFailure::Transient(_)) => "transient_error",
        Err(SendFailure::Permanent(_)) => "permanent_error",
    };
    metrics::counter!("fanclub_deliveries_total", "platform" => platform.as_str(), "result" => result)
        .increment(1);
}

/// A backup that passed the doctor.
pub fn backup_done() {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|since| since.as_secs_f64())
        .unwrap_or_default();
    metrics::gauge!("fanclub_last_backup_timestamp_seconds").set(now);
}

/// The text `/metrics` serves: the recorded figures plus the store's state.
pub async fn render(handle: &PrometheusHandle, store: &Store) -> Result<String, StoreError> {
    let stats = store.stats().await?;
    for (state, count) in &stats.claims_by_state {
        metrics::gauge!("fanclub_claims", "state" => state.clone()).set(*count as f64);
    }
    for (platform, count) in &stats.outbox_waiting {
        metrics::gauge!("fanclub_outbox_waiting", "platform" => platform.clone())
            .set(*count as f64);
    }
    metrics::gauge!("fanclub_outbox_failed").set(stats.outbox_failed as f64);
    metrics::gauge!("fanclub_points_balance").set(stats.points_balance as f64);
    metrics::gauge!("fanclub_points_earned").set(stats.points_earned as f64);
    metrics::gauge!("fanclub_ledger_rows").set(stats.ledger_rows as f64);
    metrics::gauge!("fanclub_members").set(stats.members as f64);
    Ok(handle.render())
}
