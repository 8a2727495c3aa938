//! The optional HTTP listener (`[http] listen`): `/healthz` for a
//! supervisor or load balancer, `/metrics` for Prometheus.
//!
//! It binds at start, so a taken port fails the start rather than leaving
//! the bot unwatched. It has no authentication: the README says to keep it
//! on localhost or a private network.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::store::Store;

/// Which platform adapters are running, as `/healthz` reports them.
#[derive(Debug, Clone, Default)]
pub struct Platforms(Arc<Mutex<BTreeMap<&'static str, bool>>>);

impl Platforms {
    /// Marks `platform` up (its adapter runs) or down (it ended).
    pub fn set(&self, platform: &'static str, up: bool) {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(platform, up);
    }

    fn snapshot(&self) -> BTreeMap<&'static str, bool> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

#[derive(Clone)]
struct Served {
    store: Store,
    metrics: PrometheusHandle,
    platforms: Platforms,
    outbox_stuck: Duration,
}

/// A bound listener, ready to serve.
pub struct Listener {
    listener: tokio::net::TcpListener,
    served: Served,
}

impl Listener {
    /// Binds `address` and installs the metrics recorder.
    pub async fn bind(
        address: &str,
        store: Store,
        platforms: Platforms,
        outbox_stuck: Duration,
    ) -> anyhow::Result<Listener> {
        use anyhow::Context as _;
        let metrics = super::metrics::install().context("installing the metrics recorder")?;
        let listener = tokio::net::TcpListener::bind(address)
            .await
            .with_context(|| format!("cannot listen on http.listen = {address:?}"))?;
        Ok(Listener {
            listener,
            served: Served {
                store,
                metrics,
                platforms,
                outbox_stuck,
            },
        })
    }

    /// The address it listens on (the port chosen when `:0` was asked).
    pub fn address(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// Serves until the task is dropped.
    pub async fn serve(self) -> anyhow::Result<()> {
        let app = Router::new()
            .route("/healthz", get(healthz))
            .route("/metrics", get(metrics))
            .with_state(self.served);
        axum::serve(self.listener, app).await?;
        Ok(())
    }
}

async fn metrics(State(served): State<Served>) -> Response {
    match super::metrics::render(&served.metrics, &served.store).await {
        Ok(text) => (
            [(
                header::CONTENT_TYPE,
                "text/plain; version=0.0.4; charset=utf-8",
            )],
            text,
        )
            .into_response(),
        Err(error) => {
            tracing::error!(error = %crate::club::error_chain(&error), "metrics: the store cannot be read");
            (StatusCode::SERVICE_UNAVAILABLE, "store unavailable\n").into_response()
        }
    }
}

/// 200 with `"status": "ok"` when the store takes a write, every platform
/// adapter runs and no due notice waits longer than
/// `http.outbox_stuck_seconds`; else 503 saying which failed.
async fn healthz(State(served): State<Served>) -> Response {
    let mut problems = Vec::new();
    let store = match served.store.writable().await {
        Ok(()) => "ok".to_owned(),
        Err(error) => {
            problems.push("store");
            crate::club::error_chain(&error)
        }
    };
    let platforms = served.platforms.snapshot();
    if platforms.values().any(|up| !up) {
        problems.push("platforms");
    }
    let (waiting, oldest_due_seconds) = match served.store.stats().await {
        Ok(stats) => {
            let waiting: i64 = stats.outbox_waiting.iter().map(|(_, count)| count).sum();
            let late = stats
                .oldest_due
                .map(|due| (chrono::Utc::now() - due).num_seconds().max(0));
            if late.is_some_and(|late| late as u64 > served.outbox_stuck.as_secs()) {
                problems.push("outbox");
            }
            (Some(waiting), late)
        }
        Err(_) => {
            problems.push("store");
            (None, None)
        }
    };
    let status = if problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    let body = serde_json::json!({
        "status": if problems.is_empty() { "ok" } else { "unhealthy" },
        "problems": problems,
        "store": store,
        "platforms": platforms,
        "outbox": { "waiting": waiting, "oldest_due_seconds": oldest_due_seconds },
    });
    (status, axum::Json(body)).into_response()
}
