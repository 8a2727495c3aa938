//! `fanclub members import --csv FILE [--dry-run]`: "fan since" dates and
//! display names for members, by their platform accounts.
//!
//! The file has one account per row, `platform,id,name,fan_since`, with an
//! optional header row (see the README). As with grant files, the whole
//! file is checked first and every problem named by row and column; only
//! a file without problems is written, in one transaction; importing it
//! again changes nothing.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::sheet::{self, Layout, Sheet};
use crate::app;
use crate::club::roster::{ImportReport, MemberOutcome, MemberRow, column};
use crate::config::Settings;
use crate::store::members::Imported;

/// The columns of a members file.
const LAYOUT: Layout = Layout {
    known: &[
        column::PLATFORM,
        column::ID,
        column::NAME,
        column::FAN_SINCE,
    ],
    positional: &[
        column::PLATFORM,
        column::ID,
        column::NAME,
        column::FAN_SINCE,
    ],
    required: &[column::PLATFORM, column::ID],
    rest: None,
};

pub(super) async fn import(
    settings: &Settings,
    database: &str,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let sheet = sheet::read(&content, &LAYOUT);
    let rows: Vec<MemberRow> = sheet
        .rows
        .iter()
        .map(|row| MemberRow {
            line: row.row,
            platform: row.get(column::PLATFORM).to_owned(),
            id: row.get(column::ID).to_owned(),
            name: row.optional(column::NAME),
            fan_since: row.optional(column::FAN_SINCE),
        })
        .collect();
    let store = app::open_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    let check_only = dry_run || !sheet.problems.is_empty();
    let report = club
        .import_members(&rows, check_only)
        .await
        .context("importing members")?;
    store.close().await;
    print!("{}", describe(&sheet, &report, dry_run));
    Ok(if report.problems() > 0 || !sheet.problems.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn describe(sheet: &Sheet, report: &ImportReport, dry_run: bool) -> String {
    let mut text = format!("cells separated by {}\n", sheet.separator_name());
    for problem in &sheet.problems {
        let _ = writeln!(text, "{problem}");
    }
    let (mut created, mut updated, mut unchanged) = (0, 0, 0);
    for row in &report.rows {
        match &row.outcome {
            MemberOutcome::Problems(problems) => {
                for problem in problems {
                    let _ = writeln!(
                        text,
                        "{}: {}",
                        sheet.at(row.line, problem.column),
                        problem.message
                    );
                }
            }
            MemberOutcome::Done(import, imported) => {
                let mut what = Vec::new();
                if let Some((day, _)) = import.fan_since {
                    what.push(format!("fan since {day}"));
                }
                if let Some(name) = &import.name {
                    what.push(format!("name {name}"));
                }
                let account = format!("{}:{}", import.platform, import.external_id);
                let done = match imported {
                    Imported::Created(id) => {
                        created += 1;
                        format!("new member #{}", id.0)
                    }
                    Imported::Updated(id) => {
                        updated += 1;
                        format!("member #{}", id.0)
                    }
                    Imported::Unchanged(id) => {
                        unchanged += 1;
                        format!("member #{}, unchanged", id.0)
                    }
                    Imported::Unseen => {
                        created += 1;
                        "not seen yet, would be created".to_owned()
                    }
                };
                let _ = writeln!(
                    text,
                    "row {}: {account} ({done}): {}",
                    row.line,
                    what.join(", ")
                );
            }
        }
    }
    let rows = report.rows.len();
    let problems = report.problems();
    let _ = writeln!(
        text,
        "{}",
        if problems > 0 || !sheet.problems.is_empty() {
            format!(
                "{rows} rows, {problems} with problems{}: nothing was written.",
                if sheet.problems.is_empty() {
                    String::new()
                } else {
                    format!(" and {} problems of the file", sheet.problems.len())
                }
            )
        } else if dry_run {
            format!(
                "{rows} rows, no problems (dry run: nothing was written): {created} new, {updated} to update, {unchanged} unchanged."
            )
        } else {
            format!("{rows} rows: {created} new, {updated} updated, {unchanged} unchanged.")
        }
    );
    text
}
