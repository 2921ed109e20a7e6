//! Communities (`communities`): each Telegram group the bot is in, its
//! slug, chat id, title, zone and whether it is closed. Who is a member of
//! each is `members.rs`.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, rows, Counted, Row};
use crate::access::Answer;
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
        .first_row()
        .await?;
    Ok(row.as_ref().map(community_of))
}

/// The community `slug` opens: its own, or the one it was folded into (a
/// supergroup's community made before its migration arrived).
pub async fn by_slug(db: &D1Database, slug: &str) -> Result<Option<Community>> {
    counters::read(1);
    let row = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM communities WHERE id = \
             (SELECT COALESCE(merged_into, id) FROM communities WHERE slug = ?1)"
        ))
        .bind(&[JsValue::from_str(slug)])?
        .first_row()
        .await?;
    Ok(row.as_ref().map(community_of))
}

pub async fn by_id(db: &D1Database, id: i64) -> Result<Option<Community>> {
    one(db, "id", int(id)).await
}

pub async fn by_chat(db: &D1Database, chat_id: i64) -> Result<Option<Community>> {
    one(db, "chat_id", int(chat_id)).await
}

/// Where a `my_chat_member` update stands in Telegram's order: its date,
/// then its `update_id`. A community keeps the latest one applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct UpdateOrder {
    pub date: i64,
    pub update_id: i64,
}

/// The bot was added to group `chat_id` (`update`): its community is made,
/// or reopened with the group's current title (slug and zone stay), unless
/// a later update about the bot there was applied already. Returns the
/// community when this update changed it (`None`: an older update).
pub async fn open(
    db: &D1Database,
    chat_id: i64,
    slug: &str,
    title: &str,
    timezone: &str,
    now: i64,
    update: UpdateOrder,
) -> Result<Option<Community>> {
    counters::write(1);
    let row = db
        .prepare(format!(
            "INSERT INTO communities (slug, chat_id, title, timezone, created_at, \
             bot_update_date, bot_update_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) \
             ON CONFLICT (chat_id) DO UPDATE SET closed_at = NULL, \
             title = CASE WHEN excluded.title = '' THEN communities.title ELSE excluded.title END, \
             bot_update_date = excluded.bot_update_date, bot_update_id = excluded.bot_update_id \
             WHERE (excluded.bot_update_date, excluded.bot_update_id) \
               > (communities.bot_update_date, communities.bot_update_id) \
             RETURNING {COLUMNS}"
        ))
        .bind(&[
            JsValue::from_str(slug),
            int(chat_id),
            JsValue::from_str(title),
            JsValue::from_str(timezone),
            int(now),
            int(update.date),
            int(update.update_id),
        ])?
        .first_row()
        .await?;
    Ok(row.as_ref().map(community_of))
}

/// A command in a group that has no community yet (a bot added before
/// communities): made now. A closed one stays closed: only the bot being
/// added again reopens it. `None` when there is none open.
pub async fn open_for_command(
    db: &D1Database,
    chat_id: i64,
    slug: &str,
    title: &str,
    timezone: &str,
    now: i64,
) -> Result<Option<Community>> {
    counters::write(1);
    counters::read(1);
    let insert = db
        .prepare(
            "INSERT OR IGNORE INTO communities (slug, chat_id, title, timezone, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )
        .bind(&[
            JsValue::from_str(slug),
            int(chat_id),
            JsValue::from_str(title),
            JsValue::from_str(timezone),
            int(now),
        ])?;
    let read = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM communities WHERE chat_id = ?1 AND closed_at IS NULL"
        ))
        .bind(&[int(chat_id)])?;
    let results = crate::store::batch(db, vec![insert, read]).await?;
    Ok(match results.get(1) {
        Some(found) => rows(found)?.first().map(community_of),
        None => None,
    })
}

/// The bot was removed from group `chat_id` (`update`): its community
/// closes (data kept), unless a later update about the bot was applied.
/// Returns the community when this update closed it.
pub async fn close(
    db: &D1Database,
    chat_id: i64,
    now: i64,
    update: UpdateOrder,
) -> Result<Option<Community>> {
    counters::write(1);
    let row = db
        .prepare(format!(
            "UPDATE communities SET closed_at = COALESCE(closed_at, ?2), \
             bot_update_date = ?3, bot_update_id = ?4 WHERE chat_id = ?1 \
             AND (?3, ?4) > (bot_update_date, bot_update_id) RETURNING {COLUMNS}"
        ))
        .bind(&[
            int(chat_id),
            int(now),
            int(update.date),
            int(update.update_id),
        ])?
        .first_row()
        .await?;
    Ok(row.as_ref().map(community_of))
}

