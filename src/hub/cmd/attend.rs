//! `attend` and `leave`: idempotent, decided and written to D1 together
//! with the other seat changes that arrive meanwhile (`commit.rs`), then
//! broadcast. `remove-attendee`: a host makes someone leave, and the bot
//! tells them.
//!
//! Where a seat is taken, and why no event ever has more seats taken than
//! its capacity however messages interleave: the decision (going or
//! waiting, who is promoted) is made in [`commit_seats`], which only ever
//! runs for one batch at a time (the commit lock), plans the whole batch
//! against memory synchronously (no await between reading the seats and
//! deciding), stores exactly that plan in one D1 transaction, and applies
//! it to memory before the lock passes on. So each decision sees every
//! earlier one, memory equals D1 whenever the lock is free, and a failed
//! write leaves both as they were. Edits of an event's limits take the
//! same lock (`events.rs`).

use serde_json::{Map, Value};

use super::Caller;
use crate::bot::texts;
use crate::catalog::{Seat, SeatChange};
use crate::error::ClientError;
use crate::hub::broadcast;
use crate::hub::state::{internal, State};
use crate::protocol::event_id;
use crate::seats::Place;
use crate::session::SessionUser;
use crate::store::{self, outbox::Notice};
use crate::validate;

/// `{"type":"attend","event":id,"guests":n}`: going, or on the waitlist
/// when full (`guests` left out keeps the party's size).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Attend {
    pub event: i64,
    pub guests: Option<u32>,
}

/// `{"type":"leave","event":id}`: off the going list or the waitlist.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave {
    pub event: i64,
}

impl Attend {
    pub fn parse(fields: &Map<String, Value>) -> Result<Attend, ClientError> {
        Ok(Attend {
            event: event_id(fields.get("event"), "event")?,
            guests: validate::guests(fields.get("guests"))?,
        })
    }

    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        let seat = Seat::Attend {
            guests: self.guests,
        };
        change(state, user.id, self.event, seat).await
    }
}

/// `{"type":"remove-attendee","event":id,"user":id}`: hosts only; as if
/// `user` had left.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remove {
    pub event: i64,
    pub user: i64,
}

impl Remove {
    pub fn parse(fields: &Map<String, Value>) -> Result<Remove, ClientError> {
        Ok(Remove {
            event: event_id(fields.get("event"), "event")?,
            user: fields
                .get("user")
                .and_then(Value::as_i64)
                .filter(|id| *id > 0)
                .ok_or(ClientError::invalid("user must be a Telegram user id"))?,
        })
    }

    /// Takes the person off the going list or the waitlist (promotions
    /// follow as for a leave), queues the bot's message to them, and
    /// answers the host with the lists as they are now.
    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let Remove { event, user } = self;
        state.ready().await?;
        let title = state.with_catalog(|c| {
            let found = c.get(event)?;
            match found.seats.place(user) {
                Place::Out => Err(ClientError::NotOnList),
                _ => Ok(found.title.clone()),
            }
        })?;
        change(state, user, event, Seat::Leave).await?;
        let told = Notice::Removed {
            user,
            event,
            community: state.place().id,
            text: texts::removed(&title),
        };
        // Off the list already: a message that cannot be queued is logged,
        // and the host still gets the lists.
        if let Ok(db) = state.db().await {
            match store::seats::write(&db, &[], &[told], state.now()).await {
                Ok(()) => state.owe_notices(),
                Err(error) => {
                    internal("queueing a removal notice", error);
                }
            }
        }
        super::people::Attendees { event }
            .apply(state, caller)
            .await
    }
}

impl Leave {
    pub fn parse(fields: &Map<String, Value>) -> Result<Leave, ClientError> {
        Ok(Leave {
            event: event_id(fields.get("event"), "event")?,
        })
    }

    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        change(state, user.id, self.event, Seat::Leave).await
    }
}

/// Makes `user` attend or leave `event`. Saying again what is already so
/// changes nothing and broadcasts nothing.
pub async fn change(state: &State, user: i64, event: i64, seat: Seat) -> Result<(), ClientError> {
    state.ready().await?;
    let place = state.place();
    let now = state.now();
    let change = SeatChange { event, user, seat };
    // A first look, to answer at once what needs no write; the batch
    // decides again with whatever came before it.
    let first = state.with_catalog(|c| {
        let attending = matches!(seat, Seat::Attend { .. });
        if attending
            && c.occurrence(event, &place.zone, now)
                .is_some_and(|l| l.past)
        {
            // Leaving an event that is over still works.
            return Err(ClientError::EventOver);
        }
        c.plan(&[change]).outcomes.pop().unwrap_or(Ok(false))
    })?;
    if !first {
        return Ok(());
    }
    state
        .commits
        .write(change, |changes| commit_seats(state, changes))
        .await
        .unwrap_or(Err(ClientError::Internal))
        .map(|_| ())
}

/// Decides, stores and applies one batch of seat changes (see the
/// module's notes), then tells everyone. One answer per change.
async fn commit_seats(state: &State, changes: Vec<SeatChange>) -> Vec<Result<bool, ClientError>> {
    let failed = |error: ClientError| vec![Err(error); changes.len()];
    let place = state.place();
    let now = state.now();
    let planned = state.with_catalog(|c| {
        let plan = c.plan(&changes);
        let notices: Vec<Notice> = plan
            .promoted()
            .filter_map(|(event, user)| {
                let listed = c.occurrence(event, &place.zone, now);
                let event = c.get(event).ok()?;
                let occurrence = listed.map(|l| l.occurrence);
                let text = texts::spot_opened(event, occurrence.as_ref(), &place.zone);
                Some(Notice::Spot {
                    user,
                    event: event.id,
                    community: place.id,
                    text,
                })
            })
            .collect();
        Ok((plan, notices))
    });
    let (plan, notices) = match planned {
        Ok(planned) => planned,
        Err(error) => return failed(error),
    };
    let db = match state.db().await {
        Ok(db) => db,
        Err(error) => return failed(error),
    };
    if let Err(error) = store::seats::write(&db, &plan.moves, &notices, now).await {
        return failed(internal("storing attendance", error));
    }
    let outcomes = plan.outcomes.clone();
    let changed = state
        .with_catalog(|c| Ok(c.commit(plan)))
        .unwrap_or_default();
    if !notices.is_empty() {
        state.owe_notices();
    }
    for id in changed {
        for (change, outcome) in changes.iter().zip(&outcomes) {
            if change.event == id && matches!(outcome, Ok(true)) {
                broadcast::changed(state, id, change.user);
            }
        }
    }
    outcomes
}
