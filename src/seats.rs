//! Seats: who is going to an event, who waits, and the rules that move
//! people between the two. Pure, so the rules are tested on the host
//! against a simple model (`tests` below).
//!
//! A party is a user and the guests they bring; it takes `1 + guests`
//! seats. The going list and the waitlist are both in the order people
//! joined (their latest attend). First come, first served, strictly: a
//! newcomer waits whenever anyone waits, and freed seats go to the head of
//! the waitlist while the head's party fits, so nobody jumps the queue; a
//! party that grows (going and no longer fitting, or waiting) goes to the
//! tail of the waitlist.
//!
//! An event with `approval` puts newcomers in its requests instead: they
//! wait for a host, who lets them in (by the rules above, as if they had
//! attended then) or declines. A request lapses when the occurrence it was
//! made for starts.
//!
//! Every change returns the [`Move`]s it made, in order. The store writes
//! the same moves in the same order (one D1 batch), so the lists in D1 and
//! here stay equal, order included.

use std::collections::HashMap;

/// Most guests an event may allow a person to bring.
pub const MAX_GUESTS_LIMIT: u32 = 10;
/// Largest capacity an event may have.
pub const MAX_CAPACITY: u32 = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub user: i64,
    pub guests: u32,
}

impl Party {
    fn seats(self) -> u64 {
        1 + u64::from(self.guests)
    }
}

/// Someone asking to come to an event with `approval`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub party: Party,
    /// When it lapses (Unix seconds): the start of the occurrence it was
    /// made for.
    pub lapses_at: i64,
}

/// Where a user stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Place {
    Out,
    /// Asked to come; a host has not answered yet.
    Pending {
        guests: u32,
    },
    Going {
        guests: u32,
    },
    /// `position` is 1 for the head of the waitlist.
    Waiting {
        guests: u32,
        position: usize,
    },
}

/// One step of a change, as the store writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Move {
    /// Joins the tail of the going list (or of the waitlist).
    Join { party: Party, going: bool },
    /// Keeps their place with another number of guests.
    Regroup { party: Party },
    /// Leaves both lists.
    Remove { user: i64 },
    /// From the head of the waitlist to the tail of the going list.
    Promote { user: i64 },
    /// Joins the requests (or stays there with these guests).
    Ask { party: Party, lapses_at: i64 },
    /// Leaves the requests (let in, declined, withdrawn or lapsed).
    Withdraw { user: i64 },
}

/// Why an attend is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// RSVPs are closed.
    Closed,
    /// More guests than the event allows.
    TooManyGuests,
    /// A host answered someone who is not asking (any more).
    NotAsking,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Seats {
    /// `None`: unlimited.
    pub capacity: Option<u32>,
    pub max_guests: u32,
    pub closed: bool,
    /// Newcomers ask first and a host lets them in.
    pub approval: bool,
    going: Vec<Party>,
    waiting: Vec<Party>,
    /// Seats the going parties take.
    taken: u64,
    /// Each listed user: whether going, and their guests.
    index: HashMap<i64, (bool, u32)>,
    /// The requests, oldest first (not listed: nobody is both).
    pending: Vec<Request>,
}

impl Seats {
    /// Seats as stored: the going and waiting parties in join order.
    pub fn new(
        capacity: Option<u32>,
        max_guests: u32,
        closed: bool,
        going: Vec<Party>,
        waiting: Vec<Party>,
    ) -> Self {
        let mut seats = Seats {
            capacity,
            max_guests,
            closed,
            ..Seats::default()
        };
        for party in going {
            seats.push(party, true);
        }
        for party in waiting {
            seats.push(party, false);
        }
        seats
    }

    /// The same seats, with or without approval.
    pub fn with_approval(self, approval: bool) -> Self {
        Seats { approval, ..self }
    }

    /// Seats taken: people going and their guests.
    pub fn taken(&self) -> u64 {
        self.taken
    }

