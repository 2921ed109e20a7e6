//! Mini Events: a Telegram Mini App for community events on a Cloudflare
//! Worker.
//!
//! The request path reads top to bottom: this router sends `/ws` (or
//! `/ws?c=<slug>`, a group's community) to its Durable Object through
//! [`hub::client`]; the hub ([`hub`]) takes each frame through `hub/cmd/`
//! (one file per family of messages) over its one [`hub::state::State`];
//! commands apply the rules of [`catalog`] and [`seats`], ask [`access`]
//! who may see and do what, and write through [`store`] (D1).
//!
//! Where each concern lives:
//!
//! | module | what |
//! |---|---|
//! | [`protocol`] | every JSON shape on the wire, and the kinds of client message |
//! | [`init_data`] | Telegram's initData: validating (and signing, for tests) |
//! | [`access`] | who may see a community, who is its admin, who hosts (pure); the checks against D1 and Telegram in `access/check.rs` |
//! | [`catalog`], [`validate`] | the events and attendance in memory and their rules; the rules for admins' event fields |
//! | [`seats`] | capacity, the going list and the waitlist, guests (pure) |
//! | [`calendar`], [`feeds`] | days, zones, series, local times, feed tokens and RFC 5545 (pure); the `/calendar/` endpoints |
//! | [`communities`] | every Telegram group its own community: slugs, start parameters, member statuses (pure) |
//! | [`hub`] | the Durable Object, one per community: its state (`state.rs`), the Worker's calls (`client.rs`), one file per family of messages (`cmd/`), broadcasts, sockets, turns, seat commits, merge windows, rendered messages, users, the login timeout |
//! | [`media`] | pictures: what is accepted, keys, absolute URLs; R2 and `/media/<key>` in `media/bucket.rs` |
//! | [`store`] | every SQL statement, one file per concern (events, seats, users, communities, members, the outbox) and the upgrade of older databases (`migrate.rs`) |
//! | [`bot`] | the webhook, one function per update (`mod.rs`); reading updates, every text the bot writes, the Bot API's bodies (pure); the Bot API client |
//! | [`notify`], [`reminders`], [`clock`] | the cron and the bot's outbox; when reminders are due; the clock and local time through `Intl` |
//! | [`config`], [`limits`], [`error`], [`session`] | settings; limits; the errors a client can get; a socket's session |
//!
//! Pure modules never touch `worker`, so `cargo test` checks them on the
//! host.

pub mod init_data;

mod access;
mod bot;
mod calendar;
mod catalog;
mod clock;
mod communities;
mod config;
mod door;
mod error;
mod export;
mod feeds;
mod hub;
mod i18n;
mod limits;
mod media;
mod notify;
#[cfg(test)]
mod properties;
mod protocol;
mod reminders;
mod seats;
mod session;
mod store;
pub mod tickets;
mod validate;

use worker::{
    console_error, event, Context, Env, Method, Request, Response, Result, ScheduleContext,
    ScheduledEvent,
};

/// Every setting, read from the Worker's vars and secrets.
pub(crate) fn config_from_env(env: &Env) -> config::Config {
    let config =
        config::Config::from_lookup(|name| env.var(name).ok().map(|value| value.to_string()));
    store::counters::switch_on(config.debug_counters);
    config
}

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    // A failure is logged here and answered plainly: an error that escaped
    // would reach the client as the runtime's error page, with a stack.
    match store::counters::invocation(route(req, env, ctx)).await {
        Ok(response) => Ok(response),
        Err(error) => {
            console_error!("request failed: {error}");
            Response::error("Internal server error", 500)
        }
    }
}

