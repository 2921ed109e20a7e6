//! The Durable Object `EventHub`: one per community (the default one, and
//! one per Telegram group, named `c:<slug>`), holding its live sockets and
//! its in-memory catalog. The Worker tells it which community it serves
//! (`COMMUNITY_HEADER`); `members.rs` decides who may enter a group's.
//!
//! Sockets are accepted with the Hibernation API, so the object may be
//! evicted while sockets stay open. Whatever must survive that lives in each
//! socket's attachment (the [`Session`]); the catalog is reloaded from D1 on
//! the first message after the object is constructed again.
//!
//! Handlers interleave at every `.await` (D1 calls are not behind the
//! object's input gate), so no `RefCell` borrow is held across one, and a
//! change is applied to the catalog only after its D1 write succeeded.
//!
//! Where things are: [`dispatch`] decides what a frame needs (login, admin,
//! whose turn) and [`turns`] keeps the order; [`sockets`] holds one record
//! per socket; [`views`] the rendered `event` messages and [`merge`] the
//! windows that merge a storm of changes into few broadcasts; [`users`] the
//! users seen at login; [`admins`] who is an admin; [`members`] who may
//! enter a group's community and who is its admin; [`deadline`] the login
//! timeout; [`commit`] groups the seat changes of a storm into few D1
//! transactions, one batch at a time. One file per kind of message applies
//! it: [`login`], [`attendance`], [`events`], [`settings`], [`people`].

mod admins;
mod attendance;
mod commit;
mod deadline;
pub(crate) mod dispatch;
mod events;
mod login;
mod members;
mod merge;
mod people;
mod settings;
mod sockets;
pub(crate) mod turns;
mod users;
mod views;

use std::cell::{Cell, RefCell};
use std::rc::Rc;
use std::time::Duration;

use worker::js_sys::JsString;
use worker::{
    console_error, durable_object, D1Database, Date, Delay, DurableObject, Env, Request, Response,
    Result, State, WebSocket, WebSocketIncomingMessage, WebSocketPair,
};

use crate::calendar::{self, feed, Zone};
use crate::catalog::{Catalog, Listed, SeatChange};
use crate::clock::{self, IntlZone};
use crate::communities::{self, Community};
use crate::config::Config;
use crate::error::ClientError;
use crate::limits::{self, Verdict};
use crate::protocol::{self, ClientMessage, ServerMessage, When};
use crate::session::{Session, SessionUser};
use dispatch::{Incoming, Route};
use sockets::Admission;

#[durable_object]
pub struct EventHub {
    state: State,
    env: Env,
    config: Config,
    /// `None` until the first message after construction loads it.
    catalog: RefCell<Option<Catalog>>,
    /// Keeps messages in arrival order across awaits.
    turns: turns::Turns,
    /// Every socket, with its session and rate-limit bucket.
    sockets: sockets::Sockets,
    /// Each event's `event` messages, rendered once per change.
    views: views::Views,
    /// Users seen at login, so a returning user costs no D1 query.
    users: users::Users,
    /// Sockets waiting to log in, by deadline.
    deadlines: deadline::Deadlines,
    /// Each busy event's broadcast window.
    windows: merge::Windows,
    /// Seat changes waiting to be decided and written to D1 together.
    commits: commit::Commits<SeatChange, std::result::Result<bool, ClientError>>,
    /// Notices were queued by a change: send them before going idle.
    notices_due: Cell<bool>,
    /// The zone the events are meant in: `TIMEZONE`, or the community's.
    zone: RefCell<Rc<IntlZone>>,
    /// The community this hub serves (0: the default one), from the
    /// Worker's header at the upgrade or a socket's session after a wake.
    community_id: Cell<i64>,
    /// Its row, loaded with the catalog (`None` for the default one).
    community: RefCell<Option<Community>>,
}

impl DurableObject for EventHub {
    fn new(state: State, env: Env) -> Self {
        // The runtime answers pings itself, so a ping never wakes the object.
        match worker::WebSocketRequestResponsePair::new(protocol::PING, protocol::PONG) {
            Ok(pair) => state.set_websocket_auto_response(&pair),
            Err(_) => console_error!("could not set the ping auto-response"),
        }
        let config = crate::config_from_env(&env);
        let windows = merge::Windows::new(config.broadcast_window_ms);
        let zone = IntlZone::or_utc(&config.timezone);
        EventHub {
            state,
            env,
            config,
            catalog: RefCell::new(None),
            turns: turns::Turns::default(),
            sockets: sockets::Sockets::default(),
            views: views::Views::default(),
            users: users::Users::default(),
            deadlines: deadline::Deadlines::default(),
            windows,
            commits: commit::Commits::default(),
            notices_due: Cell::new(false),
            zone: RefCell::new(Rc::new(zone)),
            community_id: Cell::new(communities::DEFAULT),
            community: RefCell::new(None),
        }
    }

