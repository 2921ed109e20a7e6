//! The events and who attends them: the Durable Object's in-memory copy of
//! what D1 holds, and the rules for changing it.
//!
//! The hub writes a change to D1 first and applies it here only once the
//! write succeeded, so this copy never holds anything the store does not.
//! Broadcasts read only from here.
//!
//! Every change to an event, whatever it touched, gives the event a new
//! [`Event::revision`]. The hub's rendered `event` messages remember the
//! revision they were made from, so none can outlive the change.

use std::collections::{HashMap, HashSet};

use crate::error::ClientError;
use crate::validate::EventChanges;

/// One event and its attendees.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// An absolute URL, a `/media/<key>` path on this Worker, or empty.
    pub image: String,
    /// "HH:MM".
    pub start: String,
    /// Hours.
    pub duration: f64,
    /// Telegram ids of the users who attend.
    pub attendees: HashSet<i64>,
    /// Changes with every change made through the [`Catalog`].
    pub revision: u64,
}

impl Event {
    pub fn attendee_count(&self) -> usize {
        self.attendees.len()
    }

    pub fn is_attended_by(&self, user: i64) -> bool {
        self.attendees.contains(&user)
    }

    /// This event with `changes` applied and `image` (the stored form of a
    /// new image) when the image changes; without attendees, which an edit
    /// never touches.
    pub fn edited(&self, changes: &EventChanges, image: Option<String>) -> Event {
        Event {
            id: self.id,
            title: changes.title.clone().unwrap_or_else(|| self.title.clone()),
            description: changes
                .description
                .clone()
                .unwrap_or_else(|| self.description.clone()),
            image: image.unwrap_or_else(|| self.image.clone()),
            start: changes.start.clone().unwrap_or_else(|| self.start.clone()),
            duration: changes.duration.unwrap_or(self.duration),
            attendees: HashSet::new(),
            revision: self.revision,
        }
    }
}

/// All events, by id, plus their display order.
#[derive(Debug, Default)]
pub struct Catalog {
    events: HashMap<i64, Event>,
    /// Ids sorted by (`start`, `id`): the order new logins receive them in.
    /// Only creating, editing or deleting an event changes it.
    order: Vec<i64>,
    /// The last revision given out.
    revisions: u64,
}

impl Catalog {
    /// Builds the catalog from stored rows. Attendance of an event that does
    /// not exist is ignored, so the catalog never counts a ghost.
    pub fn new(events: Vec<Event>, attendance: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let mut catalog = Catalog {
            events: events.into_iter().map(|e| (e.id, e)).collect(),
            order: Vec::new(),
            revisions: 0,
        };
        for (event, user) in attendance {
            if let Some(event) = catalog.events.get_mut(&event) {
                event.attendees.insert(user);
            }
        }
        catalog.sort();
        for event in catalog.events.values_mut() {
            catalog.revisions += 1;
            event.revision = catalog.revisions;
        }
        catalog
    }

    /// The event `id`, to be changed: it gets its new revision here, so no
    /// change can forget to.
    fn change(&mut self, id: i64) -> Result<&mut Event, ClientError> {
        let event = self.events.get_mut(&id).ok_or(ClientError::NoSuchEvent)?;
        self.revisions += 1;
        event.revision = self.revisions;
        Ok(event)
    }

    fn sort(&mut self) {
        let mut keys: Vec<(&str, i64)> = self
            .events
            .values()
            .map(|e| (e.start.as_str(), e.id))
            .collect();
        keys.sort_unstable();
        self.order = keys.into_iter().map(|(_, id)| id).collect();
    }

    pub fn get(&self, id: i64) -> Result<&Event, ClientError> {
        self.events.get(&id).ok_or(ClientError::NoSuchEvent)
    }

    /// Events in (`start`, `id`) order.
    pub fn in_order(&self) -> impl Iterator<Item = &Event> {
        self.order.iter().filter_map(|id| self.events.get(id))
    }

    /// Adds a new event (stored already, so it has its id).
    pub fn insert(&mut self, event: Event) {
        let id = event.id;
        self.events.insert(id, event);
        let _ = self.change(id);
        self.sort();
    }

    /// Replaces an event's fields with those of `edited`, keeping whoever
    /// attends it now.
    pub fn replace(&mut self, edited: Event) -> Result<(), ClientError> {
        let event = self.change(edited.id)?;
        *event = Event {
            attendees: std::mem::take(&mut event.attendees),
            revision: event.revision,
            ..edited
        };
        self.sort();
        Ok(())
    }

    /// Removes an event and its attendance.
    pub fn remove(&mut self, id: i64) -> Result<Event, ClientError> {
        let event = self.events.remove(&id).ok_or(ClientError::NoSuchEvent)?;
        self.order.retain(|other| *other != id);
        Ok(event)
    }

    /// Adds `user` to the event's attendees. `Ok(true)` when that changed
    /// something, `Ok(false)` when they already attended.
    pub fn attend(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        if self.get(event)?.is_attended_by(user) {
            return Ok(false);
        }
        Ok(self.change(event)?.attendees.insert(user))
    }

