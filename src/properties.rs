//! Property tests of the pure message handling: arbitrary frames never make
//! the parser panic, and arbitrary sequences of changes, and of frames taken
//! through the hub's own routing, keep the catalog's invariants. A small
//! seeded generator keeps every run the same.

use std::cell::RefCell;
use std::collections::HashMap;
use std::pin::pin;
use std::task::Poll;

use crate::calendar::tests::Tz;
use crate::catalog::{Catalog, Event, Listed, Seat, SeatChange};
use crate::error::ClientError;
use crate::hub::cmd::{route, serve, Command, Handler, Incoming, Route};
use crate::hub::turns::{tests::poll, Turns};
use crate::protocol::{Frame, Kind};
use crate::seats::Party;
use crate::session::{Session, SessionUser};

/// When the property tests look at the listing: 2027-03-24 07:00 UTC.
const NOW: i64 = 1_805_871_600;

/// xorshift64*: enough randomness for inputs, no dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len() as u64) as usize]
    }
}

const PIECES: &[&str] = &[
    "{",
    "}",
    "[",
    "]",
    ",",
    ":",
    "\"",
    "\\",
    "type",
    "app",
    "mini_event",
    "login",
    "attend",
    "leave",
    "create-event",
    "edit-event",
    "delete-event",
    "event",
    "id",
    "title",
    "start",
    "duration",
    "image",
    "base64",
    "data",
    "null",
    "true",
    "-1",
    "0",
    "3",
    "1e308",
    "9:00",
    "25:00",
    "\u{0}",
    "é",
    "😀",
    "\"event\":",
    "\"type\":\"attend\"",
    "\"app\":\"mini_event\"",
];

/// Every message type a client may send, and one nobody knows.
const KINDS: &[&str] = &[
    "login",
    "attend",
    "leave",
    "create-event",
    "edit-event",
    "delete-event",
    "x",
];

/// The kinds the frame-sequence test sends: the seat messages often.
const SEQUENCE_KINDS: &[&str] = &[
    "login",
    "attend",
    "attend",
    "attend",
    "leave",
    "leave",
    "create-event",
    "edit-event",
    "delete-event",
    "x",
];

#[test]
fn arbitrary_frames_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let mut frame = String::new();
        for _ in 0..rng.below(24) {
            frame.push_str(rng.pick(PIECES));
        }
        if let Ok(parsed) = Frame::parse(&frame) {
            let _ = parsed.kind.role();
            match parsed.kind {
                Kind::Login => drop(parsed.into_login()),
                _ => drop(Command::parse(&parsed)),
            }
        }
    }
}

#[test]
fn well_formed_frames_with_random_fields_never_panic() {
    let mut rng = Rng(42);
    let kinds = KINDS;
    let values = [
        "1",
        "\"2\"",
        "-5",
        "1.5",
        "null",
        "[]",
        "{}",
        "\"\"",
        "\"9:00\"",
        "\"23:59\"",
        "24",
        "0.0001",
        "\"https://a.example/x.png\"",
        "{\"base64\":\"iVBORw0KGgo=\"}",
        "{\"base64\":\"!!\"}",
        "\"x\"",
        "99999999999999999999",
    ];
    let fields = [
        "event",
        "id",
        "title",
        "description",
        "start",
        "duration",
        "image",
        "data",
    ];
    for _ in 0..20_000 {
        let mut text = format!(
            r#"{{"type":"{}","app":"mini_event""#,
            kinds[rng.below(kinds.len() as u64) as usize]
        );
        for _ in 0..rng.below(6) {
            text.push_str(&format!(
                r#","{}":{}"#,
                fields[rng.below(fields.len() as u64) as usize],
                values[rng.below(values.len() as u64) as usize]
            ));
        }
        text.push('}');
        let Ok(frame) = Frame::parse(&text) else {
            continue;
        };
        if let Ok(Command::CreateEvent(create)) = Command::parse(&frame) {
            // Whatever was accepted is within the rules.
            let changes = create.changes;
            let title = changes.title.unwrap_or_default();
            assert!((1..=120).contains(&title.chars().count()), "{text}");
            assert!(
                changes.duration.is_some_and(|d| d > 0.0 && d <= 24.0),
                "{text}"
            );
        }
    }
}

/// An event as the model sees it: its limits, and who is going and waiting
/// (user, guests), in order.
#[derive(Debug, Clone, Default, PartialEq)]
struct ModelEvent {
    capacity: Option<u32>,
    max_guests: u32,
    closed: bool,
    going: Vec<(i64, u32)>,
    waiting: Vec<(i64, u32)>,
}

