//! Moderator grants: points for activities off the chat (beta tests,
//! surveys, recommendations, events), one at a time with `/grant` or as a
//! batch from a CSV file with `fanclub grant --csv`.
//!
//! Both go through the same checks ([`check_amount`]): no zero, no more than
//! the configured limit, a reason, a known category, and debits only down to
//! a zero balance. A batch is checked completely before anything is written
//! (every problem of every row, by column) and booked in one transaction,
//! all rows or none. Each row is its own booking: its key is the operator's
//! id for it, or what it books (member, points, reason, day) and how many
//! equal rows came before it in the file. A file that failed, corrected or
//! grown, is imported again without paying anyone twice; rows booked under
//! the older whole-file keys are recognised by what they booked.

use std::collections::HashMap;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

use super::commands::{Amount, MemberRef, ParseError};
use super::error::{ClubError, Mistake};
use super::handlers::{points, resolve_member};
use super::i18n::{args, text};
use super::model::{MemberId, Platform};
use super::{Club, Context};
use crate::lang::Lang;
use crate::store::digests::EarnedKind;
use crate::store::grants::FileBooking;
use crate::store::ledger::{AuditNote, LedgerKind};
use crate::store::{IdentitySeen, MemberByName, Posting, PostingOutcome, StoreError};

/// Longest reason a grant may carry.
const MAX_REASON_CHARS: usize = 200;

/// Longest id a grant file's row may carry.
const MAX_ID_CHARS: usize = 100;

/// `/grant <member> <points> <reason…>`: a moderator credits or debits
/// points for something done off-chat. Debits stop at a zero balance.
pub(super) async fn grant(
    context: &Context<'_>,
    member: MemberRef,
    amount: Amount,
    reason: Option<String>,
) -> Result<String, ClubError> {
    let (amount, reason) = check_amount(context.club, amount, reason)?;
    let target = resolve_member(context, &member).await?;
    if target.id == context.member.id {
        return Err(Mistake::SelfGrant.into());
    }
    let posting = Posting {
        member: target.id,
        amount,
        kind: LedgerKind::Grant,
        reason: reason.clone(),
        actor: Some(context.member.id),
        source: Some(format!("message {}", context.message)),
        idempotency_key: format!("{}:grant", context.event_key),
        audit: Some(AuditNote {
            actor: context.member.id,
            action: "grant",
            detail: format!("{amount:+} {reason}"),
        }),
    };
    let balance = match context.club.store().post(&posting, context.now).await? {
        PostingOutcome::Applied { balance, .. } => {
            // The member hears of it, with the reason, in their next digest.
            super::digest::earned(
                context,
                target.id,
                EarnedKind::Grant,
                amount,
                Some(reason.clone()),
                posting.idempotency_key.clone(),
            )
            .await?;
            balance
        }
        PostingOutcome::AlreadyApplied { balance } => balance,
        PostingOutcome::Insufficient { balance } => {
            return Err(Mistake::BelowZero {
                name: target.display_name,
                balance,
            }
            .into());
        }
    };
    tracing::info!(
        moderator = context.member.id.0,
        member = target.id.0,
        amount,
        "points granted"
    );
    let texts = context.club.texts();
    let lang = context.lang;
    let id = if amount > 0 {
        "grant-credited"
    } else {
        "grant-debited"
    };
    Ok(texts.get(
        lang,
        id,
        Some(&args([
            ("name", text(&target.display_name)),
            ("points", text(&points(texts, lang, amount.abs()))),
            ("reason", text(&reason)),
            ("balance", text(&points(texts, lang, balance))),
        ])),
    ))
}

/// The points and reason of a grant. A number needs a reason; a category
/// brings its points and, unless one is given, its name as the reason.
fn check_amount(
    club: &Club,
    amount: Amount,
    reason: Option<String>,
) -> Result<(i64, String), Mistake> {
    let (points, reason) = match amount {
        Amount::Points(points) => {
            let reason = reason.ok_or(ParseError::MissingArgument {
                command: "grant",
                arg: "reason",
            })?;
            (points, reason)
        }
        Amount::Category(name) => {
            let categories = &club.config().grant_categories;
            let points = *categories
                .get(&name)
                .ok_or_else(|| Mistake::UnknownCategory {
                    known: categories.keys().cloned().collect::<Vec<_>>().join(", "),
                    name: name.clone(),
                })?;
            (points, reason.unwrap_or(name))
        }
    };
    let limit = club.config().limits.max_grant_points;
    if points == 0 {
        return Err(Mistake::ZeroGrant);
    }
    if points.abs() > limit {
        return Err(Mistake::GrantOverLimit { limit });
    }
    if reason.trim().is_empty() {
        return Err(ParseError::MissingArgument {
            command: "grant",
            arg: "reason",
        }
        .into());
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(Mistake::ReasonTooLong {
            max: MAX_REASON_CHARS,
        });
    }
    Ok((points, reason))
}