    /// People waiting.
    pub fn waitlist(&self) -> usize {
        self.waiting.len()
    }

    /// Seats still free (`None`: unlimited); 0 when the capacity was
    /// lowered below the seats taken.
    pub fn left(&self) -> Option<u64> {
        self.capacity
            .map(|c| u64::from(c).saturating_sub(self.taken))
    }

    /// Whether someone new would wait: no seat left, or people waiting
    /// already (nobody jumps the queue).
    pub fn is_full(&self) -> bool {
        self.left()
            .is_some_and(|left| left == 0 || !self.waiting.is_empty())
    }

    pub fn going(&self) -> &[Party] {
        &self.going
    }

    pub fn waiting(&self) -> &[Party] {
        &self.waiting
    }

    /// The requests, oldest first.
    pub fn pending(&self) -> &[Request] {
        &self.pending
    }

    fn asking(&self, user: i64) -> Option<usize> {
        self.pending.iter().position(|r| r.party.user == user)
    }

    /// Whether `user` asked and their request lapsed by `now`.
    pub fn lapsed(&self, user: i64, now: i64) -> bool {
        self.asking(user)
            .is_some_and(|at| self.pending[at].lapses_at <= now)
    }

    pub fn is_going(&self, user: i64) -> bool {
        matches!(self.index.get(&user), Some((true, _)))
    }

    pub fn place(&self, user: i64) -> Place {
        match self.index.get(&user) {
            None => match self.asking(user) {
                Some(at) => Place::Pending {
                    guests: self.pending[at].party.guests,
                },
                None => Place::Out,
            },
            Some(&(true, guests)) => Place::Going { guests },
            Some(&(false, guests)) => {
                let position = self
                    .waiting
                    .iter()
                    .position(|p| p.user == user)
                    .map_or(0, |i| i + 1);
                Place::Waiting { guests, position }
            }
        }
    }

    /// Whether `party` fits in the seats left.
    fn fits(&self, party: Party) -> bool {
        match self.capacity {
            None => true,
            Some(capacity) => self.taken + party.seats() <= u64::from(capacity),
        }
    }

    /// Adds a stored party at the tail of its list (the catalog's load).
    pub fn load(&mut self, party: Party, going: bool) {
        self.push(party, going);
    }

    /// Adds a stored request at the tail (the catalog's load).
    pub fn load_request(&mut self, request: Request) {
        if !self.index.contains_key(&request.party.user)
            && self.asking(request.party.user).is_none()
        {
            self.pending.push(request);
        }
    }

    fn push(&mut self, party: Party, going: bool) {
        if self.index.contains_key(&party.user) {
            return; // a user is listed once
        }
        self.index.insert(party.user, (going, party.guests));
        if going {
            self.taken += party.seats();
            self.going.push(party);
        } else {
            self.waiting.push(party);
        }
    }

    fn remove(&mut self, user: i64) -> Option<(Party, bool)> {
        let (going, _) = self.index.remove(&user)?;
        let list = if going {
            &mut self.going
        } else {
            &mut self.waiting
        };
        let at = list.iter().position(|p| p.user == user)?;
        let party = list.remove(at);
        if going {
            self.taken = self.taken.saturating_sub(party.seats());
        }
        Some((party, going))
    }

    /// `party` leaves its place and waits again, at the end of the waitlist.
    fn requeue(&mut self, party: Party, moves: &mut Vec<Move>) {
        self.remove(party.user);
        self.push(party, false);
        moves.push(Move::Remove { user: party.user });
        moves.push(Move::Join {
            party,
            going: false,
        });
    }

