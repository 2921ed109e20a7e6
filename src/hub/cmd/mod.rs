//! What the hub does with a frame: one file per family of messages, each
//! owning its message types, their parsing and their `apply`, over the
//! hub's [`State`]. Read as a request path: [`receive`] takes a frame off a
//! socket, [`route`] decides what it needs against the socket's session
//! (a login, an admin, nothing), [`Command::parse`] reads its fields, and
//! [`serve`] applies it in the user's turn.
//!
//! [`route`] and [`serve`] do not touch `worker`, so the property tests
//! drive the very same rules with a handler of their own.

pub mod attend;
pub mod door;
pub mod events;
pub mod login;
pub mod messages;
pub mod people;
pub mod settings;

use worker::{WebSocket, WebSocketIncomingMessage};

use super::broadcast;
use super::sockets::{send, Refusal, POLICY_VIOLATION};
use super::state::State;
use crate::error::ClientError;
use crate::limits::{Verdict, MAX_FRAME_BYTES, MAX_FRAME_BYTES_BEFORE_LOGIN, MESSAGE_TOO_BIG};
use crate::protocol::{self, Frame, Kind, Role};
use crate::session::{Session, SessionUser};

use super::turns::{Lane, Turns};

/// A logged-in user's message, its fields read.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Attend(attend::Attend),
    Leave(attend::Leave),
    Attendees(people::Attendees),
    SetPrivacy(settings::SetPrivacy),
    SetReminder(settings::SetReminder),
    CreateEvent(events::Create),
    EditEvent(events::Edit),
    DeleteEvent(events::Delete),
    CheckIn(door::CheckIn),
    People(people::People),
    RemoveAttendee(attend::Remove),
    Export(people::Export),
    MessageAttendees(messages::MessageAttendees),
    Approve(attend::Approve),
    SetLanguage(settings::SetLanguage),
}

impl Command {
    /// Reads the fields of a logged-in user's frame.
    pub fn parse(frame: &Frame) -> Result<Command, ClientError> {
        let fields = frame.fields();
        Ok(match frame.kind {
            Kind::Attend => Command::Attend(attend::Attend::parse(fields)?),
            Kind::Leave => Command::Leave(attend::Leave::parse(fields)?),
            Kind::Attendees => Command::Attendees(people::Attendees::parse(fields)?),
            Kind::SetPrivacy => Command::SetPrivacy(settings::SetPrivacy::parse(fields)?),
            Kind::SetReminder => Command::SetReminder(settings::SetReminder::parse(fields)?),
            Kind::CreateEvent => Command::CreateEvent(events::Create::parse(fields)?),
            Kind::EditEvent => Command::EditEvent(events::Edit::parse(fields)?),
            Kind::DeleteEvent => Command::DeleteEvent(events::Delete::parse(fields)?),
            Kind::CheckIn => Command::CheckIn(door::CheckIn::parse(fields)?),
            Kind::People => Command::People(people::People),
            Kind::RemoveAttendee => Command::RemoveAttendee(attend::Remove::parse(fields)?),
            Kind::Export => Command::Export(people::Export::parse(fields)?),
            Kind::MessageAttendees => {
                Command::MessageAttendees(messages::MessageAttendees::parse(fields)?)
            }
            Kind::Approve => Command::Approve(attend::Approve::parse(fields)?),
            Kind::SetLanguage => Command::SetLanguage(settings::SetLanguage::parse(fields)?),
            Kind::Ping | Kind::Login | Kind::Unknown => return Err(ClientError::UnknownType),
        })
    }

