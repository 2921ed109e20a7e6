//! The rules of `access.rs`, asked in the Worker: the facts come from D1
//! (what Telegram last said, `community_members`; when the admin list was
//! read, `community_admin_checks`), and Telegram is asked (and its answer
//! stored) only when the rule says the stored answer is too old.

use worker::D1Database;

use super::{AdminList, Answer, Asked, Rules, Verdict};
use crate::bot::api::{BotApi, Member};
use crate::communities::Community;
use crate::config::Config;
use crate::store::members::{self, Facts};

/// Whether `user` may see `community` at `now` (Unix seconds, real time),
/// asking Telegram when the stored answer is too old. `operator`: listed
/// in `ADMIN_IDS` or flagged `users.is_admin`. Returns the facts as they
/// are after any asking, for the admin check that may follow.
pub async fn may_see(
    db: &D1Database,
    config: &Config,
    community: &Community,
    user: i64,
    operator: bool,
    now: i64,
) -> worker::Result<(Verdict, Facts)> {
    let rules = Rules::of(config);
    let place = super::Place::Group {
        closed: community.closed,
    };
    let mut facts = members::facts(db, community.id, user).await?;
    let first = super::may_see(operator, place, facts.answer(), None, now, &rules);
    if first != Verdict::Ask {
        return Ok((first, facts));
    }
    let asked = match BotApi::new(config)
        .chat_member(community.chat_id, user)
        .await
    {
        Member::Said { member, admin } => {
            members::record(db, community.id, user, member, Some(admin), now).await?;
            facts.member = Some(member);
            facts.admin = admin;
            facts.checked_at = Some(now);
            Asked::Said(Answer { member, at: now })
        }
        Member::Silent => Asked::Silent,
    };
    let verdict = super::may_see(operator, place, facts.answer(), Some(asked), now, &rules);
    Ok((verdict, facts))
}

/// Whether `user` may act as an admin of `community` (`None`: the default
/// community) at `now`: an operator, or on the group's admin list read
/// within `ADMIN_CACHE_SECONDS` (read again, and stored, when older).
/// `facts`: what a membership check just read, or `None` to read them.
pub async fn is_admin(
    db: &D1Database,
    config: &Config,
    community: Option<&Community>,
    user: i64,
    operator: bool,
    facts: Option<Facts>,
    now: i64,
) -> worker::Result<bool> {
    let rules = Rules::of(config);
    let Some(community) = community else {
        return Ok(
            super::is_admin(operator, super::Place::Default, None, false, now, &rules).allows(),
        );
    };
    let place = super::Place::Group {
        closed: community.closed,
    };
    let facts = match facts {
        Some(facts) => facts,
        None => members::facts(db, community.id, user).await?,
    };
    let list = facts.list_checked_at.map(|at| AdminList {
        listed: facts.admin,
        at,
    });
    match super::is_admin(operator, place, list, false, now, &rules) {
        Verdict::Ask => {}
        verdict => return Ok(verdict.allows()),
    }
    let Some(admins) = BotApi::new(config).chat_admins(community.chat_id).await else {
        return Ok(super::is_admin(operator, place, list, true, now, &rules).allows());
    };
    members::set_admins(db, community.id, &admins, now).await?;
    let list = Some(AdminList {
        listed: admins.contains(&user),
        at: now,
    });
    Ok(super::is_admin(operator, place, list, true, now, &rules).allows())
}
