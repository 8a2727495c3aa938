//! The Discord sender: how a notice from the outbox becomes a REST call.
//!
//! The delivery loop (`crate::delivery`) decides when a notice goes and
//! retries; this module only knows Discord:
//!
//! - a notice written while handling an interaction, for the member who
//!   acted or the channel they acted in, answers through the interaction
//!   (the first edits the deferred response, later ones are follow-ups;
//!   private ones and those answering a button are ephemeral);
//! - an edit (a decided claim) edits the channel message, and a notice
//!   without buttons removes them;
//! - a member's private notice goes to their direct-message channel
//!   (opened once, then remembered), anything else to its channel;
//! - a notice that carries a file (a member's data export) is sent as
//!   `multipart/form-data` with the file as the message's attachment, the
//!   same way through an interaction or to a channel.
//!
//! Requests are built with serenity's routes and sent through serenity's
//! rate limiter when it is on, else straight to `discord.api_url`; the
//! answer's status is read here, so a 429's `retry_after` reaches the
//! deliverer (serenity's typed calls drop it).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::{Value, json};
use serenity::builder::{
    CreateActionRow, CreateAttachment, CreateButton, CreateMessage, EditMessage,
};
use serenity::http::{Http, LightMethod, Multipart, MultipartUpload, Request, Route};
use serenity::model::application::ButtonStyle;
use serenity::model::id::{ChannelId, MessageId as DiscordMessageId};

use super::{Pending, Shared};
use crate::club::error_chain;
use crate::club::model::{MessageId, Platform};
use crate::club::reply::{Attachment, Button, Kind};
use crate::delivery::{SendFailure, Sender};
use crate::store::{DueNotice, StoreError};

/// Discord's error code for "Cannot send messages to this user".
const CANNOT_MESSAGE_USER: i64 = 50007;

/// Sends notices to Discord for the delivery loop.
pub(super) struct DiscordSender {
    shared: Arc<Shared>,
    http: Arc<Http>,
    client: reqwest::Client,
    /// Direct-message channels by user id.
    dm_channels: Mutex<HashMap<u64, u64>>,
}

/// Why an attempt failed, with Discord's status and error code.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Failure {
    /// HTTP 429: wait this long (in seconds), then try again.
    Flood(f64),
    /// Worth another try: 5xx, network, no answer in time.
    Transient(String),
    /// Discord refused with this status and JSON error code.
    Refused {
        status: u16,
        code: i64,
        reason: String,
    },
}

impl DiscordSender {
    pub(super) fn new(
        shared: Arc<Shared>,
        http: Arc<Http>,
        client: reqwest::Client,
    ) -> DiscordSender {
        DiscordSender {
            shared,
            http,
            client,
            dm_channels: Mutex::new(HashMap::new()),
        }
    }

