//! A connection pool for multi-threaded applications: [`r2d2`] handing out
//! [`Database`] connections to one SQLite file or one PostgreSQL database.
//!
//! (`r2d2_sqlite` would be the usual manager, but its releases pin an older
//! rusqlite than ours, and two rusqlite versions cannot link two SQLites into
//! one program; the manager below is the same few lines over [`Database`].)

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::database::Database;
use crate::error::{Error, Result};

/// How many connections a pool opens at most, unless told otherwise.
const DEFAULT_MAX_SIZE: u32 = 8;
/// How long `Pool::get` waits for a free connection, unless told otherwise.
const DEFAULT_WAIT: Duration = Duration::from_secs(30);

/// Opens [`Database`] connections for [`r2d2`]: each with foreign keys on,
/// WAL journaling and a busy timeout, exactly as [`Database::open`] does.
#[derive(Debug, Clone)]
pub struct DatabaseManager {
    location: Location,
    busy_timeout: Option<Duration>,
    fair_busy_wait: bool,
}

#[derive(Debug, Clone)]
enum Location {
    Path(PathBuf),
    Url(String),
}

impl DatabaseManager {
    /// A manager for the SQLite database file at `path`.
    pub fn new(path: impl AsRef<Path>) -> Self {
        DatabaseManager {
            location: Location::Path(path.as_ref().to_path_buf()),
            busy_timeout: None,
            fair_busy_wait: false,
        }
    }

    /// A manager for the database `url` names (see [`Database::connect`]).
    pub fn url(url: impl Into<String>) -> Self {
        DatabaseManager {
            location: Location::Url(url.into()),
            busy_timeout: None,
            fair_busy_wait: false,
        }
    }

    /// How long each connection waits for another's lock before failing
    /// with "database is locked" (default: [`Database::open`]'s 5 seconds).
    #[must_use]
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.busy_timeout = Some(timeout);
        self
    }

    /// Turns on [`Database::set_fair_busy_wait`] for every connection.
    #[must_use]
    pub fn fair_busy_wait(mut self, on: bool) -> Self {
        self.fair_busy_wait = on;
        self
    }
}

impl r2d2::ManageConnection for DatabaseManager {
    type Connection = Database;
    type Error = Error;

    fn connect(&self) -> Result<Database> {
        let mut db = match &self.location {
            Location::Path(path) => Database::open(path)?,
            Location::Url(url) => Database::connect(url)?,
        };
        if let Some(timeout) = self.busy_timeout {
            db.set_busy_timeout(timeout)?;
        }
        if self.fair_busy_wait {
            db.set_fair_busy_wait(true)?;
        }
        Ok(db)
    }

    fn is_valid(&self, db: &mut Database) -> Result<()> {
        db.ping()
    }

    /// A connection handed back inside a transaction (a leaked session) is
    /// closed, which rolls the transaction back, rather than reused.
    fn has_broken(&self, db: &mut Database) -> bool {
        db.in_transaction_now()
    }
}

/// A connection checked out of a [`Pool`]; it goes back when dropped.
/// Dereferences to [`Database`], so `conn.session()` works as usual.
pub type PooledDatabase = r2d2::PooledConnection<DatabaseManager>;

/// A pool of connections to one database file, shared by threads (clone it
/// freely: clones share the connections).
///
/// Each connection is a [`Database`] with WAL journaling, so readers never
/// wait for the writer; writers take turns (sessions begin their
/// transactions with `BEGIN IMMEDIATE`) and wait up to the busy timeout for
/// each other.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// let dir = tempfile::tempdir()?;
/// let pool = litemodel::Pool::open(dir.path().join("app.sqlite"))?;
/// let workers: Vec<_> = (0..4)
///     .map(|_| {
///         let pool = pool.clone();
///         std::thread::spawn(move || -> litemodel::Result<bool> {
///             let mut db = pool.get()?;
///             let _session = db.session(); // each thread its own unit of work
///             Ok(true)
///         })
///     })
///     .collect();
/// for worker in workers {
///     assert!(worker.join().map_err(|_| "a worker panicked")??);
/// }
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct Pool {
    inner: r2d2::Pool<DatabaseManager>,
}

