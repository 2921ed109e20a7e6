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
//! [`Sockets::save`] writes both, so they never disagree.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;
use std::rc::Rc;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, JsString};
use worker::{State, WebSocket};

use crate::limits::{Bucket, Verdict, MAX_SOCKETS_PER_USER};
use crate::session::Session;

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

#[derive(Default)]
pub struct Sockets {
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

/// The session kept in a socket's attachment.
pub fn attached_session(ws: &WebSocket) -> Session {
    ws.deserialize_attachment::<Session>()
        .ok()
        .flatten()
        .unwrap_or_default()
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
        }
    }

    /// Counts `session` in (`1`) or out (`-1`) of the pending sockets.
    fn count(&mut self, session: &Session, delta: isize) {
        if session.user.is_some() {
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
}

impl Sockets {
    fn records(&self, state: &State) -> RefMut<'_, Records> {
        RefMut::map(self.records.borrow_mut(), |slot| {
            slot.get_or_insert_with(|| {
                let mut records = Records::default();
                for ws in state.get_websockets() {
                    let session = attached_session(&ws);
                    records.insert(Record::new(ws, session));
                }
                records
            })
        })
    }

    /// Whether `client` may open one more socket, given how many sockets
    /// wait to log in (`max_pending` per hub, `max_per_client` per client).
    pub fn admission(
        &self,
        state: &State,
        client: &str,
        max_pending: usize,
        max_per_client: usize,
    ) -> Admission {
        let records = self.records(state);
        if records.pending >= max_pending {
            return Admission::HubFull;
        }
        match records.pending_by_client.get(client) {
            Some(count) if *count >= max_per_client => Admission::ClientFull,
            _ => Admission::Open,
        }
    }

    /// Accepts a new socket with the Hibernation API and remembers it.
    pub fn accept(&self, state: &State, ws: &WebSocket, session: Session) -> worker::Result<()> {
        state.accept_web_socket(ws);
        ws.serialize_attachment(&session)?;
        self.records(state).insert(Record::new(ws.clone(), session));
        Ok(())
    }

    /// Stores a socket's changed session, in its attachment and here.
    /// False when the socket is gone (closed while its message was served).
    pub fn save(&self, state: &State, ws: &WebSocket, session: &Session) -> worker::Result<bool> {
        ws.serialize_attachment(session)?;
        let mut records = self.records(state);
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
    pub fn logins(&self, state: &State) -> u64 {
        self.records(state).logins
    }

    /// Forgets a socket that is gone or closing.
    pub fn forget(&self, state: &State, socket: u64) {
        self.records(state).remove(socket);
    }

    /// Takes a token from the socket's rate-limit bucket for a message
    /// arriving at `now_ms`.
    pub fn take_token(&self, state: &State, socket: u64, now_ms: f64) -> Verdict {
        match self.records(state).by_id.get_mut(&socket) {
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
    /// interleave cannot pass the limit together.
    pub fn reserve_login(&self, state: &State, socket: u64, user: i64) -> bool {
        let mut records = self.records(state);
        let taken = records
            .by_id
            .values()
            .filter(|r| r.holds_place_of(user))
            .count();
        match records.by_id.get_mut(&socket) {
            Some(record) if taken < MAX_SOCKETS_PER_USER => {
                record.logging_in = Some(user);
                true
            }
            _ => false,
        }
    }

    /// Ends a login check: the place is now held by the logged-in session,
    /// or given back.
    pub fn end_login(&self, state: &State, socket: u64) {
        if let Some(record) = self.records(state).by_id.get_mut(&socket) {
            record.logging_in = None;
        }
    }

    /// Whether a login is being checked on `socket`.
    pub fn is_logging_in(&self, state: &State, socket: u64) -> bool {
        self.records(state)
            .by_id
            .get(&socket)
            .is_some_and(|r| r.logging_in.is_some())
    }

    /// The sockets that have neither logged in nor been refused, with the
    /// time each was opened (ms).
    pub fn pending(&self, state: &State) -> Vec<(u64, u64)> {
        self.records(state)
            .by_id
            .values()
            .filter(|r| r.session.user.is_none() && !r.session.refused)
            .map(|r| (r.session.socket, r.session.opened))
            .collect()
    }

    /// The socket and session of `socket`, if it is still here.
    pub fn get(&self, state: &State, socket: u64) -> Option<(WebSocket, Session)> {
        self.records(state)
            .by_id
            .get(&socket)
            .map(|r| (r.ws.clone(), r.session.clone()))
    }

    /// How many sockets are logged in, and how many are not (yet).
    pub fn counts(&self, state: &State) -> (usize, usize) {
        let records = self.records(state);
        (records.by_id.len() - records.pending, records.pending)
    }

    /// The origins the logged-in sockets were opened on, each once.
    pub fn origins(&self, state: &State) -> Vec<String> {
        let mut origins: Vec<String> = Vec::new();
        for record in self.records(state).by_id.values() {
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
    pub fn send_each(
        &self,
        state: &State,
        mut pick: impl FnMut(&Session, u64) -> Option<Rc<JsString>>,
    ) {
        let mut records = self.records(state);
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

    fn holds_place_of(&self, user: i64) -> bool {
        self.logging_in == Some(user)
            || (self.receives() && self.session.user.as_ref().is_some_and(|u| u.id == user))
    }

    /// Logged in and not closing: gets broadcasts.
    fn receives(&self) -> bool {
        self.session.user.is_some() && !self.session.refused
    }
}
