//! iCalendar (RFC 5545) for the calendar feeds: one-off events as a
//! `VEVENT` at their UTC instants, series as a `VEVENT` with a `RRULE` and
//! a `DTSTART;TZID=` in their zone, with a `VTIMEZONE` whose observances
//! are worked out from the zone's offsets (through `Intl` in the Worker)
//! from the series' first occurrence to two years ahead. Pure.

use std::fmt::Write as _;

use super::{Day, Repeat, Schedule, Zone};

/// How far ahead a `VTIMEZONE` describes its zone.
const YEARS_AHEAD: i64 = 2;

/// One event of a feed.
pub struct Entry<'a> {
    pub id: i64,
    pub title: &'a str,
    pub description: &'a str,
    pub location: &'a str,
    pub schedule: Schedule,
    pub zone: &'a dyn Zone,
    /// The Mini App link to the event, when the bot's names are set.
    pub url: Option<String>,
}

/// A calendar of `entries`, named `name`, stamped `now`; `host` makes the
/// `UID`s stable and unique (`event-7@events.example`).
pub fn calendar(entries: &[Entry], name: &str, host: &str, now: i64) -> String {
    let mut out = Lines::default();
    out.line("BEGIN:VCALENDAR");
    out.line("VERSION:2.0");
    out.line("PRODID:-//Mini Events//Mini Events//EN");
    out.line("CALSCALE:GREGORIAN");
    out.line("METHOD:PUBLISH");
    out.property("X-WR-CALNAME", name);
    let mut zones: Vec<(&str, i64)> = Vec::new();
    for entry in entries.iter().filter(|e| e.schedule.repeat != Repeat::None) {
        let Some(first) = first_start(entry, now) else {
            continue;
        };
        match zones.iter_mut().find(|(z, _)| *z == entry.zone.name()) {
            Some((_, from)) => *from = (*from).min(first),
            None => zones.push((entry.zone.name(), first)),
        }
    }
    for (name, from) in &zones {
        if let Some(entry) = entries.iter().find(|e| e.zone.name() == *name) {
            timezone(&mut out, entry.zone, *from, now);
        }
    }
    for entry in entries {
        event(&mut out, entry, host, now);
    }
    out.line("END:VCALENDAR");
    out.text
}

/// When a series' first occurrence in the feed starts.
fn first_start(entry: &Entry, now: i64) -> Option<i64> {
    match entry.schedule.date {
        Some(day) => entry.schedule.on(entry.zone, day).map(|o| o.starts_at),
        None => entry.schedule.next(entry.zone, now).map(|o| o.starts_at),
    }
}

fn event(out: &mut Lines, entry: &Entry, host: &str, now: i64) {
    let schedule = &entry.schedule;
    let occurrence = match (schedule.repeat, schedule.date) {
        (Repeat::None, Some(day)) => schedule.on(entry.zone, day),
        (_, Some(day)) => schedule.on(entry.zone, day),
        (_, None) => schedule.next(entry.zone, now),
    };
    let Some(occurrence) = occurrence else {
        return;
    };
    out.line("BEGIN:VEVENT");
    out.line(&format!("UID:event-{}@{host}", entry.id));
    out.line(&format!("DTSTAMP:{}", utc(now)));
    match schedule.repeat {
        Repeat::None => {
            out.line(&format!("DTSTART:{}", utc(occurrence.starts_at)));
            out.line(&format!("DTEND:{}", utc(occurrence.ends_at)));
        }
        repeat => {
            out.line(&format!(
                "DTSTART;TZID={}:{}",
                entry.zone.name(),
                local(occurrence.day, schedule.start)
            ));
            let minutes = (occurrence.ends_at - occurrence.starts_at) / 60;
            out.line(&format!("DURATION:PT{}H{}M", minutes / 60, minutes % 60));
            let frequency = match repeat {
                Repeat::Weekly => "WEEKLY",
                _ => "DAILY",
            };
            out.line(&format!("RRULE:FREQ={frequency}"));
        }
    }
    out.property("SUMMARY", entry.title);
    if !entry.description.is_empty() {
        out.property("DESCRIPTION", entry.description);
    }
    if !entry.location.is_empty() {
        out.property("LOCATION", entry.location);
    }
    if let Some(url) = &entry.url {
        out.line(&format!("URL:{url}"));
    }
    out.line("END:VEVENT");
}

