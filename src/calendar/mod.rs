//! Events on dates, in a time zone: civil dates, wall times turned into
//! instants with a zone's real rules, and the occurrences of one-off events
//! and daily or weekly series. Pure: the zone is a [`Zone`], which the
//! Worker answers through the runtime's `Intl` (`clock.rs`) and the host
//! tests through a real time zone database, so no zone data goes into the
//! WASM.
//!
//! Instants are Unix seconds; offsets are seconds east of UTC.

pub mod feed;
pub mod ics;

use std::fmt::Write as _;

/// A time zone, as far as dates need one.
pub trait Zone {
    /// The IANA name (`Europe/Berlin`).
    fn name(&self) -> &str;

    /// The offset from UTC in force at the instant `utc`, or `None` when
    /// the zone cannot say (an unknown zone).
    fn offset_at(&self, utc: i64) -> Option<i32>;
}

/// A day on the calendar, as days since 1970-01-01.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Day(pub i32);

const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];
const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

impl Day {
    /// Reads `YYYY-MM-DD`; `None` for anything else, or a day not on the
    /// calendar (`2027-02-30`).
    pub fn parse(text: &str) -> Option<Day> {
        let bytes = text.as_bytes();
        if bytes.len() != 10 || bytes[4] != b'-' || bytes[7] != b'-' {
            return None;
        }
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            let part = text.get(range)?;
            part.bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| part.parse().ok())
                .flatten()
        };
        let (year, month, day) = (number(0..4)? as i32, number(5..7)?, number(8..10)?);
        let day = Day::from_ymd(year, month, day)?;
        (day.ymd() == (year, month, number(8..10)?)).then_some(day)
    }

    /// The day `year-month-day`, if it is on the calendar.
    pub fn from_ymd(year: i32, month: u32, day: u32) -> Option<Day> {
        if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
            return None;
        }
        // Howard Hinnant's days_from_civil.
        let y = if month <= 2 { year - 1 } else { year } as i64;
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let m = month as i64;
        let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + day as i64 - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        i32::try_from(era * 146_097 + doe - 719_468).ok().map(Day)
    }

    /// (year, month, day).
    pub fn ymd(self) -> (i32, u32, u32) {
        let z = self.0 as i64 + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z - era * 146_097;
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        (year, month, day)
    }

    /// 0 for Monday to 6 for Sunday.
    pub fn weekday(self) -> u32 {
        // 1970-01-01 was a Thursday.
        (self.0 as i64 + 3).rem_euclid(7) as u32
    }

    pub fn plus(self, days: i32) -> Day {
        Day(self.0.saturating_add(days))
    }

    /// "Fri 5 Dec".
    pub fn label(self) -> String {
        let (_, month, day) = self.ymd();
        format!(
            "{} {day} {}",
            WEEKDAYS[self.weekday() as usize],
            MONTHS[month as usize - 1]
        )
    }

    /// The day of the instant `utc` in `zone`.
    pub fn of(zone: &dyn Zone, utc: i64) -> Option<Day> {
        local(zone, utc).map(|wall| wall.day)
    }
}

/// What the wall clock in a zone shows at an instant.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Local {
    pub day: Day,
    /// Seconds after midnight.
    pub seconds: u32,
}

impl Local {
    /// "19:00".
    pub fn time(self) -> String {
        wall_time(self.seconds / 60)
    }
}

/// The wall clock in `zone` at the instant `utc`: the one place an
/// instant becomes a local day and time (`None` when the zone cannot say).
pub fn local(zone: &dyn Zone, utc: i64) -> Option<Local> {
    let wall = utc + i64::from(zone.offset_at(utc)?);
    Some(Local {
        day: Day(wall.div_euclid(86_400) as i32),
        seconds: wall.rem_euclid(86_400) as u32,
    })
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (year, month, day) = self.ymd();
        write!(f, "{year:04}-{month:02}-{day:02}")
    }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) => 29,
        2 => 28,
        _ => 31,
    }
}

