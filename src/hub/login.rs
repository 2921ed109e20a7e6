//! `login`: check the initData, record the user, then send `welcome`, every
//! event and `events-loaded`. Also the login timeout: the object's alarm
//! closes sockets that have not logged in in time.

use worker::{console_error, console_log, Date, WebSocket};

use super::{audience, internal, send, EventHub, View};
use crate::error::ClientError;
use crate::init_data::{self, InitDataError, TelegramUser};
use crate::limits::MAX_SOCKETS_PER_USER;
use crate::protocol::{ClientMessage, ServerMessage};
use crate::session::{Session, SessionUser};
use crate::store;

/// Close code for a refused login (in the 4000-4999 range for applications).
const LOGIN_FAILED: u16 = 4001;

/// How long a login trusts what an earlier login of the same user read from
/// D1 (the admin flag) and wrote (`last_seen`).
pub const USER_REFRESH_SECONDS: i64 = 300;

/// What the hub remembers of a user's last recorded login.
pub struct KnownUser {
    name: String,
    username: Option<String>,
    stored_admin: bool,
    refreshed: i64,
}

impl EventHub {
    pub(super) async fn login(
        &self,
        ws: &WebSocket,
        mut session: Session,
        message: Result<ClientMessage, ClientError>,
    ) -> Result<(), ClientError> {
        let data = match message {
            Ok(ClientMessage::Login { data }) => data,
            _ => return self.refuse(ws, session, "login needs initData in data"),
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

        if self.audience.sockets_of(&self.state, init.user.id) >= MAX_SOCKETS_PER_USER {
            return self.refuse(ws, session, "too many connections for this user");
        }
        self.load_catalog().await?;
        let user = &init.user;
        let name = user.display_name();
        let stored_admin = self.stored_admin(user, &name, now).await?;
        let is_admin = stored_admin || self.config.is_listed_admin(user.id);

        session.user = Some(SessionUser {
            id: user.id,
            name,
            is_admin,
        });
        ws.serialize_attachment(&session)
            .map_err(|e| internal("saving the session", e))?;
        self.audience.join(&self.state, session.socket, ws, user.id);

        // From here on nothing awaits, so no broadcast can slip in between
        // the initial events and `events-loaded`.
        let base = self.base_url(&session);
        let Some(user) = &session.user else {
            return Err(ClientError::Internal);
        };
        send(
            ws,
            &ServerMessage::Welcome {
                telegram_id: user.id,
                name: &user.name,
                is_admin: user.is_admin,
            }
            .to_json(),
        );
        let selected = self.with_catalog(|catalog| {
            let mut views = self.views.borrow_mut();
            for event in catalog.in_order() {
                let view = views
                    .entry(event.id)
                    .or_insert_with(|| View::render(event, &base));
                if view.base != base {
                    *view = View::render(event, &base);
                }
                if !audience::send_js(ws, view.for_user(event, user.id)) {
                    break;
                }
            }
            Ok(init
                .start_param
                .as_deref()
                .and_then(|p| p.parse::<i64>().ok())
                .filter(|id| catalog.get(*id).is_ok()))
        })?;
        send(ws, &ServerMessage::EventsLoaded { selected }.to_json());
        Ok(())
    }

    /// The user's admin flag in D1, recording the login there. A user seen
    /// in the last [`USER_REFRESH_SECONDS`] with the same name costs no
    /// query: their flag comes from memory, and `last_seen` is that coarse.
    async fn stored_admin(
        &self,
        user: &TelegramUser,
        name: &str,
        now: i64,
    ) -> Result<bool, ClientError> {
        let fresh = self.known_users.borrow().get(&user.id).and_then(|known| {
            let same = known.name == name && known.username == user.username;
            (same && now - known.refreshed < USER_REFRESH_SECONDS).then_some(known.stored_admin)
        });
        if let Some(stored_admin) = fresh {
            return Ok(stored_admin);
        }
        let stored_admin =
            store::upsert_user(&self.db()?, user.id, name, user.username.as_deref(), now)
                .await
                .map_err(|e| internal("recording the user", e))?;
        self.known_users.borrow_mut().insert(
            user.id,
            KnownUser {
                name: name.to_string(),
                username: user.username.clone(),
                stored_admin,
                refreshed: now,
            },
        );
        Ok(stored_admin)
    }

    /// Updates what memory holds of a user's admin flag in D1 after it was
    /// read again, so the next login does not trust a stale one.
    pub(super) fn remember_admin_flag(&self, user: i64, stored_admin: bool) {
        if let Some(known) = self.known_users.borrow_mut().get_mut(&user) {
            known.stored_admin = stored_admin;
        }
    }

    /// Makes sure the alarm will look at a socket that just opened. An alarm
    /// already set is for an older socket, so it comes first and sets the
    /// next one itself.
    pub(super) async fn watch_login_deadline(&self) {
        let storage = self.state.storage();
        match storage.get_alarm().await {
            Ok(Some(_)) => {}
            Ok(None) => {
                if let Err(e) = storage.set_alarm(self.config.login_timeout_ms as i64).await {
                    console_error!("setting the login alarm failed: {e}");
                }
            }
            Err(e) => console_error!("reading the login alarm failed: {e}"),
        }
    }

    /// Closes (1008) every socket still not logged in after the timeout
    /// (unless its login is being checked right now), and sets the alarm
    /// again for the next one that will be.
    pub(super) async fn close_late_logins(&self) {
        let now = Date::now().as_millis();
        let mut next: Option<u64> = None;
        for ws in self.state.get_websockets() {
            let mut session = super::session_of(&ws);
            if session.user.is_some() || session.refused {
                continue;
            }
            let mut deadline = session.opened.saturating_add(self.config.login_timeout_ms);
            if self.logging_in.borrow().contains(&session.socket) {
                // Look again later, in case this login fails.
                deadline = deadline.max(now + self.config.login_timeout_ms);
            }
            if deadline > now {
                next = Some(next.map_or(deadline, |n| n.min(deadline)));
                continue;
            }
            session.refused = true;
            if let Err(e) = ws.serialize_attachment(&session) {
                internal("marking the session refused", e);
            }
            let _ = ws.close(Some(super::POLICY_VIOLATION), Some("login timeout"));
            self.forget_socket(session.socket);
        }
        if let Some(deadline) = next {
            let wait = deadline.saturating_sub(now).max(1) as i64;
            if let Err(e) = self.state.storage().set_alarm(wait).await {
                console_error!("setting the login alarm failed: {e}");
            }
        }
    }

    /// Ends a failed login: `disconnect`, then a close with a reason.
    fn refuse(
        &self,
        ws: &WebSocket,
        mut session: Session,
        reason: &str,
    ) -> Result<(), ClientError> {
        session.refused = true;
        if let Err(e) = ws.serialize_attachment(&session) {
            internal("marking the session refused", e);
        }
        send(ws, &ServerMessage::Disconnect.to_json());
        let _ = ws.close(Some(LOGIN_FAILED), Some(reason));
        Ok(())
    }
}
