//! The connection: opening, schema management, SQL echo and the statement
//! counter.

use std::any::TypeId;
use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use crate::conn::sqlite::{SqliteConn, StatementId, StatementKey};
use crate::conn::url::{self, Target};
use crate::conn::{Conn, Engine, Rows, SqliteStmt, Stmt};
use crate::error::{classify, Error, Result};
use crate::model::{Model, ModelSql};
use crate::schema::Schema;
use crate::session::{Key, Session};
use crate::sql::{Dialect, ModelStatement, Param, Sql, Sqlite};
use crate::trace::StatementText;
use crate::types::ColumnValue;

/// How long a statement waits for another connection's lock before failing.
pub(crate) const BUSY_TIMEOUT: Duration = Duration::from_secs(5);
/// Prepared statements kept per connection (queries differ by filter shape).
const STATEMENT_CACHE_CAPACITY: usize = 256;

/// An open database: the runtime's connection, to a SQLite file (the
/// embedded default) or to a PostgreSQL server (feature `postgres`).
///
/// [`Database::connect`] takes a URL as Flask-SQLAlchemy's
/// `SQLALCHEMY_DATABASE_URI` does (`sqlite:///app.db`,
/// `postgresql://user:pass@host/db`); [`Database::open`] takes a SQLite path.
/// Opening a SQLite database turns on `PRAGMA foreign_keys`, sets a busy
/// timeout of five seconds, and switches files to WAL journaling. Work that
/// should be committed or rolled back together goes through a [`Session`].
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let db = litemodel::Database::open(dir.path().join("app.sqlite"))?;
/// assert!(!db.table_exists("users")?);
/// # Ok(()) }
/// ```
pub struct Database {
    conn: Conn,
    echo: Cell<bool>,
    counter: StatementCounter,
    /// How long a SQLite statement waits for another connection's lock.
    busy_timeout: Cell<Duration>,
    /// Whether the fair busy handler (conn/busy.rs) replaces SQLite's.
    fair_busy_wait: Cell<bool>,
}

impl std::fmt::Debug for Database {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = f.debug_struct("Database");
        match &self.conn {
            Conn::Sqlite(conn) => out.field("path", &conn.path()),
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => out.field("url", &conn.label()),
        };
        out.field("echo", &self.echo.get())
            .field("statements", &self.counter.get())
            .finish()
    }
}