impl Pool {
    /// A pool of up to eight connections to the database file at `path`
    /// (created if needed), waiting up to 30 seconds for a free one.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the file cannot be opened.
    pub fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::builder(path).build()
    }

    /// Configures a pool of connections to the file at `path`.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # let dir = tempfile::tempdir()?;
    /// use std::time::Duration;
    /// let pool = litemodel::Pool::builder(dir.path().join("app.sqlite"))
    ///     .max_size(4)
    ///     .busy_timeout(Duration::from_secs(10))
    ///     .wait(Duration::from_secs(5))
    ///     .build()?;
    /// # drop(pool); Ok(()) }
    /// ```
    pub fn builder(path: impl AsRef<Path>) -> PoolBuilder {
        PoolBuilder {
            manager: DatabaseManager::new(path),
            max_size: DEFAULT_MAX_SIZE,
            wait: DEFAULT_WAIT,
        }
    }

    /// A pool of up to eight connections to the database `url` names (see
    /// [`Database::connect`]: a SQLite path or URL, or a PostgreSQL URL).
    ///
    /// # Errors
    ///
    /// As for [`Database::connect`].
    pub fn connect(url: &str) -> Result<Self> {
        Self::builder_for_url(url).build()
    }

    /// Configures a pool of connections to the database `url` names.
    pub fn builder_for_url(url: &str) -> PoolBuilder {
        PoolBuilder {
            manager: DatabaseManager::url(url),
            max_size: DEFAULT_MAX_SIZE,
            wait: DEFAULT_WAIT,
        }
    }

    /// A connection for this thread, waiting for one to be free.
    ///
    /// # Errors
    ///
    /// [`Error::Pool`] when none became free, or a new one could not be
    /// opened, within the pool's wait.
    pub fn get(&self) -> Result<PooledDatabase> {
        self.inner.get().map_err(|source| Error::Pool { source })
    }

    /// The number of connections open, and of those idle.
    pub fn connections(&self) -> (u32, u32) {
        let state = self.inner.state();
        (state.connections, state.idle_connections)
    }
}

/// Settings of a [`Pool`], from [`Pool::builder`].
#[derive(Debug, Clone)]
#[must_use = "a builder does nothing until `build` is called"]
pub struct PoolBuilder {
    manager: DatabaseManager,
    max_size: u32,
    wait: Duration,
}

impl PoolBuilder {
    /// At most `n` connections (at least one; default 8).
    pub fn max_size(mut self, n: u32) -> Self {
        self.max_size = n.max(1);
        self
    }

    /// How long each connection waits for another connection's (or
    /// process's) lock before "database is locked" (default 5 seconds).
    pub fn busy_timeout(mut self, timeout: Duration) -> Self {
        self.manager = self.manager.busy_timeout(timeout);
        self
    }

    /// Writers take turns for the lock instead of the busiest one winning
    /// (see [`Database::set_fair_busy_wait`]): no writer starves, fewer
    /// commits per second under contention. Off by default.
    pub fn fair_busy_wait(mut self, on: bool) -> Self {
        self.manager = self.manager.fair_busy_wait(on);
        self
    }

    /// How long [`Pool::get`] waits for a free connection (default 30
    /// seconds).
    pub fn wait(mut self, wait: Duration) -> Self {
        self.wait = wait;
        self
    }

    /// Opens the pool with one connection; more are opened as needed.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the file cannot be opened, [`Error::Pool`]
    /// when the pool cannot start.
    pub fn build(self) -> Result<Pool> {
        // Open the file once first: it creates the database and switches it
        // to WAL before pooled connections race to do the same, and its
        // error names the real cause rather than r2d2's timeout.
        drop(r2d2::ManageConnection::connect(&self.manager)?);
        let inner = r2d2::Pool::builder()
            .max_size(self.max_size)
            .min_idle(Some(1))
            .connection_timeout(self.wait)
            .build(self.manager)
            .map_err(|source| Error::Pool { source })?;
        Ok(Pool { inner })
    }
}
