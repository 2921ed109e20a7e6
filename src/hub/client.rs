//! The Worker's calls to a community's hub, typed: one function each on
//! the Worker's side, one [`Call`] the hub reads in [`receive`]. A hub has
//! no public route, so only the Worker calls it; the call travels in one
//! header, which the Worker always sets itself (a client's own is
//! overwritten).
//!
//! A hub is told which community it is by the call that opens a socket
//! (the slug), reads that community's row itself when it does not hold it
//! (the first socket, after a wake, or while it is closed: it may have
//! been folded into another), and is told by [`changed`] when the row
//! changes. So a socket to a warm hub costs no D1 statement.
//!
//! The call is form-encoded (ASCII, so it fits a header whatever a group's
//! title holds; and no serde code for it in the WASM).

use std::borrow::Cow;

use worker::{Env, Request, RequestInit, Response, Result, Stub};

use super::sockets::{Admission, Refusal, COMMUNITY_REFUSED};
use super::state::State;
use crate::communities::{self, Community};
use crate::limits;
use crate::protocol::{self, ServerMessage};
use crate::session::Session;

/// The Durable Object binding.
const BINDING: &str = "HUB";
/// The header a call travels in.
const HEADER: &str = "X-Mini-Events-Call";

/// What the Worker asks of a hub.
#[derive(Debug, Clone, PartialEq)]
pub enum Call {
    /// Open a socket (the request is the client's upgrade) for the
    /// community of this slug (`None`: the default one).
    Connect { slug: Option<String> },
    /// The community's row changed: closed, reopened, a new zone or chat.
    Changed { community: Community },
    /// `user` is no longer a member of the group.
    Left { user: i64 },
    /// `user` chose to hide from others' lists (or not), in another hub.
    Privacy { user: i64, hidden: bool },
    /// Requests may have lapsed (the cron found some due).
    Lapse,
    /// The benchmark's counters.
    Counters,
}

/// The hub of the community `slug` names (`None`: the default one).
fn hub_of(env: &Env, slug: Option<&str>) -> Result<Stub> {
    let name = match slug {
        Some(slug) => communities::hub_name(slug),
        None => protocol::APP.to_string(),
    };
    env.durable_object(BINDING)?.id_from_name(&name)?.get_stub()
}

fn encode(call: &Call) -> String {
    let mut form = form_urlencoded::Serializer::new(String::new());
    let (name, community) = match call {
        Call::Connect { slug } => {
            if let Some(slug) = slug {
                form.append_pair("slug", slug);
            }
            ("connect", None)
        }
        Call::Changed { community } => ("changed", Some(community)),
        Call::Left { user } => {
            form.append_pair("user", &user.to_string());
            ("left", None)
        }
        Call::Privacy { user, hidden } => {
            form.append_pair("user", &user.to_string())
                .append_pair("hidden", if *hidden { "1" } else { "0" });
            ("privacy", None)
        }
        Call::Counters => ("counters", None),
        Call::Lapse => ("lapse", None),
    };
    form.append_pair("call", name);
    if let Some(c) = community {
        form.append_pair("id", &c.id.to_string())
            .append_pair("slug", &c.slug)
            .append_pair("chat", &c.chat_id.to_string())
            .append_pair("title", &c.title)
            .append_pair("zone", &c.timezone)
            .append_pair("closed", if c.closed { "1" } else { "0" });
    }
    form.finish()
}

fn decode(header: &str) -> Option<Call> {
    let pairs: Vec<(Cow<str>, Cow<str>)> = form_urlencoded::parse(header.as_bytes()).collect();
    let get = |key: &str| {
        pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_ref())
    };
    let number = |key: &str| get(key)?.parse::<i64>().ok();
    let community = || {
        Some(Community {
            id: number("id")?,
            slug: get("slug")?.to_string(),
            chat_id: number("chat")?,
            title: get("title")?.to_string(),
            timezone: get("zone")?.to_string(),
            closed: get("closed")? == "1",
        })
    };
    match get("call")? {
        "connect" => Some(Call::Connect {
            slug: get("slug").map(str::to_string),
        }),
        "changed" => Some(Call::Changed {
            community: community()?,
        }),
        "left" => Some(Call::Left {
            user: number("user")?,
        }),
        "privacy" => Some(Call::Privacy {
            user: number("user")?,
            hidden: get("hidden")? == "1",
        }),
        "counters" => Some(Call::Counters),
        "lapse" => Some(Call::Lapse),
        _ => None,
    }
}

