//! `fanclub run`: the bot on every platform whose token is set.
//!
//! Each platform adapter is its own task, side by side under `tokio::select!`
//! with the shutdown signals. On SIGTERM/SIGINT the adapters stop taking
//! events and their deliverers drain the outbox for up to
//! `delivery.shutdown_grace_seconds`. Adapters retry whatever fails and are not meant
//! to end; if one does, the process says which one and exits with an error so
//! that a supervisor restarts it, rather than running on half deaf. Discord
//! will be one more branch. With no platform token, the console runs instead.

use std::process::ExitCode;

use anyhow::Context as _;
use tokio::task::JoinHandle;

use crate::app;
use crate::config::{Secrets, Settings};
use crate::lang::Lang;
use crate::telegram::{Telegram, TelegramError, Tuning};

/// Why `run` stopped.
enum Stopped {
    /// SIGINT or SIGTERM: a normal shutdown.
    Signal,
    /// A platform adapter ended; it should not have.
    Platform(
        &'static str,
        Result<Result<(), TelegramError>, tokio::task::JoinError>,
    ),
}

/// Runs the platforms whose tokens are set, or the console when none is.
pub(super) async fn run(
    settings: &Settings,
    database: &str,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let secrets = Secrets::from_env();
    let Some(telegram_token) = secrets.telegram_bot_token.as_ref() else {
        if secrets.discord_token.is_some() {
            tracing::warn!(
                "DISCORD_TOKEN is set, but this build has no Discord adapter yet; \
                 starting the console instead"
            );
        }
        return super::console(settings, database, lang).await;
    };
    if secrets.discord_token.is_some() {
        tracing::warn!(
            "DISCORD_TOKEN is set, but this build has no Discord adapter yet; running Telegram only"
        );
    }
    let store = app::open_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    let tuning = Tuning::from_settings(&settings.telegram).with_delivery(&settings.delivery);
    let grace = tuning.shutdown_grace;
    let telegram = Telegram::new(
        club.clone(),
        settings.telegram.clone(),
        telegram_token,
        tuning,
    )
    .context("setting up the Telegram adapter")?;
    let reloader = tokio::spawn(app::reload_on_hangup(club));
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let until_stopped = async move {
        let mut stopping = stopping;
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let mut telegram: JoinHandle<Result<(), TelegramError>> =
        tokio::spawn(telegram.run_until(until_stopped));
    tracing::info!(database, "fanclub runs on Telegram");
    let stopped = tokio::select! {
        result = &mut telegram => Stopped::Platform("telegram", result),
        () = shutdown_signal() => Stopped::Signal,
    };
    if matches!(stopped, Stopped::Signal) {
        // The deliverers drain the outbox for up to the grace period; what
        // is left goes after the next start.
        let _ = stop.send(true);
        let bound = grace + std::time::Duration::from_secs(5);
        if tokio::time::timeout(bound, &mut telegram).await.is_err() {
            tracing::warn!("the Telegram adapter did not stop in time");
        }
    }
    telegram.abort();
    reloader.abort();
    store.close().await;
    match stopped {
        Stopped::Signal => {
            tracing::info!("shutting down");
            Ok(ExitCode::SUCCESS)
        }
        Stopped::Platform(platform, Ok(Ok(()))) => {
            anyhow::bail!("the {platform} adapter stopped")
        }
        Stopped::Platform(platform, Ok(Err(error))) => {
            Err(error).with_context(|| format!("the {platform} adapter stopped"))
        }
        Stopped::Platform(platform, Err(error)) => {
            Err(error).with_context(|| format!("the {platform} adapter crashed"))
        }
    }
}

/// Ctrl-C, or SIGTERM where there is one.
async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(error) => {
                tracing::warn!(%error, "cannot listen for SIGTERM; Ctrl-C still stops the bot");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
