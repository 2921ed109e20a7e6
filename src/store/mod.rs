//! D1, the system of record, and every SQL statement the Worker runs, one
//! file per concern: events ([`events`]), who is going and waiting
//! ([`seats`]), users and their settings ([`users`]), communities
//! ([`communities`]) and who is a member of each ([`members`]), who was
//! checked in at the door ([`door`]), the bot's
//! outbox of reminders and notices ([`outbox`]), and bringing an older
//! database up to date ([`migrate`]). Every accepted change is written here
//! before the hub applies it to the catalog and broadcasts it.
//!
//! Integers are bound with `JsValue::from_f64`: binding an `i64` makes a
//! BigInt, which D1 rejects. Telegram ids fit in 52 bits, so `f64` is exact.
//! Queries cast their columns to the types the row structs expect, so a row
//! written by another tool (say `duration` as text) decodes instead of
//! failing the whole load.

pub mod communities;
pub mod door;
pub mod events;
pub mod members;
pub mod migrate;
pub mod outbox;
pub mod seats;
pub mod users;

use wasm_bindgen::JsValue;
use worker::js_sys;

/// The binding of the D1 database.
const BINDING: &str = "DB";

/// D1, with every column this version uses (the first use in an isolate
/// may upgrade an older database: `migrate.rs`).
pub async fn open(env: &worker::Env) -> worker::Result<worker::D1Database> {
    let db = env.d1(BINDING)?;
    migrate::ensure(&db).await?;
    Ok(db)
}

/// How many statements this isolate sent to D1, for the benchmark's
/// "work per operation" figures (served only when `DEBUG_COUNTERS` is set).
pub mod counters {
    use std::cell::{Cell, RefCell};
    use std::future::Future;
    use std::pin::Pin;
    use std::rc::Rc;
    use std::task::{Context, Poll};

    thread_local! {
        static READS: Cell<u64> = const { Cell::new(0) };
        static WRITES: Cell<u64> = const { Cell::new(0) };
        static MOST: Cell<u64> = const { Cell::new(0) };
        static ROWS_READ: Cell<u64> = const { Cell::new(0) };
        static ON: Cell<bool> = const { Cell::new(false) };
        /// The statements of the invocation being polled now.
        static CURRENT: RefCell<Option<Rc<Cell<u64>>>> = const { RefCell::new(None) };
    }

    fn tally(statements: u64) {
        CURRENT.with(|current| {
            if let Some(made) = &*current.borrow() {
                made.set(made.get() + statements);
            }
        });
    }

    /// Counts rows read too (`DEBUG_COUNTERS`): that costs reading each
    /// result's meta, so it is off unless asked for.
    pub fn switch_on(on: bool) {
        ON.with(|cell| cell.set(on));
    }

    /// Adds the rows D1 says `result` read.
    pub(crate) fn rows_of(result: &worker::D1Result) {
        if !ON.with(Cell::get) {
            return;
        }
        let read = result.meta().ok().flatten().and_then(|m| m.rows_read);
        ROWS_READ.with(|n| n.set(n.get() + read.unwrap_or(0) as u64));
    }

    /// Rows D1 read so far (0 unless switched on).
    pub fn rows_read() -> u64 {
        ROWS_READ.with(Cell::get)
    }

    pub(crate) fn read(statements: u64) {
        tally(statements);
        READS.with(|n| n.set(n.get() + statements));
    }

    pub(crate) fn write(statements: u64) {
        tally(statements);
        WRITES.with(|n| n.set(n.get() + statements));
    }

    /// (reads, writes) so far.
    pub fn snapshot() -> (u64, u64) {
        (READS.with(Cell::get), WRITES.with(Cell::get))
    }

    /// Runs `work` as one invocation (a fetch, a socket message, an
    /// alarm, a cron run) and keeps the most statements one made, for the
    /// benchmark. Statements are counted while `work` itself is polled,
    /// so invocations of one isolate that interleave do not count each
    /// other's.
    pub async fn invocation<F: Future>(work: F) -> F::Output {
        let made = Rc::new(Cell::new(0));
        let output = Measured {
            work: Box::pin(work),
            made: Rc::clone(&made),
        }
        .await;
        MOST.with(|most| most.set(most.get().max(made.get())));
        output
    }

    struct Measured<F> {
        work: Pin<Box<F>>,
        made: Rc<Cell<u64>>,
    }