impl Database {
    /// Opens (creating it if needed) the database file at `path`.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the file cannot be opened or configured.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        let db = Self::configure(Connection::open(path)?)?;
        for statement in db.dialect().file_setup() {
            db.execute(statement, None)?;
        }
        Ok(db)
    }

    /// Connects to the database `url` names, the way Flask-SQLAlchemy reads
    /// `SQLALCHEMY_DATABASE_URI`:
    ///
    /// | URL | opens |
    /// | --- | --- |
    /// | `app.sqlite` (a path, no scheme) | that SQLite file |
    /// | `sqlite:///app.sqlite`, `sqlite:////abs/path.sqlite` | a SQLite file (relative, absolute) |
    /// | `sqlite://`, `sqlite:///:memory:` | a private in-memory SQLite database |
    /// | `postgresql://user:pass@host:5432/db` (also `postgres://`, `postgresql+psycopg://`) | a PostgreSQL server (feature `postgres`) |
    /// | `postgresql:///db?host=/run/postgresql`, `host=/run/postgresql dbname=db` | PostgreSQL on a unix socket, as libpq spells it |
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// let dir = tempfile::tempdir()?;
    /// let url = format!("sqlite:///{}", dir.path().join("app.sqlite").display());
    /// let db = litemodel::Database::connect(&url)?;
    /// assert_eq!(db.engine(), litemodel::Engine::Sqlite);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] for a malformed URL or an unknown scheme (the
    /// message repeats the URL without its password), [`Error::Connect`] when
    /// the server is down, refuses the login or has no such database,
    /// [`Error::Sqlite`] when a SQLite file cannot be opened.
    pub fn connect(url: &str) -> Result<Self> {
        match url::parse(url)? {
            Target::SqliteFile(path) => Self::open(path),
            Target::SqliteMemory => Self::open_in_memory(),
            #[cfg(feature = "postgres")]
            Target::Postgres(conninfo) => {
                let conn = Box::new(crate::conn::postgres::PgConn::connect(
                    &conninfo,
                    url::redact(url),
                )?);
                Ok(Database {
                    conn: Conn::Postgres(conn),
                    echo: Cell::new(false),
                    counter: StatementCounter::default(),
                    busy_timeout: Cell::new(BUSY_TIMEOUT),
                    fair_busy_wait: Cell::new(false),
                })
            }
            #[cfg(not(feature = "postgres"))]
            Target::Postgres(_) => Err(Error::InvalidUrl {
                url: url::redact(url),
                reason: "PostgreSQL support is off: enable the `postgres` feature of the `litemodel` crate".to_owned(),
            }),
        }
    }

    /// Connects to the URL in the `DATABASE_URL` environment variable (see
    /// [`Database::connect`]).
    ///
    /// # Errors
    ///
    /// [`Error::InvalidUrl`] when the variable is unset or not Unicode, otherwise
    /// as for [`Database::connect`].
    pub fn from_env() -> Result<Self> {
        Self::connect(&database_url()?)
    }

    /// The engine this database runs on.
    pub fn engine(&self) -> Engine {
        match self.conn {
            Conn::Sqlite(_) => Engine::Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => Engine::Postgres,
        }
    }

    /// Opens a private in-memory database.
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let db = litemodel::Database::open_in_memory()?;
    /// assert!(!db.table_exists("roles")?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when SQLite cannot allocate the database.
    pub fn open_in_memory() -> Result<Self> {
        Self::configure(Connection::open_in_memory()?)
    }

    fn configure(conn: Connection) -> Result<Self> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE_CAPACITY);
        let db = Database {
            conn: Conn::Sqlite(SqliteConn::new(conn)),
            echo: Cell::new(false),
            counter: StatementCounter::default(),
            busy_timeout: Cell::new(BUSY_TIMEOUT),
            fair_busy_wait: Cell::new(false),
        };
        for statement in db.dialect().connection_setup() {
            db.execute(statement, None)?;
        }
        Ok(db)
    }

    /// How long a statement waits for another connection's write lock before
    /// failing with "database is locked" (SQLite; 5 seconds unless set).
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let db = litemodel::Database::open_in_memory()?;
    /// db.set_busy_timeout(std::time::Duration::from_millis(250))?;
    /// assert_eq!(db.busy_timeout().as_millis(), 250);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] if SQLite refuses the setting.
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<()> {
        self.busy_timeout.set(timeout);
        match &self.conn {
            Conn::Sqlite(conn) if !self.fair_busy_wait.get() => conn.busy_timeout(timeout)?,
            _ => {}
        }
        Ok(())
    }

    /// How a waiting SQLite writer polls for the lock. Off (the default),
    /// SQLite's own handler sleeps 1, 2, 5, ... up to 100 ms between attempts:
    /// the most commits per second, but under steady contention a writer can
    /// wait out its whole timeout while others commit thousands of times. On,
    /// it polls every 0.1 ms doubling to 4 ms, jittered: writers take turns
    /// (no writer starves, no "database is locked" within the timeout), at a
    /// cost in throughput. docs/reliability.md has the measurements.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] if SQLite refuses the handler.
    pub fn set_fair_busy_wait(&mut self, on: bool) -> Result<()> {
        self.fair_busy_wait.set(on);
        let timeout = self.busy_timeout.get();
        match &mut self.conn {
            Conn::Sqlite(conn) if on => {
                conn.get_mut().busy_handler(Some(crate::conn::busy::wait))?
            }
            Conn::Sqlite(conn) => conn.busy_timeout(timeout)?,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => {}
        }
        Ok(())
    }

    /// The busy timeout; see [`Database::set_busy_timeout`].
    pub fn busy_timeout(&self) -> Duration {
        self.busy_timeout.get()
    }

    /// Logs every statement the runtime runs, with its parameter values
    /// inlined, at `info` level on the `litemodel::sql` target of the `log`
    /// facade (the analog of `SQLALCHEMY_ECHO`).
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let db = litemodel::Database::open_in_memory()?;
    /// db.set_echo(true);
    /// assert!(db.echo());
    /// # Ok(()) }
    /// ```
    pub fn set_echo(&self, on: bool) {
        self.echo.set(on);
    }

    /// Whether statements are echoed to the log.
    pub fn echo(&self) -> bool {
        self.echo.get()
    }

    /// The number of statements run on this connection so far (every
    /// statement the runtime executes, `BEGIN` and `COMMIT` included).
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let db = litemodel::Database::open_in_memory()?;
    /// let before = db.statement_count();
    /// db.table_exists("users")?;
    /// assert_eq!(db.statement_count() - before, 1);
    /// # Ok(()) }
    /// ```
    pub fn statement_count(&self) -> u64 {
        self.counter.get()
    }

    /// A handle on the statement counter that does not borrow the database,
    /// for counting statements around code that holds a [`Session`].
    pub fn statement_counter(&self) -> StatementCounter {
        self.counter.clone()
    }

    /// The underlying rusqlite connection of a SQLite database, for what the
    /// runtime does not cover (`None` on PostgreSQL). Statements run through it
    /// are not counted or echoed.
    pub fn sqlite(&self) -> Option<&Connection> {
        match &self.conn {
            Conn::Sqlite(conn) => Some(conn),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// How many times the connection's cached statement for `sql` has run
    /// (SQLite; `None` when it holds no statement for that text). For tests
    /// of the statement cache.
    #[doc(hidden)]
    pub fn statement_runs(&self, sql: &str) -> Option<i32> {
        match &self.conn {
            Conn::Sqlite(conn) => conn.runs_of(sql),
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => None,
        }
    }

    /// The underlying `postgres` client of a PostgreSQL database (`None` on
    /// SQLite). Statements run through it are not counted or echoed.
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<std::cell::RefMut<'_, postgres::Client>> {
        match &self.conn {
            Conn::Postgres(conn) => Some(conn.client()),
            Conn::Sqlite(_) => None,
        }
    }

    /// Runs SQL text without parameters — one statement or several separated
    /// by `;` — on either engine, for what the runtime does not cover
    /// (`db.session.execute(text(...))`). Counted and echoed as one statement.
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let db = litemodel::Database::open_in_memory()?;
    /// db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY); INSERT INTO tags DEFAULT VALUES")?;
    /// assert!(db.table_exists("tags")?);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The first failing statement's error, classified as for any statement.
    pub fn execute_batch(&self, sql: &str) -> Result<()> {
        self.counter.bump();
        #[cfg(feature = "tracing")]
        let _span = crate::trace::batch(sql);
        if self.echo.get() {
            log::info!(target: "litemodel::sql", "{sql}");
        }
        match &self.conn {
            Conn::Sqlite(conn) => {
                crate::conn::busy::set_timeout(self.busy_timeout.get());
                conn.execute_batch(sql).map_err(|e| classify(e, None))
            }
            #[cfg(feature = "postgres")]
            Conn::Postgres(conn) => conn.batch(sql, None),
        }
    }

    /// Starts a unit of work. It rolls back when dropped unless committed
    /// (or [`Session::commit_on_drop`] was asked for).
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let mut db = litemodel::Database::open_in_memory()?;
    /// let mut session = db.session();
    /// session.commit()?; // nothing to do: no statement runs
    /// # Ok(()) }
    /// ```
    pub fn session(&mut self) -> Session<'_> {
        Session::new(self)
    }

    /// Runs `work` in a session that commits when it returns `Ok` and rolls
    /// back when it returns `Err` (`SQLALCHEMY_COMMIT_ON_TEARDOWN` as a scope).
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// let mut db = litemodel::Database::open_in_memory()?;
    /// let answer = db.transaction(|_session| Ok::<_, litemodel::Error>(42))?;
    /// assert_eq!(answer, 42);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The closure's error (after rolling back), or the commit's.
    pub fn transaction<R, E>(
        &mut self,
        work: impl FnOnce(&mut Session<'_>) -> Result<R, E>,
    ) -> Result<R, E>
    where
        E: From<Error>,
    {
        let mut session = self.session();
        match work(&mut session) {
            Ok(value) => {
                session.commit()?;
                Ok(value)
            }
            Err(err) => {
                session.rollback()?;
                Err(err)
            }
        }
    }

    /// Creates the tables of `schema` that do not exist yet, with their
    /// indexes, in one transaction. Existing tables and their rows are left
    /// alone (SQLAlchemy's `create_all`).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] naming the table whose DDL failed.
    pub fn create_all(&self, schema: &Schema) -> Result<()> {
        self.create_missing(schema).map(drop)
    }

    /// [`create_all`](Database::create_all), returning the names of the
    /// tables it created (the others existed already), in creation order.
    /// `litemodel create-all` runs this.
    ///
    /// ```
    /// # fn main() -> litemodel::Result<()> {
    /// use litemodel::{Database, PostgresSchema, Schema, TableSchema};
    /// static SCHEMA: Schema = Schema {
    ///     tables: &[TableSchema { name: "tags", create: "CREATE TABLE tags (id INTEGER)", indexes: &[] }],
    ///     postgres: PostgresSchema::NONE,
    /// };
    /// let db = Database::open_in_memory()?;
    /// assert_eq!(db.create_missing(&SCHEMA)?, ["tags"]);
    /// assert!(db.create_missing(&SCHEMA)?.is_empty());
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`create_all`](Database::create_all); nothing is created then.
    pub fn create_missing(&self, schema: &Schema) -> Result<Vec<&'static str>> {
        let tables = schema.tables_for(self.engine())?;
        self.in_transaction(|| {
            let mut created = Vec::new();
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for enum_type in schema.postgres.types {
                    if !self.type_exists(enum_type.name)? {
                        self.execute(enum_type.create, None)?;
                    }
                }
            }
            // Every check before the first CREATE: a check prepared before
            // and run after a schema change is prepared again, and leaves
            // SQLite's error state allocated for the connection's life
            // (a few instructions on every later statement reset).
            let mut missing = Vec::new();
            for table in tables {
                if !self.table_exists(table.name)? {
                    missing.push(table);
                }
            }
            for table in missing {
                self.execute(table.create, Some(table.name))?;
                for index in table.indexes {
                    self.execute(index, Some(table.name))?;
                }
                created.push(table.name);
            }
            // The foreign keys of a cycle of tables, once all of them exist
            // (SQLAlchemy adds them as `create_all` does, for the tables it made).
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for foreign_key in schema.postgres.foreign_keys {
                    if created.contains(&foreign_key.table) {
                        self.execute(foreign_key.add, Some(foreign_key.table))?;
                    }
                }
            }
            Ok(created)
        })
    }

    /// Drops every table of `schema` that exists, children first.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] naming the table that could not be dropped.
    pub fn drop_all(&self, schema: &Schema) -> Result<()> {
        self.drop_existing(schema).map(drop)
    }

    /// [`drop_all`](Database::drop_all), returning the names of the tables it
    /// dropped, in the order it dropped them. `litemodel drop-all` runs this.
    ///
    /// # Errors
    ///
    /// As for [`drop_all`](Database::drop_all); nothing is dropped then.
    pub fn drop_existing(&self, schema: &Schema) -> Result<Vec<&'static str>> {
        let tables = schema.tables_for(self.engine())?;
        self.in_transaction(|| {
            let mut dropped = Vec::new();
            // SQLite empties a table it drops, checking the foreign keys of the
            // rows that reference it: with tables that reference each other no
            // order drops them all. Checked at COMMIT instead, when every table
            // is gone (SQLite turns this off again at the end of the transaction).
            if self.engine() == Engine::Sqlite {
                self.execute("PRAGMA defer_foreign_keys = ON", None)?;
            }
            // A cycle's foreign keys first: no table of it could be dropped while
            // another one references it.
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for foreign_key in schema.postgres.foreign_keys {
                    if let Some(drop) = foreign_key.drop {
                        if self.table_exists(foreign_key.table)? {
                            self.execute(drop, Some(foreign_key.table))?;
                        }
                    }
                }
            }
            for table in tables.iter().rev() {
                if !self.table_exists(table.name)? {
                    continue;
                }
                self.execute(&self.dialect().drop_table(table.name), Some(table.name))?;
                dropped.push(table.name);
            }
            #[cfg(feature = "postgres")]
            if self.engine() == Engine::Postgres {
                for enum_type in schema.postgres.types.iter().rev() {
                    if self.type_exists(enum_type.name)? {
                        self.execute(enum_type.drop, None)?;
                    }
                }
            }
            Ok(dropped)
        })
    }

    #[cfg(feature = "postgres")]
    fn type_exists(&self, name: &str) -> Result<bool> {
        self.exists_row(crate::sql::Postgres.type_exists(), name)
    }

    fn exists_row(&self, sql: &str, name: &str) -> Result<bool> {
        let mut stmt = self.prepare(sql, None)?;
        stmt.bind_column(1, &ColumnValue::from(name))?;
        self.note(&stmt);
        let mut rows = stmt.query()?;
        Ok(rows.next()?.is_some())
    }

    /// Whether a table named `name` exists. Names compare the way SQLite
    /// compares identifiers, ASCII case-insensitively: a table created as
    /// `Users` is found as `users`, and [`Database::create_all`] and
    /// [`Database::drop_all`] follow the same rule.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] if `sqlite_master` cannot be read.
    pub fn table_exists(&self, name: &str) -> Result<bool> {
        self.exists_row(self.dialect().table_exists(), name)
    }

    fn in_transaction<T>(&self, work: impl FnOnce() -> Result<T>) -> Result<T> {
        let d = self.dialect();
        self.execute(d.begin_write(), None)?;
        match work() {
            Ok(value) => {
                self.execute(d.commit(), None)?;
                Ok(value)
            }
            Err(err) => {
                self.execute(d.rollback(), None)?;
                Err(err)
            }
        }
    }

    /// How this database's engine spells SQL.
    #[inline]
    pub(crate) fn dialect(&self) -> &'static dyn Dialect {
        match self.conn {
            Conn::Sqlite(_) => &Sqlite,
            #[cfg(feature = "postgres")]
            Conn::Postgres(_) => &crate::sql::Postgres,
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
            None => self.prepare(text(), Some(M::TABLE)),
        }
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

    /// Runs a statement the SQL seam rendered and reads its rows through
    /// a cursor where the engine has one (PostgreSQL), for streams.
    pub(crate) fn query_streaming<'s>(&self, stmt: &'s mut Stmt<'_>) -> Result<Rows<'s>> {
        self.note(stmt);
        match stmt {
            #[cfg(feature = "postgres")]
            Stmt::Postgres(pg) => pg.query_cursor().map(Rows::postgres),
            other => other.query(),
        }
    }
}