    /// Applies the command for `caller`: stores it, changes memory, tells
    /// everyone.
    async fn apply(self, state: &State, caller: &Caller<'_>) -> Result<(), ClientError> {
        match self {
            Command::Attend(attend) => attend.apply(state, caller.user).await,
            Command::Leave(leave) => leave.apply(state, caller.user).await,
            Command::Attendees(attendees) => attendees.apply(state, caller).await,
            Command::SetPrivacy(privacy) => privacy.apply(state, caller.user).await,
            Command::SetReminder(reminder) => reminder.apply(state, caller.user).await,
            Command::CreateEvent(create) => create.apply(state, caller.user).await,
            Command::EditEvent(edit) => edit.apply(state, caller.user).await,
            Command::DeleteEvent(delete) => delete.apply(state).await,
            Command::CheckIn(check_in) => check_in.apply(state, caller).await,
            Command::People(people) => people.apply(state, caller).await,
            Command::RemoveAttendee(remove) => remove.apply(state, caller).await,
            Command::Export(export) => export.apply(state, caller).await,
            Command::MessageAttendees(message) => message.apply(state, caller).await,
            Command::Approve(approve) => approve.apply(state, caller).await,
            Command::SetLanguage(language) => language.apply(state, caller.user).await,
        }
    }
}

/// Who sent a message being served, and on which socket.
pub struct Caller<'a> {
    pub ws: &'a WebSocket,
    pub user: &'a SessionUser,
}

/// Takes a frame off `ws`: the rate limit, then [`route`], then what the
/// route says. Answers an error on the socket when there is one, then
/// sends what the message left to send (merged broadcasts, notices),
/// outside the user's turn so their next message need not wait.
pub async fn receive(state: &State, ws: &WebSocket, message: WebSocketIncomingMessage) {
    crate::store::counters::invocation(take(state, ws, message)).await;
}

async fn take(state: &State, ws: &WebSocket, message: WebSocketIncomingMessage) {
    let session = state.sockets.session(ws);
    if session.refused {
        return;
    }
    match state
        .sockets
        .take_token(session.socket, state.clock.millis())
    {
        Verdict::Serve => {}
        Verdict::Refuse => {
            send(ws, &protocol::error_json(&ClientError::RateLimited));
            return;
        }
        Verdict::Close => {
            send(ws, &protocol::error_json(&ClientError::RateLimited));
            let refusal = Refusal::close(POLICY_VIOLATION, "too many messages");
            state.sockets.close_for_good(ws, refusal);
            return;
        }
    }
    let incoming = match &message {
        WebSocketIncomingMessage::String(text) => Incoming::Text(text),
        WebSocketIncomingMessage::Binary(bytes) => Incoming::Binary(bytes.len()),
    };
    let outcome = match route(&session, incoming) {
        Route::Ignore => Ok(()),
        Route::Refuse(error) => Err(error),
        Route::Pong => {
            send(ws, protocol::PONG);
            Ok(())
        }
        Route::Close {
            error,
            code,
            reason,
        } => {
            if let Some(error) = error {
                send(ws, &protocol::error_json(&error));
            }
            state
                .sockets
                .close_for_good(ws, Refusal::close(code, reason));
            Ok(())
        }
        Route::Login(data) => login::login(state, ws, session, data).await,
        Route::Serve(frame) => match &session.user {
            Some(user) => {
                let served = Served {
                    state,
                    caller: Caller { ws, user },
                };
                serve(&state.turns, &served, user, frame).await
            }
            None => Err(ClientError::LoginRequired),
        },
    };
    if let Err(error) = outcome {
        send(ws, &protocol::error_json(&error));
    }
    broadcast::send_merged(state).await;
    state.send_notices().await;
}

/// A logged-in user's message being served: what [`serve`] needs from the
/// hub.
struct Served<'a> {
    state: &'a State,
    caller: Caller<'a>,
}

impl Handler for Served<'_> {
    async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError> {
        login::confirm_admin(self.state, self.caller.ws, user).await
    }

    async fn listed_host(&self, user: &SessionUser, event: i64) -> Result<bool, ClientError> {
        self.state.ready().await?;
        self.state
            .with_catalog(|c| Ok(c.get(event).is_ok_and(|e| e.hosts.contains(&user.id))))
    }

    async fn apply(&self, _user: &SessionUser, command: Command) -> Result<(), ClientError> {
        command.apply(self.state, &self.caller).await
    }
}

