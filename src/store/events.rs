//! Events: one row each in `events`, with when and where they happen, their
//! seat limits and their community. The lists of who is going and waiting
//! are `seats.rs`.
//!
//! Rows written by other tools may hold anything SQLite allows, so every
//! read casts its columns to the types [`event_of`] expects: such a row
//! decodes instead of failing the whole load.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::seats::{self, Listed};
use super::{counters, int, Counted, Row};
use crate::calendar::{Day, Repeat};
use crate::catalog::{Catalog, Event, Profile};
use crate::seats::Seats;
use crate::validate;

/// The columns of `events`, cast to the types [`event_of`] expects.
const COLUMNS: &str = "id, CAST(COALESCE(title, '') AS TEXT) AS title, \
     CAST(COALESCE(description, '') AS TEXT) AS description, \
     CAST(COALESCE(image, '') AS TEXT) AS image, \
     CAST(COALESCE(start, '') AS TEXT) AS start, \
     CAST(COALESCE(duration, 1) AS REAL) AS duration, \
     CAST(date AS TEXT) AS date, \
     CAST(COALESCE(repeat, 'daily') AS TEXT) AS repeat, \
     CAST(COALESCE(location, '') AS TEXT) AS location, \
     CAST(capacity AS INTEGER) AS capacity, \
     CAST(COALESCE(max_guests, 0) AS INTEGER) AS max_guests, \
     CAST(COALESCE(closed, 0) AS INTEGER) AS closed, \
     CAST(COALESCE(community_id, 0) AS INTEGER) AS community, \
     CAST(COALESCE(image_bytes, 0) AS INTEGER) AS image_bytes, \
     CAST(COALESCE(hosts, '') AS TEXT) AS hosts, \
     CAST(COALESCE(approval, 0) AS INTEGER) AS approval, \
     CAST(COALESCE(questions, '') AS TEXT) AS questions";

/// An event from a row of [`COLUMNS`].
fn event_of(row: &Row) -> Event {
    let start = row.text("start").unwrap_or_default();
    Event {
        id: row.int("id").unwrap_or(0),
        title: row.text("title").unwrap_or_default(),
        description: row.text("description").unwrap_or_default(),
        image: row.text("image").unwrap_or_default(),
        image_bytes: row.int("image_bytes").unwrap_or(0).max(0) as u64,
        // Rows written by hand may say "9:00"; order needs "09:00".
        start: validate::normalize_start(&start).unwrap_or(start),
        duration: row.real("duration").unwrap_or(1.0),
        date: row.text("date").as_deref().and_then(Day::parse),
        // A repeat that is not ours reads as the seed's meaning.
        repeat: row
            .text("repeat")
            .as_deref()
            .and_then(Repeat::parse)
            .unwrap_or(Repeat::Daily),
        location: row.text("location").unwrap_or_default(),
        seats: Seats::new(
            row.int("capacity")
                .and_then(|c| u32::try_from(c).ok())
                .filter(|c| *c > 0),
            seats::guests_of(row.int("max_guests").unwrap_or(0)),
            row.flag("closed"),
            Vec::new(),
            Vec::new(),
        )
        .with_approval(row.flag("approval")),
        community: row.int("community").unwrap_or(0),
        hosts: hosts_of(&row.text("hosts").unwrap_or_default()),
        questions: questions_of(&row.text("questions").unwrap_or_default()),
        // Read by the hub's load only (others need not know).
        answered: row.flag("answered"),
        door: Default::default(),
        revision: 0,
    }
}

/// `events.hosts`: Telegram ids separated by commas (anything else in the
/// column is skipped).
fn hosts_of(text: &str) -> Vec<i64> {
    text.split(',')
        .filter_map(|id| id.trim().parse().ok())
        .filter(|id| *id > 0)
        .take(crate::catalog::MAX_HOSTS)
        .collect()
}

/// `events.questions`: a JSON array of texts (anything else: none).
fn questions_of(text: &str) -> Vec<String> {
    let mut questions: Vec<String> = serde_json::from_str(text).unwrap_or_default();
    questions.truncate(validate::MAX_QUESTIONS);
    questions
}

fn questions_text(questions: &[String]) -> String {
    match questions {
        [] => String::new(),
        _ => serde_json::to_string(questions).unwrap_or_default(),
    }
}

