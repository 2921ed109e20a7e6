//! Who is going (`attendance`) and who waits (`waitlist`) for each event,
//! each in rowid order (the order people joined), with the guests each
//! brings. The seat rules are `seats.rs`; this writes the moves they make,
//! in the same order, so the lists in D1 and in memory stay equal.

use wasm_bindgen::JsValue;
use worker::{D1PreparedStatement, D1Result, Result};

use super::outbox::{self, Notice};
use super::{counters, int, rows, Counted, Row};
use crate::catalog::{Listing, Profile};
use crate::seats::{self, Move, Party, Request};

use worker::D1Database;

/// A person from a row of [`PERSON`] (and `telegram_id`).
fn person_of(row: &Row) -> (i64, Profile) {
    (
        row.int("telegram_id").unwrap_or(0),
        Profile {
            name: row.text("name").unwrap_or_default(),
            username: row.text("username").unwrap_or_default(),
            photo_url: row.text("photo_url").unwrap_or_default(),
            hidden: row.flag("hidden"),
        },
    )
}

/// The columns of a person: `users u`, cast to what [`person_of`] expects.
const PERSON: &str = "CAST(COALESCE(u.name, '') AS TEXT) AS name, \
     CAST(COALESCE(u.username, '') AS TEXT) AS username, \
     CAST(COALESCE(u.photo_url, '') AS TEXT) AS photo_url, \
     CAST(COALESCE(u.hidden, 0) AS INTEGER) AS hidden";

/// Guests as a small whole number, whatever a hand-written row holds.
pub fn guests_of(value: i64) -> u32 {
    u32::try_from(value.clamp(0, i64::from(seats::MAX_GUESTS_LIMIT))).unwrap_or(0)
}

/// The ids of community ?1's events.
const EVENTS_OF: &str = "SELECT id FROM events WHERE community_id = ?1";

/// What loading a community's lists reads: who is going, who waits, who
/// asks (each in join order) and how the people listed appear.
pub fn load_statements(db: &D1Database, community: i64) -> Result<Vec<D1PreparedStatement>> {
    counters::read(4);
    let list = |table: &str| {
        db.prepare(format!(
            "SELECT CAST(event_id AS INTEGER) AS event_id, \
             CAST(telegram_id AS INTEGER) AS telegram_id, \
             CAST(COALESCE(guests, 0) AS INTEGER) AS guests FROM {table} \
             WHERE event_id IN ({EVENTS_OF}) ORDER BY rowid"
        ))
        .bind(&[int(community)])
    };
    let profiles = db
        .prepare(format!(
            "SELECT CAST(u.telegram_id AS INTEGER) AS telegram_id, {PERSON} \
             FROM users u WHERE u.telegram_id IN \
             (SELECT telegram_id FROM attendance WHERE event_id IN ({EVENTS_OF}) \
              UNION SELECT telegram_id FROM waitlist WHERE event_id IN ({EVENTS_OF}))"
        ))
        .bind(&[int(community)])?;
    let requests = db
        .prepare(format!(
            "SELECT CAST(event_id AS INTEGER) AS event_id, \
             CAST(telegram_id AS INTEGER) AS telegram_id, \
             CAST(COALESCE(guests, 0) AS INTEGER) AS guests, \
             CAST(COALESCE(lapses_at, 0) AS INTEGER) AS lapses_at FROM requests \
             WHERE event_id IN ({EVENTS_OF}) ORDER BY rowid"
        ))
        .bind(&[int(community)])?;
    Ok(vec![
        list("attendance")?,
        list("waitlist")?,
        profiles,
        requests,
    ])
}

/// What [`load_statements`] read.
pub struct Listed {
    pub listings: Vec<Listing>,
    pub profiles: Vec<(i64, Profile)>,
    /// `(event, request)`, oldest first.
    pub requests: Vec<(i64, Request)>,
}

