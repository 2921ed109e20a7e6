//! `set-reminder` and `set-privacy`: a user's own settings, stored in D1
//! and remembered for their next login. There is no reply; the next
//! `welcome` carries them.

use super::{internal, EventHub};
use crate::catalog::Profile;
use crate::error::ClientError;
use crate::session::SessionUser;
use crate::store::{self, users::Reminder};

impl EventHub {
    pub(super) async fn set_reminder(
        &self,
        user: &SessionUser,
        reminder: Reminder,
    ) -> Result<(), ClientError> {
        store::users::set_reminder(&self.db()?, user.id, reminder)
            .await
            .map_err(|e| internal("storing a reminder setting", e))?;
        self.users.remember_reminder(user.id, reminder);
        Ok(())
    }
}

impl EventHub {
    /// `set-privacy`: hides the user from other non-admins' attendee lists
    /// and from the faces on the cards (or shows them again). No reply;
    /// the cards they are on are sent again without (or with) them.
    pub(super) async fn set_privacy(
        &self,
        user: &SessionUser,
        hidden: bool,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        store::users::set_hidden(&self.db()?, user.id, hidden)
            .await
            .map_err(|e| internal("storing a privacy setting", e))?;
        self.users.remember_hidden(user.id, hidden);
        let touched = self.with_catalog(|c| {
            Ok(match c.profile(user.id).cloned() {
                Some(profile) => c.remember(user.id, Profile { hidden, ..profile }),
                None => Vec::new(),
            })
        })?;
        for id in touched {
            self.broadcast_event(id, user.id);
        }
        Ok(())
    }
}