    impl<F: Future> Future for Measured<F> {
        type Output = F::Output;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<F::Output> {
            let this = self.get_mut();
            let outer = CURRENT.with(|c| c.replace(Some(Rc::clone(&this.made))));
            let polled = this.work.as_mut().poll(cx);
            CURRENT.with(|c| *c.borrow_mut() = outer);
            polled
        }
    }

    /// The most D1 statements one invocation made so far.
    pub fn most_per_invocation() -> u64 {
        MOST.with(Cell::get)
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        /// Pending once, as a D1 round trip is.
        struct RoundTrip(bool);

        impl Future for RoundTrip {
            type Output = ();
            fn poll(mut self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<()> {
                match std::mem::replace(&mut self.0, true) {
                    true => Poll::Ready(()),
                    false => Poll::Pending,
                }
            }
        }

        async fn statements(n: u64) {
            for _ in 0..n {
                read(1);
                RoundTrip(false).await;
            }
        }

        #[test]
        fn interleaved_invocations_count_only_their_own() {
            let mut cx = Context::from_waker(std::task::Waker::noop());
            let mut a = Box::pin(invocation(statements(3)));
            let mut b = Box::pin(invocation(statements(5)));
            let (mut a_done, mut b_done) = (false, false);
            while !(a_done && b_done) {
                a_done = a_done || a.as_mut().poll(&mut cx).is_ready();
                b_done = b_done || b.as_mut().poll(&mut cx).is_ready();
            }
            assert_eq!(most_per_invocation(), 5, "not 8: each counts its own");
            read(4); // outside any invocation: counts for none
            assert_eq!(most_per_invocation(), 5);
        }
    }
}

/// Statements run through here count what D1 read (`counters::rows_of`).
pub(crate) trait Counted {
    /// `all()`: every row.
    async fn rows_all(self) -> worker::Result<worker::D1Result>;
    /// `run()`: a write.
    async fn write(self) -> worker::Result<worker::D1Result>;
    /// The first row, if any.
    async fn first_row(self) -> worker::Result<Option<Row>>;
}

impl Counted for worker::D1PreparedStatement {
    async fn rows_all(self) -> worker::Result<worker::D1Result> {
        let result = self.all().await?;
        counters::rows_of(&result);
        Ok(result)
    }

    async fn write(self) -> worker::Result<worker::D1Result> {
        let result = self.run().await?;
        counters::rows_of(&result);
        Ok(result)
    }

    async fn first_row(self) -> worker::Result<Option<Row>> {
        let result = self.rows_all().await?;
        Ok(rows(&result)?.into_iter().next())
    }
}

/// `db.batch(statements)`, counting what D1 read.
pub async fn batch(
    db: &worker::D1Database,
    statements: Vec<worker::D1PreparedStatement>,
) -> worker::Result<Vec<worker::D1Result>> {
    let results = db.batch(statements).await?;
    results.iter().for_each(counters::rows_of);
    Ok(results)
}

/// A row as D1 gave it (a JS object), read field by field. Every query
/// reads its rows as this one type: a serde deserializer per row type cost
/// the WASM about 3 KB each (see BENCHMARKS.md). The queries cast their
/// columns, so a field is what its reader expects, or `NULL`.
#[derive(serde::Deserialize)]
#[serde(transparent)]
pub struct Row(#[serde(with = "serde_wasm_bindgen::preserve")] JsValue);

impl Row {
    fn get(&self, name: &str) -> JsValue {
        js_sys::Reflect::get(&self.0, &JsValue::from_str(name)).unwrap_or(JsValue::NULL)
    }

    /// An integer column (`None` for `NULL`). Telegram ids fit in 52 bits,
    /// so the JS number is exact.
    pub fn int(&self, name: &str) -> Option<i64> {
        self.get(name).as_f64().map(|n| n as i64)
    }

    /// A real column (`None` for `NULL`).
    pub fn real(&self, name: &str) -> Option<f64> {
        self.get(name).as_f64()
    }

    /// A text column (`None` for `NULL`).
    pub fn text(&self, name: &str) -> Option<String> {
        self.get(name).as_string()
    }

    /// A 0/1 column as a flag (`NULL` is false).
    pub fn flag(&self, name: &str) -> bool {
        self.int(name).unwrap_or(0) != 0
    }
}

/// The rows of one statement's result.
pub fn rows(result: &worker::D1Result) -> worker::Result<Vec<Row>> {
    result.results::<Row>()
}

/// An integer as a JS number (D1 rejects the BigInt an `i64` would bind as).
pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}
