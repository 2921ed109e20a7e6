//! `attend` and `leave`: idempotent, written to D1, then broadcast.

use super::{internal, EventHub};
use crate::error::ClientError;
use crate::session::SessionUser;
use crate::store;

impl EventHub {
    /// Makes `user` attend `event` (`going`) or not. Saying again what is
    /// already so changes nothing and broadcasts nothing.
    pub(super) async fn set_attendance(
        &self,
        user: &SessionUser,
        event: i64,
        going: bool,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        if self.with_catalog(|c| Ok(c.get(event)?.is_attended_by(user.id)))? == going {
            return Ok(());
        }
        let db = self.db()?;
        let stored = match going {
            true => store::events::add_attendance(&db, event, user.id).await,
            false => store::events::remove_attendance(&db, event, user.id).await,
        };
        stored.map_err(|e| internal("storing attendance", e))?;
        // Another handler may have made the same change while we awaited;
        // then it has broadcast it and we stay quiet.
        let changed = self.with_catalog(|c| match going {
            true => c.attend(event, user.id),
            false => c.leave(event, user.id),
        })?;
        if changed {
            self.broadcast_event(event);
        }
        Ok(())
    }
}
