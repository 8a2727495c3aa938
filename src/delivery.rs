//! Delivering notices: the loop every platform's deliverer runs.
//!
//! The club writes notices to the outbox (`store::outbox`); a [`Deliverer`]
//! takes the due ones of its platform and hands each to the platform's
//! [`Sender`], which turns it into an API call. An adapter plugs in by
//! implementing [`Sender`] (send one notice, say how fast a chat may be
//! written to) and running `Deliverer::new(club, sender, pace).run(stop)`.
//!
//! Why it is built the way it is:
//! - **No chat waits for another.** Each chat has at most one send in
//!   flight, as its own task; a chat whose send hangs holds up only itself
//!   (until `attempt_timeout`), and a chat's notices still go out in order.
//!   Chats get the platform's pace (`Sender::chat_interval`), all of them
//!   together a global pace (`Pace::global_interval`).
//! - **Nothing is dropped.** A failed attempt is recorded with the reason;
//!   flood limits (`retry_after`) and transient failures (5xx, timeouts,
//!   network) are tried again, the latter with growing backoff; after
//!   `max_attempts` the notice is marked failed and logged, and `doctor`
//!   counts it. A member the platform cannot reach keeps the notice until
//!   they next use the bot.
//! - **At least once.** A notice is marked delivered after the platform
//!   answered; a crash in between sends it again after the restart (a lease
//!   on the row, `leased_until`, keeps it from being taken twice; the
//!   platform's one deliverer frees its leases when it starts). On shutdown the deliverer drains for up to a grace period.
//! - **A reply takes no extra turn.** The deliverer registers with the club
//!   ([`Club::hand_notices_to`]); an event's notices that are first in
//!   their chat are written already leased to it and handed over by id
//!   once the event committed, so they go out without the lease's turn of
//!   the group commit (docs/performance.md). One whose chat is busy or
//!   paced is given back to the outbox.
//! - **Wall-clock time**, not the club's clock: delivery is about real
//!   seconds, whatever day the club's rules think it is.
//! - **A step function** ([`Deliverer::step`]) sends what is due and waits
//!   for it, so tests drain the queue instead of sleeping.

use std::collections::{HashMap, HashSet};
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use tokio::task::JoinSet;
use tokio::time::Instant;

use crate::club::model::Platform;
use crate::club::{Club, error_chain};
use crate::store::{DueNotice, SentNotice, StoreError};

/// Why one attempt to send failed, as far as retrying goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SendFailure {
    /// The platform's flood limit: wait this long, then try again.
    RetryAfter(Duration),
    /// Worth another try with backoff: 5xx, network, no answer in time.
    Transient(String),
    /// The platform cannot reach this member (never started the bot,
    /// blocked it): the notice is kept for their next visit.
    Unreachable(String),
    /// Trying again will not help.
    Permanent(String),
}

/// What a platform implements to deliver notices.
pub trait Sender: Send + Sync + 'static {
    /// The platform whose notices this sender takes.
    fn platform(&self) -> Platform;

    /// Least time between two messages to the chat `notice` goes to.
    fn chat_interval(&self, notice: &DueNotice) -> Duration;

    /// Sends (or, with `notice.replaces`, edits) one notice. The platform's
    /// id of a new message on success; `None` for an edit or where the
    /// platform has no ids.
    fn send(
        &self,
        notice: &DueNotice,
    ) -> impl Future<Output = Result<Option<String>, SendFailure>> + Send;

    /// The platform cannot reach the member `notice` is for; a chance to say
    /// so where they asked (returns notices for the outbox).
    fn unreachable(&self, notice: &DueNotice) -> Vec<crate::club::reply::Reply> {
        let _ = notice;
        Vec::new()
    }
}

