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

/// The club on the real clock.
pub fn club(store: Store, settings: &Settings) -> Club {
    Club::new(
        store,
        ClubConfig::from_settings(settings),
        Arc::new(SystemClock),
    )
}