    /// `user` attends with `guests` (`None`: as many as before, 0 when
    /// new). See the module's rules; the moves made are returned (none
    /// when nothing changed).
    pub fn attend(&mut self, user: i64, guests: Option<u32>) -> Result<Vec<Move>, Refusal> {
        if self.closed {
            return Err(Refusal::Closed);
        }
        let now = self.index.get(&user).copied();
        let guests = guests.or(now.map(|(_, g)| g)).unwrap_or(0);
        if now.map(|(_, g)| g) != Some(guests) && guests > self.max_guests {
            // Guests kept from before a lower `max_guests` stay allowed.
            return Err(Refusal::TooManyGuests);
        }
        let party = Party { user, guests };
        let mut moves = Vec::new();
        match now {
            None => {
                // Asking still, after the event stopped wanting approval:
                // in now, by the rules.
                if let Some(at) = self.asking(user) {
                    self.pending.remove(at);
                    moves.push(Move::Withdraw { user });
                }
                let going = self.waiting.is_empty() && self.fits(party);
                self.push(party, going);
                moves.push(Move::Join { party, going });
            }
            Some((_, old)) if old == guests => return Ok(moves),
            Some((true, old)) => {
                // The party's own seats are taken already: only growth counts.
                let grown = u64::from(guests.saturating_sub(old));
                let fits = guests <= old
                    || self
                        .capacity
                        .is_none_or(|c| self.taken + grown <= u64::from(c));
                if fits {
                    self.set_guests(user, guests, true);
                    moves.push(Move::Regroup { party });
                } else {
                    self.requeue(party, &mut moves);
                }
            }
            // A waiting party that grows goes to the tail, like a going
            // one that no longer fits: nobody gets ahead by growing.
            Some((false, old)) if guests > old => self.requeue(party, &mut moves),
            Some((false, _)) => {
                self.set_guests(user, guests, false);
                moves.push(Move::Regroup { party });
            }
        }
        self.promote(&mut moves);
        Ok(moves)
    }

    fn set_guests(&mut self, user: i64, guests: u32, going: bool) {
        let list = if going {
            &mut self.going
        } else {
            &mut self.waiting
        };
        if let Some(party) = list.iter_mut().find(|p| p.user == user) {
            if going {
                self.taken = self.taken.saturating_sub(party.seats()) + 1 + u64::from(guests);
            }
            party.guests = guests;
        }
        self.index.insert(user, (going, guests));
    }

    /// `user` asks to come (an event with `approval`), with `guests`
    /// (`None`: as many as before, 0 when new); the request lapses at
    /// `lapses_at`. Someone listed already just changes their guests, as
    /// with [`Seats::attend`].
    pub fn ask(
        &mut self,
        user: i64,
        guests: Option<u32>,
        lapses_at: i64,
    ) -> Result<Vec<Move>, Refusal> {
        if self.index.contains_key(&user) {
            return self.attend(user, guests);
        }
        if self.closed {
            return Err(Refusal::Closed);
        }
        let at = self.asking(user);
        let before = at.map(|i| self.pending[i].party.guests);
        let guests = guests.or(before).unwrap_or(0);
        if before != Some(guests) && guests > self.max_guests {
            return Err(Refusal::TooManyGuests);
        }
        let party = Party { user, guests };
        match at {
            Some(_) if before == Some(guests) => Ok(Vec::new()),
            Some(i) => {
                self.pending[i].party = party;
                let lapses_at = self.pending[i].lapses_at;
                Ok(vec![Move::Ask { party, lapses_at }])
            }
            None => {
                self.pending.push(Request { party, lapses_at });
                Ok(vec![Move::Ask { party, lapses_at }])
            }
        }
    }

    /// A host's answer to `user`'s request: let in (going, or the
    /// waitlist's tail when full, whatever the limits say now: the host
    /// chose) or declined.
    pub fn answer(&mut self, user: i64, approve: bool) -> Result<Vec<Move>, Refusal> {
        let at = self.asking(user).ok_or(Refusal::NotAsking)?;
        let Request { party, .. } = self.pending.remove(at);
        let mut moves = vec![Move::Withdraw { user }];
        if approve {
            let going = self.waiting.is_empty() && self.fits(party);
            self.push(party, going);
            moves.push(Move::Join { party, going });
        }
        Ok(moves)
    }