/// How fast and how patiently a deliverer works.
#[derive(Debug, Clone)]
pub struct Pace {
    /// Least time between any two sends of this deliverer.
    pub global_interval: Duration,
    /// Longest one attempt may take before it counts as a transient failure.
    pub attempt_timeout: Duration,
    /// First wait after a transient failure; doubles per failure, capped.
    pub backoff_start: Duration,
    pub backoff_cap: Duration,
    /// Attempts before a notice is given up (`delivery.max_attempts`).
    pub max_attempts: u32,
    /// How often the outbox is looked at when nothing pokes the deliverer
    /// (notices another process wrote, retries coming due).
    pub poll_interval: Duration,
    /// At most this many notices are taken per look.
    pub batch: usize,
    /// Delivered notices older than this are deleted (`delivery.keep_days`).
    pub keep: Duration,
}

impl Pace {
    /// The wait after `failures` failures in a row: exponential, capped.
    pub fn backoff(&self, failures: u32) -> Duration {
        let factor = 2u32.saturating_pow(failures.saturating_sub(1).min(16));
        self.backoff_start
            .saturating_mul(factor)
            .min(self.backoff_cap)
    }
}

/// What became of one attempt, for the loop's pacing.
struct Attempted {
    chat: String,
    /// When the chat may be written to again.
    ready: Instant,
}

/// Takes due notices of one platform and sends them through its [`Sender`].
pub struct Deliverer<S: Sender> {
    club: Club,
    sender: Arc<S>,
    pace: Pace,
    in_flight: JoinSet<Attempted>,
    busy: HashSet<String>,
    chat_ready: HashMap<String, Instant>,
    global_ready: Instant,
    last_prune: Option<Instant>,
}

impl<S: Sender> Deliverer<S> {
    pub fn new(club: Club, sender: S, pace: Pace) -> Deliverer<S> {
        Deliverer {
            club,
            sender: Arc::new(sender),
            pace,
            in_flight: JoinSet::new(),
            busy: HashSet::new(),
            chat_ready: HashMap::new(),
            global_ready: Instant::now(),
            last_prune: None,
        }
    }

    /// Sends every notice due now whose chat is free, waits until those
    /// sends ended, and returns how many were started. For tests and
    /// benches: call it until it returns 0 to drain the outbox.
    pub async fn step(&mut self) -> Result<usize, StoreError> {
        let started = self.start_due().await?;
        while let Some(done) = self.in_flight.join_next().await {
            self.finished(done);
        }
        Ok(started)
    }