/// The instant at which the wall clock in `zone` shows `minutes` after
/// midnight of `day`, with the zone's real rules: a time that does not
/// exist (the spring-forward gap) moves forward by the gap, a time that
/// happens twice (the fall-back overlap) is the earlier one. Assumes at
/// most one change of offset within a day either side, as every zone has.
pub fn instant_of(zone: &dyn Zone, day: Day, minutes: u32) -> Option<i64> {
    let local = i64::from(day.0) * 86_400 + i64::from(minutes) * 60;
    let before = i64::from(zone.offset_at(local - 86_400)?);
    let after = i64::from(zone.offset_at(local + 86_400)?);
    let (early, late) = (local - before, local - after);
    let holds = |instant: i64, offset: i64| zone.offset_at(instant).map(i64::from) == Some(offset);
    Some(match (holds(early, before), holds(late, after)) {
        (true, true) => early.min(late),
        (false, true) => late,
        // Valid with the offset before, or in the gap: the offset before
        // the change moves the wall time forward by the gap.
        _ => early,
    })
}

/// `2027-03-28T03:30:00+02:00`: the instant as RFC 3339 with the offset in
/// force then.
pub fn rfc3339(zone: &dyn Zone, utc: i64) -> Option<String> {
    let offset = zone.offset_at(utc)?;
    let Local { day, seconds } = local(zone, utc)?;
    let mut text = format!(
        "{day}T{:02}:{:02}:{:02}",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    );
    let sign = if offset < 0 { '-' } else { '+' };
    let offset = offset.unsigned_abs();
    let _ = write!(text, "{sign}{:02}:{:02}", offset / 3600, offset / 60 % 60);
    Some(text)
}

/// How an event repeats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Repeat {
    /// Once, on its date.
    #[default]
    None,
    Daily,
    /// On its date's weekday.
    Weekly,
}

impl Repeat {
    pub fn parse(text: &str) -> Option<Repeat> {
        match text {
            "none" => Some(Repeat::None),
            "daily" => Some(Repeat::Daily),
            "weekly" => Some(Repeat::Weekly),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Repeat::None => "none",
            Repeat::Daily => "daily",
            Repeat::Weekly => "weekly",
        }
    }
}

/// When an event happens: a date (none for the seed's time-only events,
/// daily series), a wall time, a duration and how it repeats.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Schedule {
    pub date: Option<Day>,
    /// Minutes after midnight.
    pub start: u32,
    /// Hours.
    pub duration: f64,
    pub repeat: Repeat,
}

/// How long before an occurrence starts, and after it ends, its door is
/// open (people can be checked in).
pub const DOOR_GRACE: i64 = 12 * 3600;

/// One time an event happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Occurrence {
    pub day: Day,
    pub starts_at: i64,
    pub ends_at: i64,
}

impl Schedule {
    fn seconds(&self) -> i64 {
        (self.duration * 3600.0).round() as i64
    }

    /// The occurrence on `day`.
    pub fn on(&self, zone: &dyn Zone, day: Day) -> Option<Occurrence> {
        let starts_at = instant_of(zone, day, self.start)?;
        Some(Occurrence {
            day,
            starts_at,
            ends_at: starts_at + self.seconds(),
        })
    }

    /// The next occurrence at `now`: the earliest that has not ended; for a
    /// one-off, its only one (ended or not).
    pub fn next(&self, zone: &dyn Zone, now: i64) -> Option<Occurrence> {
        let step = match self.repeat {
            Repeat::None => return self.on(zone, self.date?),
            Repeat::Daily => 1,
            Repeat::Weekly => 7,
        };
        // An occurrence that began yesterday may not have ended (a
        // duration is at most a day).
        let yesterday = Day::of(zone, now)?.plus(-1);
        let mut day = match self.date {
            Some(first) if first > yesterday => first,
            Some(first) if step == 7 => {
                yesterday.plus((first.weekday() as i32 - yesterday.weekday() as i32).rem_euclid(7))
            }
            _ => yesterday,
        };
        for _ in 0..4 {
            let occurrence = self.on(zone, day)?;
            if occurrence.ends_at > now {
                return Some(occurrence);
            }
            day = day.plus(step);
        }
        None
    }

    /// The occurrences that start after `from`, up to and with `to`.
    pub fn starting_between(&self, zone: &dyn Zone, from: i64, to: i64) -> Vec<Occurrence> {
        let step = match self.repeat {
            Repeat::None => {
                let once = self.date.and_then(|day| self.on(zone, day));
                return once
                    .filter(|o| o.starts_at > from && o.starts_at <= to)
                    .into_iter()
                    .collect();
            }
            Repeat::Daily => 1,
            Repeat::Weekly => 7,
        };
        let mut found = Vec::new();
        let Some(mut occurrence) = self.next(zone, from) else {
            return found;
        };
        while occurrence.starts_at <= to && found.len() < 64 {
            if occurrence.starts_at > from {
                found.push(occurrence);
            }
            match self.on(zone, occurrence.day.plus(step)) {
                Some(next) => occurrence = next,
                None => break,
            }
        }
        found
    }

