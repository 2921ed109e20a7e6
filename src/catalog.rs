//! The events and who attends them: the Durable Object's in-memory copy of
//! what D1 holds, and the rules for changing it.
//!
//! The hub writes a change to D1 first and applies it here only once the
//! write succeeded, so this copy never holds anything the store does not.
//! Broadcasts read only from here.

use std::collections::{HashMap, HashSet};

use crate::error::ClientError;

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
}

impl Event {
    pub fn attendee_count(&self) -> usize {
        self.attendees.len()
    }

    pub fn is_attended_by(&self, user: i64) -> bool {
        self.attendees.contains(&user)
    }
}

/// All events, by id, plus their display order.
#[derive(Debug, Default)]
pub struct Catalog {
    events: HashMap<i64, Event>,
    /// Ids sorted by (`start`, `id`): the order new logins receive them in.
    /// Only creating, editing or deleting an event changes it.
    order: Vec<i64>,
}

impl Catalog {
    /// Builds the catalog from stored rows. Attendance of an event that does
    /// not exist is ignored, so the catalog never counts a ghost.
    pub fn new(events: Vec<Event>, attendance: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let mut catalog = Catalog {
            events: events.into_iter().map(|e| (e.id, e)).collect(),
            order: Vec::new(),
        };
        for (event, user) in attendance {
            if let Some(event) = catalog.events.get_mut(&event) {
                event.attendees.insert(user);
            }
        }
        catalog.sort();
        catalog
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

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    pub fn get(&self, id: i64) -> Result<&Event, ClientError> {
        self.events.get(&id).ok_or(ClientError::NoSuchEvent)
    }

    /// Events in (`start`, `id`) order.
    pub fn in_order(&self) -> impl Iterator<Item = &Event> {
        self.order.iter().filter_map(|id| self.events.get(id))
    }

    /// Adds `user` to the event's attendees. `Ok(true)` when that changed
    /// something, `Ok(false)` when they already attended.
    pub fn attend(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        let event = self
            .events
            .get_mut(&event)
            .ok_or(ClientError::NoSuchEvent)?;
        Ok(event.attendees.insert(user))
    }

    /// Removes `user` from the event's attendees. `Ok(true)` when that
    /// changed something, `Ok(false)` when they did not attend.
    pub fn leave(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        let event = self
            .events
            .get_mut(&event)
            .ok_or(ClientError::NoSuchEvent)?;
        Ok(event.attendees.remove(&user))
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
        assert_eq!(catalog.len(), 4);
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
