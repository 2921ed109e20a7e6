//! Everyone the hub knows: how each user appears to others (name, username,
//! picture, whether they hide), the one copy of that in memory; what D1
//! said of them at their last login (operator flag, reminder setting); and,
//! in a group's community, what Telegram last said of them there (member,
//! admin, and when). So a returning user's login costs no D1 query: while
//! their profile is as it was, the hub trusts for `MEMBER_CACHE_SECONDS`
//! what it read and wrote (`last_seen`) at their previous login, and the
//! access rules (`access.rs`) decide from the remembered answers for as
//! long as those are young enough.
//!
//! People listed on events come from D1 with the catalog; users who log in
//! are recorded here by their login.

use std::cell::RefCell;
use std::collections::HashMap;

use worker::D1Database;

use crate::catalog::{Catalog, Profile};
use crate::init_data::TelegramUser;
use crate::protocol::Face;
use crate::store;
use crate::store::members::Facts;
use crate::store::users::{Reminder, Stored};

/// What the hub knows of one user.
struct Known {
    profile: Profile,
    /// From their last login here: what D1 held, and when it was read.
    login: Option<(Stored, i64)>,
    /// In a group's community: what Telegram last said of them there.
    facts: Option<Facts>,
}

#[derive(Default)]
pub struct Users {
    known: RefCell<HashMap<i64, Known>>,
}

impl Users {
    /// Records a login in D1 and returns what D1 holds of the user. A user
    /// seen in the last `trust` seconds who appears as before costs no
    /// query: that comes from memory, and `last_seen` is that coarse. Also
    /// returns whether they now appear otherwise.
    pub async fn record_login(
        &self,
        db: &D1Database,
        user: &TelegramUser,
        photo_url: &str,
        now: i64,
        trust: i64,
    ) -> worker::Result<(Stored, bool)> {
        let name = user.display_name();
        let username = user.username.clone().unwrap_or_default();
        let fresh = self.known.borrow().get(&user.id).and_then(|known| {
            let p = &known.profile;
            let (stored, at) = known.login?;
            let telegram = user.language_code.as_deref().and_then(crate::i18n::of_code);
            let same = p.name == name
                && p.username == username
                && p.photo_url == photo_url
                && (telegram.is_none() || stored.telegram == telegram);
            (same && now - at < trust).then_some(stored)
        });
        if let Some(stored) = fresh {
            return Ok((stored, false));
        }
        let stored = store::users::upsert(
            db,
            user.id,
            &name,
            user.username.as_deref(),
            photo_url,
            user.language_code.as_deref(),
            now,
        )
        .await?;
        let profile = Profile {
            name,
            username,
            photo_url: photo_url.to_string(),
            hidden: stored.hidden,
        };
        let mut known = self.known.borrow_mut();
        let old = known.remove(&user.id);
        let changed = old.as_ref().is_none_or(|k| k.profile != profile);
        known.insert(
            user.id,
            Known {
                profile,
                login: Some((stored, now)),
                facts: old.and_then(|k| k.facts),
            },
        );
        Ok((stored, changed))
    }

    /// Remembers how the people listed on events appear (read with the
    /// catalog); users who logged in keep what their login said.
    pub fn remember(&self, profiles: Vec<(i64, Profile)>) {
        let mut known = self.known.borrow_mut();
        for (user, profile) in profiles {
            known.entry(user).or_insert(Known {
                profile,
                login: None,
                facts: None,
            });
        }
    }

    /// Records a new privacy setting (stored already); true when it changed.
    pub fn set_hidden(&self, user: i64, hidden: bool) -> bool {
        let mut known = self.known.borrow_mut();
        let Some(known) = known.get_mut(&user) else {
            return false;
        };
        if let Some((stored, _)) = known.login.as_mut() {
            stored.hidden = hidden;
        }
        let changed = known.profile.hidden != hidden;
        known.profile.hidden = hidden;
        changed
    }

    /// Changes what this hub remembers D1 holds of `user` (a setting
    /// stored already); nothing when it remembers no login of theirs.
    fn restore(&self, user: i64, change: impl FnOnce(&mut Stored)) {
        if let Some((stored, _)) = self
            .known
            .borrow_mut()
            .get_mut(&user)
            .and_then(|k| k.login.as_mut())
        {
            change(stored);
        }
    }

    /// Records a new reminder setting (stored already).
    pub fn set_reminder(&self, user: i64, reminder: Reminder) {
        self.restore(user, |stored| stored.reminder = reminder);
    }

    /// Records a new choice of language (stored already).
    pub fn set_language(&self, user: i64, language: Option<&'static str>) {
        self.restore(user, |stored| stored.language = language);
    }

    /// What Telegram last said of `user` here, as this hub remembers it.
    pub fn facts(&self, user: i64) -> Option<Facts> {
        self.known.borrow().get(&user).and_then(|k| k.facts)
    }

    /// Remembers what Telegram last said of `user` here (a user the hub
    /// does not know yet is remembered only once they log in).
    pub fn remember_facts(&self, user: i64, facts: Facts) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.facts = Some(facts);
        }
    }

    /// Forgets what Telegram said of `user` (they left the group).
    pub fn forget_facts(&self, user: i64) {
        if let Some(known) = self.known.borrow_mut().get_mut(&user) {
            known.facts = None;
        }
    }

    /// The soonest instant a remembered answer of one of `users` becomes
    /// too old to use (`cache` seconds after it was given), and the users
    /// whose answer is too old (or unknown) at `now`.
    pub fn stale(&self, users: &[i64], now: i64, cache: i64) -> (Option<i64>, Vec<i64>) {
        let known = self.known.borrow();
        let mut soonest: Option<i64> = None;
        let mut stale = Vec::new();
        for user in users {
            match known
                .get(user)
                .and_then(|k| k.facts)
                .and_then(|f| f.checked_at)
            {
                Some(at) if now - at < cache => {
                    let due = at + cache;
                    soonest = Some(soonest.map_or(due, |s| s.min(due)));
                }
                _ => stale.push(*user),
            }
        }
        (soonest, stale)
    }

    /// Records the operator flag as D1 has it now, so the next login does
    /// not trust a stale one.
    pub fn set_operator(&self, user: i64, operator: bool) {
        if let Some((stored, _)) = self
            .known
            .borrow_mut()
            .get_mut(&user)
            .and_then(|k| k.login.as_mut())
        {
            stored.is_admin = operator;
        }
    }

    /// How `user` appears, if the hub knows them.
    pub fn profile(&self, user: i64) -> Option<Profile> {
        self.known.borrow().get(&user).map(|k| k.profile.clone())
    }

    /// The faces on event `id`'s card.
    pub fn faces(&self, catalog: &Catalog, id: i64) -> Vec<Face> {
        let known = self.known.borrow();
        catalog.faces(id, |user| known.get(&user).map(|k| &k.profile))
    }
}
