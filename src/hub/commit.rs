//! Group commit of attendance writes. In a storm, hundreds of attends and
//! leaves arrive a second; written one by one, each is its own D1
//! transaction, and D1 (like SQLite beneath it) commits one at a time.
//! Here at most one batch is in flight: changes that arrive meanwhile wait
//! and go together in the next batch, one transaction for all of them.
//! A lone change is written at once, as before.
//!
//! Each change is still written before memory takes it and anyone hears
//! of it: a handler's `write` returns only when its batch is stored (or
//! failed, for every change in it). A user's own changes never share a
//! batch with each other, since their turn (`turns.rs`) waits for the one
//! before.
//!
//! The writing itself is passed in, so the rules are tested on the host.

use std::cell::{Cell, RefCell};
use std::future::Future;

use futures_channel::oneshot;

/// The changes waiting behind the batch in flight, and who waits for them.
struct Next<C> {
    changes: Vec<C>,
    waiters: Vec<oneshot::Sender<Result<(), String>>>,
}

pub struct Commits<C> {
    in_flight: Cell<bool>,
    next: RefCell<Option<Next<C>>>,
    /// Wakes the handler that will write `next` when the batch in flight
    /// is done.
    leader: RefCell<Option<oneshot::Sender<()>>>,
}

impl<C> Default for Commits<C> {
    fn default() -> Self {
        Commits {
            in_flight: Cell::new(false),
            next: RefCell::new(None),
            leader: RefCell::new(None),
        }
    }
}

impl<C> Commits<C> {
    /// Stores `change` through `write` (which stores a batch in one
    /// transaction), alone or with the others that wait with it.
    pub async fn write<F, W>(&self, change: C, write: W) -> Result<(), String>
    where
        W: FnOnce(Vec<C>) -> F,
        F: Future<Output = Result<(), String>>,
    {
        if !self.in_flight.get() && self.next.borrow().is_none() {
            self.in_flight.set(true);
            let stored = write(vec![change]).await;
            self.done();
            return stored;
        }
        let (answer, answered) = oneshot::channel();
        let lead = {
            let mut next = self.next.borrow_mut();
            let lead = next.is_none();
            let next = next.get_or_insert_with(|| Next {
                changes: Vec::new(),
                waiters: Vec::new(),
            });
            next.changes.push(change);
            next.waiters.push(answer);
            lead
        };
        if lead {
            // The first to wait writes the next batch, once the one in
            // flight is done.
            let (wake, woken) = oneshot::channel();
            *self.leader.borrow_mut() = Some(wake);
            let _ = woken.await;
            let batch = self.next.borrow_mut().take();
            if let Some(Next { changes, waiters }) = batch {
                self.in_flight.set(true);
                let stored = write(changes).await;
                self.done();
                for waiter in waiters {
                    let _ = waiter.send(stored.clone());
                }
            }
        }
        answered
            .await
            .unwrap_or_else(|_| Err("the batch was dropped".into()))
    }

    /// The batch in flight is done: the next one may go.
    fn done(&self) {
        self.in_flight.set(false);
        if let Some(wake) = self.leader.borrow_mut().take() {
            let _ = wake.send(());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hub::turns::tests::poll;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::Poll;

    /// A store whose batches finish when the test says so.
    #[derive(Default)]
    struct Store {
        batches: RefCell<Vec<Vec<u32>>>,
        finish: RefCell<Vec<oneshot::Sender<bool>>>,
    }

    impl Store {
        fn write(self: &Rc<Self>, changes: Vec<u32>) -> impl Future<Output = Result<(), String>> {
            let store = Rc::clone(self);
            async move {
                store.batches.borrow_mut().push(changes);
                let (finish, finished) = oneshot::channel();
                store.finish.borrow_mut().push(finish);
                match finished.await {
                    Ok(true) => Ok(()),
                    _ => Err("D1 said no".into()),
                }
            }
        }

        fn finish_all(&self, ok: bool) {
            for finish in self.finish.borrow_mut().drain(..) {
                let _ = finish.send(ok);
            }
        }
    }

    type Write<'a> = Pin<Box<dyn Future<Output = Result<(), String>> + 'a>>;

    fn step(writes: &mut [Option<Write>], outcomes: &mut [Option<Result<(), String>>]) {
        for _ in 0..5 {
            for (write, outcome) in writes.iter_mut().zip(outcomes.iter_mut()) {
                if let Some(future) = write.as_mut() {
                    if let Poll::Ready(done) = poll(future.as_mut()) {
                        *outcome = Some(done);
                        *write = None;
                    }
                }
            }
        }
    }

    #[test]
    fn a_lone_change_is_written_at_once_and_the_rest_wait_together() {
        let commits = Commits::default();
        let store = Rc::new(Store::default());
        let mut writes: Vec<Option<Write>> = (0..5)
            .map(|n| Some(Box::pin(commits.write(n, |c| store.write(c))) as Write))
            .collect();
        let mut outcomes = vec![None, None, None, None, None];
        step(&mut writes, &mut outcomes);
        assert_eq!(
            *store.batches.borrow(),
            vec![vec![0]],
            "the first goes alone"
        );
        assert!(outcomes.iter().all(Option::is_none));

        store.finish_all(true);
        step(&mut writes, &mut outcomes);
        assert_eq!(outcomes[0], Some(Ok(())));
        assert_eq!(
            *store.batches.borrow(),
            vec![vec![0], vec![1, 2, 3, 4]],
            "the others go in one batch"
        );
        assert!(outcomes[1..].iter().all(Option::is_none), "not stored yet");

        store.finish_all(false);
        step(&mut writes, &mut outcomes);
        for outcome in &outcomes[1..] {
            assert_eq!(outcome.as_ref(), Some(&Err("D1 said no".to_string())));
        }

        let mut later: Vec<Option<Write>> =
            vec![Some(Box::pin(commits.write(9, |c| store.write(c))))];
        let mut outcome = vec![None];
        step(&mut later, &mut outcome);
        assert_eq!(store.batches.borrow().last(), Some(&vec![9]), "idle again");
        store.finish_all(true);
        step(&mut later, &mut outcome);
        assert_eq!(outcome[0], Some(Ok(())));
    }
}
