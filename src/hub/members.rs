//! A community's hub: its row (zone, closed), who may enter (members of
//! the group, as Telegram's `getChatMember` says, cached in D1 for
//! `MEMBER_CACHE_SECONDS`) and who is its admin (the group's creator and
//! administrators, `getChatAdministrators`, cached `ADMIN_CACHE_SECONDS`,
//! and refreshed by `chat_member` updates in `bot.rs`). The default
//! community has none of this: anyone with valid initData enters it.

use std::rc::Rc;

use super::{internal, EventHub};
use crate::bot_api::BotApi;
use crate::calendar::Zone;
use crate::clock::IntlZone;
use crate::communities::{self, Community};
use crate::error::ClientError;
use crate::store::communities as store;

/// How long a "not a member" answer is trusted.
const NOT_MEMBER_CACHE_SECONDS: i64 = 60;

/// Whether a user may enter the community.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Entry {
    /// `admin`: whether the same answer says they are a group admin.
    Member {
        admin: bool,
    },
    NotMember,
    /// Telegram could not say, and nothing was known before.
    Unknown,
}

impl EventHub {
    /// Reads the community's row and takes its zone.
    pub(super) async fn load_community(&self) -> Result<(), ClientError> {
        let id = self.community_id.get();
        let row = store::by_id(&self.db()?, id)
            .await
            .map_err(|e| internal("reading the community", e))?;
        if let Some(community) = &row {
            let zone = IntlZone::or_utc(&community.timezone);
            let changed = zone.name() != self.zone().name();
            *self.zone.borrow_mut() = Rc::new(zone);
            if changed {
                // Occurrences and rendered messages were worked out in the
                // old zone: start again from D1.
                *self.catalog.borrow_mut() = None;
                self.views.clear();
            }
        }
        *self.community.borrow_mut() = row;
        Ok(())
    }

    /// The Worker says the community's row changed: read it again, and
    /// when it is closed, close every socket.
    pub(super) async fn reload_community(&self) {
        if self.community_id.get() == communities::DEFAULT {
            // Only asked of community hubs; the id comes with every socket.
            if let Some(ws) = self.state.get_websockets().first() {
                let session = super::sockets::attached_session(ws);
                self.community_id.set(session.community);
            }
        }
        if self.community_id.get() == communities::DEFAULT {
            return;
        }
        if self.load_community().await.is_err() {
            return;
        }
        if self.community().is_some_and(|c| c.closed) {
            for ws in self.state.get_websockets() {
                let session = super::sockets::attached_session(&ws);
                self.shut(&ws, session, COMMUNITY_REFUSED, "community closed");
            }
        }
    }

    /// Closes every socket of `user`, who left the group.
    pub(super) fn close_user(&self, user: i64) {
        for ws in self.state.get_websockets() {
            let session = super::sockets::attached_session(&ws);
            if session.user.as_ref().is_some_and(|u| u.id == user) {
                self.shut(&ws, session, COMMUNITY_REFUSED, "not a member");
            }
        }
    }

    pub(super) fn community(&self) -> Option<Community> {
        self.community.borrow().clone()
    }

    /// Whether `user` may enter `community` at `now`: the cached answer
    /// while fresh, else Telegram's (stored); when Telegram cannot answer,
    /// a member known before still enters, anyone else must try again. A
    /// member's first entry is recorded (for the bot's `/start`) without
    /// making the cached answer any younger.
    pub(super) async fn membership(
        &self,
        community: &Community,
        user: i64,
        now: i64,
    ) -> Result<Entry, ClientError> {
        let db = self.db()?;
        let cached = store::membership(&db, community.id, user)
            .await
            .map_err(|e| internal("reading a membership", e))?;
        let fresh = cached.filter(|m| {
            let age = now - m.checked_at;
            match m.member {
                0 => age < NOT_MEMBER_CACHE_SECONDS,
                _ => age < self.config.member_cache_seconds,
            }
        });
        let known = match fresh {
            Some(known) => Some((known.member != 0, known.admin != 0)),
            None => {
                let asked = BotApi::new(&self.config)
                    .chat_member(community.chat_id, user)
                    .await;
                if let Some((member, admin)) = asked {
                    let stored =
                        store::record_member(&db, community.id, user, member, Some(admin), now)
                            .await;
                    if let Err(e) = stored {
                        internal("storing a membership", e);
                    }
                }
                // Telegram silent: a member known before still enters.
                asked.or_else(|| {
                    cached
                        .filter(|m| m.member != 0)
                        .map(|m| (true, m.admin != 0))
                })
            }
        };
        match known {
            Some((true, admin)) => {
                if cached.is_none_or(|m| m.entered == 0) {
                    if let Err(e) = store::mark_entered(&db, community.id, user, now).await {
                        internal("recording an entry", e);
                    }
                }
                Ok(Entry::Member { admin })
            }
            Some((false, _)) => Ok(Entry::NotMember),
            None => Ok(Entry::Unknown),
        }
    }

    /// Whether `user` is an admin of the group behind `community` now:
    /// from the admin list read from Telegram within `ADMIN_CACHE_SECONDS`
    /// (read again when older; an old list is used when Telegram cannot
    /// answer). `known` is what a membership check just read, used while
    /// the list is fresh instead of reading it again.
    pub(super) async fn is_group_admin(
        &self,
        community: &Community,
        user: i64,
        now: i64,
        known: Option<bool>,
    ) -> Result<bool, ClientError> {
        let db = self.db()?;
        let checked = store::admins_checked_at(&db, community.id)
            .await
            .map_err(|e| internal("reading the admin list's age", e))?;
        let stale = checked.is_none_or(|at| now - at >= self.config.admin_cache_seconds);
        if stale {
            if let Some(admins) = BotApi::new(&self.config)
                .chat_admins(community.chat_id)
                .await
            {
                store::set_admins(&db, community.id, &admins, now)
                    .await
                    .map_err(|e| internal("storing the admin list", e))?;
                return Ok(admins.contains(&user));
            }
        } else if let Some(admin) = known {
            return Ok(admin);
        }
        let row = store::membership(&db, community.id, user)
            .await
            .map_err(|e| internal("reading a membership", e))?;
        Ok(row.is_some_and(|m| m.admin != 0))
    }
}

/// Close code for a login a community refuses (closed, not a member).
pub(super) const COMMUNITY_REFUSED: u16 = 4003;
/// Close code when Telegram could not say whether a user is a member.
pub(super) const TRY_AGAIN_LATER: u16 = 1013;
