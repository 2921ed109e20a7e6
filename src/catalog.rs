//! The events and who attends them: the Durable Object's in-memory copy of
//! what D1 holds, and the rules for changing it.
//!
//! The hub writes a change to D1 first and applies it here only once the
//! write succeeded, so this copy never holds anything the store does not.
//! Broadcasts read only from here.
//!
//! Seat changes are planned first ([`Catalog::plan`]: what each change
//! answers, the moves to store, the seats after them) without changing
//! anything, and applied with [`Catalog::commit`] once D1 has the moves;
//! `hub/attendance.rs` says why no seat can be given twice.
//!
//! Every change to an event, whatever it touched, gives the event a new
//! [`Event::revision`]. The hub's rendered `event` messages remember the
//! revision (and the occurrence) they were made from, so none can outlive
//! the change.
//!
//! Which events are listed, and in what order, depends on the time: events
//! are listed by their next occurrence, one-off events that are over after
//! the upcoming ones (the most recent first) for `ARCHIVE_DAYS`, then not
//! at all. [`Catalog::listing`] works it out for a login; each event's next
//! occurrence is kept until it ends, so a login does not ask the zone again
//! for events whose next occurrence is still ahead.

use std::collections::HashMap;
use std::rc::Rc;

use crate::calendar::{self, Day, Occurrence, Repeat, Schedule, Zone};
use crate::door::{self, Door};
use crate::error::ClientError;
use crate::protocol::{Face, FACES};
use crate::seats::{Move, Party, Place, Refusal, Request, Seats};
use crate::validate::EventChanges;

/// People an admin may list as an event's hosts.
pub const MAX_HOSTS: usize = 10;

/// How far ahead an event may be dated.
pub const MAX_YEARS_AHEAD: i32 = 2;
/// How far back a date may be set (a series that has run longer keeps
/// working; feeds describe at most this much of a zone's past rules).
pub const MAX_DAYS_BACK: i32 = 366;

/// One event and who is going (or waiting).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Event {
    pub id: i64,
    pub title: String,
    pub description: String,
    /// An absolute URL, a `/media/<key>` path on this Worker, or empty.
    pub image: String,
    /// Bytes of the uploaded picture in R2 (0: none, or a link), for the
    /// community's picture budget.
    pub image_bytes: u64,
    /// "HH:MM": the wall time as set.
    pub start: String,
    /// Hours.
    pub duration: f64,
    /// The day of a one-off, or the first of a series; none for the seed's
    /// time-only events, which are daily.
    pub date: Option<Day>,
    pub repeat: Repeat,
    /// Free text, `""` when none.
    pub location: String,
    /// Capacity, guests allowed, closed, and the going list and waitlist.
    pub seats: Seats,
    /// The community it belongs to ([`crate::communities::DEFAULT`]: none).
    pub community: i64,
    /// People besides the community's admins who host it (at most
    /// [`MAX_HOSTS`]).
    pub hosts: Vec<i64>,
    /// What people are asked when they attend (at most
    /// [`crate::validate::MAX_QUESTIONS`]).
    pub questions: Vec<String>,
    /// Someone has answered the questions: they cannot change any more.
    pub answered: bool,
    /// Who was checked in at its recent occurrences. A check-in changes
    /// what hosts see, not the revision (`hub/door.rs` tells the hosts).
    pub door: Door,
    /// Changes with every change made through the [`Catalog`].
    pub revision: u64,
}

impl Event {
    /// Seats taken: people going and their guests.
    pub fn attendee_count(&self) -> u64 {
        self.seats.taken()
    }

    /// Whether `user` is going (not waiting).
    #[cfg(test)]
    pub fn is_attended_by(&self, user: i64) -> bool {
        self.seats.is_going(user)
    }

    /// When the event happens.
    pub fn schedule(&self) -> Schedule {
        Schedule {
            date: self.date,
            start: calendar::minutes_of(&self.start).unwrap_or(0),
            duration: self.duration,
            repeat: self.repeat,
        }
    }

