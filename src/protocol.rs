//! The wire format: every JSON shape that crosses the socket lives here.
//!
//! Client frames are read in two steps. [`Frame::parse`] checks what every
//! message must have (a JSON object, our `app`, a `type`), so the hub can
//! apply the login rules before it looks at the rest; [`Frame::into_login`]
//! or [`Frame::into_message`] then reads the fields of that one type.

use serde::{Serialize, Serializer};
use serde_json::{Map, Value};

use crate::catalog::Event;
use crate::error::ClientError;
use crate::media;
use crate::seats::Place;

/// The app name every client message carries in `app`.
pub const APP: &str = "mini_event";

/// The frame the runtime answers by itself, without waking the object.
pub const PING: &str = r#"{"type":"ping"}"#;
pub const PONG: &str = r#"{"type":"pong"}"#;

/// The reminder leads a user may choose, in minutes.
pub const REMINDER_MINUTES: [u32; 4] = [0, 15, 60, 1440];

/// Every message type a client may send, read once from `type`. What a
/// kind needs before any of its fields is read (a login, an admin) is
/// said here, so adding a message is one row in [`Kind::ALL`] and one file
/// under `hub/cmd/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    Ping,
    Login,
    Attend,
    Leave,
    Attendees,
    SetPrivacy,
    SetReminder,
    CreateEvent,
    EditEvent,
    DeleteEvent,
    CheckIn,
    People,
    RemoveAttendee,
    Export,
    MessageAttendees,
    Approve,
    SetLanguage,
    /// A `type` nobody knows: answered `unknown_type` once logged in.
    Unknown,
}

/// Who may send a kind of message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Any logged-in user.
    Member,
    /// Admins only, checked before any field is read (so a non-admin
    /// learns nothing from validation errors); their changes also take the
    /// admins' turn (`hub/turns.rs`), so D1 and memory see them in one
    /// order.
    Admin,
    /// An event's hosts (its community's admins and the people listed in
    /// its `hosts`): checked, from the event id alone, before any other
    /// field is read.
    Host,
}

impl Kind {
    /// Each kind with its `type` on the wire.
    const ALL: [(Kind, &'static str); 17] = [
        (Kind::Ping, "ping"),
        (Kind::Login, "login"),
        (Kind::Attend, "attend"),
        (Kind::Leave, "leave"),
        (Kind::Attendees, "attendees"),
        (Kind::SetPrivacy, "set-privacy"),
        (Kind::SetReminder, "set-reminder"),
        (Kind::CreateEvent, "create-event"),
        (Kind::EditEvent, "edit-event"),
        (Kind::DeleteEvent, "delete-event"),
        (Kind::CheckIn, "check-in"),
        (Kind::People, "people"),
        (Kind::RemoveAttendee, "remove-attendee"),
        (Kind::Export, "export"),
        (Kind::MessageAttendees, "message-attendees"),
        (Kind::Approve, "approve"),
        (Kind::SetLanguage, "set-language"),
    ];

    pub fn parse(name: &str) -> Kind {
        Kind::ALL
            .iter()
            .find(|(_, wire)| *wire == name)
            .map_or(Kind::Unknown, |(kind, _)| *kind)
    }

    pub fn role(self) -> Role {
        match self {
            Kind::CreateEvent | Kind::DeleteEvent | Kind::People => Role::Admin,
            Kind::EditEvent
            | Kind::CheckIn
            | Kind::RemoveAttendee
            | Kind::Export
            | Kind::MessageAttendees
            | Kind::Approve => Role::Host,
            _ => Role::Member,
        }
    }

    /// The field naming the event of a [`Role::Host`] message.
    pub fn event_field(self) -> &'static str {
        match self {
            Kind::EditEvent => "id",
            _ => "event",
        }
    }

    /// Fields only admins may send, even in a message hosts may send.
    pub fn admin_fields(self) -> &'static [&'static str] {
        match self {
            Kind::EditEvent => &["hosts"],
            _ => &[],
        }
    }
}

/// A client frame whose envelope is valid: a JSON object for our app (or
/// a `ping`, which may come without `app`), with its kind read.
#[derive(Debug)]
pub struct Frame {
    pub kind: Kind,
    fields: Map<String, Value>,
}

