//! `attend` and `leave`: idempotent, decided and written to D1 together
//! with the other seat changes that arrive meanwhile (`commit.rs`), then
//! broadcast. With approval, a newcomer's attend is a request; `approve`:
//! a host lets them in or declines; requests lapse when their occurrence
//! starts. `remove-attendee`: a host makes someone leave. The bot tells
//! people what hosts did, in the same transaction as the change.
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

use std::rc::Rc;

use serde_json::{Map, Value};

use super::Caller;
use crate::bot::texts;
use crate::catalog::{Catalog, Plan, Seat, SeatChange};
use crate::error::ClientError;
use crate::hub::broadcast;
use crate::hub::state::Place as Community;
use crate::hub::state::{internal, State};
use crate::protocol::event_id;
use crate::seats::{Move, Place};
use crate::session::SessionUser;
use crate::store::{self, outbox::Notice};
use crate::validate;

/// `{"type":"attend","event":id,"guests":n,"answers":[...]}`: going, or on
/// the waitlist when full, or asking when the event wants approval
/// (`guests` left out keeps the party's size; `answers` to the event's
/// questions, needed from a newcomer when it has some).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Attend {
    pub event: i64,
    pub guests: Option<u32>,
    pub answers: Option<Vec<String>>,
}

/// `{"type":"leave","event":id}`: off the going list or the waitlist, or
/// the request withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Leave {
    pub event: i64,
}

impl Attend {
    pub fn parse(fields: &Map<String, Value>) -> Result<Attend, ClientError> {
        Ok(Attend {
            event: event_id(fields.get("event"), "event")?,
            guests: validate::guests(fields.get("guests"))?,
            answers: validate::answers(fields.get("answers"))?,
        })
    }

    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        state.ready().await?;
        // The event's hosts need ask nobody.
        let host =
            state.with_catalog(|c| Ok(c.get(self.event)?.is_hosted_by(user.id, user.is_admin)))?;
        let seat = Seat::Attend {
            guests: self.guests,
            answers: self.answers.map(Rc::from),
            host,
        };
        change(state, user.id, self.event, seat).await
    }
}

/// The `user` field of a host's message about someone.
fn user_field(fields: &Map<String, Value>) -> Result<i64, ClientError> {
    fields
        .get("user")
        .and_then(Value::as_i64)
        .filter(|id| *id > 0)
        .ok_or(ClientError::invalid("user must be a Telegram user id"))
}

/// `{"type":"remove-attendee","event":id,"user":id}`: hosts only; as if
/// `user` had left (or withdrawn their request).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Remove {
    pub event: i64,
    pub user: i64,
}

impl Remove {
    pub fn parse(fields: &Map<String, Value>) -> Result<Remove, ClientError> {
        Ok(Remove {
            event: event_id(fields.get("event"), "event")?,
            user: user_field(fields)?,
        })
    }

    /// Takes the person off the lists (promotions follow as for a leave)
    /// and queues the bot's message to them in the same transaction, then
    /// answers the host with the lists as they are now.
    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let Remove { event, user } = self;
        state.ready().await?;
        state.with_catalog(|c| match c.get(event)?.seats.place(user) {
            Place::Out => Err(ClientError::NotOnList),
            _ => Ok(()),
        })?;
        change(state, user, event, Seat::Removed).await?;
        super::people::Attendees { event }
            .apply(state, caller)
            .await
    }
}

/// `{"type":"approve","event":id,"user":id,"approve":true|false}`: hosts
/// only; lets someone who asks in by the seat rules, or declines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Approve {
    pub event: i64,
    pub user: i64,
    pub approve: bool,
}

impl Approve {
    pub fn parse(fields: &Map<String, Value>) -> Result<Approve, ClientError> {
        Ok(Approve {
            event: event_id(fields.get("event"), "event")?,
            user: user_field(fields)?,
            approve: fields
                .get("approve")
                .and_then(Value::as_bool)
                .ok_or(ClientError::invalid("approve must be true or false"))?,
        })
    }

    /// Answers the request (the bot tells the person in the same
    /// transaction), then sends the host the lists as they are now.
    pub async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        let Approve {
            event,
            user,
            approve,
        } = self;
        let seat = Seat::Answer { approve };
        change(state, user, event, seat).await?;
        super::people::Attendees { event }
            .apply(state, caller)
            .await
    }
}

