//! `fanclub claims export --state approved [--csv]`: what fulfilment needs.

use std::process::ExitCode;

use anyhow::{Context as _, bail};

use super::ClaimsCommand;
use crate::app;
use crate::config::Settings;
use crate::store::claims::{ClaimState, ExportRow};

const HEADER: [&str; 8] = [
    "claim",
    "sku",
    "member",
    "contact",
    "state",
    "decided_at",
    "note",
    "tracking",
];

pub(super) async fn run(
    settings: &Settings,
    database: &str,
    command: ClaimsCommand,
) -> anyhow::Result<ExitCode> {
    let ClaimsCommand::Export { state, csv } = command;
    let Some(state) = ClaimState::parse(&state) else {
        bail!(
            "unknown claim state `{state}`: use pending, approved, rejected, cancelled, expired or fulfilled"
        );
    };
    let store = app::open_store(settings, database).await?;
    let rows = store.export_claims(state).await.context("reading claims")?;
    store.close().await;
    let output = if csv { to_csv(&rows)? } else { to_list(&rows) };
    print!("{output}");
    Ok(ExitCode::SUCCESS)
}

fn fields(row: &ExportRow) -> [String; 8] {
    [
        row.claim.to_string(),
        row.sku.clone(),
        row.member.clone(),
        row.contact.clone(),
        row.state.clone(),
        row.decided_at.map(|at| at.to_rfc3339()).unwrap_or_default(),
        row.note.clone().unwrap_or_default(),
        row.tracking.clone().unwrap_or_default(),
    ]
}

fn to_csv(rows: &[ExportRow]) -> anyhow::Result<String> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(HEADER)?;
    for row in rows {
        writer.write_record(fields(row))?;
    }
    let bytes = writer.into_inner().context("finishing the CSV")?;
    Ok(String::from_utf8(bytes)?)
}

fn to_list(rows: &[ExportRow]) -> String {
    if rows.is_empty() {
        return "no claims in that state\n".to_owned();
    }
    rows.iter()
        .map(|row| {
            let [claim, sku, member, contact, state, decided, note, tracking] = fields(row);
            format!(
                "#{claim} {sku} for {member} ({contact}), {state} {decided} {note} {tracking}\n"
            )
        })
        .collect()
}
