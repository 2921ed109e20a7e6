//! Communities (`communities`), which community an event belongs to
//! (`event_communities`), and who is a member or admin of each, as
//! Telegram last said (`community_members`, `community_admin_checks`).

use serde::Deserialize;
use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, Number};
use crate::communities::Community;

#[derive(Deserialize)]
struct CommunityRow {
    id: i64,
    slug: String,
    chat_id: i64,
    title: String,
    timezone: String,
    closed: i64,
}

impl From<CommunityRow> for Community {
    fn from(row: CommunityRow) -> Community {
        Community {
            id: row.id,
            slug: row.slug,
            chat_id: row.chat_id,
            title: row.title,
            timezone: row.timezone,
            closed: row.closed != 0,
        }
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
        .first::<CommunityRow>(None)
        .await?;
    Ok(row.map(Community::from))
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
        .first::<CommunityRow>(None)
        .await?;
    Ok(row.map(Community::from))
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
    let rows = db
        .prepare(format!("SELECT {COLUMNS} FROM communities ORDER BY id"))
        .all()
        .await?
        .results::<CommunityRow>()?;
    Ok(rows.into_iter().map(Community::from).collect())
}

/// The open communities `user` has entered (logged in to), by title.
pub async fn entered_by(db: &D1Database, user: i64) -> Result<Vec<Community>> {
    counters::read(1);
    let rows = db
        .prepare(format!(
            "SELECT {COLUMNS} FROM communities WHERE closed_at IS NULL AND id IN \
             (SELECT community_id FROM community_members \
              WHERE telegram_id = ?1 AND member = 1 AND entered_at IS NOT NULL) \
             ORDER BY title, id"
        ))
        .bind(&[int(user)])?
        .all()
        .await?
        .results::<CommunityRow>()?;
    Ok(rows.into_iter().map(Community::from).collect())
}

/// What Telegram last said about `user` in a community.
#[derive(Debug, Clone, Copy, Deserialize)]
pub struct Membership {
    pub member: i64,
    pub admin: i64,
    pub checked_at: i64,
    /// 1 once they logged in.
    pub entered: i64,
}

pub async fn membership(db: &D1Database, community: i64, user: i64) -> Result<Option<Membership>> {
    counters::read(1);
    db.prepare(
        "SELECT CAST(member AS INTEGER) AS member, CAST(admin AS INTEGER) AS admin, \
         CAST(checked_at AS INTEGER) AS checked_at, (entered_at IS NOT NULL) AS entered \
         FROM community_members \
         WHERE community_id = ?1 AND telegram_id = ?2",
    )
    .bind(&[int(community), int(user)])?
    .first::<Membership>(None)
    .await
}

/// Records Telegram's answer about `user` at `now` (keeping their admin
/// flag unless `admin` says otherwise).
pub async fn record_member(
    db: &D1Database,
    community: i64,
    user: i64,
    member: bool,
    admin: Option<bool>,
    now: i64,
) -> Result<()> {
    counters::write(1);
    let flag = |b: bool| JsValue::from_f64(if b { 1.0 } else { 0.0 });
    db.prepare(
        "INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at) \
         VALUES (?1, ?2, ?3, COALESCE(?4, 0), ?5) \
         ON CONFLICT (community_id, telegram_id) DO UPDATE SET member = excluded.member, \
         admin = CASE WHEN ?4 IS NULL THEN community_members.admin ELSE ?4 END, \
         checked_at = excluded.checked_at",
    )
    .bind(&[
        int(community),
        int(user),
        flag(member),
        admin.map_or(JsValue::NULL, flag),
        int(now),
    ])?
    .run()
    .await?;
    Ok(())
}

/// Records that `user` logged in to the community (once; the bot's
/// `/start` lists it). Telegram's answer and its age stay as they are.
pub async fn mark_entered(db: &D1Database, community: i64, user: i64, now: i64) -> Result<()> {
    counters::write(1);
    db.prepare(
        "UPDATE community_members SET entered_at = ?3 \
         WHERE community_id = ?1 AND telegram_id = ?2 AND entered_at IS NULL",
    )
    .bind(&[int(community), int(user), int(now)])?
    .run()
    .await?;
    Ok(())
}

/// When the community's admin list was last read from Telegram.
pub async fn admins_checked_at(db: &D1Database, community: i64) -> Result<Option<i64>> {
    counters::read(1);
    let row = db
        .prepare(
            "SELECT CAST(checked_at AS INTEGER) AS n FROM community_admin_checks \
             WHERE community_id = ?1",
        )
        .bind(&[int(community)])?
        .first::<Number>(None)
        .await?;
    Ok(row.and_then(|r| r.n))
}

/// Stores the group's admins as Telegram listed them at `now`: they are
/// admins (and members), nobody else is.
pub async fn set_admins(db: &D1Database, community: i64, admins: &[i64], now: i64) -> Result<()> {
    let mut statements = vec![db
        .prepare("UPDATE community_members SET admin = 0 WHERE community_id = ?1 AND admin = 1")
        .bind(&[int(community)])?];
    for admin in admins {
        statements.push(
            db.prepare(
                "INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at) \
                 VALUES (?1, ?2, 1, 1, ?3) ON CONFLICT (community_id, telegram_id) \
                 DO UPDATE SET member = 1, admin = 1, checked_at = excluded.checked_at",
            )
            .bind(&[int(community), int(*admin), int(now)])?,
        );
    }
    statements.push(
        db.prepare(
            "INSERT INTO community_admin_checks (community_id, checked_at) VALUES (?1, ?2) \
             ON CONFLICT (community_id) DO UPDATE SET checked_at = excluded.checked_at",
        )
        .bind(&[int(community), int(now)])?,
    );
    counters::write(statements.len() as u64);
    db.batch(statements).await?;
    Ok(())
}
