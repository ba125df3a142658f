//! A synchronous PostgreSQL client over `tokio-postgres`, driven on a
//! single-threaded tokio runtime of its own (as the `postgres` crate does),
//! plus what that crate does not offer: a query's rows read as one result, a
//! batch of rows per runtime entry.
//!
//! Each call enters the runtime once and polls the connection and the call's
//! future together until the call is done; between calls nothing runs, as with
//! the `postgres` crate. Notices and `NOTIFY` notifications the server sends
//! are read and dropped.

use std::future::Future;
use std::mem::ManuallyDrop;
use std::pin::{pin, Pin};
use std::task::Poll;

use futures_core::Stream;
use tokio_postgres::tls::NoTlsStream;
use tokio_postgres::types::ToSql;
use tokio_postgres::{
    Client, Connection, Error, NoTls, Row, RowStream, SimpleQueryMessage, Socket, Statement,
    ToStatement,
};

/// A connection to a PostgreSQL server with synchronous calls: the client
/// behind a PostgreSQL [`Database`](crate::Database), borrowed through
/// [`Database::postgres`](crate::Database::postgres). Its methods are the
/// `postgres` crate's `Client` methods of the same names.
pub struct PgClient {
    /// Dropped by hand first, so that the connection can then say goodbye to
    /// the server (see `Drop`).
    client: ManuallyDrop<Client>,
    connection: Connection<Socket, NoTlsStream>,
    runtime: tokio::runtime::Runtime,
    /// Open [`PgTransaction`]s: one inside another is a savepoint.
    depth: u32,
}

impl std::fmt::Debug for PgClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgClient").finish_non_exhaustive()
    }
}

/// Runs `future` to its end on `runtime`, polling `connection` beside it (the
/// connection writes the requests and routes the responses).
fn block_on<T>(
    runtime: &tokio::runtime::Runtime,
    connection: &mut Connection<Socket, NoTlsStream>,
    future: impl Future<Output = Result<T, Error>>,
) -> Result<T, Error> {
    let mut future = pin!(future);
    runtime.block_on(std::future::poll_fn(|cx| {
        loop {
            match connection.poll_message(cx) {
                // Notices and notifications.
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(err))) => return Poll::Ready(Err(err)),
                // Closed: the future learns it from its own channel.
                Poll::Ready(None) | Poll::Pending => break,
            }
        }
        future.as_mut().poll(cx)
    }))
}

