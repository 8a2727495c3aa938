//! Wiring: from settings to a running club.

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;

use crate::club::clock::SystemClock;
use crate::club::{Club, ClubConfig};
use crate::config::Settings;
use crate::store::messages::Retention;
use crate::store::{Store, StoreOptions};

/// The database URL in force: `--database`/`DATABASE_URL` when given, else
/// the configured one.
pub fn database_url(settings: &Settings, flag: Option<&str>) -> String {
    flag.map_or_else(|| settings.database.url.clone(), str::to_owned)
}

fn store_options(settings: &Settings) -> StoreOptions {
    StoreOptions {
        busy_timeout: Duration::from_millis(settings.database.busy_timeout_ms),
        max_connections: settings.database.max_connections,
    }
}

/// Opens and migrates the store, after the checks of [`Store::open`]
/// (SQLite URL, not newer than this binary, writable): for the CLI's
/// one-shot commands.
pub async fn open_store(settings: &Settings, url: &str) -> anyhow::Result<Store> {
    Store::open(url, &store_options(settings))
        .await
        .with_context(|| format!("opening the store at {url}"))
}

/// Like [`open_store`], and every page passes `PRAGMA quick_check`: for the
/// bot and the console, which run for days on what they find at start.
pub async fn open_service_store(settings: &Settings, url: &str) -> anyhow::Result<Store> {
    let store = open_store(settings, url).await?;
    store
        .quick_check(url)
        .await
        .with_context(|| format!("opening the store at {url}"))?;
    Ok(store)
}

/// Opens an existing store for reading only; a missing file is an error.
pub async fn open_store_read_only(settings: &Settings, url: &str) -> anyhow::Result<Store> {
    Store::open_read_only(url, &store_options(settings))
        .await
        .with_context(|| format!("opening the store at {url} to read"))
}

/// Starts what runs beside any adapter: the HTTP listener (`[http]
/// listen`, bound before this returns so a taken port fails the start) and
/// the periodic backups. The tasks end when their handles are aborted.
pub async fn start_services(
    settings: &Settings,
    store: &Store,
    platforms: crate::ops::http::Platforms,
) -> anyhow::Result<Vec<tokio::task::JoinHandle<()>>> {
    let mut tasks = Vec::new();
    if !settings.http.listen.is_empty() {
        let listener = crate::ops::http::Listener::bind(
            &settings.http.listen,
            store.clone(),
            platforms,
            Duration::from_secs(settings.http.outbox_stuck_seconds),
        )
        .await?;
        let address = listener.address()?;
        tracing::info!(%address, "serving /healthz and /metrics");
        tasks.push(tokio::spawn(async move {
            if let Err(error) = listener.serve().await {
                tracing::error!(error = %format!("{error:#}"), "the HTTP listener stopped");
            }
        }));
    }
    if settings.backup.every_hours > 0 {
        tasks.push(tokio::spawn(crate::ops::backup::periodic(
            store.clone(),
            settings.backup.clone(),
        )));
    }
    if settings.retention.every_hours > 0 {
        tasks.push(tokio::spawn(prune_periodically(
            store.clone(),
            retention(settings),
            Duration::from_secs(settings.retention.every_hours * 3600),
        )));
    }
    Ok(tasks)
}

/// How long the store keeps what serves only for a while (`[retention]`,
/// and `delivery.keep_days` for delivered notices).
pub fn retention(settings: &Settings) -> Retention {
    let days = |days: u32| chrono::Duration::days(i64::from(days));
    Retention {
        messages: days(settings.retention.messages_days),
        faq_queries: days(settings.retention.faq_queries_days),
        handled_events: days(settings.retention.handled_events_days),
        delivered_notices: days(settings.delivery.keep_days),
    }
}

/// Prunes old rows once a minute after the start and then every `every`;
/// a failed run is logged and the next one tries again.
async fn prune_periodically(store: Store, keep: Retention, every: Duration) {
    let mut ticks =
        tokio::time::interval_at(tokio::time::Instant::now() + Duration::from_secs(60), every);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let started = std::time::Instant::now();
        match store.prune(&keep, chrono::Utc::now()).await {
            Ok(pruned) if pruned.total() > 0 => tracing::info!(
                messages = pruned.messages,
                faq_queries = pruned.faq_queries,
                handled_events = pruned.handled_events,
                notices = pruned.notices,
                periods = pruned.periods,
                seconds = started.elapsed().as_secs_f64(),
                "old rows pruned"
            ),
            Ok(_) => {}
            Err(error) => tracing::error!(
                error = %crate::club::error_chain(&error),
                "pruning old rows failed; trying again at the next run"
            ),
        }
    }
}

/// The one line at start that says what runs: platforms, database, FAQ
/// entries and model, catalog items, support channels.
pub fn log_start(settings: &Settings, club: &Club, platforms: &[&str], database: &str) {
    let index = club.faq().index();
    let model = if !index.has_meaning() {
        "off (spelling only)".to_owned()
    } else {
        settings.faq.model.display().to_string()
    };
    let support = if settings.club.support_channels.is_empty() {
        "every group chat".to_owned()
    } else {
        settings.club.support_channels.join(", ")
    };
    tracing::info!(
        platforms = %platforms.join(", "),
        database,
        faq = %settings.faq.path.display(),
        faq_entries = index.book().entries().len(),
        model = %model,
        catalog = %settings.shop.catalog.display(),
        catalog_items = club.catalog().items().len(),
        support_channels = %support,
        http = %if settings.http.listen.is_empty() { "off" } else { settings.http.listen.as_str() },
        version = env!("CARGO_PKG_VERSION"),
        "fanclub runs"
    );
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