fn hosts_text(hosts: &[i64]) -> String {
    hosts
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

fn events(rows: Vec<Row>) -> Vec<Event> {
    rows.iter().map(event_of).collect()
}

/// Reads community `community`'s events, who is going and who waits (each
/// in join order), how the people listed appear, and the check-ins of
/// occurrences that started after `since`, in one round trip.
pub async fn load_catalog(
    db: &D1Database,
    community: i64,
    since: i64,
) -> Result<(Catalog, Vec<(i64, Profile)>)> {
    counters::read(1);
    let read = db
        .prepare(format!(
            "SELECT {COLUMNS}, \
             EXISTS (SELECT 1 FROM answers a WHERE a.event_id = events.id) AS answered \
             FROM events WHERE community_id = ?1"
        ))
        .bind(&[int(community)])?;
    let mut batch = vec![read, super::door::load_statement(db, community, since)?];
    batch.extend(seats::load_statements(db, community)?);
    let results = crate::store::batch(db, batch).await?;
    let [rows, checked, lists @ ..] = results.as_slice() else {
        return Err("D1 batch returned too few results".into());
    };
    let Listed {
        listings,
        profiles,
        requests,
    } = seats::read_loaded(lists)?;
    let events = events(super::rows(rows)?);
    let mut catalog = Catalog::with_seats(events, listings);
    catalog.load_requests(requests);
    catalog.load_check_ins(super::door::read_loaded(checked)?);
    Ok((catalog, profiles))
}

/// One event, without attendees (for the bot and feeds, which do not go
/// through a hub).
pub async fn event(db: &D1Database, id: i64) -> Result<Option<Event>> {
    counters::read(1);
    let row = db
        .prepare(format!("SELECT {COLUMNS} FROM events WHERE id = ?1"))
        .bind(&[int(id)])?
        .first_row()
        .await?;
    Ok(row.as_ref().map(event_of))
}

/// Events an inline search looks through at most, the soonest first: a
/// search reads this many rows however many events there are.
pub const SEARCHED: usize = 200;

/// For the bot's inline answers: events of `communities` that have not
/// started more than the reminders' late window before `now`, the soonest
/// first by their next start (`next_at`, indexed), and those whose next
/// start is still to be worked out (new or edited since the last cron
/// run). With `text`, those of the [`SEARCHED`] soonest whose title or
/// description contains it (ASCII letters case-insensitively), at most
/// `limit`; without, the `limit` soonest known and those still to be
/// worked out (the caller orders them all by their exact instants and
/// keeps `limit`). Either way D1 reads a bounded number of rows, not
/// every event.
pub async fn soonest(
    db: &D1Database,
    communities: &[i64],
    text: Option<&str>,
    limit: usize,
    now: i64,
) -> Result<Vec<Event>> {
    // Ids from D1 (numbers), so writing them into the SQL is safe.
    let within: Vec<String> = communities.iter().map(i64::to_string).collect();
    let within = within.join(", ");
    let pattern = text.map(|text| {
        format!(
            "%{}%",
            text.replace('\\', "\\\\")
                .replace('%', "\\%")
                .replace('_', "\\_")
        )
    });
    // `+community_id`: the soonest are found by walking `events_by_next`
    // in order (stopping at the limit), never by reading every event of
    // the communities and sorting them.
    // Events whose next start is still to be worked out (usually none:
    // the cron works them out within a minute) come as they are, up to
    // [`SEARCHED`]; without text, all of those are answered with the
    // `limit` soonest known, and the caller keeps the soonest `limit`.
    let (scan, answered, matching) = match pattern {
        Some(_) => (
            SEARCHED,
            limit,
            "WHERE title LIKE ?1 ESCAPE '\\' OR description LIKE ?1 ESCAPE '\\'",
        ),
        None => (limit, SEARCHED + limit, "WHERE ?1 IS NULL"),
    };
    counters::read(1);
    let rows = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM (\
               SELECT * FROM (SELECT * FROM events WHERE next_at IS NULL \
                 AND community_id IN ({within}) LIMIT ?5) \
               UNION ALL \
               SELECT * FROM (SELECT * FROM events WHERE next_at >= ?4 \
                 AND +community_id IN ({within}) ORDER BY next_at LIMIT ?3)) \
             {matching} LIMIT ?2"
        ))
        .bind(&[
            pattern.map_or(JsValue::NULL, |p| JsValue::from_str(&p)),
            JsValue::from_f64(answered as f64),
            JsValue::from_f64(scan as f64),
            int(now - crate::reminders::LATE_SECONDS),
            JsValue::from_f64(SEARCHED as f64),
        ])?
        .rows_all()
        .await?;
    Ok(events(super::rows(&rows)?))
}