    /// The first two occurrences that start after `after` (the second
    /// `None` for a one-off): what the reminders need, kept with the event
    /// in D1 (`events.next_at`, `after_at`).
    pub fn upcoming(&self, zone: &dyn Zone, after: i64) -> [Option<Occurrence>; 2] {
        let step = match self.repeat {
            Repeat::None => {
                let once = self.date.and_then(|day| self.on(zone, day));
                return [once.filter(|o| o.starts_at > after), None];
            }
            Repeat::Daily => 1,
            Repeat::Weekly => 7,
        };
        let first = self
            .starting_between(zone, after, after + (step + 1) * 86_400)
            .into_iter()
            .next();
        let second = first.and_then(|o| self.on(zone, o.day.plus(step as i32)));
        [first, second]
    }

    /// The occurrence people are checked in for at `now`: the one that
    /// started most recently, while within its duration plus
    /// [`DOOR_GRACE`]; else the next one, if it starts within
    /// [`DOOR_GRACE`]; else none (the door is closed).
    pub fn door(&self, zone: &dyn Zone, now: i64) -> Option<Occurrence> {
        let step = match self.repeat {
            Repeat::None => 0,
            Repeat::Daily => 1,
            Repeat::Weekly => 7,
        };
        let mut occurrence = self.next(zone, now - DOOR_GRACE)?;
        let mut started = None;
        for _ in 0..3 {
            if occurrence.starts_at > now {
                break;
            }
            if occurrence.ends_at + DOOR_GRACE > now {
                started = Some(occurrence);
            }
            if step == 0 {
                break;
            }
            occurrence = self.on(zone, occurrence.day.plus(step))?;
        }
        started
            .or(Some(occurrence).filter(|o| o.starts_at > now && o.starts_at <= now + DOOR_GRACE))
    }

    /// Whether this is a one-off that has ended by `now`.
    pub fn is_over(&self, zone: &dyn Zone, now: i64) -> bool {
        self.repeat == Repeat::None && self.next(zone, now).is_some_and(|o| o.ends_at <= now)
    }
}

/// "HH:MM" for minutes after midnight.
pub fn wall_time(minutes: u32) -> String {
    format!("{:02}:{:02}", minutes / 60 % 24, minutes % 60)
}

/// Minutes after midnight of "HH:MM" (as `validate::normalize_start`
/// writes it).
pub fn minutes_of(start: &str) -> Option<u32> {
    let (hours, minutes) = start.split_once(':')?;
    let (hours, minutes): (u32, u32) = (hours.parse().ok()?, minutes.parse().ok()?);
    (hours < 24 && minutes < 60).then_some(hours * 60 + minutes)
}

#[cfg(test)]
pub mod tests {
    use super::*;

