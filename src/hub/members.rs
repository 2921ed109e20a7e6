//! A community's hub: its row (zone, closed), who may enter (members of
//! the group, as Telegram's `getChatMember` says, cached in D1 for
//! `MEMBER_CACHE_SECONDS`) and who is its admin (the group's creator and
//! administrators, `getChatAdministrators`, cached `ADMIN_CACHE_SECONDS`,
//! and refreshed by `chat_member` updates in `bot.rs`). The default
//! community has none of this: anyone with valid initData enters it.

use std::rc::Rc;

use serde_json::{json, Value};
use worker::console_error;

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
    Member,
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
    /// a member known before still enters, anyone else must try again.
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
        if let Some(known) = fresh {
            return Ok(if known.member != 0 {
                Entry::Member
            } else {
                Entry::NotMember
            });
        }
        match self.ask_member(community.chat_id, user).await {
            Some((member, admin)) => {
                let stored =
                    store::record_member(&db, community.id, user, member, Some(admin), false, now)
                        .await;
                if let Err(e) = stored {
                    internal("storing a membership", e);
                }
                Ok(if member {
                    Entry::Member
                } else {
                    Entry::NotMember
                })
            }
            None => Ok(match cached {
                Some(m) if m.member != 0 => Entry::Member,
                _ => Entry::Unknown,
            }),
        }
    }

    /// Records that `user` entered the community (for the bot's `/start`).
    pub(super) async fn record_entry(&self, community: &Community, user: i64, now: i64) {
        let Ok(db) = self.db() else { return };
        let stored = store::record_member(&db, community.id, user, true, None, true, now).await;
        if let Err(e) = stored {
            internal("recording an entry", e);
        }
    }

    /// Telegram's `getChatMember`: (member, admin), or `None` when it did
    /// not answer.
    async fn ask_member(&self, chat_id: i64, user: i64) -> Option<(bool, bool)> {
        let api = BotApi::new(&self.config);
        let body = json!({"chat_id": chat_id, "user_id": user});
        match api.fetch("getChatMember", &body).await {
            Ok(Ok(member)) => {
                let status = member["status"].as_str().unwrap_or("");
                let is_member = member["is_member"].as_bool();
                Some((
                    communities::is_member(status, is_member),
                    communities::is_admin_status(status),
                ))
            }
            Ok(Err(reply)) => {
                console_error!("getChatMember refused: {reply:?}");
                None
            }
            Err(error) => {
                console_error!("getChatMember failed: {error}");
                None
            }
        }
    }

    /// Whether `user` is an admin of the group behind `community` now:
    /// from the admin list read from Telegram within `ADMIN_CACHE_SECONDS`
    /// (read again when older; an old list is used when Telegram cannot
    /// answer).
    pub(super) async fn is_group_admin(
        &self,
        community: &Community,
        user: i64,
        now: i64,
    ) -> Result<bool, ClientError> {
        let db = self.db()?;
        let checked = store::admins_checked_at(&db, community.id)
            .await
            .map_err(|e| internal("reading the admin list's age", e))?;
        let stale = checked.is_none_or(|at| now - at >= self.config.admin_cache_seconds);
        if stale {
            if let Some(admins) = self.ask_admins(community.chat_id).await {
                store::set_admins(&db, community.id, &admins, now)
                    .await
                    .map_err(|e| internal("storing the admin list", e))?;
            }
        }
        let known = store::membership(&db, community.id, user)
            .await
            .map_err(|e| internal("reading a membership", e))?;
        Ok(known.is_some_and(|m| m.admin != 0))
    }

    /// Telegram's `getChatAdministrators`: their ids, or `None`.
    async fn ask_admins(&self, chat_id: i64) -> Option<Vec<i64>> {
        let api = BotApi::new(&self.config);
        match api
            .fetch("getChatAdministrators", &json!({"chat_id": chat_id}))
            .await
        {
            Ok(Ok(Value::Array(admins))) => Some(
                admins
                    .iter()
                    .filter(|a| a["user"]["is_bot"].as_bool() != Some(true))
                    .filter_map(|a| a["user"]["id"].as_i64())
                    .collect(),
            ),
            Ok(_) => None,
            Err(error) => {
                console_error!("getChatAdministrators failed: {error}");
                None
            }
        }
    }
}

/// Close code for a login a community refuses (closed, not a member).
pub(super) const COMMUNITY_REFUSED: u16 = 4003;
/// Close code when Telegram could not say whether a user is a member.
pub(super) const TRY_AGAIN_LATER: u16 = 1013;
