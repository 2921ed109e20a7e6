//! Which reminders are due (what they say is `bot/texts.rs`). Each user chooses when
//! theirs come (`set-reminder`: 0, 15, 60 or 1440 minutes before, or none);
//! a reminder is due from that many minutes before an occurrence until it
//! starts (the ones at the start, for a few minutes after, so a late cron
//! run loses none). One per occurrence and user: the outbox keys them by
//! the occurrence's local date. Pure; `notify.rs` sends them.

use crate::calendar::{Occurrence, Schedule, Zone};
use crate::protocol::REMINDER_MINUTES;
use crate::store::outbox::Reminder;

/// Reminders at the start are still sent this long after it.
pub const LATE_SECONDS: i64 = 5 * 60;

/// The reminders due at `now` for `events` (id and schedule), in `zone`.
pub fn due(events: &[(i64, Schedule)], zone: &dyn Zone, now: i64) -> Vec<Reminder> {
    let longest = i64::from(REMINDER_MINUTES.iter().copied().max().unwrap_or(0)) * 60;
    let mut due = Vec::new();
    for (event, schedule) in events {
        for occurrence in schedule.starting_between(zone, now - LATE_SECONDS, now + longest) {
            for minutes in REMINDER_MINUTES {
                if is_due(&occurrence, minutes, now) {
                    due.push(Reminder {
                        event: *event,
                        day: occurrence.day.to_string(),
                        minutes,
                    });
                }
            }
        }
    }
    due
}

fn is_due(occurrence: &Occurrence, minutes: u32, now: i64) -> bool {
    let lead = i64::from(minutes) * 60;
    match minutes {
        0 => occurrence.starts_at <= now && occurrence.starts_at > now - LATE_SECONDS,
        _ => occurrence.starts_at > now && occurrence.starts_at - lead <= now,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::Tz;
    use crate::calendar::{instant_of, Day, Repeat};

    fn day(text: &str) -> Day {
        Day::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    #[test]
    fn each_lead_time_is_due_from_its_minute_until_the_start() {
        let berlin = Tz::new("Europe/Berlin");
        let board = Schedule {
            date: Some(day("2027-03-26")),
            start: 19 * 60,
            duration: 3.0,
            repeat: Repeat::None,
        };
        let starts = instant_of(&berlin, day("2027-03-26"), 19 * 60).unwrap_or(0);
        let due_at = |now: i64| -> Vec<u32> {
            due(&[(7, board)], &berlin, now)
                .iter()
                .map(|r| r.minutes)
                .collect()
        };
        assert_eq!(due_at(starts - 1441 * 60), Vec::<u32>::new());
        assert_eq!(due_at(starts - 1440 * 60), [1440]);
        assert_eq!(due_at(starts - 61 * 60), [1440]);
        assert_eq!(due_at(starts - 60 * 60), [60, 1440]);
        assert_eq!(due_at(starts - 15 * 60), [15, 60, 1440]);
        assert_eq!(due_at(starts - 60), [15, 60, 1440]);
        assert_eq!(due_at(starts), [0]);
        assert_eq!(due_at(starts + 4 * 60), [0], "a late run still sends");
        assert_eq!(due_at(starts + 6 * 60), Vec::<u32>::new());
        let reminders = due(&[(7, board)], &berlin, starts);
        assert_eq!(reminders[0].day, "2027-03-26");
    }

    #[test]
    fn a_series_is_due_for_each_occurrence() {
        let utc = Tz::new("UTC");
        let daily = Schedule {
            date: None,
            start: 8 * 60,
            duration: 1.0,
            repeat: Repeat::Daily,
        };
        let monday = instant_of(&utc, day("2027-03-22"), 8 * 60).unwrap_or(0);
        for offset in [0, 86_400, 2 * 86_400] {
            let due = due(&[(1, daily)], &utc, monday + offset - 15 * 60);
            let days: Vec<_> = due.iter().map(|r| (r.day.as_str(), r.minutes)).collect();
            let expected = Day(day("2027-03-22").0 + (offset / 86_400) as i32).to_string();
            assert!(days.contains(&(expected.as_str(), 15)), "{days:?}");
        }
    }
}
