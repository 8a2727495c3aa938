//! `fanclub check-config`: everything the bot would load, checked without
//! starting anything, every problem reported at once.
//!
//! The settings themselves were validated when they were loaded (a broken
//! settings file stops before this runs, naming file and key). Here: the
//! database URL's scheme, the shop catalog, the FAQ file, the sentence model
//! (present and the expected SHA-256), the places named in settings, and
//! whether claims needing approval reach a moderators' place on the
//! platforms that would run. Each problem is one `error:` line on stderr
//! naming the file, key or entry; the exit status is 1 when there is any.

use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use sha2::{Digest as _, Sha256};

use crate::club::model::Platform;
use crate::config::{Secrets, Settings};
use crate::faq::FaqBook;
use crate::faq::semantic::MODEL_SHA256;
use crate::shop::Catalog;

/// More points than any member could hold: an item costing more is a typo.
pub const MAX_SENSIBLE_COST: i64 = 1_000_000_000;

pub(super) fn run(
    settings: &Settings,
    files: &[PathBuf],
    database: &str,
) -> anyhow::Result<ExitCode> {
    let secrets = Secrets::from_env();
    let mut problems = Vec::new();
    if let Err(error) = crate::store::check_scheme(database) {
        problems.push(format!("database: {error}"));
    }
    let catalog = check_catalog(&settings.shop.catalog, &mut problems);
    let faq_entries = check_faq(&settings.faq.path, &mut problems);
    let model = check_model(&settings.faq.model, &mut problems);
    check_places(
        "club.support_channels",
        &settings.club.support_channels,
        &mut problems,
    );
    check_places(
        "recognition.welcome_channels",
        &settings.recognition.welcome_channels,
        &mut problems,
    );
    if let Some(catalog) = &catalog {
        let needing_approval: Vec<&str> = catalog
            .items()
            .iter()
            .filter(|item| item.requires_approval)
            .map(|item| item.sku.as_str())
            .collect();
        if let Err(error) = settings.check_approvals_reach_moderators(&secrets, &needing_approval) {
            problems.push(error.to_string());
        }
    }

    for problem in &problems {
        eprintln!("error: {problem}");
    }
    if problems.is_empty() {
        println!("configuration is valid");
    } else {
        println!(
            "configuration has {} problem{}",
            problems.len(),
            if problems.len() == 1 { "" } else { "s" }
        );
    }
    let set = |present: bool| if present { "set" } else { "not set" };
    println!(
        "files read: defaults{}",
        files
            .iter()
            .map(|file| format!(", {}", file.display()))
            .collect::<String>()
    );
    println!("database: {database}");
    println!("default language: {}", settings.club.default_language);
    println!(
        "console moderators: {}",
        settings.console.moderators.join(", ")
    );
    if let Some(entries) = faq_entries {
        println!("FAQ: {} ({entries} entries)", settings.faq.path.display());
    }
    if let Some(catalog) = &catalog {
        println!(
            "catalog: {} ({} items)",
            settings.shop.catalog.display(),
            catalog.items().len()
        );
    }
    println!("FAQ model: {model}");
    println!(
        "TELEGRAM_BOT_TOKEN: {}",
        set(secrets.telegram_bot_token.is_some())
    );
    println!("DISCORD_TOKEN: {}", set(secrets.discord_token.is_some()));
    if let Ok(places) = settings.moderators_places(&secrets) {
        let places: Vec<String> = places.iter().map(ToString::to_string).collect();
        println!("moderators' place: {}", places.join(", "));
    }
    Ok(if problems.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The catalog as the bot would load it, plus costs beyond any balance.
fn check_catalog(path: &Path, problems: &mut Vec<String>) -> Option<Catalog> {
    match Catalog::load(path) {
        Ok(catalog) => {
            for item in catalog.items() {
                if item.cost > MAX_SENSIBLE_COST {
                    problems.push(format!(
                        "shop.catalog: {}: item `{}`: cost {} is more than {MAX_SENSIBLE_COST} points",
                        path.display(),
                        item.sku,
                        item.cost
                    ));
                }
            }
            Some(catalog)
        }
        Err(error) => {
            problems.push(format!(
                "shop.catalog: {}",
                crate::club::error_chain(&error)
            ));
            None
        }
    }
}

/// The FAQ file as the bot would load it; its number of entries.
fn check_faq(path: &Path, problems: &mut Vec<String>) -> Option<usize> {
    match FaqBook::load(path) {
        Ok(book) => Some(book.entries().len()),
        Err(error) => {
            problems.push(format!("faq.path: {}", crate::club::error_chain(&error)));
            None
        }
    }
}

/// The sentence model: present and the expected file. What to print.
fn check_model(path: &Path, problems: &mut Vec<String>) -> String {
    if path.as_os_str().is_empty() {
        return "off (faq.model = \"\")".to_owned();
    }
    let digest = std::fs::File::open(path).and_then(|mut file| {
        let mut hasher = Sha256::new();
        let mut buffer = vec![0; 1 << 20];
        loop {
            let read = file.read(&mut buffer)?;
            if read == 0 {
                break;
            }
            hasher.update(&buffer[..read]);
        }
        Ok(hasher.finalize())
    });
    match digest {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            problems.push(format!(
                "faq.model: {} does not exist; run scripts/fetch-model, or set faq.model = \"\" to answer by spelling only",
                path.display()
            ));
            "missing".to_owned()
        }
        Err(error) => {
            problems.push(format!(
                "faq.model: cannot read {}: {error}",
                path.display()
            ));
            "unreadable".to_owned()
        }
        Ok(digest) => {
            let found: String = digest.iter().map(|byte| format!("{byte:02x}")).collect();
            if found == MODEL_SHA256 {
                format!("{} (sha256 ok)", path.display())
            } else {
                problems.push(format!(
                    "faq.model: {} is not the expected file (sha256 {found}); run scripts/fetch-model again",
                    path.display()
                ));
                "wrong file".to_owned()
            }
        }
    }
}

/// `"platform:place-id"` entries: a known platform and an id it can have.
fn check_places(key: &str, places: &[String], problems: &mut Vec<String>) {
    for entry in places {
        let Some((platform, id)) = entry.split_once(':') else {
            problems.push(format!("{key}: `{entry}` is not \"platform:place-id\""));
            continue;
        };
        let fits = match Platform::parse(platform) {
            Some(Platform::Telegram) => id.parse::<i64>().is_ok(),
            Some(Platform::Discord) => id.parse::<u64>().is_ok(),
            Some(Platform::Console) => !id.trim().is_empty(),
            Some(Platform::Cli) | None => {
                problems.push(format!(
                    "{key}: `{entry}`: unknown platform `{platform}` (console, telegram or discord)"
                ));
                continue;
            }
        };
        if !fits {
            problems.push(format!(
                "{key}: `{entry}`: `{id}` is not a {platform} place id"
            ));
        }
    }
}
