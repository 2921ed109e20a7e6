//! `check-in`: a host checks someone in at the door, by their ticket or
//! by their id from the list, for the occurrence at the door (see
//! `Schedule::door`), or takes it back. Stored first, then applied to
//! memory; the host gets `checked-in`, every host of the event the new
//! count. Hosts only (the role is the message kind's, checked from the
//! event id before anything else is read); one event's check-ins take
//! turns (`Lane::Door`), so a ticket scanned by two hosts at once is
//! checked in once.

use serde_json::{Map, Value};

use super::Caller;
use crate::calendar;
use crate::door::{self, Ask, Change};
use crate::error::ClientError;
use crate::hub::broadcast;
use crate::hub::sockets::send;
use crate::hub::state::{internal, State};
use crate::protocol::{event_id, Person, ServerMessage};
use crate::seats::Place;
use crate::store;

/// Who is checked in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Who {
    /// A ticket as scanned.
    Ticket(String),
    /// A person from the list.
    User(i64),
}

/// `{"type":"check-in","event":id,"ticket":"..."|"user":id,"guests":n,"undo":bool}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckIn {
    pub event: i64,
    pub who: Who,
    pub ask: Ask,
}

impl CheckIn {
    pub fn parse(fields: &Map<String, Value>) -> Result<CheckIn, ClientError> {
        let event = event_id(fields.get("event"), "event")?;
        let who = match (fields.get("ticket"), fields.get("user")) {
            (Some(Value::String(ticket)), None) => Who::Ticket(ticket.clone()),
            (None, Some(user)) => Who::User(
                user.as_i64()
                    .filter(|id| *id > 0)
                    .ok_or(ClientError::invalid("user must be a Telegram user id"))?,
            ),
            _ => {
                return Err(ClientError::invalid(
                    "check-in needs either ticket (a string) or user (an id)",
                ))
            }
        };
        let undo = match fields.get("undo") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(undo)) => *undo,
            Some(_) => return Err(ClientError::invalid("undo must be true or false")),
        };
        let ask = match undo {
            true => Ask::Undo,
            false => Ask::In {
                guests: crate::validate::guests(fields.get("guests"))?,
            },
        };
        Ok(CheckIn { event, who, ask })
    }

    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let CheckIn {
            event: id,
            who,
            ask,
        } = self;
        state.ready().await?;
        let user = match who {
            Who::User(user) => user,
            Who::Ticket(ticket) => match state.tickets.read(ticket.trim()) {
                Some((event, user)) if event == id => user,
                _ => return Err(ClientError::NotOnList),
            },
        };
        let place = state.place();
        let now = state.now();
        let (occurrence, party_guests, existing) = state.with_catalog(|catalog| {
            let event = catalog.get(id)?;
            let Place::Going { guests } = event.seats.place(user) else {
                return Err(ClientError::NotOnList);
            };
            let occurrence = event
                .schedule()
                .door(&place.zone, now)
                .ok_or(ClientError::DoorClosed)?;
            let existing = event.door.of(user, occurrence.starts_at);
            Ok((occurrence.starts_at, guests, existing))
        })?;
        let outcome = door::decide(existing, ask, party_guests, user, occurrence, now)?;
        if outcome.change != Change::Nothing {
            store::door::write(&state.db().await?, id, caller.user.id, outcome.change)
                .await
                .map_err(|e| internal("storing a check-in", e))?;
            // The event may have gone meanwhile: then nobody is told.
            state.with_catalog(|catalog| catalog.check_in(id, outcome.change))?;
        }
        let profile = state.users.profile(user).unwrap_or_default();
        let shown = outcome.shown;
        let answer = ServerMessage::CheckedIn {
            event: id,
            person: Person {
                telegram_id: user,
                name: &profile.name,
                username: &profile.username,
                photo_url: &profile.photo_url,
                guests: party_guests,
                checked_in_at: None,
                checked_in_guests: None,
                answers: None,
            },
            guests: shown.map_or(0, |c| c.guests),
            at: shown.and_then(|c| calendar::rfc3339(&place.zone, c.at)),
            already: outcome.already,
            undone: ask == Ask::Undo,
        };
        send(caller.ws, &answer.to_json());
        if outcome.change != Change::Nothing {
            broadcast::to_hosts(state, id);
        }
        Ok(())
    }
}