    async fn fetch(&self, req: Request) -> Result<Response> {
        if req.path() == COUNTERS_PATH {
            return self.counters();
        }
        // From the Worker only (a Durable Object has no public route): the
        // community's row changed (closed, reopened, a new zone).
        if req.path() == COMMUNITY_CHANGED_PATH {
            self.reload_community().await;
            return Response::ok("");
        }
        if req.path() == MEMBER_LEFT_PATH {
            let url = req.inner().url();
            if let Some(user) = crate::query_param(&url, "user").and_then(|id| id.parse().ok()) {
                self.close_user(user);
            }
            return Response::ok("");
        }
        let community = req
            .headers()
            .get(COMMUNITY_HEADER)?
            .and_then(|id| id.parse::<i64>().ok())
            .unwrap_or(communities::DEFAULT);
        self.community_id.set(community);
        let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
        if !upgrade.eq_ignore_ascii_case("websocket") {
            return Response::error("Expected a WebSocket upgrade", 426);
        }
        // Sockets that have not logged in cost memory and the alarm's time
        // but prove nothing, so there may be only so many, in all and per
        // client.
        let ip = req.headers().get("CF-Connecting-IP")?.unwrap_or_default();
        let client = limits::client_key(&ip);
        let (max_pending, max_per_client) = (
            self.config.max_pending_sockets,
            self.config.max_pending_per_ip,
        );
        match self
            .sockets
            .admission(&self.state, &client, max_pending, max_per_client)
        {
            Admission::Open => {}
            Admission::HubFull => return Response::error("Too many connections waiting", 503),
            Admission::ClientFull => return Response::error("Too many connections", 429),
        }
        let origin = crate::config::origin_of(&req.inner().url()).to_string();
        let pair = WebSocketPair::new()?;
        let session = Session {
            socket: sockets::new_socket_id(),
            opened: Date::now().as_millis(),
            origin,
            client,
            community,
            ..Session::default()
        };
        let (socket, opened) = (session.socket, session.opened);
        self.sockets.accept(&self.state, &pair.server, session)?;
        send(&pair.server, &ServerMessage::Connect.to_json());
        self.watch_login_deadline(socket, opened).await;
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
        let session = sockets::attached_session(&ws);
        if session.refused {
            return Ok(());
        }
        // After a wake, the sessions say which community this hub serves.
        if self.catalog.borrow().is_none() {
            self.community_id.set(session.community);
        }
        let now = Date::now().as_millis() as f64;
        match self.sockets.take_token(&self.state, session.socket, now) {
            Verdict::Serve => {}
            Verdict::Refuse => {
                send(&ws, &protocol::error_json(&ClientError::RateLimited));
                return Ok(());
            }
            Verdict::Close => {
                send(&ws, &protocol::error_json(&ClientError::RateLimited));
                self.shut(&ws, session, POLICY_VIOLATION, "too many messages");
                return Ok(());
            }
        }
        let incoming = match &message {
            WebSocketIncomingMessage::String(text) => Incoming::Text(text),
            WebSocketIncomingMessage::Binary(bytes) => Incoming::Binary(bytes.len()),
        };
        let outcome = match dispatch::route(&session, incoming) {
            Route::Ignore => Ok(()),
            Route::Refuse(error) => Err(error),
            Route::Pong => {
                send(&ws, protocol::PONG);
                Ok(())
            }
            Route::Close {
                error,
                code,
                reason,
            } => {
                if let Some(error) = error {
                    send(&ws, &protocol::error_json(&error));
                }
                self.shut(&ws, session, code, reason);
                Ok(())
            }
            Route::Login(data) => self.login(&ws, session, data).await,
            Route::Serve(frame) => match &session.user {
                Some(user) => {
                    let served = Served { hub: self, ws: &ws };
                    dispatch::serve(&self.turns, &served, user, frame).await
                }
                None => Err(ClientError::LoginRequired),
            },
        };
        if let Err(error) = outcome {
            send(&ws, &protocol::error_json(&error));
        }
        // Outside the user's turn: their next message need not wait.
        self.send_merged().await;
        self.send_notices().await;
        Ok(())
    }

    async fn websocket_close(
        &self,
        ws: WebSocket,
        _code: usize,
        _reason: String,
        _was_clean: bool,
    ) -> Result<()> {
        self.sockets
            .forget(&self.state, sockets::attached_session(&ws).socket);
        // Complete the closing handshake; the socket may already be gone.
        let _ = ws.close(Some(1000), Some("closed"));
        Ok(())
    }

    async fn websocket_error(&self, ws: WebSocket, error: worker::Error) -> Result<()> {
        console_error!("websocket error: {error}");
        self.sockets
            .forget(&self.state, sockets::attached_session(&ws).socket);
        Ok(())
    }
}

