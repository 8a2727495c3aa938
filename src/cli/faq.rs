//! `fanclub faq …`: the FAQ search without the chat, for operators checking
//! their file and for measuring the search. None of it opens the database.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context as _;

use super::FaqCommand;
use crate::config::Settings;
use crate::faq::{FaqBook, FaqIndex, Outcome, SearchResult, eval, semantic};
use crate::lang::Lang;

pub(super) fn run(settings: &Settings, command: FaqCommand) -> anyhow::Result<ExitCode> {
    match command {
        FaqCommand::Ask {
            faq,
            json,
            question,
        } => {
            let index = index(settings, faq.as_deref())?;
            ask(&index, json, &question.join(" "))
        }
        FaqCommand::Check { path } => check(settings, &path),
        FaqCommand::Eval {
            faq,
            questions,
            json,
            thin,
            split,
        } => {
            let started = Instant::now();
            let index = index_thinned(settings, faq.as_deref(), thin)?;
            eprintln!(
                "index built in {:.1} s{}",
                started.elapsed().as_secs_f32(),
                if index.has_meaning() {
                    ""
                } else {
                    " (words only: no sentence model)"
                }
            );
            let set = eval::load_eval_set(&questions)
                .with_context(|| format!("reading {}", questions.display()))?;
            let set = match split
                .as_deref()
                .map(|name| (name, eval::Split::parse(name)))
            {
                None => set,
                Some((_, Some(split))) => set.split(split),
                Some((name, None)) => {
                    anyhow::bail!(
                        "unknown split `{name}`: use one of {}",
                        eval::Split::names()
                    )
                }
            };
            let report = eval::evaluate_with_progress(&index, &set, progress());
            if json {
                println!("{}", report.to_json());
            } else {
                println!("{report}");
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Reports `done/total` on stderr every ten seconds and at the end.
fn progress() -> impl FnMut(usize, usize) {
    let started = Instant::now();
    let mut last = Instant::now();
    move |done, total| {
        if done == total || last.elapsed() >= Duration::from_secs(10) {
            last = Instant::now();
            eprintln!(
                "{done}/{total} questions ({:.0} s)",
                started.elapsed().as_secs_f32()
            );
        }
    }
}

/// The index of `path`, or of the configured FAQ, without learned phrasings.
fn index(settings: &Settings, path: Option<&Path>) -> anyhow::Result<FaqIndex> {
    index_thinned(settings, path, None)
}

/// [`index`], keeping at most `thin` alternatives per entry and language.
fn index_thinned(
    settings: &Settings,
    path: Option<&Path>,
    thin: Option<usize>,
) -> anyhow::Result<FaqIndex> {
    let path: PathBuf = path.map_or_else(|| settings.faq.path.clone(), Path::to_path_buf);
    let book = load(settings, &path)?;
    let book = match thin {
        Some(alternatives) => book.thinned(alternatives),
        None => book,
    };
    let embedder = semantic::configured(&settings.faq.model, &settings.faq.cache_dir);
    Ok(FaqIndex::build(
        book,
        &[],
        settings.faq.search_settings(),
        embedder,
    ))
}

/// Reads a FAQ file with its placeholders rendered from the settings (and
/// the shop catalog, when it loads).
fn load(settings: &Settings, path: &Path) -> anyhow::Result<FaqBook> {
    let catalog = crate::shop::Catalog::load(&settings.shop.catalog).ok();
    let values = crate::faq::setting_values(&settings.points, catalog.as_ref());
    Ok(FaqBook::load(path)?.render(&values, &path.display().to_string())?)
}

/// Answers `question`, or every line of stdin when it is empty.
fn ask(index: &FaqIndex, json: bool, question: &str) -> anyhow::Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut answer = |question: &str| -> std::io::Result<()> {
        let result = index.search(question);
        let line = if json {
            result.to_json_line()
        } else {
            describe(&result)
        };
        writeln!(out, "{line}")
    };
    if !question.trim().is_empty() {
        answer(question)?;
        return Ok(ExitCode::SUCCESS);
    }
    for line in std::io::stdin().lock().lines() {
        answer(&line.context("reading questions from stdin")?)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// `answer reset-password (score 0.543)`, `suggest a, b (score …)`, `none (score …)`.
fn describe(result: &SearchResult) -> String {
    let decision = match &result.outcome {
        Outcome::Answer(id) => format!("answer {id}"),
        Outcome::Suggest(ids) => format!("suggest {}", ids.join(", ")),
        Outcome::None => "none".to_owned(),
    };
    format!("{decision} (score {:.3})", result.score)
}

fn check(settings: &Settings, path: &Path) -> anyhow::Result<ExitCode> {
    let book = load(settings, path)?;
    let in_lang = |lang: Lang| {
        book.entries()
            .iter()
            .filter(|entry| entry.text_in(lang).is_some())
            .count()
    };
    println!(
        "{}: {} entries ({} in German, {} in English): ok",
        path.display(),
        book.len(),
        in_lang(Lang::De),
        in_lang(Lang::En)
    );
    Ok(ExitCode::SUCCESS)
}
