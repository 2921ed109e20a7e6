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
mod audience;
mod login;
mod turns;

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use worker::js_sys::JsString;
use worker::{
    console_error, durable_object, D1Database, Date, DurableObject, Env, Request, Response, Result,
    State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::catalog::{Catalog, Event};
use crate::config::Config;
use crate::error::ClientError;
use crate::limits::{Bucket, Verdict};
use crate::protocol::{self, ClientMessage, Frame, ServerMessage};
use crate::session::Session;

#[durable_object]
pub struct EventHub {
    state: State,
    env: Env,
    config: Config,
    /// `None` until the first message after construction loads it.
    catalog: RefCell<Option<Catalog>>,
    /// Keeps each user's messages in arrival order across awaits.
    turns: turns::Turns,
    /// The logged-in sockets, for broadcasts.
    audience: audience::Audience,
    /// Each event's `event` message, serialized once per change (attending
    /// and not), for broadcasts and logins alike.
    views: RefCell<HashMap<i64, View>>,
    /// Users seen at login, so a returning user costs no D1 query.
    known_users: RefCell<HashMap<i64, login::KnownUser>>,
    /// Each socket's rate-limit bucket, by socket id (memory only).
    buckets: RefCell<HashMap<u64, Bucket>>,
    /// Sockets whose login is being checked: the login timeout spares them.
    logging_in: RefCell<HashSet<u64>>,
}

/// An event's `event` message, as JSON, for users who attend it and for
/// users who do not, with image URLs made absolute against `base`.
/// Kept as JS strings, so sending one to many sockets converts it once.
struct View {
    base: String,
    attending: JsString,
    not_attending: JsString,
}

impl View {
    fn render(event: &Event, base: &str) -> View {
        View {
            base: base.to_string(),
            attending: JsString::from(protocol::event_json(event, true, base)),
            not_attending: JsString::from(protocol::event_json(event, false, base)),
        }
    }

    fn for_user(&self, event: &Event, user: i64) -> &JsString {
        if event.is_attended_by(user) {
            &self.attending
        } else {
            &self.not_attending
        }
    }
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
            audience: audience::Audience::default(),
            views: RefCell::new(HashMap::new()),
            known_users: RefCell::new(HashMap::new()),
            buckets: RefCell::new(HashMap::new()),
            logging_in: RefCell::new(HashSet::new()),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() == COUNTERS_PATH {
            return self.counters();
        }
        let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return Response::error("Expected a WebSocket upgrade", 426);
        }
        let origin = crate::config::origin_of(&req.inner().url()).to_string();
        let pair = WebSocketPair::new()?;
        self.state.accept_web_socket(&pair.server);
        pair.server.serialize_attachment(Session {
            socket: audience::new_socket_id(),
            opened: Date::now().as_millis(),
            origin,
            ..Session::default()
        })?;
        send(&pair.server, &ServerMessage::Connect.to_json());
        self.watch_login_deadline().await;
        Response::from_websocket(pair.client)
    }

    /// Closes the sockets that have not logged in within
    /// `LOGIN_TIMEOUT_SECONDS`.
    async fn alarm(&self) -> Result<Response> {
        self.close_late_logins().await;
        Response::ok("")
    }

    async fn websocket_message(
        &self,
        ws: WebSocket,
        message: WebSocketIncomingMessage,
    ) -> Result<()> {
        let session = session_of(&ws);
        let verdict = self
            .buckets
            .borrow_mut()
            .entry(session.socket)
            .or_insert_with(|| Bucket::new(Date::now().as_millis() as f64))
            .take(Date::now().as_millis() as f64);
        let outcome = match (verdict, message) {
            (Verdict::Close, _) => {
                send(&ws, &protocol::error_json(&ClientError::RateLimited));
                let _ = ws.close(Some(POLICY_VIOLATION), Some("too many messages"));
                self.forget_socket(session.socket);
                return Ok(());
            }
            (Verdict::Refuse, _) => Err(ClientError::RateLimited),
            (Verdict::Serve, WebSocketIncomingMessage::String(text)) => {
                self.handle(&ws, session, &text).await
            }
            (Verdict::Serve, WebSocketIncomingMessage::Binary(_)) => Err(ClientError::Binary),
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
        self.forget_socket(session_of(&ws).socket);
        // Complete the closing handshake; the socket may already be gone.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> Result<()> {
        console_error!("websocket error: {error}");
        self.forget_socket(session_of(&ws).socket);
        Ok(())
    }
}

/// Close code for policy violations (sustained abuse).
const POLICY_VIOLATION: u16 = 1008;

/// Where the benchmark reads the hub's counters (see `BENCHMARKS.md`).
pub const COUNTERS_PATH: &str = "/__counters";

impl EventHub {
    /// D1 statements so far, sockets, and whether the catalog is loaded:
    /// only when `DEBUG_COUNTERS` is "1", so deployments show nothing.
    fn counters(&self) -> Result<Response> {
        if !self.config.debug_counters {
            return Response::error("Not found", 404);
        }
        let (reads, writes) = crate::store::counters::snapshot();
        Response::from_json(&serde_json::json!({
            "d1_reads": reads,
            "d1_writes": writes,
            "sockets": self.state.get_websockets().len(),
            "logged_in": self.audience.len(&self.state),
            "catalog_loaded": self.catalog.borrow().is_some(),
        }))
    }

    /// Drops what memory holds for a socket that is gone.
    fn forget_socket(&self, socket: u64) {
        self.audience.leave(&self.state, socket);
        self.buckets.borrow_mut().remove(&socket);
    }

    /// Serves one text frame. An `Err` becomes the `error` message.
    async fn handle(
        &self,
        ws: &WebSocket,
        session: Session,
        text: &str,
    ) -> std::result::Result<(), ClientError> {
        if text.len() > protocol::MAX_FRAME_BYTES {
            return Err(ClientError::TooLarge);
        }
        if session.refused {
            return Ok(());
        }
        let frame = Frame::parse(text)?;
        match (&session.user, frame.is_login()) {
            (None, true) => {
                let socket = session.socket;
                self.logging_in.borrow_mut().insert(socket);
                let result = self.login(ws, session, frame.into_message()).await;
                self.logging_in.borrow_mut().remove(&socket);
                return result;
            }
            (None, false) => return Err(ClientError::LoginRequired),
            (Some(_), true) => return Err(ClientError::AlreadyLoggedIn),
            (Some(_), false) => {}
        }
        let base = self.base_url(&session);
        let user = session.user.as_ref().ok_or(ClientError::LoginRequired)?;
        if frame.is_admin_only() {
            self.confirm_admin(ws, &session).await?;
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
    /// own `attending`. The event is serialized twice, not once per socket,
    /// and the result kept for the logins that follow.
    fn broadcast_event(&self, id: i64, base: &str) {
        let slot = self.catalog.borrow();
        let Some(event) = slot.as_ref().and_then(|c| c.get(id).ok()) else {
            return;
        };
        let view = View::render(event, base);
        self.audience
            .send(&self.state, |user| view.for_user(event, user));
        self.views.borrow_mut().insert(id, view);
    }

    /// Sends `text` to every logged-in socket.
    fn broadcast(&self, text: &str) {
        let text = JsString::from(text);
        self.audience.send(&self.state, |_| &text);
    }

    /// Forgets the serialized form of a deleted event.
    fn forget_view(&self, id: i64) {
        self.views.borrow_mut().remove(&id);
    }
}

fn session_of(ws: &WebSocket) -> Session {
    ws.deserialize_attachment::<Session>()
        .ok()
        .flatten()
        .unwrap_or_default()
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
