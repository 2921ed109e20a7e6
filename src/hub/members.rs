//! Who is still a member, in a group's community: someone Telegram says
//! left is taken out ([`left`]), and the users of open sockets are asked
//! about again once Telegram's answer is too old ([`recheck`], from the
//! hub's alarm). The rule itself is `access.rs`'s.

use super::cmd::attend;
use super::sockets::{Refusal, COMMUNITY_REFUSED};
use super::state::{internal, State};
use crate::access::{check, Verdict};
use crate::catalog::Seat;
use crate::store::{self, outbox};

/// Users asked about again by one alarm at most (each a Bot API call;
/// the rest wait for the next alarm).
const RECHECKS_PER_ALARM: usize = 40;

/// An open socket's user is asked about again this long at most after
/// their answer became too old.
const RECHECK_WITHIN_MS: u64 = 60_000;

/// When (ms) to ask again about a user whose answer is from `at`: once it
/// is too old, within a minute (sooner for short cache times).
pub fn recheck_at(at: i64, cache_seconds: i64) -> u64 {
    let cache_ms = (cache_seconds.max(0) as u64) * 1000;
    (at.max(0) as u64) * 1000 + cache_ms + RECHECK_WITHIN_MS.min(cache_ms.max(1000))
}

/// Telegram says `user` is no longer a member: their sockets here are
/// closed (4003), their places in this community's events go as if they
/// had left (seats to the waitlist, with the usual notices and
/// broadcasts), and the reminders and notices still owed to them about
/// this community are dropped. Joining again restores nothing.
pub async fn left(state: &State, user: i64) {
    state.sockets.close_users(
        |id| id == user,
        Refusal::close(COMMUNITY_REFUSED, "not a member"),
    );
    state.users.forget_facts(user);
    if let Err(error) = take_out(state, user).await {
        worker::console_error!("taking out someone who left failed: {error}");
    }
    // Whoever their seats went to hears of it now.
    super::broadcast::send_merged(state).await;
    state.send_notices().await;
}

async fn take_out(state: &State, user: i64) -> Result<(), crate::error::ClientError> {
    state.ready().await?;
    let events = state.with_catalog(|c| Ok(c.listed_events(user)))?;
    for event in events {
        attend::change(state, user, event, Seat::Leave).await?;
    }
    let db = state.db().await?;
    let dropped = outbox::drop_statements(&db, state.place().id, user)
        .map_err(|e| internal("dropping notices", e))?;
    store::counters::write(dropped.len() as u64);
    crate::store::batch(&db, dropped)
        .await
        .map_err(|e| internal("dropping notices", e))?;
    Ok(())
}

/// Asks again about the users of open sockets whose answer is too old
/// (`MEMBER_CACHE_SECONDS`): someone no longer a member is taken out.
/// Returns when the next answer becomes too old (ms), for the alarm.
pub async fn recheck(state: &State) -> Option<u64> {
    let place = state.place();
    let community = place.community.clone()?;
    if community.closed {
        return None;
    }
    let users = state.sockets.users();
    if users.is_empty() {
        return None;
    }
    let now = state.clock.seconds();
    let cache = state.config.member_cache_seconds;
    let (_, stale) = state.users.stale(&users, now, cache);
    if !stale.is_empty() {
        let db = state.db().await.ok()?;
        for user in stale.iter().take(RECHECKS_PER_ALARM) {
            let operator = state.config.is_listed_admin(*user);
            let checked =
                check::may_see(&db, &state.config, &community, *user, operator, now).await;
            match checked {
                Ok((Verdict::No, _)) => left(state, *user).await,
                Ok((_, facts)) => state.users.remember_facts(*user, facts),
                Err(error) => {
                    internal("checking a membership", error);
                }
            }
        }
    }
    // Whoever is still too old (Telegram silent, or more than one alarm
    // asks) is asked at the next alarm; else when the next one gets old.
    let users = state.sockets.users();
    let (soonest, still) = state.users.stale(&users, now, cache);
    Some(match still.is_empty() {
        // `soonest` is when the next answer gets too old.
        true => recheck_at(soonest? - cache, cache),
        false => recheck_at(now - cache, cache),
    })
}
