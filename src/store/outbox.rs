//! The bot's outbox: reminders due to people going (`notifications`) and
//! notices of changes (`notices`, queued in the same batch as the change
//! that owes them), each claimed by one sender at a time, and the users
//! Telegram refuses to deliver to (`bot_blocked`). The rules of when a row
//! is due, whom it may reach and how it is sent are `notify.rs`'s; this is
//! their SQL.
//!
//! Both tables are served fairly: a claim takes the due rows round-robin
//! across communities (each community's oldest first, then each one's
//! second...), so one community's backlog never holds up another's. Every
//! statement that touches many rows is one statement (`IN (...)`, `INSERT
//! ... SELECT`), so a run's D1 statements do not grow with its messages.

use wasm_bindgen::JsValue;
use worker::{D1Database, D1PreparedStatement, Result};

use super::{counters, int, rows, Counted, Row};
use crate::reminders::{self, Window};

/// A message the bot owes people, queued with the change that owes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Notice {
    /// A spot opened for `user` (sent at once).
    Spot {
        user: i64,
        event: i64,
        community: i64,
        text: String,
    },
    /// The event moved in time or place: to everyone going or waiting,
    /// once it has not changed for `NOTICE_SETTLE_SECONDS` (`due_at`); it
    /// says the state then, compared with `baseline`, the event before its
    /// first unsent change (`notify.rs`). A later change only moves
    /// `due_at`: one unsent change notice per person and event.
    Changed {
        event: i64,
        community: i64,
        baseline: String,
        due_at: i64,
    },
    /// What a host did for `user` (sent at once): `kind` `removed` (took
    /// them off the lists), `approved` or `declined` (answered their
    /// request).
    Told {
        user: i64,
        event: i64,
        community: i64,
        kind: &'static str,
        text: String,
    },
    /// People asked to come: to the event's `hosts` and, in a group's
    /// community, its admins; at most one per host and event an hour.
    Requests {
        hosts: Vec<i64>,
        event: i64,
        community: i64,
        text: String,
    },
    /// A host's message to `users` (sent at once): `text`, and the rest of
    /// the sendMessage body (`body`, JSON: the signature's link, the
    /// button). `kind` is the message's own (`message-...`), so two
    /// messages to one person never merge.
    Message {
        users: Vec<i64>,
        event: i64,
        community: i64,
        kind: String,
        text: String,
        body: String,
    },
    /// The event was deleted: to everyone listed (sent at once); their
    /// unsent notices of it are dropped. `said`: the event's title and
    /// the start of its occurrence (JSON), for readers of other languages.
    Cancelled {
        event: i64,
        community: i64,
        text: String,
        said: String,
    },
}

/// Who an event's notices go to: everyone going or waiting, but users who
/// blocked the bot.
const LISTED: &str = "(SELECT telegram_id FROM attendance WHERE event_id = ?1 \
     UNION SELECT telegram_id FROM waitlist WHERE event_id = ?1) \
     WHERE telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)";

/// Queues a notice: the columns a `SELECT` fills.
const QUEUE: &str = "INSERT INTO notices (telegram_id, text, status, created_at, updated_at, \
     community_id, event_id, kind, due_at)";

/// What a later notice changes of an unsent one it takes the place of.
const NEW_TEXT: &str = "DO UPDATE SET text = excluded.text, updated_at = excluded.updated_at";

/// A later notice of the same kind for the same person and event takes
/// the place of an unsent one.
const MERGE: &str = "ON CONFLICT (telegram_id, event_id, kind) \
     WHERE status = 'pending' AND event_id IS NOT NULL";