/// Reads the results of [`load_statements`].
pub fn read_loaded(results: &[D1Result]) -> Result<Listed> {
    let [going, waiting, profiles, requests] = results else {
        return Err("D1 batch returned an unexpected number of results".into());
    };
    let listing = |row: &Row, going| Listing {
        event: row.int("event_id").unwrap_or(0),
        party: Party {
            user: row.int("telegram_id").unwrap_or(0),
            guests: guests_of(row.int("guests").unwrap_or(0)),
        },
        going,
    };
    let mut listings = Vec::new();
    for row in rows(going)? {
        listings.push(listing(&row, true));
    }
    for row in rows(waiting)? {
        listings.push(listing(&row, false));
    }
    let profiles = rows(profiles)?.iter().map(person_of).collect();
    let requests = rows(requests)?
        .iter()
        .map(|row| {
            let party = Party {
                user: row.int("telegram_id").unwrap_or(0),
                guests: guests_of(row.int("guests").unwrap_or(0)),
            };
            let lapses_at = row.int("lapses_at").unwrap_or(0);
            (
                row.int("event_id").unwrap_or(0),
                Request { party, lapses_at },
            )
        })
        .collect();
    Ok(Listed {
        listings,
        profiles,
        requests,
    })
}

/// One person in a list: who, how they appear, their guests, when they
/// joined it (Unix seconds; `None` for rows from before the column), and
/// their answers to the event's questions (none when it asks nothing).
pub struct Person {
    pub profile: (i64, Profile),
    pub guests: u32,
    pub joined_at: Option<i64>,
    pub answers: Vec<String>,
}

/// The people going to, waiting for and asking to come to an event.
pub struct People {
    pub going: Vec<Person>,
    pub waiting: Vec<Person>,
    pub pending: Vec<Person>,
}

/// The people going to, waiting for and (`asking`: else none are read)
/// asking to come to `event`, in join order, with their guests, how they
/// appear and their answers.
pub async fn people(db: &D1Database, event: i64, asking: bool) -> Result<People> {
    let list = |table: &str, joined: &str| -> Result<_> {
        db.prepare(format!(
            "SELECT CAST(l.telegram_id AS INTEGER) AS telegram_id, {PERSON}, \
             CAST(COALESCE(l.guests, 0) AS INTEGER) AS guests, \
             CAST(l.{joined} AS INTEGER) AS joined_at, \
             CAST(COALESCE(a.answers, '') AS TEXT) AS answers \
             FROM {table} l LEFT JOIN users u ON u.telegram_id = l.telegram_id \
             LEFT JOIN answers a ON a.event_id = l.event_id AND a.telegram_id = l.telegram_id \
             WHERE l.event_id = ?1 ORDER BY l.rowid"
        ))
        .bind(&[int(event)])
    };
    let mut statements = vec![
        list("attendance", "joined_at")?,
        list("waitlist", "joined_at")?,
    ];
    if asking {
        statements.push(list("requests", "requested_at")?);
    }
    counters::read(statements.len() as u64);
    let results = super::batch(db, statements).await?;
    let (going, waiting, pending) = match results.as_slice() {
        [going, waiting] => (going, waiting, None),
        [going, waiting, pending] => (going, waiting, Some(pending)),
        _ => return Err("D1 batch returned an unexpected number of results".into()),
    };
    let people = |rows: Vec<Row>| {
        rows.iter()
            .map(|row| Person {
                guests: guests_of(row.int("guests").unwrap_or(0)),
                joined_at: row.int("joined_at"),
                answers: serde_json::from_str(&row.text("answers").unwrap_or_default())
                    .unwrap_or_default(),
                profile: person_of(row),
            })
            .collect()
    };
    Ok(People {
        going: people(rows(going)?),
        waiting: people(rows(waiting)?),
        pending: match pending {
            Some(pending) => people(rows(pending)?),
            None => Vec::new(),
        },
    })
}

/// Writes a row only while its event exists, so no list outlives it.
const EXISTS: &str = "WHERE EXISTS (SELECT 1 FROM events WHERE id = ?1)";