/// A logged-in user's message being served on `ws`: what [`dispatch::serve`]
/// needs from the hub.
struct Served<'a> {
    hub: &'a EventHub,
    ws: &'a WebSocket,
}

impl dispatch::Handler for Served<'_> {
    async fn confirm_admin(&self, user: &SessionUser) -> std::result::Result<(), ClientError> {
        self.hub.confirm_admin(self.ws, user).await
    }

    async fn apply(
        &self,
        user: &SessionUser,
        message: ClientMessage,
    ) -> std::result::Result<(), ClientError> {
        let hub = self.hub;
        match message {
            ClientMessage::Attend { event, guests } => {
                hub.set_attendance(user, event, Some(guests)).await
            }
            ClientMessage::Leave { event } => hub.set_attendance(user, event, None).await,
            ClientMessage::Attendees { event } => hub.attendees(self.ws, user, event).await,
            ClientMessage::SetPrivacy { hidden } => hub.set_privacy(user, hidden).await,
            ClientMessage::CreateEvent(changes) => hub.create_event(user, changes).await,
            ClientMessage::EditEvent { id, changes } => hub.edit_event(user, id, changes).await,
            ClientMessage::DeleteEvent { id } => hub.delete_event(id).await,
            ClientMessage::SetReminder { minutes } => hub.set_reminder(user, minutes).await,
        }
    }
}

/// Whose sockets a message goes to.
#[derive(Debug, Clone, Copy)]
enum Recipients {
    All,
    Only(i64),
    /// A window's end: everyone who does not hold the latest state yet
    /// (not the last actor, if nothing changed since they were told; not
    /// the sockets that logged in since the last change).
    Merged {
        skip: Option<i64>,
        joined_by: u64,
    },
}

impl Recipients {
    fn includes(self, user: i64, joined: u64) -> bool {
        match self {
            Recipients::All => true,
            Recipients::Only(only) => user == only,
            Recipients::Merged { skip, joined_by } => skip != Some(user) && joined <= joined_by,
        }
    }
}

/// Close code for policy violations (sustained abuse, a login too late).
const POLICY_VIOLATION: u16 = 1008;

/// Where the benchmark reads the hub's counters (see `BENCHMARKS.md`).
pub const COUNTERS_PATH: &str = "/__counters";
/// What the Worker asks a community's hub when its row changed.
pub const COMMUNITY_CHANGED_PATH: &str = "/__community-changed";
/// What the Worker asks a community's hub when a user left the group.
pub const MEMBER_LEFT_PATH: &str = "/__member-left";
/// The header in which the Worker tells a hub its community's id.
pub const COMMUNITY_HEADER: &str = "X-Mini-Events-Community";

impl EventHub {
    /// D1 statements so far, sockets, and whether the catalog is loaded:
    /// only when `DEBUG_COUNTERS` is "1", so deployments show nothing.
    fn counters(&self) -> Result<Response> {
        if !self.config.debug_counters {
            return Response::error("Not found", 404);
        }
        let (reads, writes) = crate::store::counters::snapshot();
        let (logged_in, pending) = self.sockets.counts(&self.state);
        let (broadcasts, shortest_gap) = self.windows.sent();
        Response::from_json(&serde_json::json!({
            "d1_reads": reads,
            "d1_writes": writes,
            "sockets": self.state.get_websockets().len(),
            "logged_in": logged_in,
            "pending": pending,
            "catalog_loaded": self.catalog.borrow().is_some(),
            "broadcasts": broadcasts,
            "shortest_broadcast_gap_ms": shortest_gap.is_finite().then_some(shortest_gap),
        }))
    }

    /// Closes a socket for good: its session is marked refused (so nothing
    /// it sends is served again, even if it ignores the close), and it no
    /// longer gets broadcasts.
    fn shut(&self, ws: &WebSocket, mut session: Session, code: u16, reason: &str) {
        session.refused = true;
        if let Err(e) = self.sockets.save(&self.state, ws, &session) {
            internal("marking the session refused", e);
        }
        let _ = ws.close(Some(code), Some(reason));
    }

    fn db(&self) -> std::result::Result<D1Database, ClientError> {
        self.env.d1("DB").map_err(|e| internal("DB binding", e))
    }