    /// Sends one request and reads the answer as JSON (`Null` for 204).
    async fn call(&self, request: Request<'_>) -> Result<Value, Failure> {
        let transient = |error: &dyn std::error::Error| Failure::Transient(error_chain(error));
        let response = match &self.http.ratelimiter {
            Some(limiter) => limiter.perform(request).await.map_err(|e| transient(&e))?,
            None => {
                let builder = request
                    .build(&self.client, self.http.token(), self.http.proxy.as_deref())
                    .map_err(|e| transient(&e))?;
                let built = builder.build().map_err(|e| transient(&e))?;
                self.client
                    .execute(built)
                    .await
                    .map_err(|e| transient(&e))?
            }
        };
        let status = response.status();
        let header_wait = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.parse::<f64>().ok());
        let body = response.bytes().await.map_err(|e| transient(&e))?;
        let json: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        classify(status.as_u16(), &json, header_wait)
    }

    async fn post(&self, route: Route<'_>, body: &impl serde::Serialize) -> Result<Value, Failure> {
        self.send_json(route, LightMethod::Post, body).await
    }

    async fn send_json(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: &impl serde::Serialize,
    ) -> Result<Value, Failure> {
        let bytes = serde_json::to_vec(body).map_err(|e| Failure::Transient(e.to_string()))?;
        self.call(Request::new(route, method).body(Some(bytes)))
            .await
    }

    /// Sends a new message's JSON, with `attachment` as its file when there
    /// is one (multipart: the JSON as `payload_json`, the file as
    /// `files[0]`).
    async fn send_message(
        &self,
        route: Route<'_>,
        method: LightMethod,
        body: &Value,
        attachment: Option<&Attachment>,
    ) -> Result<Value, Failure> {
        let Some(attachment) = attachment else {
            return self.send_json(route, method, body).await;
        };
        let mut payload = body.clone();
        payload["attachments"] = json!([{ "id": 0, "filename": attachment.name }]);
        let file = CreateAttachment::bytes(attachment.text.as_bytes(), attachment.name.clone());
        let multipart = Multipart {
            upload: MultipartUpload::Attachments(vec![file]),
            fields: Vec::new(),
            payload_json: Some(payload.to_string()),
        };
        self.call(Request::new(route, method).multipart(Some(multipart)))
            .await
    }

    /// The direct-message channel with `user`, opened once.
    async fn dm_channel(&self, user: u64) -> Result<ChannelId, Failure> {
        let known = self
            .dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .get(&user)
            .copied();
        if let Some(channel) = known {
            return Ok(ChannelId::new(channel));
        }
        let opened = self
            .post(
                Route::UserMeDmChannels,
                &json!({ "recipient_id": user.to_string() }),
            )
            .await?;
        let channel = id_of(&opened)
            .ok_or_else(|| Failure::Transient("a DM channel without an id".into()))?;
        self.dm_channels
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .insert(user, channel);
        Ok(ChannelId::new(channel))
    }

    /// The channel a notice's chat is: the member's DM channel for a
    /// private notice, else the place itself.
    async fn channel_of(&self, notice: &DueNotice) -> Result<ChannelId, Failure> {
        let id = parse_id(&notice.place).ok_or_else(|| Failure::Refused {
            status: 0,
            code: 0,
            reason: format!("{} is not a Discord id", notice.place),
        })?;
        if notice.private {
            return self.dm_channel(id).await;
        }
        Ok(ChannelId::new(id))
    }

    /// The Discord id of recorded message `id`, when it lives in `place`
    /// and is a real message (not a slash command's record).
    async fn external_in(&self, id: MessageId, place: &str) -> Result<Option<u64>, StoreError> {
        let found = self.shared.club.store().message_external(id).await?;
        Ok(found
            .filter(|(where_, _)| where_ == place)
            .and_then(|(_, external)| external.parse().ok()))
    }

    /// The interaction a notice answers, if it answers one still good.
    fn answering(&self, notice: &DueNotice) -> Option<Pending> {
        let pending = self.shared.interaction(notice.event_key.as_deref())?;
        pending
            .answered_by(&notice.place, notice.private, notice.replaces.is_some())
            .then_some(pending)
    }

    /// Answers through an interaction: the deferred response first, then
    /// follow-ups. The message's id.
    async fn answer(&self, pending: &Pending, notice: &DueNotice) -> Result<Value, Failure> {
        let application = self
            .shared
            .application
            .get()
            .copied()
            .ok_or_else(|| Failure::Transient("the application id is not known yet".into()))?;
        let token = pending.token.as_str();
        // A private notice and an error are for the member who acted alone.
        let theirs_alone = notice.private || notice.kind == Kind::Error;
        let ephemeral = pending.component || theirs_alone;
        let content = json!({
            "content": notice.text,
            "components": components(&notice.buttons),
            "allowed_mentions": { "parse": [] },
        });
        let original = Route::WebhookOriginalInteractionResponse {
            application_id: application,
            token,
        };
        // A public answer to an ephemeral command (its mistake) stays
        // ephemeral: it edits the deferred response.
        let fits_original = !theirs_alone || pending.ephemeral;
        if !pending.component && self.shared.take_original(pending.id) {
            if fits_original {
                return self
                    .send_message(
                        original,
                        LightMethod::Patch,
                        &content,
                        notice.attachment.as_ref(),
                    )
                    .await;
            }
            // The deferred response is public and cannot become ephemeral,
            // and a follow-up would only fill it in: it goes, and the
            // answer follows ephemerally.
            self.call(Request::new(original, LightMethod::Delete))
                .await?;
        }
        let mut followup = content;
        if ephemeral {
            followup["flags"] = json!(64);
        }
        let route = Route::WebhookFollowupMessages {
            application_id: application,
            token,
        };
        self.send_message(
            route,
            LightMethod::Post,
            &followup,
            notice.attachment.as_ref(),
        )
        .await
    }

    /// Sends or edits in a channel; the new message's id.
    async fn deliver(&self, notice: &DueNotice) -> Result<Option<String>, Failure> {
        let found = |error: StoreError| Failure::Transient(error_chain(&error));
        if let Some(pending) = self.answering(notice) {
            let sent = self.answer(&pending, notice).await;
            if let Err(Failure::Refused { status: 404, .. }) = &sent {
                // The interaction's token ran out: the next attempt posts.
                self.shared.forget_interaction(pending.id);
                return Err(Failure::Transient("the interaction expired".into()));
            }
            return Ok(id_of(&sent?).map(|id| id.to_string()));
        }
        let channel = self.channel_of(notice).await?;
        if let Some(replaced) = notice.replaces.filter(|_| !notice.replaced_lost) {
            let Some(message) = self
                .external_in(replaced, &notice.place)
                .await
                .map_err(found)?
            else {
                return Err(Failure::Refused {
                    status: 0,
                    code: 0,
                    reason: "the message to edit is not on Discord".into(),
                });
            };
            let edit = EditMessage::new()
                .content(&notice.text)
                .components(action_rows(&notice.buttons));
            let route = Route::ChannelMessage {
                channel_id: channel,
                message_id: DiscordMessageId::new(message),
            };
            self.send_json(route, LightMethod::Patch, &edit).await?;
            return Ok(None);
        }
        let mut message = CreateMessage::new()
            .content(&notice.text)
            .components(action_rows(&notice.buttons));
        let reply_to = match notice.reply_to {
            Some(id) => self.external_in(id, &notice.place).await.map_err(found)?,
            None => None,
        };
        if let Some(reply_to) = reply_to {
            message = message.reference_message((channel, DiscordMessageId::new(reply_to)));
        }
        let mut body =
            serde_json::to_value(&message).map_err(|e| Failure::Transient(e.to_string()))?;
        if let Some(reference) = body.get_mut("message_reference") {
            reference["fail_if_not_exists"] = json!(false);
        }
        let sent = self
            .send_message(
                Route::ChannelMessages {
                    channel_id: channel,
                },
                LightMethod::Post,
                &body,
                notice.attachment.as_ref(),
            )
            .await?;
        Ok(id_of(&sent).map(|id| id.to_string()))
    }
}