impl PgClient {
    /// Connects to the server a libpq connection string or URL names.
    pub(crate) fn connect(
        conninfo: &str,
    ) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        let config: tokio_postgres::Config = conninfo.parse()?;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()?;
        let (client, connection) = runtime.block_on(config.connect(NoTls))?;
        Ok(PgClient {
            client: ManuallyDrop::new(client),
            connection,
            runtime,
            depth: 0,
        })
    }

    /// Executes a statement, returning the number of rows it changed.
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn execute<T>(&mut self, query: &T, params: &[&(dyn ToSql + Sync)]) -> Result<u64, Error>
    where
        T: ?Sized + ToStatement,
    {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.execute(query, params),
        )
    }

    /// Runs a query and returns all of its rows.
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn query<T>(&mut self, query: &T, params: &[&(dyn ToSql + Sync)]) -> Result<Vec<Row>, Error>
    where
        T: ?Sized + ToStatement,
    {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.query(query, params),
        )
    }

    /// Runs a query that returns exactly one row.
    ///
    /// # Errors
    ///
    /// The server's error, a closed connection, or a number of rows other
    /// than one.
    pub fn query_one<T>(&mut self, query: &T, params: &[&(dyn ToSql + Sync)]) -> Result<Row, Error>
    where
        T: ?Sized + ToStatement,
    {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.query_one(query, params),
        )
    }

    /// Runs a query that returns at most one row.
    ///
    /// # Errors
    ///
    /// The server's error, a closed connection, or more than one row.
    pub fn query_opt<T>(
        &mut self,
        query: &T,
        params: &[&(dyn ToSql + Sync)],
    ) -> Result<Option<Row>, Error>
    where
        T: ?Sized + ToStatement,
    {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.query_opt(query, params),
        )
    }

    /// Prepares a statement (a server-side prepared statement for the
    /// connection's life).
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn prepare(&mut self, query: &str) -> Result<Statement, Error> {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.prepare(query),
        )
    }

    /// Runs statements without parameters, separated by `;` (the simple query
    /// protocol: one round trip).
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn batch_execute(&mut self, query: &str) -> Result<(), Error> {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.batch_execute(query),
        )
    }

    /// Runs statements without parameters and returns their rows as text.
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn simple_query(&mut self, query: &str) -> Result<Vec<SimpleQueryMessage>, Error> {
        block_on(
            &self.runtime,
            &mut self.connection,
            self.client.simple_query(query),
        )
    }

    /// Opens a transaction (`BEGIN`); dropped without
    /// [`commit`](PgTransaction::commit), it rolls back. Called on an open
    /// [`PgTransaction`] it opens a savepoint inside it instead, committed by
    /// releasing it and rolled back to (as the `postgres` crate does).
    ///
    /// # Errors
    ///
    /// The server's error, or a closed connection.
    pub fn transaction(&mut self) -> Result<PgTransaction<'_>, Error> {
        let level = self.depth;
        if level == 0 {
            self.batch_execute("BEGIN")?;
        } else {
            self.batch_execute(&format!("SAVEPOINT litemodel_tx_{level}"))?;
        }
        self.depth += 1;
        Ok(PgTransaction {
            client: self,
            level,
            done: false,
        })
    }

    /// Whether the connection to the server is closed.
    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    /// Starts a query whose rows are read as they arrive
    /// ([`next_rows`](Self::next_rows)): the server sends them all without
    /// waiting for the client. The first rows, up to `max`, are read into
    /// `into` in the same entry into the runtime (a short result needs no
    /// second one); the flag is `false` when the stream has already ended.
    pub(crate) fn query_stream(
        &mut self,
        statement: &Statement,
        params: &[&(dyn ToSql + Sync)],
        into: &mut Vec<Row>,
        max: usize,
        failed: &mut Option<Error>,
    ) -> Result<(Pin<Box<RowStream>>, bool), Error> {
        let params = params.iter().map(|p| *p as &dyn ToSql);
        let client = &*self.client;
        block_on(&self.runtime, &mut self.connection, async move {
            let mut stream = Box::pin(client.query_raw(statement, params).await?);
            let mut reader = RowReader::new(into, max, failed);
            std::future::poll_fn(|cx| reader.poll(&mut stream, cx)).await?;
            let more = !reader.ended;
            Ok((stream, more))
        })
    }

    /// Reads up to `max` more rows of `stream` into `into`, in one entry into
    /// the runtime; `false` once the stream has ended. An error that follows
    /// rows read in the same entry is kept in `failed` for the next call, so
    /// that the rows before it are not lost.
    pub(crate) fn next_rows(
        &mut self,
        stream: &mut Pin<Box<RowStream>>,
        into: &mut Vec<Row>,
        max: usize,
        failed: &mut Option<Error>,
    ) -> Result<bool, Error> {
        if let Some(err) = failed.take() {
            return Err(err);
        }
        let mut reader = RowReader::new(into, max, failed);
        block_on(
            &self.runtime,
            &mut self.connection,
            std::future::poll_fn(|cx| reader.poll(stream, cx)),
        )?;
        Ok(!reader.ended)
    }
}

/// One read of a stream's rows into a batch.
struct RowReader<'a> {
    into: &'a mut Vec<Row>,
    /// The batch's length before this read.
    start: usize,
    max: usize,
    failed: &'a mut Option<Error>,
    ended: bool,
}

