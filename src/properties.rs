//! Property tests of the pure message handling: arbitrary frames never make
//! the parser panic, and arbitrary sequences of changes, and of frames taken
//! through the hub's own routing, keep the catalog's invariants. A small
//! seeded generator keeps every run the same.

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};
use std::pin::pin;
use std::task::Poll;

use crate::calendar::tests::Tz;
use crate::calendar::Repeat;
use crate::catalog::{Catalog, Event, Listed};

/// When the property tests look at the listing: 2027-03-24 07:00 UTC.
const NOW: i64 = 1_805_871_600;
use crate::error::ClientError;
use crate::hub::dispatch::{route, serve, Handler, Incoming, Route};
use crate::hub::turns::{tests::poll, Turns};
use crate::protocol::{ClientMessage, Frame};
use crate::session::{Session, SessionUser};
use crate::validate::EventChanges;

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

#[test]
fn arbitrary_frames_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    for _ in 0..20_000 {
        let mut frame = String::new();
        for _ in 0..rng.below(24) {
            frame.push_str(rng.pick(PIECES));
        }
        if let Ok(parsed) = Frame::parse(&frame) {
            let _ = parsed.is_admin_only();
            match parsed.is_login() {
                true => drop(parsed.into_login()),
                false => drop(parsed.into_message()),
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
        if let Ok(ClientMessage::CreateEvent(changes)) = frame.into_message() {
            // Whatever was accepted is within the rules.
            let title = changes.title.unwrap_or_default();
            assert!((1..=120).contains(&title.chars().count()), "{text}");
            assert!(
                changes.duration.is_some_and(|d| d > 0.0 && d <= 24.0),
                "{text}"
            );
        }
    }
}

#[test]
fn random_changes_keep_the_catalog_consistent() {
    let mut rng = Rng(7);
    let mut catalog = Catalog::new(Vec::new(), []);
    // A model of what the catalog should hold.
    let mut model: HashMap<i64, HashSet<i64>> = HashMap::new();
    let mut next_id = 1;
    for step in 0..20_000 {
        let event = rng.below(next_id as u64 + 2) as i64;
        let user = rng.below(20) as i64 + 1;
        match rng.below(10) {
            0 => {
                catalog.insert(Event {
                    id: next_id,
                    title: format!("E{next_id}"),
                    start: format!("{:02}:{:02}", rng.below(24), rng.below(60)),
                    duration: 1.0,
                    repeat: Repeat::Daily,
                    ..Event::default()
                });
                model.insert(next_id, HashSet::new());
                next_id += 1;
            }
            1 => {
                let removed = catalog.remove(event).is_ok();
                assert_eq!(removed, model.remove(&event).is_some(), "step {step}");
            }
            2 => {
                let changes = EventChanges {
                    start: Some(format!("{:02}:00", rng.below(24))),
                    ..EventChanges::default()
                };
                let edited = catalog.get(event).map(|e| e.edited(&changes, None));
                if let Ok(edited) = edited {
                    assert!(catalog.replace(edited, None).is_ok());
                }
            }
            3..=6 => set_attendance(&mut catalog, &mut model, event, user, true),
            _ => set_attendance(&mut catalog, &mut model, event, user, false),
        }
        if step % 1000 == 0 {
            assert_consistent(&mut catalog, &model, step);
        }
    }
}

/// Attends (`going`) or leaves in the catalog and the model alike, and
/// checks the catalog said what the model did.
fn set_attendance(
    catalog: &mut Catalog,
    model: &mut HashMap<i64, HashSet<i64>>,
    event: i64,
    user: i64,
    going: bool,
) {
    let changed = match going {
        true => catalog.attend(event, user),
        false => catalog.leave(event, user),
    };
    match model.get_mut(&event) {
        Some(set) if going => assert_eq!(changed, Ok(set.insert(user))),
        Some(set) => assert_eq!(changed, Ok(set.remove(&user))),
        None => assert!(changed.is_err(), "no attendance for a missing event"),
    }
}

/// Checks what the catalog must always hold against the model: every event
/// listed once in (start, id) order, counts equal to set sizes.
fn assert_consistent(catalog: &mut Catalog, model: &HashMap<i64, HashSet<i64>>, step: usize) {
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
        assert_eq!(
            event.attendee_count(),
            model[&event.id].len() as u64,
            "step {step}"
        );
        assert_eq!(going(event), model[&event.id], "step {step}");
    }
}

