//! Every socket the hub holds, one record each: the socket, its session
//! (the user behind it, whether it was refused), its rate-limit bucket and
//! whether its login is being checked. One type owns them all, so
//! forgetting a socket, or adding something to remember about one, is one
//! edit. It also keeps the count of sockets not logged in, per hub and per
//! client, for the limits on them.
//!
//! The session also lives in the socket's attachment, which survives
//! hibernation; memory does not. The first use after the object is
//! constructed again rebuilds the records from the attachments (one pass).
//! [`Sockets::save`] writes both, so they never disagree. This is the only
//! code that reads or writes attachments, and [`Sockets::close_for_good`]
//! the only way a socket is refused and closed.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, JsString};
use worker::{State, WebSocket};

use crate::limits::{Bucket, Verdict, MAX_SOCKETS_PER_USER};
use crate::protocol::ServerMessage;
use crate::session::{Session, SessionUser};

struct Record {
    ws: WebSocket,
    session: Session,
    /// Made at the socket's first message after a wake.
    bucket: Option<Bucket>,
    /// The user whose login is being checked on this socket: it holds one
    /// of their [`MAX_SOCKETS_PER_USER`] places meanwhile.
    logging_in: Option<i64>,
    /// When the socket logged in, as a count of logins in this object's
    /// life (0: before it was constructed). A socket that logged in after
    /// a change already has that change.
    joined: u64,
}

pub struct Sockets {
    /// The Durable Object's own state: its sockets (Hibernation API) and
    /// its storage (the alarm).
    runtime: State,
    /// `None` until rebuilt after construction.
    records: RefCell<Option<Records>>,
}

#[derive(Default)]
struct Records {
    by_id: HashMap<u64, Record>,
    /// Logins so far in this object's life.
    logins: u64,
    /// Sockets not logged in (refused ones too, until they are gone), in
    /// all and by client.
    pending: usize,
    pending_by_client: HashMap<String, usize>,
    /// Per user, the places they hold: sockets logged in as them (not
    /// closing) and logins being checked for them.
    places: HashMap<i64, usize>,
}

/// Whether a new socket may be opened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Admission {
    Open,
    /// Too many sockets wait to log in on this hub.
    HubFull,
    /// Too many sockets of this client wait to log in.
    ClientFull,
}

#[wasm_bindgen]
extern "C" {
    /// The runtime's WebSocket, for `send` with a string that is already a
    /// JS string: `send_with_str` would copy and decode the text from WASM
    /// memory again for every socket.
    type JsSocket;

    #[wasm_bindgen(method, catch, js_name = send)]
    fn send_text(this: &JsSocket, text: &JsString) -> Result<(), JsValue>;
}

/// Sends an already-converted text frame; false when the socket cannot
/// take it (closing, gone).
pub fn send_js(ws: &WebSocket, text: &JsString) -> bool {
    let socket: &worker::web_sys::WebSocket = ws.as_ref();
    socket.unchecked_ref::<JsSocket>().send_text(text).is_ok()
}

/// A fresh socket id. Random, so ids made before and after a wake never meet.
pub fn new_socket_id() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
}

/// An attachment as the JS object it is. The session is written and read
/// field by field (`attach`, `attached_session`): serde's derived code for
/// it cost the WASM more. The field names are those serde used, so
/// sockets opened by an earlier version read the same.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
struct Attachment(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

fn set(object: &js_sys::Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), &value);
}

