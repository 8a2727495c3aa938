//! A fake Discord on 127.0.0.1: the REST routes the adapter calls (axum)
//! and a WebSocket gateway (tokio-tungstenite), so the real serenity client
//! runs against it.
//!
//! REST: it records every call with its JSON body and the status it
//! answered, and answers with valid Discord JSON (ids are fresh
//! snowflakes). Tests script failures per route (429 with `retry_after`,
//! 5xx). An interaction can be acknowledged once; a second callback gets
//! Discord's 400 "already acknowledged".
//!
//! Gateway: HELLO on connect, READY after IDENTIFY, ACK for every
//! heartbeat, and on RESUME the dispatches after the client's sequence
//! number, then RESUMED. Tests dispatch events (numbered per session and
//! kept, so a resumed session gets what it missed), drop the connection
//! (close code 4000, which serenity resumes), and make the next RESUME
//! replay events the client had already seen.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Json, Response};
use axum::routing::any;
use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::fixtures::{self, BOT_ID};

/// One REST call the adapter made.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    /// What the call does: `callback`, `original`, `followup`, `message`,
    /// `edit`, `dm`, `commands`, `user`, …
    pub route: &'static str,
    pub path: String,
    pub body: Value,
    pub status: u16,
    /// The id of the message it created or edited.
    pub message_id: Option<u64>,
    pub at: Instant,
    /// A file sent with the message (multipart `files[0]`): its name and
    /// contents. The JSON body is then the `payload_json` part.
    pub file: Option<(String, Vec<u8>)>,
}

impl Call {
    pub fn ok(&self) -> bool {
        (200..300).contains(&self.status)
    }

    pub fn text(&self) -> &str {
        self.body["content"].as_str().unwrap_or_default()
    }

    /// The custom ids of the message's buttons, row after row.
    pub fn buttons(&self) -> Vec<String> {
        self.body["components"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
            .filter_map(|button| button["custom_id"].as_str().map(str::to_owned))
            .collect()
    }

    /// Whether the body asks for an ephemeral message (flag 64).
    pub fn ephemeral(&self) -> bool {
        let flags = self.body["flags"]
            .as_u64()
            .or_else(|| self.body["data"]["flags"].as_u64())
            .unwrap_or(0);
        flags & 64 != 0
    }

    /// The interaction token in a webhook or callback path.
    pub fn token(&self) -> Option<&str> {
        let parts: Vec<&str> = self.path.split('/').collect();
        match self.route {
            "callback" => parts.get(2).copied(),
            "original" | "original-delete" | "followup" => parts.get(2).copied(),
            _ => None,
        }
    }

    /// The channel of a channel message or edit.
    pub fn channel(&self) -> Option<u64> {
        match self.route {
            "message" | "edit" => self.path.split('/').nth(1)?.parse().ok(),
            _ => None,
        }
    }
}

/// A failure the fake answers with instead of doing what was asked.
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// HTTP 429 with `retry_after` seconds in the body.
    TooManyRequests(f64),
    /// HTTP 5xx.
    Server(u16),
}

#[derive(Default)]
struct Rest {
    calls: Vec<Call>,
    next_id: u64,
    acknowledged: HashSet<String>,
    failures: HashMap<&'static str, VecDeque<Failure>>,
    dm_channels: HashMap<String, u64>,
    /// The defer's body per interaction token, to tell an ephemeral
    /// deferred response when it is edited.
    deferred: HashMap<String, Value>,
}

#[derive(Default)]
struct Gateway {
    url: String,
    session: Option<String>,
    sessions: u32,
    seq: u64,
    /// Every dispatch of the session, as sent.
    events: Vec<(u64, String)>,
    live: Option<mpsc::UnboundedSender<Message>>,
    identifies: u32,
    resumes: u32,
    /// The next RESUME replays this many events the client had seen.
    replay_seen: u64,
    /// Events sent again that the client had seen already.
    replayed: u64,
}

struct Shared {
    rest: Mutex<Rest>,
    gateway: Mutex<Gateway>,
}

