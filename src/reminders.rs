//! When reminders are due (what they say is `bot/texts.rs`). Each user
//! chooses when theirs come (`set-reminder`: 0, 15, 60 or 1440 minutes
//! before, or none). A reminder `m` minutes ahead is due from the minute
//! `m` before an occurrence's start until the start (someone who joins
//! later still gets it); the one at the start, for [`LATE_SECONDS`] after
//! it (a late cron run loses none). One per occurrence and user: the
//! outbox keys them by the occurrence's local date.
//!
//! So each lead has a window of start times that are due now: the cron
//! reads only the events with an occurrence in one of them
//! (`events.next_at` and `after_at`, indexed: at most the events of the
//! next day), not every event (`store/outbox.rs`). Pure: tested here.

use crate::protocol::REMINDER_MINUTES;

/// Reminders at the start are still sent this long after it.
pub const LATE_SECONDS: i64 = 5 * 60;

/// A reminder not sent within this long of being recorded expires: it is
/// of no use any more.
pub const EXPIRE_SECONDS: i64 = 30 * 60;

/// The occurrences whose `minutes`-ahead reminder is due: those starting
/// after `from`, up to and with `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub minutes: u32,
    pub from: i64,
    pub to: i64,
}

/// Each lead's window at `now`.
pub fn windows(now: i64) -> [Window; 4] {
    REMINDER_MINUTES.map(|minutes| {
        let lead = i64::from(minutes) * 60;
        match minutes {
            0 => Window {
                minutes,
                from: now - LATE_SECONDS,
                to: now,
            },
            _ => Window {
                minutes,
                from: now,
                to: now + lead,
            },
        }
    })
}

/// Whether the `minutes`-ahead reminder of an occurrence starting at
/// `starts_at` is due at `now` (what the SQL of the windows finds).
#[cfg(test)]
pub fn is_due(starts_at: i64, minutes: u32, now: i64) -> bool {
    windows(now)
        .iter()
        .any(|w| w.minutes == minutes && starts_at > w.from && starts_at <= w.to)
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_805_000_000;

    fn due_at(now: i64) -> Vec<u32> {
        REMINDER_MINUTES
            .into_iter()
            .filter(|m| is_due(START, *m, now))
            .collect()
    }

    #[test]
    fn each_lead_is_due_from_its_minute_for_a_while_and_never_after_the_start() {
        assert_eq!(due_at(START - 1441 * 60), Vec::<u32>::new());
        assert_eq!(due_at(START - 1440 * 60), [1440]);
        assert_eq!(due_at(START - 61 * 60), [1440]);
        assert_eq!(due_at(START - 60 * 60), [60, 1440]);
        assert_eq!(due_at(START - 15 * 60), [15, 60, 1440]);
        assert_eq!(due_at(START - 60), [15, 60, 1440]);
        assert_eq!(due_at(START), [0]);
        assert_eq!(
            due_at(START + 4 * 60),
            [0],
            "at the start: a late run still sends"
        );
        assert_eq!(due_at(START + 6 * 60), Vec::<u32>::new());
    }

    #[test]
    fn the_windows_reach_a_day_ahead_at_most() {
        for window in windows(START) {
            assert!(window.from >= START - LATE_SECONDS, "{window:?}");
            assert!(window.to <= START + 86_400, "{window:?}");
        }
    }
}
