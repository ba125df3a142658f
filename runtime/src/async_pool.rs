//! The async façade (feature `tokio`): a [`Pool`] whose calls run on tokio's
//! blocking threads, in the shape of deadpool-sqlite's `interact`.
//!
//! The runtime is synchronous: rusqlite and the `postgres` client block the
//! calling thread. An async service must not call them on its executor's
//! threads, so every call here moves a closure and a pooled connection to
//! [`tokio::task::spawn_blocking`], runs it there and awaits the result. The
//! futures are `Send`; the closures must be `Send + 'static` and get the
//! [`Database`] (or a [`Session`]) by reference for the duration of the call.
//! Connections are never opened, used or closed on an executor thread (the
//! `postgres` client drives a runtime of its own, which tokio forbids there).

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use crate::database::Database;
use crate::error::{Error, Result};
use crate::pool::{Pool, PoolBuilder, PooledDatabase};
use crate::session::Session;

/// A [`Pool`] for async code: each call runs a closure with a pooled
/// connection on tokio's blocking threads. Clone it freely (clones share the
/// connections), e.g. into an axum `State`.
///
/// ```
/// # fn main() -> Result<(), Box<dyn std::error::Error>> {
/// # let dir = tempfile::tempdir()?;
/// # let url = dir.path().join("app.sqlite").display().to_string();
/// # tokio::runtime::Builder::new_multi_thread().build()?.block_on(async {
/// let pool = litemodel::AsyncPool::connect(&url).await?;
/// let tables = pool
///     .interact(|db| db.table_exists("users"))
///     .await??;
/// assert!(!tables);
/// // A transaction: committed when the closure returns Ok.
/// let answer = pool
///     .transaction(|_session| Ok::<_, litemodel::Error>(42))
///     .await?;
/// assert_eq!(answer, 42);
/// # Ok::<_, Box<dyn std::error::Error>>(()) })?;
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct AsyncPool {
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    /// Always `Some` until dropped.
    pool: Option<Pool>,
}

impl Drop for Shared {
    /// The last handle closes the idle connections, off the executor: on a
    /// thread of its own, since this may run while the runtime shuts down,
    /// when tokio no longer starts blocking tasks.
    fn drop(&mut self) {
        let Some(pool) = self.pool.take() else {
            return;
        };
        if tokio::runtime::Handle::try_current().is_err() {
            return drop(pool);
        }
        let closer = std::thread::Builder::new().name("litemodel-pool-close".to_owned());
        if let Err(err) = closer.spawn(move || drop(pool)) {
            log::error!(target: "litemodel", "cannot start a thread to close the pool's connections: {err}");
        }
    }
}

/// Drops `value` (a pooled connection) on a blocking thread when the current
/// thread belongs to a tokio runtime, here otherwise.
fn close_off_executor<T: Send + 'static>(value: T) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => drop(handle.spawn_blocking(move || drop(value))),
        Err(_) => drop(value),
    }
}

impl AsyncPool {
    /// An async pool of up to eight connections to the database `url` names
    /// (see [`Database::connect`]: a SQLite path or URL, or a PostgreSQL URL).
    ///
    /// # Errors
    ///
    /// As for [`Pool::connect`]; [`Error::Interrupted`] when the runtime
    /// shuts down first.
    pub async fn connect(url: &str) -> Result<Self> {
        Self::build(Pool::builder_for_url(url)).await
    }

    /// An async pool of up to eight connections to the SQLite file at `path`.
    ///
    /// # Errors
    ///
    /// As for [`Pool::open`].
    pub async fn open(path: impl AsRef<Path>) -> Result<Self> {
        Self::build(Pool::builder(path)).await
    }

    /// An async pool with the settings of `builder` (size, waits).
    ///
    /// # Errors
    ///
    /// As for [`PoolBuilder::build`].
    pub async fn build(builder: PoolBuilder) -> Result<Self> {
        let pool = run_blocking(move || builder.build()).await??;
        Ok(Self::from_pool(pool))
    }

    /// The async façade over a [`Pool`] already open (they share connections).
    pub fn from_pool(pool: Pool) -> Self {
        AsyncPool {
            shared: Arc::new(Shared { pool: Some(pool) }),
        }
    }

    /// The synchronous pool underneath, for code already on a blocking thread.
    pub fn pool(&self) -> &Pool {
        match &self.shared.pool {
            Some(pool) => pool,
            None => unreachable!("the pool is taken only when the last handle drops"),
        }
    }

    /// Runs `work` with a pooled connection on a blocking thread, and returns
    /// what it returns (deadpool-sqlite's `interact`).
    ///
    /// A session the closure opens ends with it: committed if it committed,
    /// rolled back otherwise. If the awaiting task is cancelled the closure
    /// still runs to its end (a blocking call cannot be interrupted); use
    /// [`AsyncPool::transaction`] for work that must not commit then.
    ///
    /// # Errors
    ///
    /// [`Error::Pool`] when no connection became free within the pool's wait,
    /// [`Error::Interrupted`] when the runtime shut down first. The closure's
    /// own result is the `Ok` value, errors and all.
    ///
    /// # Panics
    ///
    /// A panic of `work` is resumed in the awaiting task.
    pub async fn interact<R, F>(&self, work: F) -> Result<R>
    where
        F: FnOnce(&mut Database) -> R + Send + 'static,
        R: Send + 'static,
    {
        let pool = self.pool().clone();
        run_blocking(move || {
            let mut db = pool.get()?;
            Ok(work(&mut db))
        })
        .await?
    }

