//! The login timeout: a socket that has not logged in within
//! `LOGIN_TIMEOUT_SECONDS` is closed with 1008 `login timeout` by the
//! object's alarm (no timer keeps the object awake).
//!
//! Every socket has the same timeout, so deadlines come in the order the
//! sockets opened: a queue in that order is sorted by deadline. The alarm
//! takes only the sockets whose deadline has passed off its front, so its
//! cost follows the sockets that are due, not all sockets. It fires at most
//! once per [`ALARM_GRANULARITY_MS`], so a flood of new sockets cannot make
//! it fire for each of them. Memory does not survive hibernation: the first
//! use after a wake rebuilds the queue from the sockets still pending.

use std::cell::{Cell, RefCell, RefMut};
use std::collections::VecDeque;

use worker::{console_error, Date};

use super::{internal, EventHub, POLICY_VIOLATION};

/// The alarm looks at the queue at most this often; a socket may be closed
/// this much after its deadline.
pub const ALARM_GRANULARITY_MS: u64 = 1000;

#[derive(Default)]
pub struct Deadlines {
    /// (deadline in ms since the epoch, socket), earliest first. `None`
    /// until rebuilt after construction.
    queue: RefCell<Option<VecDeque<(u64, u64)>>>,
    /// When the alarm is set for, as far as this object knows (`None` after
    /// a wake until asked).
    alarm_at: Cell<Option<Option<u64>>>,
}

impl EventHub {
    fn deadlines(&self) -> RefMut<'_, VecDeque<(u64, u64)>> {
        RefMut::map(self.deadlines.queue.borrow_mut(), |slot| {
            slot.get_or_insert_with(|| {
                let timeout = self.config.login_timeout_ms;
                let mut pending: Vec<(u64, u64)> = self
                    .sockets
                    .pending(&self.state)
                    .into_iter()
                    .map(|(socket, opened)| (opened.saturating_add(timeout), socket))
                    .collect();
                pending.sort_unstable();
                pending.into()
            })
        })
    }

    /// Puts a socket that just opened at `opened` (ms) in line, and makes
    /// sure the alarm will come for it.
    pub(super) async fn watch_login_deadline(&self, socket: u64, opened: u64) {
        let deadline = opened.saturating_add(self.config.login_timeout_ms);
        self.deadlines().push_back((deadline, socket));
        self.set_alarm_by(deadline).await;
    }

    /// Closes (1008) every socket whose deadline has passed and that has
    /// not logged in (a login being checked right now is looked at again a
    /// timeout later, in case it fails), then sets the alarm for the next.
    pub(super) async fn close_late_logins(&self) {
        let now = Date::now().as_millis();
        self.deadlines.alarm_at.set(Some(None));
        loop {
            let due = {
                let mut queue = self.deadlines();
                match queue.front() {
                    Some(&(deadline, socket)) if deadline <= now => {
                        queue.pop_front();
                        Some(socket)
                    }
                    _ => None,
                }
            };
            let Some(socket) = due else { break };
            let Some((ws, mut session)) = self.sockets.get(&self.state, socket) else {
                continue;
            };
            if session.user.is_some() || session.refused {
                continue;
            }
            if self.sockets.is_logging_in(&self.state, socket) {
                let later = now.saturating_add(self.config.login_timeout_ms);
                self.deadlines().push_back((later, socket));
                continue;
            }
            session.refused = true;
            if let Err(e) = self.sockets.save(&self.state, &ws, &session) {
                internal("marking the session refused", e);
            }
            let _ = ws.close(Some(POLICY_VIOLATION), Some("login timeout"));
            self.sockets.forget(&self.state, socket);
        }
        let next = self.deadlines().iter().map(|(deadline, _)| *deadline).min();
        if let Some(next) = next {
            self.set_alarm_by(next).await;
        }
    }

    /// Makes sure the alarm fires no later than `deadline` (and no sooner
    /// than [`ALARM_GRANULARITY_MS`] from now). An alarm already set for
    /// earlier is left alone: it sets the next one itself.
    async fn set_alarm_by(&self, deadline: u64) {
        let storage = self.state.storage();
        let set = match self.deadlines.alarm_at.get() {
            Some(set) => set,
            None => match storage.get_alarm().await {
                Ok(set) => set.map(|at| at.max(0) as u64),
                Err(e) => {
                    console_error!("reading the login alarm failed: {e}");
                    None
                }
            },
        };
        if set.is_some_and(|at| at <= deadline) {
            self.deadlines.alarm_at.set(Some(set));
            return;
        }
        let now = Date::now().as_millis();
        let at = deadline.max(now + ALARM_GRANULARITY_MS);
        match storage.set_alarm((at - now) as i64).await {
            Ok(()) => self.deadlines.alarm_at.set(Some(Some(at))),
            Err(e) => {
                self.deadlines.alarm_at.set(None);
                console_error!("setting the login alarm failed: {e}");
            }
        }
    }
}
