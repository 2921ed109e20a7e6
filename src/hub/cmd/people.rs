//! `attendees`: who is going to an event and who waits, in the order they
//! joined, with names, usernames, pictures and guests. People who chose to
//! hide are left out of other non-admins' lists (and counted); admins and
//! the people themselves see them.

use serde_json::{Map, Value};

use super::Caller;
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
        state.with_catalog(|c| c.get(event).map(|_| ()))?;
        let (going, waiting) = store::seats::people(&state.db().await?, event)
            .await
            .map_err(|e| internal("reading attendees", e))?;
        // Admins see everyone: with rights as they are now (a demoted
        // admin's open socket sees no more than anyone).
        let someone_hides = going.iter().chain(&waiting).any(|p| p.profile.1.hidden);
        let admin = caller.user.is_admin
            && someone_hides
            && super::login::confirm_admin(state, caller.ws, caller.user)
                .await
                .is_ok();
        let mut hidden = 0;
        let going = shown(&going, caller.user, admin, &mut hidden);
        let waiting = shown(&waiting, caller.user, admin, &mut hidden);
        let answer = ServerMessage::Attendees {
            event,
            going,
            waiting,
            hidden,
        };
        send(caller.ws, &answer.to_json());
        Ok(())
    }
}

/// The people of a list `user` (an `admin` or not) may see; counts the
/// others in `hidden`.
fn shown<'a>(
    people: &'a [Stored],
    user: &SessionUser,
    admin: bool,
    hidden: &mut usize,
) -> Vec<Person<'a>> {
    let mut seen = Vec::with_capacity(people.len());
    for person in people {
        let (id, profile) = &person.profile;
        if profile.hidden && !admin && *id != user.id {
            *hidden += 1;
            continue;
        }
        seen.push(Person {
            telegram_id: *id,
            name: &profile.name,
            username: &profile.username,
            photo_url: &profile.photo_url,
            guests: person.guests,
        });
    }
    seen
}
