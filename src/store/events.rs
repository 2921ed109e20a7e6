//! Events and attendance.
//!
//! An event's date, repeat and location (part two) are in `event_dates`,
//! keyed by the event: `ALTER TABLE` is not idempotent, and `schema.sql`
//! must be. An event without a row there is what the seed's rows are: a
//! daily event with no location.

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::{counters, int, Number};
use crate::calendar::{Day, Repeat};
use crate::catalog::{Catalog, Event, Listing, Profile};
use crate::seats::{self, Move, Party, Seats};
use crate::validate;

#[derive(Deserialize)]
struct EventRow {
    id: i64,
    title: String,
    description: String,
    image: String,
    start: String,
    duration: f64,
    date: Option<String>,
    repeat: String,
    location: String,
    capacity: Option<i64>,
    max_guests: i64,
    closed: i64,
    community: i64,
}

#[derive(Deserialize)]
struct ListingRow {
    event_id: i64,
    telegram_id: i64,
    guests: i64,
}

/// A person as listed: who, how they appear, and (in lists) their guests.
#[derive(Deserialize)]
struct PersonRow {
    telegram_id: i64,
    name: String,
    username: String,
    photo_url: String,
    hidden: i64,
    guests: i64,
}

impl From<PersonRow> for (i64, Profile) {
    fn from(row: PersonRow) -> Self {
        (
            row.telegram_id,
            Profile {
                name: row.name,
                username: row.username,
                photo_url: row.photo_url,
                hidden: row.hidden != 0,
            },
        )
    }
}

/// The columns of `events e LEFT JOIN event_dates d`, cast to the types
/// [`EventRow`] expects.
const EVENT_COLUMNS: &str = "e.id AS id, CAST(COALESCE(e.title, '') AS TEXT) AS title, \
     CAST(COALESCE(e.description, '') AS TEXT) AS description, \
     CAST(COALESCE(e.image, '') AS TEXT) AS image, \
     CAST(COALESCE(e.start, '') AS TEXT) AS start, \
     CAST(COALESCE(e.duration, 1) AS REAL) AS duration, \
     CAST(d.date AS TEXT) AS date, \
     CAST(COALESCE(d.repeat, 'daily') AS TEXT) AS repeat, \
     CAST(COALESCE(d.location, '') AS TEXT) AS location, \
     CAST(s.capacity AS INTEGER) AS capacity, \
     CAST(COALESCE(s.max_guests, 0) AS INTEGER) AS max_guests, \
     CAST(COALESCE(s.closed, 0) AS INTEGER) AS closed, \
     CAST(COALESCE(c.community_id, 0) AS INTEGER) AS community";

/// Events with their dates and seat limits.
const EVENTS: &str = "events e LEFT JOIN event_dates d ON d.event_id = e.id \
     LEFT JOIN event_seats s ON s.event_id = e.id \
     LEFT JOIN event_communities c ON c.event_id = e.id";

/// The ids of community ?1's events.
const EVENTS_OF: &str = "SELECT e.id FROM events e LEFT JOIN event_communities c \
     ON c.event_id = e.id WHERE COALESCE(c.community_id, 0) = ?1";

/// The columns of a person in a list: `users u LEFT JOIN user_profiles p`.
const PERSON_COLUMNS: &str = "CAST(u.telegram_id AS INTEGER) AS telegram_id, \
     CAST(COALESCE(u.name, '') AS TEXT) AS name, \
     CAST(COALESCE(u.username, '') AS TEXT) AS username, \
     CAST(COALESCE(p.photo_url, '') AS TEXT) AS photo_url, \
     CAST(COALESCE(p.hidden, 0) AS INTEGER) AS hidden, 0 AS guests";

/// Guests as a small whole number, whatever a hand-written row holds.
fn guests_of(value: i64) -> u32 {
    u32::try_from(value.clamp(0, i64::from(seats::MAX_GUESTS_LIMIT))).unwrap_or(0)
}