/// The statements that queue `notices` at `now`, for the batch of the
/// change that owes them.
pub fn notice_statements(
    db: &D1Database,
    notices: &[Notice],
    now: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let mut statements = Vec::new();
    let mut spots_done: Vec<(i64, &str)> = Vec::new();
    for notice in notices {
        match notice {
            Notice::Spot {
                event,
                community,
                text,
                ..
            } => {
                // One statement for everyone a change promoted in an
                // event (they are told the same).
                if spots_done.contains(&(*event, text.as_str())) {
                    continue;
                }
                spots_done.push((*event, text.as_str()));
                let users: Vec<String> = notices
                    .iter()
                    .filter_map(|n| match n {
                        Notice::Spot {
                            user,
                            event: e,
                            text: t,
                            ..
                        } if e == event && t == text => Some(format!("({user})")),
                        _ => None,
                    })
                    .collect();
                // Ids from memory (numbers): safe to write into the SQL.
                statements.push(
                    db.prepare(format!(
                        "{QUEUE} SELECT column1, ?2, 'pending', ?3, ?3, ?4, ?1, 'spot', ?3 \
                         FROM (VALUES {}) \
                         WHERE column1 NOT IN (SELECT telegram_id FROM bot_blocked) \
                         {MERGE} {NEW_TEXT}",
                        users.join(", ")
                    ))
                    .bind(&[
                        int(*event),
                        JsValue::from_str(text),
                        int(now),
                        int(*community),
                    ])?,
                );
            }
            Notice::Told {
                user,
                event,
                community,
                kind,
                text,
            } => statements.push(
                db.prepare(format!(
                    "{QUEUE} SELECT ?1, ?2, 'pending', ?3, ?3, ?4, ?5, ?6, ?3 \
                     WHERE ?1 NOT IN (SELECT telegram_id FROM bot_blocked) \
                     {MERGE} {NEW_TEXT}"
                ))
                .bind(&[
                    int(*user),
                    JsValue::from_str(text),
                    int(now),
                    int(*community),
                    int(*event),
                    JsValue::from_str(kind),
                ])?,
            ),
            Notice::Requests {
                hosts,
                event,
                community,
                text,
            } => {
                // Ids from memory (numbers): safe to write into the SQL.
                let mut to: Vec<String> = hosts.iter().map(|h| format!("SELECT {h} AS id")).collect();
                to.push(
                    "SELECT telegram_id AS id FROM community_members \
                     WHERE community_id = ?4 AND ?4 != 0 AND admin = 1 AND member = 1"
                        .to_string(),
                );
                statements.push(
                    db.prepare(format!(
                        "{QUEUE} SELECT r.id, ?2, 'pending', ?3, ?3, ?4, ?1, 'requests', ?3 \
                         FROM ({}) r \
                         WHERE r.id NOT IN (SELECT telegram_id FROM bot_blocked) \
                         AND NOT EXISTS (SELECT 1 FROM notices n WHERE n.telegram_id = r.id \
                           AND n.event_id = ?1 AND n.kind = 'requests' AND n.created_at > ?3 - 3600) \
                         {MERGE} {NEW_TEXT}",
                        to.join(" UNION ")
                    ))
                    .bind(&[
                        int(*event),
                        JsValue::from_str(text),
                        int(now),
                        int(*community),
                    ])?,
                );
            }
            Notice::Message {
                users,
                event,
                community,
                kind,
                text,
                body,
            } => {
                if users.is_empty() {
                    continue;
                }
                // Ids from memory (numbers): safe to write into the SQL.
                let values: Vec<String> = users.iter().map(|u| format!("({u})")).collect();
                statements.push(
                    db.prepare(format!(
                        "INSERT INTO notices (telegram_id, text, status, created_at, updated_at, \
                         community_id, event_id, kind, due_at, body) \
                         SELECT column1, ?2, 'pending', ?3, ?3, ?4, ?1, ?5, ?3, ?6 \
                         FROM (VALUES {}) \
                         WHERE column1 NOT IN (SELECT telegram_id FROM bot_blocked)",
                        values.join(", ")
                    ))
                    .bind(&[
                        int(*event),
                        JsValue::from_str(text),
                        int(now),
                        int(*community),
                        JsValue::from_str(kind),
                        JsValue::from_str(body),
                    ])?,
                );
            }
            Notice::Changed {
                event,
                community,
                baseline,
                due_at,
            } => statements.push(
                db.prepare(format!(
                    "INSERT INTO notices (telegram_id, text, status, created_at, updated_at, \
                     community_id, event_id, kind, due_at, baseline) \
                     SELECT telegram_id, '', 'pending', ?2, ?2, ?3, ?1, 'change', ?4, ?5 \
                     FROM {LISTED} \
                     {MERGE} DO UPDATE SET due_at = excluded.due_at, updated_at = excluded.updated_at"
                ))
                .bind(&[
                    int(*event),
                    int(now),
                    int(*community),
                    int(*due_at),
                    JsValue::from_str(baseline),
                ])?,
            ),
            Notice::Cancelled {
                event,
                community,
                text,
                said,
            } => {
                statements.push(
                    db.prepare(
                        "DELETE FROM notices WHERE event_id = ?1 AND status = 'pending' \
                         AND kind IN ('change', 'spot')",
                    )
                    .bind(&[int(*event)])?,
                );
                statements.push(
                    db.prepare(format!(
                        "INSERT INTO notices (telegram_id, text, status, created_at, updated_at, \
                         community_id, event_id, kind, due_at, baseline) \
                         SELECT telegram_id, ?2, 'pending', ?3, ?3, ?4, ?1, 'cancel', ?3, ?5 \
                         FROM {LISTED} \
                         {MERGE} DO UPDATE SET text = excluded.text, baseline = excluded.baseline"
                    ))
                    .bind(&[
                        int(*event),
                        JsValue::from_str(text),
                        int(now),
                        int(*community),
                        JsValue::from_str(said),
                    ])?,
                );
            }
        }
    }
    Ok(statements)
}

