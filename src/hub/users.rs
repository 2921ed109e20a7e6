//! Users seen at login, so that a returning user's login costs no D1 query:
//! for [`USER_REFRESH_SECONDS`] the hub trusts the admin flag it read and
//! the `last_seen` it wrote at their previous login.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::D1Database;

use crate::init_data::TelegramUser;
use crate::store;

/// How long a login trusts what an earlier login of the same user read from
/// D1 (the admin flag) and wrote (`last_seen`).
pub const USER_REFRESH_SECONDS: i64 = 300;

/// What the hub remembers of a user's last recorded login.
struct Known {
    name: String,
    username: Option<String>,
    stored_admin: bool,
    refreshed: i64,
}

#[derive(Default)]
pub struct Users {
    known: RefCell<HashMap<i64, Known>>,
}

impl Users {
    /// Records a login in D1 and returns the user's admin flag there. A
    /// user seen in the last [`USER_REFRESH_SECONDS`] with the same name
    /// costs no query: their flag comes from memory, and `last_seen` is
    /// that coarse.
    pub async fn record_login(
        &self,
        db: &D1Database,
        user: &TelegramUser,
        now: i64,
    ) -> worker::Result<bool> {
        let name = user.display_name();
        let fresh = self.known.borrow().get(&user.id).and_then(|known| {
            let same = known.name == name && known.username == user.username;
            (same && now - known.refreshed < USER_REFRESH_SECONDS).then_some(known.stored_admin)
        });
        if let Some(stored_admin) = fresh {
            return Ok(stored_admin);
        }
        let stored_admin =
            store::users::upsert(db, user.id, &name, user.username.as_deref(), now).await?;
        self.known.borrow_mut().insert(
            user.id,
            Known {
                name,
                username: user.username.clone(),
                stored_admin,
                refreshed: now,
            },
        );
        Ok(stored_admin)
    }

    /// Updates the admin flag remembered for `user` after D1 was read again,
    /// so the next login does not trust a stale one.
    pub fn remember_admin_flag(&self, user: i64, stored_admin: bool) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.stored_admin = stored_admin;
        }
    }
}