impl Frame {
    pub fn parse(text: &str) -> Result<Frame, ClientError> {
        let mut fields = match serde_json::from_str::<Value>(text) {
            Ok(Value::Object(fields)) => fields,
            _ => return Err(ClientError::BadJson),
        };
        if fields.get("type").and_then(Value::as_str) == Some("ping") {
            return Ok(Frame {
                kind: Kind::Ping,
                fields: Map::new(),
            });
        }
        if fields.get("app").and_then(Value::as_str) != Some(APP) {
            return Err(ClientError::App);
        }
        let kind = match fields.remove("type") {
            Some(Value::String(kind)) => Kind::parse(&kind),
            _ => return Err(ClientError::UnknownType),
        };
        Ok(Frame { kind, fields })
    }

    /// The message's fields (without `type`).
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The initData of a `login`.
    pub fn into_login(mut self) -> Result<String, ClientError> {
        match self.fields.remove("data") {
            Some(Value::String(data)) if self.kind == Kind::Login => Ok(data),
            _ => Err(ClientError::invalid("data must be the initData string")),
        }
    }
}

/// `minutes` of a `set-reminder`: one of [`REMINDER_MINUTES`], or `null`.
pub fn reminder(value: Option<&Value>) -> Result<Option<u32>, ClientError> {
    match value {
        Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .and_then(|m| u32::try_from(m).ok())
            .filter(|m| REMINDER_MINUTES.contains(m))
            .map(Some)
            .ok_or(ClientError::invalid(
                "minutes must be 0, 15, 60, 1440 or null",
            )),
        _ => Err(ClientError::invalid(
            "minutes must be 0, 15, 60, 1440 or null",
        )),
    }
}

/// Ids arrive as JSON integers; a decimal string such as `"3"` is accepted too.
pub fn event_id(value: Option<&Value>, field: &'static str) -> Result<i64, ClientError> {
    let id = match value {
        Some(Value::Number(n)) => n.as_i64(),
        Some(Value::String(s)) if !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit()) => {
            s.parse().ok()
        }
        _ => None,
    };
    id.ok_or(ClientError::Invalid(
        format!("{field} must be an event id").into(),
    ))
}

/// A message from the server. Serialized with its `type` tag.
#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum ServerMessage<'a> {
    Connect,
    Disconnect,
    Welcome {
        telegram_id: i64,
        name: &'a str,
        is_admin: bool,
        /// Minutes before events the user's reminders come, `null` for none.
        reminder: Option<u32>,
        /// The user's own calendar feed (an absolute URL).
        calendar: &'a str,
        /// One event's calendar file: this URL with `{id}` replaced by
        /// the event's id.
        calendar_event: &'a str,
        /// The longest texts and the most guests an event may have.
        limits: Limits,
        /// Whether the user is hidden from others' attendee lists.
        hidden: bool,
        /// The language the user reads (their choice, else Telegram's).
        language: &'static str,
        /// The languages offered.
        languages: &'static [&'static str],
        /// The community this socket entered; left out for the default one.
        #[serde(skip_serializing_if = "Option::is_none")]
        community: Option<CommunityView<'a>>,
    },
    Attendees {
        event: i64,
        going: Vec<Person<'a>>,
        waiting: Vec<Person<'a>>,
        /// People left out because they chose to be hidden.
        hidden: usize,
        /// For hosts: who asks to come, oldest first, with their answers.
        #[serde(skip_serializing_if = "Option::is_none")]
        pending: Option<Vec<Person<'a>>>,
    },
    Event(EventView<'a>),
    EventsLoaded {
        selected: Option<i64>,
    },
    DeleteEvent {
        id: i64,
    },
    /// A host's check-in, done (or found done, or taken back).
    CheckedIn {
        event: i64,
        person: Person<'a>,
        guests: u32,
        /// When they were checked in (RFC 3339), `null` after an undo that
        /// found nothing to undo.
        at: Option<String>,
        already: bool,
        #[serde(skip_serializing_if = "std::ops::Not::not")]
        undone: bool,
    },
    /// The people who entered the community, for an admin choosing hosts.
    People {
        people: Vec<Person<'a>>,
    },
    /// A host's message is queued for this many people.
    MessageQueued {
        event: i64,
        recipients: usize,
    },
    /// An event's list as CSV, and a link serving the same file for
    /// [`crate::export::LINK_SECONDS`].
    Export {
        event: i64,
        filename: &'a str,
        csv: &'a str,
        url: &'a str,
    },
    Error {
        msg: &'a str,
        code: &'a str,
    },
}

