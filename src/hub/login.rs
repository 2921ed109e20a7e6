//! `login`: check the initData, record the user, then send `welcome`, every
//! event and `events-loaded`.

use worker::{console_log, Date, WebSocket};

use super::members::{Entry, COMMUNITY_REFUSED, TRY_AGAIN_LATER};
use super::{internal, send, sockets, EventHub};
use crate::calendar::feed;
use crate::catalog::Profile;
use crate::communities;
use crate::error::ClientError;
use crate::init_data::{self, InitData, InitDataError};
use crate::protocol;
use crate::protocol::ServerMessage;
use crate::session::{Session, SessionUser};

/// Close code for a refused login (in the 4000-4999 range for applications).
const LOGIN_FAILED: u16 = 4001;

impl EventHub {
    pub(super) async fn login(
        &self,
        ws: &WebSocket,
        session: Session,
        data: Result<String, ClientError>,
    ) -> Result<(), ClientError> {
        let Ok(data) = data else {
            return self.refuse(ws, session, "login needs initData in data");
        };
        let now = (Date::now().as_millis() / 1000) as i64;
        let init =
            match init_data::validate(&data, &self.config.bot_token, now, self.config.auth_max_age)
            {
                Ok(init) => init,
                Err(error) => {
                    if error == InitDataError::NoToken {
                        console_log!("login refused: BOT_TOKEN is not set");
                    }
                    return self.refuse(ws, session, error.reason());
                }
            };
        let socket = session.socket;
        if !self
            .sockets
            .reserve_login(&self.state, socket, init.user.id)
        {
            return self.refuse(ws, session, "too many connections for this user");
        }
        let welcomed = self.welcome(ws, session, init, now).await;
        self.sockets.end_login(&self.state, socket);
        welcomed
    }

    /// Logs the socket in as the (valid) `init`'s user and sends what a
    /// login gets.
    async fn welcome(
        &self,
        ws: &WebSocket,
        mut session: Session,
        init: InitData,
        now: i64,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        // A community's hub lets in its group's members only.
        let community = self.community();
        let mut group_admin = false;
        if let Some(community) = &community {
            if community.closed {
                return self.refuse_with(ws, session, COMMUNITY_REFUSED, "community closed");
            }
            let mut known = None;
            if !self.config.is_listed_admin(init.user.id) {
                match self.membership(community, init.user.id, now).await? {
                    Entry::Member { admin } => known = Some(admin),
                    Entry::NotMember => {
                        return self.refuse_with(ws, session, COMMUNITY_REFUSED, "not a member");
                    }
                    Entry::Unknown => {
                        return self.refuse_with(ws, session, TRY_AGAIN_LATER, "try again later");
                    }
                }
            }
            group_admin = self
                .is_group_admin(community, init.user.id, now, known)
                .await?;
        }
        let stored = self
            .users
            .record_login(&self.db()?, &init.user, now)
            .await
            .map_err(|e| internal("recording the user", e))?;
        let user = SessionUser {
            id: init.user.id,
            name: init.user.display_name(),
            is_admin: group_admin || self.is_admin(init.user.id, stored.is_admin),
            username: init.user.username.clone().unwrap_or_default(),
            photo_url: photo_url(init.user.photo_url.as_deref()),
        };
        // Keeps the faces on the cards up to date (no broadcast: the next
        // change of those events shows it).
        let _ = self.with_catalog(|c| {
            if c.profile(user.id).is_some() {
                c.remember(
                    user.id,
                    Profile {
                        name: user.name.clone(),
                        username: user.username.clone(),
                        photo_url: user.photo_url.clone(),
                        hidden: stored.hidden,
                    },
                );
            }
            Ok(())
        });
        session.user = Some(user.clone());
        let open = self
            .sockets
            .save(&self.state, ws, &session)
            .map_err(|e| internal("saving the session", e))?;
        if !open {
            return Ok(()); // closed while the login was checked
        }

        // From here on nothing awaits, so no broadcast can slip in between
        // the initial events and `events-loaded`.
        let base = self.base_url(&session);
        let calendar = format!(
            "{}/calendar/{}.ics",
            base.trim_end_matches('/'),
            feed::token(&self.feed_key(), user.id)
        );
        send(
            ws,
            &ServerMessage::Welcome {
                telegram_id: user.id,
                name: &user.name,
                is_admin: user.is_admin,
                reminder: stored.reminder,
                calendar: &calendar,
                hidden: stored.hidden,
                community: community.as_ref().map(|c| protocol::CommunityView {
                    slug: &c.slug,
                    title: &c.title,
                }),
            }
            .to_json(),
        );
        let zone = self.zone();
        let (zone, calendar_now) = (&*zone, self.now());
        let archive = self.config.archive_days * 86_400;
        let selected = self.with_catalog(|catalog| {
            for listed in catalog.listing(zone, calendar_now, archive) {
                let event = catalog.get(listed.id)?;
                let render = || (self.when(&listed), catalog.faces(listed.id));
                let view = self.views.of(event, &listed, render, base);
                if !sockets::send_js(ws, &view.for_user(event, user.id)) {
                    break;
                }
            }
            Ok(init
                .start_param
                .as_deref()
                .and_then(|p| communities::parse_start_param(p).event)
                .filter(|id| catalog.get(*id).is_ok()))
        })?;
        send(ws, &ServerMessage::EventsLoaded { selected }.to_json());
        Ok(())
    }

    /// Ends a failed login: `disconnect`, then a close with a reason. Nothing
    /// more from the socket is served.
    fn refuse(&self, ws: &WebSocket, session: Session, reason: &str) -> Result<(), ClientError> {
        self.refuse_with(ws, session, LOGIN_FAILED, reason)
    }

    /// Refuses a login: `disconnect`, then a close with `code` and `reason`;
    /// nothing the socket sends is served again.
    fn refuse_with(
        &self,
        ws: &WebSocket,
        mut session: Session,
        code: u16,
        reason: &str,
    ) -> Result<(), ClientError> {
        session.refused = true;
        if let Err(e) = self.sockets.save(&self.state, ws, &session) {
            internal("marking the session refused", e);
        }
        send(ws, &ServerMessage::Disconnect.to_json());
        let _ = ws.close(Some(code), Some(reason));
        Ok(())
    }
}

/// Longest profile picture URL kept.
const MAX_PHOTO_URL: usize = 512;

/// A profile picture URL from initData, kept only when it is a plain
/// `https` URL (it goes into pages as an image source).
fn photo_url(url: Option<&str>) -> String {
    match url {
        Some(url)
            if url.starts_with("https://")
                && url.len() <= MAX_PHOTO_URL
                && !url.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"') =>
        {
            url.to_string()
        }
        _ => String::new(),
    }
}
