//! `fanclub run`: the bot on every platform whose token is set.
//!
//! Each platform adapter is its own task, side by side under `tokio::select!`
//! with the shutdown signals. Adapters retry whatever fails and are not meant
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
    let telegram = Telegram::new(
        club.clone(),
        settings.telegram.clone(),
        telegram_token,
        Tuning::from_settings(&settings.telegram),
    )
    .context("setting up the Telegram adapter")?;
    let reloader = tokio::spawn(app::reload_on_hangup(club));
    let mut telegram: JoinHandle<Result<(), TelegramError>> = tokio::spawn(telegram.run());
    tracing::info!(database, "fanclub runs on Telegram");
    let stopped = tokio::select! {
        result = &mut telegram => Stopped::Platform("telegram", result),
        () = shutdown_signal() => Stopped::Signal,
    };
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
