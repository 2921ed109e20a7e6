//! What the hub does with a frame, decided in one place: which frames need
//! a login, which need an admin, and in whose turn each message is applied.
//! [`route`] reads a frame against the socket's session; [`serve`] carries
//! out a logged-in user's message through the [`Handler`] the hub
//! implements. Neither touches `worker`, so the property tests drive the
//! very same rules with a handler of their own.

use crate::error::ClientError;
use crate::limits::{MAX_FRAME_BYTES, MAX_FRAME_BYTES_BEFORE_LOGIN, MESSAGE_TOO_BIG};
use crate::protocol::{ClientMessage, Frame};
use crate::session::{Session, SessionUser};

use super::turns::{Lane, Turns};

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
    if frame.is_ping() {
        return Route::Pong;
    }
    match (&session.user, frame.is_login()) {
        (None, true) => Route::Login(frame.into_login()),
        (None, false) => Route::Refuse(ClientError::LoginRequired),
        (Some(_), true) => Route::Refuse(ClientError::AlreadyLoggedIn),
        (Some(_), false) => Route::Serve(frame),
    }
}

/// What the hub does for [`serve`].
pub trait Handler {
    /// Whether `user` is an admin at this moment (an admin check may read
    /// D1, so it awaits).
    async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError>;

    /// Applies a message: stores it, changes memory, tells everyone.
    async fn apply(&self, user: &SessionUser, message: ClientMessage) -> Result<(), ClientError>;
}

/// Serves a logged-in user's message. The user's turn is taken before
/// anything awaits, so their messages are checked and applied in the order
/// they were sent, however long an admin check takes. Admin messages then
/// also wait for the admins' lane, so every admin's changes reach D1 and
/// memory in one order. Admin rights are checked before any field is read,
/// so a non-admin learns nothing from validation errors.
pub async fn serve(
    turns: &Turns,
    handler: &impl Handler,
    user: &SessionUser,
    frame: Frame,
) -> Result<(), ClientError> {
    let _turn = turns.wait(Lane::User(user.id)).await;
    let admin_only = frame.is_admin_only();
    if admin_only {
        handler.confirm_admin(user).await?;
    }
    let message = frame.into_message()?;
    let _admins = match admin_only {
        true => Some(turns.wait(Lane::Admin).await),
        false => None,
    };
    handler.apply(user, message).await
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
            Route::Serve(frame) => format!("serve admin={}", frame.is_admin_only()),
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
        applied: RefCell<Vec<ClientMessage>>,
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

        async fn apply(
            &self,
            _user: &SessionUser,
            message: ClientMessage,
        ) -> Result<(), ClientError> {
            self.applied.borrow_mut().push(message);
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
                ClientMessage::DeleteEvent { id: 1 },
                ClientMessage::DeleteEvent { id: 2 }
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
            vec![ClientMessage::Attend {
                event: 3,
                guests: None
            }]
        );
    }
}