/// Host messages sent about `event` since `since` (Unix seconds).
pub async fn messages_since(db: &D1Database, event: i64, since: i64) -> Result<i64> {
    counters::read(1);
    let row = db
        .prepare("SELECT COUNT(*) AS n FROM event_messages WHERE event_id = ?1 AND created_at > ?2")
        .bind(&[int(event), int(since)])?
        .first_row()
        .await?;
    Ok(row.and_then(|r| r.int("n")).unwrap_or(0))
}

/// Records a host's message and queues it (one transaction); returns how
/// many people it was queued for (not those who blocked the bot).
pub async fn queue_message(
    db: &D1Database,
    event: i64,
    host: i64,
    notice: &Notice,
    now: i64,
) -> Result<usize> {
    let mut statements = notice_statements(db, std::slice::from_ref(notice), now)?;
    let queued = statements.len();
    statements.push(
        db.prepare(
            "INSERT INTO event_messages (event_id, host_id, recipients, created_at) \
             VALUES (?1, ?2, (SELECT COUNT(*) FROM notices WHERE event_id = ?1 AND kind = ?3), ?4)",
        )
        .bind(&[
            int(event),
            int(host),
            JsValue::from_str(match notice {
                Notice::Message { kind, .. } => kind,
                _ => "",
            }),
            int(now),
        ])?,
    );
    counters::write(statements.len() as u64);
    crate::store::batch(db, statements).await?;
    if queued == 0 {
        return Ok(0);
    }
    let row = db
        .prepare("SELECT recipients AS n FROM event_messages WHERE event_id = ?1 ORDER BY id DESC LIMIT 1")
        .bind(&[int(event)])?
        .first_row()
        .await?;
    counters::read(1);
    Ok(row.and_then(|r| r.int("n")).unwrap_or(0).max(0) as usize)
}

/// The statements that drop what the outbox still owes `user` about
/// `community` (they left the group: nothing more of it reaches them).
pub fn drop_statements(
    db: &D1Database,
    community: i64,
    user: i64,
) -> Result<Vec<D1PreparedStatement>> {
    ["notices", "notifications"]
        .iter()
        .map(|table| {
            db.prepare(format!(
                "DELETE FROM {table} WHERE community_id = ?1 AND telegram_id = ?2 \
                 AND status = 'pending'"
            ))
            .bind(&[int(community), int(user)])
        })
        .collect()
}

