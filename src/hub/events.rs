//! `create-event`, `edit-event` and `delete-event`: admins only (the rule is
//! in `dispatch.rs`, the check in `admins.rs`). Each change is stored
//! (picture in R2, row in D1) before the catalog takes it and every
//! logged-in socket hears of it. Moving an event in time or place, or
//! deleting it, queues a notice to everyone going or waiting, in the same
//! D1 batch.

use super::{internal, EventHub};
use crate::catalog::Event;
use crate::error::ClientError;
use crate::media::bucket as media;
use crate::notices;
use crate::protocol::ServerMessage;
use crate::seats::Seats;
use crate::session::SessionUser;
use crate::store::{self, events::Notice};
use crate::validate::EventChanges;

impl EventHub {
    pub(super) async fn create_event(
        &self,
        admin: &SessionUser,
        changes: EventChanges,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        Event::default()
            .edited(&changes, None)
            .check_schedule(&*self.zone(), self.now())?;
        let image = media::store(&self.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        let mut event = Event::default().edited(&changes, image.as_ref().map(|i| i.value.clone()));
        event.community = self.community_id.get();
        match store::events::insert_event(&self.db()?, &event).await {
            Ok(id) => event.id = id,
            Err(error) => {
                media::discard(&self.env, image).await;
                return Err(internal("storing a new event", error));
            }
        }
        let id = event.id;
        self.with_catalog(|catalog| {
            catalog.insert(event);
            Ok(())
        })?;
        self.broadcast_event(id, admin.id);
        Ok(())
    }

    pub(super) async fn edit_event(
        &self,
        admin: &SessionUser,
        id: i64,
        changes: EventChanges,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let zone = self.zone();
        let (zone, now) = (&*zone, self.now());
        self.with_catalog(|catalog| {
            let event = catalog.get(id)?;
            // An event that is over may still be renamed; moving it in time
            // must give a schedule that holds.
            if changes.reschedules() {
                event.edited(&changes, None).check_schedule(zone, now)?;
            }
            Ok(())
        })?;
        let image = media::store(&self.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        // New limits may promote people: decided, stored and applied under
        // the seat lock, like attendance (see `attendance.rs`).
        let seat_lock = self.commits.exclusive().await;
        let planned = self.with_catalog(|catalog| {
            let before = catalog.get(id)?;
            let edited = before.edited(&changes, image.as_ref().map(|i| i.value.clone()));
            let (seats, moves) = catalog.plan_limits(&edited)?;
            let mut owed = Vec::new();
            let next = edited.schedule().next(zone, now);
            if let Some(text) = notices::changed(before, &edited, next.as_ref(), zone) {
                owed.push(Notice::EveryoneListed { event: id, text });
            }
            for user in Seats::promoted(&moves) {
                let text = notices::spot_opened(&edited, next.as_ref(), zone);
                owed.push(Notice::To { user, text });
            }
            let moves: Vec<_> = moves.into_iter().map(|m| (id, m)).collect();
            Ok((before.image.clone(), edited, seats, moves, owed))
        });
        let (old_image, edited, seats, moves, owed) = match planned {
            Ok(planned) => planned,
            Err(error) => {
                drop(seat_lock);
                media::discard(&self.env, image).await;
                return Err(error);
            }
        };
        let stored = store::events::update_event(&self.db()?, &edited, &moves, &owed, now).await;
        if !matches!(stored, Ok(true)) {
            drop(seat_lock);
            media::discard(&self.env, image).await;
            return match stored {
                Err(error) => Err(internal("storing an edit", error)),
                _ => Err(ClientError::NoSuchEvent),
            };
        }
        let new_image = edited.image.clone();
        self.with_catalog(|catalog| catalog.replace(edited, Some(seats)))?;
        drop(seat_lock);
        if !owed.is_empty() {
            self.notices_due.set(true);
        }
        if new_image != old_image {
            media::delete(&self.env, &old_image).await;
        }
        self.broadcast_event(id, admin.id);
        Ok(())
    }

    pub(super) async fn delete_event(&self, id: i64) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let zone = self.zone();
        let (zone, now) = (&*zone, self.now());
        // No seat batch may add anyone between the notice and the delete.
        let seat_lock = self.commits.exclusive().await;
        let (image, owed) = self.with_catalog(|catalog| {
            let listed = catalog.occurrence(id, zone, now);
            let event = catalog.get(id)?;
            // Nobody needs telling that an event that is over is gone.
            let owed = match listed {
                Some(l) if l.past => Vec::new(),
                _ => {
                    let occurrence = listed.map(|l| l.occurrence);
                    let text = notices::cancelled(event, occurrence.as_ref(), zone);
                    vec![Notice::EveryoneListed { event: id, text }]
                }
            };
            Ok((event.image.clone(), owed))
        })?;
        let deleted = store::events::delete_event(&self.db()?, id, &owed, now).await;
        if let Err(error) = deleted {
            return Err(internal("deleting an event", error));
        }
        // Gone from D1 either way; if another handler removed it from
        // memory meanwhile, it also told everyone.
        self.views.forget(id);
        // A merge still waiting for this event would send it back to life.
        self.windows.cancel(id);
        let removed = self.with_catalog(|catalog| catalog.remove(id)).is_ok();
        drop(seat_lock);
        self.notices_due.set(true);
        media::delete(&self.env, &image).await;
        if removed {
            self.broadcast(&ServerMessage::DeleteEvent { id }.to_json());
        }
        Ok(())
    }
}
