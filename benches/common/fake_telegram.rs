//! A fake Telegram Bot API for benches, on 127.0.0.1: `getUpdates` hands
//! out queued updates the way Telegram does (at most `limit`, from `offset`
//! on; an update stays until a later `offset` confirms it), `sendMessage`
//! is recorded with the time it arrived, and everything else the adapter
//! asks at start is answered with valid JSON. Unlike the tests' fake it
//! keeps only what the figures need.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::response::Json;
use axum::routing::any;
use serde_json::{Value, json};
use tokio::sync::Notify;

/// How long `getUpdates` waits for an update before it answers `[]`.
const LONG_POLL: Duration = Duration::from_millis(200);

/// A message the bot sent.
#[derive(Debug, Clone)]
pub struct Sent {
    pub at: Instant,
    pub chat: i64,
    pub text: String,
}

#[derive(Default)]
struct Shared {
    state: Mutex<Queue>,
    queued: Notify,
}

#[derive(Default)]
struct Queue {
    updates: VecDeque<(i64, Value)>,
    sent: Vec<Sent>,
}

/// The running fake.
pub struct FakeTelegram {
    pub url: String,
    shared: Arc<Shared>,
}

impl FakeTelegram {
    pub async fn start() -> FakeTelegram {
        let shared = Arc::new(Shared::default());
        let app = Router::new()
            .route("/{*path}", any(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a port");
        let url = format!("http://{}", listener.local_addr().expect("an address"));
        tokio::spawn(async move { axum::serve(listener, app).await.expect("the fake serves") });
        FakeTelegram { url, shared }
    }

    /// Queues updates (each with its `update_id`) for `getUpdates`.
    pub fn push(&self, updates: impl IntoIterator<Item = Value>) {
        let mut state = self.shared.state.lock().unwrap();
        for update in updates {
            let id = update["update_id"].as_i64().expect("an update_id");
            state.updates.push_back((id, update));
        }
        drop(state);
        self.shared.queued.notify_waiters();
    }

    /// Reads what the bot sent so far.
    pub fn with_sent<R>(&self, read: impl FnOnce(&[Sent]) -> R) -> R {
        read(&self.shared.state.lock().unwrap().sent)
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    body: Bytes,
) -> Json<Value> {
    let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = path
        .split_once('/')
        .map_or("", |(_, method)| method)
        .to_lowercase();
    let ok = |result: Value| Json(json!({"ok": true, "result": result}));
    match method.as_str() {
        "getme" => ok(json!({
            "id": 7000, "is_bot": true, "first_name": "Fanclub", "username": "fanclub_bot",
            "can_join_groups": true, "can_read_all_group_messages": false,
            "supports_inline_queries": false, "can_connect_to_business": false,
            "has_main_web_app": false
        })),
        "getwebhookinfo" => {
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0}))
        }
        "getupdates" => ok(Value::Array(updates(&shared, &body).await)),
        "sendmessage" => {
            let at = Instant::now();
            let text = body["text"].as_str().unwrap_or_default().to_owned();
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            let id = {
                let mut state = shared.state.lock().unwrap();
                state.sent.push(Sent {
                    at,
                    chat,
                    text: text.clone(),
                });
                state.sent.len() as i64
            };
            ok(json!({
                "message_id": id, "date": 1_790_000_000,
                "chat": {"id": chat, "type": "private", "first_name": "Member"},
                "from": {"id": 7000, "is_bot": true, "first_name": "Fanclub"},
                "text": text
            }))
        }
        _ => ok(json!(true)),
    }
}

/// Long polling: confirms the updates below `offset`, then answers with up
/// to `limit` queued updates at once, or `[]` after [`LONG_POLL`].
async fn updates(shared: &Shared, body: &Value) -> Vec<Value> {
    let offset = body["offset"].as_i64().unwrap_or(i64::MIN);
    let limit = body["limit"].as_u64().unwrap_or(100).clamp(1, 100) as usize;
    let deadline = Instant::now() + LONG_POLL;
    loop {
        let waiting = shared.queued.notified();
        {
            let mut state = shared.state.lock().unwrap();
            while state.updates.front().is_some_and(|(id, _)| *id < offset) {
                state.updates.pop_front();
            }
            if !state.updates.is_empty() || Instant::now() >= deadline {
                return state
                    .updates
                    .iter()
                    .take(limit)
                    .map(|(_, update)| update.clone())
                    .collect();
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left, waiting).await;
    }
}
