//! Polling: `getUpdates` fetched ahead, updates handled in per-chat lanes.
//!
//! Why: handled one at a time, one slow command held up every chat, and the
//! store's group commit never saw two events at once. Now each chat is a
//! [`Lanes`] lane: a chat's updates run in the order Telegram sent them,
//! different chats run at the same time (each update on a task of its
//! own), and fetching pauses while
//! `max_waiting_updates` updates run or wait.
//!
//! Fetching ahead confirms updates to Telegram (it forgets an update once
//! `getUpdates` asks past it) before they are handled. So every fetched batch
//! is first written to the store's inbox, in one transaction; only then is
//! it handled, and the next `getUpdates` confirms it. A handled update is
//! deleted from the inbox with the next batch. After a crash the updates
//! left in the inbox are handled again at start: an update that was handled
//! already changes nothing, since every event carries its update's key.

use std::collections::HashSet;
use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use teloxide::RequestError;
use teloxide::requests::{JsonRequest, Payload, Request};
use teloxide::types::{AllowedUpdate, Update};

use super::{ALLOWED_UPDATES, Handler};
use crate::club::error_chain;
use crate::club::model::Platform;
use crate::lanes::Lanes;
use crate::store::inbox::InboxUpdate;

/// The order that must hold: a chat's updates one after another. An update
/// with neither chat nor sender is alone in its lane.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum Lane {
    Chat(i64),
    Alone(u32),
}

impl Lane {
    fn of(update: &Update) -> Lane {
        if let Some(chat) = update.chat() {
            return Lane::Chat(chat.id.0);
        }
        match update.from() {
            // A member's private chat has their user id.
            Some(user) => Lane::Chat(i64::try_from(user.id.0).unwrap_or(i64::MAX)),
            None => Lane::Alone(update.id.0),
        }
    }
}

/// A `getUpdates` call under way.
type Fetch<'a> = Pin<Box<dyn Future<Output = Fetched> + Send + 'a>>;

/// How a `getUpdates` went. Handled ids that could not be deleted from the
/// inbox come back, to be deleted with the next batch.
enum Fetched {
    /// Written to the inbox: to be handled.
    Kept(Vec<Taken>),
    /// Taken from Telegram but not written: they come again.
    NotKept(Vec<i64>),
    Failed(Vec<i64>, RequestError),
}

impl Handler {
    /// The `getUpdates` loop. Failures are logged and retried with backoff;
    /// it never ends.
    pub(super) async fn poll(&self) -> Infallible {
        let mut lanes: Lanes<Lane, Update> = Lanes::default();
        let mut running = FuturesUnordered::new();
        // Handled since the inbox was last written: deleted with the next batch.
        let mut handled: Vec<i64> = Vec::new();
        let mut offset: Option<i32> = None;
        let mut failures = 0;
        let mut wait: Option<Duration> = None;
        let mut fetch: Option<Fetch<'_>> = None;
        let (replayed, unreadable) = self.left_in_inbox().await;
        handled.extend(unreadable);
        let mut replayed_ids: HashSet<u32> = replayed.iter().map(|update| update.id.0).collect();
        for update in replayed {
            if let Some((lane, update)) = start(&mut lanes, update) {
                running.push(self.run(lane, update));
            }
        }
        loop {
            if fetch.is_none() && lanes.len() < self.tuning.max_waiting_updates {
                let handled = std::mem::take(&mut handled);
                fetch = Some(Box::pin(self.fetch(offset, wait.take(), handled)));
            }
            tokio::select! {
                Some((lane, id)) = running.next(), if !running.is_empty() => {
                    handled.push(id);
                    if let Some(next) = lanes.finish(&lane) {
                        running.push(self.run(lane, next));
                    }
                }
                fetched = async {
                    match fetch.as_mut() {
                        Some(fetch) => fetch.await,
                        None => std::future::pending().await,
                    }
                } => {
                    fetch = None;
                    match fetched {
                        Fetched::Kept(taken) => {
                            failures = 0;
                            for Taken { id, update, .. } in taken {
                                offset = Some(i32::try_from(id + 1).unwrap_or(i32::MAX));
                                let Some(update) = update else { continue };
                                if replayed_ids.remove(&update.id.0) {
                                    continue;
                                }
                                if let Some((lane, update)) = start(&mut lanes, update) {
                                    running.push(self.run(lane, update));
                                }
                            }
                            replayed_ids.clear();
                        }
                        Fetched::NotKept(not_deleted) => {
                            // Not confirmed: the same updates come again.
                            handled.extend(not_deleted);
                            failures += 1;
                            wait = Some(self.tuning.backoff(failures));
                        }
                        Fetched::Failed(not_deleted, RequestError::RetryAfter(seconds)) => {
                            handled.extend(not_deleted);
                            let pause = self.tuning.retry_after_unit * seconds.seconds();
                            tracing::warn!(wait_ms = pause.as_millis() as u64, "getUpdates: flood limit");
                            wait = Some(pause);
                        }
                        Fetched::Failed(not_deleted, error) => {
                            handled.extend(not_deleted);
                            failures += 1;
                            let pause = self.tuning.backoff(failures);
                            tracing::warn!(
                                attempt = failures,
                                retry_in_ms = pause.as_millis() as u64,
                                error = %error_chain(&error),
                                "getUpdates failed, retrying"
                            );
                            wait = Some(pause);
                        }
                    }
                }
            }
        }
    }