/// One row of a grant file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct GrantRow {
    /// The row number in the file, for reports.
    pub line: usize,
    /// `platform:username` (e.g. `telegram:anna`) or `#<member id>`.
    pub member: String,
    /// A whole number or a grant category.
    pub amount: String,
    pub reason: String,
    /// The day of the activity (`2026-11-05` or `05.11.2026`), optional:
    /// part of the row's identity, so the same grant on another day is
    /// another booking.
    pub date: Option<String>,
    /// The operator's own id for this grant, optional: when given, the
    /// row's identity, in this file and every later one.
    pub id: Option<String>,
}

impl GrantRow {
    /// A row of the three classic columns.
    pub fn new(line: usize, member: &str, amount: &str, reason: &str) -> GrantRow {
        GrantRow {
            line,
            member: member.to_owned(),
            amount: amount.to_owned(),
            reason: reason.to_owned(),
            ..GrantRow::default()
        }
    }
}

/// A column of a grant file, as problems name it.
pub mod column {
    pub const MEMBER: &str = "member";
    pub const POINTS: &str = "points";
    pub const REASON: &str = "reason";
    pub const DATE: &str = "date";
    pub const ID: &str = "id";
}

/// Something wrong with one cell (or, without a column, the whole row).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowProblem {
    pub column: Option<&'static str>,
    pub message: String,
}

impl RowProblem {
    fn at(column: &'static str, message: impl Into<String>) -> RowProblem {
        RowProblem {
            column: Some(column),
            message: message.into(),
        }
    }
}

/// What a batch row will do, or why it cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowVerdict {
    pub line: usize,
    pub outcome: RowOutcome,
}

/// What becomes of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RowOutcome {
    /// Checked, to be booked.
    Book(PlannedGrant),
    /// Booked by an earlier import: skipped.
    AlreadyBooked(PlannedGrant),
    /// Every problem of the row; nothing of the file is written.
    Problems(Vec<RowProblem>),
}

impl RowOutcome {
    pub fn problems(&self) -> &[RowProblem] {
        match self {
            RowOutcome::Problems(problems) => problems,
            _ => &[],
        }
    }
}

/// A checked grant, ready to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedGrant {
    pub member: MemberId,
    pub name: String,
    pub points: i64,
    pub reason: String,
    /// The activity's day, as `YYYY-MM-DD`.
    pub date: Option<NaiveDate>,
    /// The row's idempotency key in the ledger.
    pub key: String,
}

/// What a batch did, or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub rows: Vec<RowVerdict>,
    /// Rows booked now (0 on a dry run, with problems, or rolled back).
    pub booked: usize,
    /// Rows skipped because an earlier import booked them.
    pub already_booked: usize,
    /// A problem found while writing (a balance changed since the check):
    /// the row and why. The whole file was rolled back.
    pub rolled_back: Option<(usize, String)>,
}

impl BatchReport {
    /// Rows with problems.
    pub fn problems(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| matches!(row.outcome, RowOutcome::Problems(_)))
            .count()
    }

    /// Whether the batch failed: problems, or a roll-back.
    pub fn failed(&self) -> bool {
        self.problems() > 0 || self.rolled_back.is_some()
    }
}

/// A checked grant file, ready to book ([`Club::book_grants`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantPlan {
    pub report: BatchReport,
}

impl Club {
    /// Checks every row of a grant file and, unless `dry_run` or a row has
    /// a problem, books the rows not booked before, all in one transaction.
    pub async fn grant_batch(
        &self,
        rows: &[GrantRow],
        dry_run: bool,
    ) -> Result<BatchReport, StoreError> {
        let plan = self.check_grants(rows).await?;
        if dry_run || plan.report.problems() > 0 {
            return Ok(plan.report);
        }
        self.book_grants(plan).await
    }