impl ServerMessage<'_> {
    pub fn to_json(&self) -> String {
        // Serializing these plain structs into a String cannot fail; the
        // fallback keeps that promise without a panic path.
        serde_json::to_string(self).unwrap_or_else(|_| String::from(r#"{"type":"error"}"#))
    }
}

/// Encodes `error` for a [`ClientError`].
pub fn error_json(error: &ClientError) -> String {
    ServerMessage::Error {
        msg: &error.msg(),
        code: error.code(),
    }
    .to_json()
}

/// The limits of event fields, so the page's form need not know them.
#[derive(Debug, Clone, Copy, Serialize)]
pub struct Limits {
    pub title: usize,
    pub description: usize,
    pub location: usize,
    pub max_guests: u32,
    pub capacity: u32,
}

/// The limits as they are.
pub const LIMITS: Limits = Limits {
    title: crate::validate::MAX_TITLE_CHARS,
    description: crate::validate::MAX_DESCRIPTION_CHARS,
    location: crate::validate::MAX_LOCATION_CHARS,
    max_guests: crate::seats::MAX_GUESTS_LIMIT,
    capacity: crate::seats::MAX_CAPACITY,
};

/// A community as `welcome` names it.
#[derive(Debug, Clone, Serialize)]
pub struct CommunityView<'a> {
    pub slug: &'a str,
    pub title: &'a str,
}

/// One person in an `attendees` answer.
#[derive(Debug, Clone, Serialize)]
pub struct Person<'a> {
    pub telegram_id: i64,
    pub name: &'a str,
    pub username: &'a str,
    pub photo_url: &'a str,
    pub guests: u32,
    /// For hosts: when the person was checked in for the occurrence at
    /// the door (or the past one-off), `null` if not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_at: Option<Option<String>>,
    /// For hosts: how many of their guests were checked in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub checked_in_guests: Option<u32>,
    /// For hosts, of an event with questions: the person's answers.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub answers: Option<&'a [String]>,
}

/// A face on an event's card: one of the first people going.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Face {
    pub name: String,
    pub photo_url: String,
}

/// What an event looks like to one user: going, waiting (and where), and
/// with how many guests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct Standing {
    pub attending: bool,
    pub waitlisted: bool,
    pub guests: u32,
    /// 1 for the head of the waitlist; 0 when not waiting.
    pub position: usize,
    /// Asked to come; a host has not answered.
    pub pending: bool,
}

impl Standing {
    pub fn of(place: Place) -> Self {
        match place {
            Place::Out => Standing::default(),
            Place::Going { guests } => Standing {
                attending: true,
                guests,
                ..Standing::default()
            },
            Place::Waiting { guests, position } => Standing {
                waitlisted: true,
                guests,
                position,
                ..Standing::default()
            },
            Place::Pending { guests } => Standing {
                pending: true,
                guests,
                ..Standing::default()
            },
        }
    }
}

/// One event as a client sees it.
#[derive(Debug, Serialize)]
pub struct EventView<'a> {
    pub id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub image: String,
    pub start: &'a str,
    #[serde(serialize_with = "whole_as_integer")]
    pub duration: f64,
    pub attending: bool,
    /// Seats taken: people going and their guests.
    pub attendees: u64,
    #[serde(flatten)]
    pub when: &'a When,
    pub repeat: &'static str,
    pub location: &'a str,
    pub capacity: Option<u32>,
    /// Seats still free (`null`: unlimited).
    pub seats_left: Option<u64>,
    /// Someone new would join the waitlist.
    pub full: bool,
    pub max_guests: u32,
    pub closed: bool,
    pub waitlisted: bool,
    /// People waiting.
    pub waitlist: usize,
    pub guests: u32,
    /// The receiving user's place on the waitlist (1 = next), or `null`.
    pub waitlist_position: Option<usize>,
    /// Up to [`FACES`] of the first people going, for the card.
    pub faces: &'a [Face],
    /// Newcomers ask to come and a host answers.
    pub approval: bool,
    /// What people are asked when they attend.
    pub questions: &'a [String],
    /// The receiving user asked to come and waits for a host's answer.
    pub pending: bool,
}