/// The seat rules as the contract words them, written plainly and on their
/// own (not `seats.rs`): first come, first served; a newcomer waits
/// whenever anyone waits; freed seats go to the waitlist's head while its
/// party fits; a going party that grows and no longer fits, and a waiting
/// party that grows, wait at the tail; lowering the capacity removes
/// nobody.
impl ModelEvent {
    fn taken(&self) -> u64 {
        self.going.iter().map(|(_, g)| 1 + u64::from(*g)).sum()
    }

    fn fits(&self, seats: u64) -> bool {
        self.capacity
            .is_none_or(|c| self.taken() + seats <= u64::from(c))
    }

    fn promote(&mut self) {
        while let Some(&(user, guests)) = self.waiting.first() {
            if !self.fits(1 + u64::from(guests)) {
                break;
            }
            self.waiting.remove(0);
            self.going.push((user, guests));
        }
    }

    /// What an attend answers: changed or not, or refused.
    fn attend(&mut self, user: i64, guests: Option<u32>) -> Result<bool, ClientError> {
        if self.closed {
            return Err(ClientError::RsvpsClosed);
        }
        let going = self.going.iter().position(|(u, _)| *u == user);
        let waiting = self.waiting.iter().position(|(u, _)| *u == user);
        let now = going
            .map(|i| self.going[i].1)
            .or(waiting.map(|i| self.waiting[i].1));
        let wanted = guests.or(now).unwrap_or(0);
        if now == Some(wanted) {
            return Ok(false);
        }
        if wanted > self.max_guests {
            return Err(ClientError::invalid("too many guests"));
        }
        match (going, waiting) {
            (Some(i), _) => {
                let old = self.going[i].1;
                let grown = u64::from(wanted.saturating_sub(old));
                if wanted <= old || self.fits(grown) {
                    self.going[i].1 = wanted;
                } else {
                    self.going.remove(i);
                    self.waiting.push((user, wanted));
                }
            }
            (None, Some(i)) if wanted > self.waiting[i].1 => {
                self.waiting.remove(i);
                self.waiting.push((user, wanted));
            }
            (None, Some(i)) => self.waiting[i].1 = wanted,
            (None, None) => {
                if self.waiting.is_empty() && self.fits(1 + u64::from(wanted)) {
                    self.going.push((user, wanted));
                } else {
                    self.waiting.push((user, wanted));
                }
            }
        }
        self.promote();
        Ok(true)
    }

    fn leave(&mut self, user: i64) -> bool {
        let before = (self.going.len(), self.waiting.len());
        self.going.retain(|(u, _)| *u != user);
        self.waiting.retain(|(u, _)| *u != user);
        let changed = before != (self.going.len(), self.waiting.len());
        self.promote();
        changed
    }

    fn configure(&mut self, capacity: Option<u32>, max_guests: u32, closed: bool) {
        self.capacity = capacity;
        self.max_guests = max_guests;
        self.closed = closed;
        self.promote();
    }
}

/// The model's view of a catalog event.
fn seen(event: &Event) -> ModelEvent {
    let pairs = |parties: &[Party]| parties.iter().map(|p| (p.user, p.guests)).collect();
    ModelEvent {
        capacity: event.seats.capacity,
        max_guests: event.seats.max_guests,
        closed: event.seats.closed,
        going: pairs(event.seats.going()),
        waiting: pairs(event.seats.waiting()),
    }
}

/// Checks what the catalog must always hold against the model: every event
/// listed once in (start, id) order, the same people going and waiting in
/// the same order with the same guests, and never more seats taken than
/// the capacity (unless it was lowered below them).
fn assert_consistent(catalog: &mut Catalog, model: &HashMap<i64, ModelEvent>, step: usize) {
    let listed = catalog.listing(&Tz::new("UTC"), NOW, 30 * 86_400);
    assert_eq!(listed.len(), model.len(), "step {step}");
    for pair in listed.windows(2) {
        let key = |l: &Listed| (l.occurrence.starts_at, l.id);
        assert!(key(&pair[0]) < key(&pair[1]), "step {step}");
    }
    for listed in listed {
        let Ok(event) = catalog.get(listed.id) else {
            panic!("listed {} is in the catalog", listed.id);
        };
        let expected = &model[&event.id];
        assert_eq!(&seen(event), expected, "step {step}: event {}", event.id);
        assert_eq!(event.attendee_count(), expected.taken(), "step {step}");
    }
}