/// The events `telegram_id` is going to (for their calendar feed).
pub async fn attended_by(db: &D1Database, telegram_id: i64) -> Result<Vec<Event>> {
    counters::read(1);
    let rows = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM events \
             WHERE id IN (SELECT event_id FROM attendance WHERE telegram_id = ?1) ORDER BY id"
        ))
        .bind(&[int(telegram_id)])?
        .rows_all()
        .await?;
    Ok(events(super::rows(&rows)?))
}

/// Events whose next starts are worked out in one cron run at most (one
/// read, one write, whatever the number).
const ADVANCE_PER_RUN: usize = 200;

/// Works out the next two starts (`next_at`, `after_at`: what the
/// reminders read) of the events that need it: those never worked out
/// (new, edited, written by hand, their community's zone changed) and
/// those whose next start is past the reminders' late window. The oldest
/// first, at most [`ADVANCE_PER_RUN`] a run.
pub async fn advance_next_starts(db: &D1Database, default_zone: &str, now: i64) -> Result<()> {
    let passed = now - crate::reminders::LATE_SECONDS;
    counters::read(1);
    let found = db
        .prepare(format!(
            "SELECT x.*, CAST(c.timezone AS TEXT) AS zone FROM (SELECT {COLUMNS} FROM events \
             WHERE next_at IS NULL OR (next_at >= 0 AND next_at <= ?1) \
             ORDER BY next_at LIMIT ?2) x LEFT JOIN communities c ON c.id = x.community"
        ))
        .bind(&[int(passed), JsValue::from_f64(ADVANCE_PER_RUN as f64)])?
        .rows_all()
        .await?;
    let rows = super::rows(&found)?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut zones: Vec<(String, crate::clock::IntlZone)> = Vec::new();
    let (mut ids, mut next_at, mut next_day, mut after_at, mut after_day) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for row in &rows {
        let event = event_of(row);
        let name = row.text("zone").unwrap_or_else(|| default_zone.to_string());
        if !zones.iter().any(|(n, _)| *n == name) {
            zones.push((name.clone(), crate::clock::IntlZone::or_utc(&name)));
        }
        let Some((_, zone)) = zones.iter().find(|(n, _)| *n == name) else {
            continue;
        };
        let [first, second] = event.schedule().upcoming(zone, passed);
        let (id, at) = (event.id, |o: Option<crate::calendar::Occurrence>| {
            o.map_or("-1".to_string(), |o| o.starts_at.to_string())
        });
        let day = |o: Option<crate::calendar::Occurrence>| {
            o.map_or("NULL".to_string(), |o| format!("'{}'", o.day))
        };
        ids.push(id.to_string());
        next_at.push(format!("WHEN {id} THEN {}", at(first)));
        next_day.push(format!("WHEN {id} THEN {}", day(first)));
        after_at.push(format!("WHEN {id} THEN {}", at(second)));
        after_day.push(format!("WHEN {id} THEN {}", day(second)));
    }
    // Ids, instants and days we made: safe to write into the SQL, and one
    // statement however many events.
    counters::write(1);
    db.prepare(format!(
        "UPDATE events SET next_at = CASE id {} END, next_day = CASE id {} END, \
         after_at = CASE id {} END, after_day = CASE id {} END WHERE id IN ({})",
        next_at.join(" "),
        next_day.join(" "),
        after_at.join(" "),
        after_day.join(" "),
        ids.join(", ")
    ))
    .write()
    .await?;
    Ok(())
}

/// Forgets the next starts of community `community`'s events (its zone
/// changed): the next cron run works them out again.
pub fn forget_next_starts(db: &D1Database, community: i64) -> Result<worker::D1PreparedStatement> {
    db.prepare("UPDATE events SET next_at = NULL WHERE community_id = ?1")
        .bind(&[int(community)])
}

