//! `set-reminder` and `set-privacy`: a user's own settings, stored in D1
//! and remembered for their next login. There is no reply; the next
//! `welcome` carries them.

use serde_json::{Map, Value};

use crate::error::ClientError;
use crate::hub::broadcast;
use crate::hub::state::{internal, State};
use crate::protocol::reminder;
use crate::session::SessionUser;
use crate::store::{self, users::Reminder};

/// `{"type":"set-reminder","minutes":M}`: when the user's reminders come
/// (`None`: no reminders).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetReminder {
    pub minutes: Reminder,
}

/// `{"type":"set-privacy","hidden":bool}`: whether the user hides from
/// other non-admins' attendee lists and from the faces on the cards.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetPrivacy {
    pub hidden: bool,
}

impl SetReminder {
    pub fn parse(fields: &Map<String, Value>) -> Result<SetReminder, ClientError> {
        Ok(SetReminder {
            minutes: reminder(fields.get("minutes"))?,
        })
    }

    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        store::users::set_reminder(&state.db().await?, user.id, self.minutes)
            .await
            .map_err(|e| internal("storing a reminder setting", e))?;
        state.users.set_reminder(user.id, self.minutes);
        Ok(())
    }
}

impl SetPrivacy {
    pub fn parse(fields: &Map<String, Value>) -> Result<SetPrivacy, ClientError> {
        let hidden = fields
            .get("hidden")
            .and_then(Value::as_bool)
            .ok_or(ClientError::invalid("hidden must be true or false"))?;
        Ok(SetPrivacy { hidden })
    }

    /// No reply; the cards the user is on are sent again without (or
    /// with) them.
    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        state.ready().await?;
        store::users::set_hidden(&state.db().await?, user.id, self.hidden)
            .await
            .map_err(|e| internal("storing a privacy setting", e))?;
        if !state.users.set_hidden(user.id, self.hidden) {
            return Ok(());
        }
        let touched = state.with_catalog(|c| Ok(c.touch_faces(user.id)))?;
        for id in touched {
            broadcast::changed(state, id, user.id);
        }
        Ok(())
    }
}