/// The `DATABASE_URL` environment variable.
pub(crate) fn database_url() -> Result<String> {
    std::env::var("DATABASE_URL").map_err(|err| Error::InvalidUrl {
        url: "$DATABASE_URL".to_owned(),
        reason: match err {
            std::env::VarError::NotPresent => {
                "the variable is not set; set it to a SQLite path or a postgresql:// URL".to_owned()
            }
            std::env::VarError::NotUnicode(_) => "the variable is not valid Unicode".to_owned(),
        },
    })
}

/// A shared view of a database's statement counter (Django's
/// `assertNumQueries`).
///
/// ```
/// # fn main() -> litemodel::Result<()> {
/// let db = litemodel::Database::open_in_memory()?;
/// let counter = db.statement_counter();
/// let exists = counter.assert_statements(1, || db.table_exists("users"))?;
/// assert!(!exists);
/// # Ok(()) }
/// ```
#[derive(Debug, Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    /// Statements run so far.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }

    fn bump(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Runs `work` and returns its result with the number of statements it
    /// ran.
    pub fn count<R>(&self, work: impl FnOnce() -> R) -> (R, u64) {
        let before = self.get();
        let result = work();
        (result, self.get() - before)
    }

    /// Runs `work` and panics unless it ran exactly `expected` statements: a
    /// test helper.
    ///
    /// # Panics
    ///
    /// When the count differs from `expected`.
    #[track_caller]
    pub fn assert_statements<R>(&self, expected: u64, work: impl FnOnce() -> R) -> R {
        let (result, ran) = self.count(work);
        assert_eq!(
            ran, expected,
            "expected {expected} SQL statements, {ran} were run"
        );
        result
    }
}

