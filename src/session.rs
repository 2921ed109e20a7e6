//! What the hub remembers about one socket. It lives in the socket's
//! attachment (written and read in `hub/sockets.rs`), not in the object's
//! memory, so it survives hibernation: when the object wakes for a
//! message, the session comes back with the socket.

/// A socket's session. Kept small: the runtime copies it on every read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Session {
    /// This socket's id in the hub's in-memory audience.
    pub socket: u64,
    /// When the socket was opened (ms since the epoch), for the login
    /// timeout.
    pub opened: u64,
    /// The origin the socket was opened on, for absolute image URLs when
    /// `PUBLIC_URL` is not set.
    pub origin: String,
    /// Who opened it, as the pending-socket limit counts clients (see
    /// `limits::client_key`).
    pub client: String,
    /// Set by a successful login.
    pub user: Option<SessionUser>,
    /// Set by a failed login: the socket is closing and nothing more from it
    /// is served.
    pub refused: bool,
    /// The community this socket's hub serves (0: the default one).
    pub community: i64,
}

/// The logged-in user behind a socket.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SessionUser {
    pub id: i64,
    pub name: String,
    pub is_admin: bool,
    /// From initData, for attendee lists (`""` when none).
    pub username: String,
    pub photo_url: String,
}
