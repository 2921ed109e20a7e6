//! `GET /calendar/<token>.ics` (a user's feed: the events they go to) and
//! `GET /calendar/<token>/<id>.ics` (one event, for "Add to calendar").
//! The token says whose feed it is (`calendar/feed.rs`); a wrong token or
//! an unknown event is 404. What goes in the feed is `calendar/ics.rs`.

use worker::{Env, Response, Result};

use crate::access::check;
use crate::bot::reply::Links;
use crate::calendar::{feed, ics};
use crate::catalog::Event;
use crate::clock::Zones;
use crate::communities::{self, Community};
use crate::config::Config;
use crate::store;

/// Where the feeds are served, followed by the token.
pub const PREFIX: &str = "/calendar/";

/// What a feed path asks for.
#[derive(Debug, PartialEq)]
enum Wanted<'a> {
    Feed { token: &'a str },
    Event { token: &'a str, id: i64 },
}

fn parse(rest: &str) -> Option<Wanted<'_>> {
    let rest = rest.strip_suffix(".ics")?;
    match rest.split_once('/') {
        None => Some(Wanted::Feed { token: rest }),
        Some((token, id)) => {
            let id = id
                .bytes()
                .all(|b| b.is_ascii_digit())
                .then(|| id.parse().ok())
                .flatten()?;
            Some(Wanted::Event { token, id })
        }
    }
}

pub async fn serve(env: &Env, config: &Config, rest: &str, origin: &str) -> Result<Response> {
    let not_found = || Response::error("Not found", 404);
    let Some(wanted) = parse(rest) else {
        return not_found();
    };
    let key = feed::key(config.calendar_secret.as_deref(), &config.bot_token);
    let token = match wanted {
        Wanted::Feed { token } | Wanted::Event { token, .. } => token,
    };
    // Without a bot token there is no secret to check tokens with.
    let user = match config.bot_token.is_empty() {
        true => None,
        false => feed::user_of(&key, token),
    };
    let Some(user) = user else {
        return not_found();
    };
    let db = store::open(env).await?;
    let (events, name) = match wanted {
        Wanted::Feed { .. } => (store::events::attended_by(&db, user).await?, "Mini Events"),
        Wanted::Event { id, .. } => match store::events::event(&db, id).await? {
            Some(event) => (vec![event], "Mini Events event"),
            None => return not_found(),
        },
    };
    // A group's events only for those who may see it (`access.rs`).
    let mut groups: Vec<Community> = Vec::new();
    let mut refused: Vec<i64> = Vec::new();
    let now = config.clock.seconds();
    let operator = config.is_listed_admin(user);
    for event in &events {
        let id = event.community;
        if id == communities::DEFAULT || groups.iter().any(|c| c.id == id) || refused.contains(&id)
        {
            continue;
        }
        let seen = match store::communities::by_id(&db, id).await? {
            Some(community) => {
                let (verdict, _) =
                    check::may_see(&db, config, &community, user, operator, now).await?;
                verdict.allows().then_some(community)
            }
            None => None,
        };
        match seen {
            Some(community) => groups.push(community),
            None => refused.push(id),
        }
    }
    if matches!(wanted, Wanted::Event { .. }) && !refused.is_empty() {
        return not_found();
    }
    let events: Vec<Event> = events
        .into_iter()
        .filter(|e| !refused.contains(&e.community))
        .collect();
    let zones = Zones::new(
        &config.timezone,
        groups.iter().map(|c| (c.id, c.timezone.as_str())),
    );
    let base = config
        .public_url
        .clone()
        .unwrap_or_else(|| origin.to_string());
    let links = Links {
        public_url: base.clone(),
        bot_username: config.bot_username.clone(),
        app_short_name: config.app_short_name.clone(),
    };
    let entries: Vec<ics::Entry> = events
        .iter()
        .map(|event: &Event| ics::Entry {
            id: event.id,
            title: &event.title,
            description: &event.description,
            location: &event.location,
            schedule: event.schedule(),
            zone: zones.of(event.community),
            // A group's event opens in its own community.
            url: match groups.iter().find(|c| c.id == event.community) {
                Some(c) => links.mini_app_start(&communities::start_param(&c.slug, Some(event.id))),
                None => links.mini_app_link(Some(event.id)),
            },
        })
        .collect();
    let host = base.split("://").nth(1).unwrap_or(&base).to_string();
    let body = ics::calendar(&entries, name, &host, config.clock.now());
    let mut response = Response::ok(body)?;
    let headers = response.headers_mut();
    headers.set("Content-Type", "text/calendar; charset=utf-8")?;
    headers.set(
        "Content-Disposition",
        "inline; filename=\"mini-events.ics\"",
    )?;
    headers.set("Cache-Control", "private, max-age=300")?;
    headers.set("X-Content-Type-Options", "nosniff")?;
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_feed_paths() {
        assert_eq!(parse("5-abc.ics"), Some(Wanted::Feed { token: "5-abc" }));
        assert_eq!(
            parse("5-abc/12.ics"),
            Some(Wanted::Event {
                token: "5-abc",
                id: 12
            })
        );
        for bad in [
            "5-abc",
            "5-abc/x.ics",
            "5-abc/-1.ics",
            "5-abc/.ics",
            "a/b/c.ics",
        ] {
            assert_eq!(parse(bad), None, "{bad}");
        }
    }
}