/// A frame as it arrived.
#[derive(Debug, Clone, Copy)]
pub enum Incoming<'a> {
    Text(&'a str),
    /// A binary frame, of this many bytes.
    Binary(usize),
}

/// What to do with one frame.
#[derive(Debug)]
pub enum Route {
    /// Nothing: the socket was refused and is closing.
    Ignore,
    /// Answer this error; the socket stays open.
    Refuse(ClientError),
    /// Answer `pong`.
    Pong,
    /// Close the socket (after this error, if any); it is never served
    /// again.
    Close {
        error: Option<ClientError>,
        code: u16,
        reason: &'static str,
    },
    /// Check this initData and log the socket in.
    Login(Result<String, ClientError>),
    /// A logged-in user's message: [`serve`] it.
    Serve(Frame),
}

/// Reads a frame against the session of the socket it came from. Frames
/// over the size limit (8 KiB before login, 1 MiB after) close the socket
/// before anything reads them: every frame is copied into WASM memory,
/// which never shrinks, so big ones must not be worth sending.
pub fn route(session: &Session, incoming: Incoming) -> Route {
    if session.refused {
        return Route::Ignore;
    }
    let logged_in = session.user.is_some();
    let limit = match logged_in {
        true => MAX_FRAME_BYTES,
        false => MAX_FRAME_BYTES_BEFORE_LOGIN,
    };
    let size = match incoming {
        Incoming::Text(text) => text.len(),
        Incoming::Binary(size) => size,
    };
    if size > limit {
        return Route::Close {
            error: logged_in.then_some(ClientError::TooLarge),
            code: MESSAGE_TOO_BIG,
            reason: "message too big",
        };
    }
    let Incoming::Text(text) = incoming else {
        return Route::Refuse(ClientError::Binary);
    };
    let frame = match Frame::parse(text) {
        Ok(frame) => frame,
        Err(error) => return Route::Refuse(error),
    };
    match (&session.user, frame.kind) {
        (_, Kind::Ping) => Route::Pong,
        (None, Kind::Login) => Route::Login(frame.into_login()),
        (None, _) => Route::Refuse(ClientError::LoginRequired),
        (Some(_), Kind::Login) => Route::Refuse(ClientError::AlreadyLoggedIn),
        (Some(_), _) => Route::Serve(frame),
    }
}

/// What the hub does for [`serve`].
pub trait Handler {
    /// Whether `user` is an admin at this moment (an admin check may read
    /// D1, so it awaits).
    async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError>;

    /// Whether `user` is listed in `event`'s `hosts` (admins host every
    /// event without being listed).
    async fn listed_host(&self, user: &SessionUser, event: i64) -> Result<bool, ClientError>;

    /// Applies a command: stores it, changes memory, tells everyone.
    async fn apply(&self, user: &SessionUser, command: Command) -> Result<(), ClientError>;
}

