//! At the door: who was checked in for an occurrence, and what a
//! `check-in` changes. Pure, tested on the host; the hub's `cmd/door.rs`
//! stores the change and tells the hosts, `calendar`'s `Schedule::door`
//! says which occurrence a check-in is for.

use crate::error::ClientError;

/// One person checked in for one occurrence, with how many of their
/// party's guests came.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CheckIn {
    pub user: i64,
    /// When the occurrence starts (Unix seconds): a series' check-ins are
    /// per occurrence.
    pub occurrence: i64,
    pub guests: u32,
    /// When they were first checked in (Unix seconds).
    pub at: i64,
}

/// What a host asks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ask {
    /// Check in, with this many of the party's guests (`None`: all).
    In { guests: Option<u32> },
    /// Take a check-in back.
    Undo,
}

/// What to store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// Nothing: it was so already.
    Nothing,
    /// A new check-in.
    Insert(CheckIn),
    /// More of the party's guests came (the first time stays).
    Raise(CheckIn),
    /// The check-in is taken back.
    Remove(CheckIn),
}

/// The answer to a check-in: what to store and what to tell the host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outcome {
    pub change: Change,
    /// The check-in the reply describes: as it is now, or (after an undo)
    /// the one taken back; `None` when an undo found nothing.
    pub shown: Option<CheckIn>,
    /// It was done before (or, for an undo, there was nothing to undo).
    pub already: bool,
}

/// Decides a check-in of `user` (going with `party_guests` guests) for
/// the occurrence starting at `occurrence`, at `now`, given their
/// check-in for it so far.
pub fn decide(
    existing: Option<CheckIn>,
    ask: Ask,
    party_guests: u32,
    user: i64,
    occurrence: i64,
    now: i64,
) -> Result<Outcome, ClientError> {
    match ask {
        Ask::Undo => Ok(Outcome {
            change: existing.map_or(Change::Nothing, Change::Remove),
            shown: existing,
            already: existing.is_none(),
        }),
        Ask::In { guests } => {
            let guests = guests.unwrap_or(party_guests);
            if guests > party_guests {
                return Err(ClientError::Invalid(
                    format!("guests must be at most the party's {party_guests}").into(),
                ));
            }
            Ok(match existing {
                Some(before) if guests > before.guests => {
                    let raised = CheckIn { guests, ..before };
                    Outcome {
                        change: Change::Raise(raised),
                        shown: Some(raised),
                        already: true,
                    }
                }
                Some(before) => Outcome {
                    change: Change::Nothing,
                    shown: Some(before),
                    already: true,
                },
                None => {
                    let new = CheckIn {
                        user,
                        occurrence,
                        guests,
                        at: now,
                    };
                    Outcome {
                        change: Change::Insert(new),
                        shown: Some(new),
                        already: false,
                    }
                }
            })
        }
    }
}

/// An event's check-ins: those of its recent occurrences.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Door {
    checked: Vec<CheckIn>,
}

/// How long check-ins of an occurrence are kept in memory after a later
/// occurrence's first one (D1 keeps them all).
const KEPT_SECONDS: i64 = 8 * 86_400;

impl Door {
    /// `user`'s check-in for the occurrence starting at `occurrence`.
    pub fn of(&self, user: i64, occurrence: i64) -> Option<CheckIn> {
        self.checked
            .iter()
            .find(|c| c.user == user && c.occurrence == occurrence)
            .copied()
    }

    /// Nobody checked in at any recent occurrence.
    pub fn is_empty(&self) -> bool {
        self.checked.is_empty()
    }

    /// People and their guests checked in for `occurrence`.
    pub fn count(&self, occurrence: i64) -> u64 {
        self.checked
            .iter()
            .filter(|c| c.occurrence == occurrence)
            .map(|c| 1 + u64::from(c.guests))
            .sum()
    }

