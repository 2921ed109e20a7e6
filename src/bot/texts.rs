//! The bot's English texts made where they are queued or answered:
//! notices (stored in English, with what their event was), inline
//! results, host messages, and the fallbacks. Pure, so each text is tested
//! on the host. A reader of another language gets the catalogs' words
//! instead (`static/i18n/`, read by `words.rs`), written when sent.
//!
//! Times are the venue's: the local time of an instant in the event's zone
//! (`calendar::local`).

use crate::calendar::{self, Local, Occurrence, Repeat, Zone};
use crate::catalog::Event;

/// The button under an inline result.
pub const OPEN_IN_APP: &str = "Open in Mini Events";

/// "1 h 30 min" for 1.5 hours.
pub fn duration(hours: f64) -> String {
    duration_in(
        hours,
        |h| Some(format!("{h} h")),
        |m| Some(format!("{m} min")),
    )
    .unwrap_or_default()
}

/// A duration of `hours` in whole hours and minutes, each part written by
/// `in_hours` and `in_minutes` ("0 min" when there is neither); `None`
/// when a part cannot be written.
pub fn duration_in(
    hours: f64,
    in_hours: impl Fn(i64) -> Option<String>,
    in_minutes: impl Fn(i64) -> Option<String>,
) -> Option<String> {
    let minutes = (hours * 60.0).round() as i64;
    let mut parts = Vec::new();
    if minutes >= 60 {
        parts.push(in_hours(minutes / 60)?);
    }
    if minutes % 60 != 0 || minutes == 0 {
        parts.push(in_minutes(minutes % 60)?);
    }
    Some(parts.join(" "))
}

/// "Fri 5 Dec · 19:00 · 3 h", and how it repeats: an occurrence starting
/// at `at` (the venue's time).
pub fn when(event: &Event, at: Local) -> String {
    let (at, then) = when_parts(event, at);
    at + &then
}

/// [`when`] in two: the day and time ("Fri 5 Dec · 19:00"), and what
/// follows (" · 3 h · weekly").
pub fn when_parts(event: &Event, at: Local) -> (String, String) {
    let repeat = match event.repeat {
        Repeat::None => "",
        Repeat::Daily => " · daily",
        Repeat::Weekly => " · weekly",
    };
    (
        format!("{} · {}", at.day.label(), at.time()),
        format!(" · {}{repeat}", duration(event.duration)),
    )
}

/// An inline result's message: the event, when, where, what, and the link.
pub fn inline_message(event: &Event, when: &str, link: &str) -> String {
    let mut message = format!("📅 {}\n🕒 {when}", event.title);
    if !event.description.is_empty() {
        message.push_str(&format!("\n\n{}", event.description));
    }
    message.push_str(&format!("\n\n{link}"));
    message
}

/// Where the time starts in [`inline_message`], in UTF-16 code units.
pub fn inline_when_at(event: &Event) -> usize {
    format!("📅 {}\n🕒 ", event.title).encode_utf16().count()
}

/// Text a user typed, as a reply quotes it: without control characters,
/// at most 64 of them.
pub fn as_given(given: &str) -> String {
    given.chars().filter(|c| !c.is_control()).take(64).collect()
}

/// "Fri 5 Dec, 20:00": an occurrence's day and start at the venue.
fn starts(occurrence: &Occurrence, zone: &dyn Zone) -> String {
    let time = calendar::local(zone, occurrence.starts_at)
        .map(Local::time)
        .unwrap_or_default();
    format!("{}, {time}", occurrence.day.label())
}

/// To a user promoted from the waitlist.
pub fn spot_opened(event: &Event, occurrence: Option<&Occurrence>, zone: &dyn Zone) -> String {
    match occurrence {
        Some(o) => format!(
            "A spot opened: you are going to {} ({})",
            event.title,
            starts(o, zone)
        ),
        None => format!("A spot opened: you are going to {}", event.title),
    }
}