/// Faces shown on a card.
pub const FACES: usize = 3;

/// An event's next occurrence as clients see it (part two's fields).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct When {
    /// "YYYY-MM-DD" of the next occurrence, in the event's zone.
    pub date: String,
    /// The IANA zone the event is meant in.
    pub timezone: String,
    /// The next occurrence as RFC 3339 with the zone's offsets.
    pub starts_at: String,
    pub ends_at: String,
    /// A one-off event that has ended.
    pub past: bool,
}

impl<'a> EventView<'a> {
    /// `base` is the origin that `/media/...` paths are served from.
    pub fn new(
        event: &'a Event,
        when: &'a When,
        faces: &'a [Face],
        standing: Standing,
        base: &str,
    ) -> Self {
        let seats = &event.seats;
        EventView {
            id: event.id,
            title: &event.title,
            description: &event.description,
            image: media::absolute_url(&event.image, base),
            start: &event.start,
            duration: event.duration,
            attending: standing.attending,
            attendees: event.attendee_count(),
            when,
            repeat: event.repeat.as_str(),
            location: &event.location,
            capacity: seats.capacity,
            seats_left: seats.left(),
            full: seats.is_full(),
            max_guests: seats.max_guests,
            closed: seats.closed,
            waitlisted: standing.waitlisted,
            waitlist: seats.waitlist(),
            guests: standing.guests,
            waitlist_position: (standing.position > 0).then_some(standing.position),
            faces,
            approval: seats.approval,
            questions: &event.questions,
            pending: standing.pending,
        }
    }
}

/// The `event` message for `event` at its occurrence `when`, as seen by a
/// user who is (or is not) attending. A broadcast calls this twice per
/// event, not once per socket.
pub fn event_json(
    event: &Event,
    when: &When,
    faces: &[Face],
    standing: Standing,
    base: &str,
) -> String {
    ServerMessage::Event(EventView::new(event, when, faces, standing, base)).to_json()
}