/// Hands a client's WebSocket upgrade to the hub of the community `slug`
/// names (`None`: the default one).
pub async fn connect(env: &Env, req: Request, slug: Option<&str>) -> Result<Response> {
    let stub = hub_of(env, slug)?;
    let mut forwarded = req.clone_mut()?;
    let call = encode(&Call::Connect {
        slug: slug.map(str::to_string),
    });
    forwarded.headers_mut()?.set(HEADER, &call)?;
    stub.fetch_with_request(forwarded).await
}

/// Sends `call` to the hub of `community`.
async fn tell(env: &Env, community: Option<&Community>, call: &Call) -> Result<Response> {
    tell_hub(env, community.map(|c| c.slug.as_str()), call).await
}

/// Sends `call` to the hub of the community `slug` names (`None`: the
/// default one).
async fn tell_hub(env: &Env, slug: Option<&str>, call: &Call) -> Result<Response> {
    let headers = worker::Headers::new();
    headers.set(HEADER, &encode(call))?;
    let mut init = RequestInit::new();
    init.with_headers(headers);
    let request = Request::new_with_init("https://hub/", &init)?;
    hub_of(env, slug)?.fetch_with_request(request).await
}

/// Tells a community's hub that its row changed. The hub may be asleep;
/// this wakes it only to take the row.
pub async fn changed(env: &Env, community: &Community) {
    let call = Call::Changed {
        community: community.clone(),
    };
    if let Err(error) = tell(env, Some(community), &call).await {
        worker::console_error!("telling a community's hub failed: {error}");
    }
}

/// Tells a community's hub that `user` left the group.
pub async fn left(env: &Env, community: &Community, user: i64) {
    if let Err(error) = tell(env, Some(community), &Call::Left { user }).await {
        worker::console_error!("telling a community's hub failed: {error}");
    }
}

/// Tells the hub of `community` (`None`: the default one) that `user`
/// chose to hide (or not): its attendee lists and faces follow at once.
pub async fn privacy(env: &Env, community: Option<&Community>, user: i64, hidden: bool) {
    if let Err(error) = tell(env, community, &Call::Privacy { user, hidden }).await {
        worker::console_error!("telling a hub of a privacy setting failed: {error}");
    }
}

/// Tells the hubs whose requests lapsed by now (the cron, every minute):
/// each withdraws them and tells whoever is online.
pub async fn lapse_due(env: &Env, now: i64) {
    let due = async {
        let db = crate::store::open(env).await?;
        crate::store::seats::lapsing(&db, now).await
    };
    match due.await {
        Ok(slugs) => {
            for slug in slugs {
                if let Err(error) = tell_hub(env, slug.as_deref(), &Call::Lapse).await {
                    worker::console_error!("telling a hub of lapsed requests failed: {error}");
                }
            }
        }
        Err(error) => worker::console_error!("finding lapsed requests failed: {error}"),
    }
}

/// The default hub's counters (for the benchmark).
pub async fn counters(env: &Env) -> Result<Response> {
    tell(env, None, &Call::Counters).await
}

/// The hub's side: carries out a call.
pub async fn receive(state: &State, req: Request) -> Result<Response> {
    let call = req.headers().get(HEADER)?.as_deref().and_then(decode);
    match call {
        Some(Call::Connect { slug: None }) => {
            state.settle(communities::DEFAULT, None);
            open(state, req).await
        }
        Some(Call::Connect { slug: Some(slug) }) => match community_of(state, &slug).await {
            Ok(Some(community)) if community.slug != slug => {
                // Folded into the group's community: its hub serves it.
                connect(&state.env, req, Some(&community.slug)).await
            }
            Ok(Some(community)) => {
                state.settle(community.id, Some(community));
                open(state, req).await
            }
            Ok(None) => Response::error("No such community", 404),
            Err(_) => Response::error("Internal server error", 500),
        },
        Some(Call::Changed { community }) => {
            let closed = community.closed;
            state.settle(community.id, Some(community));
            if closed {
                state
                    .sockets
                    .close_all(Refusal::close(COMMUNITY_REFUSED, "community closed"));
            }
            Response::ok("")
        }
        Some(Call::Left { user }) => {
            super::members::left(state, user).await;
            Response::ok("")
        }
        Some(Call::Privacy { user, hidden }) => {
            super::cmd::settings::hidden_elsewhere(state, user, hidden);
            // A card inside a busy event's window goes out at its end.
            super::broadcast::send_merged(state).await;
            Response::ok("")
        }
        Some(Call::Counters) => counters_of(state),
        Some(Call::Lapse) => {
            super::cmd::attend::lapse(state).await;
            super::broadcast::send_merged(state).await;
            Response::ok("")
        }
        None => Response::error("Not found", 404),
    }
}

