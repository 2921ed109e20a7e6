//! Group commit of attendance writes. In a storm, hundreds of attends and
//! leaves arrive a second; written one by one, each is its own D1
//! transaction, and D1 (like SQLite beneath it) commits one at a time.
//! Here at most one batch is in flight: changes that arrive meanwhile wait
//! and go together in the next batch, one transaction for all of them, up
//! to [`MAX_BATCH`] changes a batch (so one invocation's D1 statements
//! stay within Cloudflare's 50; more wait for the batch after). A lone
//! change is written at once, as before.
//!
//! Each change is still written before memory takes it and anyone hears
//! of it: a handler's `write` returns only when its batch is stored (or
//! failed, for every change in it). A user's own changes never share a
//! batch with each other, since their turn (`turns.rs`) waits for the one
//! before.
//!
//! The writing passed in also decides: for seats, the batch is planned
//! against memory when its turn comes, stored, and applied to memory
//! before the next batch may start (`attend.rs`). An admin's edit of
//! an event's seats waits for the batch in flight and holds the next ones
//! back ([`Commits::exclusive`]).
//!
//! The writing itself is passed in, so the rules are tested on the host.

use std::cell::{Cell, RefCell};
use std::collections::VecDeque;
use std::future::Future;

use futures_channel::oneshot;

/// Changes one batch takes at most.
pub const MAX_BATCH: usize = 10;

/// The changes waiting behind the batch in flight, and who waits for them.
struct Next<C, O> {
    changes: Vec<C>,
    waiters: Vec<oneshot::Sender<O>>,
}

/// A lock for one writer at a time, handed over in the order asked.
#[derive(Default)]
struct Lock {
    held: Cell<bool>,
    queue: RefCell<VecDeque<oneshot::Sender<()>>>,
}

/// Holding the lock; dropping it hands it to the next in line.
pub struct Guard<'a>(&'a Lock);

impl Lock {
    async fn acquire(&self) -> Guard<'_> {
        if self.held.replace(true) {
            let (wake, woken) = oneshot::channel();
            self.queue.borrow_mut().push_back(wake);
            // A dropped sender cannot happen while the lock lives; either
            // way the lock is ours now (handed over without being freed).
            let _ = woken.await;
        }
        Guard(self)
    }
}

impl Drop for Guard<'_> {
    fn drop(&mut self) {
        let lock = self.0;
        loop {
            let next = lock.queue.borrow_mut().pop_front();
            match next {
                // Handed over: still held.
                Some(wake) => {
                    if wake.send(()).is_ok() {
                        return;
                    }
                }
                None => {
                    lock.held.set(false);
                    return;
                }
            }
        }
    }
}

pub struct Commits<C, O> {
    /// One batch (or one [`Commits::exclusive`] holder) at a time.
    lock: Lock,
    /// The batches waiting, oldest first, each for its leader (the first
    /// to join it) to take it when the lock comes to it.
    next: RefCell<VecDeque<Next<C, O>>>,
}

impl<C, O> Default for Commits<C, O> {
    fn default() -> Self {
        Commits {
            lock: Lock::default(),
            next: RefCell::new(VecDeque::new()),
        }
    }
}

impl<C, O> Commits<C, O> {
    /// Stores `change` through `write` (which stores a batch in one
    /// transaction and answers each change, in order), alone or with the
    /// others that wait with it. `None` if the batch was dropped unanswered.
    pub async fn write<F, W>(&self, change: C, write: W) -> Option<O>
    where
        W: FnOnce(Vec<C>) -> F,
        F: Future<Output = Vec<O>>,
    {
        let (answer, answered) = oneshot::channel();
        let lead = {
            let mut next = self.next.borrow_mut();
            let room = next.back().is_some_and(|b| b.changes.len() < MAX_BATCH);
            if !room {
                next.push_back(Next {
                    changes: Vec::new(),
                    waiters: Vec::new(),
                });
            }
            match next.back_mut() {
                Some(batch) => {
                    batch.changes.push(change);
                    batch.waiters.push(answer);
                }
                None => return None,
            }
            !room
        };
        if lead {
            // The first to wait writes the batch, once the ones before it
            // (or an exclusive holder) are done; what arrives meanwhile
            // joins it, while it has room. The lock goes to leaders in the
            // order they asked, which is the order of their batches.
            let guard = self.lock.acquire().await;
            let batch = self.next.borrow_mut().pop_front();
            if let Some(Next { changes, waiters }) = batch {
                let outcomes = write(changes).await;
                drop(guard);
                for (waiter, outcome) in waiters.into_iter().zip(outcomes) {
                    let _ = waiter.send(outcome);
                }
            }
        }
        answered.await.ok()
    }

    /// Waits until no batch is in flight and keeps the next ones waiting
    /// until the guard is dropped: for a change that must not interleave
    /// with any batch (an edit of an event's seats).
    pub async fn exclusive(&self) -> Guard<'_> {
        self.lock.acquire().await
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
        fn write(
            self: &Rc<Self>,
            changes: Vec<u32>,
        ) -> impl Future<Output = Vec<Result<(), String>>> {
            let store = Rc::clone(self);
            async move {
                let n = changes.len();
                store.batches.borrow_mut().push(changes);
                let (finish, finished) = oneshot::channel();
                store.finish.borrow_mut().push(finish);
                let outcome = match finished.await {
                    Ok(true) => Ok(()),
                    _ => Err("D1 said no".to_string()),
                };
                vec![outcome; n]
            }
        }

        fn finish_all(&self, ok: bool) {
            for finish in self.finish.borrow_mut().drain(..) {
                let _ = finish.send(ok);
            }
        }
    }

    type Write<'a> = Pin<Box<dyn Future<Output = Option<Result<(), String>>> + 'a>>;

    fn step(writes: &mut [Option<Write>], outcomes: &mut [Option<Result<(), String>>]) {
        for _ in 0..5 {
            for (write, outcome) in writes.iter_mut().zip(outcomes.iter_mut()) {
                if let Some(future) = write.as_mut() {
                    if let Poll::Ready(done) = poll(future.as_mut()) {
                        *outcome = done;
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

    #[test]
    fn a_batch_takes_at_most_max_batch_changes_and_the_rest_go_next() {
        let commits = Commits::default();
        let store = Rc::new(Store::default());
        let n = 1 + 2 * MAX_BATCH + 3;
        let mut writes: Vec<Option<Write>> = (0..n as u32)
            .map(|c| Some(Box::pin(commits.write(c, |b| store.write(b))) as Write))
            .collect();
        let mut outcomes = vec![None; n];
        for _ in 0..5 {
            step(&mut writes, &mut outcomes);
            store.finish_all(true);
        }
        step(&mut writes, &mut outcomes);
        let sizes: Vec<usize> = store.batches.borrow().iter().map(Vec::len).collect();
        assert_eq!(sizes, [1, MAX_BATCH, MAX_BATCH, 3]);
        let written: Vec<u32> = store.batches.borrow().concat();
        assert_eq!(
            written,
            (0..n as u32).collect::<Vec<_>>(),
            "in arrival order"
        );
        assert!(outcomes.iter().all(|o| *o == Some(Ok(()))));
    }
}
