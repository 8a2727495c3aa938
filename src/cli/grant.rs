//! `fanclub grant --csv FILE [--dry-run]`: moderator grants in bulk.
//!
//! The file has one grant per row, `member,points,reason`, with an
//! optional header row that may add the columns `date` and `id` (see the
//! README). The whole file is checked first and every problem reported by
//! row and column; only a file without problems is booked, in one
//! transaction. Each row is its own booking (its key is its id, or what it
//! books plus how often that came before in the file), so importing a
//! file again, corrected or with rows added, books only the rows not
//! booked before, and says which it skipped.

use std::fmt::Write as _;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;

use super::sheet::{self, Layout, Sheet};
use crate::app;
use crate::club::grants::{BatchReport, GrantRow, RowOutcome, column};
use crate::config::Settings;

/// The columns of a grant file.
const LAYOUT: Layout = Layout {
    known: &[
        column::MEMBER,
        column::POINTS,
        column::REASON,
        column::DATE,
        column::ID,
    ],
    positional: &[column::MEMBER, column::POINTS, column::REASON],
    required: &[column::MEMBER, column::POINTS],
    rest: Some(column::REASON),
};

pub(super) async fn run(
    settings: &Settings,
    database: &str,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let sheet = sheet::read(&content, &LAYOUT);
    let rows = rows_of(&sheet);
    let store = app::open_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    // A file that could not be read cleanly is still checked row by row,
    // so every problem is reported at once; nothing is written.
    let check_only = dry_run || !sheet.problems.is_empty();
    let report = club
        .grant_batch(&rows, check_only)
        .await
        .context("granting points")?;
    store.close().await;
    print!("{}", describe(&sheet, &report, dry_run));
    Ok(if report.failed() || !sheet.problems.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn rows_of(sheet: &Sheet) -> Vec<GrantRow> {
    sheet
        .rows
        .iter()
        .map(|row| GrantRow {
            line: row.row,
            member: row.get(column::MEMBER).to_owned(),
            amount: row.get(column::POINTS).to_owned(),
            reason: row.get(column::REASON).to_owned(),
            date: row.optional(column::DATE),
            id: row.optional(column::ID),
        })
        .collect()
}

fn describe(sheet: &Sheet, report: &BatchReport, dry_run: bool) -> String {
    let mut text = format!("cells separated by {}\n", sheet.separator_name());
    for problem in &sheet.problems {
        let _ = writeln!(text, "{problem}");
    }
    let booking = if dry_run { "would book" } else { "ok" };
    for row in &report.rows {
        match &row.outcome {
            RowOutcome::Book(grant) => {
                let _ = writeln!(
                    text,
                    "row {}: {booking}: {:+} to {} ({})",
                    row.line, grant.points, grant.name, grant.reason
                );
            }
            RowOutcome::AlreadyBooked(grant) => {
                let _ = writeln!(
                    text,
                    "row {}: skipped, already booked: {:+} to {} ({})",
                    row.line, grant.points, grant.name, grant.reason
                );
            }
            RowOutcome::Problems(problems) => {
                for problem in problems {
                    let _ = writeln!(
                        text,
                        "{}: {}",
                        sheet.at(row.line, problem.column),
                        problem.message
                    );
                }
            }
        }
    }
    let rows = report.rows.len();
    let problems = report.problems();
    let skipped = report.already_booked;
    let _ = writeln!(
        text,
        "{}",
        if !sheet.problems.is_empty() || problems > 0 {
            let file = sheet.problems.len();
            let counted = if file > 0 {
                format!("{problems} with problems and {file} problems of the file")
            } else {
                format!("{problems} with problems")
            };
            format!("{rows} rows, {counted}: nothing was written.")
        } else if let Some((line, why)) = &report.rolled_back {
            format!(
                "{}: {why}. The whole file was rolled back: nothing was written.",
                sheet.at(*line, Some(column::POINTS))
            )
        } else if dry_run {
            format!(
                "{rows} rows, no problems (dry run: nothing was written): {} to book, {skipped} already booked.",
                rows - skipped
            )
        } else {
            format!(
                "{rows} rows: {} booked, {skipped} already booked by an earlier import (skipped).",
                report.booked
            )
        },
    );
    text
}