mod sealed {
    pub trait Sealed {}
    impl Sealed for super::Database {}
    impl Sealed for crate::session::Session<'_> {}
}

/// Where a query runs: a [`Database`] (autocommit) or a [`Session`] (inside
/// its transaction, seeing its flushed changes). Sealed.
pub trait Executor: sealed::Sealed {
    #[doc(hidden)]
    fn database(&self) -> &Database;

    /// Called before a bulk write; a session opens its transaction.
    #[doc(hidden)]
    fn begin_write(&self) -> Result<()>;

    /// The object a session holds under `key`, if this is that session.
    #[doc(hidden)]
    fn session_object<M: Model>(&self, key: Key<M>) -> Option<&M>;

    /// The object a session holds for row `id` of `M` (its identity map),
    /// if this is a session that has loaded or saved it.
    #[doc(hidden)]
    fn identity_object<M: Model>(&self, id: i64) -> Option<&M> {
        let _ = id;
        None
    }

    /// Puts the session's objects in place of the rows a query read for
    /// them: a query through a session returns its changed objects, not
    /// copies of the rows as they are in the database.
    #[doc(hidden)]
    fn use_identity<M: Model>(&self, rows: &mut [M]) {
        let _ = rows;
    }
}

impl Executor for Database {
    fn database(&self) -> &Database {
        self
    }

    fn begin_write(&self) -> Result<()> {
        Ok(())
    }

    fn session_object<M: Model>(&self, _key: Key<M>) -> Option<&M> {
        None
    }
}