impl From<EventRow> for Event {
    fn from(row: EventRow) -> Event {
        Event {
            id: row.id,
            title: row.title,
            description: row.description,
            image: row.image,
            // Rows written by hand may say "9:00"; order needs "09:00".
            start: validate::normalize_start(&row.start).unwrap_or(row.start),
            duration: row.duration,
            date: row.date.as_deref().and_then(Day::parse),
            // A repeat that is not ours reads as the seed's meaning.
            repeat: Repeat::parse(&row.repeat).unwrap_or(Repeat::Daily),
            location: row.location,
            seats: Seats::new(
                row.capacity
                    .and_then(|c| u32::try_from(c).ok())
                    .filter(|c| *c > 0),
                guests_of(row.max_guests),
                row.closed != 0,
                Vec::new(),
                Vec::new(),
            ),
            community: row.community,
            revision: 0,
        }
    }
}

/// Reads community `community`'s events, who is going and who waits (each
/// in join order), and how the people listed appear, in one round trip.
pub async fn load_catalog(db: &D1Database, community: i64) -> Result<Catalog> {
    counters::read(4);
    let events = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} WHERE COALESCE(c.community_id, 0) = ?1"
        ))
        .bind(&[int(community)])?;
    let list = |table: &str| {
        db.prepare(format!(
            "SELECT CAST(l.event_id AS INTEGER) AS event_id, \
             CAST(l.telegram_id AS INTEGER) AS telegram_id, \
             CAST(COALESCE(g.guests, 0) AS INTEGER) AS guests FROM {table} l \
             LEFT JOIN party_guests g ON g.event_id = l.event_id AND g.telegram_id = l.telegram_id \
             WHERE l.event_id IN ({EVENTS_OF}) ORDER BY l.rowid"
        ))
        .bind(&[int(community)])
    };
    let profiles = db.prepare(format!(
        "SELECT {PERSON_COLUMNS} FROM users u LEFT JOIN user_profiles p ON p.telegram_id = u.telegram_id \
         WHERE u.telegram_id IN (SELECT telegram_id FROM attendance WHERE event_id IN ({EVENTS_OF}) \
           UNION SELECT telegram_id FROM waitlist WHERE event_id IN ({EVENTS_OF}))"
    ))
    .bind(&[int(community)])?;
    let results = db
        .batch(vec![
            events,
            list("attendance")?,
            list("waitlist")?,
            profiles,
        ])
        .await?;
    let [events, going, waiting, profiles] = results.as_slice() else {
        return Err("D1 batch returned an unexpected number of results".into());
    };
    let events = events
        .results::<EventRow>()?
        .into_iter()
        .map(Event::from)
        .collect();
    let listing = |row: ListingRow, going| Listing {
        event: row.event_id,
        party: Party {
            user: row.telegram_id,
            guests: guests_of(row.guests),
        },
        going,
    };
    let mut listings: Vec<Listing> = Vec::new();
    for row in going.results::<ListingRow>()? {
        listings.push(listing(row, true));
    }
    for row in waiting.results::<ListingRow>()? {
        listings.push(listing(row, false));
    }
    let profiles = profiles
        .results::<PersonRow>()?
        .into_iter()
        .map(<(i64, Profile)>::from)
        .collect();
    Ok(Catalog::with_seats(events, listings, profiles))
}

/// The people going to and waiting for `event`, in join order, with their
/// guests and how they appear.
pub async fn people(db: &D1Database, event: i64) -> Result<(Vec<Person>, Vec<Person>)> {
    counters::read(2);
    let list = |table: &str| -> Result<_> {
        db.prepare(format!(
            "SELECT CAST(l.telegram_id AS INTEGER) AS telegram_id, \
             CAST(COALESCE(u.name, '') AS TEXT) AS name, \
             CAST(COALESCE(u.username, '') AS TEXT) AS username, \
             CAST(COALESCE(p.photo_url, '') AS TEXT) AS photo_url, \
             CAST(COALESCE(p.hidden, 0) AS INTEGER) AS hidden, \
             CAST(COALESCE(g.guests, 0) AS INTEGER) AS guests \
             FROM {table} l LEFT JOIN users u ON u.telegram_id = l.telegram_id \
             LEFT JOIN user_profiles p ON p.telegram_id = l.telegram_id \
             LEFT JOIN party_guests g ON g.event_id = l.event_id AND g.telegram_id = l.telegram_id \
             WHERE l.event_id = ?1 ORDER BY l.rowid"
        ))
        .bind(&[int(event)])
    };
    let results = db
        .batch(vec![list("attendance")?, list("waitlist")?])
        .await?;
    let [going, waiting] = results.as_slice() else {
        return Err("D1 batch returned an unexpected number of results".into());
    };
    let people = |rows: Vec<PersonRow>| {
        rows.into_iter()
            .map(|row| Person {
                guests: guests_of(row.guests),
                profile: <(i64, Profile)>::from(row),
            })
            .collect()
    };
    Ok((
        people(going.results::<PersonRow>()?),
        people(waiting.results::<PersonRow>()?),
    ))
}