    /// This event with `changes` applied and `image` (the stored form of a
    /// new image) when the image changes; with its seats' new limits but
    /// without anyone going or waiting (see [`Catalog::replace`]).
    pub fn edited(&self, changes: &EventChanges, image: Option<String>) -> Event {
        Event {
            id: self.id,
            title: changes.title.clone().unwrap_or_else(|| self.title.clone()),
            description: changes
                .description
                .clone()
                .unwrap_or_else(|| self.description.clone()),
            image_bytes: match image {
                Some(_) => 0,
                None => self.image_bytes,
            },
            image: image.unwrap_or_else(|| self.image.clone()),
            start: changes.start.clone().unwrap_or_else(|| self.start.clone()),
            duration: changes.duration.unwrap_or(self.duration),
            date: changes.date.unwrap_or(self.date),
            repeat: changes.repeat.unwrap_or(self.repeat),
            location: changes
                .location
                .clone()
                .unwrap_or_else(|| self.location.clone()),
            seats: Seats::new(
                changes.capacity.unwrap_or(self.seats.capacity),
                changes.max_guests.unwrap_or(self.seats.max_guests),
                changes.closed.unwrap_or(self.seats.closed),
                Vec::new(),
                Vec::new(),
            )
            .with_approval(changes.approval.unwrap_or(self.seats.approval)),
            community: self.community,
            hosts: changes.hosts.clone().unwrap_or_else(|| self.hosts.clone()),
            questions: changes
                .questions
                .clone()
                .unwrap_or_else(|| self.questions.clone()),
            answered: self.answered,
            door: Door::default(),
            revision: self.revision,
        }
    }

    /// The occurrence its check-ins are shown for at `now`: the one at the
    /// door, or a one-off's own once it is over (who came, who did not).
    pub fn door_occurrence(&self, zone: &dyn Zone, now: i64) -> Option<Occurrence> {
        let schedule = self.schedule();
        schedule.door(zone, now).or_else(|| match self.repeat {
            Repeat::None => schedule.next(zone, now).filter(|o| o.ends_at <= now),
            _ => None,
        })
    }

    /// When a request made at `now` lapses: the start of the next
    /// occurrence; while one is on, the start of the one after it (or a
    /// one-off's end).
    pub fn lapses_at(&self, zone: &dyn Zone, now: i64) -> i64 {
        let schedule = self.schedule();
        match schedule.next(zone, now) {
            Some(o) if o.starts_at > now => o.starts_at,
            Some(o) => schedule.upcoming(zone, now)[0].map_or(o.ends_at, |n| n.starts_at),
            None => now,
        }
    }

    /// Whether `user` hosts this event (`admin`: they are one of the
    /// community's admins).
    pub fn is_hosted_by(&self, user: i64, admin: bool) -> bool {
        crate::access::is_host(admin, &self.hosts, user)
    }

    /// The rules of a schedule that need the clock: a one-off needs a date
    /// and must not be over by `now`; a weekly series needs a date (its
    /// weekday); no date more than two years ahead.
    pub fn check_schedule(&self, zone: &dyn Zone, now: i64) -> Result<(), ClientError> {
        let Some(date) = self.date else {
            return match self.repeat {
                Repeat::None => Err(ClientError::invalid(
                    "date is required for an event that happens once",
                )),
                Repeat::Weekly => Err(ClientError::invalid(
                    "date is required for a weekly event (its weekday)",
                )),
                Repeat::Daily => Ok(()),
            };
        };
        let today = Day::of(zone, now).ok_or(ClientError::Internal)?;
        let (year, month, day) = today.ymd();
        let limit = (0..3)
            .find_map(|back| Day::from_ymd(year + MAX_YEARS_AHEAD, month, day - back))
            .unwrap_or(today);
        if date > limit {
            return Err(ClientError::invalid("date must be at most two years ahead"));
        }
        if self.schedule().is_over(zone, now) {
            return Err(ClientError::invalid(
                "date and start are over: an event that happens once must not have ended",
            ));
        }
        Ok(())
    }

    /// The rule for a date being set (or changed): at most
    /// [`MAX_DAYS_BACK`] days in the past.
    pub fn check_date_set(&self, zone: &dyn Zone, now: i64) -> Result<(), ClientError> {
        let Some(date) = self.date else {
            return Ok(());
        };
        let today = Day::of(zone, now).ok_or(ClientError::Internal)?;
        if date < today.plus(-MAX_DAYS_BACK) {
            return Err(ClientError::invalid(
                "date must be at most 366 days in the past",
            ));
        }
        Ok(())
    }
}

/// An event as a login lists it: its next occurrence, and whether it is a
/// one-off that is over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listed {
    pub id: i64,
    pub occurrence: Occurrence,
    pub past: bool,
}

