//! The connection under a [`Database`](crate::Database): SQLite through
//! rusqlite, or PostgreSQL through `tokio-postgres` driven synchronously
//! (feature `postgres`, [`PgClient`](pg_client::PgClient)).
//!
//! The rest of the runtime prepares, binds, executes and reads rows through
//! the small enums of this module, so a statement, a row and a parameter look
//! the same whatever the engine. Each engine keeps its prepared statements:
//! for SQLite, a slot per fixed statement and per query text (`sqlite.rs`),
//! rusqlite's cache only for a statement already running; for PostgreSQL,
//! server-side statements by identity and by text (`postgres.rs`).

pub(crate) mod busy;
#[cfg(feature = "postgres")]
pub(crate) mod pg_client;
#[cfg(feature = "postgres")]
mod pg_value;
#[cfg(feature = "postgres")]
pub(crate) mod postgres;
pub(crate) mod sqlite;
pub(crate) mod url;

use rusqlite::types::Value;
use rusqlite::{CachedStatement, ToSql};

use self::sqlite::{HeldStatement, SqliteConn, LARGE_BINDING};

use crate::error::{classify, Error, Result};
use crate::trace::{RowsTrace, StatementText};
use crate::types::{ColumnError, ColumnValue};

/// Which engine a connection talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    /// SQLite, embedded (a file or memory).
    Sqlite,
    /// A PostgreSQL server.
    Postgres,
}

impl Engine {
    /// The engine's name as SQLAlchemy spells it in URLs (`sqlite`, `postgresql`).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Sqlite => "sqlite",
            Engine::Postgres => "postgresql",
        }
    }

    /// How the engine spells SQL.
    pub(crate) fn dialect(self) -> &'static dyn crate::sql::Dialect {
        match self {
            Engine::Sqlite => &crate::sql::Sqlite,
            Engine::Postgres => &crate::sql::Postgres,
        }
    }
}

/// The open connection.
pub(crate) enum Conn {
    Sqlite(SqliteConn),
    #[cfg(feature = "postgres")]
    Postgres(Box<postgres::PgConn>),
}

/// A SQLite statement: a fixed one from the connection's own slots, or one
/// from rusqlite's cache.
pub(crate) enum SqliteStmt<'c> {
    Held(HeldStatement<'c>),
    Cached(CachedStatement<'c>),
}

impl SqliteStmt<'_> {
    #[inline]
    fn bind<T: ToSql + ?Sized>(&mut self, index: usize, value: &T) -> rusqlite::Result<()> {
        match self {
            SqliteStmt::Held(held) => held.stmt.raw_bind_parameter(index, value),
            SqliteStmt::Cached(stmt) => stmt.raw_bind_parameter(index, value),
        }
    }

    /// Binds a stored value through rusqlite's binding for its own type (one
    /// small call per type, rather than one for every kind of value).
    #[inline(always)]
    fn bind_column(&mut self, index: usize, value: &ColumnValue<'_>) -> rusqlite::Result<()> {
        match self {
            SqliteStmt::Held(held) => bind_stored(&mut held.stmt, index, value),
            SqliteStmt::Cached(stmt) => bind_stored(stmt, index, value),
        }
    }

    #[inline]
    fn execute(&mut self) -> rusqlite::Result<usize> {
        match self {
            SqliteStmt::Held(held) => held.stmt.raw_execute(),
            SqliteStmt::Cached(stmt) => stmt.raw_execute(),
        }
    }

    #[inline]
    fn query(&mut self) -> rusqlite::Rows<'_> {
        match self {
            SqliteStmt::Held(held) => held.stmt.raw_query(),
            SqliteStmt::Cached(stmt) => stmt.raw_query(),
        }
    }

    fn expanded_sql(&self) -> Option<String> {
        match self {
            SqliteStmt::Held(held) => held.stmt.expanded_sql(),
            SqliteStmt::Cached(stmt) => stmt.expanded_sql(),
        }
    }
}

/// A prepared statement with its parameters being bound.
pub(crate) enum Stmt<'c> {
    Sqlite(SqliteStmt<'c>, Option<&'static str>, StatementText),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgStmt<'c>),
}