    /// Checks every row of a grant file, writing nothing: each row's
    /// problems (all of them, by column), or the grant it books, or that an
    /// earlier import booked it. Debits are checked against the balances
    /// as the rows before them leave them.
    pub async fn check_grants(&self, rows: &[GrantRow]) -> Result<GrantPlan, StoreError> {
        let mut verdicts = Vec::with_capacity(rows.len());
        let mut ids: HashMap<String, usize> = HashMap::new();
        let mut occurrences: HashMap<(MemberId, i64, String, Option<NaiveDate>), usize> =
            HashMap::new();
        // Per row: its grant and, without id or date, its occurrence among
        // equal rows (for the bookings under older whole-file keys).
        let mut planned: Vec<(usize, PlannedGrant, Option<usize>)> = Vec::new();
        for row in rows {
            let outcome = match self.check_row(row).await? {
                Err(problems) => RowOutcome::Problems(problems),
                Ok((grant, id)) => {
                    let key_part = match &id {
                        Some(id) => match ids.insert(id.clone(), row.line) {
                            Some(earlier) => {
                                let problem = RowProblem::at(
                                    column::ID,
                                    format!("the id `{id}` is on row {earlier} too"),
                                );
                                verdicts.push(RowVerdict {
                                    line: row.line,
                                    outcome: RowOutcome::Problems(vec![problem]),
                                });
                                continue;
                            }
                            None => (format!("id:{id}"), None),
                        },
                        None => {
                            let content =
                                (grant.member, grant.points, grant.reason.clone(), grant.date);
                            let seen = occurrences.entry(content).or_insert(0);
                            let occurrence = *seen;
                            *seen += 1;
                            let old_style = grant.date.is_none().then_some(occurrence);
                            (content_key(&grant, occurrence), old_style)
                        }
                    };
                    let (key, old_style) = key_part;
                    let grant = PlannedGrant {
                        key: format!("grant-csv:{key}"),
                        ..grant
                    };
                    planned.push((verdicts.len(), grant.clone(), old_style));
                    RowOutcome::Book(grant)
                }
            };
            verdicts.push(RowVerdict {
                line: row.line,
                outcome,
            });
        }
        let keys: Vec<String> = planned
            .iter()
            .map(|(_, grant, _)| grant.key.clone())
            .collect();
        let booked = self.store().booked_keys(&keys).await?;
        let mut balances: HashMap<MemberId, i64> = HashMap::new();
        let mut old_counts: HashMap<(MemberId, i64, String), i64> = HashMap::new();
        for (index, grant, old_style) in planned {
            let mut already = booked.contains(&grant.key);
            if !already && let Some(occurrence) = old_style {
                let content = (grant.member, grant.points, grant.reason.clone());
                let count = match old_counts.get(&content) {
                    Some(count) => *count,
                    None => {
                        let count = self
                            .store()
                            .old_file_grants(grant.member, grant.points, &grant.reason)
                            .await?;
                        old_counts.insert(content, count);
                        count
                    }
                };
                already = i64::try_from(occurrence).unwrap_or(i64::MAX) < count;
            }
            if already {
                verdicts[index].outcome = RowOutcome::AlreadyBooked(grant);
                continue;
            }
            let balance = match balances.get(&grant.member) {
                Some(balance) => *balance,
                None => self.store().balance(grant.member).await?,
            };
            if balance + grant.points < 0 {
                let problem = RowProblem::at(
                    column::POINTS,
                    format!(
                        "{} has only {balance} points; a balance cannot go below zero",
                        grant.name
                    ),
                );
                verdicts[index].outcome = RowOutcome::Problems(vec![problem]);
                continue;
            }
            balances.insert(grant.member, balance + grant.points);
        }
        let already_booked = verdicts
            .iter()
            .filter(|row| matches!(row.outcome, RowOutcome::AlreadyBooked(_)))
            .count();
        Ok(GrantPlan {
            report: BatchReport {
                rows: verdicts,
                booked: 0,
                already_booked,
                rolled_back: None,
            },
        })
    }

