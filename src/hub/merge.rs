//! Merged broadcasts, for announcement storms: when hundreds of people tap
//! Attend on one event within seconds, nobody needs every intermediate
//! count, only the latest one, quickly.
//!
//! Per event: a change with no broadcast of that event in the last
//! `BROADCAST_WINDOW_MS` goes out to everyone at once and opens a window.
//! Changes inside the window go only to the sockets of the user who made
//! them (they always see their own result at once) and mark the window;
//! at its end one broadcast sends everyone the latest state, which opens
//! the next window. So an event goes out at most once per window, and
//! every socket still ends with the stored state: each send is of the
//! state as it is when sent, so a socket sees an event's states in order.
//!
//! This type only keeps the windows; time is passed in, so the rules are
//! tested on the host. The hub sends, and waits for a window's end in the
//! handler that claims it ([`Windows::claim`]), outside any user's turn,
//! so a pending merge keeps the object awake only until it is flushed.

use std::cell::{Cell, RefCell};

/// Who a change goes to now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    /// Everyone: the event had no broadcast within the window.
    Everyone,
    /// The acting user's sockets; everyone else gets it at the window's end.
    Actor,
}

#[derive(Debug, Clone, Copy)]
struct Window {
    /// When the event last went out to everyone (ms).
    sent_at: f64,
    /// A change is waiting for the window's end.
    pending: bool,
    /// A handler waits to send it.
    claimed: bool,
    /// Which window this is: a claim is good only for the window it was
    /// made in (a late timer must not end the window after it).
    number: u64,
    /// The last user told at once, and the revision of the event they were
    /// sent: if nothing changed since, the window's end need not tell them
    /// again.
    told: Option<(i64, u64)>,
    /// The sockets' login count at the last change (`Sockets::logins`):
    /// sockets that logged in after it have the latest state already.
    logins: u64,
}

/// A handler's promise to send a window's merged changes at its end.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Claim {
    pub event: i64,
    /// When the window ends (ms).
    pub at: f64,
    window: u64,
}

pub struct Windows {
    window_ms: f64,
    /// Per busy event (a handful at once: a plain list, not a map).
    windows: RefCell<Vec<(i64, Window)>>,
    /// The last window number given out.
    numbers: Cell<u64>,
    /// For the benchmark's counters: broadcasts to everyone so far, and
    /// the shortest time between two of one event (ms).
    sent: Cell<(u64, f64)>,
}

impl Windows {
    pub fn new(window_ms: u64) -> Windows {
        Windows {
            window_ms: window_ms as f64,
            windows: RefCell::default(),
            numbers: Cell::new(0),
            sent: Cell::new((0, f64::INFINITY)),
        }
    }

    /// A change to `event` (now at `revision`) by `actor` at `now` (ms),
    /// with `logins` sockets logged in so far: who gets it now.
    pub fn change(&self, event: i64, revision: u64, actor: i64, logins: u64, now: f64) -> Audience {
        let mut windows = self.windows.borrow_mut();
        match window_of(&mut windows, event) {
            Some(window) if now - window.sent_at < self.window_ms => {
                window.pending = true;
                window.told = Some((actor, revision));
                window.logins = logins;
                Audience::Actor
            }
            _ => {
                let since = window_of(&mut windows, event).map(|w| now - w.sent_at);
                self.count(since);
                // Forget windows long over (and this event's), so the list
                // stays as small as the events that are busy. A late claim
                // of the window before is void: this broadcast carries its
                // changes too.
                windows.retain(|(e, w)| {
                    *e != event && (w.pending || now - w.sent_at < self.window_ms)
                });
                windows.push((event, self.open(now)));
                Audience::Everyone
            }
        }
    }

    /// Takes on sending one window's merged changes at its end. Each
    /// window is claimed once.
    pub fn claim(&self) -> Option<Claim> {
        let mut windows = self.windows.borrow_mut();
        let (event, window) = windows.iter_mut().find(|(_, w)| w.pending && !w.claimed)?;
        window.claimed = true;
        Some(Claim {
            event: *event,
            at: window.sent_at + self.window_ms,
            window: window.number,
        })
    }

    /// The claimed window ends at `now`: `Some` when its changes are still
    /// to be sent (not cancelled by a delete, nor sent already by a change
    /// after the window), with the user who holds which revision already
    /// (see [`Flush::skips`]). Sending opens the next window.
    pub fn flush(&self, claim: Claim, now: f64) -> Option<Flush> {
        let mut windows = self.windows.borrow_mut();
        match window_of(&mut windows, claim.event) {
            Some(window) if window.pending && window.number == claim.window => {
                self.count(Some(now - window.sent_at));
                let flush = Flush {
                    told: window.told,
                    logins: window.logins,
                };
                *window = self.open(now);
                Some(flush)
            }
            _ => None,
        }
    }

    /// The event is gone: nothing of it is sent any more.
    pub fn cancel(&self, event: i64) {
        self.windows.borrow_mut().retain(|(e, _)| *e != event);
    }

    /// (broadcasts to everyone, shortest gap between two of one event).
    pub fn sent(&self) -> (u64, f64) {
        self.sent.get()
    }

    /// A new window, opened by a broadcast to everyone at `now`.
    fn open(&self, now: f64) -> Window {
        self.numbers.set(self.numbers.get() + 1);
        Window {
            sent_at: now,
            pending: false,
            claimed: false,
            number: self.numbers.get(),
            told: None,
            logins: 0,
        }
    }

    fn count(&self, gap: Option<f64>) {
        let (n, shortest) = self.sent.get();
        self.sent
            .set((n + 1, gap.map_or(shortest, |g| shortest.min(g))));
    }
}

/// A window's end, to send.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Flush {
    told: Option<(i64, u64)>,
    logins: u64,
}

