//! Wiring: from settings to a running club.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::club::clock::SystemClock;
use crate::club::{Club, ClubConfig};
use crate::config::Settings;
use crate::store::{Store, StoreOptions};

/// The database URL in force: `--database`/`DATABASE_URL` when given, else
/// the configured one.
pub fn database_url(settings: &Settings, flag: Option<&str>) -> String {
    flag.map_or_else(|| settings.database.url.clone(), str::to_owned)
}

/// Opens and migrates the store.
pub async fn open_store(settings: &Settings, url: &str) -> anyhow::Result<Store> {
    let options = StoreOptions {
        busy_timeout: Duration::from_millis(settings.database.busy_timeout_ms),
        max_connections: settings.database.max_connections,
    };
    Store::open(url, &options)
        .await
        .with_context(|| format!("opening the store at {url}"))
}

/// The club on the real clock, with its FAQ loaded.
pub async fn club(store: Store, settings: &Settings) -> anyhow::Result<Club> {
    let config = ClubConfig::from_settings(settings);
    let faq = config.faq.path.display().to_string();
    Club::open(store, config, Arc::new(SystemClock))
        .await
        .with_context(|| {
            format!(
                "opening the club (FAQ {faq}, catalog {})",
                settings.shop.catalog.display()
            )
        })
}

/// Reloads the FAQ and the catalog whenever the process gets SIGHUP, for as long as it runs.
/// A broken file is logged and the FAQ loaded before stays in force.
pub async fn reload_on_hangup(club: Club) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hangups = match signal(SignalKind::hangup()) {
            Ok(hangups) => hangups,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGHUP; reload the FAQ with /faq_reload");
                return;
            }
        };
        while hangups.recv().await.is_some() {
            // The catalog first: the FAQ's answers quote its prices.
            if let Err(error) = club.reload_catalog() {
                tracing::error!(
                    error = %crate::club::error_chain(&error),
                    "catalog reload on SIGHUP failed; keeping the old catalog"
                );
            }
            match club
                .faq()
                .revalue(club.setting_values(), club.store())
                .await
            {
                Ok(entries) => tracing::info!(entries, "FAQ reloaded on SIGHUP"),
                Err(error) => tracing::error!(
                    error = %crate::club::error_chain(&error),
                    "FAQ reload on SIGHUP failed; keeping the old FAQ"
                ),
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = club;
        std::future::pending::<()>().await;
    }
}
