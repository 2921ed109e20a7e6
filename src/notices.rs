//! What the bot tells people going to (or waiting for) an event when it
//! changes under them: a spot opened, it moved, it was cancelled. Pure;
//! the texts are queued in the `notices` outbox (`store/events.rs`) and
//! sent by `notify.rs`.

use crate::calendar::{self, Occurrence, Zone};
use crate::catalog::Event;

/// "Fri 5 Dec, 20:00": an occurrence's day and start in the zone.
fn when(occurrence: &Occurrence, zone: &dyn Zone) -> String {
    let offset = zone.offset_at(occurrence.starts_at).unwrap_or(0);
    let local = occurrence.starts_at + i64::from(offset);
    let time = calendar::wall_time((local.rem_euclid(86_400) / 60) as u32);
    format!("{}, {time}", occurrence.day.label())
}

/// To a user promoted from the waitlist.
pub fn spot_opened(event: &Event, occurrence: Option<&Occurrence>, zone: &dyn Zone) -> String {
    match occurrence {
        Some(o) => format!(
            "A spot opened: you are going to {} ({})",
            event.title,
            when(o, zone)
        ),
        None => format!("A spot opened: you are going to {}", event.title),
    }
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
            let ends = o.ends_at;
            let offset = zone.offset_at(ends).unwrap_or(0);
            let end =
                calendar::wall_time(((ends + i64::from(offset)).rem_euclid(86_400) / 60) as u32);
            format!("{title} moved to {} (until {end}){place}", when(o, zone))
        }
        (true, None) => format!("{title} was moved{place}"),
        (false, _) if after.location.is_empty() => format!("{title} has no set place any more"),
        (false, _) => format!("{title} moved to {}", after.location),
    })
}

/// To everyone listed, when the event is deleted.
pub fn cancelled(event: &Event, occurrence: Option<&Occurrence>, zone: &dyn Zone) -> String {
    match occurrence {
        Some(o) => format!("{} ({}) was cancelled", event.title, when(o, zone)),
        None => format!("{} was cancelled", event.title),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::Tz;
    use crate::calendar::{Day, Repeat};

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
}
