//! `set-reminder` and `set-privacy`: a user's own settings, stored in D1
//! and remembered for their next login. There is no reply; the next
//! `welcome` carries them.

use serde_json::{Map, Value};

use crate::communities;
use crate::error::ClientError;
use crate::hub::state::{internal, State};
use crate::hub::{broadcast, client};
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

/// `{"type":"set-language","language":"ru"}`: the user's own choice
/// (`null`: follow Telegram). No reply; `welcome.language` says it at
/// the next login, in every community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetLanguage {
    pub language: Option<&'static str>,
}

impl SetLanguage {
    pub fn parse(fields: &Map<String, Value>) -> Result<SetLanguage, ClientError> {
        Ok(SetLanguage {
            language: crate::i18n::choice(fields.get("language"))?,
        })
    }

    pub async fn apply(self, state: &State, user: &SessionUser) -> Result<(), ClientError> {
        store::users::set_language(&state.db().await?, user.id, self.language)
            .await
            .map_err(|e| internal("storing a language", e))?;
        state.users.set_language(user.id, self.language);
        Ok(())
    }
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
        hidden_elsewhere(state, user.id, self.hidden);
        // The user's other communities follow at once (privacy follows the
        // user, not the hub).
        let place = state.place();
        let entered = store::communities::entered_by(&state.db().await?, user.id)
            .await
            .map_err(|e| internal("reading the communities entered", e))?;
        if place.id != communities::DEFAULT {
            client::privacy(&state.env, None, user.id, self.hidden).await;
        }
        let others = entered.iter().filter(|(c, _)| c.id != place.id);
        for (community, _) in others.take(MAX_HUBS_TOLD) {
            client::privacy(&state.env, Some(community), user.id, self.hidden).await;
        }
        Ok(())
    }
}

/// Hubs one privacy change tells at most (each call a subrequest).
const MAX_HUBS_TOLD: usize = 40;

/// `user` hides (or not) from now on, here: the faces on the cards they
/// are on go (or come back) at once; attendee lists are read from D1 each
/// time, so they follow already.
pub fn hidden_elsewhere(state: &State, user: i64, hidden: bool) {
    if !state.users.set_hidden(user, hidden) {
        return;
    }
    let Ok(touched) = state.with_catalog(|c| Ok(c.touch_faces(user))) else {
        return;
    };
    for id in touched {
        broadcast::changed(state, id, user);
    }
}
