//! `set-reminder`: a user's own settings, stored in D1 and remembered for
//! their next login. There is no reply; the next `welcome` carries them.

use super::{internal, EventHub};
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
