//! How the runtime prepares, binds, counts and runs its statements on either
//! engine: the connection's statement slots (fixed statements by identity,
//! per-call queries by text) and the echo.

use std::any::TypeId;

use crate::conn::sqlite::{StatementId, StatementKey};
use crate::conn::{Conn, Rows, SqliteStmt, Stmt};
use crate::error::{classify, Result};
use crate::model::{Model, ModelSql};
use crate::sql::{Dialect, ModelStatement, Param, Sql, Sqlite};
use crate::trace::StatementText;

use super::Database;

impl Database {
    /// How this database's engine spells SQL.
    #[inline]
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        match self.conn {
            Conn::Sqlite(_) => &Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => &crate::sql::Postgres,
        }
    }

    /// Whether an INSERT hands its new key back with RETURNING
    /// ([`Dialect::insert_returns_key`], dispatched statically: asked once per
    /// inserted row).
    #[inline]
    pub(crate) fn inserts_return_key(&self) -> bool {
        match self.conn {
            Conn::Sqlite(_) => Sqlite.insert_returns_key(),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => crate::sql::Postgres.insert_returns_key(),
        }
    }

    /// Runs the cheapest statement that proves the connection alive
    /// (uncounted: pools call it between uses).
    #[cfg_attr(not(feature = "r2d2"), allow(dead_code))]
    pub(crate) fn ping(&self) -> Result<()> {
        let ping = self.dialect().ping();
        match &self.conn {
            Conn::Sqlite(conn) => conn.execute_batch(ping).map_err(|e| classify(e, None)),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.batch(ping, None),
        }
    }

    pub(crate) fn in_transaction_now(&self) -> bool {
        match &self.conn {
            Conn::Sqlite(conn) => !conn.is_autocommit(),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.in_transaction(),
        }
    }

    /// The key SQLite gave the row the last INSERT on this connection wrote.
    #[inline]
    pub(crate) fn last_insert_rowid(&self) -> i64 {
        match &self.conn {
            Conn::Sqlite(conn) => conn.last_insert_rowid(),
            // PostgreSQL INSERTs hand their key back with RETURNING.
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => 0,
        }
    }

    /// Prepares `sql` through the statement cache.
    #[inline]
    pub(crate) fn prepare(&self, sql: &str, table: Option<&'static str>) -> Result<Stmt<'_>> {
        match &self.conn {
            Conn::Sqlite(conn) => {
                self.tell_busy_handler();
                let text = StatementText::new(sql);
                match conn.prepare_text(sql) {
                    Ok(Some(held)) => Ok(Stmt::Sqlite(SqliteStmt::Held(held), table, text)),
                    // Running already (a query inside its own rows): another copy.
                    Ok(None) => conn
                        .prepare_cached(sql)
                        .map(|stmt| Stmt::Sqlite(SqliteStmt::Cached(stmt), table, text))
                        .map_err(|e| classify(e, table)),
                    Err(e) => Err(classify(e, table)),
                }
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.prepare(sql, table).map(Stmt::Postgres),
        }
    }

    /// Tells the fair busy handler, when it is on, this connection's timeout
    /// (it has no other way to know the connection of a waiting statement).
    #[inline]
    fn tell_busy_handler(&self) {
        if self.fair_busy_wait.get() {
            crate::conn::busy::set_timeout(self.busy_timeout.get());
        }
    }

    /// Prepares one of `M`'s fixed statements: on SQLite found in the
    /// connection's own slots by `M`'s type and `statement` (conn/sqlite.rs),
    /// without hashing its text or rusqlite's LRU.
    #[inline]
    pub(crate) fn prepare_model<M: Model>(&self, statement: ModelStatement) -> Result<Stmt<'_>> {
        let key = (TypeId::of::<M>(), StatementId::Model(statement));
        let text = || ModelSql::of::<M>(self).text(statement);
        match self.prepare_fixed(key, M::TABLE, || Some(text()))? {
            Some(stmt) => Ok(stmt),
            None => self.prepare_model_again::<M>(statement),
        }
    }

    /// [`Database::prepare_model`] of a statement that is running already (a
    /// query inside its own rows): prepared by its text, out of line.
    #[cold]
    #[inline(never)]
    fn prepare_model_again<M: Model>(&self, statement: ModelStatement) -> Result<Stmt<'_>> {
        self.prepare(ModelSql::of::<M>(self).text(statement), Some(M::TABLE))
    }

    /// The fixed statement `key` from the connection's slots, prepared from
    /// `text` the first time. `None` when `text` gives none, or (SQLite) when
    /// the statement is running already (a query inside its own rows): the
    /// caller prepares by text then.
    #[inline]
    pub(crate) fn prepare_fixed(
        &self,
        key: StatementKey,
        table: &'static str,
        text: impl FnOnce() -> Option<&'static str>,
    ) -> Result<Option<Stmt<'_>>> {
        match &self.conn {
            Conn::Sqlite(conn) => {
                self.tell_busy_handler();
                match conn.prepare_static(key, text) {
                    Ok(Some(held)) => {
                        let sql = StatementText::new(held.sql);
                        Ok(Some(Stmt::Sqlite(SqliteStmt::Held(held), Some(table), sql)))
                    }
                    Ok(None) => Ok(None),
                    Err(e) => Err(classify(e, Some(table))),
                }
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => Ok(conn
                .prepare_fixed(key, text, Some(table))?
                .map(Stmt::Postgres)),
        }
    }

    /// Prepares a statement the SQL seam rendered and binds its parameters.
    pub(crate) fn prepare_bound(&self, sql: &Sql<'_>, table: &'static str) -> Result<Stmt<'_>> {
        let stmt = self.bind(self.prepare(&sql.text, Some(table))?, sql)?;
        self.note(&stmt);
        Ok(stmt)
    }

    /// Binds the parameters of `sql` to `stmt`, prepared from its text.
    pub(crate) fn bind<'c>(&self, mut stmt: Stmt<'c>, sql: &Sql<'_>) -> Result<Stmt<'c>> {
        for (i, param) in sql.params.iter().enumerate() {
            match param {
                Param::Value(value) => stmt.bind_value(i + 1, value)?,
                Param::Int(n) => stmt.bind_int(i + 1, *n)?,
                Param::Keys(keys) => stmt.bind_keys(i + 1, keys)?,
            }
        }
        Ok(stmt)
    }

    /// Counts (and echoes) a statement about to run with its bound values.
    #[inline]
    pub(crate) fn note(&self, stmt: &Stmt<'_>) {
        self.counter.bump();
        #[cfg(feature = "tracing")]
        crate::trace::statement(stmt);
        if self.echo.get() {
            let sql = stmt.expanded_sql();
            log::info!(target: "litemodel::sql", "{sql}");
        }
    }

    /// Runs a statement without parameters, reading and discarding any rows
    /// (PRAGMAs answer with one).
    /// Runs `sql` with integer parameters `?1`, `?2`, ... and returns the number of
    /// rows it changed.
    pub(crate) fn execute_with(
        &self,
        sql: &str,
        table: &'static str,
        params: &[i64],
    ) -> Result<usize> {
        let mut stmt = self.prepare(sql, Some(table))?;
        for (i, value) in params.iter().enumerate() {
            stmt.bind_int(i + 1, *value)?;
        }
        self.note(&stmt);
        stmt.execute()
    }

    pub(crate) fn execute(&self, sql: &str, table: Option<&'static str>) -> Result<()> {
        match &self.conn {
            Conn::Sqlite(_) => {
                let mut stmt = self.prepare(sql, table)?;
                self.note(&stmt);
                let mut rows = stmt.query()?;
                while rows.next()?.is_some() {}
                Ok(())
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => {
                self.counter.bump();
                #[cfg(feature = "tracing")]
                let _span = crate::trace::batch(sql);
                if self.echo.get() {
                    log::info!(target: "litemodel::sql", "{sql}");
                }
                conn.batch(sql, table)
            }
        }
    }

    /// Runs a statement the SQL seam rendered and reads its rows as they
    /// arrive where the engine sends them ahead (PostgreSQL), for streams.
    pub(crate) fn query_streaming<'s>(&self, stmt: &'s mut Stmt<'_>) -> Result<Rows<'s>> {
        self.note(stmt);
        match stmt {
            #[cfg(feature = "postgres")]
            Stmt::Postgres(pg) => pg.query_stream().map(Rows::postgres),
            other => other.query(),
        }
    }
}
