//! `create-event`, `edit-event` and `delete-event`: admins only (the role
//! is the message kind's, `protocol.rs`; the check `login.rs`'s
//! `confirm_admin`). Each change is stored (picture in R2, row in D1)
//! before the catalog takes it and every logged-in socket hears of it.
//! Moving an event in time or place, or deleting it, queues a notice to
//! everyone going or waiting, in the same D1 batch. An upload whose change
//! is not stored is deleted again.

use serde_json::{Map, Value};

use crate::bot::texts;
use crate::catalog::Event;
use crate::error::ClientError;
use crate::hub::broadcast;
use crate::hub::state::{internal, State};
use crate::media::bucket as media;
use crate::media::ImageChange;
use crate::protocol::{event_id, ServerMessage};
use crate::seats::Seats;
use crate::session::SessionUser;
use crate::store::{self, outbox::Notice};
use crate::validate::{self, EventChanges};

/// `create-event`: a new event from its fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Create {
    pub changes: EventChanges,
}

/// `edit-event`: event `id` with some of its fields changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Edit {
    pub id: i64,
    pub changes: EventChanges,
}

/// `delete-event`: event `id` and its lists, gone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Delete {
    pub id: i64,
}

impl Create {
    pub fn parse(fields: &Map<String, Value>) -> Result<Create, ClientError> {
        Ok(Create {
            changes: validate::new_event(fields)?,
        })
    }

    pub async fn apply(self, state: &State, admin: &SessionUser) -> Result<(), ClientError> {
        let changes = self.changes;
        state.ready().await?;
        let place = state.place();
        let planned = Event::default().edited(&changes, None);
        planned.check_schedule(&place.zone, state.now())?;
        planned.check_date_set(&place.zone, state.now())?;
        let config = &state.config;
        state.with_catalog(|c| {
            if c.upcoming(&place.zone, state.now()) >= config.max_events_per_community {
                return Err(ClientError::Limit(
                    format!(
                        "a community may have at most {} upcoming events",
                        config.max_events_per_community
                    )
                    .into(),
                ));
            }
            check_pictures(
                c.image_bytes() + uploaded(&changes),
                config.max_media_bytes_per_community,
            )
        })?;
        check_hosts(state, place.id, &changes).await?;
        let image = media::store(&state.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        let mut event = Event::default().edited(&changes, image.as_ref().map(|i| i.value.clone()));
        event.image_bytes = image.as_ref().map_or(0, |i| i.bytes);
        event.community = place.id;
        let stored = match state.db().await {
            Ok(db) => store::events::insert(&db, &event)
                .await
                .map_err(|e| internal("storing a new event", e)),
            Err(error) => Err(error),
        };
        match stored {
            Ok(id) => event.id = id,
            Err(error) => {
                media::discard(&state.env, image).await;
                return Err(error);
            }
        }
        let id = event.id;
        state.with_catalog(|catalog| {
            catalog.insert(event);
            Ok(())
        })?;
        broadcast::changed(state, id, admin.id);
        Ok(())
    }
}

impl Edit {
    pub fn parse(fields: &Map<String, Value>) -> Result<Edit, ClientError> {
        Ok(Edit {
            id: event_id(fields.get("id"), "id")?,
            changes: validate::edit_event(fields)?,
        })
    }