/// Records who is due a reminder now: everyone going to an event with an
/// occurrence in a lead's window (`reminders.rs`) whose reminders come
/// that many minutes before (no setting: at the start), once per event,
/// person and occurrence (`INSERT OR IGNORE`). One statement: it reads the
/// events in the windows through their index on the next two starts.
pub fn enqueue_reminders(db: &D1Database, now: i64) -> Result<D1PreparedStatement> {
    let windows = reminders::windows(now);
    // Each person's lead, and its window's bounds. The numbers are ours
    // (instants and minutes), so they go into the SQL.
    let lead = "(CASE WHEN u.telegram_id IS NULL THEN 0 ELSE u.reminder END)";
    let bound = |pick: fn(&Window) -> i64| {
        let arms: Vec<String> = windows
            .iter()
            .map(|w| format!("WHEN {} THEN {}", w.minutes, pick(w)))
            .collect();
        format!("(CASE {lead} {} END)", arms.join(" "))
    };
    let (from, to) = (bound(|w| w.from), bound(|w| w.to));
    let within = |at: &str| format!("(e.{at} > {from} AND e.{at} <= {to})");
    let earliest = windows.iter().map(|w| w.from).min().unwrap_or(now);
    let latest = windows.iter().map(|w| w.to).max().unwrap_or(now);
    counters::write(1);
    db.prepare(format!(
        "INSERT OR IGNORE INTO notifications \
         (event_id, telegram_id, day, status, created_at, updated_at, community_id, due_at) \
         SELECT a.event_id, a.telegram_id, \
         CASE WHEN {next} THEN e.next_day ELSE e.after_day END, 'pending', ?1, ?1, e.community_id, ?1 \
         FROM events e JOIN attendance a ON a.event_id = e.id \
         LEFT JOIN users u ON u.telegram_id = a.telegram_id \
         WHERE ((e.next_at > {earliest} AND e.next_at <= {latest}) \
           OR (e.after_at > {earliest} AND e.after_at <= {latest})) \
         AND ({next} OR {after}) \
         AND a.telegram_id NOT IN (SELECT telegram_id FROM bot_blocked)",
        next = within("next_at"),
        after = within("after_at"),
    ))
    .bind(&[int(now)])
}

/// The statements that keep the outbox from growing: rows not sent in
/// time expire (a claimed row only once its claim is dead), sent ones are
/// kept as long as the rules need them, then deleted.
pub fn prune_statements(
    db: &D1Database,
    now: i64,
    lease_before: i64,
) -> Result<Vec<D1PreparedStatement>> {
    let unclaimed = "(status = 'pending' OR (status = 'sending' \
         AND COALESCE(claimed_at, updated_at) < ?2))";
    Ok(vec![
        // A reminder is no use half an hour late; a notice a day late.
        // (Never due before it was made: rows of earlier versions have
        // no `due_at`.)
        db.prepare(format!(
            "UPDATE notifications SET status = 'expired', updated_at = ?1 \
             WHERE {unclaimed} AND MAX(due_at, created_at) < ?1 - {}",
            reminders::EXPIRE_SECONDS
        ))
        .bind(&[int(now), int(lease_before)])?,
        db.prepare(format!(
            "DELETE FROM notices WHERE {unclaimed} \
             AND MAX(due_at, created_at) < ?1 - {NOTICE_EXPIRE_SECONDS}"
        ))
        .bind(&[int(now), int(lease_before)])?,
        // A sent notice counts against the hourly limit for an hour; a
        // reminder's key keeps it from going twice until its occurrence
        // is long over.
        db.prepare(
            "DELETE FROM notices WHERE status NOT IN ('pending', 'sending') \
             AND updated_at < ?1 - 3600",
        )
        .bind(&[int(now)])?,
        db.prepare(
            "DELETE FROM notifications WHERE status NOT IN ('pending', 'sending') \
             AND updated_at < ?1 - 3 * 86400",
        )
        .bind(&[int(now)])?,
    ])
}

/// A notice not sent within this long of being due expires.
const NOTICE_EXPIRE_SECONDS: i64 = 86_400;

/// One of the outbox's two tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Reminders,
    Notices,
}

