//! How a SQLite connection waits for another connection's write lock.
//!
//! SQLite's own busy handler (`sqlite3_busy_timeout`) sleeps 1, 2, 5, 10, 15, 20,
//! 25, 25, 25, 50, 50 and then 100 ms between attempts. Under steady write
//! contention that starves writers: a writer that has waited a while sleeps
//! 100 ms at a time, while the one that just committed takes the lock again at
//! once. Measured with 2 processes × 4 pooled writer threads on one WAL file
//! (`litemodel-bench contention`), the busiest writer committed thousands of times
//! more than the least busy one, which sometimes ran out its 5 s timeout.
//!
//! This handler, `Database::set_fair_busy_wait(true)`, polls often and at
//! jittered intervals instead (0.1 ms doubling to 4 ms, so waiters do not wake in
//! lockstep), until the connection's busy timeout has passed since the first
//! attempt: writers take turns, at a cost in commits per second.
//! docs/reliability.md has the measurements.

use std::cell::Cell;
use std::time::{Duration, Instant};

thread_local! {
    /// The busy timeout of the connection running a statement on this thread
    /// (the handler has no other way to know its connection).
    static TIMEOUT: Cell<Duration> = const { Cell::new(super::super::database::BUSY_TIMEOUT) };
    /// When the current wait began.
    static STARTED: Cell<Option<Instant>> = const { Cell::new(None) };
    /// A small per-thread generator for the jitter.
    static JITTER: Cell<u64> = const { Cell::new(0) };
}

/// Tells the handler the busy timeout of the connection this thread is about
/// to run a statement on.
#[inline]
pub(crate) fn set_timeout(timeout: Duration) {
    let _ = TIMEOUT.try_with(|t| t.set(timeout));
}

/// `sqlite3_busy_handler`'s callback: `attempts` is how many times it was called
/// for this lock already. Returns whether SQLite should try again.
pub(crate) fn wait(attempts: i32) -> bool {
    let now = Instant::now();
    let started = if attempts == 0 {
        let _ = STARTED.try_with(|s| s.set(Some(now)));
        now
    } else {
        STARTED.try_with(Cell::get).ok().flatten().unwrap_or(now)
    };
    let timeout = TIMEOUT
        .try_with(Cell::get)
        .unwrap_or(super::super::database::BUSY_TIMEOUT);
    if now.duration_since(started) >= timeout {
        return false;
    }
    // 0.1 ms doubling to a 4 ms cap, each with up to +50 % of jitter.
    let base = 100u64 << attempts.clamp(0, 5);
    std::thread::sleep(Duration::from_micros(base + jitter() % (base / 2 + 1)));
    true
}

/// A xorshift step, seeded from the thread's address space.
fn jitter() -> u64 {
    JITTER
        .try_with(|state| {
            let mut x = state.get();
            if x == 0 {
                x = (state as *const Cell<u64> as u64) | 1;
            }
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            state.set(x);
            x
        })
        .unwrap_or(500)
}