impl Sender for DiscordSender {
    fn platform(&self) -> Platform {
        Platform::Discord
    }

    /// Answers through an interaction are not paced: they are the answer
    /// the member waits for, and Discord does not count them per channel.
    fn chat_interval(&self, notice: &DueNotice) -> Duration {
        if self.answering(notice).is_some() {
            return Duration::ZERO;
        }
        self.shared.tuning.chat_interval
    }

    async fn send(&self, notice: &DueNotice) -> Result<Option<String>, SendFailure> {
        self.deliver(notice).await.map_err(|failure| match failure {
            Failure::Flood(seconds) => SendFailure::RetryAfter(
                self.shared
                    .tuning
                    .retry_after_unit
                    .mul_f64(seconds.max(0.0)),
            ),
            Failure::Transient(reason) => SendFailure::Transient(reason),
            Failure::Refused {
                code: CANNOT_MESSAGE_USER,
                reason,
                ..
            } if notice.private && notice.member.is_some() => SendFailure::Unreachable(reason),
            Failure::Refused { status, reason, .. } if status >= 500 => {
                SendFailure::Transient(reason)
            }
            Failure::Refused { reason, .. } => SendFailure::Permanent(reason),
        })
    }
}

/// Sorts an answer: success (its JSON), a flood limit, or a refusal.
pub(super) fn classify(
    status: u16,
    body: &Value,
    retry_after_header: Option<f64>,
) -> Result<Value, Failure> {
    match status {
        200..=299 => Ok(body.clone()),
        429 => Ok(body["retry_after"]
            .as_f64()
            .or(retry_after_header)
            .unwrap_or(1.0))
        .and_then(|seconds| Err(Failure::Flood(seconds))),
        500..=599 => Err(Failure::Transient(format!("Discord answered {status}"))),
        _ => Err(Failure::Refused {
            status,
            code: body["code"].as_i64().unwrap_or(0),
            reason: format!(
                "Discord answered {status}: {}",
                body["message"].as_str().unwrap_or("no reason given")
            ),
        }),
    }
}

