//! A channel's messages and reactions handled in the order Discord sent
//! them; different channels side by side.
//!
//! Why: serenity hands every gateway event to the event handler on a task
//! of its own, so two events of one channel (an answer and the thanks
//! replying to it, a reaction and its removal) may be handled in either
//! order, and a reaction removed before it was counted stays counted.
//!
//! How: serenity runs collector callbacks in its shard runner, one event
//! after another in gateway order, before it dispatches the event
//! (serenity 0.12's `ShardRunner::run`). When a shard is ready, a
//! collector is registered on it that copies each message and reaction
//! event into a bounded queue. One task ([`Order::run`]) takes them into
//! per-channel [`Lanes`]: a channel's events one after another, each on a
//! task of its own, channels at the same time. The event handler's own
//! methods skip the events the collector queued ([`Order::queued`]) and
//! handle the rest: those that came before the collector was registered,
//! and any that found the queue full. Those keep no order, but nothing is
//! lost or handled twice.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};

use futures_util::StreamExt;
use futures_util::stream::FuturesUnordered;
use serenity::all::{ChannelId, Message, MessageId, Reaction, ShardId, UserId};
use serenity::gateway::{CollectorCallback, ShardMessenger};
use serenity::http::Http;
use serenity::model::event::Event;
use tokio::sync::mpsc;

use crate::lanes::Lanes;

/// Events the queue holds before the collector lets the event handler's
/// own tasks take more (unordered), and that run or wait in lanes.
const BOUND: usize = 1_024;

/// A message or reaction event, in the order the gateway sent it.
pub(super) enum Ordered {
    Message(Box<Message>),
    Reaction {
        reaction: Box<Reaction>,
        added: bool,
    },
}

impl Ordered {
    fn channel(&self) -> ChannelId {
        match self {
            Ordered::Message(message) => message.channel_id,
            Ordered::Reaction { reaction, .. } => reaction.channel_id,
        }
    }

    pub(super) fn key(&self) -> Key {
        match self {
            Ordered::Message(message) => Key::Message(message.id),
            Ordered::Reaction { reaction, added } => Key::reaction(reaction, *added),
        }
    }
}

/// What tells an event the collector queued from the one the handler gets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(super) enum Key {
    Message(MessageId),
    Reaction {
        message: MessageId,
        user: Option<UserId>,
        emoji: String,
        added: bool,
    },
}

impl Key {
    fn reaction(reaction: &Reaction, added: bool) -> Key {
        Key::Reaction {
            message: reaction.message_id,
            user: reaction.user_id,
            emoji: reaction.emoji.to_string(),
            added,
        }
    }
}

/// The queue, the keys of the events in it, and each shard's collector.
pub(super) struct Order {
    sender: mpsc::Sender<(Ordered, Arc<Http>)>,
    receiver: tokio::sync::Mutex<mpsc::Receiver<(Ordered, Arc<Http>)>>,
    /// Events queued whose handler call has not come yet (with a count: a
    /// reaction added twice).
    queued: Arc<Mutex<HashMap<Key, usize>>>,
    /// Each shard's live collector: a shard ready again (it reconnected
    /// without resuming) gets a new one and the old one stops.
    collectors: Mutex<HashMap<ShardId, Arc<AtomicBool>>>,
}

impl Order {
    pub(super) fn new() -> Order {
        let (sender, receiver) = mpsc::channel(BOUND);
        Order {
            sender,
            receiver: tokio::sync::Mutex::new(receiver),
            queued: Arc::default(),
            collectors: Mutex::default(),
        }
    }

    /// Registers the collector on a shard that is ready.
    pub(super) fn collect(&self, shard: &ShardMessenger, id: ShardId, http: Arc<Http>) {
        let alive = Arc::new(AtomicBool::new(true));
        if let Some(old) = self
            .collectors
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(id, Arc::clone(&alive))
        {
            old.store(false, Ordering::SeqCst);
        }
        let sender = self.sender.clone();
        let queued = Arc::clone(&self.queued);
        shard.add_collector(CollectorCallback(Box::new(move |event| {
            if !alive.load(Ordering::SeqCst) {
                return false;
            }
            let ordered = match event {
                Event::MessageCreate(created) => {
                    Ordered::Message(Box::new(created.message.clone()))
                }
                Event::ReactionAdd(added) => Ordered::Reaction {
                    reaction: Box::new(added.reaction.clone()),
                    added: true,
                },
                Event::ReactionRemove(removed) => Ordered::Reaction {
                    reaction: Box::new(removed.reaction.clone()),
                    added: false,
                },
                _ => return true,
            };
            let key = ordered.key();
            // Counted before it is sent: the handler's call for it comes
            // after this callback returns, the lane's maybe before.
            *queued
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .entry(key.clone())
                .or_default() += 1;
            if sender.try_send((ordered, Arc::clone(&http))).is_err() {
                // Full: the event handler's own task handles it.
                uncount(&queued, &key);
            }
            true
        })));
    }

    /// Whether the collector queued the event with `key`: then the event
    /// handler leaves it to the lanes.
    pub(super) fn queued(&self, key: &Key) -> bool {
        uncount(&self.queued, key)
    }

    /// Takes the queued events into per-channel lanes and hands each to
    /// `handle` on a task of its own; never ends.
    pub(super) async fn run<F, Fut>(&self, handle: F) -> Infallible
    where
        F: Fn(Ordered, Arc<Http>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let mut receiver = self.receiver.lock().await;
        let mut lanes: Lanes<ChannelId, (Ordered, Arc<Http>)> = Lanes::default();
        let mut running = FuturesUnordered::new();
        let start = |channel: ChannelId, (event, http)| {
            let task = tokio::spawn(handle(event, http));
            async move {
                if let Err(error) = task.await {
                    tracing::error!(%error, "handling a Discord event failed");
                }
                channel
            }
        };
        loop {
            tokio::select! {
                Some(channel) = running.next(), if !running.is_empty() => {
                    if let Some(next) = lanes.finish(&channel) {
                        running.push(start(channel, next));
                    }
                }
                Some(item) = receiver.recv(), if lanes.len() < BOUND => {
                    let channel = item.0.channel();
                    if let Some(item) = lanes.push(channel, item) {
                        running.push(start(channel, item));
                    }
                }
                else => std::future::pending::<()>().await,
            }
        }
    }
}

/// Counts one handler call off; `true` when the event was queued.
fn uncount(queued: &Mutex<HashMap<Key, usize>>, key: &Key) -> bool {
    let mut queued = queued.lock().unwrap_or_else(|p| p.into_inner());
    match queued.get_mut(key) {
        Some(count) if *count > 1 => {
            *count -= 1;
            true
        }
        Some(_) => {
            queued.remove(key);
            true
        }
        None => false,
    }
}
