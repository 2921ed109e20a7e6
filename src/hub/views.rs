//! The `event` messages as they go out, rendered once per change of an
//! event (for users who attend it and for users who do not) and kept as JS
//! strings, so a broadcast to many sockets converts nothing per socket and
//! a login sends what is already made.
//!
//! A rendering remembers the event's revision and the origin its image URL
//! was made absolute with; asked for an event whose revision (or origin)
//! differs, it renders again. Nothing is invalidated by hand, so no change
//! can leave a stale message behind.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use worker::js_sys::JsString;

use crate::catalog::Event;
use crate::protocol;

/// One event's two messages.
pub struct View {
    revision: u64,
    base: String,
    attending: JsString,
    not_attending: JsString,
}

impl View {
    /// The message for `user`.
    pub fn for_user(&self, event: &Event, user: i64) -> &JsString {
        if event.is_attended_by(user) {
            &self.attending
        } else {
            &self.not_attending
        }
    }
}

#[derive(Default)]
pub struct Views {
    rendered: RefCell<HashMap<i64, Rc<View>>>,
}

impl Views {
    /// The messages of `event` as it is now, with image URLs made absolute
    /// against `base`.
    pub fn of(&self, event: &Event, base: &str) -> Rc<View> {
        let mut rendered = self.rendered.borrow_mut();
        if let Some(view) = rendered.get(&event.id) {
            if view.revision == event.revision && view.base == base {
                return Rc::clone(view);
            }
        }
        let view = Rc::new(View {
            revision: event.revision,
            base: base.to_string(),
            attending: JsString::from(protocol::event_json(event, true, base)),
            not_attending: JsString::from(protocol::event_json(event, false, base)),
        });
        rendered.insert(event.id, Rc::clone(&view));
        view
    }

    /// Drops the messages of an event that is gone.
    pub fn forget(&self, id: i64) {
        self.rendered.borrow_mut().remove(&id);
    }
}
