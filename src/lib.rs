//! Mini Events: a Telegram Mini App for community events on a Cloudflare
//! Worker.
//!
//! The request path reads top to bottom: this router sends `/ws` to the
//! Durable Object in [`hub`], which hands each client message to its handler;
//! handlers apply the rules of [`catalog`] and write through [`store`] (D1).
//! [`protocol`], [`init_data`], [`catalog`], [`config`] and [`validate`] never
//! touch `worker`, so `cargo test` checks them on the host.

pub mod catalog;
pub mod config;
pub mod error;
pub mod image;
pub mod init_data;
pub mod limits;
pub mod protocol;
pub mod session;
pub mod telegram;
pub mod validate;

mod bot;
mod clock;
mod hub;
mod media;
mod notify;
#[cfg(test)]
mod properties;
mod store;

pub use hub::EventHub;

use worker::{
    console_error, event, Context, Env, Method, Request, Response, Result, ScheduleContext,
    ScheduledEvent,
};

/// Every setting, read from the Worker's vars and secrets.
pub(crate) fn config_from_env(env: &Env) -> config::Config {
    config::Config::from_lookup(|name| env.var(name).ok().map(|value| value.to_string()))
}

/// The Durable Object binding and the name of the one hub this app uses.
const HUB_BINDING: &str = "HUB";

#[event(fetch)]
async fn fetch(req: Request, env: Env, ctx: Context) -> Result<Response> {
    console_error_panic_hook::set_once();
    // A failure is logged here and answered plainly: an error that escaped
    // would reach the client as the runtime's error page, with a stack.
    match route(req, env, ctx).await {
        Ok(response) => Ok(response),
        Err(error) => {
            console_error!("request failed: {error}");
            Response::error("Internal server error", 500)
        }
    }
}

async fn route(req: Request, env: Env, ctx: Context) -> Result<Response> {
    let path = req.path();
    if let Some(key) = path.strip_prefix(image::MEDIA_PREFIX) {
        return match req.method() {
            Method::Get | Method::Head => media::serve(&env, key).await,
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
            hub(&env)?.fetch_with_request(req).await
        }
        // The hub answers 404 unless DEBUG_COUNTERS is set.
        hub::COUNTERS_PATH => hub(&env)?.fetch_with_request(req).await,
        "/telegram/webhook" if req.method() == Method::Post => bot::webhook(req, env, ctx).await,
        // Static files are served before the Worker runs; what reaches us
        // here is a path no one serves.
        _ => Response::error("Not found", 404),
    }
}

/// The one hub of this app.
fn hub(env: &Env) -> Result<worker::Stub> {
    env.durable_object(HUB_BINDING)?
        .id_from_name(protocol::APP)?
        .get_stub()
}

/// Every minute: tell attendees their event is starting.
#[event(scheduled)]
async fn scheduled(_event: ScheduledEvent, env: Env, _ctx: ScheduleContext) {
    console_error_panic_hook::set_once();
    notify::run(&env).await;
}
