//! A club for the benches: on a fresh SQLite file, the shipped FAQ and
//! catalog, words only (no sentence model: the benches measure the store
//! and the adapters), and members who vote in one group.

use std::path::Path;
use std::sync::Arc;

use chrono::Utc;
use fanclub::club::clock::SystemClock;
use fanclub::club::model::{Actor, Event, Incoming, MemberId, MessageId, Place, Platform};
use fanclub::club::{Club, ClubConfig};
use fanclub::config::Settings;
use fanclub::lang::Lang;
use fanclub::store::{IdentitySeen, NewMessage, Store, StoreOptions};

/// The group the benches' members talk in.
pub const GROUP: &str = "-100123";

/// The default settings with the shipped FAQ (words only) and catalog,
/// caches under `dir`.
pub fn config(dir: &Path) -> ClubConfig {
    let mut config = ClubConfig::from_settings(&Settings::defaults());
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    config.faq.path = root.join("config/faq.toml");
    config.faq.model = std::path::PathBuf::new();
    config.faq.cache_dir = dir.join("cache");
    config.shop.catalog = root.join("config/catalog.toml");
    config
}

/// Every vote pays: the caps are out of reach and voters need no age.
pub fn every_vote_pays(config: &mut ClubConfig) {
    config.recognition.welcome_new_members = false;
    config.points.min_voter_days = 0;
    config.points.daily_points_cap = i64::MAX / 4;
    config.points.daily_votes_per_voter = i64::MAX / 4;
    config.points.daily_votes_per_pair = i64::MAX / 4;
}

/// A German-speaking Telegram account `external` known to the club, as
/// after its first message.
pub async fn known_on_telegram(store: &Store, external: &str, name: &str) -> MemberId {
    let seen = IdentitySeen {
        platform: Platform::Telegram,
        external_id: external,
        username: Some(name),
        display_name: name,
        language: Some(Lang::De),
        default_language: Lang::De,
        today: Utc::now().date_naive(),
        is_bot: false,
        joined: None,
    };
    store
        .member_seen(&seen, Utc::now())
        .await
        .expect("a member")
        .id
}

/// A club with `config` on a fresh file `name` in `dir`.
pub async fn open(dir: &Path, name: &str, config: ClubConfig) -> Club {
    let url = format!("sqlite://{}/{name}", dir.display());
    let store = Store::open(&url, &StoreOptions::default())
        .await
        .expect("the store");
    Club::open(store, config, Arc::new(SystemClock))
        .await
        .expect("the club")
}

pub fn actor(name: &str) -> Actor {
    Actor {
        platform: Platform::Telegram,
        external_id: format!("id-{name}"),
        username: Some(name.to_owned()),
        display_name: name.to_owned(),
        locale: Some("en".to_owned()),
        is_bot: false,
        is_moderator: false,
        joined_at: None,
    }
}

pub fn group() -> Place {
    Place {
        platform: Platform::Telegram,
        id: GROUP.to_owned(),
        private: false,
    }
}

/// Records a message of `who` in the group (the member is seen first).
pub async fn say(club: &Club, who: &Actor, body: &str) -> MessageId {
    let incoming = Incoming {
        actor: who.clone(),
        place: group(),
        event_key: None,
        event: Event::Joined,
    };
    club.handle(incoming).await.expect("a sighting");
    let member = club
        .store()
        .identity_member(who.platform, &who.external_id)
        .await
        .expect("a lookup")
        .expect("a member");
    let message = NewMessage {
        platform: Platform::Telegram,
        place: GROUP,
        external_id: None,
        author: Some(member.id),
        private: false,
        reply_to: None,
        body,
        buttons: &[],
    };
    club.store()
        .record_message(&message, Utc::now())
        .await
        .expect("a message")
        .id()
}

pub fn reaction(who: &Actor, to: MessageId, key: &str) -> Incoming {
    Incoming {
        actor: who.clone(),
        place: group(),
        event_key: Some(format!("reaction:{key}")),
        event: Event::Reaction {
            message: to.into(),
            emoji: "👍".to_owned(),
            added: true,
        },
    }
}
