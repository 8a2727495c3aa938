//! Shop claims: holding points, reserving stock, and deciding.
//!
//! Every state change is one write transaction with a guarded update
//! (`… WHERE state = 'pending'`), so exactly one decision wins a race and a
//! claim can never be refunded twice. Making a claim checks stock, the
//! member's limit and their balance inside the transaction that writes it,
//! so concurrent claims can neither oversell nor overspend.

use chrono::{DateTime, Utc};
use sqlx::Row;
use sqlx::sqlite::SqliteRow;

use super::ledger::{
    AuditNote, LedgerKind, Posting, PostingOutcome, balance_in, book, record_audit,
};
use super::{Context, Store, StoreError};
use crate::club::model::{MemberId, MessageId};
use crate::shop::Chosen;

/// The life of a claim.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClaimState {
    Pending,
    Approved,
    Rejected,
    Cancelled,
    Expired,
    Fulfilled,
}

impl ClaimState {
    pub fn as_str(self) -> &'static str {
        match self {
            ClaimState::Pending => "pending",
            ClaimState::Approved => "approved",
            ClaimState::Rejected => "rejected",
            ClaimState::Cancelled => "cancelled",
            ClaimState::Expired => "expired",
            ClaimState::Fulfilled => "fulfilled",
        }
    }

    pub fn parse(text: &str) -> Option<ClaimState> {
        Some(match text {
            "pending" => ClaimState::Pending,
            "approved" => ClaimState::Approved,
            "rejected" => ClaimState::Rejected,
            "cancelled" => ClaimState::Cancelled,
            "expired" => ClaimState::Expired,
            "fulfilled" => ClaimState::Fulfilled,
            _ => return None,
        })
    }
}

/// A claim as the club shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub id: i64,
    pub member: MemberId,
    pub member_name: String,
    pub sku: String,
    pub cost: i64,
    pub state: ClaimState,
    pub approvals_needed: i64,
    pub approvals: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub decided_by: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub tracking: Option<String>,
    /// The member's choices for the item's options (`size` → `L`).
    pub options: Chosen,
    /// The item is sent by post and needs an address.
    pub shipping: bool,
    /// The postal address (moderators only; erased after the claim ended).
    pub address: Option<String>,
    /// The address was erased.
    pub address_erased: bool,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

impl Claim {
    /// A shipping claim still open and without an address.
    pub fn awaits_address(&self) -> bool {
        self.shipping
            && self.address.is_none()
            && matches!(self.state, ClaimState::Pending | ClaimState::Approved)
    }
}

/// A claim about to be made; the item's limits come from the catalog.
#[derive(Debug, Clone)]
pub struct NewClaim<'a> {
    pub member: MemberId,
    pub sku: &'a str,
    pub cost: i64,
    pub stock: Option<i64>,
    pub per_member_limit: Option<i64>,
    /// Moderator approvals needed; 0 approves at once.
    pub approvals_needed: i64,
    pub expires_at: DateTime<Utc>,
    pub event_key: Option<&'a str>,
    pub options: &'a Chosen,
    pub shipping: bool,
}

/// What became of a claim attempt. Only `Made` changed anything.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClaimAttempt {
    Made(Claim),
    /// The platform event made this claim before.
    Replayed(Claim),
    NotEnoughPoints {
        balance: i64,
    },
    SoldOut,
    LimitReached {
        limit: i64,
    },
}

/// A moderator's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Approve { note: Option<String> },
    Reject { reason: String },
}

/// What became of a decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decided {
    Approved(Claim),
    /// Recorded; the claim needs `needed` approvals and has `approvals`.
    ApprovalRecorded(Claim),
    Rejected(Claim),
    /// Somebody decided first (or the claim ended otherwise).
    AlreadyDecided(Claim),
    AlreadyApprovedByYou(Claim),
    OwnClaim,
    NotFound,
}

/// What became of a member's cancellation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cancelled {
    Cancelled(Claim),
    NotPending(Claim),
    NotFound,
}