/// All events, by id.
#[derive(Debug, Default)]
pub struct Catalog {
    events: HashMap<i64, Slot>,
    /// The last revision given out.
    revisions: u64,
    /// Events added, edited or removed so far: what the order depends on
    /// besides the time (attendance does not move an event).
    moves: u64,
    /// The last listing, for `moves`, good until the instant it holds.
    listed: Option<(u64, i64, Vec<Listed>)>,
}

/// An event with its next occurrence as last worked out, and the revision
/// it was worked out for: good until it ends (a series then moves on).
#[derive(Debug)]
struct Slot {
    event: Event,
    next: Option<(u64, Occurrence)>,
}

impl Slot {
    fn new(event: Event) -> Slot {
        Slot { event, next: None }
    }
}

/// How a user appears to others.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Profile {
    pub name: String,
    pub username: String,
    pub photo_url: String,
    /// Left out of other non-admins' lists and of the cards' faces.
    pub hidden: bool,
}

impl Catalog {
    /// Builds the catalog from stored rows: events (with their seat
    /// limits) and who is going, then who waits, each in join order.
    /// Attendance of an event that does not exist is ignored, so the
    /// catalog never counts a ghost.
    #[cfg(test)]
    pub fn new(events: Vec<Event>, attendance: impl IntoIterator<Item = (i64, i64)>) -> Self {
        let going = attendance.into_iter().map(|(event, user)| Listing {
            event,
            party: Party { user, guests: 0 },
            going: true,
        });
        Self::with_seats(events, going)
    }

    /// As [`Catalog::new`], with guests and waitlists.
    pub fn with_seats(events: Vec<Event>, listings: impl IntoIterator<Item = Listing>) -> Self {
        let mut catalog = Catalog {
            events: events.into_iter().map(|e| (e.id, Slot::new(e))).collect(),
            ..Catalog::default()
        };
        // Each event's lists, in join order (the order they come in).
        for listing in listings {
            if let Some(slot) = catalog.events.get_mut(&listing.event) {
                slot.event.seats.load(listing.party, listing.going);
            }
        }
        for slot in catalog.events.values_mut() {
            catalog.revisions += 1;
            slot.event.revision = catalog.revisions;
        }
        catalog
    }

    /// The event `id`, to be changed: it gets its new revision here, so no
    /// change can forget to.
    fn change(&mut self, id: i64) -> Result<&mut Event, ClientError> {
        let slot = self.events.get_mut(&id).ok_or(ClientError::NoSuchEvent)?;
        self.revisions += 1;
        slot.event.revision = self.revisions;
        Ok(&mut slot.event)
    }

    pub fn get(&self, id: i64) -> Result<&Event, ClientError> {
        self.events
            .get(&id)
            .map(|slot| &slot.event)
            .ok_or(ClientError::NoSuchEvent)
    }

    /// The next occurrence of event `id` at `now` (see [`Schedule::next`]),
    /// and whether it is a one-off that is over.
    pub fn occurrence(&mut self, id: i64, zone: &dyn Zone, now: i64) -> Option<Listed> {
        let slot = self.events.get_mut(&id)?;
        let event = &slot.event;
        let cached = slot
            .next
            .filter(|(revision, o)| {
                *revision == event.revision && (event.repeat == Repeat::None || o.ends_at > now)
            })
            .map(|(_, o)| o);
        let occurrence = match cached {
            Some(occurrence) => occurrence,
            None => {
                let occurrence = event.schedule().next(zone, now)?;
                slot.next = Some((event.revision, occurrence));
                occurrence
            }
        };
        Some(Listed {
            id,
            occurrence,
            past: event.repeat == Repeat::None && occurrence.ends_at <= now,
        })
    }