    /// One `getUpdates` (after `wait` if the last one failed), whose updates
    /// are written to the inbox, and `handled` deleted from it, before they
    /// are handed out. The store work happens here, beside the running
    /// updates, never in the loop that polls them: a handler holding the
    /// group commit's turn must keep running for the inbox to get one.
    async fn fetch(
        &self,
        offset: Option<i32>,
        wait: Option<Duration>,
        handled: Vec<i64>,
    ) -> Fetched {
        if let Some(wait) = wait {
            tokio::time::sleep(wait).await;
        }
        let updates = match self.get_updates(offset).await {
            Ok(updates) => updates,
            Err(error) => return Fetched::Failed(handled, error),
        };
        if self.keep(&updates, &handled).await {
            Fetched::Kept(updates)
        } else {
            Fetched::NotKept(handled)
        }
    }

    /// `getUpdates`, each update as Telegram's own JSON (kept in the inbox
    /// as it came: teloxide's types do not all read back what they write)
    /// with teloxide's reading of it.
    async fn get_updates(&self, offset: Option<i32>) -> Result<Vec<Taken>, RequestError> {
        let payload = RawUpdates {
            offset,
            timeout: u32::try_from(self.tuning.poll_timeout.as_secs()).unwrap_or(u32::MAX),
            allowed_updates: ALLOWED_UPDATES.to_vec(),
        };
        let raw = JsonRequest::new(self.bot.clone(), payload).send().await?;
        Ok(raw.into_iter().filter_map(Taken::read).collect())
    }

    /// Writes `fresh` to the inbox and deletes `handled` from it: whether
    /// that worked (if not, nothing may be confirmed to Telegram).
    async fn keep(&self, fresh: &[Taken], handled: &[i64]) -> bool {
        let received: Vec<InboxUpdate> = fresh
            .iter()
            .filter(|taken| taken.update.is_some())
            .map(|taken| InboxUpdate {
                update_id: taken.id,
                body: taken.body.clone(),
            })
            .collect();
        let kept = self
            .club
            .store()
            .inbox_exchange(Platform::Telegram, &received, handled, chrono::Utc::now())
            .await;
        match kept {
            Ok(()) => true,
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "writing updates to the inbox failed; fetching them again");
                false
            }
        }
    }

    /// What a previous run took from Telegram but did not finish handling,
    /// and the ids of kept updates that cannot be read any more.
    async fn left_in_inbox(&self) -> (Vec<Update>, Vec<i64>) {
        let waiting = match self.club.store().inbox_waiting(Platform::Telegram).await {
            Ok(waiting) => waiting,
            Err(error) => {
                tracing::error!(error = %error_chain(&error), "reading the inbox failed; its updates wait for the next start");
                return (Vec::new(), Vec::new());
            }
        };
        if !waiting.is_empty() {
            tracing::info!(
                updates = waiting.len(),
                "handling the updates the last run left"
            );
        }
        let mut updates = Vec::with_capacity(waiting.len());
        let mut unreadable = Vec::new();
        for kept in waiting {
            match read_update(&kept.body) {
                Some(update) => updates.push(update),
                None => {
                    tracing::warn!(
                        update = kept.update_id,
                        "an update in the inbox cannot be read; skipped"
                    );
                    unreadable.push(kept.update_id);
                }
            }
        }
        (updates, unreadable)
    }

    /// Handles one update on a task of its own (so the work of different
    /// chats spreads over the runtime's threads instead of sharing the
    /// polling task's); its lane and id when it is done. An update whose
    /// handling panicked is logged and counted as handled: handled again
    /// it would panic again.
    async fn run(&self, lane: Lane, update: Update) -> (Lane, i64) {
        let id = i64::from(update.id.0);
        let handler = self.clone();
        let handled = tokio::spawn(async move { handler.on_update(update).await }).await;
        if let Err(error) = handled {
            tracing::error!(update = id, %error, "handling an update failed");
        }
        (lane, id)
    }
}

/// `getUpdates` with the updates left as JSON.
#[derive(Debug, Clone, serde::Serialize)]
struct RawUpdates {
    #[serde(skip_serializing_if = "Option::is_none")]
    offset: Option<i32>,
    timeout: u32,
    allowed_updates: Vec<AllowedUpdate>,
}

impl Payload for RawUpdates {
    type Output = Vec<serde_json::Value>;
    const NAME: &'static str = "GetUpdates";

    fn timeout_hint(&self) -> Option<Duration> {
        Some(Duration::from_secs(self.timeout.into()))
    }
}

/// An update as Telegram sent it, and as teloxide reads it (`None`: it
/// cannot, and the update is only confirmed).
struct Taken {
    id: i64,
    body: String,
    update: Option<Update>,
}

impl Taken {
    fn read(raw: serde_json::Value) -> Option<Taken> {
        let id = raw["update_id"].as_i64()?;
        let body = raw.to_string();
        let update = read_update(&body);
        Some(Taken { id, body, update })
    }
}

/// teloxide's reading of an update's JSON. Its readers can panic on JSON
/// Telegram never sends (a reaction with neither user nor chat); that is
/// caught, logged and skipped here rather than taking the adapter down.
fn read_update(body: &str) -> Option<Update> {
    match std::panic::catch_unwind(|| serde_json::from_str::<Update>(body)) {
        Ok(Ok(update)) => Some(update),
        Ok(Err(error)) => {
            tracing::warn!(%error, "an update teloxide cannot read; skipped");
            None
        }
        Err(_) => {
            tracing::warn!("an update teloxide cannot read (it panicked); skipped");
            None
        }
    }
}

/// Puts `update` in its lane: returned with its lane when it starts now.
fn start(lanes: &mut Lanes<Lane, Update>, update: Update) -> Option<(Lane, Update)> {
    let lane = Lane::of(&update);
    lanes
        .push(lane.clone(), update)
        .map(|update| (lane, update))
}
