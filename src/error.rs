//! What a client can get wrong, as one value. Every failure that reaches a
//! client becomes an `error` message through [`ClientError::code`] and
//! [`ClientError::msg`]; nothing else decides those strings.

use std::borrow::Cow;
use std::fmt;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientError {
    /// `app` missing or not ours.
    App,
    /// Anything but `login` before a login.
    LoginRequired,
    /// A second `login` on a socket.
    AlreadyLoggedIn,
    /// A `type` we do not know.
    UnknownType,
    /// An event id that is not in the catalog.
    NoSuchEvent,
    /// An admin message from someone who is not an admin.
    Forbidden,
    /// A field is missing or out of range; the detail names it.
    Invalid(Cow<'static, str>),
    /// The frame is not a JSON object.
    BadJson,
    /// A binary frame.
    Binary,
    /// A frame over [`crate::limits::MAX_FRAME_BYTES`] (the socket is then
    /// closed).
    TooLarge,
    /// Over the per-socket rate limit.
    RateLimited,
    /// An attend on a one-off event that is over.
    EventOver,
    /// An attend on an event whose RSVPs an admin closed.
    RsvpsClosed,
    /// A community's limit (events, picture bytes) is reached; the detail
    /// names it.
    Limit(Cow<'static, str>),
    /// A check-in of a ticket or person not on the event's going list (or
    /// a ticket that is not ours).
    NotOnList,
    /// `approve` of someone who is not asking to come (answered already,
    /// withdrawn or lapsed).
    NotAsking,
    /// A check-in while no occurrence is at the door.
    DoorClosed,
    /// The store failed; the change was not made.
    Internal,
}

impl ClientError {
    /// The stable machine word of the `error` message.
    pub fn code(&self) -> &'static str {
        match self {
            Self::App => "app",
            Self::LoginRequired => "login_required",
            Self::AlreadyLoggedIn => "already_logged_in",
            Self::UnknownType => "unknown_type",
            Self::NoSuchEvent => "no_such_event",
            Self::Forbidden => "forbidden",
            Self::Invalid(_) => "invalid",
            Self::BadJson => "bad_json",
            Self::Binary => "binary",
            Self::TooLarge => "too_large",
            Self::RateLimited => "rate_limited",
            Self::EventOver | Self::RsvpsClosed | Self::DoorClosed => "closed",
            Self::NotOnList | Self::NotAsking => "not_on_list",
            Self::Limit(_) => "limit",
            Self::Internal => "internal",
        }
    }

    /// The human text of the `error` message (kept from the original server).
    pub fn msg(&self) -> Cow<'static, str> {
        Cow::Borrowed(match self {
            Self::App => "Missing App ID",
            Self::LoginRequired => "You need to login first",
            Self::AlreadyLoggedIn => "Already logged in",
            Self::UnknownType => "Unknown command",
            Self::NoSuchEvent => "No such event",
            Self::Forbidden => "You are not an admin",
            Self::Invalid(detail) if detail.is_empty() => "Invalid data",
            Self::Invalid(detail) => return Cow::Owned(format!("Invalid data: {detail}")),
            Self::BadJson => "Invalid JSON",
            Self::Binary => "Binary messages are not supported",
            Self::TooLarge => "Message too large",
            Self::RateLimited => "Too many messages",
            Self::EventOver => "This event is over",
            Self::RsvpsClosed => "RSVPs are closed",
            Self::NotOnList => "Not on the list",
            Self::NotAsking => "Not asking to come (answered, withdrawn or lapsed)",
            Self::DoorClosed => {
                "Check-in opens 12 hours before the event and closes 12 hours after it"
            }
            Self::Limit(detail) => return Cow::Owned(format!("Limit reached: {detail}")),
            Self::Internal => "Internal server error",
        })
    }

    pub fn invalid(detail: &'static str) -> Self {
        Self::Invalid(Cow::Borrowed(detail))
    }
}

impl fmt::Display for ClientError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.msg(), self.code())
    }
}