/// The zone's observances from `from` (a series' first occurrence) to two
/// years after `now`, one per change of offset, found by looking at the
/// offset day by day and then narrowing each change down to the minute.
fn timezone(out: &mut Lines, zone: &dyn Zone, from: i64, now: i64) {
    let until = from.max(now) + YEARS_AHEAD * 366 * 86_400;
    let Some(first) = zone.offset_at(from) else {
        return;
    };
    let mut changes = Vec::new();
    let (mut at, mut offset) = (from, first);
    while at < until {
        let next = at + 86_400;
        let Some(then) = zone.offset_at(next) else {
            return;
        };
        if then != offset {
            // The change is in (at, next]: narrow it down.
            let (mut low, mut high) = (at, next);
            while high - low > 60 {
                let middle = low + (high - low) / 2;
                match zone.offset_at(middle) {
                    Some(o) if o == offset => low = middle,
                    _ => high = middle,
                }
            }
            changes.push((high - high.rem_euclid(60), offset, then));
            offset = then;
        }
        at = next;
    }
    let lowest = changes
        .iter()
        .map(|(_, _, to)| *to)
        .chain([first])
        .min()
        .unwrap_or(first);
    out.line("BEGIN:VTIMEZONE");
    out.line(&format!("TZID:{}", zone.name()));
    let observance = |out: &mut Lines, at: i64, from: i32, to: i32| {
        let kind = if to > lowest { "DAYLIGHT" } else { "STANDARD" };
        out.line(&format!("BEGIN:{kind}"));
        let wall = at + i64::from(from);
        let day = Day(wall.div_euclid(86_400) as i32);
        let minutes = (wall.rem_euclid(86_400) / 60) as u32;
        out.line(&format!("DTSTART:{}", local(day, minutes)));
        out.line(&format!("TZOFFSETFROM:{}", offset_text(from)));
        out.line(&format!("TZOFFSETTO:{}", offset_text(to)));
        out.line(&format!("END:{kind}"));
    };
    // The first observance begins at local midnight of the first day.
    let wall = from + i64::from(first);
    observance(
        out,
        wall - wall.rem_euclid(86_400) - i64::from(first),
        first,
        first,
    );
    for (at, from, to) in changes {
        observance(out, at, from, to);
    }
    out.line("END:VTIMEZONE");
}

/// `20270328T013000Z`.
fn utc(instant: i64) -> String {
    let day = Day(instant.div_euclid(86_400) as i32);
    let seconds = instant.rem_euclid(86_400);
    let (y, m, d) = day.ymd();
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}{:02}Z",
        seconds / 3600,
        seconds / 60 % 60,
        seconds % 60
    )
}

/// `20270328T023000` (a wall time, with no zone).
fn local(day: Day, minutes: u32) -> String {
    let (y, m, d) = day.ymd();
    format!(
        "{y:04}{m:02}{d:02}T{:02}{:02}00",
        minutes / 60,
        minutes % 60
    )
}

/// `+0200`, `-0430`, `+1030`.
fn offset_text(offset: i32) -> String {
    let sign = if offset < 0 { '-' } else { '+' };
    let abs = offset.unsigned_abs();
    let mut text = format!("{sign}{:02}{:02}", abs / 3600, abs / 60 % 60);
    if !abs.is_multiple_of(60) {
        let _ = write!(text, "{:02}", abs % 60);
    }
    text
}

/// Content lines with CRLF endings, folded at 75 octets.
#[derive(Default)]
struct Lines {
    text: String,
}

impl Lines {
    fn line(&mut self, line: &str) {
        let mut width = 0;
        for c in line.chars() {
            if width + c.len_utf8() > 75 {
                self.text.push_str("\r\n ");
                width = 1;
            }
            self.text.push(c);
            width += c.len_utf8();
        }
        self.text.push_str("\r\n");
    }