/// Serves a logged-in user's message. The user's turn is taken before
/// anything awaits, so their messages are checked and applied in the order
/// they were sent, however long an admin check takes. Admin messages then
/// also wait for the admins' lane, so every admin's changes reach D1 and
/// memory in one order. Admin rights are checked before any field is read,
/// so a non-admin learns nothing from validation errors; host rights from
/// the event id alone. Hosts' edits take the admins' lane too; check-ins
/// take their event's door lane, so two hosts scanning one ticket at once
/// check it in once.
pub async fn serve(
    turns: &Turns,
    handler: &impl Handler,
    user: &SessionUser,
    frame: Frame,
) -> Result<(), ClientError> {
    let _turn = turns.wait(Lane::User(user.id)).await;
    let kind = frame.kind;
    let lane = match kind.role() {
        Role::Admin => {
            handler.confirm_admin(user).await?;
            Some(Lane::Admin)
        }
        Role::Host => {
            let field = kind.event_field();
            let event = protocol::event_id(frame.fields().get(field), field)?;
            let fields = frame.fields();
            let needs_admin = kind.admin_fields().iter().any(|f| fields.contains_key(*f));
            // A listed host, unless the message sets what only admins
            // may; otherwise an admin (`access::is_host`).
            if needs_admin || !handler.listed_host(user, event).await? {
                handler.confirm_admin(user).await?;
            }
            match kind {
                Kind::CheckIn => Some(Lane::Door(event)),
                _ => Some(Lane::Admin),
            }
        }
        Role::Member => None,
    };
    let command = Command::parse(&frame)?;
    let _lane = match lane {
        Some(lane) => Some(turns.wait(lane).await),
        None => None,
    };
    handler.apply(user, command).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::turns::tests::poll;
    use futures_channel::oneshot;
    use std::cell::RefCell;
    use std::future::Future;
    use std::pin::Pin;
    use std::task::Poll;

    fn session(user: Option<i64>, refused: bool) -> Session {
        Session {
            user: user.map(|id| SessionUser {
                id,
                name: "Ann".into(),
                is_admin: true,
                ..SessionUser::default()
            }),
            refused,
            ..Session::default()
        }
    }

    fn routed(session: &Session, text: &str) -> String {
        match route(session, Incoming::Text(text)) {
            Route::Ignore => "ignore".into(),
            Route::Pong => "pong".into(),
            Route::Close { error, code, .. } => format!("close {code} {error:?}"),
            Route::Refuse(error) => error.code().into(),
            Route::Login(data) => format!("login {data:?}"),
            Route::Serve(frame) => format!("serve admin={}", frame.kind.role() == Role::Admin),
        }
    }

    #[test]
    fn routes_by_login_state() {
        let attend = r#"{"type":"attend","app":"mini_event","event":1}"#;
        let login = r#"{"type":"login","app":"mini_event","data":"x"}"#;
        let create = r#"{"type":"create-event","app":"mini_event"}"#;
        let pending = session(None, false);
        let user = session(Some(1), false);
        let refused = session(None, true);
        assert_eq!(routed(&pending, attend), "login_required");
        assert_eq!(routed(&pending, login), r#"login Ok("x")"#);
        assert_eq!(routed(&user, login), "already_logged_in");
        assert_eq!(routed(&user, attend), "serve admin=false");
        assert_eq!(routed(&user, create), "serve admin=true");
        assert_eq!(routed(&refused, login), "ignore");
        assert_eq!(routed(&pending, "nope"), "bad_json");
        assert_eq!(
            routed(&user, r#"{"type":"x","app":"mini_event"}"#),
            "serve admin=false"
        );
        for session in [&pending, &user] {
            assert_eq!(routed(session, r#"{"type": "ping"}"#), "pong");
        }
        assert_eq!(routed(&refused, r#"{"type":"ping"}"#), "ignore");
        assert!(matches!(
            route(&user, Incoming::Binary(10)),
            Route::Refuse(ClientError::Binary)
        ));
        assert!(matches!(
            route(&refused, Incoming::Binary(10)),
            Route::Ignore
        ));
    }

    #[test]
    fn frames_over_the_limit_close_the_socket() {
        let pending = session(None, false);
        let user = session(Some(1), false);
        let padded = |size: usize| format!(r#"{{"pad":"{}"}}"#, "x".repeat(size - 10));
        let small = padded(MAX_FRAME_BYTES_BEFORE_LOGIN);
        assert_eq!(small.len(), MAX_FRAME_BYTES_BEFORE_LOGIN);
        assert_eq!(routed(&pending, &small), "app", "8 KiB is still read");
        assert_eq!(
            routed(&pending, &padded(MAX_FRAME_BYTES_BEFORE_LOGIN + 1)),
            "close 1009 None"
        );
        assert_eq!(
            routed(&user, &padded(MAX_FRAME_BYTES_BEFORE_LOGIN + 1)),
            "app"
        );
        assert_eq!(
            routed(&user, &padded(MAX_FRAME_BYTES + 1)),
            "close 1009 Some(TooLarge)"
        );
        assert!(matches!(
            route(&pending, Incoming::Binary(MAX_FRAME_BYTES_BEFORE_LOGIN + 1)),
            Route::Close { code: 1009, .. }
        ));
    }

    /// A handler whose admin checks finish when the test says so, and
    /// which records what it applied.
    #[derive(Default)]
    struct Scripted {
        checks: RefCell<Vec<oneshot::Sender<bool>>>,
        applied: RefCell<Vec<Command>>,
    }

    impl Handler for Scripted {
        async fn confirm_admin(&self, _user: &SessionUser) -> Result<(), ClientError> {
            let (answer, answered) = oneshot::channel();
            self.checks.borrow_mut().push(answer);
            match answered.await {
                Ok(true) => Ok(()),
                _ => Err(ClientError::Forbidden),
            }
        }

        async fn listed_host(&self, _user: &SessionUser, _event: i64) -> Result<bool, ClientError> {
            Ok(false)
        }

        async fn apply(&self, _user: &SessionUser, command: Command) -> Result<(), ClientError> {
            self.applied.borrow_mut().push(command);
            Ok(())
        }
    }

    fn frame(text: &str) -> Frame {
        match Frame::parse(text) {
            Ok(frame) => frame,
            Err(error) => panic!("{text}: {error}"),
        }
    }

    type Served<'a> = Pin<Box<dyn Future<Output = Result<(), ClientError>> + 'a>>;

    /// A message being served, polled by hand (never again once finished).
    struct Task<'a> {
        future: Option<Served<'a>>,
        outcome: Option<Result<(), ClientError>>,
    }

    impl<'a> Task<'a> {
        fn new(future: impl Future<Output = Result<(), ClientError>> + 'a) -> Self {
            Task {
                future: Some(Box::pin(future)),
                outcome: None,
            }
        }

        fn step(&mut self) {
            if let Some(future) = self.future.as_mut() {
                if let Poll::Ready(outcome) = poll(future.as_mut()) {
                    self.outcome = Some(outcome);
                    self.future = None;
                }
            }
        }

        fn is_done(&self) -> bool {
            self.outcome.is_some()
        }
    }

    /// Polls every task until none moves.
    fn run(tasks: &mut [Task]) {
        for _ in 0..10 {
            tasks.iter_mut().for_each(Task::step);
        }
    }

    /// Finishes the admin check that started last (D1 answers need not
    /// come back in the order they were asked).
    fn answer_newest_check(hub: &Scripted, answer: bool) {
        let newest = hub.checks.borrow_mut().pop();
        if let Some(check) = newest {
            let _ = check.send(answer);
        }
    }

    #[test]
    fn admin_messages_apply_in_arrival_order_when_checks_finish_out_of_order() {
        let turns = Turns::default();
        let hub = Scripted::default();
        let admin = SessionUser {
            id: 7,
            name: "Ada".into(),
            is_admin: true,
            ..SessionUser::default()
        };
        let first = frame(r#"{"type":"delete-event","app":"mini_event","id":1}"#);
        let second = frame(r#"{"type":"delete-event","app":"mini_event","id":2}"#);
        let mut tasks = [
            Task::new(serve(&turns, &hub, &admin, first)),
            Task::new(serve(&turns, &hub, &admin, second)),
        ];
        while !tasks.iter().all(Task::is_done) {
            run(&mut tasks);
            assert!(!hub.checks.borrow().is_empty() || tasks.iter().all(Task::is_done));
            answer_newest_check(&hub, true);
        }
        assert_eq!(
            *hub.applied.borrow(),
            vec![
                Command::DeleteEvent(events::Delete { id: 1 }),
                Command::DeleteEvent(events::Delete { id: 2 })
            ],
            "applied in the order they were sent"
        );
    }

    #[test]
    fn a_refused_admin_check_applies_nothing_and_the_next_message_goes_on() {
        let turns = Turns::default();
        let hub = Scripted::default();
        let user = SessionUser {
            id: 8,
            name: "Bo".into(),
            is_admin: false,
            ..SessionUser::default()
        };
        let create = frame(r#"{"type":"create-event","app":"mini_event"}"#);
        let attend = frame(r#"{"type":"attend","app":"mini_event","event":3}"#);
        let mut tasks = [
            Task::new(serve(&turns, &hub, &user, create)),
            Task::new(serve(&turns, &hub, &user, attend)),
        ];
        run(&mut tasks);
        assert!(
            !tasks[1].is_done(),
            "the attend waits for the check before it"
        );
        answer_newest_check(&hub, false);
        run(&mut tasks);
        assert_eq!(tasks[0].outcome, Some(Err(ClientError::Forbidden)));
        assert_eq!(tasks[1].outcome, Some(Ok(())));
        assert_eq!(
            *hub.applied.borrow(),
            vec![Command::Attend(attend::Attend {
                event: 3,
                guests: None,
                answers: None,
            })]
        );
    }

    /// A frame read as a logged-in user's message.
    fn parse(text: &str) -> Result<Command, ClientError> {
        Command::parse(&Frame::parse(text)?)
    }

    #[test]
    fn reads_attend_and_leave_with_number_or_string_ids() {
        assert_eq!(
            parse(r#"{"type":"attend","app":"mini_event","event":3}"#),
            Ok(Command::Attend(attend::Attend {
                event: 3,
                guests: None,
                answers: None,
            }))
        );
        assert_eq!(
            parse(r#"{"type":"attend","app":"mini_event","event":3,"guests":2}"#),
            Ok(Command::Attend(attend::Attend {
                event: 3,
                guests: Some(2),
                answers: None,
            }))
        );
        let too_many = parse(r#"{"type":"attend","app":"mini_event","event":3,"guests":-1}"#);
        assert_eq!(too_many.map_err(|e| e.code()), Err("invalid"));
        assert_eq!(
            parse(r#"{"type":"set-privacy","app":"mini_event","hidden":true}"#),
            Ok(Command::SetPrivacy(settings::SetPrivacy { hidden: true }))
        );
        let bad = parse(r#"{"type":"set-privacy","app":"mini_event","hidden":"yes"}"#);
        assert_eq!(bad.map_err(|e| e.code()), Err("invalid"));
        assert_eq!(
            parse(r#"{"type":"leave","app":"mini_event","event":"12"}"#),
            Ok(Command::Leave(attend::Leave { event: 12 }))
        );
    }

    #[test]
    fn refuses_bad_ids() {
        for id in [
            r#""3a""#, r#""""#, "3.5", "null", "[]", r#"" 3""#, r#""-3""#,
        ] {
            let text = format!(r#"{{"type":"attend","app":"mini_event","event":{id}}}"#);
            assert_eq!(parse(&text).map_err(|e| e.code()), Err("invalid"), "{id}");
        }
        let missing = parse(r#"{"type":"attend","app":"mini_event"}"#);
        assert_eq!(missing.map_err(|e| e.code()), Err("invalid"));
    }

    #[test]
    fn reads_set_reminder() {
        let reminder = |m: &str| {
            parse(&format!(
                r#"{{"type":"set-reminder","app":"mini_event","minutes":{m}}}"#
            ))
        };
        for m in [0, 15, 60, 1440] {
            assert_eq!(
                reminder(&m.to_string()),
                Ok(Command::SetReminder(settings::SetReminder {
                    minutes: Some(m)
                }))
            );
        }
        assert_eq!(
            reminder("null"),
            Ok(Command::SetReminder(settings::SetReminder {
                minutes: None
            }))
        );
        for bad in ["30", "-15", "\"15\"", "1.5", "[]"] {
            assert_eq!(reminder(bad).map_err(|e| e.code()), Err("invalid"), "{bad}");
        }
        let missing = parse(r#"{"type":"set-reminder","app":"mini_event"}"#);
        assert_eq!(missing.map_err(|e| e.code()), Err("invalid"));
    }

    #[test]
    fn reads_admin_messages() {
        let create = parse(
            r#"{"type":"create-event","app":"mini_event","title":"T","start":"9:00","duration":1}"#,
        );
        assert!(
            matches!(create, Ok(Command::CreateEvent(c)) if c.changes.start.as_deref() == Some("09:00"))
        );
        let edit = parse(r#"{"type":"edit-event","app":"mini_event","id":"4","title":"New"}"#);
        assert!(matches!(
            edit,
            Ok(Command::EditEvent(events::Edit { id: 4, .. }))
        ));
        assert_eq!(
            parse(r#"{"type":"delete-event","app":"mini_event","id":4}"#),
            Ok(Command::DeleteEvent(events::Delete { id: 4 }))
        );
        let no_id = parse(r#"{"type":"delete-event","app":"mini_event"}"#);
        assert_eq!(no_id.map_err(|e| e.code()), Err("invalid"));
        for (kind, role) in [
            ("create-event", Role::Admin),
            ("delete-event", Role::Admin),
            ("people", Role::Admin),
            ("edit-event", Role::Host),
            ("check-in", Role::Host),
            ("remove-attendee", Role::Host),
            ("export", Role::Host),
            ("message-attendees", Role::Host),
            ("approve", Role::Host),
        ] {
            let text = format!(r#"{{"type":"{kind}","app":"mini_event"}}"#);
            assert!(
                Frame::parse(&text).is_ok_and(|f| f.kind.role() == role),
                "{kind}"
            );
        }
        let attend = Frame::parse(r#"{"type":"attend","app":"mini_event"}"#);
        assert!(attend.is_ok_and(|f| f.kind.role() == Role::Member));
    }

    #[test]
    fn reads_check_ins() {
        use crate::door::Ask;
        let check_in = |rest: &str| {
            parse(&format!(
                r#"{{"type":"check-in","app":"mini_event","event":3{rest}}}"#
            ))
        };
        assert_eq!(
            check_in(r#","ticket":"3-7-abc","guests":1"#),
            Ok(Command::CheckIn(door::CheckIn {
                event: 3,
                who: door::Who::Ticket("3-7-abc".into()),
                ask: Ask::In { guests: Some(1) }
            }))
        );
        assert_eq!(
            check_in(r#","user":7,"undo":true"#),
            Ok(Command::CheckIn(door::CheckIn {
                event: 3,
                who: door::Who::User(7),
                ask: Ask::Undo
            }))
        );
        for bad in [
            "",
            r#","ticket":"x","user":7"#,
            r#","ticket":7"#,
            r#","user":"7""#,
            r#","user":7,"undo":1"#,
            r#","user":7,"guests":-1"#,
        ] {
            assert_eq!(check_in(bad).map_err(|e| e.code()), Err("invalid"), "{bad}");
        }
    }

    #[test]
    fn reads_host_messages() {
        let message = |rest: &str| {
            parse(&format!(
                r#"{{"type":"message-attendees","app":"mini_event","event":3{rest}}}"#
            ))
        };
        assert_eq!(
            message(r#","to":"waiting","text":"  Room 2  ""#),
            Ok(Command::MessageAttendees(messages::MessageAttendees {
                event: 3,
                to: messages::To::Waiting,
                text: "Room 2".into()
            }))
        );
        let long = "é".repeat(1000);
        assert!(
            message(&format!(r#","to":"all","text":"{long}""#)).is_ok(),
            "1000 characters, not bytes"
        );
        for bad in [
            r#","to":"all""#,
            r#","to":"some","text":"x""#,
            r#","to":"all","text":" ""#,
            r#","to":"all","text":5"#,
        ] {
            assert_eq!(message(bad).map_err(|e| e.code()), Err("invalid"), "{bad}");
        }
        let remove = parse(r#"{"type":"remove-attendee","app":"mini_event","event":3,"user":7}"#);
        assert_eq!(
            remove,
            Ok(Command::RemoveAttendee(attend::Remove {
                event: 3,
                user: 7
            }))
        );
        let export = parse(r#"{"type":"export","app":"mini_event","event":"3"}"#);
        assert_eq!(export, Ok(Command::Export(people::Export { event: 3 })));
    }

    /// A handler whose admins and event hosts are fixed.
    struct Hosts {
        admins: Vec<i64>,
        /// (event, host) pairs.
        hosts: Vec<(i64, i64)>,
        applied: RefCell<Vec<Command>>,
    }

    impl Handler for Hosts {
        async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError> {
            match self.admins.contains(&user.id) {
                true => Ok(()),
                false => Err(ClientError::Forbidden),
            }
        }

        async fn listed_host(&self, user: &SessionUser, event: i64) -> Result<bool, ClientError> {
            Ok(self.hosts.contains(&(event, user.id)))
        }

        async fn apply(&self, _user: &SessionUser, command: Command) -> Result<(), ClientError> {
            self.applied.borrow_mut().push(command);
            Ok(())
        }
    }

    #[test]
    fn hosts_edit_and_check_in_their_event_only_and_never_set_hosts() {
        let hub = Hosts {
            admins: vec![1],
            hosts: vec![(5, 2)],
            applied: RefCell::default(),
        };
        let turns = Turns::default();
        let person = |id| SessionUser {
            id,
            name: "P".into(),
            ..SessionUser::default()
        };
        let outcome = |user: i64, text: &str| {
            let user = person(user);
            let mut task = Task::new(serve(&turns, &hub, &user, frame(text)));
            run(std::slice::from_mut(&mut task));
            task.outcome.map(|o| o.map_err(|e| e.code()))
        };
        let edit = r#"{"type":"edit-event","app":"mini_event","id":5,"title":"New"}"#;
        let edit_other = r#"{"type":"edit-event","app":"mini_event","id":6,"title":"New"}"#;
        let set_hosts = r#"{"type":"edit-event","app":"mini_event","id":5,"hosts":[2,3]}"#;
        let check_in = r#"{"type":"check-in","app":"mini_event","event":5,"user":9}"#;
        let delete = r#"{"type":"delete-event","app":"mini_event","id":5}"#;
        assert_eq!(outcome(2, edit), Some(Ok(())));
        assert_eq!(outcome(2, check_in), Some(Ok(())));
        assert_eq!(outcome(2, edit_other), Some(Err("forbidden")));
        assert_eq!(outcome(2, set_hosts), Some(Err("forbidden")));
        assert_eq!(outcome(2, delete), Some(Err("forbidden")));
        assert_eq!(outcome(3, check_in), Some(Err("forbidden")));
        assert_eq!(outcome(1, set_hosts), Some(Ok(())));
        assert_eq!(outcome(1, check_in), Some(Ok(())));
        assert_eq!(hub.applied.borrow().len(), 4);
    }

    #[test]
    fn envelope_errors() {
        let code = |text: &str| parse(text).map_err(|e| e.code());
        assert_eq!(code("not json"), Err("bad_json"));
        assert_eq!(code("[1,2]"), Err("bad_json"));
        assert_eq!(code(r#""text""#), Err("bad_json"));
        assert_eq!(code(r#"{"type":"attend","event":1}"#), Err("app"));
        assert_eq!(
            code(r#"{"type":"attend","app":"other","event":1}"#),
            Err("app")
        );
        assert_eq!(code(r#"{"app":"mini_event"}"#), Err("unknown_type"));
        assert_eq!(
            code(r#"{"type":"dance","app":"mini_event"}"#),
            Err("unknown_type")
        );
        assert_eq!(
            code(r#"{"type":"login","app":"mini_event"}"#),
            Err("unknown_type"),
            "a login is not a message of a logged-in client"
        );
    }
}