/// A host's message to an event's attendees: the event's title, the text,
/// and the host's name, signed (the caller links the name to the host's
/// account: see [`signature_at`]).
pub fn host_message(title: &str, text: &str, host: &str) -> String {
    format!("{title}\n\n{text}\n\n— {host}")
}

/// Where the host's name starts in [`host_message`], and its length, in
/// UTF-16 code units (how Telegram counts entity offsets).
pub fn signature_at(message: &str, host: &str) -> (usize, usize) {
    let length = host.encode_utf16().count();
    (message.encode_utf16().count() - length, length)
}

/// To someone a host let in: going (`true`) or on the waitlist.
pub fn approved(
    event: &Event,
    going: bool,
    occurrence: Option<&Occurrence>,
    zone: &dyn Zone,
) -> String {
    let when = occurrence.map_or(String::new(), |o| format!(" ({})", starts(o, zone)));
    match going {
        true => format!("You're in: the organisers said yes, you are going to {}{when}.", event.title),
        false => format!(
            "The organisers said yes to {}{when}, but it is full: you are on the waitlist and hear from me when a spot opens.",
            event.title
        ),
    }
}

/// To someone whose request a host declined.
pub fn declined(title: &str) -> String {
    format!("The organisers could not take your request for {title} this time.")
}

/// To an event's hosts, when people ask to come (at most hourly).
pub fn new_requests(title: &str, waiting: usize) -> String {
    match waiting {
        1 => format!("Someone asks to come to {title}: open the app to answer."),
        n => format!("{n} people ask to come to {title}: open the app to answer."),
    }
}

/// To someone a host took off an event's lists.
pub fn removed(title: &str) -> String {
    format!("The organisers took you off the list for {title}.")
}

/// To everyone listed, when an edit moved `before` in time or place;
/// `None` when nothing they care about changed (a new title or picture).
pub fn changed(
    before: &Event,
    after: &Event,
    occurrence: Option<&Occurrence>,
    zone: &dyn Zone,
) -> Option<String> {
    let moved = before.schedule() != after.schedule();
    let relocated = before.location != after.location;
    if !moved && !relocated {
        return None;
    }
    let title = &after.title;
    let place = match after.location.as_str() {
        "" => String::new(),
        location => format!(" at {location}"),
    };
    Some(match (moved, occurrence) {
        (true, Some(o)) => {
            let end = calendar::local(zone, o.ends_at)
                .map(Local::time)
                .unwrap_or_default();
            format!("{title} moved to {} (until {end}){place}", starts(o, zone))
        }
        (true, None) => format!("{title} was moved{place}"),
        (false, _) if after.location.is_empty() => format!("{title} has no set place any more"),
        (false, _) => format!("{title} moved to {}", after.location),
    })
}

/// To everyone listed, when the event is deleted.
pub fn cancelled(event: &Event, occurrence: Option<&Occurrence>, zone: &dyn Zone) -> String {
    match occurrence {
        Some(o) => format!("{} ({}) was cancelled", event.title, starts(o, zone)),
        None => format!("{} was cancelled", event.title),
    }
}

/// When an occurrence starts, at the venue, as the English reminders say
/// it: "19:00", or with its day "Fri 5 Dec, 19:00".
pub fn starts_at(occurrence: &Occurrence, zone: &dyn Zone, with_day: bool) -> String {
    match with_day {
        true => starts(occurrence, zone),
        false => calendar::local(zone, occurrence.starts_at)
            .map(Local::time)
            .unwrap_or_default(),
    }
}

