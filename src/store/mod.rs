//! D1, the system of record, and every SQL statement the Worker runs, one
//! file per concern: events ([`events`]), who is going and waiting
//! ([`seats`]), users and their settings ([`users`]), communities
//! ([`communities`]) and who is a member of each ([`members`]), the bot's
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
    use std::cell::Cell;

    thread_local! {
        static READS: Cell<u64> = const { Cell::new(0) };
        static WRITES: Cell<u64> = const { Cell::new(0) };
        static MOST: Cell<u64> = const { Cell::new(0) };
        static ROWS_READ: Cell<u64> = const { Cell::new(0) };
        static ON: Cell<bool> = const { Cell::new(false) };
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
        READS.with(|n| n.set(n.get() + statements));
    }

    pub(crate) fn write(statements: u64) {
        WRITES.with(|n| n.set(n.get() + statements));
    }

    /// (reads, writes) so far.
    pub fn snapshot() -> (u64, u64) {
        (READS.with(Cell::get), WRITES.with(Cell::get))
    }

    /// Ends an invocation that began at `before` (a snapshot): the most
    /// statements one invocation made is kept, for the benchmark (handlers
    /// of one hub that interleave count each other's too, so it errs high).
    pub fn invocation(before: (u64, u64)) {
        let (reads, writes) = snapshot();
        let made = reads + writes - before.0 - before.1;
        MOST.with(|most| most.set(most.get().max(made)));
    }

    /// The most D1 statements one invocation made so far.
    pub fn most_per_invocation() -> u64 {
        MOST.with(Cell::get)
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