/// A snowflake from a JSON object's `id`.
fn id_of(value: &Value) -> Option<u64> {
    value["id"].as_str().and_then(|id| id.parse().ok())
}

fn parse_id(text: &str) -> Option<u64> {
    text.parse().ok().filter(|id| *id != 0)
}

/// The buttons as action rows: one row when they are few and short
/// ("Hilfreich" / "Nicht hilfreich"), else one per row (at most five rows:
/// Discord's limit). The custom id is the core's compact action code.
pub(super) fn action_rows(buttons: &[Button]) -> Vec<CreateActionRow> {
    let button = |b: &Button| {
        CreateButton::new(b.action.clone())
            .label(crate::club::commands::shorten(&b.label, 80))
            .style(ButtonStyle::Secondary)
    };
    let width: usize = buttons.iter().map(|b| b.label.chars().count()).sum();
    if buttons.is_empty() {
        return Vec::new();
    }
    if buttons.len() <= 3 && width <= 32 {
        return vec![CreateActionRow::Buttons(
            buttons.iter().map(button).collect(),
        )];
    }
    buttons
        .iter()
        .take(5)
        .map(|b| CreateActionRow::Buttons(vec![button(b)]))
        .collect()
}

/// The action rows as JSON, for interaction answers.
fn components(buttons: &[Button]) -> Value {
    serde_json::to_value(action_rows(buttons)).unwrap_or_else(|_| json!([]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_limit_carries_its_retry_after_from_the_body_or_the_header() {
        let body =
            json!({"message": "You are being rate limited.", "retry_after": 0.25, "global": false});
        assert_eq!(classify(429, &body, None), Err(Failure::Flood(0.25)));
        assert_eq!(
            classify(429, &Value::Null, Some(2.0)),
            Err(Failure::Flood(2.0))
        );
    }

    #[test]
    fn refusals_keep_discords_error_code_and_server_errors_are_transient() {
        let body = json!({"message": "Cannot send messages to this user", "code": 50007});
        let Err(Failure::Refused { status, code, .. }) = classify(403, &body, None) else {
            panic!("a refusal");
        };
        assert_eq!((status, code), (403, CANNOT_MESSAGE_USER));
        assert!(matches!(
            classify(502, &Value::Null, None),
            Err(Failure::Transient(_))
        ));
        assert_eq!(
            classify(200, &json!({"id": "5"}), None),
            Ok(json!({"id": "5"}))
        );
    }

    #[test]
    fn few_short_buttons_share_a_row_and_long_ones_get_their_own() {
        let button = |label: &str| Button {
            label: label.to_owned(),
            action: "a".to_owned(),
        };
        assert_eq!(
            action_rows(&[button("Hilfreich"), button("Nicht hilfreich")]).len(),
            1
        );
        let long = [
            button("1. Wie sehe ich, wie viele Punkte ich habe?"),
            button("2. Wie verdiene ich Punkte?"),
        ];
        assert_eq!(action_rows(&long).len(), 2);
        assert!(action_rows(&[]).is_empty());
    }
}
