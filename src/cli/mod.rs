//! The `fanclub` command line.

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use clap::{Parser, Subcommand};

mod check;
mod claims;
mod faq;
mod grant;
mod members;
mod platforms;
mod sheet;

use crate::app;
use crate::config::{Loaded, Settings};
use crate::console::Console;
use crate::lang::Lang;
use crate::store::FileCheck;

/// A fan club bot for Discord and Telegram, with a local console chat.
#[derive(Debug, Parser)]
#[command(name = "fanclub", version, about)]
pub struct Cli {
    /// Settings file to read over the defaults, instead of config/local.toml.
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,

    /// SQLite database URL, e.g. sqlite://data/fanclub.db or sqlite::memory:.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "DATABASE_URL",
        hide_env_values = true
    )]
    pub database: Option<String>,

    /// Language of the console's members: de or en.
    #[arg(long, global = true, value_name = "LANG")]
    pub lang: Option<Lang>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot on the platforms whose tokens are set; without any token
    /// it exits with an error (plain `fanclub` opens the console instead).
    Run,
    /// Chat with the bot on stdin/stdout.
    Console,
    /// Validate the configuration without starting anything.
    CheckConfig,
    /// Check the file (SQLite's quick_check) and the store's invariants;
    /// exits non-zero when one fails. Reads only: a missing database is an
    /// error, never created.
    Doctor {
        /// SQLite's full integrity_check instead of quick_check: also every
        /// index against its table (minutes on a large club).
        #[arg(long)]
        full: bool,
    },
    /// Write a consistent copy of the database to FILE (also while the bot
    /// runs), check it with the doctor (quick_check and the invariants) and
    /// print its size.
    Backup {
        /// The copy to write; it must not exist yet.
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Grant points from a CSV file of `member,points,reason` rows (a header
    /// may add `date` and `id`); every row is checked before anything is
    /// written, and rows booked before are skipped.
    Grant {
        /// The CSV file. `member` is `platform:username` or `#id`; `points`
        /// a whole number or a grant category; `reason` optional for categories.
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Check and report every row, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Members' "fan since" dates and names from a CSV file.
    Members {
        #[command(subcommand)]
        command: MembersCommand,
    },
    /// Shop claims for fulfilment.
    Claims {
        #[command(subcommand)]
        command: ClaimsCommand,
    },
    /// Ask, check and evaluate the FAQ without the chat.
    Faq {
        #[command(subcommand)]
        command: FaqCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Set "fan since" dates and display names from a CSV file of
    /// `platform,id,name,fan_since` rows; every row is checked before
    /// anything is written.
    Import {
        /// The CSV file: `platform` is telegram, discord or console, `id`
        /// the account's id there, `fan_since` a date (2021-03-01 or
        /// 01.03.2021); `name` and `fan_since` may be empty.
        #[arg(long, value_name = "FILE")]
        csv: PathBuf,
        /// Check and report every row, write nothing.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClaimsCommand {
    /// What fulfilment needs of the claims in one state: claim, item, name,
    /// where to reach the member, dates and notes. No other personal data.
    Export {
        /// reserved (or pending), approved, shipped (or fulfilled), rejected,
        /// cancelled or expired.
        #[arg(long, default_value = "approved")]
        state: String,
        /// Write CSV (with a header row) instead of a readable list.
        #[arg(long)]
        csv: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum FaqCommand {
    /// Answer one question, or one per line of stdin. Reads only the FAQ
    /// file: it never opens (or writes) the database.
    Ask {
        /// FAQ file instead of the configured `faq.path`.
        #[arg(long, value_name = "PATH")]
        faq: Option<PathBuf>,
        /// One JSON object per answer, one per line.
        #[arg(long)]
        json: bool,
        /// The question; without it, questions are read from stdin.
        #[arg(value_name = "QUESTION", num_args = 0.., trailing_var_arg = true)]
        question: Vec<String>,
    },
    /// Validate a FAQ file.
    Check {
        #[arg(value_name = "PATH")]
        path: PathBuf,
    },
    /// Measure the search on an evaluation set.
    Eval {
        /// FAQ file instead of the configured `faq.path`.
        #[arg(long, value_name = "PATH")]
        faq: Option<PathBuf>,
        /// Evaluation set: this repository's split format or a
        /// `[[query]]` list (`text`, `lang`, `expect`; empty for none).
        #[arg(
            long,
            alias = "set",
            value_name = "PATH",
            default_value = "tests/data/faq_eval.toml"
        )]
        questions: PathBuf,
        /// The figures as one JSON object instead of text.
        #[arg(long)]
        json: bool,
        /// Keep only the first N alternatives per entry and language (the
        /// shipped FAQ thinned to what operators usually write).
        #[arg(long, value_name = "N")]
        thin: Option<usize>,
        /// Only one split of the set: dev, holdout, fresh, blind, probe,
        /// gate, curate, sealed or sealed2 (dev is what the search was
        /// tuned on; the sealed ones were written blind to it).
        #[arg(long, value_name = "NAME")]
        split: Option<String>,
    },
}

/// Runs the command line.
pub async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Loaded { settings, files } = Settings::load(cli.config.as_deref())?;
    crate::ops::logging::init(&settings.log);
    let database = app::database_url(&settings, cli.database.as_deref());
    if !matches!(cli.command, Some(Command::CheckConfig)) {
        crate::store::check_scheme(&database)?;
    }
    let Some(command) = cli.command else {
        // Plain `fanclub`: the platforms whose tokens are set, else the
        // console (the quick start). `fanclub run` insists on a platform.
        return platforms::run(&settings, &database, cli.lang, platforms::NoToken::Console).await;
    };
    match command {
        Command::CheckConfig => check::run(&settings, &files, &database),
        Command::Doctor { full } => doctor(&settings, &database, full).await,
        Command::Backup { file } => backup(&settings, &database, &file).await,
        Command::Faq { command } => faq::run(&settings, command),
        Command::Claims { command } => claims::run(&settings, &database, command).await,
        Command::Grant { csv, dry_run } => grant::run(&settings, &database, &csv, dry_run).await,
        Command::Members {
            command: MembersCommand::Import { csv, dry_run },
        } => members::import(&settings, &database, &csv, dry_run).await,
        Command::Console => console(&settings, &database, cli.lang).await,
        Command::Run => {
            platforms::run(&settings, &database, cli.lang, platforms::NoToken::Fail).await
        }
    }
}

/// `doctor [--full]`: the store's invariants, read-only. Its first check is
/// SQLite's `quick_check`, or with `--full` the `integrity_check` that also
/// holds every index to its table (103 s of a 234 s run at ten million
/// ledger rows, docs/performance.md); a damaged file is reported alone.
async fn doctor(settings: &Settings, database: &str, full: bool) -> anyhow::Result<ExitCode> {
    let file = if full {
        FileCheck::Full
    } else {
        FileCheck::Quick
    };
    let store = app::open_store_read_only(settings, database).await?;
    let report = store.doctor_with(file).await.context("checking the store");
    store.close().await;
    let report = report?;
    println!("{report}");
    Ok(if report.is_healthy() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// `backup FILE`: a consistent copy, checked, with its size.
async fn backup(
    settings: &Settings,
    database: &str,
    file: &std::path::Path,
) -> anyhow::Result<ExitCode> {
    let store = app::open_store_read_only(settings, database).await?;
    let made = crate::ops::backup::make(&store, file).await;
    store.close().await;
    println!("{}", made?);
    Ok(ExitCode::SUCCESS)
}

async fn console(
    settings: &Settings,
    database: &str,
    lang: Option<Lang>,
) -> anyhow::Result<ExitCode> {
    let store = app::open_service_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    let services = app::start_services(settings, &store, Default::default()).await?;
    app::log_start(settings, &club, &["console"], database);
    let reloader = tokio::spawn(app::reload_on_hangup(club.clone()));
    let lang = lang.unwrap_or(settings.club.default_language);
    let console = Console::new(club, settings.console.clone(), lang)
        .with_export_dir(settings.privacy.export_dir.clone());
    if std::io::stdin().is_terminal() {
        eprintln!(
            "fanclub console ({lang}) on {database}. Type lines like `alice: /help`, \
             `mod: /grant @alice 50 beta test`, `alice > #3: danke`; Ctrl-D ends."
        );
    }
    let input = tokio::io::BufReader::new(tokio::io::stdin());
    console
        .run(input, tokio::io::stdout())
        .await
        .context("running the console")?;
    reloader.abort();
    for service in services {
        service.abort();
    }
    store.close().await;
    Ok(ExitCode::SUCCESS)
}