/// Who is going to `event`.
fn going(event: &Event) -> HashSet<i64> {
    event.seats.going().iter().map(|p| p.user).collect()
}

/// Applies served messages to a catalog, the way the hub's handlers do
/// after their D1 writes, and checks each against the model.
struct ModelHub {
    catalog: RefCell<Catalog>,
    model: RefCell<HashMap<i64, HashSet<i64>>>,
    next_id: RefCell<i64>,
}

impl Handler for ModelHub {
    async fn confirm_admin(&self, user: &SessionUser) -> Result<(), ClientError> {
        match user.is_admin {
            true => Ok(()),
            false => Err(ClientError::Forbidden),
        }
    }

    async fn apply(&self, user: &SessionUser, message: ClientMessage) -> Result<(), ClientError> {
        let mut catalog = self.catalog.borrow_mut();
        let mut model = self.model.borrow_mut();
        match message {
            ClientMessage::Attend { event, .. } => {
                set_attendance(&mut catalog, &mut model, event, user.id, true)
            }
            ClientMessage::Leave { event } => {
                set_attendance(&mut catalog, &mut model, event, user.id, false)
            }
            ClientMessage::CreateEvent(changes) => {
                assert!(user.is_admin, "only admins create");
                let mut next_id = self.next_id.borrow_mut();
                let mut event = Event::default().edited(&changes, None);
                event.id = *next_id;
                catalog.insert(event);
                model.insert(*next_id, HashSet::new());
                *next_id += 1;
            }
            ClientMessage::EditEvent { id, changes } => {
                assert!(user.is_admin, "only admins edit");
                match catalog.get(id).map(|e| e.edited(&changes, None)) {
                    Ok(edited) => {
                        assert!(catalog.replace(edited, None).is_ok());
                        let kept = catalog.get(id).map(going);
                        assert_eq!(
                            kept.ok().as_ref(),
                            model.get(&id),
                            "an edit keeps attendance"
                        );
                    }
                    Err(_) => assert!(!model.contains_key(&id)),
                }
            }
            // A setting of the user's own: nothing in the catalog.
            ClientMessage::SetReminder { .. }
            | ClientMessage::Attendees { .. }
            | ClientMessage::SetPrivacy { .. } => {}
            ClientMessage::DeleteEvent { id } => {
                assert!(user.is_admin, "only admins delete");
                assert_eq!(catalog.remove(id).is_ok(), model.remove(&id).is_some());
            }
        }
        Ok(())
    }
}

#[test]
fn random_frame_sequences_keep_the_catalog_consistent() {
    // Frames as a client would send them, valid and not, from admins,
    // others and sockets not logged in, taken through the hub's own routing
    // (`hub::dispatch`): what needs a login, what needs an admin, in whose
    // turn. Only what it lets through reaches the catalog.
    let mut rng = Rng(2024);
    let kinds = KINDS;
    let hub = ModelHub {
        catalog: RefCell::new(Catalog::new(Vec::new(), [])),
        model: RefCell::new(HashMap::new()),
        next_id: RefCell::new(1),
    };
    let turns = Turns::default();
    let (mut served, mut forbidden) = (0, 0);
    for step in 0..10_000 {
        let kind = rng.pick(kinds);
        let target = rng.below(*hub.next_id.borrow() as u64 + 1) as i64;
        let id_value = match rng.below(5) {
            0 => format!("\"{target}\""),
            1 => rng.pick(&["null", "-1", "1.5", "\"x\"", "[]"]).to_string(),
            _ => target.to_string(),
        };
        let mut text =
            format!(r#"{{"type":"{kind}","app":"mini_event","event":{id_value},"id":{id_value}"#);
        if rng.below(4) > 0 {
            text.push_str(&format!(
                r#","title":"{}""#,
                rng.pick(&["Run", "", " Walk ", "<b>x</b>"])
            ));
        }
        if rng.below(4) > 0 {
            text.push_str(&format!(
                r#","start":"{}""#,
                rng.pick(&["07:30", "9:00", "23:59", "24:00", "x"])
            ));
        }
        if rng.below(4) > 0 {
            text.push_str(&format!(
                r#","duration":{}"#,
                rng.pick(&["1", "2.5", "0", "25", "\"1\""])
            ));
        }
        text.push('}');
        let user = rng.below(7) as i64;
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
    assert!(served > 2_000, "enough frames were served ({served})");
    assert!(forbidden > 100, "non-admins were refused ({forbidden})");
    let created = *hub.next_id.borrow() - 1;
    assert!(created > 20, "events were created ({created})");
}