    /// The events a login gets at `now`, in order: upcoming by (start of the
    /// next occurrence, id), then one-offs that are over, the latest to end
    /// first, for `archive_seconds` after they ended.
    /// The listing is kept until an event is added, edited or removed, or
    /// the time passes the end of a listed occurrence (a series rolls on, a
    /// one-off becomes past) or of a past one's archive days.
    pub fn listing(&mut self, zone: &dyn Zone, now: i64, archive_seconds: i64) -> Vec<Listed> {
        if let Some((moves, until, listed)) = &self.listed {
            if *moves == self.moves && now < *until {
                return listed.clone();
            }
        }
        let ids: Vec<i64> = self.events.keys().copied().collect();
        let mut listed: Vec<Listed> = ids
            .into_iter()
            .filter_map(|id| self.occurrence(id, zone, now))
            .filter(|l| !l.past || l.occurrence.ends_at > now - archive_seconds)
            .collect();
        listed.sort_unstable_by_key(|l| match l.past {
            false => (false, l.occurrence.starts_at, l.id),
            true => (true, -l.occurrence.ends_at, l.id),
        });
        let until = listed
            .iter()
            .map(|l| match l.past {
                false => l.occurrence.ends_at,
                true => l.occurrence.ends_at + archive_seconds,
            })
            .min()
            .unwrap_or(i64::MAX);
        self.listed = Some((self.moves, until, listed.clone()));
        listed
    }

    /// Adds a new event (stored already, so it has its id).
    pub fn insert(&mut self, event: Event) {
        let id = event.id;
        self.events.insert(id, Slot::new(event));
        let _ = self.change(id);
        self.moves += 1;
    }

    /// Replaces an event's fields with those of `edited`. Its seats are
    /// those of `seats` when given (an edit planned with
    /// [`Catalog::plan_limits`]), else the event's own with `edited`'s
    /// limits and nobody promoted.
    pub fn replace(&mut self, edited: Event, seats: Option<Seats>) -> Result<(), ClientError> {
        let event = self.change(edited.id)?;
        let seats = seats.unwrap_or_else(|| {
            let mut kept = std::mem::take(&mut event.seats);
            kept.capacity = edited.seats.capacity;
            kept.max_guests = edited.seats.max_guests;
            kept.closed = edited.seats.closed;
            kept.approval = edited.seats.approval;
            kept
        });
        *event = Event {
            seats,
            door: std::mem::take(&mut event.door),
            revision: event.revision,
            answered: event.answered || edited.answered,
            ..edited
        };
        self.moves += 1;
        Ok(())
    }

    /// The seats of event `id` with `edited`'s limits, and the promotions
    /// they make; nothing changes here until [`Catalog::replace`].
    pub fn plan_limits(&self, edited: &Event) -> Result<(Seats, Vec<Move>), ClientError> {
        let mut seats = self.get(edited.id)?.seats.clone();
        let limits = &edited.seats;
        seats.approval = limits.approval;
        let moves = seats.configure(limits.capacity, limits.max_guests, limits.closed);
        Ok((seats, moves))
    }

    /// Works out `changes`, in order, as if applied one after the other,
    /// without changing anything: what each change answers, the moves to
    /// store, and each touched event's seats after them. Nothing here
    /// awaits, so no other change can come between the plan and the state
    /// it was made from; [`Catalog::commit`] applies it once stored.
    /// A request made now lapses as [`Event::lapses_at`] says, in `zone`.
    pub fn plan(&self, changes: &[SeatChange], zone: &dyn Zone, now: i64) -> Plan {
        let mut plan = Plan::default();
        for change in changes {
            let outcome = self.plan_one(change, &mut plan, zone, now);
            plan.outcomes.push(outcome);
        }
        plan
    }

    fn plan_one(
        &self,
        change: &SeatChange,
        plan: &mut Plan,
        zone: &dyn Zone,
        now: i64,
    ) -> Result<bool, ClientError> {
        let event = self.get(change.event)?;
        let seats = match plan.seats.iter_mut().find(|(id, _)| *id == change.event) {
            Some((_, seats)) => seats,
            None => {
                plan.seats.push((change.event, event.seats.clone()));
                match plan.seats.last_mut() {
                    Some((_, seats)) => seats,
                    None => return Err(ClientError::Internal),
                }
            }
        };
        let refused = |r| match r {
            Refusal::Closed => ClientError::RsvpsClosed,
            Refusal::TooManyGuests => {
                ClientError::invalid("guests must be at most the event's max_guests")
            }
            Refusal::NotAsking => ClientError::NotAsking,
        };
        let user = change.user;
        let moves = match &change.seat {
            Seat::Attend {
                guests,
                answers,
                host,
            } => {
                let newcomer = matches!(seats.place(user), Place::Out);
                let answers = match (newcomer, event.questions.len()) {
                    (_, 0) | (false, _) => None,
                    (true, asked) => Some(check_answers(answers.as_deref(), asked)?),
                };
                let moves = match seats.approval && !host {
                    true => seats.ask(user, *guests, event.lapses_at(zone, now)),
                    false => seats.attend(user, *guests),
                }
                .map_err(refused)?;
                if let Some(answers) = answers.filter(|_| !moves.is_empty()) {
                    plan.answers.push((change.event, user, answers));
                }
                moves
            }
            Seat::Leave | Seat::Removed => seats.leave(user),
            // A lapsed request is answered by nobody: the cron withdraws it.
            Seat::Answer { .. } if seats.lapsed(user, now) => return Err(ClientError::NotAsking),
            Seat::Answer { approve } => seats.answer(user, *approve).map_err(refused)?,
            Seat::Lapse if seats.lapsed(user, now) => seats.leave(user),
            Seat::Lapse => Vec::new(),
        };
        let changed = !moves.is_empty();
        plan.moves
            .extend(moves.into_iter().map(|m| (change.event, m)));
        Ok(changed)
    }