/// One person in a list: who, how they appear, their guests.
pub struct Person {
    pub profile: (i64, Profile),
    pub guests: u32,
}

/// One event, without attendees (for the bot, which does not go through the hub).
pub async fn event(db: &D1Database, id: i64) -> Result<Option<Event>> {
    counters::read(1);
    let row = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} WHERE e.id = ?1"
        ))
        .bind(&[int(id)])?
        .first::<EventRow>(None)
        .await?;
    Ok(row.map(Event::from))
}

/// Up to `limit` events whose title or description contains `text`
/// (ASCII letters case-insensitively), searched across all events.
pub async fn search_events(
    db: &D1Database,
    text: &str,
    limit: usize,
    communities: &[i64],
) -> Result<Vec<Event>> {
    // Ids from D1 (numbers), so writing them into the SQL is safe.
    let within: Vec<String> = communities.iter().map(i64::to_string).collect();
    counters::read(1);
    let pattern = format!(
        "%{}%",
        text.replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_")
    );
    let rows = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} \
             WHERE (e.title LIKE ?1 ESCAPE '\\' OR e.description LIKE ?1 ESCAPE '\\') \
             AND COALESCE(c.community_id, 0) IN ({}) \
             ORDER BY e.start, e.id LIMIT ?2",
            within.join(", ")
        ))
        .bind(&[JsValue::from_str(&pattern), JsValue::from_f64(limit as f64)])?
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// The events `telegram_id` attends, with their dates (for their calendar
/// feed).
pub async fn attended_by(db: &D1Database, telegram_id: i64) -> Result<Vec<Event>> {
    counters::read(1);
    let rows = db
        .prepare(format!(
            "SELECT {EVENT_COLUMNS} FROM {EVENTS} \
             WHERE e.id IN (SELECT event_id FROM attendance WHERE telegram_id = ?1) ORDER BY e.id"
        ))
        .bind(&[int(telegram_id)])?
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// Every event with its dates, without attendees (for the bot's listings
/// and the reminder cron, which work out occurrences themselves).
pub async fn all_events(db: &D1Database) -> Result<Vec<Event>> {
    counters::read(1);
    let rows = db
        .prepare(format!("SELECT {EVENT_COLUMNS} FROM {EVENTS}"))
        .all()
        .await?
        .results::<EventRow>()?;
    Ok(rows.into_iter().map(Event::from).collect())
}

/// A message the bot owes: to one user, or to everyone going to or
/// waiting for an event (as D1 has them when the batch runs).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    To { user: i64, text: String },
    EveryoneListed { event: i64, text: String },
}

const EXISTS: &str = "WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1)";

