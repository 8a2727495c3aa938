//! A fake Telegram Bot API on 127.0.0.1: it queues updates for `getUpdates`
//! (long polling: it answers as soon as updates are queued, or after a short
//! wait with none), records every call with its JSON body and the status it
//! answered, and answers the methods the adapter uses with valid Bot API
//! JSON. Tests script failures: 429 with `retry_after`, 5xx, 403 for chats
//! whose member never started the bot, 401 for a wrong token.
//!
//! teloxide sends method names in PascalCase (`SendMessage`); the fake
//! matches them case-insensitively. Calls that upload a file
//! (`sendDocument`) come as `multipart/form-data`: the fake reads their
//! fields into the same JSON body and keeps the file ([`Call::document`]).

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Json;
use axum::routing::any;
use serde_json::{Value, json};
use tokio::sync::Notify;

use super::fixtures::{self, BOT_ID, BOT_USERNAME};

/// One call the adapter made.
#[derive(Debug, Clone)]
pub struct Call {
    /// The method, lowercase (`sendmessage`).
    pub method: String,
    pub body: Value,
    /// The HTTP status the fake answered with.
    pub status: u16,
    pub at: Instant,
    /// For `sendMessage` that succeeded, the message id it got.
    pub message_id: Option<i64>,
    /// For `getUpdates`, how many updates it handed out.
    pub updates: usize,
    /// For a multipart call (`sendDocument`): the uploaded file's name and
    /// contents.
    pub document: Option<(String, Vec<u8>)>,
}

impl Call {
    pub fn ok(&self) -> bool {
        self.status == 200
    }

    pub fn chat(&self) -> Option<i64> {
        self.body["chat_id"].as_i64()
    }

    pub fn text(&self) -> &str {
        self.body["text"]
            .as_str()
            .or_else(|| self.body["caption"].as_str())
            .unwrap_or_default()
    }

    /// The Telegram message id this message answers.
    pub fn reply_to(&self) -> Option<i64> {
        self.body["reply_parameters"]["message_id"].as_i64()
    }

    /// The callback data of its inline keyboard, row by row flattened.
    pub fn button_actions(&self) -> Vec<String> {
        self.body["reply_markup"]["inline_keyboard"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row.as_array().cloned().unwrap_or_default())
            .filter_map(|button| button["callback_data"].as_str().map(str::to_owned))
            .collect()
    }
}

/// A failure the fake answers with instead of doing what was asked.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// HTTP 429 with `retry_after` seconds.
    TooManyRequests(u32),
    /// HTTP 5xx with Telegram's JSON error body.
    Server(u16),
    /// HTTP 400 with this description: trying again will not help.
    BadRequest(&'static str),
}

#[derive(Default)]
struct State_ {
    token: String,
    updates: VecDeque<Value>,
    calls: Vec<Call>,
    next_message_id: i64,
    failures: HashMap<String, VecDeque<Failure>>,
    forbidden_chats: HashSet<i64>,
    administrators: Vec<Value>,
    unauthorized: bool,
    /// `sendMessage` to these chats answers only after this long.
    hanging_chats: HashMap<i64, Duration>,
    /// `sendMessage` to these chats always fails with this status.
    failing_chats: HashMap<i64, u16>,
}

struct Shared {
    state: Mutex<State_>,
    updates_queued: Notify,
}