/// The statements of `moves` (see `seats.rs`), in order: the lists in D1
/// end in the order memory has them. A run of promotions in one event is
/// one pair of set-based statements, however many people it moves.
pub fn move_statements(db: &D1Database, moves: &[(i64, Move)]) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    let mut promoted: Option<(i64, Vec<String>)> = None;
    let party = |event: i64, party: Party| {
        [
            int(event),
            int(party.user),
            JsValue::from_f64(f64::from(party.guests)),
        ]
    };
    let pair = |event: i64, user: i64| [int(event), int(user)];
    for &(event, step) in moves {
        if let Move::Promote { user } = step {
            match promoted.as_mut() {
                Some((e, users)) if *e == event => users.push(user.to_string()),
                _ => {
                    if let Some((e, users)) = promoted.take() {
                        statements.extend(promote_statements(db, e, &users)?);
                    }
                    promoted = Some((event, vec![user.to_string()]));
                }
            }
            continue;
        }
        if let Some((e, users)) = promoted.take() {
            statements.extend(promote_statements(db, e, &users)?);
        }
        match step {
            Move::Join { party: who, going } => {
                let table = if going { "attendance" } else { "waitlist" };
                statements.push(
                    db.prepare(format!(
                        "INSERT OR IGNORE INTO {table} (event_id, telegram_id, guests, joined_at) \
                         SELECT ?1, ?2, ?3, unixepoch() {EXISTS}"
                    ))
                    .bind(&party(event, who))?,
                );
            }
            Move::Regroup { party: who } => {
                for table in ["attendance", "waitlist"] {
                    statements.push(
                        db.prepare(format!(
                            "UPDATE {table} SET guests = ?3 WHERE event_id = ?1 AND telegram_id = ?2"
                        ))
                        .bind(&party(event, who))?,
                    );
                }
            }
            Move::Remove { user } => {
                for table in ["attendance", "waitlist"] {
                    statements.push(
                        db.prepare(format!(
                            "DELETE FROM {table} WHERE event_id = ?1 AND telegram_id = ?2"
                        ))
                        .bind(&pair(event, user))?,
                    );
                }
            }
            Move::Ask {
                party: who,
                lapses_at,
            } => statements.push(
                db.prepare(format!(
                    "INSERT INTO requests (event_id, telegram_id, guests, requested_at, lapses_at) \
                     SELECT ?1, ?2, ?3, unixepoch(), ?4 {EXISTS} \
                     ON CONFLICT (event_id, telegram_id) DO UPDATE SET guests = excluded.guests"
                ))
                .bind(&[
                    int(event),
                    int(who.user),
                    JsValue::from_f64(f64::from(who.guests)),
                    int(lapses_at),
                ])?,
            ),
            Move::Withdraw { user } => statements.push(
                db.prepare("DELETE FROM requests WHERE event_id = ?1 AND telegram_id = ?2")
                    .bind(&pair(event, user))?,
            ),
            Move::Promote { .. } => {}
        }
    }
    if let Some((e, users)) = promoted.take() {
        statements.extend(promote_statements(db, e, &users)?);
    }
    Ok(statements)
}

/// Moves `users` (ids, in the order promoted) from the head of `event`'s
/// waitlist to the tail of its going list, keeping their order and guests.
fn promote_statements(
    db: &D1Database,
    event: i64,
    users: &[String],
) -> Result<[D1PreparedStatement; 2]> {
    // Ids from memory (numbers), so writing them into the SQL is safe.
    let users = users.join(", ");
    Ok([
        db.prepare(format!(
            "INSERT OR IGNORE INTO attendance (event_id, telegram_id, guests, joined_at) \
             SELECT event_id, telegram_id, guests, joined_at FROM waitlist \
             WHERE event_id = ?1 AND telegram_id IN ({users}) ORDER BY rowid"
        ))
        .bind(&[int(event)])?,
        db.prepare(format!(
            "DELETE FROM waitlist WHERE event_id = ?1 AND telegram_id IN ({users})"
        ))
        .bind(&[int(event)])?,
    ])
}

