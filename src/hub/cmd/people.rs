//! `attendees`: who is going to an event and who waits, in the order they
//! joined, with names, usernames, pictures and guests. People who chose to
//! hide are left out of other non-hosts' lists (and counted); the event's
//! hosts (admins, and the people listed in its `hosts`) and the people
//! themselves see them, and hosts also see who was checked in at the door.
//!
//! `people`: who entered the community, for an admin choosing hosts.
//!
//! `export`: an event's list as CSV, for hosts (`crate::export`).

use serde_json::{Map, Value};

use super::Caller;
use crate::calendar::{self, Occurrence};
use crate::door::Door;
use crate::error::ClientError;
use crate::hub::sockets::send;
use crate::hub::state::{internal, State};
use crate::protocol::{event_id, Person, ServerMessage};
use crate::session::SessionUser;
use crate::store::{self, seats::Person as Stored};

/// `{"type":"attendees","event":id}`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attendees {
    pub event: i64,
}

impl Attendees {
    pub fn parse(fields: &Map<String, Value>) -> Result<Attendees, ClientError> {
        Ok(Attendees {
            event: event_id(fields.get("event"), "event")?,
        })
    }

    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let event = self.event;
        state.ready().await?;
        let listed = state.with_catalog(|c| Ok(c.get(event)?.hosts.contains(&caller.user.id)))?;
        // Hosts see everyone: admins with rights as they are now (a
        // demoted admin's open socket sees no more than anyone).
        let host = listed
            || (caller.user.is_admin
                && super::login::confirm_admin(state, caller.ws, caller.user)
                    .await
                    .is_ok());
        // Who asks to come is read for hosts only.
        let people = store::seats::people(&state.db().await?, event, host)
            .await
            .map_err(|e| internal("reading attendees", e))?;
        // Who was checked in, for hosts: at the door's occurrence, or a
        // past one-off's.
        let place = state.place();
        let now = state.now();
        let door = match host {
            true => state.with_catalog(|c| {
                let e = c.get(event)?;
                Ok(e.door_occurrence(&place.zone, now)
                    .map(|o| (o, e.door.clone())))
            })?,
            false => None,
        };
        let zone = &place.zone;
        let at = |t: i64| calendar::rfc3339(zone, t);
        let mut hidden = 0;
        let mut going = shown(&people.going, caller.user, host, &mut hidden);
        let waiting = shown(&people.waiting, caller.user, host, &mut hidden);
        if let Some((occurrence, door)) = &door {
            mark(&mut going, occurrence, door, &at);
        }
        let pending = host.then(|| shown(&people.pending, caller.user, host, &mut hidden));
        let answer = ServerMessage::Attendees {
            event,
            going,
            waiting,
            hidden,
            pending,
        };
        send(caller.ws, &answer.to_json());
        Ok(())
    }
}

/// Adds to each person going when they were checked in for `occurrence`
/// and with how many guests (`null` and 0: not checked in).
fn mark(
    going: &mut [Person],
    occurrence: &Occurrence,
    door: &Door,
    at: &impl Fn(i64) -> Option<String>,
) {
    for person in going {
        let checked = door.of(person.telegram_id, occurrence.starts_at);
        person.checked_in_at = Some(checked.and_then(|c| at(c.at)));
        person.checked_in_guests = Some(checked.map_or(0, |c| c.guests));
    }
}

/// The people of a list `user` (a `host` or not) may see; counts the
/// others in `hidden`.
fn shown<'a>(
    people: &'a [Stored],
    user: &SessionUser,
    host: bool,
    hidden: &mut usize,
) -> Vec<Person<'a>> {
    let mut seen = Vec::with_capacity(people.len());
    for person in people {
        let (id, profile) = &person.profile;
        if profile.hidden && !host && *id != user.id {
            *hidden += 1;
            continue;
        }
        seen.push(Person {
            telegram_id: *id,
            name: &profile.name,
            username: &profile.username,
            photo_url: &profile.photo_url,
            guests: person.guests,
            checked_in_at: None,
            checked_in_guests: None,
            answers: (host && !person.answers.is_empty()).then_some(person.answers.as_slice()),
        });
    }
    seen
}

/// `{"type":"people"}`: admins only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct People;

impl People {
    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let place = state.place();
        let found = store::seats::entrants(&state.db().await?, place.id, None)
            .await
            .map_err(|e| internal("reading who entered", e))?;
        let people = found
            .iter()
            .map(|(id, profile)| Person {
                telegram_id: *id,
                name: &profile.name,
                username: &profile.username,
                photo_url: &profile.photo_url,
                guests: 0,
                checked_in_at: None,
                checked_in_guests: None,
                answers: None,
            })
            .collect();
        send(caller.ws, &ServerMessage::People { people }.to_json());
        Ok(())
    }
}

/// `{"type":"export","event":id}`: hosts only (also for past events still
/// listed).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Export {
    pub event: i64,
}

impl Export {
    pub fn parse(fields: &Map<String, Value>) -> Result<Export, ClientError> {
        Ok(Export {
            event: event_id(fields.get("event"), "event")?,
        })
    }

    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        state.ready().await?;
        let event = state.with_catalog(|c| Ok(c.get(self.event)?.clone()))?;
        let place = state.place();
        let db = state.db().await?;
        let (filename, csv) = crate::export::build(&db, &event, &place.zone, state.now())
            .await
            .map_err(|e| internal("making an export", e))?;
        let session = state.sockets.session(caller.ws);
        let expires = state.clock.seconds() + crate::export::LINK_SECONDS;
        let url = format!(
            "{}{}{}.csv",
            state.base_url(&session).trim_end_matches('/'),
            crate::export::PREFIX,
            crate::export::token(&state.feed_key(), event.id, expires)
        );
        let answer = ServerMessage::Export {
            event: event.id,
            filename: &filename,
            csv: &csv,
            url: &url,
        };
        send(caller.ws, &answer.to_json());
        Ok(())
    }
}
