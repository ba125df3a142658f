//! `tracing` spans for statements (feature `tracing`).
//!
//! Each statement the runtime runs gets a span `statement` at `DEBUG` level
//! on the target `litemodel::sql`, a child of the span current where it runs,
//! with these fields:
//!
//! | field | value |
//! | --- | --- |
//! | `sql` | the statement's text, with placeholders (`?1`, `$1`), never values |
//! | `table` | the table it works on, when known |
//! | `rows` | rows read (a query) or changed (INSERT, UPDATE, DELETE); absent for SQL text run by [`execute_batch`](crate::Database::execute_batch) |
//! | `duration_us` | microseconds from the start of the statement until its last row was read (or its rows were dropped) |
//! | `values` | the statement with its bound values written in, only after `record_values(true)` |
//!
//! Bound values are left out unless asked for: they may be personal data.
//! The `log` echo ([`Database::set_echo`](crate::Database::set_echo)) is
//! unchanged. Without the feature this module compiles to nothing: the
//! crate's hooks are empty and do nothing.

#[cfg(feature = "tracing")]
pub(crate) use enabled::{batch, executed, statement};
#[cfg(feature = "tracing")]
pub use enabled::{record_values, records_values};

/// The text of a SQLite statement, kept for its span (rusqlite does not
/// hand it back); empty without the feature.
#[derive(Debug, Clone, Default)]
pub(crate) struct StatementText {
    #[cfg(feature = "tracing")]
    sql: Option<std::sync::Arc<str>>,
}

impl StatementText {
    /// Keeps `sql` when statements are traced.
    #[inline]
    pub(crate) fn new(sql: &str) -> Self {
        #[cfg(feature = "tracing")]
        {
            let traced = tracing::enabled!(target: "litemodel::sql", tracing::Level::DEBUG);
            StatementText {
                sql: traced.then(|| std::sync::Arc::from(sql)),
            }
        }
        #[cfg(not(feature = "tracing"))]
        {
            let _ = sql;
            StatementText {}
        }
    }

    #[cfg(feature = "tracing")]
    pub(crate) fn get(&self) -> &str {
        self.sql.as_deref().unwrap_or("")
    }
}

/// The span of a query whose rows are being read: counts them and closes
/// the span after the last one, or when dropped. Empty without the feature.
#[derive(Default)]
pub(crate) struct RowsTrace {
    #[cfg(feature = "tracing")]
    running: Option<enabled::Running>,
    #[cfg(feature = "tracing")]
    rows: u64,
}

impl RowsTrace {
    /// Takes over the span of the statement just noted.
    #[inline]
    pub(crate) fn start() -> Self {
        #[cfg(feature = "tracing")]
        {
            RowsTrace {
                running: enabled::take_pending(),
                rows: 0,
            }
        }
        #[cfg(not(feature = "tracing"))]
        RowsTrace {}
    }

    /// One more row read.
    #[inline]
    pub(crate) fn row(&mut self) {
        #[cfg(feature = "tracing")]
        {
            self.rows += 1;
        }
    }

    /// The last row was read.
    #[inline]
    pub(crate) fn done(&mut self) {
        #[cfg(feature = "tracing")]
        if let Some(running) = self.running.take() {
            running.finish(Some(self.rows));
        }
    }
}

impl Drop for RowsTrace {
    #[inline]
    fn drop(&mut self) {
        self.done();
    }
}

#[cfg(feature = "tracing")]
mod enabled {
    use std::cell::RefCell;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::Instant;

    use tracing::field::Empty;
    use tracing::Span;

    use crate::conn::Stmt;

    static RECORD_VALUES: AtomicBool = AtomicBool::new(false);

    thread_local! {
        /// The span of the statement noted last on this thread, until the
        /// statement runs (it always runs right after it is noted).
        static PENDING: RefCell<Option<Running>> = const { RefCell::new(None) };
    }

    /// Whether statement spans carry their bound values (field `values`),
    /// process-wide; off by default, since values may be personal data.
    ///
    /// ```
    /// litemodel::trace::record_values(true); // e.g. while debugging locally
    /// assert!(litemodel::trace::records_values());
    /// litemodel::trace::record_values(false); // the default
    /// ```
    pub fn record_values(on: bool) {
        RECORD_VALUES.store(on, Ordering::Relaxed);
    }

    /// Whether statement spans carry their bound values.
    pub fn records_values() -> bool {
        RECORD_VALUES.load(Ordering::Relaxed)
    }

    /// A statement's open span and when it started.
    pub(crate) struct Running {
        span: Span,
        start: Instant,
    }

    impl Running {
        pub(crate) fn finish(self, rows: Option<u64>) {
            let micros = u64::try_from(self.start.elapsed().as_micros()).unwrap_or(u64::MAX);
            self.span.record("duration_us", micros);
            if let Some(rows) = rows {
                self.span.record("rows", rows);
            }
        }
    }

    fn open(sql: &str, table: Option<&'static str>) -> Option<Span> {
        let span = tracing::debug_span!(
            target: "litemodel::sql",
            "statement",
            sql,
            table = Empty,
            rows = Empty,
            duration_us = Empty,
            values = Empty,
        );
        if span.is_disabled() {
            return None;
        }
        if let Some(table) = table {
            span.record("table", table);
        }
        Some(span)
    }

    /// Opens the span of `stmt`, about to run (from `Database::note`).
    #[inline]
    pub(crate) fn statement(stmt: &Stmt<'_>) {
        if !tracing::enabled!(target: "litemodel::sql", tracing::Level::DEBUG) {
            return;
        }
        let Some(span) = open(stmt.sql_text(), stmt.table()) else {
            return;
        };
        if records_values() {
            span.record("values", stmt.expanded_sql());
        }
        let running = Running {
            span,
            start: Instant::now(),
        };
        PENDING.with(|pending| *pending.borrow_mut() = Some(running));
    }

    pub(crate) fn take_pending() -> Option<Running> {
        PENDING.with(|pending| pending.borrow_mut().take())
    }

    /// Closes the span of the statement just run, which changed `rows`.
    #[inline]
    pub(crate) fn executed(rows: Option<usize>) {
        if let Some(running) = take_pending() {
            running.finish(rows.map(|n| n as u64));
        }
    }

    /// The span of SQL text run without parameters (a batch, a BEGIN or
    /// COMMIT on PostgreSQL): closed when the guard drops.
    pub(crate) fn batch(sql: &str) -> Option<BatchGuard> {
        open(sql, None).map(|span| {
            BatchGuard(Some(Running {
                span,
                start: Instant::now(),
            }))
        })
    }

    pub(crate) struct BatchGuard(Option<Running>);

    impl Drop for BatchGuard {
        fn drop(&mut self) {
            if let Some(running) = self.0.take() {
                running.finish(None);
            }
        }
    }
}
