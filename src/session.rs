//! What the hub remembers about one socket. It lives in the socket's
//! attachment, not in the object's memory, so it survives hibernation: when
//! the object wakes for a message, the session comes back with the socket.

use serde::{Deserialize, Serialize};

/// A socket's session. Kept small: the runtime copies it on every read.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Session {
    /// This socket's id in the hub's in-memory audience.
    #[serde(default)]
    pub socket: u64,
    /// When the socket was opened (ms since the epoch), for the login
    /// timeout.
    #[serde(default)]
    pub opened: u64,
    /// The origin the socket was opened on, for absolute image URLs when
    /// `PUBLIC_URL` is not set.
    pub origin: String,
    /// Who opened it, as the pending-socket limit counts clients (see
    /// `limits::client_key`).
    #[serde(default)]
    pub client: String,
    /// Set by a successful login.
    #[serde(default)]
    pub user: Option<SessionUser>,
    /// Set by a failed login: the socket is closing and nothing more from it
    /// is served.
    #[serde(default)]
    pub refused: bool,
    /// The community this socket's hub serves (0: the default one).
    #[serde(default)]
    pub community: i64,
}

/// The logged-in user behind a socket.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
    /// From initData, for attendee lists (`""` when none).
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub photo_url: String,
}
