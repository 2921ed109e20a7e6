//! `login`: check the initData, let the user in (or not: the community's
//! access rule, `access.rs`), record them, then send `welcome`, every
//! event and `events-loaded`. Also the admin check every admin message
//! makes ([`confirm_admin`]).

use worker::{console_log, WebSocket};

use crate::access::{self, check, Verdict};
use crate::calendar::feed;
use crate::communities;
use crate::error::ClientError;
use crate::hub::sockets::{self, send, Refusal, COMMUNITY_REFUSED, LOGIN_FAILED, TRY_AGAIN_LATER};
use crate::hub::state::{internal, State};
use crate::init_data::{self, InitData, InitDataError};
use crate::protocol::{self, ServerMessage};
use crate::session::{Session, SessionUser};
use crate::store::{self, members};

/// Logs `ws` in with `data` (the initData), or refuses it: `disconnect`,
/// then a close that says why. Nothing more from a refused socket is
/// served.
pub async fn login(
    state: &State,
    ws: &WebSocket,
    session: Session,
    data: Result<String, ClientError>,
) -> Result<(), ClientError> {
    let refuse = |reason| {
        state
            .sockets
            .close_for_good(ws, Refusal::login(LOGIN_FAILED, reason));
        Ok(())
    };
    let Ok(data) = data else {
        return refuse("login needs initData in data");
    };
    let config = &state.config;
    let now = state.clock.seconds();
    let init = match init_data::validate(&data, &config.bot_token, now, config.auth_max_age) {
        Ok(init) => init,
        Err(error) => {
            if error == InitDataError::NoToken {
                console_log!("login refused: BOT_TOKEN is not set");
            }
            return refuse(error.reason());
        }
    };
    let socket = session.socket;
    if !state.sockets.reserve_login(socket, init.user.id) {
        return refuse("too many connections for this user");
    }
    let welcomed = enter(state, ws, session, init, now).await;
    state.sockets.end_login(socket);
    welcomed
}

/// Lets the (valid) `init`'s user in, if the community's rule allows, and
/// sends what a login gets.
async fn enter(
    state: &State,
    ws: &WebSocket,
    mut session: Session,
    init: InitData,
    now: i64,
) -> Result<(), ClientError> {
    state.ready().await?;
    let place = state.place();
    let db = state.db().await?;
    let user_id = init.user.id;
    let photo_url = photo_url(init.user.photo_url.as_deref());
    let trust = state.config.member_cache_seconds;
    let (stored, changed) = state
        .users
        .record_login(&db, &init.user, &photo_url, now, trust)
        .await
        .map_err(|e| internal("recording the user", e))?;
    let operator = state.config.is_listed_admin(user_id) || stored.is_admin;
    let mut facts = None;
    if let Some(community) = &place.community {
        let (verdict, found) = membership(state, &db, community, user_id, operator, now).await?;
        let refusal = match verdict {
            Verdict::Yes => None,
            _ if community.closed => Some(Refusal::login(COMMUNITY_REFUSED, "community closed")),
            Verdict::No => Some(Refusal::login(COMMUNITY_REFUSED, "not a member")),
            Verdict::Ask | Verdict::Unknown => {
                Some(Refusal::login(TRY_AGAIN_LATER, "try again later"))
            }
        };
        if let Some(refusal) = refusal {
            state.sockets.close_for_good(ws, refusal);
            if verdict == Verdict::No && !community.closed {
                // Someone who left the group keeps no places in it.
                crate::hub::members::left(state, user_id).await;
            }
            return Ok(());
        }
        // The bot's private /start lists the communities a user entered.
        let mut found = found;
        if !found.entered {
            match members::mark_entered(&db, community.id, user_id, now).await {
                Ok(()) => found.entered = true,
                Err(e) => {
                    internal("recording an entry", e);
                }
            }
        }
        facts = Some(found);
    }
    let is_admin = match &place.community {
        None => operator,
        Some(community) => {
            let (admin, found) = check::is_admin(
                &db,
                &state.config,
                Some(community),
                user_id,
                operator,
                facts,
                now,
            )
            .await
            .map_err(|e| internal("checking the admins", e))?;
            state.users.remember_facts(user_id, found);
            // The alarm asks again about this user once the answer is too
            // old (`hub/members.rs`).
            if let Some(at) = found.checked_at {
                let due = crate::hub::members::recheck_at(at, state.config.member_cache_seconds);
                let now_ms = state.clock.millis() as u64;
                state
                    .deadlines
                    .set_alarm_by(&state.sockets, due, now_ms)
                    .await;
            }
            admin
        }
    };
    let user = SessionUser {
        id: init.user.id,
        name: init.user.display_name(),
        is_admin,
        username: init.user.username.clone().unwrap_or_default(),
        photo_url,
    };
    if changed {
        // New faces on the cards they are on (seen at those events' next
        // change: nothing is pushed for it).
        let _ = state.with_catalog(|c| Ok(c.touch_faces(user.id)));
    }
    session.user = Some(user.clone());
    let open = state
        .sockets
        .save(ws, &session)
        .map_err(|e| internal("saving the session", e))?;
    if !open {
        return Ok(()); // closed while the login was checked
    }

    // From here on nothing awaits, so no broadcast can slip in between the
    // initial events and `events-loaded`.
    let base = state.base_url(&session);
    let feed = format!(
        "{}/calendar/{}",
        base.trim_end_matches('/'),
        feed::token(&state.feed_key(), user.id)
    );
    send(
        ws,
        &ServerMessage::Welcome {
            telegram_id: user.id,
            name: &user.name,
            is_admin: user.is_admin,
            reminder: stored.reminder,
            calendar: &format!("{feed}.ics"),
            calendar_event: &format!("{feed}/{{id}}.ics"),
            limits: protocol::LIMITS,
            hidden: stored.hidden,
            language: stored.language(),
            languages: &crate::i18n::LANGUAGES,
            community: place.community.as_ref().map(|c| protocol::CommunityView {
                slug: &c.slug,
                title: &c.title,
            }),
        }
        .to_json(),
    );
    let calendar_now = state.now();
    let archive = state.config.archive_days * 86_400;
    let extras = state.extras(&place, calendar_now);
    let selected = state.with_catalog(|catalog| {
        for listed in catalog.listing(&place.zone, calendar_now, archive) {
            let event = catalog.get(listed.id)?;
            let render = || {
                (
                    state.when(&place, &listed),
                    state.users.faces(catalog, listed.id),
                )
            };
            let view = state.views.of(event, &listed, render, base);
            if !sockets::send_js(ws, &view.for_session(event, &user, &extras)) {
                break;
            }
        }
        Ok(init
            .start_param
            .as_deref()
            .and_then(|p| {
                communities::parse_start_param(p)
                    .event
                    .or_else(|| crate::tickets::event_of_start(p))
            })
            .filter(|id| catalog.get(*id).is_ok()))
    })?;
    send(ws, &ServerMessage::EventsLoaded { selected }.to_json());
    Ok(())
}