impl Table {
    fn name(self) -> &'static str {
        match self {
            Table::Reminders => "notifications",
            Table::Notices => "notices",
        }
    }
}

/// What a claimed row needs: the message, the event as it is now, the
/// community (zone, whether closed) and what Telegram last said of the
/// user there.
pub struct Due {
    pub rowid: i64,
    pub telegram_id: i64,
    pub community: i64,
    /// A reminder's occurrence day.
    pub day: String,
    /// A notice's kind (`change`, `spot`, `cancel`, `notice`).
    pub kind: String,
    pub text: String,
    pub baseline: Option<String>,
    /// A host's message: the rest of its sendMessage body (JSON).
    pub body: Option<String>,
    /// The event now (`None`: deleted).
    pub event: Option<EventNow>,
    /// The community's zone, slug and chat, and whether it is closed
    /// (`None`: the default community, or a row that is gone).
    pub zone: Option<String>,
    pub slug: String,
    pub chat: Option<i64>,
    pub closed: bool,
    /// What Telegram last said: a member, and when.
    pub member: Option<bool>,
    pub checked_at: Option<i64>,
    /// An operator (`users.is_admin`).
    pub operator: bool,
    /// The language they read (`crate::i18n::in_force`).
    pub language: &'static str,
    /// The reminder's lead now (`None`: turned off).
    pub minutes: Option<i64>,
    /// Still going (reminders).
    pub attending: bool,
    /// Notices sent to this user in the last hour.
    pub sent_recently: i64,
}

/// The fields of an event a message needs.
pub struct EventNow {
    pub title: String,
    pub start: String,
    pub duration: f64,
    pub date: Option<String>,
    pub repeat: String,
    pub location: String,
}