    /// Applies a stored change.
    pub fn apply(&mut self, change: Change) {
        match change {
            Change::Nothing => {}
            Change::Insert(new) => {
                self.checked
                    .retain(|c| c.occurrence >= new.occurrence - KEPT_SECONDS);
                self.checked
                    .retain(|c| !(c.user == new.user && c.occurrence == new.occurrence));
                self.checked.push(new);
            }
            Change::Raise(raised) => {
                for c in &mut self.checked {
                    if c.user == raised.user && c.occurrence == raised.occurrence {
                        c.guests = raised.guests;
                    }
                }
            }
            Change::Remove(gone) => self
                .checked
                .retain(|c| !(c.user == gone.user && c.occurrence == gone.occurrence)),
        }
    }

    /// A check-in as stored (loading).
    pub fn load(&mut self, checked: CheckIn) {
        self.apply(Change::Insert(checked));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: i64 = 1_800_000_000;

    #[test]
    fn a_check_in_is_once_per_occurrence_and_can_be_raised_and_undone() {
        let first = decide(None, Ask::In { guests: None }, 2, 7, 100, NOW).expect("in");
        assert!(!first.already);
        let Change::Insert(made) = first.change else {
            panic!("{first:?}");
        };
        assert_eq!((made.guests, made.at), (2, NOW), "all guests by default");
        let again = decide(Some(made), Ask::In { guests: None }, 2, 7, 100, NOW + 60);
        assert_eq!(
            again,
            Ok(Outcome {
                change: Change::Nothing,
                shown: Some(made),
                already: true
            }),
            "the first time stays"
        );
        let some = decide(None, Ask::In { guests: Some(1) }, 2, 7, 100, NOW).expect("in");
        let Change::Insert(one) = some.change else {
            panic!("{some:?}");
        };
        let raised = decide(Some(one), Ask::In { guests: Some(2) }, 2, 7, 100, NOW + 9);
        assert_eq!(
            raised.map(|o| (o.change, o.already)),
            Ok((Change::Raise(CheckIn { guests: 2, ..one }), true))
        );
        let lower = decide(Some(made), Ask::In { guests: Some(0) }, 2, 7, 100, NOW);
        assert_eq!(
            lower.map(|o| o.change),
            Ok(Change::Nothing),
            "never lowered"
        );
        let too_many = decide(None, Ask::In { guests: Some(3) }, 2, 7, 100, NOW);
        assert_eq!(too_many.map_err(|e| e.code()), Err("invalid"));
        let undo = decide(Some(made), Ask::Undo, 2, 7, 100, NOW);
        assert_eq!(
            undo,
            Ok(Outcome {
                change: Change::Remove(made),
                shown: Some(made),
                already: false
            })
        );
        let nothing = decide(None, Ask::Undo, 2, 7, 100, NOW);
        assert_eq!(
            nothing.map(|o| (o.change, o.already)),
            Ok((Change::Nothing, true))
        );
    }

    #[test]
    fn a_door_counts_people_and_guests_of_one_occurrence() {
        let mut door = Door::default();
        let ann = CheckIn {
            user: 1,
            occurrence: 100,
            guests: 2,
            at: NOW,
        };
        let bo = CheckIn {
            user: 2,
            guests: 0,
            ..ann
        };
        door.apply(Change::Insert(ann));
        door.apply(Change::Insert(bo));
        door.apply(Change::Insert(CheckIn {
            occurrence: 200,
            ..ann
        }));
        assert_eq!(door.count(100), 4);
        assert_eq!(door.count(200), 3);
        door.apply(Change::Raise(CheckIn { guests: 5, ..bo }));
        assert_eq!(door.count(100), 9);
        door.apply(Change::Remove(ann));
        assert_eq!(door.count(100), 6);
        assert_eq!(door.of(1, 100), None);
        assert_eq!(door.of(1, 200).map(|c| c.guests), Some(2));
        door.apply(Change::Insert(CheckIn {
            occurrence: 100 + 9 * 86_400,
            ..bo
        }));
        assert_eq!(door.count(100), 0, "long-gone occurrences leave memory");
    }
}
