//! `attendees`: who is going to an event and who waits, in the order they
//! joined, with names, usernames, pictures and guests. People who chose to
//! hide are left out of other non-admins' lists (and counted); admins and
//! the people themselves see them.

use worker::WebSocket;

use super::{internal, send, EventHub};
use crate::error::ClientError;
use crate::protocol::{Person, ServerMessage};
use crate::session::SessionUser;
use crate::store::{self, events::Person as Stored};

impl EventHub {
    pub(super) async fn attendees(
        &self,
        ws: &WebSocket,
        user: &SessionUser,
        event: i64,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        self.with_catalog(|c| c.get(event).map(|_| ()))?;
        let (going, waiting) = store::events::people(&self.db()?, event)
            .await
            .map_err(|e| internal("reading attendees", e))?;
        let mut hidden = 0;
        let going = shown(&going, user, &mut hidden);
        let waiting = shown(&waiting, user, &mut hidden);
        let answer = ServerMessage::Attendees {
            event,
            going,
            waiting,
            hidden,
        };
        send(ws, &answer.to_json());
        Ok(())
    }
}

/// The people of a list `user` may see; counts the others in `hidden`.
fn shown<'a>(people: &'a [Stored], user: &SessionUser, hidden: &mut usize) -> Vec<Person<'a>> {
    let mut seen = Vec::with_capacity(people.len());
    for person in people {
        let (id, profile) = &person.profile;
        if profile.hidden && !user.is_admin && *id != user.id {
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