impl Flush {
    /// The user to leave out when the event is at `revision`: the last one
    /// told at once holds it already, so a second frame would only repeat.
    pub fn skips(&self, revision: u64) -> Option<i64> {
        self.told
            .filter(|(_, told)| *told == revision)
            .map(|(user, _)| user)
    }

    /// The sockets to tell: those logged in by the last change (`joined`
    /// at most this, see `Sockets::logins`); later ones have it.
    pub fn joined_by(&self) -> u64 {
        self.logins
    }
}

/// The window of `event`, if it has one.
fn window_of(windows: &mut [(i64, Window)], event: i64) -> Option<&mut Window> {
    windows
        .iter_mut()
        .find(|(e, _)| *e == event)
        .map(|(_, window)| window)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lone_change_goes_to_everyone_at_once() {
        let windows = Windows::new(50);
        assert_eq!(windows.change(1, 0, 9, 0, 1000.0), Audience::Everyone);
        assert_eq!(windows.claim(), None, "nothing waits");
        assert_eq!(
            windows.change(1, 0, 9, 0, 1060.0),
            Audience::Everyone,
            "the window is over"
        );
        assert_eq!(
            windows.change(2, 0, 9, 0, 1061.0),
            Audience::Everyone,
            "events have their own"
        );
    }

    #[test]
    fn changes_inside_the_window_are_merged_into_one_at_its_end() {
        let windows = Windows::new(50);
        assert_eq!(windows.change(1, 0, 9, 0, 1000.0), Audience::Everyone);
        assert_eq!(windows.change(1, 0, 9, 0, 1010.0), Audience::Actor);
        assert_eq!(windows.change(1, 0, 9, 0, 1020.0), Audience::Actor);
        let claim = windows.claim().expect("a window to send");
        assert_eq!((claim.event, claim.at), (1, 1050.0));
        assert_eq!(windows.claim(), None, "claimed once");
        assert_eq!(
            windows.change(1, 0, 9, 0, 1040.0),
            Audience::Actor,
            "still merged"
        );
        assert!(windows.flush(claim, 1050.0).is_some());
        assert!(windows.flush(claim, 1051.0).is_none(), "sent once");
        assert_eq!(
            windows.change(1, 0, 9, 0, 1070.0),
            Audience::Actor,
            "the trailing broadcast opens the next window"
        );
        let next = windows.claim().expect("the next window");
        assert_eq!(next.at, 1100.0);
        assert!(windows.flush(next, 1100.0).is_some());
        assert_eq!(windows.change(1, 0, 9, 0, 1200.0), Audience::Everyone);
        assert_eq!(windows.sent(), (4, 50.0));
    }

    #[test]
    fn the_window_end_skips_the_last_actor_if_nothing_changed_since() {
        let windows = Windows::new(50);
        windows.change(1, 1, 100, 0, 1000.0);
        assert_eq!(windows.change(1, 2, 200, 0, 1010.0), Audience::Actor);
        assert_eq!(windows.change(1, 3, 300, 0, 1020.0), Audience::Actor);
        let claim = windows.claim().expect("a window to send");
        let flush = windows.flush(claim, 1050.0).expect("to send");
        assert_eq!(flush.skips(3), Some(300), "the last actor holds revision 3");
        assert_eq!(flush.skips(4), None, "after another change, everyone");
    }

    #[test]
    fn a_late_claim_never_ends_the_window_after_its_own() {
        let windows = Windows::new(50);
        windows.change(1, 0, 9, 0, 1000.0);
        windows.change(1, 0, 9, 0, 1010.0);
        let late = windows.claim().expect("a window to send");
        // The claimer's timer is late: a change after the window goes out
        // at once, and the next change waits for the new window's end.
        assert_eq!(windows.change(1, 0, 9, 0, 1055.0), Audience::Everyone);
        assert_eq!(windows.change(1, 0, 9, 0, 1060.0), Audience::Actor);
        assert!(
            windows.flush(late, 1070.0).is_none(),
            "not 15 ms after the last"
        );
        let claim = windows.claim().expect("the new window");
        assert_eq!(claim.at, 1105.0);
        assert!(windows.flush(claim, 1105.0).is_some());
        assert_eq!(windows.sent(), (3, 50.0), "no two within a window");
    }

    #[test]
    fn a_delete_cancels_what_waits() {
        let windows = Windows::new(50);
        windows.change(1, 0, 9, 0, 1000.0);
        windows.change(1, 0, 9, 0, 1010.0);
        let claim = windows.claim().expect("a window to send");
        windows.cancel(1);
        assert!(
            windows.flush(claim, 1050.0).is_none(),
            "a deleted event is not sent"
        );
        assert_eq!(windows.change(1, 0, 9, 0, 1051.0), Audience::Everyone);
    }

    #[test]
    fn a_storm_goes_out_once_per_window() {
        // 100 changes a second for 10 s, one every 10 ms: at most one
        // broadcast per 50 ms window, plus the first.
        let windows = Windows::new(50);
        let mut broadcasts = 0;
        let mut claimed: Option<Claim> = None;
        for step in 0..1000 {
            let now = step as f64 * 10.0;
            if let Some(claim) = claimed {
                if now >= claim.at {
                    broadcasts += usize::from(windows.flush(claim, now).is_some());
                    claimed = None;
                }
            }
            if windows.change(7, step, 9, 0, now) == Audience::Everyone {
                broadcasts += 1;
            }
            claimed = claimed.or_else(|| windows.claim());
        }
        assert!(broadcasts <= 10_000 / 50 + 1, "{broadcasts} broadcasts");
        assert!(broadcasts >= 10_000 / 60, "{broadcasts} broadcasts");
        assert!(windows.sent().1 >= 50.0);
    }
}