/// The running fake. Dropping it stops the server.
pub struct FakeTelegram {
    pub url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeTelegram {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeTelegram {
    /// Starts the fake for a bot with `token`, on a free port.
    pub async fn start(token: &str) -> FakeTelegram {
        let shared = Arc::new(Shared {
            state: Mutex::new(State_ {
                token: token.to_owned(),
                next_message_id: 5_000,
                ..State_::default()
            }),
            updates_queued: Notify::new(),
        });
        let app = Router::new()
            .route("/{*path}", any(answer))
            .with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        let url = format!("http://{}", listener.local_addr().unwrap());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the fake serves");
        });
        FakeTelegram {
            url,
            shared,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, State_> {
        self.shared.state.lock().unwrap()
    }

    /// Queues an update for `getUpdates`. Every update is first read the way
    /// teloxide reads it, so a fixture teloxide cannot understand fails here
    /// instead of being skipped quietly.
    pub fn push(&self, update: &Value) {
        fixtures::assert_readable(update);
        self.state().updates.push_back(update.clone());
        self.shared.updates_queued.notify_waiters();
    }

    /// The next calls of `method` fail as listed, in order.
    pub fn fail_next(&self, method: &str, failures: &[Failure]) {
        self.state()
            .failures
            .entry(method.to_lowercase())
            .or_default()
            .extend(failures.iter().copied());
    }

    /// Messages to `chat` are refused with 403: the member never started the bot.
    pub fn forbid_chat(&self, chat: i64) {
        self.state().forbidden_chats.insert(chat);
    }

    /// The administrators `getChatAdministrators` reports, as user JSON.
    pub fn set_administrators(&self, users: Vec<Value>) {
        self.state().administrators = users;
    }

    /// `sendMessage` to `chat` hangs for `delay` before it is answered.
    pub fn hang_chat(&self, chat: i64, delay: Duration) {
        self.state().hanging_chats.insert(chat, delay);
    }

    /// `sendMessage` to `chat` answers HTTP `status` (a 5xx) until further notice.
    pub fn fail_chat(&self, chat: i64, status: u16) {
        self.state().failing_chats.insert(chat, status);
    }

    /// Every call answers 401, as Telegram does for a wrong token.
    pub fn reject_token(&self) {
        self.state().unauthorized = true;
    }

    pub fn calls(&self) -> Vec<Call> {
        self.state().calls.clone()
    }

    /// The calls of `method` (any case).
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        let method = method.to_lowercase();
        self.calls()
            .into_iter()
            .filter(|call| call.method == method)
            .collect()
    }

    /// Messages that were delivered (answered 200) to `chat`.
    pub fn delivered_to(&self, chat: i64) -> Vec<Call> {
        self.calls_of("sendMessage")
            .into_iter()
            .filter(|call| call.ok() && call.chat() == Some(chat))
            .collect()
    }

    /// Waits until `done` holds for the recorded calls; panics with `what`
    /// and the calls after `limit`.
    pub async fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&[Call]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            let calls = self.calls();
            if done(&calls) {
                return;
            }
            if Instant::now() > deadline {
                let methods: Vec<String> = calls
                    .iter()
                    .map(|call| format!("{} {} {}", call.method, call.status, call.body))
                    .collect();
                panic!(
                    "timed out waiting for {what}; calls:\n{}",
                    methods.join("\n")
                );
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    Path(path): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> (StatusCode, Json<Value>) {
    let content_type = headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let (body, document) = match content_type.split_once("boundary=") {
        Some((kind, boundary)) if kind.starts_with("multipart/form-data") => {
            crate::multipart::read_multipart(&body, boundary.trim_matches('"'))
        }
        _ => (serde_json::from_slice(&body).unwrap_or(Value::Null), None),
    };
    let (token, method) = path.split_once('/').unwrap_or((path.as_str(), ""));
    let method = method.to_lowercase();
    if method == "getupdates" {
        return get_updates(&shared, body).await;
    }
    let chat = body["chat_id"].as_i64().unwrap_or_default();
    let hang = (method == "sendmessage")
        .then(|| {
            shared
                .state
                .lock()
                .unwrap()
                .hanging_chats
                .get(&chat)
                .copied()
        })
        .flatten();
    if let Some(delay) = hang {
        tokio::time::sleep(delay).await;
    }
    let mut state = shared.state.lock().unwrap();
    let failing = (method == "sendmessage")
        .then(|| state.failing_chats.get(&chat).copied())
        .flatten();
    let authorized = !state.unauthorized && token.strip_prefix("bot") == Some(state.token.as_str());
    let (status, result, message_id) = if !authorized {
        (401, error(401, "Unauthorized", None), None)
    } else if let Some(code) = failing {
        (code, error(code, "Internal Server Error", None), None)
    } else if let Some(failure) = state
        .failures
        .get_mut(&method)
        .and_then(VecDeque::pop_front)
    {
        match failure {
            Failure::TooManyRequests(seconds) => (
                429,
                error(
                    429,
                    &format!("Too Many Requests: retry after {seconds}"),
                    Some(json!({"retry_after": seconds})),
                ),
                None,
            ),
            Failure::Server(code) => (code, error(code, "Bad Gateway", None), None),
            Failure::BadRequest(description) => (400, error(400, description, None), None),
        }
    } else {
        respond(&mut state, &method, &body)
    };
    state.calls.push(Call {
        method,
        body,
        status,
        at: Instant::now(),
        message_id,
        updates: 0,
        document,
    });
    (StatusCode::from_u16(status).unwrap(), Json(result))
}

/// How long a `getUpdates` waits for updates before it answers `[]`.
pub const LONG_POLL: Duration = Duration::from_millis(100);

/// Long polling: the queued updates at once, or `[]` after [`LONG_POLL`].
async fn get_updates(shared: &Shared, body: Value) -> (StatusCode, Json<Value>) {
    let deadline = Instant::now() + LONG_POLL;
    loop {
        {
            let mut state = shared.state.lock().unwrap();
            if state.unauthorized {
                return (
                    StatusCode::UNAUTHORIZED,
                    Json(error(401, "Unauthorized", None)),
                );
            }
            let now = Instant::now();
            if !state.updates.is_empty() || now >= deadline {
                let updates: Vec<Value> = state.updates.drain(..).collect();
                state.calls.push(Call {
                    method: "getupdates".to_owned(),
                    body: body.clone(),
                    status: 200,
                    at: now,
                    message_id: None,
                    updates: updates.len(),
                    document: None,
                });
                return (StatusCode::OK, Json(json!({"ok": true, "result": updates})));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        let _ = tokio::time::timeout(left, shared.updates_queued.notified()).await;
    }
}

fn error(code: u16, description: &str, parameters: Option<Value>) -> Value {
    let mut error = json!({"ok": false, "error_code": code, "description": description});
    if let Some(parameters) = parameters {
        error["parameters"] = parameters;
    }
    error
}

fn ok(result: Value) -> Value {
    json!({"ok": true, "result": result})
}

/// What Telegram answers when the call succeeds.
fn respond(state: &mut State_, method: &str, body: &Value) -> (u16, Value, Option<i64>) {
    match method {
        "getme" => (
            200,
            ok(json!({
                "id": BOT_ID, "is_bot": true, "first_name": "Fanclub", "username": BOT_USERNAME,
                "can_join_groups": true, "can_read_all_group_messages": false,
                "supports_inline_queries": false, "can_connect_to_business": false,
                "has_main_web_app": false
            })),
            None,
        ),
        "getwebhookinfo" => (
            200,
            ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0})),
            None,
        ),
        "sendmessage" => {
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            if state.forbidden_chats.contains(&chat) {
                return (
                    403,
                    error(
                        403,
                        "Forbidden: bot can't initiate conversation with a user",
                        None,
                    ),
                    None,
                );
            }
            state.next_message_id += 1;
            let id = state.next_message_id;
            (200, ok(sent_message(id, body)), Some(id))
        }
        "senddocument" => {
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            if state.forbidden_chats.contains(&chat) {
                return (
                    403,
                    error(
                        403,
                        "Forbidden: bot can't initiate conversation with a user",
                        None,
                    ),
                    None,
                );
            }
            state.next_message_id += 1;
            let id = state.next_message_id;
            let mut message = sent_message(id, body);
            message["caption"] = body["caption"].clone();
            message["document"] = json!({
                "file_id": format!("doc-{id}"),
                "file_unique_id": format!("udoc-{id}"),
                "file_name": body["document_name"].clone(),
            });
            if let Some(object) = message.as_object_mut() {
                object.remove("text");
            }
            (200, ok(message), Some(id))
        }
        "editmessagetext" => {
            let id = body["message_id"].as_i64().unwrap_or_default();
            (200, ok(sent_message(id, body)), None)
        }
        "getchatadministrators" => {
            let members: Vec<Value> = state
                .administrators
                .iter()
                .map(|user| fixtures::administrator(user.clone()))
                .collect();
            (200, ok(Value::Array(members)), None)
        }
        "getchat" => {
            let chat = body["chat_id"].as_i64().unwrap_or_default();
            let mut full = fixtures::chat(chat);
            full["accent_color_id"] = json!(0);
            full["max_reaction_count"] = json!(11);
            (200, ok(full), None)
        }
        // setMyCommands, deleteWebhook, answerCallbackQuery, …
        _ => (200, ok(json!(true)), None),
    }
}

/// The message Telegram returns for a sent (or edited) one.
fn sent_message(id: i64, body: &Value) -> Value {
    let chat = body["chat_id"].as_i64().unwrap_or_default();
    let mut message = json!({
        "message_id": id,
        "date": fixtures::DATE,
        "chat": fixtures::chat(chat),
        "from": fixtures::bot_user(),
        "text": body["text"].clone(),
    });
    if let Some(thread) = body.get("message_thread_id") {
        message["message_thread_id"] = thread.clone();
        message["is_topic_message"] = json!(true);
    }
    if let Some(markup) = body.get("reply_markup") {
        message["reply_markup"] = markup.clone();
    }
    message
}