    /// Applies a stored plan. Events removed meanwhile are left alone.
    /// Returns the events whose seats changed.
    pub fn commit(&mut self, plan: Plan) -> Vec<i64> {
        let mut changed = Vec::new();
        for (id, seats) in plan.seats {
            if plan.moves.iter().any(|(event, _)| *event == id) && self.events.contains_key(&id) {
                if let Ok(event) = self.change(id) {
                    event.seats = seats;
                    event.answered |= plan.answers.iter().any(|(e, _, _)| *e == id);
                    changed.push(id);
                }
            }
        }
        changed
    }

    /// Adds stored requests, `(event, request)`, oldest first (loading).
    pub fn load_requests(&mut self, requests: impl IntoIterator<Item = (i64, Request)>) {
        for (id, request) in requests {
            if let Some(slot) = self.events.get_mut(&id) {
                slot.event.seats.load_request(request);
            }
        }
    }

    /// The requests that lapsed by `now`, `(event, user)`.
    pub fn lapsed(&self, now: i64) -> Vec<(i64, i64)> {
        self.events
            .values()
            .flat_map(|slot| {
                let id = slot.event.id;
                slot.event
                    .seats
                    .pending()
                    .iter()
                    .filter(move |r| r.lapses_at <= now)
                    .map(move |r| (id, r.party.user))
            })
            .collect()
    }

    /// Applies a stored check-in change to event `id`'s door (no new
    /// revision: members see nothing of it).
    pub fn check_in(&mut self, id: i64, change: door::Change) -> Result<(), ClientError> {
        let slot = self.events.get_mut(&id).ok_or(ClientError::NoSuchEvent)?;
        slot.event.door.apply(change);
        Ok(())
    }

    /// Check-ins as stored, `(event, check-in)` (loading).
    pub fn load_check_ins(&mut self, checked: impl IntoIterator<Item = (i64, door::CheckIn)>) {
        for (id, checked) in checked {
            if let Some(slot) = self.events.get_mut(&id) {
                slot.event.door.load(checked);
            }
        }
    }

    /// Removes an event and its attendance.
    pub fn remove(&mut self, id: i64) -> Result<Event, ClientError> {
        self.moves += 1;
        self.events
            .remove(&id)
            .map(|slot| slot.event)
            .ok_or(ClientError::NoSuchEvent)
    }

    /// `user` now appears otherwise (a new name, picture or privacy):
    /// the events whose cards may show them get a new revision, so no
    /// rendered message keeps the old face. Returns those events.
    pub fn touch_faces(&mut self, user: i64) -> Vec<i64> {
        let touched: Vec<i64> = self
            .events
            .values()
            .map(|slot| &slot.event)
            .filter(|e| {
                e.seats
                    .going()
                    .iter()
                    .take(FACES_LOOKED_AT)
                    .any(|p| p.user == user)
            })
            .map(|e| e.id)
            .collect();
        for id in &touched {
            let _ = self.change(*id);
        }
        touched
    }

    /// Upcoming events (one-offs that are over do not count), for the
    /// community's limit.
    pub fn upcoming(&mut self, zone: &dyn Zone, now: i64) -> usize {
        let ids: Vec<i64> = self.events.keys().copied().collect();
        ids.into_iter()
            .filter(|id| self.occurrence(*id, zone, now).is_some_and(|l| !l.past))
            .count()
    }

