//! D1, the system of record, and every SQL statement the Worker runs:
//! events and attendance ([`events`]), users and admin flags ([`users`]),
//! the bot's outbox of reminders ([`outbox`]). Every accepted change is
//! written here before the hub applies it to the catalog and broadcasts it.
//!
//! Integers are bound with `JsValue::from_f64`: binding an `i64` makes a
//! BigInt, which D1 rejects. Telegram ids fit in 52 bits, so `f64` is exact.
//! Queries cast their columns to the types the row structs expect, so a row
//! written by another tool (say `duration` as text) decodes instead of
//! failing the whole load.

pub mod communities;
pub mod events;
pub mod outbox;
pub mod users;

use wasm_bindgen::JsValue;

/// How many statements this isolate sent to D1, for the benchmark's
/// "work per operation" figures (served only when `DEBUG_COUNTERS` is set).
pub mod counters {
    use std::cell::Cell;

    thread_local! {
        static READS: Cell<u64> = const { Cell::new(0) };
        static WRITES: Cell<u64> = const { Cell::new(0) };
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
}

/// A row of one number, read `AS n`: every single-number read shares this
/// type, so the WASM holds one deserializer for all of them.
#[derive(serde::Deserialize)]
pub struct Number {
    pub n: Option<i64>,
}

/// An integer as a JS number (D1 rejects the BigInt an `i64` would bind as).
pub fn int(value: i64) -> JsValue {
    JsValue::from_f64(value as f64)
}