/// The statements of `moves` (see `seats.rs`), in order: the lists in D1
/// end in the order memory has them.
fn move_statements(db: &D1Database, moves: &[(i64, Move)]) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    let pair = |event: i64, user: i64| [int(event), int(user)];
    let set_guests = |event: i64, party: Party| -> Result<D1PreparedStatement> {
        match party.guests {
            0 => db
                .prepare("DELETE FROM party_guests WHERE event_id = ?1 AND telegram_id = ?2")
                .bind(&pair(event, party.user)),
            guests => db
                .prepare(format!(
                    "INSERT OR REPLACE INTO party_guests (event_id, telegram_id, guests) \
                     SELECT ?1, ?2, ?3 {EXISTS}"
                ))
                .bind(&[
                    int(event),
                    int(party.user),
                    JsValue::from_f64(f64::from(guests)),
                ]),
        }
    };
    for &(event, step) in moves {
        match step {
            Move::Join { party, going } => {
                let table = if going { "attendance" } else { "waitlist" };
                statements.push(
                    db.prepare(format!(
                        "INSERT OR IGNORE INTO {table} (event_id, telegram_id) SELECT ?1, ?2 {EXISTS}"
                    ))
                    .bind(&pair(event, party.user))?,
                );
                if party.guests > 0 {
                    statements.push(set_guests(event, party)?);
                }
            }
            Move::Regroup { party } => statements.push(set_guests(event, party)?),
            Move::Remove { user } => {
                for table in ["attendance", "waitlist", "party_guests"] {
                    statements.push(
                        db.prepare(format!(
                            "DELETE FROM {table} WHERE event_id = ?1 AND telegram_id = ?2"
                        ))
                        .bind(&pair(event, user))?,
                    );
                }
            }
            Move::Promote { user } => {
                statements.push(
                    db.prepare("DELETE FROM waitlist WHERE event_id = ?1 AND telegram_id = ?2")
                        .bind(&pair(event, user))?,
                );
                statements.push(
                    db.prepare(format!(
                        "INSERT OR IGNORE INTO attendance (event_id, telegram_id) SELECT ?1, ?2 {EXISTS}"
                    ))
                    .bind(&pair(event, user))?,
                );
            }
        }
    }
    Ok(statements)
}

/// The statements that queue `notices` at `now`. Users who blocked the
/// bot are left out.
fn notice_statements(
    db: &D1Database,
    notices: &[Notice],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    for notice in notices {
        statements.push(match notice {
            Notice::To { user, text } => db
                .prepare(
                    "INSERT INTO notices (telegram_id, text, status, created_at, updated_at) \
                     SELECT ?1, ?2, 'pending', ?3, ?3 \
                     WHERE ?1 NOT IN (SELECT telegram_id FROM bot_blocked)",
                )
                .bind(&[int(*user), JsValue::from_str(text), int(now)])?,
            Notice::EveryoneListed { event, text } => db
                .prepare(
                    "INSERT INTO notices (telegram_id, text, status, created_at, updated_at) \
                     SELECT telegram_id, ?2, 'pending', ?3, ?3 FROM \
                     (SELECT telegram_id FROM attendance WHERE event_id = ?1 \
                      UNION SELECT telegram_id FROM waitlist WHERE event_id = ?1) \
                     WHERE telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)",
                )
                .bind(&[int(*event), JsValue::from_str(text), int(now)])?,
        });
    }
    Ok(statements)
}

/// Stores seat moves and the notices they owe (a spot opened) in one
/// batch (one transaction). A move for an event that is gone by now
/// writes nothing, so no attendance outlives its event.
pub async fn write_seats(
    db: &D1Database,
    moves: &[(i64, Move)],
    notices: &[Notice],
    now: i64,
) -> Result<()> {
    let mut statements = move_statements(db, moves)?;
    statements.extend(notice_statements(db, notices, now)?);
    if statements.is_empty() {
        return Ok(());
    }
    counters::write(statements.len() as u64);
    db.batch(statements).await?;
    Ok(())
}

/// An event's stored fields, bound as ?1..?5 (title, description, image,
/// start, duration).
fn event_fields(event: &Event) -> [JsValue; 5] {
    [
        JsValue::from_str(&event.title),
        JsValue::from_str(&event.description),
        JsValue::from_str(&event.image),
        JsValue::from_str(&event.start),
        JsValue::from_f64(event.duration),
    ]
}

/// An event's seat limits, bound as ?2..?4.
fn seat_fields(event: &Event) -> [JsValue; 3] {
    let seats = &event.seats;
    [
        seats
            .capacity
            .map_or(JsValue::NULL, |c| JsValue::from_f64(f64::from(c))),
        JsValue::from_f64(f64::from(seats.max_guests)),
        JsValue::from_f64(if seats.closed { 1.0 } else { 0.0 }),
    ]
}

/// An event's date, repeat and location, bound as ?2..?4.
fn date_fields(event: &Event) -> [JsValue; 3] {
    [
        event
            .date
            .map(|d| JsValue::from_str(&d.to_string()))
            .unwrap_or(JsValue::NULL),
        JsValue::from_str(event.repeat.as_str()),
        JsValue::from_str(&event.location),
    ]
}