    /// A zone from a real time zone database (jiff's, bundled), for the
    /// host tests.
    pub struct Tz(pub jiff::tz::TimeZone, pub &'static str);

    impl Tz {
        pub fn new(name: &'static str) -> Tz {
            match jiff::tz::TimeZone::get(name) {
                Ok(zone) => Tz(zone, name),
                Err(error) => panic!("{name}: {error}"),
            }
        }
    }

    impl Zone for Tz {
        fn name(&self) -> &str {
            self.1
        }

        fn offset_at(&self, utc: i64) -> Option<i32> {
            let instant = jiff::Timestamp::from_second(utc).ok()?;
            Some(self.0.to_offset(instant).seconds())
        }
    }

    fn day(text: &str) -> Day {
        Day::parse(text).unwrap_or_else(|| panic!("{text} is a day"))
    }

    fn at(zone: &str, date: &str, time: &str) -> String {
        let zone = Tz::new(Box::leak(zone.to_string().into_boxed_str()));
        let minutes = minutes_of(time).unwrap_or_default();
        let instant = instant_of(&zone, day(date), minutes).unwrap_or_default();
        rfc3339(&zone, instant).unwrap_or_default()
    }

    #[test]
    fn days_round_trip_and_know_their_weekday() {
        assert_eq!(day("1970-01-01"), Day(0));
        assert_eq!(day("2027-03-28").to_string(), "2027-03-28");
        assert_eq!(day("2026-12-04").label(), "Fri 4 Dec");
        assert_eq!(day("2024-02-29").label(), "Thu 29 Feb");
        assert_eq!(day("1969-12-31"), Day(-1));
        for text in [
            "2027-02-30",
            "2027-02-29",
            "2027-13-01",
            "2027-00-10",
            "2027-1-01",
            "27-01-01",
            "2027/01/01",
            "2027-01-32",
            "",
            "+027-01-01",
            "2027-01-0x",
        ] {
            assert_eq!(Day::parse(text), None, "{text}");
        }
        let mut d = day("1999-12-25");
        for _ in 0..2000 {
            assert_eq!(Day::parse(&d.to_string()), Some(d));
            let next = d.plus(1);
            assert_eq!(next.weekday(), (d.weekday() + 1) % 7);
            d = next;
        }
    }

    /// Each `(date, time, instant)`: the wall time in `zone` is that instant.
    fn instants(zone: &str, cases: &[(&str, &str, &str)]) {
        for (date, time, expected) in cases {
            assert_eq!(at(zone, date, time), *expected, "{zone} {date} {time}");
        }
    }

    #[test]
    fn berlin_spring_gap_moves_forward_and_autumn_overlap_takes_the_earlier() {
        instants(
            "Europe/Berlin",
            &[
                ("2027-03-28", "02:30", "2027-03-28T03:30:00+02:00"),
                ("2027-03-28", "01:59", "2027-03-28T01:59:00+01:00"),
                ("2027-03-28", "03:00", "2027-03-28T03:00:00+02:00"),
                ("2027-10-31", "02:30", "2027-10-31T02:30:00+02:00"),
                ("2027-10-31", "03:00", "2027-10-31T03:00:00+01:00"),
                ("2027-07-01", "19:00", "2027-07-01T19:00:00+02:00"),
                ("2027-01-15", "19:00", "2027-01-15T19:00:00+01:00"),
            ],
        );
    }

    #[test]
    fn new_york_gap_and_overlap() {
        instants(
            "America/New_York",
            &[
                ("2027-03-14", "02:30", "2027-03-14T03:30:00-04:00"),
                ("2027-11-07", "01:30", "2027-11-07T01:30:00-04:00"),
                ("2027-11-07", "02:00", "2027-11-07T02:00:00-05:00"),
                ("2027-06-01", "00:00", "2027-06-01T00:00:00-04:00"),
            ],
        );
    }

    #[test]
    fn lord_howe_moves_by_half_an_hour() {
        // DST ends 2027-04-04 at 02:00 (clocks to 01:30), starts 2027-10-03
        // at 02:00 (clocks to 02:30).
        instants(
            "Australia/Lord_Howe",
            &[
                ("2027-10-03", "02:15", "2027-10-03T02:45:00+11:00"),
                ("2027-04-04", "01:45", "2027-04-04T01:45:00+11:00"),
                ("2027-04-04", "02:00", "2027-04-04T02:00:00+10:30"),
                ("2027-06-01", "12:00", "2027-06-01T12:00:00+10:30"),
            ],
        );
    }

    #[test]
    fn kolkata_has_one_offset_all_year() {
        instants(
            "Asia/Kolkata",
            &[
                ("2027-03-28", "02:30", "2027-03-28T02:30:00+05:30"),
                ("2027-10-31", "23:59", "2027-10-31T23:59:00+05:30"),
            ],
        );
        instants(
            "UTC",
            &[("2027-10-31", "23:59", "2027-10-31T23:59:00+00:00")],
        );
    }

    #[test]
    fn the_door_opens_twelve_hours_around_an_occurrence() {
        let berlin = Tz::new("Europe/Berlin");
        let at = |date: &str, time: &str| {
            instant_of(&berlin, day(date), minutes_of(time).unwrap_or(0)).unwrap_or(0)
        };
        let once = Schedule {
            date: Some(day("2027-03-26")),
            start: 19 * 60,
            duration: 3.0,
            repeat: Repeat::None,
        };
        let door = |s: &Schedule, date, time| s.door(&berlin, at(date, time)).map(|o| o.day);
        assert_eq!(
            door(&once, "2027-03-26", "06:59"),
            None,
            "more than 12 h ahead"
        );
        assert_eq!(door(&once, "2027-03-26", "07:00"), Some(day("2027-03-26")));
        assert_eq!(door(&once, "2027-03-26", "20:00"), Some(day("2027-03-26")));
        assert_eq!(door(&once, "2027-03-27", "09:59"), Some(day("2027-03-26")));
        assert_eq!(
            door(&once, "2027-03-27", "10:00"),
            None,
            "12 h after the end"
        );
        // A daily 20-hour event: at 07:00 the one that ended at 04:00 is
        // still the door's (it started most recently), not the next at 08:00.
        let daily = Schedule {
            date: None,
            start: 8 * 60,
            duration: 20.0,
            repeat: Repeat::Daily,
        };
        assert_eq!(door(&daily, "2027-03-27", "07:00"), Some(day("2027-03-26")));
        assert_eq!(door(&daily, "2027-03-27", "09:00"), Some(day("2027-03-27")));
        let weekly = Schedule {
            date: Some(day("2027-03-02")),
            start: 18 * 60,
            duration: 1.0,
            repeat: Repeat::Weekly,
        };
        assert_eq!(
            door(&weekly, "2027-03-31", "06:59"),
            Some(day("2027-03-30"))
        );
        assert_eq!(door(&weekly, "2027-03-31", "07:00"), None);
        assert_eq!(
            door(&weekly, "2027-03-30", "06:00"),
            Some(day("2027-03-30"))
        );
        assert_eq!(
            door(&weekly, "2027-03-31", "06:00"),
            Some(day("2027-03-30"))
        );
        assert_eq!(door(&weekly, "2027-04-02", "12:00"), None, "between weeks");
    }

    #[test]
    fn next_occurrences_of_one_offs_and_series() {
        let berlin = Tz::new("Europe/Berlin");
        let instant = |date: &str, time: &str| {
            instant_of(&berlin, day(date), minutes_of(time).unwrap_or(0)).unwrap_or(0)
        };
        let now = instant("2027-03-24", "12:00"); // a Wednesday
        let once = Schedule {
            date: Some(day("2027-03-26")),
            start: 19 * 60,
            duration: 3.0,
            repeat: Repeat::None,
        };
        let next = once.next(&berlin, now).expect("an occurrence");
        assert_eq!(next.day, day("2027-03-26"));
        assert_eq!(next.ends_at - next.starts_at, 3 * 3600);
        assert!(!once.is_over(&berlin, now));
        assert!(once.is_over(&berlin, instant("2027-03-26", "22:00")));
        assert!(!once.is_over(&berlin, instant("2027-03-26", "21:59")));

        let weekly = Schedule {
            date: Some(day("2027-03-02")), // a Tuesday
            start: 18 * 60,
            duration: 1.0,
            repeat: Repeat::Weekly,
        };
        assert_eq!(
            weekly.next(&berlin, now).map(|o| o.day),
            Some(day("2027-03-30"))
        );
        let tuesday_evening = instant("2027-03-30", "18:30");
        assert_eq!(
            weekly.next(&berlin, tuesday_evening).map(|o| o.day),
            Some(day("2027-03-30")),
            "still on until it ends"
        );
        assert_eq!(
            weekly
                .next(&berlin, instant("2027-03-30", "19:00"))
                .map(|o| o.day),
            Some(day("2027-04-06"))
        );
        assert!(!weekly.is_over(&berlin, instant("2030-01-01", "00:00")));
        let future_weekly = Schedule {
            date: Some(day("2027-05-04")),
            ..weekly
        };
        assert_eq!(
            future_weekly.next(&berlin, now).map(|o| o.day),
            Some(day("2027-05-04")),
            "a series starts on its date"
        );

        let daily = Schedule {
            date: None,
            start: 23 * 60 + 30,
            duration: 2.0,
            repeat: Repeat::Daily,
        };
        let just_after_midnight = instant("2027-03-25", "00:30");
        assert_eq!(
            daily.next(&berlin, just_after_midnight).map(|o| o.day),
            Some(day("2027-03-24")),
            "last night's is still on"
        );
        let at_two = instant("2027-03-25", "02:00");
        assert_eq!(
            daily.next(&berlin, at_two).map(|o| o.day),
            Some(day("2027-03-25"))
        );

        // A daily series across the spring gap keeps its wall time.
        let early = Schedule {
            date: None,
            start: 2 * 60 + 30,
            duration: 1.0,
            repeat: Repeat::Daily,
        };
        let gap_day = early.on(&berlin, day("2027-03-28")).expect("an occurrence");
        assert_eq!(
            rfc3339(&berlin, gap_day.starts_at).as_deref(),
            Some("2027-03-28T03:30:00+02:00")
        );
        assert_eq!(
            rfc3339(&berlin, gap_day.ends_at).as_deref(),
            Some("2027-03-28T04:30:00+02:00")
        );
        let after = early.on(&berlin, day("2027-03-29")).expect("an occurrence");
        assert_eq!(
            rfc3339(&berlin, after.starts_at).as_deref(),
            Some("2027-03-29T02:30:00+02:00")
        );
    }

    #[test]
    fn ends_at_carries_the_offset_in_force_then() {
        let berlin = Tz::new("Europe/Berlin");
        let night = Schedule {
            date: Some(day("2027-10-30")),
            start: 23 * 60,
            duration: 5.0,
            repeat: Repeat::None,
        };
        let occurrence = night.on(&berlin, day("2027-10-30")).expect("an occurrence");
        assert_eq!(
            rfc3339(&berlin, occurrence.starts_at).as_deref(),
            Some("2027-10-30T23:00:00+02:00")
        );
        assert_eq!(
            rfc3339(&berlin, occurrence.ends_at).as_deref(),
            Some("2027-10-31T03:00:00+01:00")
        );
    }

    #[test]
    fn the_next_two_starts_after_an_instant() {
        let berlin = Tz::new("Europe/Berlin");
        let weekly = Schedule {
            date: Some(day("2027-03-21")),
            start: 2 * 60 + 30,
            duration: 1.0,
            repeat: Repeat::Weekly,
        };
        let start = instant_of(&berlin, day("2027-03-21"), 150).unwrap_or(0);
        let [next, after] = weekly.upcoming(&berlin, start);
        assert_eq!(
            next.map(|o| o.day.to_string()).as_deref(),
            Some("2027-03-28")
        );
        assert_eq!(
            after.map(|o| o.day.to_string()).as_deref(),
            Some("2027-04-04")
        );
        let [first, _] = weekly.upcoming(&berlin, start - 1);
        assert_eq!(first.map(|o| o.starts_at), Some(start), "strictly after");
        let once = Schedule {
            repeat: Repeat::None,
            ..weekly
        };
        assert_eq!(
            once.upcoming(&berlin, start - 1),
            [once.on(&berlin, day("2027-03-21")), None]
        );
        assert_eq!(once.upcoming(&berlin, start), [None, None], "over");
        let daily = Schedule {
            date: None,
            repeat: Repeat::Daily,
            ..weekly
        };
        let [a, b] = daily.upcoming(&berlin, start);
        assert_eq!(a.map(|o| o.day.to_string()).as_deref(), Some("2027-03-22"));
        assert_eq!(b.map(|o| o.day.to_string()).as_deref(), Some("2027-03-23"));
    }

    #[test]
    fn occurrences_starting_in_a_window() {
        let berlin = Tz::new("Europe/Berlin");
        let daily = Schedule {
            date: None,
            start: 19 * 60,
            duration: 1.0,
            repeat: Repeat::Daily,
        };
        let noon = instant_of(&berlin, day("2027-03-24"), 12 * 60).unwrap_or(0);
        let days: Vec<String> = daily
            .starting_between(&berlin, noon, noon + 86_400)
            .iter()
            .map(|o| o.day.to_string())
            .collect();
        assert_eq!(days, ["2027-03-24"]);
        let two_days = daily.starting_between(&berlin, noon - 86_400, noon + 86_400);
        assert_eq!(two_days.len(), 2);
        let once = Schedule {
            date: Some(day("2027-03-25")),
            repeat: Repeat::None,
            ..daily
        };
        assert_eq!(
            once.starting_between(&berlin, noon, noon + 2 * 86_400)
                .len(),
            1
        );
        assert!(once
            .starting_between(&berlin, noon, noon + 86_400)
            .is_empty());
    }

    #[test]
    fn wall_times() {
        assert_eq!(minutes_of("09:05"), Some(545));
        assert_eq!(minutes_of("24:00"), None);
        assert_eq!(wall_time(545), "09:05");
    }
}
