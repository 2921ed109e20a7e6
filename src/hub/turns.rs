//! Keeps messages that must not overlap in the order they arrived.
//!
//! Handlers interleave at every D1 await, so without this an `attend`
//! followed at once by a `leave` could see the catalog before the attend
//! landed and do nothing, leaving the user attending against their last
//! word. Messages take turns in lanes: a message waits until the one before
//! it in the same lane has finished. Each user has a lane of their own (so
//! their messages apply in the order they sent them), and all event
//! changes by admins share one. Different lanes never wait for each other.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use futures_channel::oneshot;

/// A line of messages that take turns.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Lane {
    /// One user's messages, in the order they sent them.
    User(i64),
    /// Admins' changes to events, so that D1 and memory see them in the
    /// same order.
    Admin,
    /// Check-ins at one event's door, whichever host sends them.
    Door(i64),
}

/// The last message in line per lane: its number, and a receiver that
/// completes when it finishes.
type Tails = HashMap<Lane, (u64, oneshot::Receiver<()>)>;

#[derive(Default)]
pub struct Turns {
    tails: Rc<RefCell<Tails>>,
    next: RefCell<u64>,
}

/// Held while a message is served; dropping it lets the next one go.
pub struct Turn {
    tails: Rc<RefCell<Tails>>,
    lane: Lane,
    number: u64,
    _done: oneshot::Sender<()>,
}

impl Turns {
    /// Waits until every earlier message in `lane` has finished. The place
    /// in line is taken before the first await, so arrival order holds.
    pub async fn wait(&self, lane: Lane) -> Turn {
        let number = {
            let mut next = self.next.borrow_mut();
            *next += 1;
            *next
        };
        let (done, finished) = oneshot::channel();
        let previous = self.tails.borrow_mut().insert(lane, (number, finished));
        if let Some((_, previous)) = previous {
            // Ok or Canceled: either way the previous message is done.
            let _ = previous.await;
        }
        Turn {
            tails: Rc::clone(&self.tails),
            lane,
            number,
            _done: done,
        }
    }
}

impl Drop for Turn {
    fn drop(&mut self) {
        let mut tails = self.tails.borrow_mut();
        // Forget the lane once no one queued behind us.
        if tails
            .get(&self.lane)
            .is_some_and(|(n, _)| *n == self.number)
        {
            tails.remove(&self.lane);
        }
    }
}

#[cfg(test)]
pub mod tests {
    use super::*;
    use std::future::Future;
    use std::pin::pin;
    use std::task::{Context, Poll, Waker};

    /// Polls once with a waker that does nothing: the test decides when
    /// to look again.
    pub fn poll<F: Future + ?Sized>(future: std::pin::Pin<&mut F>) -> Poll<F::Output> {
        future.poll(&mut Context::from_waker(Waker::noop()))
    }

    #[test]
    fn a_users_messages_wait_in_arrival_order() {
        let turns = Turns::default();
        let mut first = pin!(turns.wait(Lane::User(1)));
        let mut second = pin!(turns.wait(Lane::User(1)));
        let mut third = pin!(turns.wait(Lane::User(1)));
        let mut other_user = pin!(turns.wait(Lane::User(2)));

        let Poll::Ready(first_turn) = poll(first.as_mut()) else {
            panic!("the first message goes at once");
        };
        assert!(poll(second.as_mut()).is_pending());
        assert!(poll(third.as_mut()).is_pending());
        assert!(
            poll(other_user.as_mut()).is_ready(),
            "users do not wait for each other"
        );

        drop(first_turn);
        assert!(
            poll(third.as_mut()).is_pending(),
            "the third waits for the second"
        );
        let Poll::Ready(second_turn) = poll(second.as_mut()) else {
            panic!("the second goes when the first is done");
        };
        drop(second_turn);
        let Poll::Ready(third_turn) = poll(third.as_mut()) else {
            panic!("the third goes when the second is done");
        };
        drop(third_turn);
        assert!(turns.tails.borrow().is_empty(), "nothing is left behind");
    }
}
