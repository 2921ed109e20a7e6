//! The Durable Object `EventHub`: one per app, holding every live socket and
//! the in-memory catalog.
//!
//! Sockets are accepted with the Hibernation API, so the object may be
//! evicted while sockets stay open. Whatever must survive that lives in each
//! socket's attachment (the [`Session`]); the catalog is reloaded from D1 on
//! the first message after the object is constructed again.
//!
//! Handlers interleave at every `.await` (D1 calls are not behind the
//! object's input gate), so no `RefCell` borrow is held across one, and a
//! change is applied to the catalog only after its D1 write succeeded.

mod admin;
mod attendance;
mod login;
mod turns;

use std::cell::RefCell;

use worker::{
    console_error, durable_object, D1Database, DurableObject, Env, Request, Response, Result,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::catalog::Catalog;
use crate::config::Config;
use crate::error::ClientError;
use crate::protocol::{self, ClientMessage, Frame, ServerMessage};
use crate::session::{Session, SessionUser};

#[durable_object]
pub struct EventHub {
    state: State,
    env: Env,
    config: Config,
    /// `None` until the first message after construction loads it.
    catalog: RefCell<Option<Catalog>>,
    /// Keeps each user's messages in arrival order across awaits.
    turns: turns::Turns,
}

impl DurableObject for EventHub {
    fn new(state: State, env: Env) -> Self {
        // The runtime answers pings itself, so a ping never wakes the object.
        match worker::WebSocketRequestResponsePair::new(protocol::PING, protocol::PONG) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(_) => console_error!("could not set the ping auto-response"),
        }
        let config = crate::config_from_env(&env);
        EventHub {
            state,
            env,
            config,
            catalog: RefCell::new(None),
            turns: turns::Turns::default(),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return Response::error("Expected a WebSocket upgrade", 426);
        }
        let origin = req.url()?.origin().ascii_serialization();
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(Session {
            origin,
            ..Session::default()
        })?;
        send(&pair.server, &ServerMessage::Connect.to_json());
        Response::from_websocket(pair.client)
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let outcome = match message {
            WebSocketIncomingMessage::String(text) => self.handle(&ws, &text).await,
            WebSocketIncomingMessage::Binary(_) => Err(ClientError::Binary),
        };
        if let Err(error) = outcome {
            send(&ws, &protocol::error_json(&error));
        }
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        // Complete the closing handshake; the socket may already be gone.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, error: worker::Error) -> Result<()> {
        console_error!("websocket error: {error}");
        Ok(())
    }
}

impl EventHub {
    /// Serves one text frame. An `Err` becomes the `error` message.
    async fn handle(&self, ws: &WebSocket, text: &str) -> std::result::Result<(), ClientError> {
        if text.len() > protocol::MAX_FRAME_BYTES {
            return Err(ClientError::TooLarge);
        }
        let session = session_of(ws);
        if session.refused {
            return Ok(());
        }
        let frame = Frame::parse(text)?;
        match (&session.user, frame.is_login()) {
            (None, true) => return self.login(ws, session, frame.into_message()).await,
            (None, false) => return Err(ClientError::LoginRequired),
            (Some(_), true) => return Err(ClientError::AlreadyLoggedIn),
            (Some(_), false) => {}
        }
        let base = self.base_url(&session);
        let user = session.user.as_ref().ok_or(ClientError::LoginRequired)?;
        if frame.is_admin_only() && !user.is_admin {
            return Err(ClientError::Forbidden);
        }
        let _turn = self.turns.wait(user.id).await;
        match frame.into_message()? {
            ClientMessage::Attend { event } => self.attend(user, event, &base).await,
            ClientMessage::Leave { event } => self.leave(user, event, &base).await,
            ClientMessage::CreateEvent(changes) => self.create_event(changes, &base).await,
            ClientMessage::EditEvent { id, changes } => self.edit_event(id, changes, &base).await,
            ClientMessage::DeleteEvent { id } => self.delete_event(id).await,
            ClientMessage::Login { .. } => Err(ClientError::AlreadyLoggedIn),
        }
    }

    fn db(&self) -> std::result::Result<D1Database, ClientError> {
        self.env.d1("DB").map_err(|e| internal("DB binding", e))
    }

    /// Loads the catalog from D1 unless this object already has it.
    async fn load_catalog(&self) -> std::result::Result<(), ClientError> {
        if self.catalog.borrow().is_some() {
            return Ok(());
        }
        let loaded = crate::store::load_catalog(&self.db()?)
            .await
            .map_err(|e| internal("loading the catalog", e))?;
        // Another handler may have loaded (and since changed) it while we
        // awaited: keep theirs, it is at least as new as ours.
        self.catalog.borrow_mut().get_or_insert(loaded);
        Ok(())
    }

    /// Runs `f` on the loaded catalog. The borrow ends when `f` returns, so
    /// `f` must not (and cannot) await.
    fn with_catalog<T>(
        &self,
        f: impl FnOnce(&mut Catalog) -> std::result::Result<T, ClientError>,
    ) -> std::result::Result<T, ClientError> {
        let mut slot = self.catalog.borrow_mut();
        let catalog = slot.as_mut().ok_or(ClientError::Internal)?;
        f(catalog)
    }

    /// The origin that `/media/...` image paths are made absolute with.
    fn base_url(&self, session: &Session) -> String {
        self.config
            .public_url
            .clone()
            .unwrap_or_else(|| session.origin.clone())
    }

    /// Sends the changed event `id` to every logged-in socket, each with its
    /// own `attending`. The event is serialized twice, not once per socket.
    fn broadcast_event(&self, id: i64, base: &str) {
        let slot = self.catalog.borrow();
        let Some(event) = slot.as_ref().and_then(|c| c.get(id).ok()) else {
            return;
        };
        let attending = protocol::event_json(event, true, base);
        let not_attending = protocol::event_json(event, false, base);
        for ws in self.state.get_websockets() {
            if let Some(user) = logged_in_user(&ws) {
                let text = if event.is_attended_by(user.id) {
                    &attending
                } else {
                    &not_attending
                };
                send(&ws, text);
            }
        }
    }

    /// Sends `text` to every logged-in socket.
    fn broadcast(&self, text: &str) {
        for ws in self.state.get_websockets() {
            if logged_in_user(&ws).is_some() {
                send(&ws, text);
            }
        }
    }
}

fn session_of(ws: &WebSocket) -> Session {
    ws.deserialize_attachment::<Session>()
        .ok()
        .flatten()
        .unwrap_or_default()
}

fn logged_in_user(ws: &WebSocket) -> Option<SessionUser> {
    session_of(ws).user
}

/// Sends a frame; a socket that cannot take it (closing, gone) is skipped
/// without affecting anyone else.
fn send(ws: &WebSocket, text: &str) {
    if let Err(error) = ws.send_with_str(text) {
        console_error!("send failed: {error}");
    }
}

/// Logs a store failure (never with client data) and maps it to `internal`.
fn internal(what: &str, error: worker::Error) -> ClientError {
    console_error!("{what} failed: {error}");
    ClientError::Internal
}
