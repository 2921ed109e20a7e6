//! Who is an admin. A user is one when their id is listed in `ADMIN_IDS`
//! (the Worker's config) or their `users.is_admin` flag in D1 is set. The
//! login puts the answer in the session; every admin message asks again,
//! and in a community's hub the group's creator and administrators are
//! admins too (`members.rs`);
//! so a revoked admin is refused from their next change on.

use worker::WebSocket;

use super::{internal, EventHub};
use crate::error::ClientError;
use crate::session::{Session, SessionUser};
use crate::store;

impl EventHub {
    /// Whether a user logging in is an admin, given their flag in D1.
    pub(super) fn is_admin(&self, user: i64, stored_flag: bool) -> bool {
        stored_flag || self.config.is_listed_admin(user)
    }

    /// Lets an admin message through only if its sender is an admin now:
    /// listed in `ADMIN_IDS`, or flagged in D1 at this moment (one read;
    /// admin messages are rare). The session's flag only spares that read
    /// for sockets that never were admins. A revoked admin's session loses
    /// the flag.
    pub(super) async fn confirm_admin(
        &self,
        ws: &WebSocket,
        user: &SessionUser,
    ) -> Result<(), ClientError> {
        if !user.is_admin {
            return Err(ClientError::Forbidden);
        }
        if self.config.is_listed_admin(user.id) {
            return Ok(());
        }
        // A community's admins are its group's, as Telegram says now.
        if let Some(community) = self.community() {
            if self
                .is_group_admin(&community, user.id, self.now(), None)
                .await?
            {
                return Ok(());
            }
        }
        let stored = store::users::admin_flag(&self.db()?, user.id)
            .await
            .map_err(|e| internal("reading the admin flag", e))?;
        self.users.remember_admin_flag(user.id, stored);
        if stored {
            return Ok(());
        }
        let mut demoted: Session = super::sockets::attached_session(ws);
        if let Some(user) = demoted.user.as_mut() {
            user.is_admin = false;
        }
        if let Err(e) = self.sockets.save(&self.state, ws, &demoted) {
            internal("saving the session", e);
        }
        Err(ClientError::Forbidden)
    }
}
