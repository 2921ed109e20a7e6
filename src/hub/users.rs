//! Users seen at login, so that a returning user's login costs no D1 query:
//! for [`USER_REFRESH_SECONDS`] the hub trusts what it read (the admin flag,
//! the reminder setting) and wrote (`last_seen`) at their previous login.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::D1Database;

use crate::init_data::TelegramUser;
use crate::store;
use crate::store::users::{Reminder, Stored};

/// How long a login trusts what an earlier login of the same user read from
/// D1 and wrote (`last_seen`).
pub const USER_REFRESH_SECONDS: i64 = 300;

/// What the hub remembers of a user's last recorded login.
struct Known {
    name: String,
    username: Option<String>,
    photo_url: Option<String>,
    stored: Stored,
    refreshed: i64,
}

#[derive(Default)]
pub struct Users {
    known: RefCell<HashMap<i64, Known>>,
}

impl Users {
    /// Records a login in D1 and returns what D1 holds of the user. A user
    /// seen in the last [`USER_REFRESH_SECONDS`] with the same name costs no
    /// query: that comes from memory, and `last_seen` is that coarse.
    pub async fn record_login(
        &self,
        db: &D1Database,
        user: &TelegramUser,
        now: i64,
    ) -> worker::Result<Stored> {
        let name = user.display_name();
        let fresh = self.known.borrow().get(&user.id).and_then(|known| {
            let same = known.name == name
                && known.username == user.username
                && known.photo_url == user.photo_url;
            (same && now - known.refreshed < USER_REFRESH_SECONDS).then_some(known.stored)
        });
        if let Some(stored) = fresh {
            return Ok(stored);
        }
        let photo_url = user.photo_url.as_deref().unwrap_or("");
        let username = user.username.as_deref();
        let stored = store::users::upsert(db, user.id, &name, username, photo_url, now).await?;
        self.known.borrow_mut().insert(
            user.id,
            Known {
                name,
                username: user.username.clone(),
                photo_url: user.photo_url.clone(),
                stored,
                refreshed: now,
            },
        );
        Ok(stored)
    }

    /// Updates the admin flag remembered for `user` after D1 was read again,
    /// so the next login does not trust a stale one.
    pub fn remember_admin_flag(&self, user: i64, is_admin: bool) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.stored.is_admin = is_admin;
        }
    }

    /// Updates the reminder remembered for `user` after it was stored.
    /// Whether `user` hides from others, as read at their login.
    pub fn hidden(&self, user: i64) -> bool {
        self.known
            .borrow()
            .get(&user)
            .is_some_and(|known| known.stored.hidden)
    }

    pub fn remember_hidden(&self, user: i64, hidden: bool) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.stored.hidden = hidden;
        }
    }

    pub fn remember_reminder(&self, user: i64, reminder: Reminder) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.stored.reminder = reminder;
        }
    }
}