/// What became of marking a claim shipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fulfilled {
    Fulfilled(Claim),
    NotApproved(Claim),
    /// A shipping claim cannot ship before the member gave an address.
    NoAddress(Claim),
    NotFound,
}

/// A member's address, and the message that said it (hidden from the
/// message record once stored with the claims).
#[derive(Debug, Clone)]
pub struct NewAddress<'a> {
    pub member: MemberId,
    pub address: &'a str,
    /// The member's message that carried the address, and what its stored
    /// text becomes.
    pub message: Option<(MessageId, &'a str)>,
    /// Only the claims that have no address yet (a private answer to the
    /// bot's question); otherwise every open shipping claim (`/address`).
    pub only_missing: bool,
}

/// How many units of an item are claimed, and how many by one member.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimCount {
    pub sku: String,
    pub claimed: i64,
    pub mine: i64,
}

/// One line of the fulfilment export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExportRow {
    pub claim: i64,
    pub sku: String,
    pub member: String,
    /// Where to reach the member: `platform:username` of their first account.
    pub contact: String,
    pub state: String,
    pub decided_at: Option<DateTime<Utc>>,
    pub note: Option<String>,
    pub tracking: Option<String>,
    /// Every account of the member, `platform:@username` or
    /// `platform:Display Name (id 123)`, separated by `; `.
    pub handles: String,
    pub options: Chosen,
    pub address: Option<String>,
    pub created_at: DateTime<Utc>,
    pub fulfilled_at: Option<DateTime<Utc>>,
}

/// The text the address is replaced with wherever it was written.
pub const ADDRESS_REMOVED: &str = "[…]";

/// A `SELECT` of a claim's columns (aliases `c`, `m`, `d`) followed by `$rest`.
macro_rules! claim_query {
    ($rest:literal) => {
        concat!(
            "SELECT c.id, c.member_id, m.display_name AS member_name, c.sku, c.cost, c.state, \
             c.approvals_needed, (SELECT COUNT(*) FROM claim_approvals a WHERE a.claim_id = c.id) AS approvals, \
             c.created_at, c.expires_at, d.display_name AS decided_by, c.decided_at, c.note, c.tracking, \
             c.options, c.shipping, c.shipping_address, c.address_erased_at, c.fulfilled_at \
             FROM claims c JOIN members m ON m.id = c.member_id LEFT JOIN members d ON d.id = c.decided_by ",
            $rest
        )
    };
}

impl Store {
    /// Makes a claim: checks stock, limit and balance, moves the cost into a
    /// hold and reserves a unit, all in one transaction.
    #[tracing::instrument(skip_all, fields(sku = claim.sku))]
    pub async fn make_claim(
        &self,
        claim: &NewClaim<'_>,
        now: DateTime<Utc>,
    ) -> Result<ClaimAttempt, StoreError> {
        let mut tx = self.begin_write().await?;
        if let Some(key) = claim.event_key {
            let earlier: Option<i64> =
                sqlx::query_scalar("SELECT id FROM claims WHERE event_key = ?")
                    .bind(key)
                    .fetch_optional(&mut *tx)
                    .await
                    .context("looking for a replayed claim")?;
            if let Some(id) = earlier {
                return Ok(ClaimAttempt::Replayed(claim_in(&mut tx, id).await?));
            }
        }
        let row = sqlx::query(
            "SELECT COUNT(*) AS claimed, COALESCE(SUM(member_id = ?), 0) AS mine FROM claims \
             WHERE sku = ? AND state IN ('pending', 'approved', 'fulfilled')",
        )
        .bind(claim.member.0)
        .bind(claim.sku)
        .fetch_one(&mut *tx)
        .await
        .context("counting claims")?;
        let claimed: i64 = row.try_get("claimed").context("decoding claim counts")?;
        let mine: i64 = row.try_get("mine").context("decoding claim counts")?;
        if claim.stock.is_some_and(|stock| claimed >= stock) {
            return Ok(ClaimAttempt::SoldOut);
        }
        if let Some(limit) = claim.per_member_limit.filter(|limit| mine >= *limit) {
            return Ok(ClaimAttempt::LimitReached { limit });
        }
        let balance = balance_in(&mut tx, claim.member).await?;
        if balance < claim.cost {
            return Ok(ClaimAttempt::NotEnoughPoints { balance });
        }
        let state = if claim.approvals_needed == 0 {
            ClaimState::Approved
        } else {
            ClaimState::Pending
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO claims (member_id, sku, cost, state, approvals_needed, created_at, expires_at, event_key, decided_at, options, shipping) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        )
        .bind(claim.member.0)
        .bind(claim.sku)
        .bind(claim.cost)
        .bind(state.as_str())
        .bind(claim.approvals_needed)
        .bind(now)
        .bind(claim.expires_at)
        .bind(claim.event_key)
        .bind((state == ClaimState::Approved).then_some(now))
        .bind(serde_json::to_string(claim.options).unwrap_or_else(|_| "{}".to_owned()))
        .bind(claim.shipping)
        .fetch_one(&mut *tx)
        .await
        .context("writing a claim")?;
        let hold = Posting {
            member: claim.member,
            amount: -claim.cost,
            kind: LedgerKind::Hold,
            reason: format!("claim {id}: {}", claim.sku),
            actor: Some(claim.member),
            source: Some(format!("claim {id}")),
            idempotency_key: format!("claim:{id}:hold"),
            audit: None,
        };
        let PostingOutcome::Applied { .. } = book(&mut tx, &hold, now).await? else {
            return Ok(ClaimAttempt::NotEnoughPoints { balance });
        };
        if state == ClaimState::Pending {
            move_held(&mut tx, claim.member, claim.cost).await?;
        }
        let made = claim_in(&mut tx, id).await?;
        tx.commit().await.context("committing a claim")?;
        Ok(ClaimAttempt::Made(made))
    }

