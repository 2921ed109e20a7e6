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

use worker::console_error;

use super::sockets::{Refusal, Sockets, POLICY_VIOLATION};

/// The alarm looks at the queue at most this often; a socket may be closed
/// this much after its deadline.
pub const ALARM_GRANULARITY_MS: u64 = 1000;

/// The sockets waiting to log in, by deadline, and when the alarm is set.
pub struct Deadlines {
    /// `LOGIN_TIMEOUT_SECONDS`, in ms.
    timeout_ms: u64,
    /// (deadline in ms since the epoch, socket), earliest first. `None`
    /// until rebuilt after construction.
    queue: RefCell<Option<VecDeque<(u64, u64)>>>,
    /// When the alarm is set for, as far as this object knows (`None` after
    /// a wake until asked).
    alarm_at: Cell<Option<Option<u64>>>,
}

impl Deadlines {
    pub fn new(timeout_ms: u64) -> Deadlines {
        Deadlines {
            timeout_ms,
            queue: RefCell::new(None),
            alarm_at: Cell::new(None),
        }
    }

    fn queue<'a>(&'a self, sockets: &Sockets) -> RefMut<'a, VecDeque<(u64, u64)>> {
        RefMut::map(self.queue.borrow_mut(), |slot| {
            slot.get_or_insert_with(|| {
                let mut pending: Vec<(u64, u64)> = sockets
                    .pending()
                    .into_iter()
                    .map(|(socket, opened)| (opened.saturating_add(self.timeout_ms), socket))
                    .collect();
                pending.sort_unstable();
                pending.into()
            })
        })
    }

    /// Puts a socket that just opened at `opened` (ms) in line, and makes
    /// sure the alarm will come for it.
    pub async fn watch(&self, sockets: &Sockets, socket: u64, opened: u64, now_ms: u64) {
        let deadline = opened.saturating_add(self.timeout_ms);
        self.queue(sockets).push_back((deadline, socket));
        self.set_alarm_by(sockets, deadline, now_ms).await;
    }

    /// Closes (1008) every socket whose deadline has passed and that has
    /// not logged in (a login being checked right now is looked at again a
    /// timeout later, in case it fails), then sets the alarm for the next.
    pub async fn close_late(&self, sockets: &Sockets, now_ms: u64) {
        self.alarm_at.set(Some(None));
        loop {
            let due = {
                let mut queue = self.queue(sockets);
                match queue.front() {
                    Some(&(deadline, socket)) if deadline <= now_ms => {
                        queue.pop_front();
                        Some(socket)
                    }
                    _ => None,
                }
            };
            let Some(socket) = due else { break };
            let Some((ws, session)) = sockets.get(socket) else {
                continue;
            };
            if session.user.is_some() || session.refused {
                continue;
            }
            if sockets.is_logging_in(socket) {
                let later = now_ms.saturating_add(self.timeout_ms);
                self.queue(sockets).push_back((later, socket));
                continue;
            }
            sockets.close_for_good(&ws, Refusal::close(POLICY_VIOLATION, "login timeout"));
            sockets.forget(&ws);
        }
        let next = self
            .queue(sockets)
            .iter()
            .map(|(deadline, _)| *deadline)
            .min();
        if let Some(next) = next {
            self.set_alarm_by(sockets, next, now_ms).await;
        }
    }

    /// Makes sure the alarm fires no later than `deadline` (and no sooner
    /// than [`ALARM_GRANULARITY_MS`] from now). An alarm already set for
    /// earlier is left alone: it sets the next one itself.
    pub async fn set_alarm_by(&self, sockets: &Sockets, deadline: u64, now_ms: u64) {
        let storage = sockets.storage();
        let set = match self.alarm_at.get() {
            Some(set) => set,
            None => match storage.get_alarm().await {
                Ok(set) => set.map(|at| at.max(0) as u64),
                Err(e) => {
                    console_error!("reading the alarm failed: {e}");
                    None
                }
            },
        };
        if set.is_some_and(|at| at <= deadline) {
            self.alarm_at.set(Some(set));
            return;
        }
        let at = deadline.max(now_ms + ALARM_GRANULARITY_MS);
        match storage.set_alarm((at - now_ms) as i64).await {
            Ok(()) => self.alarm_at.set(Some(Some(at))),
            Err(e) => {
                self.alarm_at.set(None);
                console_error!("setting the alarm failed: {e}");
            }
        }
    }
}