/// The hub's seat path, as `hub/cmd/attend.rs` takes it after its D1
/// write: plan the change against memory, then commit the plan.
fn change_seats(catalog: &mut Catalog, change: SeatChange) -> Result<bool, ClientError> {
    let utc = crate::calendar::tests::Tz::new("UTC");
    let mut plan = catalog.plan(&[change], &utc, 0);
    let outcome = plan.outcomes.pop().unwrap_or(Err(ClientError::Internal));
    plan.outcomes.push(outcome.clone());
    catalog.commit(plan);
    outcome
}

/// Applies served commands to a catalog through the catalog's own rules,
/// the way the hub's commands do after their D1 writes, and to the model,
/// and checks that the two answered alike.
struct ModelHub {
    catalog: RefCell<Catalog>,
    model: RefCell<HashMap<i64, ModelEvent>>,
    next_id: RefCell<i64>,
    /// Attends that were refused because RSVPs were closed or for guests.
    refused: RefCell<usize>,
    /// Moves to a waitlist seen so far.
    waited: RefCell<usize>,
}

impl Handler for ModelHub {
    async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError> {
        match user.is_admin {
            true => Ok(()),
            false => Err(ClientError::Forbidden),
        }
    }

    async fn listed_host(&self, user: &SessionUser, event: i64) -> Result<bool, ClientError> {
        Ok(self
            .catalog
            .borrow()
            .get(event)
            .is_ok_and(|e| e.hosts.contains(&user.id)))
    }

    async fn apply(&self, user: &SessionUser, command: Command) -> Result<(), ClientError> {
        let mut catalog = self.catalog.borrow_mut();
        let mut model = self.model.borrow_mut();
        match command {
            Command::Attend(attend) => {
                let change = SeatChange {
                    event: attend.event,
                    user: user.id,
                    seat: Seat::Attend {
                        guests: attend.guests,
                        answers: None,
                        host: false,
                    },
                };
                let got = change_seats(&mut catalog, change);
                match model.get_mut(&attend.event) {
                    Some(event) => {
                        let wanted = event.attend(user.id, attend.guests);
                        assert_eq!(got.is_ok(), wanted.is_ok(), "{attend:?}: {got:?}");
                        if let (Ok(got), Ok(wanted)) = (&got, &wanted) {
                            assert_eq!(got, wanted, "{attend:?}");
                        } else {
                            *self.refused.borrow_mut() += 1;
                        }
                        if event.waiting.iter().any(|(u, _)| *u == user.id) {
                            *self.waited.borrow_mut() += 1;
                        }
                    }
                    None => assert_eq!(got, Err(ClientError::NoSuchEvent)),
                }
                got.map(|_| ())
            }
            Command::Leave(leave) => {
                let change = SeatChange {
                    event: leave.event,
                    user: user.id,
                    seat: Seat::Leave,
                };
                let got = change_seats(&mut catalog, change);
                match model.get_mut(&leave.event) {
                    Some(event) => assert_eq!(got, Ok(event.leave(user.id))),
                    None => assert_eq!(got, Err(ClientError::NoSuchEvent)),
                }
                got.map(|_| ())
            }
            Command::CreateEvent(create) => {
                assert!(user.is_admin, "only admins create");
                let mut next_id = self.next_id.borrow_mut();
                let mut event = Event::default().edited(&create.changes, None);
                event.id = *next_id;
                let mut empty = ModelEvent::default();
                let limits = &event.seats;
                empty.configure(limits.capacity, limits.max_guests, limits.closed);
                catalog.insert(event);
                model.insert(*next_id, empty);
                *next_id += 1;
                Ok(())
            }
            Command::EditEvent(edit) => {
                assert!(user.is_admin, "only admins edit");
                // As `hub/cmd/events.rs`: new limits planned, then applied.
                let planned = catalog.get(edit.id).map(|e| e.edited(&edit.changes, None));
                let Ok(edited) = planned else {
                    assert!(!model.contains_key(&edit.id));
                    return Err(ClientError::NoSuchEvent);
                };
                let (seats, _moves) = catalog.plan_limits(&edited)?;
                let limits = edited.seats.clone();
                assert!(catalog.replace(edited, Some(seats)).is_ok());
                if let Some(event) = model.get_mut(&edit.id) {
                    event.configure(limits.capacity, limits.max_guests, limits.closed);
                }
                Ok(())
            }
            // A setting of the user's own: nothing in the catalog.
            Command::SetReminder(_)
            | Command::Attendees(_)
            | Command::SetPrivacy(_)
            | Command::CheckIn(_)
            | Command::People(_)
            | Command::RemoveAttendee(_)
            | Command::Export(_)
            | Command::MessageAttendees(_)
            | Command::Approve(_)
            | Command::SetLanguage(_) => Ok(()),
            Command::DeleteEvent(delete) => {
                assert!(user.is_admin, "only admins delete");
                assert_eq!(
                    catalog.remove(delete.id).is_ok(),
                    model.remove(&delete.id).is_some()
                );
                Ok(())
            }
        }
    }
}

