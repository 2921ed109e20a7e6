//! `attend` and `leave`: idempotent, written to D1 (with the other
//! attendance changes that arrive meanwhile, `commit.rs`), then broadcast.

use super::{internal, EventHub};
use crate::error::ClientError;
use crate::session::SessionUser;
use crate::store::{self, events::Attendance};

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
        let (zone, now) = (&self.zone, self.now());
        let (attends, over) = self.with_catalog(|c| {
            let attends = c.get(event)?.is_attended_by(user.id);
            Ok((
                attends,
                c.occurrence(event, zone, now).is_some_and(|l| l.past),
            ))
        })?;
        if attends == going {
            return Ok(());
        }
        if going && over {
            // Leaving an event that is over still works.
            return Err(ClientError::EventOver);
        }
        let db = self.db()?;
        let change = Attendance {
            event,
            user: user.id,
            going,
        };
        self.commits
            .write(change, |changes| async move {
                let stored = store::events::write_attendance(&db, &changes).await;
                stored.map_err(|e| e.to_string())
            })
            .await
            .map_err(|e| internal("storing attendance", e.into()))?;
        // Another handler may have made the same change while we awaited;
        // then it has broadcast it and we stay quiet.
        let changed = self.with_catalog(|c| match going {
            true => c.attend(event, user.id),
            false => c.leave(event, user.id),
        })?;
        if changed {
            self.broadcast_event(event, user.id);
        }
        Ok(())
    }
}
