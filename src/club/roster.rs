//! The operator's members import: "fan since" dates and display names for
//! members by their platform accounts (`fanclub members import --csv`).
//!
//! Why: on the day the bot arrives it knows nobody's history, so a fan of
//! five years would start at day one. A platform that reports join dates
//! (Discord) fixes that for itself; for the others the operator knows
//! better and says so in a file. An imported date is a known join: the
//! member counts as new only if it is recent, and tenure-gated shop items
//! count from it. The rules are the grant file's: every row checked first,
//! every problem named by row and column, all rows written in one
//! transaction or none, and importing the same file again changes nothing.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, TimeZone as _, Utc};

use super::Club;
use super::grants::{RowProblem, parse_day};
use super::model::Platform;
use crate::store::StoreError;
use crate::store::members::{Imported, MemberImport};

/// The columns of a members file, as problems name them.
pub mod column {
    pub const PLATFORM: &str = "platform";
    pub const ID: &str = "id";
    pub const NAME: &str = "name";
    pub const FAN_SINCE: &str = "fan_since";
}

/// Longest display name an import may set.
const MAX_NAME_CHARS: usize = 64;

/// One row of a members file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MemberRow {
    /// The row number in the file, for reports.
    pub line: usize,
    /// `telegram`, `discord` or `console`.
    pub platform: String,
    /// The account's id on the platform (a Telegram user id, a Discord
    /// user id, a console name).
    pub id: String,
    pub name: Option<String>,
    /// `2021-03-01` or `01.03.2021`.
    pub fan_since: Option<String>,
}

/// What became (or would become) of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MemberOutcome {
    /// Checked; what the import does or did to the account's member.
    Done(MemberImport, Imported),
    Problems(Vec<RowProblem>),
}

/// One row's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MemberVerdict {
    pub line: usize,
    pub outcome: MemberOutcome,
}

/// What an import did, or would do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: Vec<MemberVerdict>,
    /// Whether anything was written (no dry run, no problems).
    pub written: bool,
}

impl ImportReport {
    /// Rows with problems.
    pub fn problems(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| matches!(row.outcome, MemberOutcome::Problems(_)))
            .count()
    }
}

impl Club {
    /// Checks every row of a members file and, unless `dry_run` or a row
    /// has a problem, writes them all in one transaction.
    pub async fn import_members(
        &self,
        rows: &[MemberRow],
        dry_run: bool,
    ) -> Result<ImportReport, StoreError> {
        let today = super::points::local_day(self.now(), &self.config().points);
        let mut seen: HashMap<(Platform, String), usize> = HashMap::new();
        let mut checked: Vec<Result<MemberImport, Vec<RowProblem>>> = Vec::new();
        for row in rows {
            let mut result = self.check_member_row(row, today);
            if let Ok(import) = &result
                && let Some(earlier) =
                    seen.insert((import.platform, import.external_id.clone()), row.line)
            {
                result = Err(vec![RowProblem {
                    column: Some(column::ID),
                    message: format!("this account is on row {earlier} too"),
                }]);
            }
            checked.push(result);
        }
        let imports: Vec<MemberImport> = checked
            .iter()
            .filter_map(|row| row.as_ref().ok().cloned())
            .collect();
        let problems = checked.iter().any(Result::is_err);
        let written = !dry_run && !problems;
        let outcomes = if written {
            let operator = self.operator().await?;
            self.store()
                .import_members(
                    &imports,
                    operator,
                    self.config().default_language,
                    today,
                    self.now(),
                )
                .await?
        } else {
            self.store().preview_member_import(&imports).await?
        };
        let mut outcomes = outcomes.into_iter();
        let rows = rows
            .iter()
            .zip(checked)
            .map(|(row, result)| MemberVerdict {
                line: row.line,
                outcome: match result {
                    Ok(import) => {
                        let outcome = outcomes.next().unwrap_or(Imported::Unseen);
                        MemberOutcome::Done(import, outcome)
                    }
                    Err(problems) => MemberOutcome::Problems(problems),
                },
            })
            .collect();
        Ok(ImportReport { rows, written })
    }