/// Claims up to `limit` due rows of `table` for the run with `token`,
/// round-robin across communities (a row whose claim is older than
/// `lease_before` belongs to a run that died), and reads what sending them
/// needs. Users who had `per_hour` notices in the last hour are left for
/// later (reminders do not count). Two statements in one batch.
pub async fn claim(
    db: &D1Database,
    table: Table,
    token: &str,
    limit: u32,
    now: i64,
    lease_before: i64,
    per_hour: u32,
) -> Result<Vec<Due>> {
    let name = table.name();
    let recent = "(SELECT COUNT(*) FROM notices s WHERE s.telegram_id = n.telegram_id \
         AND s.status = 'sent' AND s.updated_at > ?2 - 3600)";
    // Not what is too late to be of use (the cron deletes or marks it),
    // and for notices, not to users at the hourly limit.
    let limited = match table {
        Table::Notices => format!(
            "AND MAX(n.due_at, n.created_at) >= ?2 - {NOTICE_EXPIRE_SECONDS} AND {recent} < ?5"
        ),
        Table::Reminders => format!(
            "AND MAX(n.due_at, n.created_at) >= ?2 - {} AND ?5 IS NOT NULL",
            reminders::EXPIRE_SECONDS
        ),
    };
    let claim = db
        .prepare(format!(
            "UPDATE {name} SET status = 'sending', claim = ?1, claimed_at = ?2, updated_at = ?2 \
             WHERE rowid IN (SELECT rowid FROM (SELECT n.rowid AS rowid, n.due_at AS due_at, \
               ROW_NUMBER() OVER (PARTITION BY n.community_id ORDER BY n.due_at, n.rowid) AS turn \
               FROM {name} n WHERE ((n.status = 'pending' AND n.due_at <= ?2) \
                 OR (n.status = 'sending' AND COALESCE(n.claimed_at, n.updated_at) < ?3)) {limited}) \
             ORDER BY turn, due_at, rowid LIMIT ?4)"
        ))
        .bind(&[
            JsValue::from_str(token),
            int(now),
            int(lease_before),
            JsValue::from_f64(f64::from(limit)),
            JsValue::from_f64(f64::from(per_hour)),
        ])?;
    let (day, kind, text, baseline, body) = match table {
        Table::Reminders => ("n.day", "'reminder'", "''", "NULL", "NULL"),
        Table::Notices => ("''", "n.kind", "n.text", "n.baseline", "n.body"),
    };
    let read = db
        .prepare(format!(
            "SELECT n.rowid AS rowid, CAST(n.telegram_id AS INTEGER) AS telegram_id, \
             CAST(n.community_id AS INTEGER) AS community, CAST(n.event_id AS INTEGER) AS event_id, \
             CAST({day} AS TEXT) AS day, CAST({kind} AS TEXT) AS kind, CAST({text} AS TEXT) AS text, \
             CAST({baseline} AS TEXT) AS baseline, CAST({body} AS TEXT) AS body, \
             (e.id IS NOT NULL) AS exists_, \
             CAST(e.title AS TEXT) AS title, CAST(e.start AS TEXT) AS start, \
             CAST(COALESCE(e.duration, 1) AS REAL) AS duration, CAST(e.date AS TEXT) AS date, \
             CAST(COALESCE(e.repeat, 'daily') AS TEXT) AS repeat, \
             CAST(COALESCE(e.location, '') AS TEXT) AS location, \
             CAST(c.timezone AS TEXT) AS zone, CAST(c.slug AS TEXT) AS slug, \
             CAST(c.chat_id AS INTEGER) AS chat, (c.closed_at IS NOT NULL) AS closed, \
             CAST(m.member AS INTEGER) AS member, CAST(m.checked_at AS INTEGER) AS checked_at, \
             CAST(COALESCE(u.is_admin, 0) AS INTEGER) AS operator, \
             CAST(COALESCE(u.language, '') AS TEXT) AS language, \
             CAST(COALESCE(u.telegram_language, '') AS TEXT) AS telegram_language, \
             CASE WHEN u.telegram_id IS NULL THEN 0 ELSE CAST(u.reminder AS INTEGER) END AS minutes, \
             EXISTS (SELECT 1 FROM attendance a WHERE a.event_id = n.event_id \
               AND a.telegram_id = n.telegram_id) AS attending, \
             {recent} AS sent_recently \
             FROM {name} n LEFT JOIN events e ON e.id = n.event_id \
             LEFT JOIN communities c ON c.id = n.community_id AND n.community_id != 0 \
             LEFT JOIN community_members m ON m.community_id = n.community_id \
               AND m.telegram_id = n.telegram_id \
             LEFT JOIN users u ON u.telegram_id = n.telegram_id \
             WHERE n.claim = ?1 AND n.status = 'sending' ORDER BY n.rowid"
        ))
        .bind(&[JsValue::from_str(token), int(now)])?;
    counters::write(1);
    counters::read(1);
    let results = crate::store::batch(db, vec![claim, read]).await?;
    let Some(found) = results.get(1) else {
        return Ok(Vec::new());
    };
    Ok(rows(found)?.iter().map(due_of).collect())
}

fn due_of(row: &Row) -> Due {
    let text = |name: &str| row.text(name).unwrap_or_default();
    Due {
        rowid: row.int("rowid").unwrap_or(0),
        telegram_id: row.int("telegram_id").unwrap_or(0),
        community: row.int("community").unwrap_or(0),
        day: text("day"),
        kind: text("kind"),
        text: text("text"),
        baseline: row.text("baseline"),
        body: row.text("body"),
        event: row.flag("exists_").then(|| EventNow {
            title: text("title"),
            start: text("start"),
            duration: row.real("duration").unwrap_or(1.0),
            date: row.text("date"),
            repeat: text("repeat"),
            location: text("location"),
        }),
        zone: row.text("zone"),
        slug: text("slug"),
        chat: row.int("chat"),
        closed: row.flag("closed"),
        member: row.int("member").map(|m| m != 0),
        checked_at: row.int("checked_at"),
        operator: row.flag("operator"),
        language: crate::i18n::in_force(
            row.text("language").as_deref(),
            row.text("telegram_language").as_deref(),
        ),
        minutes: row.int("minutes"),
        attending: row.flag("attending"),
        sent_recently: row.int("sent_recently").unwrap_or(0),
    }
}