/// Withdraws the requests that lapsed (their occurrence started), each
/// as the person's own change: they and the hosts see it at once.
pub async fn lapse(state: &State) {
    if state.ready().await.is_err() {
        return;
    }
    let now = state.now();
    let lapsed = state
        .with_catalog(|c| Ok(c.lapsed(now)))
        .unwrap_or_default();
    for (event, user) in lapsed {
        if let Err(error) = change(state, user, event, Seat::Lapse).await {
            worker::console_error!("withdrawing a lapsed request: {}", error.code());
        }
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

/// Makes `user` attend or leave `event` (or what a host or the clock
/// does for them). Saying again what is already so changes nothing and
/// broadcasts nothing.
pub async fn change(state: &State, user: i64, event: i64, seat: Seat) -> Result<(), ClientError> {
    state.ready().await?;
    let place = state.place();
    let now = state.now();
    let change = SeatChange { event, user, seat };
    // A first look, to answer at once what needs no write; the batch
    // decides again with whatever came before it.
    let first = state.with_catalog(|c| {
        let attending = matches!(change.seat, Seat::Attend { .. } | Seat::Answer { .. });
        if attending
            && c.occurrence(event, &place.zone, now)
                .is_some_and(|l| l.past)
        {
            // Leaving an event that is over still works.
            return Err(ClientError::EventOver);
        }
        let plan = c.plan(std::slice::from_ref(&change), &place.zone, now);
        plan.outcomes.into_iter().next().unwrap_or(Ok(false))
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

/// What the bot owes people for a planned batch: a spot opened, a host
/// answered or removed them, and the hosts' news of new requests.
fn notices_of(
    c: &mut Catalog,
    changes: &[SeatChange],
    plan: &Plan,
    place: &Community,
    admins: &[i64],
    now: i64,
) -> Vec<Notice> {
    let zone = &place.zone;
    let mut notices: Vec<Notice> = plan
        .promoted()
        .filter_map(|(event, user)| {
            let listed = c.occurrence(event, zone, now);
            let event = c.get(event).ok()?;
            let occurrence = listed.map(|l| l.occurrence);
            let text = texts::spot_opened(event, occurrence.as_ref(), zone);
            Some(Notice::Spot {
                user,
                event: event.id,
                community: place.id,
                text,
            })
        })
        .collect();
    let mut asked: Vec<i64> = Vec::new();
    for (change, outcome) in changes.iter().zip(&plan.outcomes) {
        if !matches!(outcome, Ok(true)) {
            continue;
        }
        let (id, user) = (change.event, change.user);
        let listed = match change.seat {
            Seat::Answer { approve: true } => c.occurrence(id, zone, now),
            _ => None,
        };
        let Ok(event) = c.get(id) else { continue };
        let moved = |step: fn(&Move, i64) -> bool| {
            plan.moves.iter().any(|(e, m)| *e == id && step(m, user))
        };
        let (kind, text) = match change.seat {
            Seat::Removed => ("removed", texts::removed(&event.title)),
            Seat::Answer { approve: false } => ("declined", texts::declined(&event.title)),
            Seat::Answer { approve: true } => {
                let going =
                    moved(|m, u| matches!(m, Move::Join { party, going: true } if party.user == u));
                let occurrence = listed.map(|l| l.occurrence);
                let text = texts::approved(event, going, occurrence.as_ref(), zone);
                ("approved", text)
            }
            Seat::Attend { .. } => {
                if moved(|m, u| matches!(m, Move::Ask { party, .. } if party.user == u))
                    && !asked.contains(&id)
                {
                    asked.push(id);
                }
                continue;
            }
            Seat::Leave | Seat::Lapse => continue,
        };
        notices.push(Notice::Told {
            user,
            event: id,
            community: place.id,
            kind,
            text,
        });
    }
    for id in asked {
        // The seats after the plan: memory has them once it is stored.
        let waiting = plan.requests(id).unwrap_or(1);
        if let Ok(event) = c.get(id) {
            let mut hosts = event.hosts.clone();
            if place.id == crate::communities::DEFAULT {
                hosts.extend(admins);
            }
            notices.push(Notice::Requests {
                hosts,
                event: id,
                community: place.id,
                text: texts::new_requests(&event.title, waiting),
            });
        }
    }
    notices
}

/// Decides, stores and applies one batch of seat changes (see the
/// module's notes), then tells everyone. One answer per change.
async fn commit_seats(state: &State, changes: Vec<SeatChange>) -> Vec<Result<bool, ClientError>> {
    let failed = |error: ClientError| vec![Err(error); changes.len()];
    let place = state.place();
    let now = state.now();
    let planned = state.with_catalog(|c| {
        let plan = c.plan(&changes, &place.zone, now);
        let admins = &state.config.admin_ids;
        let notices = notices_of(c, &changes, &plan, &place, admins, now);
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
    let stored = store::seats::write(&db, &plan.moves, &plan.answers, &notices, now).await;
    if let Err(error) = stored {
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