#[test]
fn random_frame_sequences_keep_seats_as_the_rules_say() {
    // Frames as a client would send them, valid and not, from admins,
    // others and sockets not logged in, taken through the hub's own routing
    // (`hub::cmd`): what needs a login, what needs an admin, in whose turn.
    // Only what it lets through reaches the catalog, and there the going
    // lists, waitlists, guests and capacities follow an independent model.
    let mut rng = Rng(2024);
    let hub = ModelHub {
        catalog: RefCell::new(Catalog::new(Vec::new(), [])),
        model: RefCell::new(HashMap::new()),
        next_id: RefCell::new(1),
        refused: RefCell::new(0),
        waited: RefCell::new(0),
    };
    let turns = Turns::default();
    let (mut served, mut forbidden) = (0, 0);
    for step in 0..20_000 {
        let kind = rng.pick(SEQUENCE_KINDS);
        let target = rng.below(*hub.next_id.borrow() as u64 + 1) as i64;
        let id_value = match rng.below(8) {
            0 => format!("\"{target}\""),
            1 => rng.pick(&["null", "-1", "1.5", "\"x\"", "[]"]).to_string(),
            _ => target.to_string(),
        };
        let mut text =
            format!(r#"{{"type":"{kind}","app":"mini_event","event":{id_value},"id":{id_value}"#);
        // Each field in one frame of `often`, picked from `values`.
        let mut field = |name: &str, often: u64, values: &[&str], rng: &mut Rng| {
            if rng.below(often) == 0 {
                text.push_str(&format!(r#","{name}":{}"#, rng.pick(values)));
            }
        };
        field("title", 1, &["\"Run\"", "\"Walk\"", "\"\""], &mut rng);
        field(
            "start",
            1,
            &["\"07:30\"", "\"9:00\"", "\"18:15\"", "\"24:00\""],
            &mut rng,
        );
        field("duration", 1, &["1", "2.5", "3", "25"], &mut rng);
        field("capacity", 2, &["1", "2", "3", "5", "null", "0"], &mut rng);
        field("max_guests", 3, &["0", "1", "2", "11"], &mut rng);
        field("closed", 4, &["false", "false", "true"], &mut rng);
        field("guests", 2, &["0", "1", "2", "3", "null"], &mut rng);
        text.push('}');
        let user = rng.below(9) as i64;
        let session = Session {
            // User 0 has not logged in.
            user: (user > 0).then(|| SessionUser {
                id: user,
                name: format!("User {user}"),
                is_admin: user <= 2,
                ..SessionUser::default()
            }),
            ..Session::default()
        };

        let Route::Serve(frame) = route(&session, Incoming::Text(&text)) else {
            continue;
        };
        let Some(user) = &session.user else {
            panic!("a socket not logged in was served: {text}");
        };
        let mut serving = pin!(serve(&turns, &hub, user, frame));
        let Poll::Ready(outcome) = poll(serving.as_mut()) else {
            panic!("nothing here waits, so a message is served at once: {text}");
        };
        match outcome {
            Ok(()) => served += 1,
            Err(ClientError::Forbidden) => forbidden += 1,
            Err(_) => {}
        }
        assert_consistent(&mut hub.catalog.borrow_mut(), &hub.model.borrow(), step);
    }
    assert!(served > 1_500, "enough frames were served ({served})");
    assert!(forbidden > 100, "non-admins were refused ({forbidden})");
    let created = *hub.next_id.borrow() - 1;
    assert!(created > 20, "events were created ({created})");
    let waited = *hub.waited.borrow();
    assert!(waited > 100, "people waited for seats ({waited})");
    let refused = *hub.refused.borrow();
    assert!(refused > 50, "attends were refused ({refused})");
}
