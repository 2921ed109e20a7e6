//! `create-event`, `edit-event` and `delete-event`: admins only. Each change
//! is stored (image in R2, row in D1) before the catalog takes it and every
//! logged-in socket hears of it.

use worker::{js_sys, Date, WebSocket};

use super::{internal, EventHub};
use crate::catalog::Event;
use crate::error::ClientError;
use crate::image::{self, Upload};
use crate::media;
use crate::protocol::ServerMessage;
use crate::session::Session;
use crate::store;
use crate::validate::{EventChanges, ImageChange};

/// The turn all admin changes take (no Telegram user has id 0), so two
/// admins' edits land in D1 and in memory in the same order.
const ADMIN_LANE: i64 = 0;

/// An image stored for a change: the value for `events.image`, and the R2
/// key when we uploaded it (to delete again if the D1 write fails).
struct StoredImage {
    value: String,
    uploaded: Option<String>,
}

impl EventHub {
    /// Lets an admin message through only if its sender is an admin now:
    /// listed in `ADMIN_IDS`, or flagged in D1 at this moment (one read; admin
    /// messages are rare). The session's flag only spares that read for
    /// sockets that never were admins. A revoked admin is refused from
    /// their next admin message on, and their session loses the flag.
    pub(super) async fn confirm_admin(
        &self,
        ws: &WebSocket,
        session: &Session,
    ) -> Result<(), ClientError> {
        let user = match &session.user {
            Some(user) if user.is_admin => user.id,
            _ => return Err(ClientError::Forbidden),
        };
        if self.config.is_listed_admin(user) {
            return Ok(());
        }
        let stored = store::admin_flag(&self.db()?, user)
            .await
            .map_err(|e| internal("reading the admin flag", e))?;
        self.remember_admin_flag(user, stored);
        if stored {
            return Ok(());
        }
        let mut demoted = session.clone();
        if let Some(user) = demoted.user.as_mut() {
            user.is_admin = false;
        }
        if let Err(e) = ws.serialize_attachment(&demoted) {
            internal("saving the session", e);
        }
        Err(ClientError::Forbidden)
    }

    pub(super) async fn create_event(
        &self,
        changes: EventChanges,
        base: &str,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let _lane = self.turns.wait(ADMIN_LANE).await;
        let image = self.store_image(changes.image.as_ref()).await?;
        let mut event = Event::default().edited(&changes, image.as_ref().map(|i| i.value.clone()));
        match store::insert_event(&self.db()?, &event).await {
            Ok(id) => event.id = id,
            Err(error) => {
                self.discard(image).await;
                return Err(internal("storing a new event", error));
            }
        }
        let id = event.id;
        self.with_catalog(|catalog| {
            catalog.insert(event);
            Ok(())
        })?;
        self.broadcast_event(id, base);
        Ok(())
    }

    pub(super) async fn edit_event(
        &self,
        id: i64,
        changes: EventChanges,
        base: &str,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let _lane = self.turns.wait(ADMIN_LANE).await;
        let old_image = self.with_catalog(|catalog| Ok(catalog.get(id)?.image.clone()))?;
        let image = self.store_image(changes.image.as_ref()).await?;
        let edited = self.with_catalog(|catalog| {
            Ok(catalog
                .get(id)?
                .edited(&changes, image.as_ref().map(|i| i.value.clone())))
        })?;
        let stored = store::update_event(&self.db()?, &edited).await;
        if !matches!(stored, Ok(true)) {
            self.discard(image).await;
            return match stored {
                Err(error) => Err(internal("storing an edit", error)),
                _ => Err(ClientError::NoSuchEvent),
            };
        }
        if edited.image != old_image {
            self.delete_media(&old_image).await;
        }
        self.with_catalog(|catalog| catalog.replace(edited))?;
        self.broadcast_event(id, base);
        Ok(())
    }

    pub(super) async fn delete_event(&self, id: i64) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let _lane = self.turns.wait(ADMIN_LANE).await;
        let image = self.with_catalog(|catalog| Ok(catalog.get(id)?.image.clone()))?;
        store::delete_event(&self.db()?, id)
            .await
            .map_err(|e| internal("deleting an event", e))?;
        self.delete_media(&image).await;
        // Gone from D1 either way; if another handler removed it from
        // memory meanwhile, it also told everyone.
        self.forget_view(id);
        if self.with_catalog(|catalog| catalog.remove(id)).is_ok() {
            self.broadcast(&ServerMessage::DeleteEvent { id }.to_json());
        }
        Ok(())
    }

    /// Uploads a new image to R2 when the change has one; `None` when the
    /// image stays as it is.
    async fn store_image(
        &self,
        change: Option<&ImageChange>,
    ) -> Result<Option<StoredImage>, ClientError> {
        let value = |value: String| {
            Some(StoredImage {
                value,
                uploaded: None,
            })
        };
        match change {
            None => Ok(None),
            Some(ImageChange::Remove) => Ok(value(String::new())),
            Some(ImageChange::Url(url)) => Ok(value(url.clone())),
            Some(ImageChange::Upload(upload)) => self.upload(upload).await.map(Some),
        }
    }

    async fn upload(&self, upload: &Upload) -> Result<StoredImage, ClientError> {
        let salt = format!("{}-{}", Date::now().as_millis(), js_sys::Math::random());
        let key = upload.key(&salt);
        let bucket = media::bucket(&self.env).map_err(|e| internal("MEDIA binding", e))?;
        media::put(&bucket, &key, upload)
            .await
            .map_err(|e| internal("storing an image", e))?;
        Ok(StoredImage {
            value: format!("{}{key}", image::MEDIA_PREFIX),
            uploaded: Some(key),
        })
    }

    /// Deletes an image uploaded for a change that was then not stored.
    async fn discard(&self, image: Option<StoredImage>) {
        if let Some(key) = image.and_then(|i| i.uploaded) {
            if let Ok(bucket) = media::bucket(&self.env) {
                media::delete(&bucket, &key).await;
            }
        }
    }

    /// Deletes the R2 object behind a stored image value, if it is ours.
    async fn delete_media(&self, stored: &str) {
        if let (Some(key), Ok(bucket)) = (image::key_of_path(stored), media::bucket(&self.env)) {
            media::delete(&bucket, key).await;
        }
    }
}