    /// A text property, escaped as RFC 5545 says.
    fn property(&mut self, name: &str, value: &str) {
        let mut escaped = String::with_capacity(value.len());
        for c in value.chars() {
            match c {
                '\\' => escaped.push_str("\\\\"),
                ';' => escaped.push_str("\\;"),
                ',' => escaped.push_str("\\,"),
                '\n' => escaped.push_str("\\n"),
                c if c.is_control() => {}
                c => escaped.push(c),
            }
        }
        self.line(&format!("{name}:{escaped}"));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::Tz;

    fn entry<'a>(zone: &'a Tz, id: i64, date: &str, repeat: Repeat) -> Entry<'a> {
        Entry {
            id,
            title: "Board games, again; really",
            description: "Line one\nLine two",
            location: "Café Zeit",
            schedule: Schedule {
                date: Day::parse(date),
                start: 2 * 60 + 30,
                duration: 1.5,
                repeat,
            },
            zone,
            url: Some(format!("https://t.me/bot/app?startapp={id}")),
        }
    }

    #[test]
    fn one_offs_are_utc_and_series_have_a_timezone() {
        let berlin = Tz::new("Europe/Berlin");
        let now = 1_800_000_000; // 2027-01-15
        let ics = calendar(
            &[
                entry(&berlin, 1, "2027-03-28", Repeat::None),
                entry(&berlin, 2, "2027-03-02", Repeat::Weekly),
            ],
            "Mini Events",
            "events.example",
            now,
        );
        assert!(ics.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
        assert!(ics.ends_with("END:VCALENDAR\r\n"));
        assert!(ics.contains("UID:event-1@events.example\r\n"));
        // 02:30 on the day of the spring gap is 03:30+02:00 = 01:30Z.
        assert!(ics.contains("DTSTART:20270328T013000Z\r\nDTEND:20270328T030000Z\r\n"));
        assert!(ics.contains("DTSTART;TZID=Europe/Berlin:20270302T023000\r\n"));
        assert!(ics.contains("DURATION:PT1H30M\r\nRRULE:FREQ=WEEKLY\r\n"));
        assert!(ics.contains("SUMMARY:Board games\\, again\\; really\r\n"));
        assert!(ics.contains("DESCRIPTION:Line one\\nLine two\r\n"));
        assert!(ics.contains("LOCATION:Café Zeit\r\n"));
        assert!(ics.contains("URL:https://t.me/bot/app?startapp=2\r\n"));
        assert!(ics.contains("BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\n"));
        assert!(ics.contains(
            "BEGIN:DAYLIGHT\r\nDTSTART:20270328T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n"
        ));
        assert!(ics.contains(
            "BEGIN:STANDARD\r\nDTSTART:20271031T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n"
        ));
        assert!(ics.contains("DTSTART:20281029T030000"), "two years ahead");
        assert!(ics.contains("BEGIN:STANDARD\r\nDTSTART:20270302T000000\r\nTZOFFSETFROM:+0100"));
        assert!(!ics.contains("DTSTART:2029"), "not further");
        assert_eq!(ics.matches("BEGIN:VTIMEZONE").count(), 1);
        assert!(ics.split("\r\n").all(|line| line.len() <= 75));
    }

    #[test]
    fn half_hour_offsets_and_long_lines() {
        let lord_howe = Tz::new("Australia/Lord_Howe");
        let mut long = entry(&lord_howe, 3, "2027-01-05", Repeat::Daily);
        let title = "x".repeat(200);
        long.title = &title;
        let ics = calendar(&[long], "Feed", "h", 1_800_000_000);
        assert!(ics.contains("TZOFFSETFROM:+1100\r\nTZOFFSETTO:+1030\r\n"));
        assert!(ics.contains("RRULE:FREQ=DAILY"));
        assert!(ics.split("\r\n").all(|line| line.len() <= 75));
        let unfolded = ics.replace("\r\n ", "");
        assert!(unfolded.contains(&format!("SUMMARY:{title}\r\n")));
    }
}
