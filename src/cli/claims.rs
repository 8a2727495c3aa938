//! `fanclub claims export --state approved [--csv]`: what fulfilment needs.
//!
//! The CSV is opened in spreadsheets, and member-controlled text (names,
//! notes, addresses) that starts with `=`, `+`, `-`, `@`, a tab or a
//! carriage return would be read as a formula there: every cell that does
//! gets a leading `'` (the OWASP advice for CSV injection). Times are shown
//! in the club's time zone (`points.time_zone`). The first eight columns
//! are the README's contract; newer ones are added at the end.

use std::process::ExitCode;

use anyhow::{Context as _, bail};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::ClaimsCommand;
use crate::app;
use crate::config::Settings;
use crate::store::claims::{ClaimState, ExportRow};

const HEADER: [&str; 13] = [
    "claim",
    "sku",
    "member",
    "contact",
    "state",
    "decided_at",
    "note",
    "tracking",
    "created_at",
    "shipped_at",
    "options",
    "address",
    "accounts",
];

pub(super) async fn run(
    settings: &Settings,
    database: &str,
    command: ClaimsCommand,
) -> anyhow::Result<ExitCode> {
    let ClaimsCommand::Export { state, csv } = command;
    let Some(state) = read_state(&state) else {
        bail!(
            "unknown claim state `{state}`: use reserved (or pending), approved, shipped (or fulfilled), rejected, cancelled or expired"
        );
    };
    // Reads only: a mistyped path is an error, not a new empty database.
    let store = app::open_store_read_only(settings, database).await?;
    let rows = store.export_claims(state).await.context("reading claims")?;
    store.close().await;
    let zone = settings.points.zone();
    let output = if csv {
        to_csv(&rows, zone)?
    } else {
        to_list(&rows, zone)
    };
    print!("{output}");
    Ok(ExitCode::SUCCESS)
}

/// A state as members read it (`reserved`, `shipped`) or as it is stored.
fn read_state(name: &str) -> Option<ClaimState> {
    match name {
        "reserved" => Some(ClaimState::Pending),
        "shipped" => Some(ClaimState::Fulfilled),
        other => ClaimState::parse(other),
    }
}

/// `2026-06-01 14:05` in the club's time zone.
fn local(at: Option<DateTime<Utc>>, zone: Tz) -> String {
    at.map(|at| at.with_timezone(&zone).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_default()
}

fn fields(row: &ExportRow, zone: Tz) -> [String; 13] {
    let options: Vec<String> = row
        .options
        .iter()
        .map(|(option, value)| format!("{option}={value}"))
        .collect();
    [
        row.claim.to_string(),
        row.sku.clone(),
        row.member.clone(),
        row.contact.clone(),
        row.state.clone(),
        local(row.decided_at, zone),
        row.note.clone().unwrap_or_default(),
        row.tracking.clone().unwrap_or_default(),
        local(Some(row.created_at), zone),
        local(row.fulfilled_at, zone),
        options.join("; "),
        row.address.clone().unwrap_or_default(),
        row.handles.clone(),
    ]
}

/// A cell a spreadsheet cannot mistake for a formula.
fn defused(cell: String) -> String {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{cell}")
    } else {
        cell
    }
}

fn to_csv(rows: &[ExportRow], zone: Tz) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        writer.write_record(fields(row, zone).map(defused))?;
    }
    let bytes = writer.into_inner().context("finishing the CSV")?;
    Ok(String::from_utf8(bytes)?)
}

fn to_list(rows: &[ExportRow], zone: Tz) -> String {
    if rows.is_empty() {
        return "no claims in that state\n".to_owned();
    }
    rows.iter()
        .map(|row| {
            let [
                claim,
                sku,
                member,
                _contact,
                state,
                decided,
                note,
                tracking,
                created,
                shipped,
                options,
                address,
                accounts,
            ] = fields(row, zone);
            let mut line = format!("#{claim} {sku}");
            if !options.is_empty() {
                line.push_str(&format!(" ({options})"));
            }
            line.push_str(&format!(
                " for {member} ({accounts}), {} since {}",
                readable_state(&state),
                if decided.is_empty() {
                    &created
                } else {
                    &decided
                }
            ));
            for (label, value) in [("note", note), ("tracking", tracking), ("shipped", shipped)] {
                if !value.is_empty() {
                    line.push_str(&format!(", {label}: {value}"));
                }
            }
            if !address.is_empty() {
                line.push_str(&format!("\n    address: {}", address.replace('\n', ", ")));
            }
            line.push('\n');
            line
        })
        .collect()
}

/// The state as `/claims` words it.
fn readable_state(stored: &str) -> &str {
    match stored {
        "pending" => "reserved",
        "fulfilled" => "shipped",
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_a_spreadsheet_would_run_as_formulas_are_defused() {
        for bad in ["=cmd|' /C calc'!A0", "+1", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert_eq!(defused(bad.to_owned()), format!("'{bad}"));
        }
        assert_eq!(defused("Anna".to_owned()), "Anna");
        assert_eq!(defused(String::new()), "");
    }

    #[test]
    fn states_are_read_by_the_words_members_see_or_as_stored() {
        assert_eq!(read_state("reserved"), Some(ClaimState::Pending));
        assert_eq!(read_state("pending"), Some(ClaimState::Pending));
        assert_eq!(read_state("shipped"), Some(ClaimState::Fulfilled));
        assert_eq!(read_state("fulfilled"), Some(ClaimState::Fulfilled));
        assert_eq!(read_state("lost"), None);
    }
}