    /// Delivers until `stop` resolves, then drains for up to `grace`: what
    /// is still waiting then is delivered after the next start. Store
    /// failures are logged and retried; the loop never ends on its own.
    pub async fn run(mut self, stop: impl Future<Output = ()>, grace: Duration) {
        let platform = self.sender.platform();
        match self.club.store().release_leases(platform).await {
            Ok(0) => {}
            Ok(freed) => {
                tracing::warn!(freed, %platform, "notices being sent when the last process ended go again")
            }
            Err(error) => tracing::error!(error = %error_chain(&error), "releasing leases failed"),
        }
        let mut written = self.club.notices_written();
        let mut handed = self.club.hand_notices_to(platform, self.lease(1));
        tokio::pin!(stop);
        loop {
            self.tick().await;
            let wake = self.next_wake();
            tokio::select! {
                () = &mut stop => break,
                Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                    self.finished(done);
                }
                Some(ids) = handed.recv() => self.take_handed(ids).await,
                _ = written.changed() => {}
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        // Nothing more is handed over; what already was goes first.
        handed.close();
        while let Some(ids) = handed.recv().await {
            self.take_handed(ids).await;
        }
        self.drain(grace).await;
    }

    /// Starts the notices an event handed over (leased to this deliverer
    /// when they were written); one whose chat is busy or paced goes back
    /// to the outbox, to be taken in its turn. Failures are logged: the
    /// notices then go when their lease has run out.
    async fn take_handed(&mut self, ids: Vec<i64>) {
        if let Err(error) = self.start_handed(&ids).await {
            tracing::error!(
                error = %error_chain(&error),
                notices = ids.len(),
                "taking handed notices failed; they go once their lease ran out"
            );
        }
    }

    async fn start_handed(&mut self, ids: &[i64]) -> Result<(), StoreError> {
        let store = self.club.store().clone();
        let notices = store.handed_notices(self.sender.platform(), ids).await?;
        let now = Instant::now();
        let mut given_back = Vec::new();
        for notice in notices {
            let waits = self.busy.contains(&notice.place)
                || self
                    .chat_ready
                    .get(&notice.place)
                    .is_some_and(|ready| *ready > now);
            if waits {
                tracing::debug!(notice = notice.id, "its chat must wait: back to the outbox");
                given_back.push(notice.id);
            } else {
                self.start(notice).await;
            }
        }
        store.release_notices(&given_back).await
    }

    /// Sends what is due until nothing is left or `grace` ran out.
    async fn drain(&mut self, grace: Duration) {
        let deadline = Instant::now() + grace;
        tracing::info!(
            platform = %self.sender.platform(),
            grace_ms = grace.as_millis() as u64,
            "draining the outbox before shutdown"
        );
        loop {
            self.tick().await;
            let waiting = self
                .club
                .store()
                .next_notice_at(self.sender.platform())
                .await
                .ok()
                .flatten();
            let now_utc = Utc::now();
            let left = deadline.saturating_duration_since(Instant::now());
            let more_in_time =
                waiting.is_some_and(|at| (at - now_utc).to_std().unwrap_or_default() < left);
            if self.in_flight.is_empty() && !more_in_time {
                break;
            }
            if left.is_zero() {
                tracing::warn!(
                    platform = %self.sender.platform(),
                    "shutdown grace over; the notices still waiting go after the next start"
                );
                break;
            }
            let wake = self.next_wake().min(deadline);
            tokio::select! {
                Some(done) = self.in_flight.join_next(), if !self.in_flight.is_empty() => {
                    self.finished(done);
                }
                () = tokio::time::sleep_until(wake) => {}
            }
        }
        self.in_flight.abort_all();
    }

    /// Starts what is due, prunes now and then; store failures are logged.
    async fn tick(&mut self) {
        if let Err(error) = self.start_due().await {
            tracing::error!(error = %error_chain(&error), "reading the outbox failed; trying again");
        }
        let hour = Duration::from_secs(3_600);
        if self.last_prune.is_none_or(|last| last.elapsed() >= hour) {
            self.last_prune = Some(Instant::now());
            let keep = chrono::Duration::from_std(self.pace.keep).unwrap_or(chrono::Duration::MAX);
            match self.club.store().prune_notices(Utc::now() - keep).await {
                Ok(0) => {}
                Ok(pruned) => tracing::info!(pruned, "delivered notices pruned"),
                Err(error) => {
                    tracing::error!(error = %error_chain(&error), "pruning the outbox failed");
                }
            }
        }
    }

    /// When to look at the outbox again, with nothing else happening.
    fn next_wake(&self) -> Instant {
        let now = Instant::now();
        let poll = now + self.pace.poll_interval;
        self.chat_ready
            .values()
            .copied()
            .filter(|ready| *ready > now)
            .min()
            .map_or(poll, |ready| ready.min(poll))
    }

    fn finished(&mut self, done: Result<Attempted, tokio::task::JoinError>) {
        match done {
            Ok(Attempted { chat, ready }) => {
                self.busy.remove(&chat);
                self.chat_ready.insert(chat, ready);
            }
            Err(error) => {
                tracing::error!(%error, "a delivery task failed");
                // Its chat stays busy in `busy` otherwise: forget them all
                // that are not in flight any more.
                if self.in_flight.is_empty() {
                    self.busy.clear();
                }
            }
        }
    }

    /// Takes due notices of free chats and starts one send per chat.
    async fn start_due(&mut self) -> Result<usize, StoreError> {
        let now = Instant::now();
        self.chat_ready.retain(|_, ready| *ready > now);
        let mut skip: Vec<String> = self.busy.iter().cloned().collect();
        skip.extend(self.chat_ready.keys().cloned());
        let store = self.club.store().clone();
        let due = store
            .due_notices(self.sender.platform(), Utc::now(), &skip, self.pace.batch)
            .await?;
        let lease = self.lease(due.len());
        let until = Utc::now() + chrono::Duration::from_std(lease).unwrap_or_default();
        let ids: Vec<i64> = due.iter().map(|notice| notice.id).collect();
        let leased = store.lease_notices(&ids, Utc::now(), until).await?;
        let mut started = 0;
        for notice in due.into_iter().filter(|notice| leased.contains(&notice.id)) {
            self.start(notice).await;
            started += 1;
        }
        Ok(started)
    }

    /// How long `notices` leased together are kept from other takers: one
    /// attempt, and for the last of them the global pace's waits before it.
    fn lease(&self, notices: usize) -> Duration {
        let paced = self
            .pace
            .global_interval
            .saturating_mul(u32::try_from(notices).unwrap_or(u32::MAX));
        self.pace.attempt_timeout + Duration::from_secs(5) + paced
    }

    /// Starts one attempt at a leased notice, after the global pace's wait.
    async fn start(&mut self, notice: DueNotice) {
        tokio::time::sleep_until(self.global_ready).await;
        self.global_ready = Instant::now() + self.pace.global_interval;
        self.busy.insert(notice.place.clone());
        let sender = self.sender.clone();
        let club = self.club.clone();
        let pace = self.pace.clone();
        self.in_flight
            .spawn(async move { attempt(&club, &*sender, &pace, notice).await });
    }
}

/// One attempt at one notice, recorded in the store whatever happens.
async fn attempt<S: Sender>(club: &Club, sender: &S, pace: &Pace, notice: DueNotice) -> Attempted {
    let outcome = match tokio::time::timeout(pace.attempt_timeout, sender.send(&notice)).await {
        Ok(outcome) => outcome,
        Err(_) => Err(SendFailure::Transient(format!(
            "no answer within {} ms",
            pace.attempt_timeout.as_millis()
        ))),
    };
    crate::ops::metrics::delivery(&notice.platform, &outcome);
    let now = Instant::now();
    let mut ready = now + sender.chat_interval(&notice);
    let store = club.store();
    let recorded = match outcome {
        Ok(external) => {
            let sent = SentNotice {
                external_id: external.as_deref(),
                body: &notice.text,
            };
            store
                .notice_sent(&notice, &sent, Utc::now())
                .await
                .map(|_| ())
        }
        Err(SendFailure::Unreachable(reason)) => {
            tracing::info!(notice = notice.id, %reason, "the platform cannot reach the member; kept for their next visit");
            let hints = sender.unreachable(&notice);
            match store.hold_notice(notice.id, &reason).await {
                Ok(()) => club.tell(&hints).await,
                Err(error) => Err(error),
            }
        }
        Err(failure) => {
            let (reason, wait) = match failure {
                SendFailure::RetryAfter(wait) => {
                    tracing::warn!(
                        notice = notice.id,
                        wait_ms = wait.as_millis() as u64,
                        "flood limit (429)"
                    );
                    ready = now + wait;
                    (
                        format!("flood limit: retry after {} ms", wait.as_millis()),
                        Some(wait),
                    )
                }
                SendFailure::Transient(reason) => {
                    let wait = pace.backoff(notice.attempts + 1);
                    (reason, Some(wait))
                }
                SendFailure::Permanent(reason) => (reason, None),
                SendFailure::Unreachable(_) => unreachable!("handled above"),
            };
            let attempts = notice.attempts + 1;
            let retry_at = wait
                .filter(|_| attempts < pace.max_attempts)
                .map(|wait| Utc::now() + chrono::Duration::from_std(wait).unwrap_or_default());
            if retry_at.is_none() {
                tracing::error!(
                    platform = %notice.platform,
                    chat = %notice.place,
                    notice = notice.id,
                    attempts,
                    %reason,
                    "a notice could not be delivered; given up"
                );
            } else {
                tracing::warn!(notice = notice.id, attempt = attempts, %reason, "sending failed; retrying");
            }
            store
                .notice_attempt_failed(notice.id, &reason, retry_at, Utc::now())
                .await
        }
    };
    if let Err(error) = recorded {
        tracing::error!(
            notice = notice.id,
            error = %error_chain(&error),
            "a delivery could not be recorded; the notice may go again"
        );
    }
    Attempted {
        chat: notice.place,
        ready,
    }
}
