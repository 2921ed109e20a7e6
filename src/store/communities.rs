//! Communities (`communities`): each Telegram group the bot is in, its
//! slug, chat id, title, zone and whether it is closed. Who is a member of
//! each is `members.rs`.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, rows, Row};
use crate::communities::Community;

/// A community from a row of [`COLUMNS`].
fn community_of(row: &Row) -> Community {
    Community {
        id: row.int("id").unwrap_or(0),
        slug: row.text("slug").unwrap_or_default(),
        chat_id: row.int("chat_id").unwrap_or(0),
        title: row.text("title").unwrap_or_default(),
        timezone: row.text("timezone").unwrap_or_default(),
        closed: row.flag("closed"),
    }
}

const COLUMNS: &str = "CAST(id AS INTEGER) AS id, CAST(slug AS TEXT) AS slug, \
     CAST(chat_id AS INTEGER) AS chat_id, CAST(COALESCE(title, '') AS TEXT) AS title, \
     CAST(COALESCE(timezone, 'UTC') AS TEXT) AS timezone, \
     (closed_at IS NOT NULL) AS closed";

async fn one(db: &D1Database, filter: &str, value: JsValue) -> Result<Option<Community>> {
    counters::read(1);
    let row = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM communities WHERE {filter} = ?1"
        ))
        .bind(&[value])?
        .first::<Row>(None)
        .await?;
    Ok(row.as_ref().map(community_of))
}

pub async fn by_slug(db: &D1Database, slug: &str) -> Result<Option<Community>> {
    one(db, "slug", JsValue::from_str(slug)).await
}

pub async fn by_id(db: &D1Database, id: i64) -> Result<Option<Community>> {
    one(db, "id", int(id)).await
}

pub async fn by_chat(db: &D1Database, chat_id: i64) -> Result<Option<Community>> {
    one(db, "chat_id", int(chat_id)).await
}

/// Creates the community of group `chat_id`, or reopens it (a bot added
/// back), with the group's current title. Its slug and zone stay as they
/// were.
pub async fn open(
    db: &D1Database,
    chat_id: i64,
    slug: &str,
    title: &str,
    timezone: &str,
    now: i64,
) -> Result<Option<Community>> {
    counters::write(1);
    let row = db
        .prepare(format!(
            "INSERT INTO communities (slug, chat_id, title, timezone, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5) \
             ON CONFLICT (chat_id) DO UPDATE SET closed_at = NULL, \
             title = CASE WHEN excluded.title = '' THEN communities.title ELSE excluded.title END \
             RETURNING {COLUMNS}"
        ))
        .bind(&[
            JsValue::from_str(slug),
            int(chat_id),
            JsValue::from_str(title),
            JsValue::from_str(timezone),
            int(now),
        ])?
        .first::<Row>(None)
        .await?;
    Ok(row.as_ref().map(community_of))
}

/// Closes the community of group `chat_id` (the bot was removed); its data
/// stays.
pub async fn close(db: &D1Database, chat_id: i64, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare("UPDATE communities SET closed_at = ?2 WHERE chat_id = ?1 AND closed_at IS NULL")
        .bind(&[int(chat_id), int(now)])?
        .run()
        .await?;
    Ok(())
}

/// A group that became a supergroup keeps its community.
pub async fn migrate(db: &D1Database, from: i64, to: i64) -> Result<()> {
    counters::write(1);
    db.prepare(
        "UPDATE communities SET chat_id = ?2 WHERE chat_id = ?1 \
         AND NOT EXISTS (SELECT 1 FROM communities WHERE chat_id = ?2)",
    )
    .bind(&[int(from), int(to)])?
    .run()
    .await?;
    Ok(())
}

pub async fn set_timezone(db: &D1Database, id: i64, timezone: &str) -> Result<()> {
    counters::write(1);
    db.prepare("UPDATE communities SET timezone = ?2 WHERE id = ?1")
        .bind(&[int(id), JsValue::from_str(timezone)])?
        .run()
        .await?;
    Ok(())
}

/// Every community, for the operator.
pub async fn all(db: &D1Database) -> Result<Vec<Community>> {
    counters::read(1);
    let found = db
        .prepare(format!("SELECT {COLUMNS} FROM communities ORDER BY id"))
        .all()
        .await?;
    Ok(rows(&found)?.iter().map(community_of).collect())
}

/// The open communities `user` has entered (logged in to), by title, as
/// Telegram last said (the caller asks `access` about each).
pub async fn entered_by(db: &D1Database, user: i64) -> Result<Vec<Community>> {
    counters::read(1);
    let found = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM communities WHERE closed_at IS NULL AND id IN \
             (SELECT community_id FROM community_members \
              WHERE telegram_id = ?1 AND member = 1 AND entered_at IS NOT NULL) \
             ORDER BY title, id"
        ))
        .bind(&[int(user)])?
        .all()
        .await?;
    Ok(rows(&found)?.iter().map(community_of).collect())
}
