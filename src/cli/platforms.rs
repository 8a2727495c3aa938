//! `fanclub run`: the bot on every platform whose token is set.
//!
//! Each platform adapter is its own task, side by side under `tokio::select!`
//! with the shutdown signals. On SIGTERM/SIGINT the adapters stop taking
//! events and their deliverers drain the outbox for up to
//! `delivery.shutdown_grace_seconds`. Adapters retry whatever fails and are not meant
//! to end; if one does, the process says which one and exits with an error so
//! that a supervisor restarts it, rather than running on half deaf. Telegram
//! and Discord share one club and one store; the club's timers run once
//! (in the Telegram adapter when it runs, else in Discord's). With no
//! platform token, plain `fanclub` runs the console instead (the quick
//! start), while `fanclub run` exits with an error naming the variables: a
//! service whose environment file lost its token must not end quietly with
//! status 0, nor read a console from /dev/null.

use std::process::ExitCode;

use anyhow::Context as _;
use tokio::task::JoinHandle;

use crate::app;
use crate::config::{Secrets, Settings};
use crate::discord::{self, Discord};
use crate::lang::Lang;
use crate::telegram::{Telegram, Tuning};

/// One running platform adapter.
struct Adapter {
    name: &'static str,
    task: JoinHandle<anyhow::Result<()>>,
}

/// Why `run` stopped.
enum Stopped {
    /// SIGINT or SIGTERM: a normal shutdown.
    Signal,
    /// A platform adapter ended; it should not have.
    Platform(
        &'static str,
        Result<anyhow::Result<()>, tokio::task::JoinError>,
    ),
}

/// What to do when no platform token is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum NoToken {
    /// Plain `fanclub`: open the console.
    Console,
    /// `fanclub run`: the operator asked for the platforms; fail.
    Fail,
}

/// Runs the platforms whose tokens are set; without one, the console or an
/// error, as `no_token` says.
pub(super) async fn run(
    settings: &Settings,
    database: &str,
    lang: Option<Lang>,
    no_token: NoToken,
) -> anyhow::Result<ExitCode> {
    let secrets = Secrets::from_env();
    if !secrets.any_platform() {
        match no_token {
            NoToken::Console => return super::console(settings, database, lang).await,
            NoToken::Fail => anyhow::bail!(
                "no platform token: `fanclub run` needs TELEGRAM_BOT_TOKEN or DISCORD_TOKEN (or both) \
                 in the environment or in .env ({}); for the local console run `fanclub console`",
                env_file_note()
            ),
        }
    }
    let store = app::open_service_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    let health = crate::ops::http::Platforms::default();
    let services = app::start_services(settings, &store, health.clone()).await?;
    let (stop, stopping) = tokio::sync::watch::channel(false);
    let until_stopped = move || {
        let mut stopping = stopping.clone();
        async move {
            let _ = stopping.wait_for(|stop| *stop).await;
        }
    };
    let mut adapters = Vec::new();
    let mut grace = std::time::Duration::ZERO;
    if let Some(token) = secrets.telegram_bot_token.as_ref() {
        let tuning = Tuning::from_settings(&settings.telegram).with_delivery(&settings.delivery);
        grace = grace.max(tuning.shutdown_grace);
        let telegram = Telegram::new(club.clone(), settings.telegram.clone(), token, tuning)
            .context("setting up the Telegram adapter")?;
        let stopped = until_stopped();
        let up = health.clone();
        up.set("telegram", true);
        adapters.push(Adapter {
            name: "telegram",
            task: tokio::spawn(async move {
                let ended = telegram.run_until(stopped).await;
                up.set("telegram", false);
                Ok(ended?)
            }),
        });
    }
    if let Some(token) = secrets.discord_token.as_ref() {
        let tuning = discord::Tuning {
            // The Telegram adapter runs the club's timers when it runs.
            timers: secrets.telegram_bot_token.is_none(),
            ..discord::Tuning::default()
        }
        .with_delivery(&settings.delivery);
        grace = grace.max(tuning.shutdown_grace);
        let discord = Discord::new(club.clone(), settings.discord.clone(), token, tuning);
        let stopped = until_stopped();
        let up = health.clone();
        up.set("discord", true);
        adapters.push(Adapter {
            name: "discord",
            task: tokio::spawn(async move {
                let ended = discord.run_until(stopped).await;
                up.set("discord", false);
                Ok(ended?)
            }),
        });
    }
    let names: Vec<&str> = adapters.iter().map(|adapter| adapter.name).collect();
    app::log_start(settings, &club, &names, database);
    let reloader = tokio::spawn(app::reload_on_hangup(club));
    let first_to_end = futures_first(&mut adapters);
    let stopped = tokio::select! {
        (name, result) = first_to_end => Stopped::Platform(name, result),
        () = shutdown_signal() => Stopped::Signal,
    };
    // The deliverers drain the outbox for up to the grace period; what is
    // left goes after the next start.
    let _ = stop.send(true);
    let bound = grace + std::time::Duration::from_secs(5);
    for adapter in &mut adapters {
        if adapter.task.is_finished() {
            continue;
        }
        if tokio::time::timeout(bound, &mut adapter.task)
            .await
            .is_err()
        {
            tracing::warn!(platform = adapter.name, "the adapter did not stop in time");
        }
        adapter.task.abort();
    }
    reloader.abort();
    for service in services {
        service.abort();
    }
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
            Err(error).context(format!("the {platform} adapter stopped"))
        }
        Stopped::Platform(platform, Err(error)) => {
            Err(error).with_context(|| format!("the {platform} adapter crashed"))
        }
    }
}

/// Whether a `.env` file was found, for the no-token message.
fn env_file_note() -> String {
    match std::env::current_dir().map(|dir| dir.join(".env")) {
        Ok(path) if path.is_file() => format!("{} was read and sets neither", path.display()),
        _ => "no .env file in the working directory".to_owned(),
    }
}

/// The first adapter task to end, with its name and outcome.
async fn futures_first(
    adapters: &mut [Adapter],
) -> (
    &'static str,
    Result<anyhow::Result<()>, tokio::task::JoinError>,
) {
    std::future::poll_fn(|cx| {
        for adapter in adapters.iter_mut() {
            if let std::task::Poll::Ready(result) = std::pin::Pin::new(&mut adapter.task).poll(cx) {
                return std::task::Poll::Ready((adapter.name, result));
            }
        }
        std::task::Poll::Pending
    })
    .await
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
