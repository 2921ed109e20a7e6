//! Everything a hub holds, with one owner: [`State`]. The Durable Object
//! (`mod.rs`) owns one and hands it to the commands (`cmd/`), which are
//! functions over it; no other code keeps anything of a hub.
//!
//! Handlers interleave at every `.await` (D1 calls are not behind the
//! object's input gate), so no `RefCell` borrow here is held across one:
//! [`State::with_catalog`] takes a closure, so the compiler enforces it.
//! A change is applied to memory only after its D1 write succeeded.
//!
//! What survives hibernation lives in each socket's attachment (its
//! session, `sockets.rs`); everything here is rebuilt on the first message
//! after the object is constructed again: the catalog from D1, the place
//! from the sessions (and its row from D1).

use std::cell::{Cell, RefCell};
use std::rc::Rc;

use worker::{D1Database, Env};

use super::commit::Commits;
use super::deadline::Deadlines;
use super::merge::Windows;
use super::sockets::Sockets;
use super::turns::Turns;
use super::users::Users;
use super::views::{Extras, Views};
use crate::calendar::{self, feed, Zone};
use crate::catalog::{Catalog, Listed, SeatChange};
use crate::clock::{Clock, IntlZone};
use crate::communities::{self, Community};
use crate::config::Config;
use crate::error::ClientError;
use crate::protocol::When;
use crate::session::Session;
use crate::store;
use crate::tickets::Tickets;

/// Where a hub is: which community, its row and its zone. Replaced as a
/// whole, never changed in part, so the three always agree.
pub struct Place {
    /// The community's id ([`communities::DEFAULT`]: the default one).
    pub id: i64,
    /// Its row; `None` for the default community (or, for a group's, until
    /// read after a wake).
    pub community: Option<Community>,
    /// The zone its events are meant in: the community's, or `TIMEZONE`.
    pub zone: IntlZone,
}

impl Place {
    fn new(id: i64, community: Option<Community>, config: &Config) -> Place {
        let zone = match &community {
            Some(c) => IntlZone::or_utc(&c.timezone),
            None => IntlZone::or_utc(&config.timezone),
        };
        Place {
            id,
            community,
            zone,
        }
    }

    /// Whether the row is known (the default community has none).
    fn is_known(&self) -> bool {
        self.id == communities::DEFAULT || self.community.is_some()
    }
}

/// A hub's state.
pub struct State {
    pub env: Env,
    pub config: Config,
    pub clock: Clock,
    /// Every socket with its session; the object's runtime state.
    pub sockets: Sockets,
    /// `None` until the Worker's call or a socket's session says.
    place: RefCell<Option<Rc<Place>>>,
    /// The events and their seats; `None` until loaded from D1.
    catalog: RefCell<Option<Catalog>>,
    /// How users appear, and what their last login read.
    pub users: Users,
    /// Each event's `event` messages, rendered once per change.
    pub views: Views,
    /// Each busy event's broadcast window.
    pub windows: Windows,
    /// Seat changes waiting to be decided and written to D1 together.
    pub commits: Commits<SeatChange, Result<bool, ClientError>>,
    /// Sockets waiting to log in, by deadline.
    pub deadlines: Deadlines,
    /// Keeps each user's messages (and admins' changes) in arrival order.
    pub turns: Turns,
    /// Makes and reads tickets.
    pub tickets: Tickets,
    /// Notices were queued by a change: send them before going idle.
    notices_due: Cell<bool>,
}

impl State {
    pub fn new(runtime: worker::State, env: Env) -> State {
        let config = crate::config_from_env(&env);
        State {
            clock: config.clock,
            sockets: Sockets::new(runtime),
            place: RefCell::new(None),
            catalog: RefCell::new(None),
            users: Users::default(),
            views: Views::default(),
            windows: Windows::new(config.broadcast_window_ms),
            commits: Commits::default(),
            deadlines: Deadlines::new(config.login_timeout_ms),
            turns: Turns::default(),
            tickets: Tickets::from_secrets(config.calendar_secret.as_deref(), &config.bot_token),
            notices_due: Cell::new(false),
            config,
            env,
        }
    }

    /// Where this hub is, as far as it knows.
    pub fn place(&self) -> Rc<Place> {
        let known = self.place.borrow().clone();
        match known {
            Some(place) => place,
            None => {
                // After a wake: the sessions say which community.
                let id = self.sockets.community().unwrap_or(communities::DEFAULT);
                let place = Rc::new(Place::new(id, None, &self.config));
                *self.place.borrow_mut() = Some(Rc::clone(&place));
                place
            }
        }
    }