    /// Removes `user` from the event's attendees. `Ok(true)` when that
    /// changed something, `Ok(false)` when they did not attend.
    pub fn leave(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        if !self.get(event)?.is_attended_by(user) {
            return Ok(false);
        }
        Ok(self.change(event)?.attendees.remove(&user))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(id: i64, start: &str) -> Event {
        Event {
            id,
            title: format!("Event {id}"),
            start: start.into(),
            duration: 1.0,
            ..Event::default()
        }
    }

    fn ids(catalog: &Catalog) -> Vec<i64> {
        catalog.in_order().map(|e| e.id).collect()
    }

    #[test]
    fn orders_by_start_then_id() {
        let catalog = Catalog::new(
            vec![
                event(3, "10:00"),
                event(1, "18:30"),
                event(2, "10:00"),
                event(4, "09:15"),
            ],
            [],
        );
        assert_eq!(ids(&catalog), vec![4, 2, 3, 1]);
        assert_eq!(catalog.in_order().count(), 4);
    }

    #[test]
    fn loads_attendance_and_ignores_missing_events() {
        let catalog = Catalog::new(
            vec![event(1, "10:00"), event(2, "11:00")],
            [(1, 100), (1, 200), (2, 100), (9, 100)],
        );
        assert_eq!(catalog.get(1).map(Event::attendee_count), Ok(2));
        assert_eq!(catalog.get(2).map(Event::attendee_count), Ok(1));
        assert!(catalog.get(9).is_err());
    }

    #[test]
    fn attend_and_leave_are_idempotent() {
        let mut catalog = Catalog::new(vec![event(1, "10:00")], []);
        assert_eq!(catalog.attend(1, 5_000_000_001), Ok(true));
        assert_eq!(catalog.attend(1, 5_000_000_001), Ok(false));
        assert_eq!(catalog.get(1).map(Event::attendee_count), Ok(1));
        assert_eq!(
            catalog.get(1).map(|e| e.is_attended_by(5_000_000_001)),
            Ok(true)
        );
        assert_eq!(catalog.leave(1, 5_000_000_001), Ok(true));
        assert_eq!(catalog.leave(1, 5_000_000_001), Ok(false));
        assert_eq!(catalog.get(1).map(Event::attendee_count), Ok(0));
    }

    #[test]
    fn unknown_event_is_an_error() {
        let mut catalog = Catalog::new(vec![event(1, "10:00")], []);
        assert_eq!(catalog.attend(2, 1), Err(ClientError::NoSuchEvent));
        assert_eq!(catalog.leave(2, 1), Err(ClientError::NoSuchEvent));
        assert_eq!(catalog.get(1).map(Event::attendee_count), Ok(0));
    }

    #[test]
    fn insert_edit_and_remove_keep_the_order_and_the_attendees() {
        let mut catalog = Catalog::new(vec![event(1, "10:00"), event(2, "11:00")], [(1, 7)]);
        catalog.insert(event(3, "09:00"));
        assert_eq!(ids(&catalog), vec![3, 1, 2]);

        let changes = EventChanges {
            title: Some("Later".into()),
            start: Some("12:00".into()),
            ..EventChanges::default()
        };
        let edited = catalog
            .get(1)
            .map(|e| e.edited(&changes, Some("https://cdn.example/x.png".into())));
        assert_eq!(edited.as_ref().map(|e| e.attendee_count()), Ok(0));
        assert_eq!(edited.and_then(|e| catalog.replace(e)), Ok(()));
        assert_eq!(ids(&catalog), vec![3, 2, 1]);
        let one = catalog.get(1).cloned().unwrap_or_default();
        assert_eq!(one.title, "Later");
        assert_eq!(one.duration, 1.0, "fields not sent stay");
        assert_eq!(one.image, "https://cdn.example/x.png");
        assert!(one.is_attended_by(7), "an edit keeps the attendees");

        assert_eq!(catalog.remove(1).map(|e| e.id), Ok(1));
        assert_eq!(ids(&catalog), vec![3, 2]);
        assert_eq!(
            catalog.remove(1).map(|e| e.id),
            Err(ClientError::NoSuchEvent)
        );
        assert_eq!(catalog.attend(1, 7), Err(ClientError::NoSuchEvent));
        assert_eq!(
            catalog.replace(event(1, "10:00")),
            Err(ClientError::NoSuchEvent)
        );
    }

    #[test]
    fn every_change_makes_a_new_revision_and_nothing_else_does() {
        let mut catalog = Catalog::new(vec![event(1, "10:00"), event(2, "11:00")], []);
        let revision = |c: &Catalog, id| c.get(id).map(|e| e.revision).unwrap_or(0);
        let mut last = revision(&catalog, 1);
        let mut changed = |c: &Catalog, what: &str| {
            let now = revision(c, 1);
            assert!(now > last, "{what} gives a new revision");
            last = now;
        };
        assert_eq!(catalog.attend(1, 7), Ok(true));
        changed(&catalog, "attend");
        let before = revision(&catalog, 1);
        assert_eq!(catalog.attend(1, 7), Ok(false));
        assert_eq!(
            revision(&catalog, 1),
            before,
            "attending again changes nothing"
        );
        let edited = catalog
            .get(1)
            .map(|e| e.edited(&EventChanges::default(), None));
        assert_eq!(edited.and_then(|e| catalog.replace(e)), Ok(()));
        changed(&catalog, "an edit");
        assert_eq!(catalog.leave(1, 7), Ok(true));
        changed(&catalog, "leave");
        let two = revision(&catalog, 2);
        catalog.insert(event(3, "12:00"));
        assert!(
            revision(&catalog, 3) > last,
            "a new event is newer than all"
        );
        assert_eq!(revision(&catalog, 2), two, "other events keep theirs");
    }

    #[test]
    fn users_attend_independently() {
        let mut catalog = Catalog::new(vec![event(1, "10:00"), event(2, "11:00")], []);
        assert_eq!(catalog.attend(1, 10), Ok(true));
        assert_eq!(catalog.attend(1, 20), Ok(true));
        assert_eq!(catalog.attend(2, 10), Ok(true));
        assert_eq!(catalog.leave(1, 10), Ok(true));
        let one = catalog.get(1).cloned().unwrap_or_default();
        assert!(!one.is_attended_by(10));
        assert!(one.is_attended_by(20));
        assert_eq!(catalog.get(2).map(|e| e.is_attended_by(10)), Ok(true));
    }
}
