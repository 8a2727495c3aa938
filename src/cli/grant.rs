//! `fanclub grant --csv FILE [--dry-run]`: moderator grants in bulk.
//!
//! The file has one grant per row, `member,points,reason`, with an optional
//! header row. Every row is checked first and reported by line; only when
//! all rows are fine (and it is no dry run) are they booked. Each row's
//! idempotency key is derived from the file's content, so importing the same
//! file twice books it once.

use std::path::Path;
use std::process::ExitCode;

use anyhow::Context as _;
use sha2::{Digest, Sha256};

use crate::app;
use crate::club::grants::{BatchReport, GrantRow};
use crate::config::Settings;

pub(super) async fn run(
    settings: &Settings,
    database: &str,
    path: &Path,
    dry_run: bool,
) -> anyhow::Result<ExitCode> {
    let content = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
    let rows = read_rows(&content).with_context(|| format!("reading {} as CSV", path.display()))?;
    let store = app::open_store(settings, database).await?;
    let club = app::club(store.clone(), settings).await?;
    let report = club
        .grant_batch(&rows, &file_key(&content), dry_run)
        .await
        .context("granting points")?;
    store.close().await;
    print!("{}", describe(&report, dry_run));
    Ok(if report.problems() == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The rows of the file; a first row starting with `member` is a header.
fn read_rows(content: &[u8]) -> anyhow::Result<Vec<GrantRow>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(content);
    let mut rows = Vec::new();
    for (index, record) in reader.records().enumerate() {
        let record = record?;
        let line = record
            .position()
            .map_or(index + 1, |position| position.line() as usize);
        let field = |i: usize| record.get(i).unwrap_or_default().to_owned();
        if index == 0 && field(0).eq_ignore_ascii_case("member") {
            continue;
        }
        if record.iter().all(str::is_empty) {
            continue;
        }
        rows.push(GrantRow {
            line,
            member: field(0),
            amount: field(1),
            // A reason may contain commas even when not quoted.
            reason: record.iter().skip(2).collect::<Vec<_>>().join(", "),
        });
    }
    Ok(rows)
}

/// A short fingerprint of the file's content.
fn file_key(content: &[u8]) -> String {
    let digest = Sha256::digest(content);
    digest
        .iter()
        .take(12)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

fn describe(report: &BatchReport, dry_run: bool) -> String {
    let mut text = String::new();
    for row in &report.rows {
        match &row.outcome {
            Ok(grant) => text.push_str(&format!(
                "line {}: ok: {:+} to {} ({})\n",
                row.line, grant.points, grant.name, grant.reason
            )),
            Err(problem) => text.push_str(&format!("line {}: {problem}\n", row.line)),
        }
    }
    let problems = report.problems();
    let rows = report.rows.len();
    text.push_str(&if problems > 0 {
        format!("{rows} rows, {problems} with problems: nothing was written.\n")
    } else if dry_run {
        format!("{rows} rows, no problems (dry run: nothing was written).\n")
    } else {
        format!(
            "{rows} rows: {} booked, {} already booked by an earlier import of this file.\n",
            report.booked, report.already_booked
        )
    });
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_header_is_skipped_and_reasons_may_contain_commas() {
        let rows = read_rows(
            b"member,points,reason\nconsole:alice, 50 ,Beta test, round 2\n\n#3,survey\n",
        )
        .unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].member, "console:alice");
        assert_eq!(rows[0].amount, "50");
        assert_eq!(rows[0].reason, "Beta test, round 2");
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[1].amount, "survey");
        assert_eq!(rows[1].reason, "");
    }

    #[test]
    fn the_same_content_gives_the_same_key() {
        assert_eq!(file_key(b"a,1,x"), file_key(b"a,1,x"));
        assert_ne!(file_key(b"a,1,x"), file_key(b"a,2,x"));
    }
}