    /// Bytes of uploaded pictures of all events, for the community's
    /// budget.
    pub fn image_bytes(&self) -> u64 {
        self.events
            .values()
            .map(|slot| slot.event.image_bytes)
            .sum()
    }

    /// The events `user` is going to or waiting for.
    pub fn listed_events(&self, user: i64) -> Vec<i64> {
        self.events
            .values()
            .filter(|slot| slot.event.seats.place(user) != crate::seats::Place::Out)
            .map(|slot| slot.event.id)
            .collect()
    }

    /// The faces on event `id`'s card: the first people going who are not
    /// hidden, as `profile` tells how each appears.
    pub fn faces<'p>(&self, id: i64, profile: impl Fn(i64) -> Option<&'p Profile>) -> Vec<Face> {
        let Ok(event) = self.get(id) else {
            return Vec::new();
        };
        event
            .seats
            .going()
            .iter()
            .filter_map(|p| profile(p.user))
            .filter(|p| !p.hidden)
            .take(FACES)
            .map(|p| Face {
                name: p.name.clone(),
                photo_url: p.photo_url.clone(),
            })
            .collect()
    }

    /// `user` attends `event` (plan and commit in one, for tests).
    /// `Ok(true)` when that changed something.
    #[cfg(test)]
    pub fn attend(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        self.apply_now(SeatChange {
            event,
            user,
            seat: Seat::Attend {
                guests: None,
                answers: None,
                host: false,
            },
        })
    }

    /// `user` leaves `event` (plan and commit in one, for tests).
    #[cfg(test)]
    pub fn leave(&mut self, event: i64, user: i64) -> Result<bool, ClientError> {
        self.apply_now(SeatChange {
            event,
            user,
            seat: Seat::Leave,
        })
    }

    #[cfg(test)]
    fn apply_now(&mut self, change: SeatChange) -> Result<bool, ClientError> {
        let utc = crate::calendar::tests::Tz::new("UTC");
        let mut plan = self.plan(&[change], &utc, 0);
        let outcome = plan.outcomes.pop().unwrap_or(Err(ClientError::Internal));
        self.commit(plan);
        outcome
    }
}

/// How far down a going list a changed profile may show on the card
/// (hidden people ahead push faces down).
const FACES_LOOKED_AT: usize = 64;

/// One stored listing: `party` is going (or waiting) for `event`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Listing {
    pub event: i64,
    pub party: Party,
    pub going: bool,
}

/// What a user asks of an event's seats.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seat {
    /// Attend with `guests` (`None`: the party's size as it is, 0 when new)
    /// and the answers to the event's questions (needed from a newcomer
    /// when it has questions).
    Attend {
        guests: Option<u32>,
        answers: Option<Rc<[String]>>,
        /// A host: in without asking, whatever `approval` says.
        host: bool,
    },
    /// Leave, or withdraw a request.
    Leave,
    /// A host takes the user off the lists (as [`Seat::Leave`]; the bot
    /// tells them).
    Removed,
    /// A host lets the user in (`approve`) or declines their request.
    Answer { approve: bool },
    /// The user's request lapsed (its occurrence started).
    Lapse,
}

/// `answers` as the event's `asked` questions need them: one each, each
/// at most [`crate::validate::MAX_ANSWER_CHARS`]; stored as a JSON array.
fn check_answers(answers: Option<&[String]>, asked: usize) -> Result<Rc<str>, ClientError> {
    let answers = answers.ok_or(ClientError::invalid(
        "answers are required: one for each of the event's questions",
    ))?;
    if answers.len() != asked {
        return Err(ClientError::invalid(
            "answers must have one answer for each of the event's questions",
        ));
    }
    let json = serde_json::to_string(answers).map_err(|_| ClientError::Internal)?;
    Ok(Rc::from(json))
}

/// One user's [`Seat`] change of one event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeatChange {
    pub event: i64,
    pub user: i64,
    pub seat: Seat,
}

/// What [`Catalog::plan`] worked out.
#[derive(Debug, Default)]
pub struct Plan {
    /// Per change, in order: whether it changed anything, or why not.
    pub outcomes: Vec<Result<bool, ClientError>>,
    /// The moves to store, in order, by event.
    pub moves: Vec<(i64, Move)>,
    /// Answers to store, `(event, user, JSON array)`: a newcomer's to the
    /// event's questions.
    pub answers: Vec<(i64, i64, Rc<str>)>,
    /// Each touched event's seats after the changes.
    seats: Vec<(i64, Seats)>,
}

