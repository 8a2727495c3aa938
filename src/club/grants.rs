//! Moderator grants: points for activities off the chat (beta tests,
//! surveys, recommendations, events), one at a time with `/grant` or as a
//! batch from a CSV file with `fanclub grant --csv`.
//!
//! Both go through the same checks ([`check_amount`]): no zero, no more than
//! the configured limit, a reason, a known category, and debits only down to
//! a zero balance. A batch is checked completely before anything is written,
//! and each row's idempotency key comes from the file's content, so importing
//! the same file twice books it once.

use std::collections::HashMap;

use super::commands::{Amount, MemberRef, ParseError};
use super::error::{ClubError, Mistake};
use super::handlers::{points, resolve_member};
use super::i18n::{args, text};
use super::model::{MemberId, Platform};
use super::{Club, Context};
use crate::lang::Lang;
use crate::store::digests::EarnedKind;
use crate::store::ledger::{AuditNote, LedgerKind};
use crate::store::{IdentitySeen, MemberByName, Posting, PostingOutcome, StoreError};

/// Longest reason a grant may carry.
const MAX_REASON_CHARS: usize = 200;

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

/// One row of a grant file: `member,points,reason`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GrantRow {
    /// The line in the file, for reports.
    pub line: usize,
    /// `platform:username` (e.g. `telegram:anna`) or `#<member id>`.
    pub member: String,
    /// A whole number or a grant category.
    pub amount: String,
    pub reason: String,
}

/// What a batch row will do, or why it cannot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowVerdict {
    pub line: usize,
    pub outcome: Result<PlannedGrant, String>,
}

/// A checked grant, ready to book.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlannedGrant {
    pub member: MemberId,
    pub name: String,
    pub points: i64,
    pub reason: String,
}

/// What a batch did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BatchReport {
    pub rows: Vec<RowVerdict>,
    /// Rows booked now (0 on a dry run or when any row has a problem).
    pub booked: usize,
    /// Rows booked by an earlier import of the same file.
    pub already_booked: usize,
}

impl BatchReport {
    pub fn problems(&self) -> usize {
        self.rows.iter().filter(|row| row.outcome.is_err()).count()
    }
}

impl Club {
    /// Checks every row of a grant file and, unless `dry_run` or a row has a
    /// problem, books them all. `file_key` identifies the file's content.
    pub async fn grant_batch(
        &self,
        rows: &[GrantRow],
        file_key: &str,
        dry_run: bool,
    ) -> Result<BatchReport, StoreError> {
        let mut verdicts = Vec::with_capacity(rows.len());
        let mut balances: HashMap<MemberId, i64> = HashMap::new();
        for row in rows {
            let outcome = self.check_row(row, &mut balances).await?;
            verdicts.push(RowVerdict {
                line: row.line,
                outcome,
            });
        }
        let mut report = BatchReport {
            rows: verdicts,
            booked: 0,
            already_booked: 0,
        };
        if dry_run || report.problems() > 0 {
            return Ok(report);
        }
        let operator = self.operator().await?;
        for verdict in &report.rows {
            let Ok(grant) = &verdict.outcome else {
                continue;
            };
            let posting = Posting {
                member: grant.member,
                amount: grant.points,
                kind: LedgerKind::Grant,
                reason: grant.reason.clone(),
                actor: Some(operator),
                source: Some(format!("grant file line {}", verdict.line)),
                idempotency_key: format!("csv:{file_key}:{}", verdict.line),
                audit: Some(AuditNote {
                    actor: operator,
                    action: "grant_csv",
                    detail: format!("{:+} {}", grant.points, grant.reason),
                }),
            };
            match self.store().post(&posting, self.now()).await? {
                PostingOutcome::Applied { .. } => report.booked += 1,
                PostingOutcome::AlreadyApplied { .. } => report.already_booked += 1,
                PostingOutcome::Insufficient { balance } => {
                    return Err(StoreError::Inconsistent(format!(
                        "line {}: the balance changed to {balance} while importing",
                        verdict.line
                    )));
                }
            }
        }
        Ok(report)
    }

    /// Checks one row; `balances` carries the effect of earlier rows.
    async fn check_row(
        &self,
        row: &GrantRow,
        balances: &mut HashMap<MemberId, i64>,
    ) -> Result<Result<PlannedGrant, String>, StoreError> {
        let member = match self.member_by_reference(&row.member).await? {
            MemberByName::Found(member) => member,
            MemberByName::Ambiguous(candidates) => {
                let name = format!("`{}`", row.member);
                let mistake = Mistake::AmbiguousMember { name, candidates };
                return Ok(Err(mistake.render(self.texts(), Lang::En)));
            }
            MemberByName::Unknown => {
                return Ok(Err(format!(
                    "unknown member `{}` (use platform:username or #id)",
                    row.member
                )));
            }
        };
        let amount = match row.amount.trim().parse::<i64>() {
            Ok(points) => Amount::Points(points),
            Err(_)
                if row
                    .amount
                    .trim()
                    .starts_with(|c: char| c.is_ascii_digit() || c == '-' || c == '+') =>
            {
                return Ok(Err(format!("`{}` is not a whole number", row.amount)));
            }
            Err(_) => Amount::Category(row.amount.trim().to_lowercase()),
        };
        let reason = Some(row.reason.trim().to_owned()).filter(|reason| !reason.is_empty());
        let (points, reason) = match check_amount(self, amount, reason) {
            Ok(checked) => checked,
            Err(mistake) => return Ok(Err(mistake.render(self.texts(), Lang::En))),
        };
        let balance = match balances.get(&member.id) {
            Some(balance) => *balance,
            None => self.store().balance(member.id).await?,
        };
        if balance + points < 0 {
            return Ok(Err(format!(
                "{} has only {balance} points; a balance cannot go below zero",
                member.display_name
            )));
        }
        balances.insert(member.id, balance + points);
        Ok(Ok(PlannedGrant {
            member: member.id,
            name: member.display_name,
            points,
            reason,
        }))
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
    async fn operator(&self) -> Result<MemberId, StoreError> {
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