impl<'a> RowReader<'a> {
    fn new(into: &'a mut Vec<Row>, max: usize, failed: &'a mut Option<Error>) -> Self {
        let start = into.len();
        RowReader {
            into,
            start,
            max,
            failed,
            ended: false,
        }
    }

    /// Takes the rows that have arrived; pending only while none has.
    fn poll(
        &mut self,
        stream: &mut Pin<Box<RowStream>>,
        cx: &mut std::task::Context<'_>,
    ) -> Poll<Result<(), Error>> {
        while self.into.len() < self.max {
            match stream.as_mut().poll_next(cx) {
                Poll::Ready(Some(Ok(row))) => self.into.push(row),
                Poll::Ready(Some(Err(err))) if self.into.len() == self.start => {
                    return Poll::Ready(Err(err))
                }
                Poll::Ready(Some(Err(err))) => {
                    *self.failed = Some(err);
                    return Poll::Ready(Ok(()));
                }
                Poll::Ready(None) => {
                    self.ended = true;
                    return Poll::Ready(Ok(()));
                }
                // Rows already received are handed over; more are waited for
                // only when none has arrived in this read (returning at once
                // then would keep the runtime from ever polling the socket
                // again).
                Poll::Pending if self.into.len() == self.start => return Poll::Pending,
                Poll::Pending => return Poll::Ready(Ok(())),
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl Drop for PgClient {
    fn drop(&mut self) {
        // SAFETY: `client` is taken once, here, and not used again: the
        // struct is being dropped and no other field refers to it.
        drop(unsafe { ManuallyDrop::take(&mut self.client) });
        // With the client gone the connection sends Terminate and ends; it
        // also reads away what is left of an abandoned stream. A broken
        // connection ends at once.
        let connection = &mut self.connection;
        self.runtime.block_on(std::future::poll_fn(|cx| loop {
            match connection.poll_message(cx) {
                Poll::Ready(Some(Ok(_))) => {}
                Poll::Ready(Some(Err(_)) | None) => return Poll::Ready(()),
                Poll::Pending => return Poll::Pending,
            }
        }));
    }
}

/// A transaction of a [`PgClient`], rolled back when dropped without
/// [`commit`](Self::commit).
pub struct PgTransaction<'a> {
    client: &'a mut PgClient,
    /// 0 for a transaction, `n` for savepoint `litemodel_tx_n`.
    level: u32,
    done: bool,
}

impl PgTransaction<'_> {
    /// Commits the transaction (releases the savepoint).
    ///
    /// # Errors
    ///
    /// The server's error (a deferred constraint, say: the transaction is
    /// rolled back), or a closed connection.
    pub fn commit(mut self) -> Result<(), Error> {
        self.finish(true)
    }

    /// Rolls the transaction back (to its savepoint).
    ///
    /// # Errors
    ///
    /// A closed connection.
    pub fn rollback(mut self) -> Result<(), Error> {
        self.finish(false)
    }

    fn finish(&mut self, commit: bool) -> Result<(), Error> {
        self.done = true;
        self.client.depth = self.level;
        let sql = match (self.level, commit) {
            (0, true) => "COMMIT".to_owned(),
            (0, false) => "ROLLBACK".to_owned(),
            (n, true) => format!("RELEASE SAVEPOINT litemodel_tx_{n}"),
            (n, false) => {
                format!(
                    "ROLLBACK TO SAVEPOINT litemodel_tx_{n}; RELEASE SAVEPOINT litemodel_tx_{n}"
                )
            }
        };
        self.client.batch_execute(&sql)
    }
}

impl std::ops::Deref for PgTransaction<'_> {
    type Target = PgClient;

    fn deref(&self) -> &PgClient {
        self.client
    }
}

impl std::ops::DerefMut for PgTransaction<'_> {
    fn deref_mut(&mut self) -> &mut PgClient {
        self.client
    }
}

impl Drop for PgTransaction<'_> {
    fn drop(&mut self) {
        if !self.done {
            let _ = self.finish(false);
        }
    }
}