impl Stmt<'_> {
    /// Binds parameter `index` (1-based) to an integer.
    #[inline]
    pub(crate) fn bind_int(&mut self, index: usize, value: i64) -> Result<()> {
        match self {
            Stmt::Sqlite(stmt, table, _) => {
                stmt.bind(index, &value).map_err(|e| classify(e, *table))
            }
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => {
                stmt.bind(index, ColumnValue::Integer(value));
                Ok(())
            }
        }
    }

    /// Binds parameter `index` to a list of integer keys, as one array
    /// (`= ANY($n)`: only where the dialect binds key arrays).
    pub(crate) fn bind_keys(&mut self, index: usize, keys: &[i64]) -> Result<()> {
        match self {
            Stmt::Sqlite(_, table, _) => Err(Error::InvalidValue {
                table: *table,
                reason: format!(
                    "SQLite binds no arrays: the {} keys of parameter {index} need a parameter each",
                    keys.len()
                ),
            }),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => {
                stmt.bind_keys(index, keys);
                Ok(())
            }
        }
    }

    /// Binds parameter `index` to a query operand.
    #[inline]
    pub(crate) fn bind_value(&mut self, index: usize, value: &Value) -> Result<()> {
        match self {
            Stmt::Sqlite(stmt, table, _) => {
                if let SqliteStmt::Held(held) = stmt {
                    let len = match value {
                        Value::Text(text) => text.len(),
                        Value::Blob(bytes) => bytes.len(),
                        _ => 0,
                    };
                    held.large |= len > LARGE_BINDING;
                }
                stmt.bind(index, value).map_err(|e| classify(e, *table))
            }
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => {
                stmt.bind(index, ColumnValue::from_value(value));
                Ok(())
            }
        }
    }

    /// Binds parameter `index` to a stored column value.
    #[inline(always)]
    pub(crate) fn bind_column(&mut self, index: usize, value: &ColumnValue<'_>) -> Result<()> {
        match self {
            Stmt::Sqlite(stmt, table, _) => {
                if let SqliteStmt::Held(held) = stmt {
                    held.large |= stored_len(value) > LARGE_BINDING;
                }
                stmt.bind_column(index, value)
                    .map_err(|e| classify(e, *table))
            }
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => {
                stmt.bind_stored(index, value);
                Ok(())
            }
        }
    }

    /// Runs the statement; the number of rows it changed.
    #[inline]
    pub(crate) fn execute(&mut self) -> Result<usize> {
        let result = match self {
            Stmt::Sqlite(stmt, table, _) => stmt.execute().map_err(|e| classify(e, *table)),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.execute(),
        };
        #[cfg(feature = "tracing")]
        crate::trace::executed(result.as_ref().ok().copied());
        result
    }

    /// Runs the statement and reads its rows.
    #[inline]
    pub(crate) fn query(&mut self) -> Result<Rows<'_>> {
        match self {
            Stmt::Sqlite(stmt, table, _) => {
                let table = *table;
                Ok(Rows::Sqlite(stmt.query(), table, RowsTrace::start()))
            }
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.query().map(Rows::postgres),
        }
    }

    /// Runs a statement that gives one row (an `INSERT ... RETURNING`) and
    /// reads it: on PostgreSQL without collecting a result of any length.
    #[inline]
    pub(crate) fn query_single(&mut self) -> Result<Rows<'_>> {
        match self {
            Stmt::Sqlite(..) => self.query(),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.query_single().map(Rows::postgres),
        }
    }

    /// The statement with its bound values inlined, for the echo.
    pub(crate) fn expanded_sql(&self) -> String {
        match self {
            Stmt::Sqlite(stmt, ..) => stmt.expanded_sql().unwrap_or_default(),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.expanded_sql(),
        }
    }

    /// The statement's text, with placeholders, for its span.
    #[cfg(feature = "tracing")]
    pub(crate) fn sql_text(&self) -> &str {
        match self {
            Stmt::Sqlite(_, _, text) => text.get(),
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.sql(),
        }
    }

    /// Whether values go to native column types ([`ToColumn::to_native`](crate::ToColumn::to_native)).
    #[inline]
    pub(crate) fn is_native(&self) -> bool {
        !matches!(self, Stmt::Sqlite(..))
    }

    /// The table the statement works on, when known.
    pub(crate) fn table(&self) -> Option<&'static str> {
        match self {
            Stmt::Sqlite(_, table, _) => *table,
            #[cfg(feature = "postgres")]
            Stmt::Postgres(stmt) => stmt.table(),
        }
    }
}