/// The statements that empty event `id`'s lists.
pub fn clear_statements(db: &D1Database, id: i64) -> Result<Vec<D1PreparedStatement>> {
    ["attendance", "waitlist", "checkins", "requests", "answers"]
        .iter()
        .map(|table| {
            db.prepare(format!("DELETE FROM {table} WHERE event_id = ?1"))
                .bind(&[int(id)])
        })
        .collect()
}

/// Stores seat moves, the answers that came with them (`(event, user,
/// JSON)`) and the notices they owe (a spot opened) in one batch (one
/// transaction). A move for an event that is gone by now writes nothing.
pub async fn write(
    db: &D1Database,
    moves: &[(i64, Move)],
    answers: &[(i64, i64, std::rc::Rc<str>)],
    notices: &[Notice],
    now: i64,
) -> Result<()> {
    let mut statements = move_statements(db, moves)?;
    for (event, user, json) in answers {
        statements.push(
            db.prepare(format!(
                "INSERT INTO answers (event_id, telegram_id, answers, answered_at) \
                 SELECT ?1, ?2, ?3, ?4 {EXISTS} \
                 ON CONFLICT (event_id, telegram_id) DO UPDATE SET \
                 answers = excluded.answers, answered_at = excluded.answered_at"
            ))
            .bind(&[int(*event), int(*user), JsValue::from_str(json), int(now)])?,
        );
    }
    statements.extend(outbox::notice_statements(db, notices, now)?);
    if statements.is_empty() {
        return Ok(());
    }
    counters::write(statements.len() as u64);
    crate::store::batch(db, statements).await?;
    Ok(())
}

/// People an admin may list as hosts: in a group's community those who
/// entered it (and are still members), in the default community anyone
/// who logged in; the most recently seen first, at most [`ENTRANTS`]. With
/// `among`, only those of these ids.
pub async fn entrants(
    db: &D1Database,
    community: i64,
    among: Option<&[i64]>,
) -> Result<Vec<(i64, Profile)>> {
    counters::read(1);
    let only = match among {
        Some(ids) => format!(
            "AND u.telegram_id IN ({})",
            ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",")
        ),
        None => String::new(),
    };
    let (from, bind) = match community {
        crate::communities::DEFAULT => ("users u WHERE 1", None),
        _ => (
            "community_members m JOIN users u ON u.telegram_id = m.telegram_id \
             WHERE m.community_id = ?1 AND m.entered_at IS NOT NULL AND m.member = 1",
            Some(community),
        ),
    };
    let statement = db.prepare(format!(
        "SELECT CAST(u.telegram_id AS INTEGER) AS telegram_id, {PERSON} FROM {from} {only} \
         ORDER BY u.last_seen DESC LIMIT {ENTRANTS}"
    ));
    let statement = match bind {
        Some(community) => statement.bind(&[int(community)])?,
        None => statement,
    };
    Ok(rows(&statement.rows_all().await?)?
        .iter()
        .map(person_of)
        .collect())
}

/// The communities with requests that lapsed by `now`, by slug (`None`:
/// the default one), for the cron to tell their hubs.
pub async fn lapsing(db: &D1Database, now: i64) -> Result<Vec<Option<String>>> {
    counters::read(1);
    let found = db
        .prepare(
            "SELECT DISTINCT CAST(c.slug AS TEXT) AS slug FROM requests r \
             JOIN events e ON e.id = r.event_id \
             LEFT JOIN communities c ON c.id = e.community_id \
             WHERE r.lapses_at <= ?1 LIMIT 50",
        )
        .bind(&[int(now)])?
        .rows_all()
        .await?;
    Ok(rows(&found)?.iter().map(|row| row.text("slug")).collect())
}

/// People [`entrants`] lists at most.
pub const ENTRANTS: usize = 500;