/// How a claimed row ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Back in line: not sent (the network, out of budget, Telegram
    /// busy, over the hourly limit, not known whether they may see it).
    Pending,
    Sent,
    /// Telegram answered 403.
    Blocked,
    /// Telegram refused it for another reason.
    Failed,
    /// Nothing to send any more: the user left the event or the group,
    /// turned reminders off, or a change was undone.
    Dropped,
}

impl Status {
    fn as_str(self, table: Table) -> &'static str {
        match (self, table) {
            (Status::Pending, _) => "pending",
            (Status::Sent, _) => "sent",
            (Status::Blocked, _) => "blocked",
            (Status::Failed, _) => "failed",
            (Status::Dropped, Table::Reminders) => "left",
            (Status::Dropped, Table::Notices) => "dropped",
        }
    }
}

/// Records how the run with `token` ended its rows: one statement per
/// status (however many rows), all in one batch. A row put back in line
/// goes after `retry_at`; where an unsent notice of the same kind was
/// queued for it meanwhile, that one (newer) stays and this one goes.
pub async fn finish(
    db: &D1Database,
    table: Table,
    token: &str,
    outcomes: &[(i64, Status)],
    now: i64,
    retry_at: i64,
) -> Result<()> {
    let name = table.name();
    let mut statements = Vec::new();
    for status in [
        Status::Sent,
        Status::Blocked,
        Status::Failed,
        Status::Dropped,
        Status::Pending,
    ] {
        let ids: Vec<String> = outcomes
            .iter()
            .filter(|(_, s)| *s == status)
            .map(|(id, _)| id.to_string())
            .collect();
        if ids.is_empty() {
            continue;
        }
        let ids = ids.join(", ");
        if status == Status::Pending && table == Table::Notices {
            statements.push(db.prepare(format!(
                "DELETE FROM notices WHERE rowid IN ({ids}) AND EXISTS (SELECT 1 FROM notices p \
                 WHERE p.status = 'pending' AND p.telegram_id = notices.telegram_id \
                 AND p.event_id = notices.event_id AND p.kind = notices.kind)"
            )));
        }
        let mut values = vec![
            JsValue::from_str(status.as_str(table)),
            int(now),
            JsValue::from_str(token),
        ];
        let due = match status {
            Status::Pending => {
                values.push(int(retry_at));
                ", due_at = MAX(due_at, ?4), claim = NULL"
            }
            _ => "",
        };
        statements.push(
            db.prepare(format!(
                "UPDATE {name} SET status = ?1, updated_at = ?2{due} \
                 WHERE claim = ?3 AND rowid IN ({ids})"
            ))
            .bind(&values)?,
        );
    }
    if statements.is_empty() {
        return Ok(());
    }
    counters::write(statements.len() as u64);
    crate::store::batch(db, statements).await?;
    Ok(())
}

/// Says the run with `token` is still working on its rows, so no other
/// run takes them over (while it waits out a 429, say).
pub async fn keep_claims(db: &D1Database, table: Table, token: &str, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare(format!(
        "UPDATE {} SET claimed_at = ?2 WHERE claim = ?1 AND status = 'sending'",
        table.name()
    ))
    .bind(&[JsValue::from_str(token), int(now)])?
    .write()
    .await?;
    Ok(())
}

/// Remembers that Telegram will not deliver to these users (403).
pub fn block_statement(db: &D1Database, users: &[i64], now: i64) -> Result<D1PreparedStatement> {
    // Ids from D1 (numbers), so writing them into the SQL is safe.
    let values: Vec<String> = users.iter().map(|u| format!("({u}, {now})")).collect();
    Ok(db.prepare(format!(
        "INSERT OR REPLACE INTO bot_blocked (telegram_id, since) VALUES {}",
        values.join(", ")
    )))
}

/// Forgets that a user blocked the bot (they wrote to it again).
pub async fn unblock(db: &D1Database, telegram_id: i64) -> Result<()> {
    counters::write(1);
    db.prepare("DELETE FROM bot_blocked WHERE telegram_id = ?1")
        .bind(&[int(telegram_id)])?
        .write()
        .await?;
    Ok(())
}