    /// Loads the catalog (and the community's row) from D1 unless this
    /// object already has it.
    async fn load_catalog(&self) -> std::result::Result<(), ClientError> {
        if self.catalog.borrow().is_some() {
            return Ok(());
        }
        let community = self.community_id.get();
        if community != communities::DEFAULT && self.community.borrow().is_none() {
            self.load_community().await?;
        }
        let loaded = crate::store::events::load_catalog(&self.db()?, community)
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

    /// The zone events are meant in now.
    fn zone(&self) -> Rc<IntlZone> {
        Rc::clone(&self.zone.borrow())
    }

    /// The instant (Unix seconds) events and dates go by.
    fn now(&self) -> i64 {
        clock::now(self.config.clock_offset)
    }

    /// An occurrence as clients see it.
    fn when(&self, listed: &Listed) -> When {
        let zone = self.zone();
        let zone = &*zone;
        When {
            date: listed.occurrence.day.to_string(),
            timezone: zone.name().to_string(),
            starts_at: calendar::rfc3339(zone, listed.occurrence.starts_at).unwrap_or_default(),
            ends_at: calendar::rfc3339(zone, listed.occurrence.ends_at).unwrap_or_default(),
            past: listed.past,
        }
    }

    /// The key of calendar feed tokens.
    fn feed_key(&self) -> Vec<u8> {
        feed::key(
            self.config.calendar_secret.as_deref(),
            &self.config.bot_token,
        )
    }

    /// The origin that `/media/...` image paths are made absolute with for
    /// the socket of `session`.
    fn base_url<'s>(&'s self, session: &'s Session) -> &'s str {
        self.config.public_url.as_deref().unwrap_or(&session.origin)
    }

    /// Tells of a change to event `id` made by `actor`: at once to
    /// everyone, or, inside a busy event's window, to the actor's sockets
    /// now and to everyone at the window's end (`merge.rs`).
    fn broadcast_event(&self, id: i64, actor: i64) {
        let revision = self.with_catalog(|c| Ok(c.get(id)?.revision));
        let Ok(revision) = revision else { return };
        let now = Date::now().as_millis() as f64;
        let logins = self.sockets.logins(&self.state);
        match self.windows.change(id, revision, actor, logins, now) {
            merge::Audience::Everyone => self.send_event(id, Recipients::All),
            merge::Audience::Actor => self.send_event(id, Recipients::Only(actor)),
        }
    }

    /// Sends the windows' merged changes as each window ends, for as long
    /// as there are windows no handler has taken on. Each wait is at most
    /// one window, so an idle hub still hibernates.
    async fn send_merged(&self) {
        while let Some(claim) = self.windows.claim() {
            let wait = claim.at - Date::now().as_millis() as f64;
            if wait > 0.0 {
                Delay::from(Duration::from_millis(wait.ceil() as u64)).await;
            }
            let Some(flush) = self.windows.flush(claim, Date::now().as_millis() as f64) else {
                continue;
            };
            let revision = self.with_catalog(|c| Ok(c.get(claim.event)?.revision));
            let skip = revision.ok().and_then(|r| flush.skips(r));
            let to = Recipients::Merged {
                skip,
                joined_by: flush.joined_by(),
            };
            self.send_event(claim.event, to);
        }
    }

    /// Sends event `id` as it is now to the logged-in sockets of `to`, each
    /// with its own `attending` and image URLs on the origin it connected
    /// to (unless `PUBLIC_URL` is set): one client's `Host` never changes
    /// what others see. The event is serialized twice per origin, not once
    /// per socket.
    fn send_event(&self, id: i64, to: Recipients) {
        let zone = self.zone();
        let (zone, now) = (&*zone, self.now());
        let mut slot = self.catalog.borrow_mut();
        let Some(catalog) = slot.as_mut() else {
            return;
        };
        let Some(listed) = catalog.occurrence(id, zone, now) else {
            return;
        };
        let Ok(event) = catalog.get(id) else {
            return;
        };
        let bases = match &self.config.public_url {
            Some(url) => vec![url.clone()],
            None => self.sockets.origins(&self.state),
        };
        let views: Vec<_> = bases
            .iter()
            .map(|base| {
                let render = || (self.when(&listed), catalog.faces(id));
                let view = self.views.of(event, &listed, render, base);
                (base.as_str(), view)
            })
            .collect();
        self.sockets.send_each(&self.state, |session, joined| {
            let user = session
                .user
                .as_ref()
                .filter(|u| to.includes(u.id, joined))?;
            let base = self.base_url(session);
            let (_, view) = views.iter().find(|(b, _)| *b == base)?;
            Some(view.for_user(event, user.id))
        });
    }

    /// Sends `text` to every logged-in socket.
    fn broadcast(&self, text: &str) {
        let text = Rc::new(JsString::from(text));
        self.sockets
            .send_each(&self.state, |_, _| Some(Rc::clone(&text)));
    }

    /// Sends the notices queued by the changes just made (a spot opened,
    /// an event moved or cancelled) now rather than at the next cron run;
    /// what this cannot send (out of budget, Telegram busy), the cron does.
    async fn send_notices(&self) {
        if self.notices_due.replace(false) {
            crate::notify::send_notices_now(&self.env, &self.config).await;
        }
    }
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