    /// Runs `work` in a session on a blocking thread: committed when it
    /// returns `Ok`, rolled back when it returns `Err`, and rolled back too
    /// when the awaiting task was cancelled (dropped, aborted, timed out)
    /// before `work` returned. The connection goes back to the pool healthy.
    ///
    /// ```
    /// # fn main() -> Result<(), Box<dyn std::error::Error>> {
    /// # tokio::runtime::Builder::new_multi_thread().build()?.block_on(async {
    /// let pool = litemodel::AsyncPool::connect("sqlite://").await?;
    /// let result: Result<(), litemodel::Error> = pool
    ///     .transaction(|_session| Err(litemodel::Error::NotFound { table: "users" }))
    ///     .await;
    /// assert!(matches!(result, Err(litemodel::Error::NotFound { .. }))); // rolled back
    /// # Ok::<_, Box<dyn std::error::Error>>(()) })?;
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// The closure's error (after rolling back), the commit's, or as for
    /// [`AsyncPool::interact`].
    pub async fn transaction<R, E, F>(&self, work: F) -> Result<R, E>
    where
        F: FnOnce(&mut Session<'_>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let pool = self.pool().clone();
        let cancelled = CancelFlag::default();
        let seen = cancelled.shared();
        run_blocking(move || {
            let mut db = pool.get()?;
            transaction_unless_cancelled(&mut db, &seen, work)
        })
        .await
        .map_err(E::from)?
    }

    /// Checks a connection out for several calls in a row (the same
    /// connection, e.g. to count its statements across calls). It goes back
    /// to the pool when dropped.
    ///
    /// # Errors
    ///
    /// As for [`AsyncPool::interact`].
    pub async fn get(&self) -> Result<AsyncDatabase> {
        let pool = self.pool().clone();
        let db = run_blocking(move || pool.get()).await??;
        Ok(AsyncDatabase { db: Some(db) })
    }
}

/// A connection checked out of an [`AsyncPool`] for several calls.
#[derive(Debug)]
pub struct AsyncDatabase {
    /// Lent to the blocking thread during a call; `None` after a cancelled
    /// call gave it back to the pool.
    db: Option<PooledDatabase>,
}

impl AsyncDatabase {
    /// Runs `work` with this connection on a blocking thread (see
    /// [`AsyncPool::interact`]).
    ///
    /// # Errors
    ///
    /// [`Error::Interrupted`] when an earlier call on this handle was
    /// cancelled (its connection went back to the pool) or the runtime shut
    /// down.
    pub async fn interact<R, F>(&mut self, work: F) -> Result<R>
    where
        F: FnOnce(&mut Database) -> R + Send + 'static,
        R: Send + 'static,
    {
        let mut db = self.take()?;
        let (db, value) = run_blocking(move || {
            let value = work(&mut db);
            (db, value)
        })
        .await?;
        self.db = Some(db);
        Ok(value)
    }

    /// Runs `work` in a session with this connection (see
    /// [`AsyncPool::transaction`], cancellation included).
    ///
    /// # Errors
    ///
    /// As for [`AsyncPool::transaction`] and [`AsyncDatabase::interact`].
    pub async fn transaction<R, E, F>(&mut self, work: F) -> Result<R, E>
    where
        F: FnOnce(&mut Session<'_>) -> Result<R, E> + Send + 'static,
        R: Send + 'static,
        E: From<Error> + Send + 'static,
    {
        let mut db = self.take()?;
        let cancelled = CancelFlag::default();
        let seen = cancelled.shared();
        let (db, result) = run_blocking(move || {
            let result = transaction_unless_cancelled(&mut db, &seen, work);
            (db, result)
        })
        .await?;
        self.db = Some(db);
        result
    }

    fn take(&mut self) -> Result<PooledDatabase> {
        self.db.take().ok_or_else(|| Error::Interrupted {
            reason: "an earlier call on this connection was cancelled, and the connection \
                     went back to the pool; check out another with AsyncPool::get"
                .to_owned(),
        })
    }
}

impl Drop for AsyncDatabase {
    fn drop(&mut self) {
        if let Some(db) = self.db.take() {
            close_off_executor(db);
        }
    }
}

/// Set when the future awaiting a transaction is dropped before it finished.
#[derive(Default)]
struct CancelFlag(Arc<AtomicBool>);

impl CancelFlag {
    fn shared(&self) -> Arc<AtomicBool> {
        self.0.clone()
    }
}

impl Drop for CancelFlag {
    /// Runs when the awaiting future is dropped, finished or not; once it
    /// finished the blocking side no longer looks.
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

fn transaction_unless_cancelled<R, E>(
    db: &mut Database,
    cancelled: &AtomicBool,
    work: impl FnOnce(&mut Session<'_>) -> Result<R, E>,
) -> Result<R, E>
where
    E: From<Error>,
{
    let mut session = db.session();
    match work(&mut session) {
        Ok(_) if cancelled.load(Ordering::SeqCst) => {
            session.rollback()?;
            Err(Error::Interrupted {
                reason: "the task awaiting the transaction was cancelled; it was rolled back"
                    .to_owned(),
            }
            .into())
        }
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

/// `spawn_blocking`, resuming the closure's panic in the caller (and, with
/// the `tracing` feature, running it in the caller's span).
async fn run_blocking<R, F>(work: F) -> Result<R>
where
    F: FnOnce() -> R + Send + 'static,
    R: Send + 'static,
{
    // Statement spans go to the caller's subscriber, as children of its
    // span, not to the blocking thread's default as orphans.
    #[cfg(feature = "tracing")]
    let work = {
        let span = tracing::Span::current();
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        move || tracing::dispatcher::with_default(&dispatch, || span.in_scope(work))
    };
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => Ok(value),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => Err(Error::Interrupted {
            reason: format!("the blocking task did not run to its end: {err}"),
        }),
    }
}