    /// Books a checked file's rows in one transaction: all of them, or,
    /// when one cannot be booked any more (a balance changed since the
    /// check), none.
    pub async fn book_grants(&self, plan: GrantPlan) -> Result<BatchReport, StoreError> {
        let mut report = plan.report;
        if report.problems() > 0 {
            return Ok(report);
        }
        let operator = self.operator().await?;
        let mut lines = Vec::new();
        let postings: Vec<Posting> = report
            .rows
            .iter()
            .filter_map(|row| match &row.outcome {
                RowOutcome::Book(grant) => Some((row.line, grant)),
                _ => None,
            })
            .map(|(line, grant)| {
                lines.push(line);
                let mut source = format!("grant file row {line}");
                if let Some(date) = grant.date {
                    source.push_str(&format!(", {date}"));
                }
                Posting {
                    member: grant.member,
                    amount: grant.points,
                    kind: LedgerKind::Grant,
                    reason: grant.reason.clone(),
                    actor: Some(operator),
                    source: Some(source),
                    idempotency_key: grant.key.clone(),
                    audit: Some(AuditNote {
                        actor: operator,
                        action: "grant_csv",
                        detail: format!("{:+} {}", grant.points, grant.reason),
                    }),
                }
            })
            .collect();
        match self.store().book_file(&postings, self.now()).await? {
            FileBooking::Booked(booked) => {
                report.booked = booked.iter().filter(|now| **now).count();
                report.already_booked += booked.len() - report.booked;
            }
            FileBooking::RolledBack { index, balance } => {
                let grant = &postings[index];
                let name = report
                    .rows
                    .iter()
                    .find_map(|row| match &row.outcome {
                        RowOutcome::Book(planned) if row.line == lines[index] => {
                            Some(planned.name.clone())
                        }
                        _ => None,
                    })
                    .unwrap_or_default();
                report.rolled_back = Some((
                    lines[index],
                    format!(
                        "{name} has {balance} points now, too few for {:+}: the balance changed while the file was booked",
                        grant.amount
                    ),
                ));
            }
        }
        Ok(report)
    }

    /// Checks one row: its grant and its id, or every problem it has.
    async fn check_row(
        &self,
        row: &GrantRow,
    ) -> Result<Result<(PlannedGrant, Option<String>), Vec<RowProblem>>, StoreError> {
        let mut problems = Vec::new();
        let member = match self.member_by_reference(&row.member).await? {
            MemberByName::Found(member) => Some(member),
            MemberByName::Ambiguous(candidates) => {
                let name = format!("`{}`", row.member);
                let mistake = Mistake::AmbiguousMember { name, candidates };
                problems.push(RowProblem::at(
                    column::MEMBER,
                    mistake.render(self.texts(), Lang::En),
                ));
                None
            }
            MemberByName::Unknown => {
                let message = if row.member.trim().is_empty() {
                    "no member given (use platform:username or #id)".to_owned()
                } else {
                    format!(
                        "unknown member `{}` (use platform:username or #id)",
                        row.member
                    )
                };
                problems.push(RowProblem::at(column::MEMBER, message));
                None
            }
        };
        let amount = row.amount.trim();
        let amount = match amount.parse::<i64>() {
            Ok(points) => Some(Amount::Points(points)),
            Err(_) if amount.is_empty() => {
                problems.push(RowProblem::at(
                    column::POINTS,
                    "no points given (a whole number or a category)",
                ));
                None
            }
            Err(_) if amount.starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') => {
                problems.push(RowProblem::at(
                    column::POINTS,
                    format!("`{amount}` is not a whole number"),
                ));
                None
            }
            Err(_) => Some(Amount::Category(amount.to_lowercase())),
        };
        let reason = Some(row.reason.trim().to_owned()).filter(|reason| !reason.is_empty());
        let checked = match amount.map(|amount| check_amount(self, amount, reason)) {
            Some(Ok(checked)) => Some(checked),
            Some(Err(mistake)) => {
                let column = match mistake {
                    Mistake::Parse(_) | Mistake::ReasonTooLong { .. } => column::REASON,
                    _ => column::POINTS,
                };
                problems.push(RowProblem::at(
                    column,
                    mistake.render(self.texts(), Lang::En),
                ));
                None
            }
            None => None,
        };
        let date = match row.date.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            None => None,
            Some(text) => match parse_day(text) {
                Some(day) if day > super::points::local_day(self.now(), &self.config().points) => {
                    problems.push(RowProblem::at(
                        column::DATE,
                        format!("{day} is in the future"),
                    ));
                    None
                }
                Some(day) => Some(day),
                None => {
                    problems.push(RowProblem::at(
                        column::DATE,
                        format!("`{text}` is not a date (2026-11-05 or 05.11.2026)"),
                    ));
                    None
                }
            },
        };
        let id = row
            .id
            .as_deref()
            .map(str::trim)
            .filter(|id| !id.is_empty())
            .map(str::to_owned);
        if let Some(id) = &id
            && id.chars().count() > MAX_ID_CHARS
        {
            problems.push(RowProblem::at(
                column::ID,
                format!("an id has at most {MAX_ID_CHARS} characters"),
            ));
        }
        match (member, checked) {
            (Some(member), Some((points, reason))) if problems.is_empty() => Ok(Ok((
                PlannedGrant {
                    member: member.id,
                    name: member.display_name,
                    points,
                    reason,
                    date,
                    key: String::new(),
                },
                id,
            ))),
            _ => Ok(Err(problems)),
        }
    }

    /// A member named as `platform:username` (by the store's name rule, as
    /// in chat commands) or `#id`.
    async fn member_by_reference(&self, reference: &str) -> Result<MemberByName, StoreError> {
        let reference = reference.trim();
        if let Some(id) = reference
            .strip_prefix('#')
            .and_then(|id| id.parse::<i64>().ok())
        {
            let member = self.store().member(MemberId(id)).await?;
            return Ok(member.map_or(MemberByName::Unknown, MemberByName::Found));
        }
        let Some((platform, name)) = reference.split_once(':') else {
            return Ok(MemberByName::Unknown);
        };
        let Some(platform) = Platform::parse(platform) else {
            return Ok(MemberByName::Unknown);
        };
        let name = name.strip_prefix('@').unwrap_or(name);
        self.store().member_by_username(platform, name).await
    }

    /// The system account operator actions from the command line run as.
    pub(super) async fn operator(&self) -> Result<MemberId, StoreError> {
        let seen = IdentitySeen {
            platform: Platform::Cli,
            external_id: "operator",
            username: Some("operator"),
            display_name: "operator",
            language: None,
            default_language: self.config().default_language,
            today: super::points::local_day(self.now(), &self.config().points),
            is_bot: true,
            joined: None,
        };
        Ok(self.store().member_seen(&seen, self.now()).await?.id)
    }
}

