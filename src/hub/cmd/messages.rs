//! `message-attendees`: a host writes to the people going, waiting or
//! both. The message goes through the outbox like every notice (sent at
//! once, fairly between communities, within each person's hourly limit,
//! only to people who may still see the community), from the bot, signed
//! with the host's name linked to their account (a reply reaches a
//! person, not the bot), with the event's title and a button opening it.
//! At most [`PER_DAY`] per event a day.

use serde_json::{json, Map, Value};

use super::Caller;
use crate::bot::reply::Links;
use crate::bot::texts;
use crate::error::ClientError;
use crate::hub::sockets::send;
use crate::hub::state::{internal, State};
use crate::protocol::{event_id, ServerMessage};
use crate::store::{self, outbox::Notice};

/// Messages a host may send to one event's people a day.
pub const PER_DAY: i64 = 3;
/// The longest message, in characters.
pub const MAX_CHARS: usize = 1000;

/// Whom a message goes to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum To {
    Going,
    Waiting,
    All,
}

/// `{"type":"message-attendees","event":id,"to":"going"|"waiting"|"all","text":"..."}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageAttendees {
    pub event: i64,
    pub to: To,
    pub text: String,
}

impl MessageAttendees {
    pub fn parse(fields: &Map<String, Value>) -> Result<MessageAttendees, ClientError> {
        let to = match fields.get("to").and_then(Value::as_str) {
            Some("going") => To::Going,
            Some("waiting") => To::Waiting,
            Some("all") => To::All,
            _ => return Err(ClientError::invalid("to must be going, waiting or all")),
        };
        let text = fields
            .get("text")
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|t| !t.is_empty() && t.chars().count() <= MAX_CHARS)
            .ok_or(ClientError::invalid("text must be 1 to 1000 characters"))?;
        Ok(MessageAttendees {
            event: event_id(fields.get("event"), "event")?,
            to,
            text: text.to_string(),
        })
    }

    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        state.ready().await?;
        let place = state.place();
        let host = caller.user;
        let (title, users) = state.with_catalog(|c| {
            let event = c.get(self.event)?;
            let seats = &event.seats;
            let going = seats.going().iter();
            let waiting = seats.waiting().iter();
            let users: Vec<i64> = match self.to {
                To::Going => going.map(|p| p.user).collect(),
                To::Waiting => waiting.map(|p| p.user).collect(),
                To::All => going.chain(waiting).map(|p| p.user).collect(),
            };
            Ok((event.title.clone(), users))
        })?;
        let db = state.db().await?;
        let now = state.now();
        let sent = store::outbox::messages_since(&db, self.event, now - 86_400)
            .await
            .map_err(|e| internal("counting host messages", e))?;
        if sent >= PER_DAY {
            return Err(ClientError::Limit(
                "a host may message an event's people at most 3 times a day".into(),
            ));
        }
        let text = texts::host_message(&title, &self.text, &host.name);
        let (offset, length) = texts::signature_at(&text, &host.name);
        let session = state.sockets.session(caller.ws);
        let links = Links {
            public_url: state.base_url(&session).trim_end_matches('/').to_string(),
            bot_username: state.config.bot_username.clone(),
            app_short_name: state.config.app_short_name.clone(),
        };
        let link = match &place.community {
            Some(c) => links.community_link(&c.slug, Some(self.event)),
            None => links
                .mini_app_link(Some(self.event))
                .unwrap_or_else(|| links.page(Some(self.event))),
        };
        let body = json!({
            "entities": [{
                "type": "text_link", "offset": offset, "length": length,
                "url": format!("tg://user?id={}", host.id),
            }],
            "reply_markup": {"inline_keyboard": [[{"text": texts::OPEN_IN_APP, "url": link}]]},
        });
        let notice = Notice::Message {
            users: users.into_iter().filter(|u| *u != host.id).collect(),
            event: self.event,
            community: place.id,
            kind: format!("message-{now}-{sent}"),
            text,
            body: body.to_string(),
        };
        let recipients = store::outbox::queue_message(&db, self.event, host.id, &notice, now)
            .await
            .map_err(|e| internal("queueing a host message", e))?;
        state.owe_notices();
        let answer = ServerMessage::MessageQueued {
            event: self.event,
            recipients,
        };
        send(caller.ws, &answer.to_json());
        Ok(())
    }
}