    pub async fn apply(self, state: &State, admin: &SessionUser) -> Result<(), ClientError> {
        let Edit { id, changes } = self;
        state.ready().await?;
        let place = state.place();
        let (zone, now) = (&place.zone, state.now());
        state.with_catalog(|catalog| {
            let event = catalog.get(id)?;
            // An event that is over may still be renamed; moving it in time
            // must give a schedule that holds.
            if changes.reschedules() {
                let edited = event.edited(&changes, None);
                edited.check_schedule(zone, now)?;
                if changes.date.is_some() {
                    edited.check_date_set(zone, now)?;
                }
            }
            let upload = uploaded(&changes);
            if upload > 0 {
                let kept = catalog.image_bytes().saturating_sub(event.image_bytes);
                check_pictures(kept + upload, state.config.max_media_bytes_per_community)?;
            }
            Ok(())
        })?;
        check_hosts(state, place.id, &changes).await?;
        let image = media::store(&state.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        // New limits may promote people: decided, stored and applied under
        // the seat lock, like attendance (see `attend.rs`).
        let seat_lock = state.commits.exclusive().await;
        let planned = state.with_catalog(|catalog| {
            let before = catalog.get(id)?;
            let asks_anew = changes
                .questions
                .as_ref()
                .is_some_and(|q| *q != before.questions);
            if asks_anew && before.answered {
                return Err(ClientError::invalid(
                    "questions cannot change once someone has answered them",
                ));
            }
            let mut edited = before.edited(&changes, image.as_ref().map(|i| i.value.clone()));
            if let Some(stored) = &image {
                edited.image_bytes = stored.bytes;
            }
            let (mut seats, moves) = catalog.plan_limits(&edited)?;
            // Requests are for the next occurrence as it is now.
            let relapse = (changes.reschedules() && !seats.pending().is_empty())
                .then(|| edited.lapses_at(zone, now));
            if let Some(lapses_at) = relapse {
                seats.relapse(lapses_at);
            }
            let mut owed = Vec::new();
            let next = edited.schedule().next(zone, now);
            // A move in time or place: told once it settles, as it is then
            // (`notify.rs`), compared with the event before the change.
            if texts::changed(before, &edited, next.as_ref(), zone).is_some() {
                owed.push(Notice::Changed {
                    event: id,
                    community: place.id,
                    baseline: crate::notify::baseline_of(before),
                    due_at: now + state.config.notice_settle_seconds,
                });
            }
            for user in Seats::promoted(&moves) {
                let text = texts::spot_opened(&edited, next.as_ref(), zone);
                owed.push(Notice::Spot {
                    user,
                    event: id,
                    community: place.id,
                    text,
                });
            }
            let moves: Vec<_> = moves.into_iter().map(|m| (id, m)).collect();
            Ok((before.image.clone(), edited, seats, moves, owed, relapse))
        });
        let (old_image, edited, seats, moves, owed, relapse) = match planned {
            Ok(planned) => planned,
            Err(error) => {
                drop(seat_lock);
                media::discard(&state.env, image).await;
                return Err(error);
            }
        };
        let stored = match state.db().await {
            Ok(db) => store::events::update(&db, &edited, &moves, &owed, relapse, now)
                .await
                .map_err(|e| internal("storing an edit", e))
                .and_then(|found| found.then_some(()).ok_or(ClientError::NoSuchEvent)),
            Err(error) => Err(error),
        };
        if let Err(error) = stored {
            drop(seat_lock);
            media::discard(&state.env, image).await;
            return Err(error);
        }
        let new_image = edited.image.clone();
        state.with_catalog(|catalog| catalog.replace(edited, Some(seats)))?;
        drop(seat_lock);
        if !owed.is_empty() {
            state.owe_notices();
        }
        if new_image != old_image {
            media::delete(&state.env, &old_image).await;
        }
        broadcast::changed(state, id, admin.id);
        Ok(())
    }
}

impl Delete {
    pub fn parse(fields: &Map<String, Value>) -> Result<Delete, ClientError> {
        Ok(Delete {
            id: event_id(fields.get("id"), "id")?,
        })
    }

    pub async fn apply(self, state: &State) -> Result<(), ClientError> {
        let id = self.id;
        state.ready().await?;
        let place = state.place();
        let (zone, now) = (&place.zone, state.now());
        // No seat batch may add anyone between the notice and the delete.
        let seat_lock = state.commits.exclusive().await;
        let (image, owed) = state.with_catalog(|catalog| {
            let listed = catalog.occurrence(id, zone, now);
            let event = catalog.get(id)?;
            // Nobody needs telling that an event that is over is gone.
            let owed = match listed {
                Some(l) if l.past => Vec::new(),
                _ => {
                    let occurrence = listed.map(|l| l.occurrence);
                    let text = texts::cancelled(event, occurrence.as_ref(), zone);
                    let said = serde_json::json!([event.title, occurrence.map(|o| o.starts_at)]);
                    vec![Notice::Cancelled {
                        event: id,
                        community: place.id,
                        text,
                        said: said.to_string(),
                    }]
                }
            };
            Ok((event.image.clone(), owed))
        })?;
        store::events::delete(&state.db().await?, id, &owed, now)
            .await
            .map_err(|e| internal("deleting an event", e))?;
        // Gone from D1 either way; if another handler removed it from
        // memory meanwhile, it also told everyone.
        state.views.forget(id);
        // A merge still waiting for this event would send it back to life.
        state.windows.cancel(id);
        let removed = state.with_catalog(|catalog| catalog.remove(id)).is_ok();
        drop(seat_lock);
        state.owe_notices();
        media::delete(&state.env, &image).await;
        if removed {
            broadcast::everyone(state, &ServerMessage::DeleteEvent { id }.to_json());
        }
        Ok(())
    }
}

/// Hosts must be people who entered the community (`store::seats::entrants`).
async fn check_hosts(
    state: &State,
    community: i64,
    changes: &EventChanges,
) -> Result<(), ClientError> {
    let Some(hosts) = changes.hosts.as_deref().filter(|h| !h.is_empty()) else {
        return Ok(());
    };
    let allowed = store::seats::entrants(&state.db().await?, community, Some(hosts))
        .await
        .map_err(|e| internal("reading who may host", e))?;
    match hosts.iter().all(|id| allowed.iter().any(|(a, _)| a == id)) {
        true => Ok(()),
        false => Err(ClientError::invalid(
            "hosts must be people who opened the app in this community",
        )),
    }
}

/// Bytes an event change uploads (0 for none, or a link).
fn uploaded(changes: &EventChanges) -> u64 {
    match &changes.image {
        Some(ImageChange::Upload(upload)) => upload.bytes.len() as u64,
        _ => 0,
    }
}

/// A community's pictures in R2 may take `limit` bytes at most (replaced
/// and deleted pictures are freed).
fn check_pictures(bytes: u64, limit: u64) -> Result<(), ClientError> {
    match bytes > limit {
        true => Err(ClientError::Limit(
            format!(
                "a community's pictures may take at most {} MiB",
                limit / (1024 * 1024)
            )
            .into(),
        )),
        false => Ok(()),
    }
}
