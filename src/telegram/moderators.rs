//! Who moderates, as Telegram sees it: the configured user ids, and the
//! administrators of the moderators' chat. The core decides what that allows;
//! this only finds the fact out, caching the administrators for
//! `telegram.admin_cache_seconds` so a busy chat does not ask Telegram for
//! every command.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use teloxide::Bot;
use teloxide::requests::{Request, Requester};
use teloxide::types::{ChatId, UserId};
use tokio::sync::Mutex;

use crate::club::error_chain;
use crate::config::TelegramSettings;

pub(super) struct Moderators {
    ids: HashSet<u64>,
    chat: Option<ChatId>,
    ttl: Duration,
    /// The administrators of `chat` and when they were read.
    cache: Mutex<Option<(Instant, HashSet<u64>)>>,
}

impl Moderators {
    pub(super) fn new(settings: &TelegramSettings) -> Moderators {
        Moderators {
            ids: settings
                .moderator_ids
                .iter()
                .filter_map(|id| u64::try_from(*id).ok())
                .collect(),
            chat: (settings.moderators_chat != 0).then_some(ChatId(settings.moderators_chat)),
            ttl: Duration::from_secs(settings.admin_cache_seconds),
            cache: Mutex::new(None),
        }
    }

    /// Whether `user` moderates. When Telegram cannot say, the last known
    /// administrators count (or nobody, if they were never read).
    pub(super) async fn check(&self, bot: &Bot, user: UserId) -> bool {
        if self.ids.contains(&user.0) {
            return true;
        }
        let Some(chat) = self.chat else {
            return false;
        };
        let mut cache = self.cache.lock().await;
        let fresh = cache
            .as_ref()
            .is_some_and(|(read, _)| read.elapsed() < self.ttl);
        if !fresh {
            match bot.get_chat_administrators(chat).send().await {
                Ok(members) => {
                    let admins = members.iter().map(|member| member.user.id.0).collect();
                    *cache = Some((Instant::now(), admins));
                }
                Err(error) => tracing::warn!(
                    error = %error_chain(&error),
                    "reading the moderators' chat administrators failed"
                ),
            }
        }
        cache
            .as_ref()
            .is_some_and(|(_, admins)| admins.contains(&user.0))
    }
}