/// A group that became a supergroup keeps its community: the chat id
/// moves to the new one. When an update from the new chat came first and
/// made a community of its own, that one is folded into the group's: its
/// events move there, and its slug opens the group's community. Returns
/// the community that now has chat `to`, and the folded one if any.
pub async fn migrate(
    db: &D1Database,
    from: i64,
    to: i64,
) -> Result<(Option<Community>, Option<Community>)> {
    let Some(group) = by_chat(db, from).await? else {
        return Ok((by_chat(db, to).await?, None));
    };
    let early = by_chat(db, to).await?;
    let mut statements = Vec::new();
    if let Some(early) = &early {
        // Its chat id goes to the group's community; a number no chat has
        // keeps the UNIQUE column unique.
        statements.push(
            db.prepare(
                "UPDATE communities SET merged_into = ?2, chat_id = ?3, closed_at = NULL \
                 WHERE id = ?1",
            )
            .bind(&[int(early.id), int(group.id), int(FOLDED_CHAT + early.id)])?,
        );
        statements.push(
            db.prepare(
                "UPDATE events SET community_id = ?2, next_at = NULL WHERE community_id = ?1",
            )
            .bind(&[int(early.id), int(group.id)])?,
        );
        statements.push(
            db.prepare(
                "INSERT OR IGNORE INTO community_members \
                 (community_id, telegram_id, member, admin, checked_at, entered_at) \
                 SELECT ?2, telegram_id, member, admin, checked_at, entered_at \
                 FROM community_members WHERE community_id = ?1",
            )
            .bind(&[int(early.id), int(group.id)])?,
        );
    }
    statements.push(
        db.prepare("UPDATE communities SET chat_id = ?2 WHERE id = ?1")
            .bind(&[int(group.id), int(to)])?,
    );
    counters::write(statements.len() as u64);
    crate::store::batch(db, statements).await?;
    let moved = Community {
        chat_id: to,
        ..group
    };
    Ok((Some(moved), early))
}

/// Chat ids of folded communities: above any real chat's (user and group
/// ids are far smaller), below 2^53.
const FOLDED_CHAT: i64 = 4_000_000_000_000_000;

/// Forgets the updates handled more than a day ago.
pub fn prune_updates(db: &D1Database, now: i64) -> Result<worker::D1PreparedStatement> {
    db.prepare("DELETE FROM bot_updates WHERE at < ?1 - 86400")
        .bind(&[int(now)])
}

/// Records that update `update_id` is being handled; `false` when it was
/// handled already (Telegram sent it again).
pub async fn first_time(db: &D1Database, update_id: i64, now: i64) -> Result<bool> {
    counters::write(1);
    let row = db
        .prepare(
            "INSERT INTO bot_updates (update_id, at) VALUES (?1, ?2) \
             ON CONFLICT (update_id) DO NOTHING RETURNING update_id AS n",
        )
        .bind(&[int(update_id), int(now)])?
        .first_row()
        .await?;
    Ok(row.is_some())
}

pub async fn set_timezone(db: &D1Database, id: i64, timezone: &str) -> Result<()> {
    counters::write(1);
    db.prepare("UPDATE communities SET timezone = ?2 WHERE id = ?1")
        .bind(&[int(id), JsValue::from_str(timezone)])?
        .write()
        .await?;
    Ok(())
}

/// The language the bot writes to a community's group in (`None`: not
/// set, English).
pub async fn language(db: &D1Database, id: i64) -> Result<Option<&'static str>> {
    counters::read(1);
    let row = db
        .prepare("SELECT CAST(COALESCE(language, '') AS TEXT) AS language FROM communities WHERE id = ?1")
        .bind(&[int(id)])?
        .first_row()
        .await?;
    Ok(row
        .and_then(|r| r.text("language"))
        .as_deref()
        .and_then(crate::i18n::of_code))
}

/// Sets a community's language; with `only_unset`, only when it has none
/// (a community starts in the language of whoever added the bot).
pub async fn set_language(
    db: &D1Database,
    id: i64,
    language: &str,
    only_unset: bool,
) -> Result<()> {
    counters::write(1);
    let unset = if only_unset {
        " AND language IS NULL"
    } else {
        ""
    };
    db.prepare(format!(
        "UPDATE communities SET language = ?2 WHERE id = ?1{unset}"
    ))
    .bind(&[int(id), JsValue::from_str(language)])?
    .write()
    .await?;
    Ok(())
}

/// The open communities `user` has entered (logged in to), by title,
/// with what Telegram last said of them there (the caller asks `access`
/// whether they may still see each).
pub async fn entered_by(db: &D1Database, user: i64) -> Result<Vec<(Community, Option<Answer>)>> {
    counters::read(1);
    let found = db
        .prepare(format!(
            "SELECT {COLUMNS}, CAST(m.member AS INTEGER) AS member, \
             CAST(m.checked_at AS INTEGER) AS checked_at \
             FROM communities JOIN community_members m ON m.community_id = communities.id \
             WHERE closed_at IS NULL AND merged_into IS NULL AND m.telegram_id = ?1 \
             AND m.entered_at IS NOT NULL ORDER BY title, communities.id"
        ))
        .bind(&[int(user)])?
        .rows_all()
        .await?;
    Ok(rows(&found)?
        .iter()
        .map(|row| {
            let answer = match (row.int("member"), row.int("checked_at")) {
                (Some(member), Some(at)) => Some(Answer {
                    member: member != 0,
                    at,
                }),
                _ => None,
            };
            (community_of(row), answer)
        })
        .collect())
}
