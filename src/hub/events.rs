//! `create-event`, `edit-event` and `delete-event`: admins only (the rule is
//! in `dispatch.rs`, the check in `admins.rs`). Each change is stored
//! (picture in R2, row in D1) before the catalog takes it and every
//! logged-in socket hears of it.

use super::{internal, EventHub};
use crate::catalog::Event;
use crate::error::ClientError;
use crate::media::bucket as media;
use crate::protocol::ServerMessage;
use crate::session::SessionUser;
use crate::store;
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
            .check_schedule(&self.zone, self.now())?;
        let image = media::store(&self.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        let mut event = Event::default().edited(&changes, image.as_ref().map(|i| i.value.clone()));
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
        let old_image = self.with_catalog(|catalog| {
            let event = catalog.get(id)?;
            // An event that is over may still be renamed; moving it in time
            // must give a schedule that holds.
            if changes.reschedules() {
                event
                    .edited(&changes, None)
                    .check_schedule(&self.zone, self.now())?;
            }
            Ok(event.image.clone())
        })?;
        let image = media::store(&self.env, changes.image.as_ref())
            .await
            .map_err(|e| internal("storing an image", e))?;
        let edited = self.with_catalog(|catalog| {
            Ok(catalog
                .get(id)?
                .edited(&changes, image.as_ref().map(|i| i.value.clone())))
        })?;
        let stored = store::events::update_event(&self.db()?, &edited).await;
        if !matches!(stored, Ok(true)) {
            media::discard(&self.env, image).await;
            return match stored {
                Err(error) => Err(internal("storing an edit", error)),
                _ => Err(ClientError::NoSuchEvent),
            };
        }
        if edited.image != old_image {
            media::delete(&self.env, &old_image).await;
        }
        self.with_catalog(|catalog| catalog.replace(edited))?;
        self.broadcast_event(id, admin.id);
        Ok(())
    }

    pub(super) async fn delete_event(&self, id: i64) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let image = self.with_catalog(|catalog| Ok(catalog.get(id)?.image.clone()))?;
        store::events::delete_event(&self.db()?, id)
            .await
            .map_err(|e| internal("deleting an event", e))?;
        media::delete(&self.env, &image).await;
        // Gone from D1 either way; if another handler removed it from
        // memory meanwhile, it also told everyone.
        self.views.forget(id);
        // A merge still waiting for this event would send it back to life.
        self.windows.cancel(id);
        if self.with_catalog(|catalog| catalog.remove(id)).is_ok() {
            self.broadcast(&ServerMessage::DeleteEvent { id }.to_json());
        }
        Ok(())
    }
}
