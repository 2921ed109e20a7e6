//! Telling the sockets: an event as it is now, to everyone or to the
//! sockets of one user, merged in storms (`merge.rs`), each socket with
//! its own `attending` and image URLs on the origin it connected to.

use std::rc::Rc;
use std::time::Duration;

use worker::js_sys::JsString;
use worker::Delay;

use super::merge::Audience;
use super::state::State;

/// Whose sockets a message goes to.
#[derive(Debug, Clone, Copy)]
enum Recipients {
    All,
    Only(i64),
    /// A window's end: everyone who does not hold the latest state yet
    /// (not the last actor, if nothing changed since they were told; not
    /// the sockets that logged in since the last change).
    Merged {
        skip: Option<i64>,
        joined_by: u64,
    },
    /// The event's hosts (a check-in changed what only they see).
    Hosts,
}

impl Recipients {
    fn includes(self, user: i64, joined: u64) -> bool {
        match self {
            Recipients::All => true,
            Recipients::Only(only) => user == only,
            Recipients::Merged { skip, joined_by } => skip != Some(user) && joined <= joined_by,
            Recipients::Hosts => true,
        }
    }
}

/// Tells of a change to event `id` made by `actor`: at once to everyone,
/// or, inside a busy event's window, to the actor's sockets now and to
/// everyone at the window's end ([`send_merged`]).
pub fn changed(state: &State, id: i64, actor: i64) {
    let Ok(revision) = state.with_catalog(|c| Ok(c.get(id)?.revision)) else {
        return;
    };
    let logins = state.sockets.logins();
    match state
        .windows
        .change(id, revision, actor, logins, state.clock.millis())
    {
        Audience::Everyone => send_event(state, id, Recipients::All),
        Audience::Actor => send_event(state, id, Recipients::Only(actor)),
    }
}

/// Sends the windows' merged changes as each window ends, for as long as
/// there are windows no handler has taken on. Each wait is at most one
/// window, so an idle hub still hibernates.
pub async fn send_merged(state: &State) {
    while let Some(claim) = state.windows.claim() {
        let wait = claim.at - state.clock.millis();
        if wait > 0.0 {
            Delay::from(Duration::from_millis(wait.ceil() as u64)).await;
        }
        let Some(flush) = state.windows.flush(claim, state.clock.millis()) else {
            continue;
        };
        let revision = state.with_catalog(|c| Ok(c.get(claim.event)?.revision));
        let skip = revision.ok().and_then(|r| flush.skips(r));
        let to = Recipients::Merged {
            skip,
            joined_by: flush.joined_by(),
        };
        send_event(state, claim.event, to);
    }
}

/// Sends event `id` as it is now to the logged-in sockets of `to`, each
/// with its own `attending` and image URLs on the origin it connected to
/// (unless `PUBLIC_URL` is set): one client's `Host` never changes what
/// others see. The event is rendered once per origin and standing, not
/// once per socket (`views.rs`).
fn send_event(state: &State, id: i64, to: Recipients) {
    let place = state.place();
    let now = state.now();
    let bases = match &state.config.public_url {
        Some(url) => vec![url.clone()],
        None => state.sockets.origins(),
    };
    let _ = state.with_catalog(|catalog| {
        let Some(listed) = catalog.occurrence(id, &place.zone, now) else {
            return Ok(());
        };
        let event = catalog.get(id)?;
        let views: Vec<_> = bases
            .iter()
            .map(|base| {
                let render = || (state.when(&place, &listed), state.users.faces(catalog, id));
                (base.as_str(), state.views.of(event, &listed, render, base))
            })
            .collect();
        let extras = state.extras(&place, now);
        let hosts_only = matches!(to, Recipients::Hosts);
        state.sockets.send_each(|session, joined| {
            let user = session.user.as_ref().filter(|u| {
                to.includes(u.id, joined) && (!hosts_only || event.is_hosted_by(u.id, u.is_admin))
            })?;
            let base = state.base_url(session);
            let (_, view) = views.iter().find(|(b, _)| *b == base)?;
            Some(view.for_session(event, user, &extras))
        });
        Ok(())
    });
}

/// Tells event `id`'s hosts what changed at its door (their count).
pub fn to_hosts(state: &State, id: i64) {
    send_event(state, id, Recipients::Hosts);
}

/// Sends `text` to every logged-in socket.
pub fn everyone(state: &State, text: &str) {
    let text = Rc::new(JsString::from(text));
    state.sockets.send_each(|_, _| Some(Rc::clone(&text)));
}