    /// The event moved: every request now lapses at `lapses_at`.
    pub fn relapse(&mut self, lapses_at: i64) {
        for request in &mut self.pending {
            request.lapses_at = lapses_at;
        }
    }

    /// `user` leaves whichever list they are on (or withdraws their
    /// request); freed seats go to the waitlist's head. No moves when
    /// they were on none.
    pub fn leave(&mut self, user: i64) -> Vec<Move> {
        if let Some(at) = self.asking(user) {
            self.pending.remove(at);
            return vec![Move::Withdraw { user }];
        }
        let mut moves = Vec::new();
        if self.remove(user).is_some() {
            moves.push(Move::Remove { user });
            self.promote(&mut moves);
        }
        moves
    }

    /// New limits (an admin's edit). Lowering the capacity removes nobody;
    /// raising it (or lifting it) promotes from the head.
    pub fn configure(&mut self, capacity: Option<u32>, max_guests: u32, closed: bool) -> Vec<Move> {
        self.capacity = capacity;
        self.max_guests = max_guests;
        self.closed = closed;
        let mut moves = Vec::new();
        self.promote(&mut moves);
        moves
    }

    /// Promotes the waitlist's head while its party fits.
    fn promote(&mut self, moves: &mut Vec<Move>) {
        while let Some(&head) = self.waiting.first() {
            if !self.fits(head) {
                break;
            }
            self.waiting.remove(0);
            self.index.insert(head.user, (true, head.guests));
            self.taken += head.seats();
            self.going.push(head);
            moves.push(Move::Promote { user: head.user });
        }
    }