/// An event's stored fields, bound as ?1..?16 (the community last).
fn fields(event: &Event) -> Vec<JsValue> {
    let seats = &event.seats;
    vec![
        JsValue::from_str(&event.title),
        JsValue::from_str(&event.description),
        JsValue::from_str(&event.image),
        JsValue::from_str(&event.start),
        JsValue::from_f64(event.duration),
        event
            .date
            .map(|d| JsValue::from_str(&d.to_string()))
            .unwrap_or(JsValue::NULL),
        JsValue::from_str(event.repeat.as_str()),
        JsValue::from_str(&event.location),
        seats
            .capacity
            .map_or(JsValue::NULL, |c| JsValue::from_f64(f64::from(c))),
        JsValue::from_f64(f64::from(seats.max_guests)),
        JsValue::from_f64(if seats.closed { 1.0 } else { 0.0 }),
        JsValue::from_f64(event.image_bytes as f64),
        JsValue::from_str(&hosts_text(&event.hosts)),
        JsValue::from_f64(if seats.approval { 1.0 } else { 0.0 }),
        JsValue::from_str(&questions_text(&event.questions)),
        int(event.community),
    ]
}

/// Stores a new event and returns the id D1 gave it.
pub async fn insert(db: &D1Database, event: &Event) -> Result<i64> {
    counters::write(1);
    let row = db
        .prepare(
            "INSERT INTO events (title, description, image, start, duration, date, repeat, \
             location, capacity, max_guests, closed, image_bytes, hosts, approval, questions, \
             community_id, next_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, NULL) \
             RETURNING id AS n",
        )
        .bind(&fields(event))?
        .first_row()
        .await?;
    row.and_then(|row| row.int("n"))
        .ok_or_else(|| "INSERT ... RETURNING gave no row".into())
}

/// Stores an event's new fields, the notices the edit owes (queued before
/// anyone moves, so they reach who was listed), the promotions new
/// limits make, and when its requests now lapse (`relapse`: it moved in
/// time), in one batch. `false` when the event is gone from D1.
pub async fn update(
    db: &D1Database,
    event: &Event,
    moves: &[(i64, crate::seats::Move)],
    notices: &[super::outbox::Notice],
    relapse: Option<i64>,
    now: i64,
) -> Result<bool> {
    let mut values = fields(event);
    values.pop(); // the community does not change
    values.push(int(event.id));
    let update = db
        .prepare(
            "UPDATE events SET title = ?1, description = ?2, image = ?3, start = ?4, \
             duration = ?5, date = ?6, repeat = ?7, location = ?8, capacity = ?9, \
             max_guests = ?10, closed = ?11, image_bytes = ?12, hosts = ?13, approval = ?14, \
             questions = ?15, next_at = NULL WHERE id = ?16 RETURNING id AS n",
        )
        .bind(&values)?;
    let mut statements = vec![update];
    statements.extend(super::outbox::notice_statements(db, notices, now)?);
    statements.extend(seats::move_statements(db, moves)?);
    if let Some(lapses_at) = relapse {
        statements.push(
            db.prepare("UPDATE requests SET lapses_at = ?2 WHERE event_id = ?1")
                .bind(&[int(event.id), int(lapses_at)])?,
        );
    }
    counters::write(statements.len() as u64);
    let results = crate::store::batch(db, statements).await?;
    let updated = match results.first() {
        Some(result) => !super::rows(result)?.is_empty(),
        None => false,
    };
    Ok(updated)
}

/// Removes an event and its lists in one batch (one transaction), queuing
/// `notices` for the people listed first.
pub async fn delete(
    db: &D1Database,
    id: i64,
    notices: &[super::outbox::Notice],
    now: i64,
) -> Result<()> {
    let mut statements = super::outbox::notice_statements(db, notices, now)?;
    statements.extend(seats::clear_statements(db, id)?);
    statements.push(
        db.prepare("DELETE FROM events WHERE id = ?1")
            .bind(&[int(id)])?,
    );
    counters::write(statements.len() as u64);
    crate::store::batch(db, statements).await?;
    Ok(())
}