/// The running fake. Dropping it stops both servers.
pub struct FakeDiscord {
    /// The REST base URL (`discord.api_url`).
    pub url: String,
    shared: Arc<Shared>,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl Drop for FakeDiscord {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
        if let Some(live) = self.shared.gateway.lock().unwrap().live.take() {
            drop(live);
        }
    }
}

impl FakeDiscord {
    pub async fn start() -> FakeDiscord {
        let shared = Arc::new(Shared {
            rest: Mutex::new(Rest {
                next_id: 100_000,
                ..Rest::default()
            }),
            gateway: Mutex::new(Gateway::default()),
        });
        let rest = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", rest.local_addr().unwrap());
        let ws = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        shared.gateway.lock().unwrap().url = format!("ws://{}", ws.local_addr().unwrap());
        let app = Router::new()
            .route("/api/v10/{*path}", any(rest_call))
            .with_state(shared.clone());
        let rest_server = tokio::spawn(async move {
            axum::serve(rest, app).await.unwrap();
        });
        let gateway_shared = shared.clone();
        let gateway_server = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = ws.accept().await else {
                    continue;
                };
                tokio::spawn(serve_gateway(gateway_shared.clone(), stream));
            }
        });
        FakeDiscord {
            url,
            shared,
            servers: vec![rest_server, gateway_server],
        }
    }

    pub fn calls(&self) -> Vec<Call> {
        self.shared.rest.lock().unwrap().calls.clone()
    }

    pub fn calls_to(&self, route: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|call| call.route == route)
            .collect()
    }

    /// The next calls to `route` fail with `failures`, in order.
    pub fn fail(&self, route: &'static str, failures: &[Failure]) {
        self.shared
            .rest
            .lock()
            .unwrap()
            .failures
            .entry(route)
            .or_default()
            .extend(failures.iter().copied());
    }

    /// Sends a dispatch over the gateway (now, or on RESUME when no
    /// connection is up); its sequence number.
    pub fn dispatch(&self, kind: &str, data: &Value) -> u64 {
        let mut gateway = self.shared.gateway.lock().unwrap();
        gateway.seq += 1;
        let seq = gateway.seq;
        let frame = json!({"op": 0, "s": seq, "t": kind, "d": data}).to_string();
        gateway.events.push((seq, frame.clone()));
        if let Some(live) = &gateway.live {
            let _ = live.send(Message::Text(frame));
        }
        seq
    }

    /// Closes the connection as a network failure would (close code 4000:
    /// serenity resumes); dispatches until the client is back wait.
    pub fn drop_connection(&self) {
        let live = self.shared.gateway.lock().unwrap().live.take();
        if let Some(live) = live {
            let _ = live.send(Message::Close(Some(CloseFrame {
                code: CloseCode::Library(4000),
                reason: "dropped by the test".into(),
            })));
        }
    }

    /// The next RESUME also replays the last `count` events the client had
    /// already received.
    pub fn replay_seen_on_resume(&self, count: u64) {
        self.shared.gateway.lock().unwrap().replay_seen = count;
    }

    pub fn identifies(&self) -> u32 {
        self.shared.gateway.lock().unwrap().identifies
    }

    /// How many events the gateway sent again after a RESUME that the
    /// client had received before.
    pub fn replayed(&self) -> u64 {
        self.shared.gateway.lock().unwrap().replayed
    }

    pub fn resumes(&self) -> u32 {
        self.shared.gateway.lock().unwrap().resumes
    }

    pub fn connected(&self) -> bool {
        let gateway = self.shared.gateway.lock().unwrap();
        gateway.live.is_some() && gateway.session.is_some()
    }

    /// Waits (bounded) until the recorded calls satisfy `done`.
    pub async fn wait_for(&self, what: &str, limit: Duration, done: impl Fn(&[Call]) -> bool) {
        let deadline = Instant::now() + limit;
        loop {
            if done(&self.calls()) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {what}; calls: {:#?}",
                self.calls()
                    .iter()
                    .map(|call| format!(
                        "{} {} {} {}",
                        call.status, call.method, call.path, call.body
                    ))
                    .collect::<Vec<_>>()
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    /// Waits (bounded) until the gateway has a session up.
    pub async fn until_connected(&self, limit: Duration) {
        let deadline = Instant::now() + limit;
        while !self.connected() {
            assert!(
                Instant::now() < deadline,
                "the bot never connected to the gateway"
            );
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

/// Answers one REST call and records it.
async fn rest_call(
    State(shared): State<Arc<Shared>>,
    method: Method,
    Path(path): Path<String>,
    headers: axum::http::HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let (body, file) = match content_type.split_once("boundary=") {
        Some((kind, boundary)) if kind.starts_with("multipart/form-data") => {
            let (fields, file) =
                crate::multipart::read_multipart(&body, boundary.trim_matches('"'));
            (fields["payload_json"].clone(), file)
        }
        _ => (serde_json::from_slice(&body).unwrap_or(Value::Null), None),
    };
    let route = route_of(&method, &path);
    let mut rest = shared.rest.lock().unwrap();
    let failure = rest.failures.get_mut(route).and_then(VecDeque::pop_front);
    let (status, answer) = match failure {
        Some(Failure::TooManyRequests(seconds)) => (
            429,
            json!({"message": "You are being rate limited.", "retry_after": seconds, "global": false}),
        ),
        Some(Failure::Server(status)) => (status, json!({"message": "Server Error", "code": 0})),
        None => answer(&shared, &mut rest, route, &path, &body),
    };
    let message_id = (matches!(route, "message" | "edit" | "original" | "followup")
        && status < 300)
        .then(|| answer["id"].as_str().and_then(|id| id.parse().ok()))
        .flatten();
    rest.calls.push(Call {
        method: method.to_string(),
        route,
        path: path.clone(),
        body,
        status,
        message_id,
        at: Instant::now(),
        file,
    });
    let status = StatusCode::from_u16(status).unwrap();
    if status == StatusCode::NO_CONTENT {
        return status.into_response();
    }
    (status, Json(answer)).into_response()
}

fn route_of(method: &Method, path: &str) -> &'static str {
    let parts: Vec<&str> = path.split('/').collect();
    match (method.as_str(), parts.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => "gateway",
        ("GET", ["users", "@me"]) => "me",
        ("GET", ["oauth2", "applications", "@me"]) => "application",
        ("GET", ["users", _]) => "user",
        ("GET", ["guilds", _]) => "guild",
        ("POST", ["users", "@me", "channels"]) => "dm",
        ("PUT", ["applications", _, "commands"]) => "commands",
        ("PUT", ["applications", _, "guilds", _, "commands"]) => "commands",
        ("POST", ["interactions", _, _, "callback"]) => "callback",
        ("PATCH", ["webhooks", _, _, "messages", "@original"]) => "original",
        ("DELETE", ["webhooks", _, _, "messages", "@original"]) => "original-delete",
        ("POST", ["webhooks", _, _]) => "followup",
        ("POST", ["channels", _, "messages"]) => "message",
        ("PATCH", ["channels", _, "messages", _]) => "edit",
        _ => "unknown",
    }
}

/// What Discord answers (status, JSON) when nothing fails.
fn answer(shared: &Shared, rest: &mut Rest, route: &str, path: &str, body: &Value) -> (u16, Value) {
    let parts: Vec<&str> = path.split('/').collect();
    let bot = fixtures::user(BOT_ID, "Fanclub");
    let message = |channel: u64, rest: &mut Rest| {
        rest.next_id += 1;
        let mut sent = fixtures::message_object(rest.next_id, channel, &bot, "", true);
        sent["content"] = body["content"].clone();
        sent["components"] = body["components"].clone();
        sent
    };
    match route {
        "gateway" => (200, json!({"url": shared.gateway.lock().unwrap().url})),
        "me" => (200, bot.clone()),
        "application" => (200, fixtures::application()),
        "user" => (
            200,
            fixtures::user(parts[1].parse().unwrap_or(1), "Someone"),
        ),
        "guild" => (200, fixtures::guild(parts[1].parse().unwrap_or(1))),
        "commands" => (200, json!([])),
        "dm" => {
            let user = body["recipient_id"].as_str().unwrap_or_default().to_owned();
            rest.next_id += 1;
            let next = rest.next_id;
            let channel = *rest.dm_channels.entry(user).or_insert(next);
            (200, json!({"id": channel.to_string(), "type": 1}))
        }
        "callback" => {
            if !rest.acknowledged.insert(parts[1].to_owned()) {
                return (
                    400,
                    json!({"message": "Interaction has already been acknowledged.", "code": 40060}),
                );
            }
            rest.deferred.insert(parts[2].to_owned(), body.clone());
            (204, Value::Null)
        }
        "original" => (200, message(0, rest)),
        "original-delete" => (204, Value::Null),
        "followup" => (200, message(0, rest)),
        "message" => (200, message(parts[1].parse().unwrap_or(0), rest)),
        "edit" => {
            let mut edited = message(parts[1].parse().unwrap_or(0), rest);
            edited["id"] = json!(parts[3]);
            (200, edited)
        }
        _ => (404, json!({"message": "404: Not Found", "code": 0})),
    }
}

/// One gateway connection: HELLO, then IDENTIFY or RESUME, heartbeats.
async fn serve_gateway(shared: Arc<Shared>, stream: tokio::net::TcpStream) {
    let Ok(socket) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let (mut write, mut read) = socket.split();
    let (out, mut outgoing) = mpsc::unbounded_channel::<Message>();
    let writer = tokio::spawn(async move {
        while let Some(message) = outgoing.recv().await {
            let closing = matches!(message, Message::Close(_));
            if write.send(message).await.is_err() || closing {
                break;
            }
        }
        let _ = write.close().await;
    });
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 45_000}});
    let _ = out.send(Message::Text(hello.to_string()));
    while let Some(Ok(frame)) = read.next().await {
        let Message::Text(text) = frame else {
            if matches!(frame, Message::Close(_)) {
                break;
            }
            continue;
        };
        let Ok(payload) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match payload["op"].as_u64() {
            Some(1) => {
                let _ = out.send(Message::Text(json!({"op": 11}).to_string()));
            }
            Some(2) => identify(&shared, &out),
            Some(6) => resume(&shared, &out, &payload["d"]),
            _ => {}
        }
    }
    let mut gateway = shared.gateway.lock().unwrap();
    if gateway
        .live
        .as_ref()
        .is_some_and(|live| live.same_channel(&out))
    {
        gateway.live = None;
    }
    drop(gateway);
    writer.abort();
}

fn identify(shared: &Shared, out: &mpsc::UnboundedSender<Message>) {
    let mut gateway = shared.gateway.lock().unwrap();
    gateway.identifies += 1;
    gateway.sessions += 1;
    let session = format!("session-{}", gateway.sessions);
    gateway.session = Some(session.clone());
    gateway.seq = 1;
    gateway.events.clear();
    let ready = fixtures::ready(&session, &gateway.url);
    let frame = json!({"op": 0, "s": 1, "t": "READY", "d": ready}).to_string();
    gateway.events.push((1, frame.clone()));
    let _ = out.send(Message::Text(frame));
    gateway.live = Some(out.clone());
}

fn resume(shared: &Shared, out: &mpsc::UnboundedSender<Message>, data: &Value) {
    let mut gateway = shared.gateway.lock().unwrap();
    gateway.resumes += 1;
    if data["session_id"].as_str() != gateway.session.as_deref() {
        let _ = out.send(Message::Text(json!({"op": 9, "d": false}).to_string()));
        return;
    }
    let seen = data["seq"].as_u64().unwrap_or(0);
    let from = seen.saturating_sub(std::mem::take(&mut gateway.replay_seen));
    let mut replayed = 0;
    for (seq, frame) in &gateway.events {
        // READY (always 1) belongs to the IDENTIFY, never to a replay.
        if *seq > from && *seq > 1 {
            let _ = out.send(Message::Text(frame.clone()));
            if *seq <= seen {
                replayed += 1;
            }
        }
    }
    gateway.replayed += replayed;
    gateway.seq += 1;
    let seq = gateway.seq;
    let resumed = json!({"op": 0, "s": seq, "t": "RESUMED", "d": {}}).to_string();
    let _ = out.send(Message::Text(resumed));
    gateway.live = Some(out.clone());
}