/// Binds `value` to parameter `index` as the type it holds.
#[inline(always)]
fn bind_stored(
    stmt: &mut rusqlite::Statement<'_>,
    index: usize,
    value: &ColumnValue<'_>,
) -> rusqlite::Result<()> {
    match value {
        ColumnValue::Null => stmt.raw_bind_parameter(index, rusqlite::types::Null),
        ColumnValue::Integer(i) => stmt.raw_bind_parameter(index, *i),
        ColumnValue::Real(f) => stmt.raw_bind_parameter(index, *f),
        ColumnValue::Text(text) => stmt.raw_bind_parameter(index, &**text),
        ColumnValue::Blob(bytes) => stmt.raw_bind_parameter(index, &**bytes),
    }
}

/// The length of a stored text or blob (0 for other values).
#[inline]
fn stored_len(value: &ColumnValue<'_>) -> usize {
    match value {
        ColumnValue::Text(text) => text.len(),
        ColumnValue::Blob(bytes) => bytes.len(),
        _ => 0,
    }
}

/// The rows of a running query.
pub(crate) enum Rows<'s> {
    Sqlite(rusqlite::Rows<'s>, Option<&'static str>, RowsTrace),
    #[cfg(feature = "postgres")]
    Postgres(postgres::PgRows<'s>, RowsTrace),
}

impl<'s> Rows<'s> {
    /// The rows of a PostgreSQL query just run.
    #[cfg(feature = "postgres")]
    pub(crate) fn postgres(rows: postgres::PgRows<'s>) -> Self {
        Rows::Postgres(rows, RowsTrace::start())
    }

    /// The next row, or `None` after the last.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> Result<Option<RawRow<'_>>> {
        match self {
            Rows::Sqlite(rows, table, trace) => {
                let table = *table;
                let row = rows.next().map_err(|e| classify(e, table))?;
                trace_row(trace, row.is_some());
                Ok(row.map(RawRow::Sqlite))
            }
            #[cfg(feature = "postgres")]
            Rows::Postgres(rows, trace) => {
                let row = rows.next()?;
                trace_row(trace, row.is_some());
                Ok(row.map(RawRow::Postgres))
            }
        }
    }
}

#[inline]
fn trace_row(trace: &mut RowsTrace, found: bool) {
    if found {
        trace.row();
    } else {
        trace.done();
    }
}

/// One row of a result.
#[derive(Clone, Copy)]
pub(crate) enum RawRow<'a> {
    Sqlite(&'a rusqlite::Row<'a>),
    #[cfg(feature = "postgres")]
    Postgres(&'a ::postgres::Row),
}

impl<'a> RawRow<'a> {
    /// The value of column `index` (0-based).
    #[inline]
    pub(crate) fn value(self, index: usize) -> Result<ColumnValue<'a>, ColumnError> {
        match self {
            RawRow::Sqlite(row) => {
                let value = row
                    .get_ref(index)
                    .map_err(|e| ColumnError::new(e.to_string()))?;
                ColumnValue::from_ref(value)
            }
            #[cfg(feature = "postgres")]
            RawRow::Postgres(row) => postgres::value(row, index),
        }
    }

    /// An integer column (a key), NULL as `None`.
    #[inline(always)]
    pub(crate) fn key(self, index: usize, table: &'static str) -> Result<Option<i64>> {
        // The integer straight from the engine's form; anything else (and
        // its error) the common way.
        match self {
            RawRow::Sqlite(row) => match row.get_ref(index) {
                Ok(rusqlite::types::ValueRef::Integer(i)) => return Ok(Some(i)),
                Ok(rusqlite::types::ValueRef::Null) => return Ok(None),
                _ => {}
            },
            #[cfg(feature = "postgres")]
            RawRow::Postgres(row) => {
                if let Ok(key) = postgres::read::<Option<i64>>(row, index) {
                    return Ok(key);
                }
            }
        }
        self.key_slow(index, table)
    }

    /// [`RawRow::key`] of a value in another form than the engine's integer,
    /// or its error.
    #[cold]
    #[inline(never)]
    fn key_slow(self, index: usize, table: &'static str) -> Result<Option<i64>> {
        match self.value(index) {
            Ok(ColumnValue::Null) => Ok(None),
            Ok(ColumnValue::Integer(i)) => Ok(Some(i)),
            Ok(other) => Err(Error::Decode {
                table,
                column: "?",
                key: None,
                source: ColumnError::invalid_type("an integer key", &other),
            }),
            Err(source) => Err(Error::Decode {
                table,
                column: "?",
                key: None,
                source,
            }),
        }
    }
}