/// `2.0` goes out as `2`, so clients see the duration as it was typed.
fn whole_as_integer<S: Serializer>(value: &f64, serializer: S) -> Result<S::Ok, S::Error> {
    if value.fract() == 0.0 && value.abs() < 9.0e15 {
        serializer.serialize_i64(*value as i64)
    } else {
        serializer.serialize_f64(*value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::seats::{Party, Seats};
    use serde_json::json;

    #[test]
    fn reads_login() {
        let login = |text| Frame::parse(text).and_then(Frame::into_login);
        assert_eq!(
            login(r#"{"type":"login","app":"mini_event","data":"a=b"}"#),
            Ok("a=b".into())
        );
        let missing = login(r#"{"type":"login","app":"mini_event"}"#);
        assert_eq!(missing.map_err(|e| e.code()), Err("invalid"));
        let not_login = login(r#"{"type":"attend","app":"mini_event","data":"a=b"}"#);
        assert_eq!(not_login.map_err(|e| e.code()), Err("invalid"));
    }

    #[test]
    fn any_ping_object_is_a_ping() {
        for text in [
            r#"{"type":"ping"}"#,
            r#"{"type": "ping"}"#,
            r#"{"type":"ping","app":"mini_event"}"#,
            r#"{"app":"other","type":"ping","x":[1]}"#,
        ] {
            assert!(
                Frame::parse(text).is_ok_and(|f| f.kind == Kind::Ping),
                "{text}"
            );
        }
        assert!(Frame::parse(r#"{"type":"pings"}"#).is_err());
        assert!(Frame::parse(r#"["ping"]"#).is_err());
    }

    #[test]
    fn login_is_recognised_before_its_fields_are_read() {
        let frame = Frame::parse(r#"{"type":"login","app":"mini_event"}"#).expect("envelope");
        assert_eq!(frame.kind, Kind::Login);
        let frame = Frame::parse(r#"{"type":"attend","app":"mini_event"}"#).expect("envelope");
        assert_eq!(frame.kind, Kind::Attend);
    }

    #[test]
    fn server_messages_have_the_spec_shapes() {
        let value = |m: ServerMessage| serde_json::from_str::<Value>(&m.to_json()).ok();
        assert_eq!(
            value(ServerMessage::Connect),
            Some(json!({"type":"connect"}))
        );
        assert_eq!(
            value(ServerMessage::Disconnect),
            Some(json!({"type":"disconnect"}))
        );
        assert_eq!(
            value(ServerMessage::Welcome {
                telegram_id: 5_000_000_001,
                name: "Ada Lovelace",
                is_admin: true,
                reminder: None,
                calendar: "https://x.example/calendar/t.ics",
                calendar_event: "https://x.example/calendar/t/{id}.ics",
                limits: LIMITS,
                hidden: false,
                language: "en",
                languages: &crate::i18n::LANGUAGES,
                community: None,
            }),
            Some(json!({
                "type": "welcome", "telegram_id": 5_000_000_001_i64, "name": "Ada Lovelace",
                "is_admin": true, "reminder": null, "calendar": "https://x.example/calendar/t.ics",
                "calendar_event": "https://x.example/calendar/t/{id}.ics",
                "limits": {"title": 120, "description": 2000, "location": 200, "max_guests": 10, "capacity": 100_000},
                "hidden": false, "language": "en",
                "languages": ["en", "ru", "uk", "es", "pt", "de", "fa"]
            }))
        );
        assert_eq!(
            value(ServerMessage::EventsLoaded { selected: None }),
            Some(json!({"type":"events-loaded","selected":null}))
        );
        assert_eq!(
            value(ServerMessage::EventsLoaded { selected: Some(4) }),
            Some(json!({"type":"events-loaded","selected":4}))
        );
        assert_eq!(
            value(ServerMessage::DeleteEvent { id: 9 }),
            Some(json!({"type":"delete-event","id":9}))
        );
        let error = serde_json::from_str::<Value>(&error_json(&ClientError::NoSuchEvent)).ok();
        assert_eq!(
            error,
            Some(json!({"type":"error","msg":"No such event","code":"no_such_event"}))
        );
        let detail = ClientError::invalid("event must be an event id");
        assert_eq!(detail.msg(), "Invalid data: event must be an event id");
    }

    #[test]
    fn event_message_shape() {
        let mut event = Event {
            id: 7,
            title: "Picnic".into(),
            description: "Bring food".into(),
            image: "/media/abc".into(),
            start: "09:30".into(),
            duration: 2.0,
            ..Event::default()
        };
        event.seats = Seats::new(
            Some(5),
            1,
            false,
            vec![Party { user: 1, guests: 1 }],
            vec![Party { user: 2, guests: 0 }],
        );
        event.location = "Park".into();
        let going = Standing::of(event.seats.place(1));
        let when = When {
            date: "2027-03-28".into(),
            timezone: "Europe/Berlin".into(),
            starts_at: "2027-03-28T09:30:00+02:00".into(),
            ends_at: "2027-03-28T11:30:00+02:00".into(),
            past: false,
        };
        let json: Value =
            serde_json::from_str(&event_json(&event, &when, &[], going, "https://x.example/"))
                .expect("json");
        assert_eq!(
            json,
            json!({
                "type": "event", "id": 7, "title": "Picnic", "description": "Bring food",
                "image": "https://x.example/media/abc", "start": "09:30", "duration": 2,
                "attending": true, "attendees": 2, "capacity": 5, "seats_left": 3, "full": true, "max_guests": 1,
                "closed": false, "waitlisted": false, "waitlist": 1, "guests": 1,
                "waitlist_position": null, "faces": [],
                "date": "2027-03-28", "repeat": "none", "timezone": "Europe/Berlin",
                "starts_at": "2027-03-28T09:30:00+02:00", "ends_at": "2027-03-28T11:30:00+02:00",
                "location": "Park", "past": false,
                "approval": false, "questions": [], "pending": false
            })
        );
        let out = Standing::default();
        assert!(event_json(&event, &when, &[], out, "").contains(r#""duration":2,"#));
        event.duration = 1.5;
        event.image = "https://cdn.example/p.png".into();
        let json: Value =
            serde_json::from_str(&event_json(&event, &when, &[], out, "https://x.example"))
                .expect("json");
        assert_eq!(json["duration"], json!(1.5));
        assert_eq!(json["image"], json!("https://cdn.example/p.png"));
        assert_eq!(json["attending"], json!(false));
    }
}