    /// The Worker says where this hub is (the community's row as it is
    /// now; `None` for the default community). A new zone starts the
    /// catalog and the rendered messages again from D1: occurrences were
    /// worked out in the old one. So does a new chat (a group became a
    /// supergroup): a community made for the new chat before the migration
    /// arrived had its events moved here.
    pub fn settle(&self, id: i64, community: Option<Community>) {
        let old = self.place.borrow().clone();
        if let Some(old) = &old {
            if old.id == id && old.community == community {
                return;
            }
        }
        let place = Place::new(id, community, &self.config);
        let chat = |p: &Place| p.community.as_ref().map(|c| c.chat_id);
        if old.is_some_and(|old| {
            old.zone.name() != place.zone.name() || (old.is_known() && chat(&old) != chat(&place))
        }) {
            *self.catalog.borrow_mut() = None;
            self.views.clear();
        }
        *self.place.borrow_mut() = Some(Rc::new(place));
    }

    /// D1, brought up to this version's schema if this isolate has not
    /// seen it yet (`store/migrate.rs`).
    pub async fn db(&self) -> Result<D1Database, ClientError> {
        store::open(&self.env)
            .await
            .map_err(|e| internal("opening D1", e))
    }

    /// Loads what the hub needs from D1 unless it has it: the community's
    /// row (after a wake) and the catalog.
    pub async fn ready(&self) -> Result<(), ClientError> {
        let place = self.place();
        if !place.is_known() {
            let row = store::communities::by_id(&self.db().await?, place.id)
                .await
                .map_err(|e| internal("reading the community", e))?;
            let Some(row) = row else {
                return Err(ClientError::Internal);
            };
            self.settle(place.id, Some(row));
        }
        if self.catalog.borrow().is_some() {
            return Ok(());
        }
        // Check-ins of occurrences the door or a listed past event may
        // still show (archive days, plus a day's duration and the grace).
        let since = self.now() - self.config.archive_days * 86_400 - 3 * 86_400;
        let (loaded, profiles) = store::events::load_catalog(&self.db().await?, place.id, since)
            .await
            .map_err(|e| internal("loading the catalog", e))?;
        self.users.remember(profiles);
        // Another handler may have loaded (and since changed) it while we
        // awaited: keep theirs, it is at least as new as ours.
        self.catalog.borrow_mut().get_or_insert(loaded);
        Ok(())
    }

    /// Whether the catalog is in memory.
    pub fn is_loaded(&self) -> bool {
        self.catalog.borrow().is_some()
    }

    /// Runs `f` on the loaded catalog. The borrow ends when `f` returns, so
    /// `f` must not (and cannot) await.
    pub fn with_catalog<T>(
        &self,
        f: impl FnOnce(&mut Catalog) -> Result<T, ClientError>,
    ) -> Result<T, ClientError> {
        let mut slot = self.catalog.borrow_mut();
        let catalog = slot.as_mut().ok_or(ClientError::Internal)?;
        f(catalog)
    }

    /// The instant (Unix seconds) events and dates go by.
    pub fn now(&self) -> i64 {
        self.clock.now()
    }

    /// An occurrence as clients see it, in this hub's zone.
    pub fn when(&self, place: &Place, listed: &Listed) -> When {
        let zone = &place.zone;
        When {
            date: listed.occurrence.day.to_string(),
            timezone: zone.name().to_string(),
            starts_at: calendar::rfc3339(zone, listed.occurrence.starts_at).unwrap_or_default(),
            ends_at: calendar::rfc3339(zone, listed.occurrence.ends_at).unwrap_or_default(),
            past: listed.past,
        }
    }

    /// The origin that `/media/...` paths and feed URLs are made absolute
    /// with for the socket of `session`: `PUBLIC_URL`, or the origin it
    /// connected to (a request's `Host` never changes what others see).
    pub fn base_url<'s>(&'s self, session: &'s Session) -> &'s str {
        self.config.public_url.as_deref().unwrap_or(&session.origin)
    }

    /// What people's `event` messages of one event carry besides the
    /// shared fields (see `views.rs`), at `now`.
    pub fn extras<'a>(&'a self, place: &'a Place, now: i64) -> Extras<'a> {
        let app = match (&self.config.bot_username, &self.config.app_short_name) {
            (Some(bot), Some(app)) => Some(format!("https://t.me/{bot}/{app}?startapp=")),
            _ => None,
        };
        let slug = place.community.as_ref().map(|c| c.slug.as_str());
        Extras::new(&self.tickets, app, slug, &place.zone, now)
    }

    /// The key of calendar feed tokens.
    pub fn feed_key(&self) -> Vec<u8> {
        feed::key(
            self.config.calendar_secret.as_deref(),
            &self.config.bot_token,
        )
    }

    /// A change queued notices: they go out before the hub goes idle.
    pub fn owe_notices(&self) {
        self.notices_due.set(true);
    }

    /// Sends the notices queued by the changes just made (a spot opened,
    /// an event moved or cancelled) now rather than at the next cron run;
    /// what this cannot send (out of budget, Telegram busy), the cron does.
    pub async fn send_notices(&self) {
        if self.notices_due.replace(false) {
            crate::notify::send_notices_now(&self.env, &self.config).await;
        }
    }
}

/// Logs a store failure (never with client data) and maps it to `internal`.
pub fn internal(what: &str, error: worker::Error) -> ClientError {
    worker::console_error!("{what} failed: {error}");
    ClientError::Internal
}