/// A reminder in English, for a lead the catalogs do not name: "Board
/// game night starts in 1 hour, 19:00", with the time of that occurrence
/// at the venue.
pub fn reminder(title: &str, minutes: u32, occurrence: &Occurrence, zone: &dyn Zone) -> String {
    let time = calendar::local(zone, occurrence.starts_at)
        .map(Local::time)
        .unwrap_or_default();
    match minutes {
        0 => format!("{title} is starting now, {time}"),
        1440 => format!(
            "{title} starts in 24 hours: {}, {time}",
            occurrence.day.label()
        ),
        60 => format!("{title} starts in 1 hour, {time}"),
        m if m % 60 == 0 => format!("{title} starts in {} hours, {time}", m / 60),
        m => format!("{title} starts in {m} minutes, {time}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_host_message_is_signed_where_its_entity_says() {
        let text = host_message("Café 🎲", "Door code 4711", "Zoë Ng");
        let (offset, length) = signature_at(&text, "Zoë Ng");
        let units: Vec<u16> = text.encode_utf16().collect();
        assert_eq!(
            String::from_utf16_lossy(&units[offset..offset + length]),
            "Zoë Ng"
        );
    }
    use crate::calendar::tests::Tz;
    use crate::calendar::{Day, Schedule};

    fn day(text: &str) -> Day {
        Day::parse(text).unwrap_or_else(|| panic!("{text}"))
    }

    fn board_games() -> Event {
        Event {
            id: 1,
            title: "Board game night".into(),
            start: "19:00".into(),
            duration: 3.0,
            date: Day::parse("2027-12-03"),
            repeat: Repeat::None,
            ..Event::default()
        }
    }

    #[test]
    fn says_what_changed() {
        let berlin = Tz::new("Europe/Berlin");
        let before = board_games();
        let after = Event {
            date: Day::parse("2027-12-10"),
            start: "20:00".into(),
            ..board_games()
        };
        let next = after.schedule().next(&berlin, 0);
        assert_eq!(
            changed(&before, &after, next.as_ref(), &berlin).as_deref(),
            Some("Board game night moved to Fri 10 Dec, 20:00 (until 23:00)")
        );
        let renamed = Event {
            title: "Games".into(),
            image: "https://x.example/p.png".into(),
            ..board_games()
        };
        assert_eq!(changed(&before, &renamed, None, &berlin), None);
        let hall = Event {
            location: "Town hall".into(),
            ..board_games()
        };
        assert_eq!(
            changed(&before, &hall, None, &berlin).as_deref(),
            Some("Board game night moved to Town hall")
        );
        let o = before.schedule().next(&berlin, 0);
        assert_eq!(
            cancelled(&before, o.as_ref(), &berlin),
            "Board game night (Fri 3 Dec, 19:00) was cancelled"
        );
        assert_eq!(
            spot_opened(&before, o.as_ref(), &berlin),
            "A spot opened: you are going to Board game night (Fri 3 Dec, 19:00)"
        );
    }

    #[test]
    fn the_text_gives_the_local_time_of_that_occurrence_across_a_dst_change() {
        let berlin = Tz::new("Europe/Berlin");
        let weekly = Schedule {
            date: Some(day("2027-03-21")),
            start: 2 * 60 + 30,
            duration: 1.0,
            repeat: Repeat::Weekly,
        };
        let gap = weekly
            .on(&berlin, day("2027-03-28"))
            .expect("an occurrence");
        assert_eq!(
            reminder("Night run", 60, &gap, &berlin),
            "Night run starts in 1 hour, 03:30",
            "the spring gap moves it"
        );
        let before = weekly
            .on(&berlin, day("2027-03-21"))
            .expect("an occurrence");
        assert_eq!(
            reminder("Night run", 15, &before, &berlin),
            "Night run starts in 15 minutes, 02:30"
        );
        assert_eq!(
            reminder("Night run", 0, &before, &berlin),
            "Night run is starting now, 02:30"
        );
        assert_eq!(
            reminder("Night run", 1440, &before, &berlin),
            "Night run starts in 24 hours: Sun 21 Mar, 02:30"
        );
    }

    #[test]
    fn durations() {
        assert_eq!(duration(0.25), "15 min");
        assert_eq!(duration(2.0), "2 h");
        assert_eq!(duration(1.5), "1 h 30 min");
    }
}