/// Lets an admin message through only if its sender is an admin now
/// (`access.rs`): listed in `ADMIN_IDS`, flagged in D1 at this moment (one
/// read; admin messages are rare), or, in a group's community, on its
/// admin list. The session's flag only spares the reads for sockets that
/// never were admins. A revoked admin's session loses the flag.
pub async fn confirm_admin(
    state: &State,
    ws: &WebSocket,
    user: &SessionUser,
) -> Result<(), ClientError> {
    if !user.is_admin {
        return Err(ClientError::Forbidden);
    }
    if state.config.is_listed_admin(user.id) {
        return Ok(());
    }
    let db = state.db().await?;
    let flagged = store::users::admin_flag(&db, user.id)
        .await
        .map_err(|e| internal("reading the admin flag", e))?;
    state.users.set_operator(user.id, flagged);
    let place = state.place();
    let (admin, _) = check::is_admin(
        &db,
        &state.config,
        place.community.as_ref(),
        user.id,
        flagged,
        None,
        state.clock.seconds(),
    )
    .await
    .map_err(|e| internal("checking the admins", e))?;
    if admin {
        return Ok(());
    }
    state.sockets.demote(ws);
    Err(ClientError::Forbidden)
}

/// Whether `user` may see `community` now: from what this hub remembers
/// while it is young enough (a warm login costs no D1 statement), else as
/// `access/check.rs` finds it (D1, and Telegram when that is too old).
async fn membership(
    state: &State,
    db: &worker::D1Database,
    community: &crate::communities::Community,
    user: i64,
    operator: bool,
    now: i64,
) -> Result<(Verdict, members::Facts), ClientError> {
    let rules = access::Rules::of(&state.config);
    let place = access::Place::Group {
        closed: community.closed,
    };
    if let Some(known) = state.users.facts(user) {
        if access::may_see(operator, place, known.answer(), None, now, &rules) == Verdict::Yes {
            return Ok((Verdict::Yes, known));
        }
    }
    check::may_see(db, &state.config, community, user, operator, now)
        .await
        .map_err(|e| internal("checking a membership", e))
}

/// Longest profile picture URL kept.
const MAX_PHOTO_URL: usize = 512;

/// A profile picture URL from initData, kept only when it is a plain
/// `https` URL (it goes into pages as an image source).
fn photo_url(url: Option<&str>) -> String {
    match url {
        Some(url)
            if url.starts_with("https://")
                && url.len() <= MAX_PHOTO_URL
                && !url.contains(|c: char| c.is_whitespace() || c.is_control() || c == '"') =>
        {
            url.to_string()
        }
        _ => String::new(),
    }
}
