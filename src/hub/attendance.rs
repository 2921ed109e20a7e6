//! `attend` and `leave`: idempotent, decided and written to D1 together
//! with the other seat changes that arrive meanwhile (`commit.rs`), then
//! broadcast.
//!
//! Where a seat is taken, and why no event ever has more seats taken than
//! its capacity however messages interleave: the decision (going or
//! waiting, who is promoted) is made in [`EventHub::commit_seats`], which
//! only ever runs for one batch at a time (the commit lock), plans the
//! whole batch against memory synchronously (no await between reading the
//! seats and deciding), stores exactly that plan in one D1 transaction, and
//! applies it to memory before the lock passes on. So each decision sees
//! every earlier one, memory equals D1 whenever the lock is free, and a
//! failed write leaves both as they were. Edits of an event's limits take
//! the same lock (`events.rs`).

use super::{internal, EventHub};
use crate::catalog::{Profile, SeatChange};
use crate::error::ClientError;
use crate::notices;
use crate::session::SessionUser;
use crate::store::{self, events::Notice};

impl EventHub {
    /// Makes `user` attend `event` with `guests` (`attend: Some(guests)`)
    /// or leave it (`None`). Saying again what is already so changes
    /// nothing and broadcasts nothing.
    pub(super) async fn set_attendance(
        &self,
        user: &SessionUser,
        event: i64,
        attend: Option<Option<u32>>,
    ) -> Result<(), ClientError> {
        self.load_catalog().await?;
        let zone = self.zone();
        let (zone, now) = (&*zone, self.now());
        let change = SeatChange {
            event,
            user: user.id,
            attend,
        };
        // A first look, to answer at once what needs no write; the batch
        // decides again with whatever came before it.
        let first = self.with_catalog(|c| {
            if attend.is_some() && c.occurrence(event, zone, now).is_some_and(|l| l.past) {
                // Leaving an event that is over still works.
                return Err(ClientError::EventOver);
            }
            c.plan(&[change]).outcomes.pop().unwrap_or(Ok(false))
        })?;
        if !first {
            return Ok(());
        }
        if attend.is_some() {
            self.remember_profile(user);
        }
        self.commits
            .write(change, |changes| self.commit_seats(changes))
            .await
            .unwrap_or(Err(ClientError::Internal))
            .map(|_| ())
    }

    /// Puts `user`'s name and picture beside their seat, for the faces on
    /// the cards.
    fn remember_profile(&self, user: &SessionUser) {
        let hidden = self.users.hidden(user.id);
        let profile = Profile {
            name: user.name.clone(),
            username: user.username.clone(),
            photo_url: user.photo_url.clone(),
            hidden,
        };
        let _ = self.with_catalog(|c| {
            let kept = c.profile(user.id).map(|p| p.hidden);
            c.remember(
                user.id,
                Profile {
                    hidden: kept.unwrap_or(hidden),
                    ..profile
                },
            );
            Ok(())
        });
    }

    /// Decides, stores and applies one batch of seat changes (see the
    /// module's notes), then tells everyone. One answer per change.
    async fn commit_seats(&self, changes: Vec<SeatChange>) -> Vec<Result<bool, ClientError>> {
        let failed = |error: ClientError| vec![Err(error); changes.len()];
        let zone = self.zone();
        let (zone, now) = (&*zone, self.now());
        let planned = self.with_catalog(|c| {
            let plan = c.plan(&changes);
            let notices: Vec<Notice> = plan
                .promoted()
                .filter_map(|(event, user)| {
                    let listed = c.occurrence(event, zone, now);
                    let event = c.get(event).ok()?;
                    let occurrence = listed.map(|l| l.occurrence);
                    let text = notices::spot_opened(event, occurrence.as_ref(), zone);
                    Some(Notice::To { user, text })
                })
                .collect();
            Ok((plan, notices))
        });
        let (plan, notices) = match planned {
            Ok(planned) => planned,
            Err(error) => return failed(error),
        };
        let db = match self.db() {
            Ok(db) => db,
            Err(error) => return failed(error),
        };
        if let Err(error) = store::events::write_seats(&db, &plan.moves, &notices, now).await {
            return failed(internal("storing attendance", error));
        }
        let outcomes = plan.outcomes.clone();
        let changed = self
            .with_catalog(|c| Ok(c.commit(plan)))
            .unwrap_or_default();
        if !notices.is_empty() {
            self.notices_due.set(true);
        }
        for id in changed {
            for (change, outcome) in changes.iter().zip(&outcomes) {
                if change.event == id && matches!(outcome, Ok(true)) {
                    self.broadcast_event(id, change.user);
                }
            }
        }
        outcomes
    }
}