/// Stores a new event, its dates and seat limits in one batch (one
/// transaction) and returns the id D1 gave it.
pub async fn insert_event(db: &D1Database, event: &Event) -> Result<i64> {
    counters::write(4);
    let insert = db
        .prepare(
            "INSERT INTO events (title, description, image, start, duration) \
             VALUES (?1, ?2, ?3, ?4, ?5) RETURNING id AS n",
        )
        .bind(&event_fields(event))?;
    let dates = db
        .prepare(
            "INSERT INTO event_dates (event_id, date, repeat, location) \
             VALUES (last_insert_rowid(), ?1, ?2, ?3)",
        )
        .bind(&date_fields(event))?;
    // `event_dates.event_id` is its rowid, so `last_insert_rowid()` is
    // still the new event's id here.
    let seats = db
        .prepare(
            "INSERT INTO event_seats (event_id, capacity, max_guests, closed) \
             VALUES (last_insert_rowid(), ?1, ?2, ?3)",
        )
        .bind(&seat_fields(event))?;
    let home = db
        .prepare(
            "INSERT INTO event_communities (event_id, community_id) \
             SELECT last_insert_rowid(), ?1 WHERE ?1 != 0",
        )
        .bind(&[int(event.community)])?;
    let results = db.batch(vec![insert, dates, seats, home]).await?;
    let row = match results.first() {
        Some(result) => result.results::<Number>()?.into_iter().next(),
        None => None,
    };
    row.and_then(|row| row.n)
        .ok_or_else(|| "INSERT ... RETURNING gave no row".into())
}

/// Stores an event's new fields, dates and seat limits, the notices the
/// edit owes (queued before anyone moves, so they reach who was listed)
/// and the promotions new limits make, in one batch. `false` when the
/// event is gone from D1.
pub async fn update_event(
    db: &D1Database,
    event: &Event,
    moves: &[(i64, Move)],
    notices: &[Notice],
    now: i64,
) -> Result<bool> {
    let update = db
        .prepare(
            "UPDATE events SET title = ?1, description = ?2, image = ?3, start = ?4, \
             duration = ?5 WHERE id = ?6 RETURNING id AS n",
        )
        .bind(&[event_fields(event).as_slice(), &[int(event.id)]].concat())?;
    let dates = db
        .prepare(
            "INSERT INTO event_dates (event_id, date, repeat, location) \
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1) \
             ON CONFLICT (event_id) DO UPDATE SET date = excluded.date, \
             repeat = excluded.repeat, location = excluded.location",
        )
        .bind(&[&[int(event.id)], date_fields(event).as_slice()].concat())?;
    let seats = db
        .prepare(
            "INSERT INTO event_seats (event_id, capacity, max_guests, closed) \
             SELECT ?1, ?2, ?3, ?4 WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1) \
             ON CONFLICT (event_id) DO UPDATE SET capacity = excluded.capacity, \
             max_guests = excluded.max_guests, closed = excluded.closed",
        )
        .bind(&[&[int(event.id)], seat_fields(event).as_slice()].concat())?;
    let mut statements = vec![update, dates, seats];
    statements.extend(notice_statements(db, notices, now)?);
    statements.extend(move_statements(db, moves)?);
    counters::write(statements.len() as u64);
    let results = db.batch(statements).await?;
    let updated = match results.first() {
        Some(result) => !result.results::<Number>()?.is_empty(),
        None => false,
    };
    Ok(updated)
}

/// Removes an event, its dates, seats and lists in one batch (one
/// transaction), queuing `notices` for the people listed first.
pub async fn delete_event(db: &D1Database, id: i64, notices: &[Notice], now: i64) -> Result<()> {
    let mut statements = notice_statements(db, notices, now)?;
    for table in [
        "attendance",
        "waitlist",
        "party_guests",
        "event_seats",
        "event_dates",
        "event_communities",
    ] {
        statements.push(
            db.prepare(format!("DELETE FROM {table} WHERE event_id = ?1"))
                .bind(&[int(id)])?,
        );
    }
    statements.push(
        db.prepare("DELETE FROM events WHERE id = ?1")
            .bind(&[int(id)])?,
    );
    counters::write(statements.len() as u64);
    db.batch(statements).await?;
    Ok(())
}
