//! `attend` and `leave`: idempotent, written to D1, then broadcast.

use super::{internal, EventHub};
use crate::error::ClientError;
use crate::session::SessionUser;
use crate::store;

impl EventHub {
    pub(super) async fn attend(
        &self,
        user: &SessionUser,
        event: i64,
        base: &str,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        if self.with_catalog(|c| Ok(c.get(event)?.is_attended_by(user.id)))? {
            return Ok(());
        }
        store::add_attendance(&self.db()?, event, user.id)
            .await
            .map_err(|e| internal("storing attendance", e))?;
        // Another handler may have made the same change while we awaited;
        // then it has broadcast it and we stay quiet.
        if self.with_catalog(|c| c.attend(event, user.id))? {
            self.broadcast_event(event, base);
        }
        Ok(())
    }

    pub(super) async fn leave(
        &self,
        user: &SessionUser,
        event: i64,
        base: &str,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        if !self.with_catalog(|c| Ok(c.get(event)?.is_attended_by(user.id)))? {
            return Ok(());
        }
        store::remove_attendance(&self.db()?, event, user.id)
            .await
            .map_err(|e| internal("removing attendance", e))?;
        if self.with_catalog(|c| c.leave(event, user.id))? {
            self.broadcast_event(event, base);
        }
        Ok(())
    }
}
