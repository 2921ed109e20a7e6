//! The logged-in sockets and the user behind each, kept in memory so that a
//! broadcast touches neither the runtime's socket list nor any attachment:
//! per socket it is one map entry and one send.
//!
//! Memory does not survive hibernation. The first use after the object is
//! constructed again rebuilds the map from the sockets' attachments (one
//! pass), which do survive. Sockets are keyed by the id their session was
//! given when they connected.

use std::cell::{RefCell, RefMut};
use std::collections::HashMap;

use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen::{JsCast, JsValue};
use worker::js_sys::{self, JsString};
use worker::{State, WebSocket};

use crate::session::Session;

struct Member {
    ws: WebSocket,
    user: i64,
}

#[derive(Default)]
pub struct Audience {
    /// `None` until rebuilt after construction.
    members: RefCell<Option<HashMap<u64, Member>>>,
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

/// Sends an already-converted text frame.
pub fn send_js(ws: &WebSocket, text: &JsString) -> bool {
    let socket: &worker::web_sys::WebSocket = ws.as_ref();
    socket.unchecked_ref::<JsSocket>().send_text(text).is_ok()
}

/// A fresh socket id. Random, so ids made before and after a wake never meet.
pub fn new_socket_id() -> u64 {
    (js_sys::Math::random() * 9_007_199_254_740_991.0) as u64
}

impl Audience {
    fn members(&self, state: &State) -> RefMut<'_, HashMap<u64, Member>> {
        RefMut::map(self.members.borrow_mut(), |slot| {
            slot.get_or_insert_with(|| {
                let mut members = HashMap::new();
                for ws in state.get_websockets() {
                    let Ok(Some(mut session)) = ws.deserialize_attachment::<Session>() else {
                        continue;
                    };
                    if session.socket == 0 {
                        // A session from before sockets had ids.
                        session.socket = new_socket_id();
                        let _ = ws.serialize_attachment(&session);
                    }
                    if let Some(user) = &session.user {
                        members.insert(session.socket, Member { ws, user: user.id });
                    }
                }
                members
            })
        })
    }

    /// Adds a socket that has just logged in.
    pub fn join(&self, state: &State, socket: u64, ws: &WebSocket, user: i64) {
        self.members(state).insert(
            socket,
            Member {
                ws: ws.clone(),
                user,
            },
        );
    }

    /// Forgets a socket that closed.
    pub fn leave(&self, state: &State, socket: u64) {
        self.members(state).remove(&socket);
    }

    /// How many sockets `user` has logged in.
    pub fn sockets_of(&self, state: &State, user: i64) -> usize {
        self.members(state)
            .values()
            .filter(|m| m.user == user)
            .count()
    }

    /// How many logged-in sockets there are.
    pub fn len(&self, state: &State) -> usize {
        self.members(state).len()
    }

    /// Sends to every logged-in socket the text `pick` chooses for its user.
    /// A socket that cannot take it is dropped from the audience; the others
    /// are not affected.
    pub fn send<'t>(&self, state: &State, mut pick: impl FnMut(i64) -> &'t JsString) {
        let mut members = self.members(state);
        members.retain(|_, member| send_js(&member.ws, pick(member.user)));
    }
}