/// The community this hub serves, as the Worker named it by `slug`: the
/// one it holds while open, else its row as D1 has it now (for the first
/// socket, after a wake, or while closed: it may have been reopened, or
/// folded into another).
async fn community_of(
    state: &State,
    slug: &str,
) -> std::result::Result<Option<Community>, crate::error::ClientError> {
    let place = state.place();
    if let Some(community) = &place.community {
        if community.slug == slug && !community.closed {
            return Ok(Some(community.clone()));
        }
    }
    crate::store::communities::by_slug(&state.db().await?, slug)
        .await
        .map_err(|e| super::state::internal("reading the community", e))
}

/// Opens a socket with the Hibernation API, within the limits on sockets
/// that have not logged in, and starts its login deadline.
async fn open(state: &State, req: Request) -> Result<Response> {
    let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
    if !upgrade.eq_ignore_ascii_case("websocket") {
        return Response::error("Expected a WebSocket upgrade", 426);
    }
    // Sockets that have not logged in cost memory and the alarm's time but
    // prove nothing, so there may be only so many, in all and per client.
    let ip = req.headers().get("CF-Connecting-IP")?.unwrap_or_default();
    let client = limits::client_key(&ip);
    let config = &state.config;
    match state.sockets.admission(
        &client,
        config.max_pending_sockets,
        config.max_pending_per_ip,
    ) {
        Admission::Open => {}
        Admission::HubFull => return Response::error("Too many connections waiting", 503),
        Admission::ClientFull => return Response::error("Too many connections", 429),
    }
    let now = state.clock.millis() as u64;
    let pair = worker::WebSocketPair::new()?;
    let session = Session {
        socket: super::sockets::new_socket_id(),
        opened: now,
        origin: crate::config::origin_of(&req.inner().url()).to_string(),
        client,
        community: state.place().id,
        ..Session::default()
    };
    let socket = session.socket;
    state.sockets.accept(&pair.server, session)?;
    super::sockets::send(&pair.server, &ServerMessage::Connect.to_json());
    state
        .deadlines
        .watch(&state.sockets, socket, now, now)
        .await;
    Response::from_websocket(pair.client)
}

/// D1 statements so far, sockets, and whether the catalog is loaded: only
/// when `DEBUG_COUNTERS` is "1", so deployments show nothing.
fn counters_of(state: &State) -> Result<Response> {
    if !state.config.debug_counters {
        return Response::error("Not found", 404);
    }
    let (reads, writes) = crate::store::counters::snapshot();
    let (logged_in, pending) = state.sockets.counts();
    let (broadcasts, shortest_gap) = state.windows.sent();
    Response::from_json(&serde_json::json!({
        "d1_reads": reads,
        "d1_writes": writes,
        "d1_most_per_invocation": crate::store::counters::most_per_invocation(),
        "d1_rows_read": crate::store::counters::rows_read(),
        "sockets": state.sockets.count(),
        "logged_in": logged_in,
        "pending": pending,
        "catalog_loaded": state.is_loaded(),
        "broadcasts": broadcasts,
        "shortest_broadcast_gap_ms": shortest_gap.is_finite().then_some(shortest_gap),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calls_travel_in_a_header_whatever_the_title() {
        let community = Community {
            id: 3,
            slug: "AbCdEfGh12".into(),
            chat_id: -100_123,
            title: "Wanderfreunde \u{1F97E} \"Süd\"\r\n".into(),
            timezone: "Europe/Berlin".into(),
            closed: false,
        };
        for call in [
            Call::Connect {
                slug: Some(community.slug.clone()),
            },
            Call::Connect { slug: None },
            Call::Changed { community },
            Call::Left {
                user: 5_000_000_001,
            },
            Call::Privacy {
                user: 7,
                hidden: true,
            },
            Call::Counters,
        ] {
            let header = encode(&call);
            assert!(header.bytes().all(|b| b.is_ascii_graphic()), "{header}");
            assert_eq!(decode(&header), Some(call));
        }
        assert_eq!(decode("call=changed&id=x"), None);
        assert_eq!(decode("call=dance"), None);
        assert_eq!(decode(""), None);
    }
}