    /// A moderator approves or rejects a pending claim. Exactly one decision
    /// wins; approving spends the hold, rejecting refunds it.
    #[tracing::instrument(skip_all)]
    pub async fn decide_claim(
        &self,
        id: i64,
        moderator: MemberId,
        decision: &Decision,
        now: DateTime<Utc>,
    ) -> Result<Decided, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(claim) = find_claim(&mut tx, id).await? else {
            return Ok(Decided::NotFound);
        };
        if claim.state != ClaimState::Pending {
            return Ok(Decided::AlreadyDecided(claim));
        }
        if claim.member == moderator {
            return Ok(Decided::OwnClaim);
        }
        let decided = match decision {
            Decision::Approve { note } => {
                approve(&mut tx, &claim, moderator, note.as_deref(), now).await?
            }
            Decision::Reject { reason } => {
                end_with_refund(
                    &mut tx,
                    &claim,
                    ClaimState::Rejected,
                    Some(moderator),
                    Some(reason),
                    now,
                )
                .await?;
                Decided::Rejected(claim_in(&mut tx, id).await?)
            }
        };
        let (action, detail) = match (&decided, decision) {
            (Decided::Approved(_), _) => ("claim_approve", format!("claim {id}")),
            (Decided::ApprovalRecorded(_), _) => ("claim_approve_one", format!("claim {id}")),
            (Decided::Rejected(_), Decision::Reject { reason }) => {
                ("claim_reject", format!("claim {id}: {reason}"))
            }
            _ => return Ok(decided),
        };
        let note = AuditNote {
            actor: moderator,
            action,
            detail,
        };
        record_audit(&mut tx, &note, Some(claim.member), now).await?;
        tx.commit().await.context("committing a decision")?;
        Ok(decided)
    }

    /// The member cancels their own pending claim; the hold is refunded.
    #[tracing::instrument(skip_all)]
    pub async fn cancel_claim(
        &self,
        id: i64,
        member: MemberId,
        now: DateTime<Utc>,
    ) -> Result<Cancelled, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(claim) = find_claim(&mut tx, id)
            .await?
            .filter(|claim| claim.member == member)
        else {
            return Ok(Cancelled::NotFound);
        };
        if claim.state != ClaimState::Pending {
            return Ok(Cancelled::NotPending(claim));
        }
        end_with_refund(&mut tx, &claim, ClaimState::Cancelled, None, None, now).await?;
        let cancelled = claim_in(&mut tx, id).await?;
        tx.commit().await.context("committing a cancellation")?;
        Ok(Cancelled::Cancelled(cancelled))
    }

    /// Expires every pending claim whose time is up, refunding each.
    #[tracing::instrument(skip_all)]
    pub async fn expire_claims(&self, now: DateTime<Utc>) -> Result<Vec<Claim>, StoreError> {
        let mut tx = self.begin_write().await?;
        let due: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM claims WHERE state = 'pending' AND expires_at <= ? ORDER BY id",
        )
        .bind(now)
        .fetch_all(&mut *tx)
        .await
        .context("finding expired claims")?;
        let mut expired = Vec::with_capacity(due.len());
        for id in due {
            let claim = claim_in(&mut tx, id).await?;
            end_with_refund(&mut tx, &claim, ClaimState::Expired, None, None, now).await?;
            expired.push(claim_in(&mut tx, id).await?);
        }
        tx.commit().await.context("committing expiries")?;
        Ok(expired)
    }

    /// Marks an approved claim shipped.
    #[tracing::instrument(skip_all)]
    pub async fn fulfil_claim(
        &self,
        id: i64,
        moderator: MemberId,
        tracking: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<Fulfilled, StoreError> {
        let mut tx = self.begin_write().await?;
        let Some(claim) = find_claim(&mut tx, id).await? else {
            return Ok(Fulfilled::NotFound);
        };
        if claim.state == ClaimState::Approved && claim.awaits_address() {
            return Ok(Fulfilled::NoAddress(claim));
        }
        let updated = sqlx::query(
            "UPDATE claims SET state = 'fulfilled', fulfilled_by = ?, fulfilled_at = ?, tracking = ? \
             WHERE id = ? AND state = 'approved' AND (shipping = 0 OR shipping_address IS NOT NULL)",
        )
        .bind(moderator.0)
        .bind(now)
        .bind(tracking)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("fulfilling a claim")?;
        if updated.rows_affected() == 0 {
            return Ok(Fulfilled::NotApproved(claim));
        }
        let note = AuditNote {
            actor: moderator,
            action: "claim_fulfil",
            detail: format!("claim {id}: {}", tracking.unwrap_or("-")),
        };
        record_audit(&mut tx, &note, Some(claim.member), now).await?;
        let fulfilled = claim_in(&mut tx, id).await?;
        tx.commit().await.context("committing a fulfilment")?;
        Ok(Fulfilled::Fulfilled(fulfilled))
    }

    /// A claim by id.
    #[tracing::instrument(skip_all)]
    pub async fn claim(&self, id: i64) -> Result<Option<Claim>, StoreError> {
        let mut connection = self.reader().await?;
        find_claim(&mut connection, id).await
    }

    /// A member's latest claims, newest first.
    #[tracing::instrument(skip_all)]
    pub async fn claims_of(&self, member: MemberId, limit: u32) -> Result<Vec<Claim>, StoreError> {
        let rows = sqlx::query(claim_query!(
            "WHERE c.member_id = ? ORDER BY c.id DESC LIMIT ?"
        ))
        .bind(member.0)
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing a member's claims")?;
        rows.iter().map(claim_from_row).collect()
    }

    /// Claims waiting for a decision, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn pending_claims(&self, limit: u32) -> Result<Vec<Claim>, StoreError> {
        let rows = sqlx::query(claim_query!(
            "WHERE c.state = 'pending' ORDER BY c.id LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing pending claims")?;
        rows.iter().map(claim_from_row).collect()
    }

    /// Units claimed per item (by anyone, and by `member`).
    #[tracing::instrument(skip_all)]
    pub async fn claim_counts(&self, member: MemberId) -> Result<Vec<ClaimCount>, StoreError> {
        let rows = sqlx::query(
            "SELECT sku, COUNT(*) AS claimed, COALESCE(SUM(member_id = ?), 0) AS mine FROM claims \
             WHERE state IN ('pending', 'approved', 'fulfilled') GROUP BY sku",
        )
        .bind(member.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("counting claims")?;
        rows.iter()
            .map(|row| {
                Ok(ClaimCount {
                    sku: row.try_get("sku")?,
                    claimed: row.try_get("claimed")?,
                    mine: row.try_get("mine")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .context("decoding claim counts")
    }

    /// The member's held points.
    #[tracing::instrument(skip_all)]
    pub async fn held(&self, member: MemberId) -> Result<i64, StoreError> {
        let held: Option<i64> = sqlx::query_scalar("SELECT held FROM balances WHERE member_id = ?")
            .bind(member.0)
            .fetch_optional(&mut *self.reader().await?)
            .await
            .context("reading held points")?;
        Ok(held.unwrap_or(0))
    }

    /// What fulfilment needs of the claims in `state`: the member's name,
    /// every account to reach them by, the options chosen and the postal
    /// address. No other personal data.
    #[tracing::instrument(skip_all)]
    pub async fn export_claims(&self, state: ClaimState) -> Result<Vec<ExportRow>, StoreError> {
        let mut connection = self.reader().await?;
        let rows = sqlx::query(
            "SELECT c.id, c.member_id, c.sku, m.display_name, c.state, c.decided_at, c.note, c.tracking, \
                 c.options, c.shipping_address, c.created_at, c.fulfilled_at \
             FROM claims c JOIN members m ON m.id = c.member_id WHERE c.state = ? ORDER BY c.id",
        )
        .bind(state.as_str())
        .fetch_all(&mut *connection)
        .await
        .context("exporting claims")?;
        let mut exported = Vec::with_capacity(rows.len());
        for row in &rows {
            let decode = || -> Result<(i64, ExportRow), sqlx::Error> {
                let member: i64 = row.try_get("member_id")?;
                Ok((
                    member,
                    ExportRow {
                        claim: row.try_get("id")?,
                        sku: row.try_get("sku")?,
                        member: row.try_get("display_name")?,
                        contact: String::new(),
                        state: row.try_get("state")?,
                        decided_at: row.try_get("decided_at")?,
                        note: row.try_get("note")?,
                        tracking: row.try_get("tracking")?,
                        handles: String::new(),
                        options: read_options(&row.try_get::<String, _>("options")?),
                        address: row.try_get("shipping_address")?,
                        created_at: row.try_get("created_at")?,
                        fulfilled_at: row.try_get("fulfilled_at")?,
                    },
                ))
            };
            let (member, mut export) = decode().context("decoding the export")?;
            let accounts = sqlx::query(
                "SELECT platform, external_id, username FROM identities \
                 WHERE member_id = ? AND platform <> 'cli' ORDER BY created_at, platform",
            )
            .bind(member)
            .fetch_all(&mut *connection)
            .await
            .context("reading the accounts of an exported claim")?;
            let mut handles = Vec::with_capacity(accounts.len());
            for account in &accounts {
                let decode = || -> Result<String, sqlx::Error> {
                    let platform: String = account.try_get("platform")?;
                    let external_id: String = account.try_get("external_id")?;
                    let username: Option<String> = account.try_get("username")?;
                    Ok(handle(
                        &platform,
                        &external_id,
                        username.as_deref(),
                        &export.member,
                    ))
                };
                handles.push(decode().context("decoding an account")?);
            }
            export.contact = handles.first().cloned().unwrap_or_default();
            export.handles = handles.join("; ");
            exported.push(export);
        }
        Ok(exported)
    }

    /// The member's open claims (pending or approved) on items sent by
    /// post, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn open_shipping_claims(&self, member: MemberId) -> Result<Vec<Claim>, StoreError> {
        let rows = sqlx::query(claim_query!(
            "WHERE c.member_id = ? AND c.shipping = 1 AND c.state IN ('pending', 'approved') ORDER BY c.id"
        ))
        .bind(member.0)
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing open shipping claims")?;
        rows.iter().map(claim_from_row).collect()
    }

    /// Stores a member's postal address with their open shipping claims
    /// (all of them, or only those without one), and hides it in the
    /// message that carried it. An address it replaces is removed wherever
    /// the bot wrote it. Returns the claims that got the address.
    #[tracing::instrument(skip_all)]
    pub async fn set_address(
        &self,
        address: &NewAddress<'_>,
        now: DateTime<Utc>,
    ) -> Result<Vec<Claim>, StoreError> {
        let mut tx = self.begin_write().await?;
        // `?2`: only the claims still without an address.
        let ids: Vec<i64> = sqlx::query_scalar(
            "SELECT id FROM claims WHERE member_id = ?1 AND shipping = 1 \
             AND state IN ('pending', 'approved') AND (?2 = 0 OR shipping_address IS NULL) ORDER BY id",
        )
        .bind(address.member.0)
        .bind(address.only_missing)
        .fetch_all(&mut *tx)
        .await
        .context("finding claims for an address")?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let old: Vec<String> = sqlx::query_scalar(
            "SELECT DISTINCT shipping_address FROM claims WHERE member_id = ?1 AND shipping = 1 \
             AND state IN ('pending', 'approved') AND ?2 = 0 AND shipping_address IS NOT NULL",
        )
        .bind(address.member.0)
        .bind(address.only_missing)
        .fetch_all(&mut *tx)
        .await
        .context("reading replaced addresses")?;
        sqlx::query(
            "UPDATE claims SET shipping_address = ?3, address_set_at = ?4 WHERE member_id = ?1 \
             AND shipping = 1 AND state IN ('pending', 'approved') AND (?2 = 0 OR shipping_address IS NULL)",
        )
        .bind(address.member.0)
        .bind(address.only_missing)
        .bind(address.address)
        .bind(now)
        .execute(&mut *tx)
        .await
        .context("storing an address")?;
        if let Some((message, shown)) = address.message {
            sqlx::query("UPDATE messages SET body = ? WHERE id = ? AND author_id = ?")
                .bind(shown)
                .bind(message.0)
                .bind(address.member.0)
                .execute(&mut *tx)
                .await
                .context("hiding an address in its message")?;
        }
        for replaced in old.iter().filter(|old| *old != address.address) {
            scrub(&mut tx, replaced).await?;
        }
        let mut claims = Vec::with_capacity(ids.len());
        for id in ids {
            claims.push(claim_in(&mut tx, id).await?);
        }
        tx.commit().await.context("committing an address")?;
        Ok(claims)
    }

    /// Erases the addresses of claims that ended (shipped, rejected,
    /// cancelled, expired) at or before `ended_by`: from the claim, and
    /// wherever the bot wrote it (messages and notices). Returns the claims.
    #[tracing::instrument(skip_all)]
    pub async fn erase_addresses(
        &self,
        ended_by: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Vec<i64>, StoreError> {
        let mut tx = self.begin_write().await?;
        let due = sqlx::query(
            "SELECT id, shipping_address FROM claims WHERE shipping_address IS NOT NULL AND ( \
                 (state = 'fulfilled' AND fulfilled_at <= ?1) \
                 OR (state IN ('rejected', 'cancelled', 'expired') AND decided_at <= ?1)) \
             ORDER BY id",
        )
        .bind(ended_by)
        .fetch_all(&mut *tx)
        .await
        .context("finding addresses to erase")?;
        let mut erased = Vec::with_capacity(due.len());
        for row in &due {
            let id: i64 = row.try_get("id").context("decoding an address")?;
            let address: String = row
                .try_get("shipping_address")
                .context("decoding an address")?;
            let still_used: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM claims WHERE shipping_address = ? AND id <> ? \
                 AND state IN ('pending', 'approved')",
            )
            .bind(&address)
            .bind(id)
            .fetch_one(&mut *tx)
            .await
            .context("checking an address is still needed")?;
            sqlx::query(
                "UPDATE claims SET shipping_address = NULL, address_erased_at = ? WHERE id = ?",
            )
            .bind(now)
            .bind(id)
            .execute(&mut *tx)
            .await
            .context("erasing an address")?;
            if still_used == 0 {
                scrub(&mut tx, &address).await?;
            }
            erased.push(id);
        }
        tx.commit().await.context("committing erased addresses")?;
        Ok(erased)
    }
}

/// How an account is named in the export: `telegram:anna` by its username,
/// or by the member's name and the platform's id where it has none (a
/// bare number tells nobody who to send the parcel to).
fn handle(platform: &str, external_id: &str, username: Option<&str>, name: &str) -> String {
    match username {
        Some(username) => format!("{platform}:{username}"),
        None => format!("{platform}:{name} (id {external_id})"),
    }
}

/// The options column as the member's choices; unreadable text is none.
fn read_options(stored: &str) -> Chosen {
    serde_json::from_str(stored).unwrap_or_default()
}

/// Replaces `address` with [`ADDRESS_REMOVED`] in the bot's messages and
/// private messages, and in notices still in the outbox. Addresses are at
/// least a few words long, so the text found is the address.
async fn scrub(tx: &mut sqlx::SqliteConnection, address: &str) -> Result<(), StoreError> {
    sqlx::query(
        "UPDATE messages SET body = replace(body, ?1, ?2) \
         WHERE (from_bot = 1 OR private = 1) AND instr(body, ?1) > 0",
    )
    .bind(address)
    .bind(ADDRESS_REMOVED)
    .execute(&mut *tx)
    .await
    .context("removing an address from messages")?;
    // Notices keep their texts as JSON, where the address is escaped.
    let escaped = serde_json::to_string(address).unwrap_or_default();
    let escaped = escaped.trim_matches('"');
    let removed = serde_json::to_string(ADDRESS_REMOVED).unwrap_or_default();
    sqlx::query("UPDATE outbox SET texts = replace(texts, ?1, ?2) WHERE instr(texts, ?1) > 0")
        .bind(escaped)
        .bind(removed.trim_matches('"'))
        .execute(&mut *tx)
        .await
        .context("removing an address from notices")?;
    Ok(())
}

async fn approve(
    tx: &mut sqlx::SqliteConnection,
    claim: &Claim,
    moderator: MemberId,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<Decided, StoreError> {
    let recorded = sqlx::query(
        "INSERT INTO claim_approvals (claim_id, moderator_id, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    )
    .bind(claim.id)
    .bind(moderator.0)
    .bind(now)
    .execute(&mut *tx)
    .await
    .context("recording an approval")?;
    if recorded.rows_affected() == 0 {
        return Ok(Decided::AlreadyApprovedByYou(claim.clone()));
    }
    if claim.approvals + 1 < claim.approvals_needed {
        return Ok(Decided::ApprovalRecorded(claim_in(tx, claim.id).await?));
    }
    let updated = sqlx::query(
        "UPDATE claims SET state = 'approved', decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND state = 'pending'",
    )
    .bind(moderator.0)
    .bind(now)
    .bind(note)
    .bind(claim.id)
    .execute(&mut *tx)
    .await
    .context("approving a claim")?;
    if updated.rows_affected() == 0 {
        return Ok(Decided::AlreadyDecided(claim_in(tx, claim.id).await?));
    }
    move_held(tx, claim.member, -claim.cost).await?;
    Ok(Decided::Approved(claim_in(tx, claim.id).await?))
}

/// Ends a pending claim (rejected, cancelled, expired) and refunds its hold.
async fn end_with_refund(
    tx: &mut sqlx::SqliteConnection,
    claim: &Claim,
    state: ClaimState,
    decided_by: Option<MemberId>,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let updated = sqlx::query(
        "UPDATE claims SET state = ?, decided_by = ?, decided_at = ?, note = ? WHERE id = ? AND state = 'pending'",
    )
    .bind(state.as_str())
    .bind(decided_by.map(|member| member.0))
    .bind(now)
    .bind(note)
    .bind(claim.id)
    .execute(&mut *tx)
    .await
    .context("ending a claim")?;
    if updated.rows_affected() == 0 {
        return Err(StoreError::Inconsistent(format!(
            "claim {} was not pending",
            claim.id
        )));
    }
    let refund = Posting {
        member: claim.member,
        amount: claim.cost,
        kind: LedgerKind::Refund,
        reason: format!("claim {} {}", claim.id, state.as_str()),
        actor: decided_by,
        source: Some(format!("claim {}", claim.id)),
        idempotency_key: format!("claim:{}:refund", claim.id),
        audit: None,
    };
    book(tx, &refund, now).await?;
    move_held(tx, claim.member, -claim.cost).await
}

/// Changes a member's held points by `amount`.
async fn move_held(
    tx: &mut sqlx::SqliteConnection,
    member: MemberId,
    amount: i64,
) -> Result<(), StoreError> {
    sqlx::query("UPDATE balances SET held = held + ? WHERE member_id = ?")
        .bind(amount)
        .bind(member.0)
        .execute(&mut *tx)
        .await
        .context("moving held points")?;
    Ok(())
}

async fn find_claim(tx: &mut sqlx::SqliteConnection, id: i64) -> Result<Option<Claim>, StoreError> {
    let row = sqlx::query(claim_query!("WHERE c.id = ?"))
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .context("reading a claim")?;
    row.as_ref().map(claim_from_row).transpose()
}

async fn claim_in(tx: &mut sqlx::SqliteConnection, id: i64) -> Result<Claim, StoreError> {
    find_claim(tx, id)
        .await?
        .ok_or_else(|| StoreError::Inconsistent(format!("claim {id} vanished")))
}

fn claim_from_row(row: &SqliteRow) -> Result<Claim, StoreError> {
    let decode = || -> Result<Claim, sqlx::Error> {
        let state: String = row.try_get("state")?;
        Ok(Claim {
            id: row.try_get("id")?,
            member: MemberId(row.try_get("member_id")?),
            member_name: row.try_get("member_name")?,
            sku: row.try_get("sku")?,
            cost: row.try_get("cost")?,
            state: ClaimState::parse(&state).unwrap_or(ClaimState::Pending),
            approvals_needed: row.try_get("approvals_needed")?,
            approvals: row.try_get("approvals")?,
            created_at: row.try_get("created_at")?,
            expires_at: row.try_get("expires_at")?,
            decided_by: row.try_get("decided_by")?,
            decided_at: row.try_get("decided_at")?,
            note: row.try_get("note")?,
            tracking: row.try_get("tracking")?,
            options: read_options(&row.try_get::<String, _>("options")?),
            shipping: row.try_get("shipping")?,
            address: row.try_get("shipping_address")?,
            address_erased: row
                .try_get::<Option<DateTime<Utc>>, _>("address_erased_at")?
                .is_some(),
            fulfilled_at: row.try_get("fulfilled_at")?,
        })
    };
    decode().context("decoding a claim")
}

/// Moves `from`'s claims, decisions and approvals to `to`, inside the
/// caller's write transaction (members being joined; the held points moved
/// with the balance). Two approvals of one claim by the two accounts of
/// one person become one.
pub(crate) async fn reassign_claims(
    tx: &mut sqlx::SqliteConnection,
    from: MemberId,
    to: MemberId,
) -> Result<(), StoreError> {
    super::reassign(
        tx,
        from,
        to,
        &[
            "UPDATE claims SET member_id = ?1 WHERE member_id = ?2",
            "UPDATE claims SET decided_by = ?1 WHERE decided_by = ?2",
            "UPDATE claims SET fulfilled_by = ?1 WHERE fulfilled_by = ?2",
            "UPDATE OR IGNORE claim_approvals SET moderator_id = ?1 WHERE moderator_id = ?2",
            "DELETE FROM claim_approvals WHERE moderator_id = ?2",
        ],
        "moving claims",
    )
    .await
}

impl Store {
    /// Approved claims on items sent by post, waiting to be shipped, oldest
    /// first.
    #[tracing::instrument(skip_all)]
    pub async fn claims_to_ship(&self, limit: u32) -> Result<Vec<Claim>, StoreError> {
        let rows = sqlx::query(claim_query!(
            "WHERE c.state = 'approved' AND c.shipping = 1 ORDER BY c.id LIMIT ?"
        ))
        .bind(i64::from(limit))
        .fetch_all(&mut *self.reader().await?)
        .await
        .context("listing claims to ship")?;
        rows.iter().map(claim_from_row).collect()
    }
}