fn get(object: &JsValue, key: &str) -> JsValue {
    js_sys::Reflect::get(object, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

fn number(object: &JsValue, key: &str) -> f64 {
    get(object, key).as_f64().unwrap_or(0.0)
}

fn text(object: &JsValue, key: &str) -> String {
    get(object, key).as_string().unwrap_or_default()
}

fn flag(object: &JsValue, key: &str) -> bool {
    get(object, key).as_bool().unwrap_or(false)
}

/// Stores `session` in `ws`'s attachment.
fn attach(ws: &WebSocket, session: &Session) -> worker::Result<()> {
    let object = js_sys::Object::new();
    set(&object, "socket", JsValue::from_f64(session.socket as f64));
    set(&object, "opened", JsValue::from_f64(session.opened as f64));
    set(&object, "origin", JsValue::from_str(&session.origin));
    set(&object, "client", JsValue::from_str(&session.client));
    set(&object, "refused", JsValue::from_bool(session.refused));
    set(
        &object,
        "community",
        JsValue::from_f64(session.community as f64),
    );
    if let Some(user) = &session.user {
        let person = js_sys::Object::new();
        set(&person, "id", JsValue::from_f64(user.id as f64));
        set(&person, "name", JsValue::from_str(&user.name));
        set(&person, "is_admin", JsValue::from_bool(user.is_admin));
        set(&person, "username", JsValue::from_str(&user.username));
        set(&person, "photo_url", JsValue::from_str(&user.photo_url));
        set(&object, "user", person.into());
    }
    ws.serialize_attachment(Attachment(object.into()))
}

/// The session kept in a socket's attachment (a default one when there is
/// none: a socket that is not ours any more).
fn attached_session(ws: &WebSocket) -> Session {
    let Some(Attachment(object)) = ws.deserialize_attachment::<Attachment>().ok().flatten() else {
        return Session::default();
    };
    if !object.is_object() {
        return Session::default();
    }
    let user = get(&object, "user");
    Session {
        socket: number(&object, "socket") as u64,
        opened: number(&object, "opened") as u64,
        origin: text(&object, "origin"),
        client: text(&object, "client"),
        refused: flag(&object, "refused"),
        community: number(&object, "community") as i64,
        user: user.is_object().then(|| SessionUser {
            id: number(&user, "id") as i64,
            name: text(&user, "name"),
            is_admin: flag(&user, "is_admin"),
            username: text(&user, "username"),
            photo_url: text(&user, "photo_url"),
        }),
    }
}

/// Sends a frame; a socket that cannot take it (closing, gone) is skipped
/// without affecting anyone else.
pub fn send(ws: &WebSocket, text: &str) {
    if let Err(error) = ws.send_with_str(text) {
        worker::console_error!("send failed: {error}");
    }
}

/// How a socket is closed for good.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    pub code: u16,
    pub reason: &'static str,
    /// Send `disconnect` first (a refused login).
    pub disconnect: bool,
}

/// A login that failed: initData not valid, too many sockets.
pub const LOGIN_FAILED: u16 = 4001;
/// A community that refuses a user (closed, not a member).
pub const COMMUNITY_REFUSED: u16 = 4003;
/// Telegram could not say whether a user is a member.
pub const TRY_AGAIN_LATER: u16 = 1013;
/// Sustained abuse, a login too late.
pub const POLICY_VIOLATION: u16 = 1008;

impl Refusal {
    pub const fn login(code: u16, reason: &'static str) -> Refusal {
        Refusal {
            code,
            reason,
            disconnect: true,
        }
    }

    pub const fn close(code: u16, reason: &'static str) -> Refusal {
        Refusal {
            code,
            reason,
            disconnect: false,
        }
    }
}

impl Records {
    fn insert(&mut self, record: Record) {
        self.count(&record.session, 1);
        if let Some(old) = self.by_id.insert(record.session.socket, record) {
            self.count(&old.session, -1);
        }
    }

    fn remove(&mut self, socket: u64) {
        if let Some(old) = self.by_id.remove(&socket) {
            self.count(&old.session, -1);
            if let Some(user) = old.logging_in {
                self.hold(user, -1);
            }
        }
    }

    /// Counts `session` in (`1`) or out (`-1`) of the pending sockets, or
    /// of its user's places when it receives broadcasts.
    fn count(&mut self, session: &Session, delta: isize) {
        if let Some(user) = &session.user {
            if !session.refused {
                self.hold(user.id, delta);
            }
            return;
        }
        self.pending = self.pending.saturating_add_signed(delta);
        let by_client = self
            .pending_by_client
            .entry(session.client.clone())
            .or_default();
        *by_client = by_client.saturating_add_signed(delta);
        if *by_client == 0 {
            self.pending_by_client.remove(&session.client);
        }
    }

    /// Counts one of `user`'s places in (`1`) or out (`-1`).
    fn hold(&mut self, user: i64, delta: isize) {
        let places = self.places.entry(user).or_default();
        *places = places.saturating_add_signed(delta);
        if *places == 0 {
            self.places.remove(&user);
        }
    }
}

impl Sockets {
    pub fn new(runtime: State) -> Sockets {
        Sockets {
            runtime,
            records: RefCell::new(None),
        }
    }

    /// The object's storage (for its alarm).
    pub fn storage(&self) -> worker::Storage {
        self.runtime.storage()
    }

    fn records(&self) -> RefMut<'_, Records> {
        RefMut::map(self.records.borrow_mut(), |slot| {
            slot.get_or_insert_with(|| {
                let mut records = Records::default();
                for ws in self.runtime.get_websockets() {
                    let session = attached_session(&ws);
                    records.insert(Record::new(ws, session));
                }
                records
            })
        })
    }

    /// Whether `client` may open one more socket, given how many sockets
    /// wait to log in (`max_pending` per hub, `max_per_client` per client).
    pub fn admission(&self, client: &str, max_pending: usize, max_per_client: usize) -> Admission {
        let records = self.records();
        if records.pending >= max_pending {
            return Admission::HubFull;
        }
        match records.pending_by_client.get(client) {
            Some(count) if *count >= max_per_client => Admission::ClientFull,
            _ => Admission::Open,
        }
    }

    /// Accepts a new socket with the Hibernation API and remembers it.
    pub fn accept(&self, ws: &WebSocket, session: Session) -> worker::Result<()> {
        self.runtime.accept_web_socket(ws);
        attach(ws, &session)?;
        self.records().insert(Record::new(ws.clone(), session));
        Ok(())
    }

    /// Stores a socket's changed session, in its attachment and here.
    /// False when the socket is gone (closed while its message was served).
    pub fn save(&self, ws: &WebSocket, session: &Session) -> worker::Result<bool> {
        attach(ws, session)?;
        let mut records = self.records();
        let Some(old) = records.by_id.get(&session.socket) else {
            return Ok(false);
        };
        let joined = match (&old.session.user, &session.user) {
            (None, Some(_)) => records.logins + 1,
            _ => old.joined,
        };
        let record = Record {
            ws: old.ws.clone(),
            session: session.clone(),
            bucket: old.bucket.clone(),
            logging_in: old.logging_in,
            joined,
        };
        records.logins = records.logins.max(joined);
        records.insert(record);
        Ok(true)
    }

    /// The logins so far: sockets that log in later than now have every
    /// change made until now.
    pub fn logins(&self) -> u64 {
        self.records().logins
    }

    /// The session of `ws`, as its attachment holds it.
    pub fn session(&self, ws: &WebSocket) -> Session {
        attached_session(ws)
    }

    /// Forgets a socket that is gone or closing.
    pub fn forget(&self, ws: &WebSocket) {
        let socket = attached_session(ws).socket;
        self.records().remove(socket);
    }

    /// Closes a socket for good: its session is marked refused (so nothing
    /// it sends is served again, even if it ignores the close), it no
    /// longer gets broadcasts, and it is closed with `refusal`'s code and
    /// reason (after `disconnect` for a refused login).
    pub fn close_for_good(&self, ws: &WebSocket, refusal: Refusal) {
        let mut session = attached_session(ws);
        session.refused = true;
        if let Err(error) = self.save(ws, &session) {
            worker::console_error!("marking a session refused failed: {error}");
        }
        if refusal.disconnect {
            send(ws, &ServerMessage::Disconnect.to_json());
        }
        let _ = ws.close(Some(refusal.code), Some(refusal.reason));
    }

    /// Closes for good every logged-in socket of the users `which` picks.
    pub fn close_users(&self, mut which: impl FnMut(i64) -> bool, refusal: Refusal) {
        let chosen: Vec<WebSocket> = self
            .records()
            .by_id
            .values()
            .filter(|r| r.session.user.as_ref().is_some_and(|u| which(u.id)))
            .map(|r| r.ws.clone())
            .collect();
        for ws in chosen {
            self.close_for_good(&ws, refusal);
        }
    }

    /// Closes for good every socket, logged in or not.
    pub fn close_all(&self, refusal: Refusal) {
        for ws in self.runtime.get_websockets() {
            self.close_for_good(&ws, refusal);
        }
    }

    /// Marks the user on `ws` as no longer an admin.
    pub fn demote(&self, ws: &WebSocket) {
        let mut session = attached_session(ws);
        if let Some(user) = session.user.as_mut() {
            user.is_admin = false;
        }
        if let Err(error) = self.save(ws, &session) {
            worker::console_error!("saving a session failed: {error}");
        }
    }

    /// The community the sockets' sessions say this hub serves (after a
    /// wake, before anything else told it).
    pub fn community(&self) -> Option<i64> {
        self.records()
            .by_id
            .values()
            .next()
            .map(|r| r.session.community)
    }

    /// The users logged in (or logging in) here, each once.
    pub fn users(&self) -> Vec<i64> {
        self.records().places.keys().copied().collect()
    }

    /// All sockets, open or closing.
    pub fn count(&self) -> usize {
        self.runtime.get_websockets().len()
    }

    /// Takes a token from the socket's rate-limit bucket for a message
    /// arriving at `now_ms`.
    pub fn take_token(&self, socket: u64, now_ms: f64) -> Verdict {
        match self.records().by_id.get_mut(&socket) {
            Some(record) => record
                .bucket
                .get_or_insert_with(|| Bucket::new(now_ms))
                .take(now_ms),
            // Not ours any more (closing): nothing is served.
            None => Verdict::Refuse,
        }
    }

    /// Takes one of `user`'s places for a login being checked on `socket`,
    /// unless they have [`MAX_SOCKETS_PER_USER`] already (logged in or
    /// logging in). Taken before the login awaits anything, so logins that
    /// interleave cannot pass the limit together. Counted from the places
    /// each user holds, not by looking at every socket.
    pub fn reserve_login(&self, socket: u64, user: i64) -> bool {
        let mut records = self.records();
        if records.places.get(&user).copied().unwrap_or(0) >= MAX_SOCKETS_PER_USER {
            return false;
        }
        let Some(record) = records.by_id.get_mut(&socket) else {
            return false;
        };
        record.logging_in = Some(user);
        records.hold(user, 1);
        true
    }

    /// Ends a login check: the place is now held by the logged-in session,
    /// or given back.
    pub fn end_login(&self, socket: u64) {
        let mut records = self.records();
        if let Some(record) = records.by_id.get_mut(&socket) {
            if let Some(user) = record.logging_in.take() {
                records.hold(user, -1);
            }
        }
    }

    /// Whether a login is being checked on `socket`.
    pub fn is_logging_in(&self, socket: u64) -> bool {
        self.records()
            .by_id
            .get(&socket)
            .is_some_and(|r| r.logging_in.is_some())
    }

    /// The sockets that have neither logged in nor been refused, with the
    /// time each was opened (ms).
    pub fn pending(&self) -> Vec<(u64, u64)> {
        self.records()
            .by_id
            .values()
            .filter(|r| r.session.user.is_none() && !r.session.refused)
            .map(|r| (r.session.socket, r.session.opened))
            .collect()
    }

    /// The socket and session of `socket`, if it is still here.
    pub fn get(&self, socket: u64) -> Option<(WebSocket, Session)> {
        self.records()
            .by_id
            .get(&socket)
            .map(|r| (r.ws.clone(), r.session.clone()))
    }

    /// How many sockets are logged in, and how many are not (yet).
    pub fn counts(&self) -> (usize, usize) {
        let records = self.records();
        (records.by_id.len() - records.pending, records.pending)
    }

    /// The origins the logged-in sockets were opened on, each once.
    pub fn origins(&self) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for record in self.records().by_id.values() {
            if record.receives() && !origins.contains(&record.session.origin) {
                origins.push(record.session.origin.clone());
            }
        }
        origins
    }

    /// Sends to every logged-in socket the text `pick` chooses for its
    /// session and the time it logged in (see [`Sockets::logins`]); `None`:
    /// nothing. A socket that cannot take it is forgotten; the others are
    /// not affected.
    pub fn send_each(&self, mut pick: impl FnMut(&Session, u64) -> Option<Rc<JsString>>) {
        let mut records = self.records();
        let mut gone = Vec::new();
        for (socket, record) in &records.by_id {
            if !record.receives() {
                continue;
            }
            if let Some(text) = pick(&record.session, record.joined) {
                if !send_js(&record.ws, &text) {
                    gone.push(*socket);
                }
            }
        }
        for socket in gone {
            records.remove(socket);
        }
    }
}

impl Record {
    fn new(ws: WebSocket, session: Session) -> Record {
        Record {
            ws,
            session,
            bucket: None,
            logging_in: None,
            joined: 0,
        }
    }

    /// Logged in and not closing: gets broadcasts.
    fn receives(&self) -> bool {
        self.session.user.is_some() && !self.session.refused
    }
}
