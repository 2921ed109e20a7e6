//! The `event` messages as they go out, rendered once per change of an
//! event and standing (not going, going with so many guests, waiting at
//! some place) and kept as JS strings, so a broadcast to many sockets converts nothing per socket and
//! a login sends what is already made.
//!
//! A rendering remembers the event's revision, the occurrence it shows and
//! the origin its image URL was made absolute with; asked for an event
//! whose revision, occurrence (a series moved on) or origin differs, it
//! renders again. Nothing is invalidated by hand, so no change can leave a
//! stale message behind. Without `PUBLIC_URL`, each socket gets image URLs
//! on the origin it connected to, so an event may have a few renderings at
//! once (at most [`ORIGINS_KEPT`]; more only cost a render).

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::js_sys::JsString;

use crate::calendar::Zone;
use crate::catalog::{Event, Listed};
use crate::protocol::{self, Face, Standing, When};
use crate::session::SessionUser;
use crate::tickets::Tickets;

/// One event's messages: one per standing (not going; going with N
/// guests; waiting at place P), each rendered the first time a user in
/// that standing needs it. Most users share a handful.
pub struct View {
    revision: u64,
    listed: Listed,
    base: String,
    when: When,
    faces: Vec<Face>,
    rendered: RefCell<HashMap<Standing, Rc<JsString>>>,
}

impl View {
    /// The message for `user` (`event` is the one this view was made of).
    pub fn for_user(&self, event: &Event, user: i64) -> Rc<JsString> {
        let standing = Standing::of(event.seats.place(user));
        if let Some(text) = self.rendered.borrow().get(&standing) {
            return Rc::clone(text);
        }
        let json = protocol::event_json(event, &self.when, &self.faces, standing, &self.base);
        let text = Rc::new(JsString::from(json));
        self.rendered
            .borrow_mut()
            .insert(standing, Rc::clone(&text));
        text
    }
}

impl View {
    /// The message for the socket of `user`: the shared one, with what
    /// is theirs alone appended (their ticket when going; for hosts the
    /// door's count, for admins the hosts). Most sockets get the shared
    /// string itself.
    pub fn for_session(&self, event: &Event, user: &SessionUser, extras: &Extras) -> Rc<JsString> {
        let shared = self.for_user(event, user.id);
        let going = event.seats.is_going(user.id);
        let host = event.is_hosted_by(user.id, user.is_admin);
        if !going && !host {
            return shared;
        }
        let mut tail = String::new();
        if going {
            extras.ticket(event.id, user.id, &mut tail);
        }
        if host {
            extras.host(event, &mut tail);
        }
        if user.is_admin {
            let hosts: Vec<String> = event.hosts.iter().map(i64::to_string).collect();
            tail.push_str(&format!(",\"hosts\":[{}]", hosts.join(",")));
        }
        tail.push('}');
        let open = shared.slice(0, shared.length().saturating_sub(1));
        Rc::new(open.concat(&JsString::from(tail.as_str())))
    }
}

/// What some people's `event` messages carry besides the shared fields,
/// worked out at most once per send.
pub struct Extras<'a> {
    tickets: &'a Tickets,
    /// `https://t.me/<bot>/<app>?startapp=` (empty without the bot's
    /// names: the start parameter alone is the link).
    app: String,
    /// `t`, or `c<slug>_t` in a group's community.
    start: String,
    zone: &'a dyn Zone,
    now: i64,
    /// The hosts' part of the last event asked for (a send is of one
    /// event; a login goes through them one after the other).
    host: RefCell<Option<(i64, String)>>,
}

impl<'a> Extras<'a> {
    pub fn new(
        tickets: &'a Tickets,
        app: Option<String>,
        slug: Option<&str>,
        zone: &'a dyn Zone,
        now: i64,
    ) -> Extras<'a> {
        Extras {
            tickets,
            app: app.unwrap_or_default(),
            start: match slug {
                Some(slug) => format!("c{slug}_t"),
                None => "t".to_string(),
            },
            zone,
            now,
            host: RefCell::new(None),
        }
    }

    /// `,"ticket":...,"ticket_link":...` of `user` for `event`.
    fn ticket(&self, event: i64, user: i64, tail: &mut String) {
        let ticket = self.tickets.ticket(event, user);
        let link = format!("{}{}{ticket}", self.app, self.start);
        tail.push_str(&format!(
            ",\"ticket\":\"{ticket}\",\"ticket_link\":{}",
            serde_json::Value::String(link)
        ));
    }

    /// `,"host":true,"checked_in":N,"requests":R`: N people and guests
    /// checked in for the occurrence at the door, R people asking to come.
    fn host(&self, event: &Event, tail: &mut String) {
        let mut cached = self.host.borrow_mut();
        if cached.as_ref().is_none_or(|(id, _)| *id != event.id) {
            // Most events have no check-ins: then no occurrence need be
            // worked out (that asks the zone).
            let checked = match event.door.is_empty() {
                true => 0,
                false => event
                    .door_occurrence(self.zone, self.now)
                    .map_or(0, |o| event.door.count(o.starts_at)),
            };
            let requests = event.seats.pending().len();
            *cached = Some((
                event.id,
                format!(",\"host\":true,\"checked_in\":{checked},\"requests\":{requests}"),
            ));
        }
        if let Some((_, text)) = cached.as_ref() {
            tail.push_str(text);
        }
    }
}

/// Renderings kept per event (one per origin sockets connected to).
pub const ORIGINS_KEPT: usize = 4;

#[derive(Default)]
pub struct Views {
    /// Per event, the latest renderings first.
    rendered: RefCell<HashMap<i64, Vec<Rc<View>>>>,
}

impl Views {
    /// The messages of `event` as it is now, at its occurrence `listed`
    /// (described, with the faces on its card, by `render`, asked only to
    /// render), with image URLs made absolute against `base`.
    pub fn of(
        &self,
        event: &Event,
        listed: &Listed,
        render: impl FnOnce() -> (When, Vec<Face>),
        base: &str,
    ) -> Rc<View> {
        let mut rendered = self.rendered.borrow_mut();
        let kept = rendered.entry(event.id).or_default();
        kept.retain(|view| view.revision == event.revision && view.listed == *listed);
        if let Some(view) = kept.iter().find(|view| view.base == base) {
            return Rc::clone(view);
        }
        let (when, faces) = render();
        let view = Rc::new(View {
            revision: event.revision,
            listed: *listed,
            base: base.to_string(),
            when,
            faces,
            rendered: RefCell::default(),
        });
        kept.insert(0, Rc::clone(&view));
        kept.truncate(ORIGINS_KEPT);
        view
    }

    /// Drops every rendering (the zone changed).
    pub fn clear(&self) {
        self.rendered.borrow_mut().clear();
    }

    /// Drops the messages of an event that is gone.
    pub fn forget(&self, id: i64) {
        self.rendered.borrow_mut().remove(&id);
    }
}
