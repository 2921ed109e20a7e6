//! The rules of `access.rs`, asked in the Worker: the facts come from D1
//! (what Telegram last said, `community_members`; when the admin list was
//! read, `community_admin_checks`), and Telegram is asked (and its answer
//! stored) only when the rule says the stored answer is too old.

use crate::store::Counted;
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
/// `facts`: what is known already (a membership check just read them, or
/// a hub remembers them), or `None` to read them. Returns the facts as
/// they are after any reading.
pub async fn is_admin(
    db: &D1Database,
    config: &Config,
    community: Option<&Community>,
    user: i64,
    operator: bool,
    facts: Option<Facts>,
    now: i64,
) -> worker::Result<(bool, Facts)> {
    let rules = Rules::of(config);
    let Some(community) = community else {
        let default = super::is_admin(operator, super::Place::Default, None, false, now, &rules);
        return Ok((default.allows(), facts.unwrap_or_default()));
    };
    let place = super::Place::Group {
        closed: community.closed,
    };
    let mut facts = match facts {
        Some(facts) => facts,
        None => members::facts(db, community.id, user).await?,
    };
    let list = facts.list_checked_at.map(|at| AdminList {
        listed: facts.admin,
        at,
    });
    match super::is_admin(operator, place, list, false, now, &rules) {
        Verdict::Ask => {}
        verdict => return Ok((verdict.allows(), facts)),
    }
    let Some(admins) = BotApi::new(config).chat_admins(community.chat_id).await else {
        let verdict = super::is_admin(operator, place, list, true, now, &rules);
        return Ok((verdict.allows(), facts));
    };
    members::set_admins(db, community.id, &admins, now).await?;
    facts.admin = admins.contains(&user);
    facts.list_checked_at = Some(now);
    let list = Some(AdminList {
        listed: facts.admin,
        at: now,
    });
    let verdict = super::is_admin(operator, place, list, true, now, &rules);
    Ok((verdict.allows(), facts))
}

/// Telegram answers one bot invocation may ask for (each a subrequest)
/// while it works out which communities a user may see.
pub const ASKS_PER_LOOKUP: usize = 10;

/// The communities `user` entered and may still see (`access.rs`), for
/// the bot's `/start` list and inline search: from what Telegram last
/// said, asking again (at most [`ASKS_PER_LOOKUP`] times; the rest are
/// left out for now) where that is too old. Also the communities Telegram
/// just said they left, whose hubs should take them out.
pub async fn visible(
    db: &D1Database,
    config: &Config,
    user: i64,
    now: i64,
) -> worker::Result<(Vec<Community>, Vec<Community>)> {
    let rules = Rules::of(config);
    let operator = config.is_listed_admin(user);
    let mut seen = Vec::new();
    let mut left = Vec::new();
    let mut asked = Vec::new();
    for (community, stored) in crate::store::communities::entered_by(db, user).await? {
        let place = super::Place::Group {
            closed: community.closed,
        };
        let verdict = match super::may_see(operator, place, stored, None, now, &rules) {
            Verdict::Ask if asked.len() < ASKS_PER_LOOKUP => {
                let said = match BotApi::new(config)
                    .chat_member(community.chat_id, user)
                    .await
                {
                    Member::Said { member, admin } => {
                        asked.push((community.id, user, member, admin));
                        Asked::Said(Answer { member, at: now })
                    }
                    Member::Silent => Asked::Silent,
                };
                let verdict = super::may_see(operator, place, stored, Some(said), now, &rules);
                if verdict == Verdict::No {
                    left.push(community.clone());
                }
                verdict
            }
            verdict => verdict,
        };
        if verdict.allows() {
            seen.push(community);
        }
    }
    if !asked.is_empty() {
        members::record_many(db, &asked, now)?.write().await?;
    }
    Ok((seen, left))
}
