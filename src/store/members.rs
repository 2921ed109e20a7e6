//! Who is a member or admin of each community, as Telegram last said
//! (`getChatMember`, `getChatAdministrators`, `chat_member` updates):
//! `community_members`, and when each community's admin list was read,
//! `community_admin_checks`. What the answers mean is `access.rs`.

use wasm_bindgen::JsValue;
use worker::{D1Database, Result};

use super::{counters, int, Counted};
use crate::access::Answer;

/// What D1 knows of a user in a community, read in one statement.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Facts {
    /// Telegram's latest answer: a member or not (`None`: never asked).
    pub member: Option<bool>,
    /// On the group's admin list (or made admin by an update).
    pub admin: bool,
    /// When Telegram said `member`.
    pub checked_at: Option<i64>,
    /// They logged in to the community once.
    pub entered: bool,
    /// When the community's admin list was last read.
    pub list_checked_at: Option<i64>,
}

impl Facts {
    /// Telegram's latest answer, for the rules.
    pub fn answer(&self) -> Option<Answer> {
        Some(Answer {
            member: self.member?,
            at: self.checked_at?,
        })
    }
}

/// What D1 knows of `user` in `community` (a row of `NULL`s when nothing).
pub async fn facts(db: &D1Database, community: i64, user: i64) -> Result<Facts> {
    counters::read(1);
    let row = db
        .prepare(
            "SELECT CAST(m.member AS INTEGER) AS member, CAST(m.admin AS INTEGER) AS admin, \
             CAST(m.checked_at AS INTEGER) AS checked_at, (m.entered_at IS NOT NULL) AS entered, \
             (SELECT CAST(checked_at AS INTEGER) FROM community_admin_checks \
              WHERE community_id = ?1) AS list_checked_at \
             FROM (SELECT ?1 AS c, ?2 AS u) q LEFT JOIN community_members m \
             ON m.community_id = q.c AND m.telegram_id = q.u",
        )
        .bind(&[int(community), int(user)])?
        .first_row()
        .await?;
    Ok(row.map_or(Facts::default(), |row| Facts {
        member: row.int("member").map(|m| m != 0),
        admin: row.flag("admin"),
        checked_at: row.int("checked_at"),
        entered: row.flag("entered"),
        list_checked_at: row.int("list_checked_at"),
    }))
}

/// Records Telegram's answer about `user` at `now` (keeping their admin
/// flag unless `admin` says otherwise).
pub async fn record(
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
    .write()
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
    .write()
    .await?;
    Ok(())
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
    crate::store::batch(db, statements).await?;
    Ok(())
}

/// Records several of Telegram's answers at once: (community, user,
/// member, admin), all asked at `now`. One statement.
pub fn record_many(
    db: &D1Database,
    answers: &[(i64, i64, bool, bool)],
    now: i64,
) -> Result<worker::D1PreparedStatement> {
    // Numbers only, so they go into the SQL (one statement however many).
    let values: Vec<String> = answers
        .iter()
        .map(|(c, u, member, admin)| {
            format!(
                "({c}, {u}, {}, {}, {now})",
                i64::from(*member),
                i64::from(*admin)
            )
        })
        .collect();
    Ok(db.prepare(format!(
        "INSERT INTO community_members (community_id, telegram_id, member, admin, checked_at) \
         VALUES {} ON CONFLICT (community_id, telegram_id) DO UPDATE SET \
         member = excluded.member, admin = excluded.admin, checked_at = excluded.checked_at",
        values.join(", ")
    )))
}