/// The key of a row without an id: what it books (member, points, reason,
/// day) and how many equal rows came before it in the file, so the second
/// of two equal rows is a booking of its own.
fn content_key(grant: &PlannedGrant, occurrence: usize) -> String {
    let date = grant.date.map(|day| day.to_string()).unwrap_or_default();
    let content = format!(
        "{}\u{1f}{}\u{1f}{}\u{1f}{date}\u{1f}{occurrence}",
        grant.member.0, grant.points, grant.reason
    );
    Sha256::digest(content.as_bytes())
        .iter()
        .take(16)
        .map(|byte| format!("{byte:02x}"))
        .collect()
}

/// A day as operators write it: `2026-11-05`, or as a German spreadsheet
/// does, `05.11.2026` (also `5.11.2026`).
pub fn parse_day(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(text, "%d.%m.%Y"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_are_read_in_iso_and_german_spreadsheet_form() {
        let day = NaiveDate::from_ymd_opt(2026, 11, 5);
        assert_eq!(parse_day("2026-11-05"), day);
        assert_eq!(parse_day("05.11.2026"), day);
        assert_eq!(parse_day("5.11.2026"), day);
        assert_eq!(parse_day("11/05/2026"), None);
        assert_eq!(parse_day("2026-13-01"), None);
    }

    #[test]
    fn equal_rows_get_different_keys_by_their_occurrence() {
        let grant = PlannedGrant {
            member: MemberId(3),
            name: "anna".into(),
            points: 50,
            reason: "Beta".into(),
            date: None,
            key: String::new(),
        };
        assert_ne!(content_key(&grant, 0), content_key(&grant, 1));
        assert_eq!(content_key(&grant, 1), content_key(&grant, 1));
        let dated = PlannedGrant {
            date: parse_day("2026-11-05"),
            ..grant.clone()
        };
        assert_ne!(content_key(&grant, 0), content_key(&dated, 0));
    }
}