    fn check_member_row(
        &self,
        row: &MemberRow,
        today: NaiveDate,
    ) -> Result<MemberImport, Vec<RowProblem>> {
        let mut problems = Vec::new();
        let mut problem = |column: &'static str, message: String| {
            problems.push(RowProblem {
                column: Some(column),
                message,
            });
        };
        let platform = match Platform::parse(row.platform.trim().to_lowercase().as_str()) {
            Some(Platform::Cli) | None => {
                problem(
                    column::PLATFORM,
                    format!(
                        "unknown platform `{}` (telegram, discord or console)",
                        row.platform.trim()
                    ),
                );
                None
            }
            Some(platform) => Some(platform),
        };
        let id = row.id.trim().to_owned();
        if let Some(platform) = platform
            && let Err(why) = check_account_id(platform, &id)
        {
            problem(column::ID, why);
        }
        let name = row
            .name
            .as_deref()
            .map(str::trim)
            .filter(|name| !name.is_empty())
            .map(str::to_owned);
        if let Some(name) = &name {
            if name.chars().count() > MAX_NAME_CHARS {
                problem(
                    column::NAME,
                    format!("a name has at most {MAX_NAME_CHARS} characters"),
                );
            } else if name.chars().any(char::is_control) {
                problem(
                    column::NAME,
                    "a name cannot contain control characters".to_owned(),
                );
            }
        }
        let fan_since = match row
            .fan_since
            .as_deref()
            .map(str::trim)
            .filter(|day| !day.is_empty())
        {
            None => None,
            Some(text) => match parse_day(text) {
                Some(day) if day > today => {
                    problem(column::FAN_SINCE, format!("{day} is in the future"));
                    None
                }
                Some(day) => Some((day, self.start_of(day))),
                None => {
                    problem(
                        column::FAN_SINCE,
                        format!("`{text}` is not a date (2021-03-01 or 01.03.2021)"),
                    );
                    None
                }
            },
        };
        if name.is_none() && fan_since.is_none() && problems.is_empty() {
            problems.push(RowProblem {
                column: None,
                message: "nothing to set: give a name or a fan_since date".to_owned(),
            });
        }
        match platform {
            Some(platform) if problems.is_empty() => Ok(MemberImport {
                platform,
                external_id: id,
                name,
                fan_since,
            }),
            _ => Err(problems),
        }
    }

    /// The first moment of `day` in the club's time zone.
    fn start_of(&self, day: NaiveDate) -> DateTime<Utc> {
        let zone = self.config().points.zone();
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        zone.from_local_datetime(&midnight)
            .earliest()
            .map_or_else(|| midnight.and_utc(), |at| at.with_timezone(&Utc))
    }
}

/// Whether `id` can be an account id on `platform`.
fn check_account_id(platform: Platform, id: &str) -> Result<(), String> {
    if id.is_empty() {
        return Err("no account id given".to_owned());
    }
    let fits = match platform {
        Platform::Telegram => id.parse::<i64>().is_ok(),
        Platform::Discord => id.parse::<u64>().is_ok(),
        Platform::Console | Platform::Cli => {
            id.chars().count() <= 64
                && id
                    .chars()
                    .all(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-'))
        }
    };
    if fits {
        return Ok(());
    }
    Err(match platform {
        Platform::Telegram => format!("`{id}` is not a Telegram user id (a number)"),
        Platform::Discord => format!("`{id}` is not a Discord user id (a number)"),
        _ => format!("`{id}` is not a console name"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn account_ids_are_checked_by_platform() {
        assert!(check_account_id(Platform::Telegram, "-100123").is_ok());
        assert!(check_account_id(Platform::Telegram, "anna").is_err());
        assert!(check_account_id(Platform::Discord, "123456789012345678").is_ok());
        assert!(check_account_id(Platform::Discord, "-1").is_err());
        assert!(check_account_id(Platform::Console, "anna.b").is_ok());
        assert!(check_account_id(Platform::Console, "anna b").is_err());
        assert!(check_account_id(Platform::Console, "").is_err());
    }
}