async fn route(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    if let Some(rest) = path.strip_prefix(feeds::PREFIX) {
        return match req.method() {
            Method::Get | Method::Head => {
                let origin = config::origin_of(&req.inner().url()).to_string();
                // Boxed, like the webhook below: each is a large future of
                // its own, not inlined into the router's (see BENCHMARKS.md).
                Box::pin(feeds::serve(&env, &config_from_env(&env), rest, &origin)).await
            }
            _ => Response::error("Method not allowed", 405),
        };
    }
    if let Some(rest) = path.strip_prefix(export::PREFIX) {
        return match req.method() {
            Method::Get | Method::Head => {
                Box::pin(export::serve(&env, &config_from_env(&env), rest)).await
            }
            _ => Response::error("Method not allowed", 405),
        };
    }
    if let Some(key) = path.strip_prefix(media::MEDIA_PREFIX) {
        return match req.method() {
            Method::Get | Method::Head => media::bucket::serve(&env, key).await,
            _ => Response::error("Method not allowed", 405),
        };
    }
    match path.as_str() {
        "/ws" => {
            let upgrade = req.headers().get("Upgrade")?.unwrap_or_default();
            if !upgrade.eq_ignore_ascii_case("websocket") {
                return Response::error("Expected a WebSocket upgrade", 426);
            }
            let url = req.inner().url();
            let own = config::origin_of(&url);
            let origin = req.headers().get("Origin")?;
            if !config_from_env(&env).origin_allowed(origin.as_deref(), own) {
                return Response::error("Origin not allowed", 403);
            }
            // `?c=<slug>` or `?start=<start_param>` naming one (`c<slug>`,
            // `c<slug>_<event>`): a group's community, in its own hub; an
            // unknown one is refused before any upgrade. The hub reads its
            // community itself, by the slug we name, never from the client.
            let named = query_param(&url, "c").map(str::to_string).or_else(|| {
                query_param(&url, "start").and_then(|p| communities::parse_start_param(p).community)
            });
            if let Some(slug) = named.as_deref() {
                if !communities::valid_slug(slug) || !slug_exists(&env, slug).await? {
                    return Response::error("No such community", 404);
                }
            }
            hub::client::connect(&env, req, named.as_deref()).await
        }
        // Only for the benchmarks: otherwise nothing may wake the hub here.
        "/__counters" if config_from_env(&env).debug_counters => hub::client::counters(&env).await,
        "/telegram/webhook" if req.method() == Method::Post => {
            Box::pin(bot::webhook(req, env, ctx)).await
        }
        // Static files are served before the Worker runs; what reaches us
        // here is a path no one serves.
        _ => Response::error("Not found", 404),
    }
}

thread_local! {
    /// Slugs this isolate found in D1. A slug, once made, names a
    /// community for good (a folded one opens the community it went into),
    /// so a known one needs no D1 read before its hub is asked (which
    /// decides the rest: closed, folded, who may enter).
    static SLUGS: std::cell::RefCell<Vec<String>> = const { std::cell::RefCell::new(Vec::new()) };
}

/// Slugs remembered per isolate at most (then it starts again).
const SLUGS_REMEMBERED: usize = 1024;

/// Whether `slug` names a community: from memory, or D1 once.
async fn slug_exists(env: &Env, slug: &str) -> Result<bool> {
    if SLUGS.with(|s| s.borrow().iter().any(|known| known == slug)) {
        return Ok(true);
    }
    let found = store::communities::by_slug(&env.d1("DB")?, slug)
        .await?
        .is_some();
    if found {
        SLUGS.with(|s| {
            let mut slugs = s.borrow_mut();
            if slugs.len() >= SLUGS_REMEMBERED {
                slugs.clear();
            }
            slugs.push(slug.to_string());
        });
    }
    Ok(found)
}

/// The raw value of `key` in `url`'s query (no percent-decoding: what we
/// read this way is plain `[A-Za-z0-9]` when valid). The `url` crate would
/// bring its Unicode tables into the WASM for this.
pub(crate) fn query_param<'u>(url: &'u str, key: &str) -> Option<&'u str> {
    let query = url.split_once('?')?.1;
    let query = query.split('#').next().unwrap_or(query);
    query
        .split('&')
        .filter_map(|pair| pair.split_once('=').or(Some((pair, ""))))
        .find(|(k, _)| *k == key)
        .map(|(_, v)| v)
}

/// Every minute: the reminders and notices that are due.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    let now = config_from_env(&env).clock.now();
    store::counters::invocation(async {
        hub::client::lapse_due(&env, now).await;
        notify::run(&env).await;
    })
    .await;
}
