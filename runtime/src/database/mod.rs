//! The connection: opening, settings, SQL echo, sessions and the statement
//! counter; `schema.rs` creates and drops a schema's tables, `statements.rs`
//! prepares and runs the runtime's statements.

mod schema;
mod statements;

use std::cell::Cell;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use rusqlite::Connection;

use crate::conn::sqlite::SqliteConn;
use crate::conn::url::{self, Target};
use crate::conn::{Conn, Engine};
use crate::error::{classify, Error, Result};
use crate::model::Model;
use crate::session::{Key, Session};

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

    /// The underlying client of a PostgreSQL database (`None` on SQLite):
    /// the `postgres` crate's calls (`query`, `execute`, `batch_execute`,
    /// `simple_query`, `transaction`...) on the database's own connection.
    /// Statements run through it are not counted or echoed. The rows of a
    /// stream still being read are read into memory first (they come before
    /// any other answer on the connection).
    #[cfg(feature = "postgres")]
    pub fn postgres(&self) -> Option<std::cell::RefMut<'_, crate::PgClient>> {
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
}

/// A `postgres` crate client of its own on the server `url` names, for code
/// written against that crate (the `litemodel` command reads the catalogs
/// through one): the URL forms and errors of [`Database::connect`]. It is a
/// second connection, outside any transaction of a [`Database`]'s.
///
/// # Errors
///
/// [`Error::InvalidUrl`] for a malformed URL or one that is not PostgreSQL's,
/// [`Error::Connect`] when the server is down, refuses the login or has no
/// such database.
#[cfg(feature = "postgres")]
pub fn postgres_client(url: &str) -> Result<postgres::Client> {
    match url::parse(url)? {
        Target::Postgres(conninfo) => postgres::Client::connect(&conninfo, postgres::NoTls)
            .map_err(|source| Error::Connect {
                url: url::redact(url),
                source: Box::new(source),
            }),
        Target::SqliteFile(_) | Target::SqliteMemory => Err(Error::InvalidUrl {
            url: url::redact(url),
            reason: "a SQLite database, where a postgresql:// URL is needed".to_owned(),
        }),
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