    /// Users promoted by `moves`.
    pub fn promoted(moves: &[Move]) -> impl Iterator<Item = i64> + '_ {
        moves.iter().filter_map(|m| match m {
            Move::Promote { user } => Some(*user),
            _ => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(parties: &[Party]) -> Vec<i64> {
        parties.iter().map(|p| p.user).collect()
    }

    #[test]
    fn the_third_waits_and_a_leave_promotes_them() {
        let mut seats = Seats::new(Some(2), 0, false, vec![], vec![]);
        assert!(seats.attend(1, None).is_ok());
        assert!(seats.attend(2, None).is_ok());
        assert_eq!(
            seats.attend(3, None),
            Ok(vec![Move::Join {
                party: Party { user: 3, guests: 0 },
                going: false
            }])
        );
        assert_eq!(
            seats.place(3),
            Place::Waiting {
                guests: 0,
                position: 1
            }
        );
        assert_eq!(
            seats.leave(1),
            vec![Move::Remove { user: 1 }, Move::Promote { user: 3 }]
        );
        assert_eq!(ids(seats.going()), [2, 3]);
        assert_eq!(seats.attend(3, None), Ok(vec![]), "idempotent");
    }

    #[test]
    fn guests_take_seats_and_a_growing_party_that_no_longer_fits_waits_at_the_tail() {
        let mut seats = Seats::new(Some(4), 2, false, vec![], vec![]);
        assert!(seats.attend(1, Some(1)).is_ok()); // 2 seats
        assert!(seats.attend(2, None).is_ok()); // 3
        assert_eq!(seats.attend(3, Some(3)), Err(Refusal::TooManyGuests));
        assert!(seats.attend(3, Some(1)).is_ok()); // needs 2 of 1 left: waits
        assert_eq!(seats.taken(), 3);
        assert!(
            seats.attend(4, None).is_ok(),
            "1 seat left but 3 waits first"
        );
        assert_eq!(ids(seats.waiting()), [3, 4]);
        // 2 grows to +2: 5 seats would be taken, so 2 goes to the tail.
        let moves = seats.attend(2, Some(2)).expect("allowed");
        assert_eq!(moves[0], Move::Remove { user: 2 });
        assert_eq!(ids(seats.going()), [1, 3], "3 (2 seats) fits now");
        assert_eq!(ids(seats.waiting()), [4, 2]);
        assert_eq!(seats.taken(), 4);
        // A going party that shrinks keeps its place and frees seats.
        let moves = seats.attend(1, Some(0)).expect("allowed");
        assert_eq!(moves[1], Move::Promote { user: 4 });
        assert_eq!(ids(seats.going()), [1, 3, 4]);
    }

    #[test]
    fn lowering_capacity_removes_nobody_and_raising_it_promotes() {
        let mut seats = Seats::new(Some(3), 0, false, vec![], vec![]);
        for user in 1..=5 {
            assert!(seats.attend(user, None).is_ok());
        }
        assert!(seats.configure(Some(1), 0, false).is_empty());
        assert_eq!(ids(seats.going()), [1, 2, 3]);
        assert!(seats.leave(1).len() == 1, "still over: nobody promoted");
        assert_eq!(
            seats.configure(None, 0, false),
            vec![Move::Promote { user: 4 }, Move::Promote { user: 5 }]
        );
        seats.configure(None, 0, true);
        assert_eq!(seats.attend(9, None), Err(Refusal::Closed));
        assert_eq!(seats.leave(2), vec![Move::Remove { user: 2 }]);
    }

    #[test]
    fn with_approval_newcomers_ask_and_a_host_lets_them_in_by_the_seat_rules() {
        let mut seats = Seats::new(Some(1), 1, false, vec![], vec![]);
        seats.approval = true;
        let party = |user, guests| Party { user, guests };
        assert_eq!(
            seats.ask(1, None, 50),
            Ok(vec![Move::Ask {
                party: party(1, 0),
                lapses_at: 50
            }])
        );
        assert_eq!(
            seats.ask(1, None, 60),
            Ok(vec![]),
            "asking again changes nothing"
        );
        assert_eq!(seats.place(1), Place::Pending { guests: 0 });
        assert!(seats.ask(2, Some(1), 50).is_ok());
        assert_eq!(seats.ask(3, Some(2), 50), Err(Refusal::TooManyGuests));
        assert_eq!(seats.taken(), 0, "asking takes no seat");
        // Let in: going while a seat is left, then the waitlist.
        assert_eq!(
            seats.answer(1, true),
            Ok(vec![
                Move::Withdraw { user: 1 },
                Move::Join {
                    party: party(1, 0),
                    going: true
                }
            ])
        );
        assert_eq!(
            seats.answer(2, true),
            Ok(vec![
                Move::Withdraw { user: 2 },
                Move::Join {
                    party: party(2, 1),
                    going: false
                }
            ])
        );
        assert_eq!(seats.answer(2, false), Err(Refusal::NotAsking));
        // Declined, withdrawn, lapsed.
        assert!(seats.ask(4, None, 50).is_ok());
        assert_eq!(seats.answer(4, false), Ok(vec![Move::Withdraw { user: 4 }]));
        assert_eq!(seats.place(4), Place::Out);
        assert!(seats.ask(5, None, 50).is_ok());
        assert_eq!(seats.leave(5), vec![Move::Withdraw { user: 5 }]);
        assert!(seats.ask(7, None, 80).is_ok());
        seats.relapse(90);
        assert_eq!(seats.pending()[0].lapses_at, 90, "the event moved");
        // Someone in already changes their guests without asking again.
        assert_eq!(
            seats.ask(1, Some(0), 50),
            Ok(vec![]),
            "going already, same guests"
        );
        seats.closed = true;
        assert_eq!(seats.ask(8, None, 50), Err(Refusal::Closed));
    }

    /// A simple model: the lists as plain vectors, replayed from the moves.
    #[derive(Default)]
    struct Model {
        going: Vec<Party>,
        waiting: Vec<Party>,
        pending: Vec<Party>,
    }

    impl Model {
        fn apply(&mut self, moves: &[Move]) {
            for m in moves {
                match *m {
                    Move::Join { party, going } => {
                        assert!(!self.listed(party.user), "joins once");
                        if going {
                            self.going.push(party);
                        } else {
                            self.waiting.push(party);
                        }
                    }
                    Move::Regroup { party } => {
                        let p = self
                            .going
                            .iter_mut()
                            .chain(self.waiting.iter_mut())
                            .find(|p| p.user == party.user);
                        p.expect("regroups someone listed").guests = party.guests;
                    }
                    Move::Remove { user } => {
                        self.going.retain(|p| p.user != user);
                        self.waiting.retain(|p| p.user != user);
                    }
                    Move::Promote { user } => {
                        assert_eq!(self.waiting.first().map(|p| p.user), Some(user), "the head");
                        let head = self.waiting.remove(0);
                        self.going.push(head);
                    }
                    Move::Ask { party, .. } => {
                        assert!(!self.listed(party.user), "asks only when not listed");
                        match self.pending.iter_mut().find(|p| p.user == party.user) {
                            Some(p) => p.guests = party.guests,
                            None => self.pending.push(party),
                        }
                    }
                    Move::Withdraw { user } => {
                        assert!(self.pending.iter().any(|p| p.user == user), "was asking");
                        self.pending.retain(|p| p.user != user);
                    }
                }
            }
        }

        fn listed(&self, user: i64) -> bool {
            self.going
                .iter()
                .chain(&self.waiting)
                .any(|p| p.user == user)
        }
    }

    #[test]
    fn random_changes_never_exceed_capacity_and_keep_the_model() {
        let mut state = 0x9E37_79B9_7F4A_7C15_u64;
        let mut next = |n: u64| {
            state ^= state >> 12;
            state ^= state << 25;
            state ^= state >> 27;
            state.wrapping_mul(0x2545_F491_4F6C_DD1D) % n
        };
        for _ in 0..300 {
            let mut seats = Seats::new(
                Some(next(8) as u32 + 1),
                next(3) as u32,
                false,
                vec![],
                vec![],
            );
            let mut model = Model::default();
            for _ in 0..200 {
                let user = next(12) as i64;
                let taken_before = seats.taken();
                let op = next(13);
                let configured = (8..10).contains(&op);
                let guests = match next(3) {
                    0 => None,
                    _ => Some(next(4) as u32),
                };
                let moves = match op {
                    0..=4 => seats.attend(user, guests).unwrap_or_default(),
                    5..=7 => seats.leave(user),
                    10 => seats.ask(user, guests, 100).unwrap_or_default(),
                    11 => seats.answer(user, next(2) == 0).unwrap_or_default(),
                    12 => seats.answer(user, false).unwrap_or_default(),
                    _ => {
                        let capacity = (next(4) != 0).then(|| next(10) as u32 + 1);
                        let (max, closed) = (next(3) as u32, next(6) == 0);
                        seats.configure(capacity, max, closed)
                    }
                };
                model.apply(&moves);
                assert_eq!(ids(seats.going()), ids(&model.going));
                assert_eq!(ids(seats.waiting()), ids(&model.waiting));
                let asking: Vec<Party> = seats.pending().iter().map(|r| r.party).collect();
                assert_eq!(asking, model.pending);
                let taken: u64 = model.going.iter().map(|p| p.seats()).sum();
                assert_eq!(seats.taken(), taken);
                // No attend or leave raises the seats taken above the
                // capacity (a lower capacity may leave more taken, and
                // then nobody new gets a seat).
                if let (false, Some(capacity)) = (configured, seats.capacity) {
                    assert!(taken <= taken_before.max(u64::from(capacity)));
                }
                // Nobody waits while the head fits.
                if let Some(&head) = model.waiting.first() {
                    assert!(!seats.fits(head), "the head would fit: promoted");
                }
                for p in &model.going {
                    assert_eq!(seats.place(p.user), Place::Going { guests: p.guests });
                }
            }
        }
    }
}