impl Plan {
    /// Requests event `id` has after the plan (`None`: untouched).
    pub fn requests(&self, id: i64) -> Option<usize> {
        self.seats
            .iter()
            .find(|(event, _)| *event == id)
            .map(|(_, seats)| seats.pending().len())
    }

    /// Users the plan promotes from a waitlist, with their event.
    pub fn promoted(&self) -> impl Iterator<Item = (i64, i64)> + '_ {
        self.moves.iter().filter_map(|(event, m)| match m {
            Move::Promote { user } => Some((*event, *user)),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::calendar::tests::Tz;

    /// A daily event at `start` (what the seed's rows are).
    fn event(id: i64, start: &str) -> Event {
        Event {
            id,
            title: format!("Event {id}"),
            start: start.into(),
            duration: 1.0,
            repeat: Repeat::Daily,
            ..Event::default()
        }
    }

    fn dated(id: i64, date: &str, start: &str, repeat: Repeat) -> Event {
        Event {
            date: Day::parse(date),
            repeat,
            ..event(id, start)
        }
    }

    /// 2027-03-24 07:00 UTC, a Wednesday.
    const NOW: i64 = 1_805_871_600;

    fn ids(catalog: &mut Catalog) -> Vec<i64> {
        let utc = Tz::new("UTC");
        catalog
            .listing(&utc, NOW, 30 * 86_400)
            .iter()
            .map(|l| l.id)
            .collect()
    }

    #[test]
    fn orders_by_start_then_id() {
        let mut catalog = Catalog::new(
            vec![
                event(3, "10:00"),
                event(1, "18:30"),
                event(2, "10:00"),
                event(4, "09:15"),
            ],
            [],
        );
        assert_eq!(ids(&mut catalog), vec![4, 2, 3, 1]);
    }

    #[test]
    fn lists_by_next_occurrence_with_past_one_offs_last_for_the_archive_days() {
        let mut catalog = Catalog::new(
            vec![
                event(1, "06:00"),                               // daily: tomorrow 06:00
                event(2, "08:00"),                               // daily: today 08:00
                dated(3, "2027-03-26", "19:00", Repeat::None),   // Friday
                dated(4, "2027-03-02", "18:00", Repeat::Weekly), // Tuesdays: 30 Mar
                dated(5, "2027-03-20", "10:00", Repeat::None),   // over 4 days ago
                dated(6, "2027-03-23", "10:00", Repeat::None),   // over yesterday
                dated(7, "2027-01-01", "10:00", Repeat::None),   // over long ago
                dated(8, "2027-03-24", "06:30", Repeat::None),   // on now, until 07:30
            ],
            [],
        );
        assert_eq!(ids(&mut catalog), vec![8, 2, 1, 3, 4, 6, 5]);
        let utc = Tz::new("UTC");
        let eight = catalog.occurrence(8, &utc, NOW).expect("listed");
        assert!(!eight.past, "an event under way is not over");
        let five = catalog.occurrence(5, &utc, NOW).expect("listed");
        assert!(five.past);
        let four = catalog.occurrence(4, &utc, NOW).expect("listed");
        assert_eq!(four.occurrence.day.to_string(), "2027-03-30");
        // A week on, the series moved on by itself.
        let later = catalog
            .occurrence(4, &utc, NOW + 7 * 86_400)
            .expect("listed");
        assert_eq!(later.occurrence.day.to_string(), "2027-04-06");
    }

    #[test]
    fn the_listing_is_kept_until_an_event_moves_or_an_occurrence_ends() {
        let utc = Tz::new("UTC");
        let mut catalog = Catalog::new(vec![event(1, "07:30"), event(2, "09:00")], []);
        let ids = |c: &mut Catalog, now| {
            c.listing(&utc, now, 0)
                .iter()
                .map(|l| l.id)
                .collect::<Vec<_>>()
        };
        assert_eq!(ids(&mut catalog, NOW), [1, 2], "both later today");
        assert_eq!(catalog.attend(2, 9), Ok(true));
        assert_eq!(ids(&mut catalog, NOW), [1, 2], "attendance moves nothing");
        // 08:30: the 07:30 one has ended and rolled on to tomorrow.
        assert_eq!(ids(&mut catalog, NOW + 90 * 60), [2, 1]);
        let later = catalog.get(1).map(|e| {
            e.edited(
                &EventChanges {
                    start: Some("10:00".into()),
                    ..EventChanges::default()
                },
                None,
            )
        });
        assert_eq!(later.and_then(|e| catalog.replace(e, None)), Ok(()));
        assert_eq!(ids(&mut catalog, NOW + 90 * 60), [2, 1]);
        assert_eq!(ids(&mut catalog, NOW), [2, 1], "an edit is seen at once");
        catalog.insert(event(3, "07:15"));
        assert_eq!(ids(&mut catalog, NOW), [3, 2, 1]);
    }

    #[test]
    fn a_date_set_is_at_most_366_days_back() {
        let utc = Tz::new("UTC");
        let set = |date: &str| dated(1, date, "10:00", Repeat::Weekly).check_date_set(&utc, NOW);
        assert!(set("2026-03-24").is_ok(), "366 days back");
        assert!(set("2026-03-22").is_err_and(|e| e.msg().contains("366 days")));
        assert!(
            set("0001-01-01").is_err(),
            "a weekly series from year 1 walks too far"
        );
        assert!(
            event(1, "10:00").check_date_set(&utc, NOW).is_ok(),
            "no date"
        );
    }

    #[test]
    fn schedule_rules_need_the_clock() {
        let utc = Tz::new("UTC");
        let check = |event: Event| event.check_schedule(&utc, NOW).map_err(|e| e.msg());
        assert!(check(dated(1, "2027-03-26", "19:00", Repeat::None)).is_ok());
        assert!(
            check(dated(1, "2027-03-24", "06:30", Repeat::None)).is_ok(),
            "not over yet"
        );
        let over = check(dated(1, "2027-03-24", "05:00", Repeat::None));
        assert!(over.is_err_and(|m| m.contains("must not have ended")));
        assert!(
            check(dated(1, "2020-01-01", "05:00", Repeat::Weekly)).is_ok(),
            "a series goes on"
        );
        assert!(
            check(dated(1, "2029-03-24", "10:00", Repeat::None)).is_ok(),
            "two years ahead"
        );
        let far = check(dated(1, "2029-03-25", "10:00", Repeat::None));
        assert!(far.is_err_and(|m| m.contains("two years")));
        let weekly = check(Event {
            repeat: Repeat::Weekly,
            ..event(1, "10:00")
        });
        assert!(weekly.is_err_and(|m| m.contains("weekly")));
        let once = check(Event {
            repeat: Repeat::None,
            ..event(1, "10:00")
        });
        assert!(once.is_err_and(|m| m.starts_with("Invalid data: date")));
        assert!(
            check(event(1, "10:00")).is_ok(),
            "a daily event needs no date"
        );
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
        assert_eq!(ids(&mut catalog), vec![3, 1, 2]);

        let changes = EventChanges {
            title: Some("Later".into()),
            start: Some("12:00".into()),
            ..EventChanges::default()
        };
        let edited = catalog
            .get(1)
            .map(|e| e.edited(&changes, Some("https://cdn.example/x.png".into())));
        assert_eq!(edited.as_ref().map(|e| e.attendee_count()), Ok(0));
        assert_eq!(edited.and_then(|e| catalog.replace(e, None)), Ok(()));
        assert_eq!(ids(&mut catalog), vec![3, 2, 1]);
        let one = catalog.get(1).cloned().unwrap_or_default();
        assert_eq!(one.title, "Later");
        assert_eq!(one.duration, 1.0, "fields not sent stay");
        assert_eq!(one.image, "https://cdn.example/x.png");
        assert!(one.is_attended_by(7), "an edit keeps the attendees");

        assert_eq!(catalog.remove(1).map(|e| e.id), Ok(1));
        assert_eq!(ids(&mut catalog), vec![3, 2]);
        assert_eq!(
            catalog.remove(1).map(|e| e.id),
            Err(ClientError::NoSuchEvent)
        );
        assert_eq!(catalog.attend(1, 7), Err(ClientError::NoSuchEvent));
        assert_eq!(
            catalog.replace(event(1, "10:00"), None),
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
        assert_eq!(edited.and_then(|e| catalog.replace(e, None)), Ok(()));
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
