//! The PostgreSQL connection: a synchronous client over `tokio-postgres`
//! ([`PgClient`]), its prepared statements, and streams read as one result.

use std::borrow::Cow;
use std::cell::{Cell, RefCell};
use std::pin::Pin;
use std::sync::Arc;

use tokio_postgres::types::ToSql;
use tokio_postgres::{Row, RowStream, Statement};

use super::pg_client::PgClient;
pub use super::pg_value::PgField;
use super::pg_value::{Field, PgParam, PgValue};
use super::sqlite::StatementKey;
use crate::error::{classify_postgres, Error, Result};
use crate::idmap::IdMap;
use crate::types::{ColumnError, ColumnValue, FromColumn};

/// Rows of a stream taken from the connection at most per entry into its
/// runtime (fewer when fewer have arrived): the batch a stream holds.
const STREAM_BATCH: usize = 4000;
/// Parameters passed from the stack (more go through a vector).
const STACK_PARAMS: usize = 16;
/// Prepared statements kept per connection before the cache starts over.
const STATEMENT_CACHE_CAPACITY: usize = 512;

/// One connection to a PostgreSQL server.
pub(crate) struct PgConn {
    client: RefCell<PgClient>,
    /// Server-side prepared statements by SQL text (the runtime's own text:
    /// a fast hash, no flooding to fear).
    statements: RefCell<IdMap<Arc<str>, Statement>>,
    /// The runtime's fixed statements (a model's own, a relationship's lazy
    /// load) by their identity, found without hashing their text.
    fixed: RefCell<IdMap<StatementKey, (Arc<str>, Statement)>>,
    /// Whether a transaction is open (PostgreSQL reports it in every
    /// ReadyForQuery message, which the client does not expose): followed
    /// through the statements the runtime and `execute_batch` run, the
    /// server asked when a batch's words do not tell.
    in_transaction: Cell<bool>,
    /// Numbers the streams.
    streams: Cell<u64>,
    /// The stream whose rows are still arriving, if any: the server sends a
    /// query's rows without waiting, so the connection serves nothing else
    /// until they are read.
    live: RefCell<Option<LiveStream>>,
    /// The rest of the streams another statement interrupted, read into
    /// memory so that the statement could run (by stream number).
    spilled: RefCell<Vec<Spilled>>,
    /// The URL without its password, for `Debug` and messages.
    label: String,
}

impl PgConn {
    /// Connects to the server a libpq connection string or URL names.
    pub(crate) fn connect(conninfo: &str, label: String) -> Result<Self> {
        let client = PgClient::connect(conninfo).map_err(|source| Error::Connect {
            url: label.clone(),
            source,
        })?;
        Ok(PgConn {
            client: RefCell::new(client),
            statements: RefCell::default(),
            fixed: RefCell::default(),
            in_transaction: Cell::new(false),
            streams: Cell::new(0),
            live: RefCell::new(None),
            spilled: RefCell::new(Vec::new()),
            label,
        })
    }

    pub(crate) fn label(&self) -> &str {
        &self.label
    }

    pub(crate) fn in_transaction(&self) -> bool {
        self.in_transaction.get()
    }

    /// The client, free for a new request: the rows of a stream still
    /// arriving are read into memory first (they stand before any other
    /// response on the connection). Every request goes through here, the
    /// application's own through [`Database::postgres`](crate::Database::postgres).
    #[inline]
    pub(crate) fn client(&self) -> std::cell::RefMut<'_, PgClient> {
        self.settle();
        self.client.borrow_mut()
    }

    /// Reads the rest of the live stream, if any, into memory for its
    /// reader.
    #[inline]
    fn settle(&self) {
        if self.live.borrow().is_some() {
            self.spill();
        }
    }

    #[cold]
    #[inline(never)]
    fn spill(&self) {
        let Some(mut live) = self.live.borrow_mut().take() else {
            return;
        };
        let mut rows = Vec::new();
        let mut client = self.client.borrow_mut();
        let error = loop {
            match client.next_rows(&mut live.rows, &mut rows, usize::MAX, &mut live.failed) {
                Ok(true) if live.failed.is_none() => {}
                Ok(_) => break live.failed.take(),
                Err(err) => break Some(err),
            }
        };
        self.spilled.borrow_mut().push(Spilled {
            number: live.number,
            rows,
            error: error.map(|e| classify_postgres(e, live.table)),
        });
    }

    /// Prepares `sql` (once per connection) for binding.
    pub(crate) fn prepare(&self, sql: &str, table: Option<&'static str>) -> Result<PgStmt<'_>> {
        let cached = self
            .statements
            .borrow()
            .get_key_value(sql)
            .map(|(k, s)| (k.clone(), s.clone()));
        let (sql, statement) = match cached {
            Some(found) => found,
            None => {
                refuse_unidentified_rows(sql)?;
                let statement = self
                    .client()
                    .prepare(sql)
                    .map_err(|e| classify_postgres(e, table))?;
                let key: Arc<str> = Arc::from(sql);
                let mut statements = self.statements.borrow_mut();
                if statements.len() >= STATEMENT_CACHE_CAPACITY {
                    statements.clear();
                }
                statements.insert(key.clone(), statement.clone());
                (key, statement)
            }
        };
        Ok(self.stmt(sql, statement, table))
    }

    /// The fixed statement `key`, prepared from the text `sql` gives the
    /// first time (`None`: no fixed text, the caller prepares by text).
    pub(crate) fn prepare_fixed(
        &self,
        key: StatementKey,
        sql: impl FnOnce() -> Option<&'static str>,
        table: Option<&'static str>,
    ) -> Result<Option<PgStmt<'_>>> {
        let found = self.fixed.borrow().get(&key).cloned();
        let (sql, statement) = match found {
            Some(found) => found,
            None => {
                let Some(sql) = sql() else {
                    return Ok(None);
                };
                let stmt = self.prepare(sql, table)?;
                self.fixed
                    .borrow_mut()
                    .insert(key, (stmt.sql.clone(), stmt.statement.clone()));
                return Ok(Some(stmt));
            }
        };
        Ok(Some(self.stmt(sql, statement, table)))
    }

    /// `statement` (prepared from `sql`) ready for its parameters.
    #[inline]
    fn stmt(&self, sql: Arc<str>, statement: Statement, table: Option<&'static str>) -> PgStmt<'_> {
        PgStmt {
            conn: self,
            params: Vec::with_capacity(statement.params().len()),
            statement,
            sql,
            table,
        }
    }

    /// Runs statements without parameters (one round trip, the simple query
    /// protocol), following the transaction they open or close.
    pub(crate) fn batch(&self, sql: &str, table: Option<&'static str>) -> Result<()> {
        let result = self.client().batch_execute(sql);
        self.track_transaction(sql, result.is_ok());
        result.map_err(|e| classify_postgres(e, table))
    }

    fn track_transaction(&self, sql: &str, ok: bool) {
        match transaction_effect(sql) {
            Effect::Opens => {
                if ok {
                    self.in_transaction.set(true);
                }
            }
            // A COMMIT ends the transaction even when it fails (deferred
            // constraints roll it back).
            Effect::Closes => self.in_transaction.set(false),
            Effect::Keeps => {}
            Effect::Unknown => {
                if let Some(open) = self.transaction_open() {
                    self.in_transaction.set(open);
                }
            }
        }
    }

    /// Asks the server whether a transaction block is open, for a batch
    /// whose effect the words do not tell (several statements, `AND CHAIN`):
    /// `now()` is the transaction's start and `statement_timestamp()` the
    /// arrival of the current message, equal only in the first statement of a
    /// transaction, so in the probe's own implicit one. A failed transaction
    /// refuses the probe: it is open until a ROLLBACK. `None` when the
    /// server cannot be asked (the connection is gone).
    #[cold]
    fn transaction_open(&self) -> Option<bool> {
        let mut client = self.client();
        match client.simple_query("SELECT now() = statement_timestamp()") {
            Ok(messages) => Some(!messages.iter().any(
                |m| matches!(m, tokio_postgres::SimpleQueryMessage::Row(row) if row.get(0) == Some("t")),
            )),
            Err(err)
                if err.code()
                    == Some(&tokio_postgres::error::SqlState::IN_FAILED_SQL_TRANSACTION) =>
            {
                Some(true)
            }
            Err(_) => None,
        }
    }
}

/// What a batch does to the transaction block, read from its words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Effect {
    /// `BEGIN`, `START TRANSACTION`.
    Opens,
    /// `COMMIT`, `END`, `ROLLBACK`, `ABORT`, `PREPARE TRANSACTION`.
    Closes,
    /// Any other single statement (`ROLLBACK TO` a savepoint included).
    Keeps,
    /// Several statements, or a commit that chains a new transaction: the
    /// server is asked.
    Unknown,
}

fn transaction_effect(sql: &str) -> Effect {
    // The session's own statements, on every transaction, without reading
    // words.
    match sql {
        "BEGIN" => return Effect::Opens,
        "COMMIT" | "ROLLBACK" => return Effect::Closes,
        _ => {}
    }
    let sql = sql.trim_end_matches(|c: char| c.is_ascii_whitespace() || c == ';');
    let mut words = sql.split_ascii_whitespace();
    let first = words.next().unwrap_or("");
    let is = |word: &str, name: &str| word.eq_ignore_ascii_case(name);
    // A `;` inside one statement (a literal, a function body) also counts
    // as several: the probe is exact either way.
    if sql.contains(';') {
        return if sql.split(';').any(starts_control) {
            Effect::Unknown
        } else {
            Effect::Keeps
        };
    }
    if is(first, "BEGIN") || is(first, "START") {
        Effect::Opens
    } else if is(first, "PREPARE") {
        if words.next().is_some_and(|w| is(w, "TRANSACTION")) {
            Effect::Closes
        } else {
            Effect::Keeps
        }
    } else if is(first, "COMMIT") || is(first, "END") || is(first, "ROLLBACK") || is(first, "ABORT")
    {
        let rest: Vec<&str> = words.collect();
        if rest.iter().any(|w| is(w, "TO")) {
            Effect::Keeps
        } else if rest.iter().any(|w| is(w, "CHAIN")) {
            Effect::Unknown
        } else {
            Effect::Closes
        }
    } else {
        Effect::Keeps
    }
}

/// Whether a piece of a batch between `;`s starts with a word that can open
/// or close a transaction.
fn starts_control(piece: &str) -> bool {
    let word = piece.split_ascii_whitespace().next().unwrap_or("");
    [
        "BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "PREPARE",
    ]
    .iter()
    .any(|name| word.eq_ignore_ascii_case(name))
}

/// Refuses, before the server sees it, a statement that needs the identity
/// of a row whose primary key does not pack into one integer (the SQL seam
/// marked it where the identity would be).
fn refuse_unidentified_rows(sql: &str) -> Result<()> {
    match crate::sql::refused_descriptor(sql) {
        None => Ok(()),
        Some(descriptor) => Err(Error::Unsupported {
            engine: "postgresql",
            what: crate::sql::refusal(descriptor).unwrap_or_else(|| descriptor.to_owned()),
        }),
    }
}

/// A prepared statement and the values bound to it so far.
pub(crate) struct PgStmt<'c> {
    conn: &'c PgConn,
    statement: Statement,
    sql: Arc<str>,
    params: Vec<PgParam>,
    table: Option<&'static str>,
}

impl<'c> PgStmt<'c> {
    pub(crate) fn table(&self) -> Option<&'static str> {
        self.table
    }

    /// The statement's text, with its `$n` placeholders.
    #[cfg_attr(not(feature = "tracing"), allow(dead_code))]
    pub(crate) fn sql(&self) -> &str {
        &self.sql
    }

    /// Binds parameter `index` (1-based).
    pub(crate) fn bind(&mut self, index: usize, value: ColumnValue<'static>) {
        let slot = index.saturating_sub(1);
        self.set(slot, PgParam::Value(value));
    }

    /// Binds parameter `index` (1-based) to a stored value. A statement run
    /// once per object (a flush's INSERT or UPDATE) binds text into the
    /// buffer the previous value of the parameter left: no allocation per
    /// row. Out of line: every column of every model's `bind` calls it.
    #[inline(never)]
    pub(crate) fn bind_stored(&mut self, index: usize, value: &ColumnValue<'_>) {
        let slot = index.saturating_sub(1);
        if let Some(PgParam::Value(old)) = self.params.get_mut(slot) {
            match (old, value) {
                (ColumnValue::Text(Cow::Owned(buf)), ColumnValue::Text(text)) => {
                    buf.clear();
                    buf.push_str(text);
                    return;
                }
                (ColumnValue::Blob(Cow::Owned(buf)), ColumnValue::Blob(bytes)) => {
                    buf.clear();
                    buf.extend_from_slice(bytes);
                    return;
                }
                _ => {}
            }
        }
        // One copy of text or bytes either way: a borrowed one is copied by
        // `into_owned`, an owned one by `clone`.
        self.set(slot, PgParam::Value(value.clone().into_owned()));
    }

    /// Binds parameter `index` (1-based) to `keys`, as one array.
    pub(crate) fn bind_keys(&mut self, index: usize, keys: &[i64]) {
        self.set(index.saturating_sub(1), PgParam::Keys(keys.to_vec()));
    }

    #[inline]
    fn set(&mut self, slot: usize, param: PgParam) {
        // Parameters are bound in order: each one is the next, or replaces
        // the value of the statement's previous run.
        if let Some(old) = self.params.get_mut(slot) {
            *old = param;
            return;
        }
        if slot == self.params.len() {
            self.params.push(param);
            return;
        }
        while self.params.len() <= slot {
            self.params.push(PgParam::Value(ColumnValue::Null));
        }
        self.params[slot] = param;
    }

    /// Calls `f` with the bound values as the `postgres` crate takes them: a
    /// slice on the stack for up to [`STACK_PARAMS`] of them, not a vector
    /// allocated per execution.
    #[inline]
    fn with_params<R>(&self, f: impl FnOnce(&[&(dyn ToSql + Sync)]) -> R) -> R {
        const NULL: &(dyn ToSql + Sync) = &None::<i32>;
        if self.params.len() <= STACK_PARAMS {
            let mut refs = [NULL; STACK_PARAMS];
            for (slot, param) in refs.iter_mut().zip(&self.params) {
                *slot = param;
            }
            return f(&refs[..self.params.len()]);
        }
        let refs: Vec<&(dyn ToSql + Sync)> = self
            .params
            .iter()
            .map(|p| p as &(dyn ToSql + Sync))
            .collect();
        f(&refs)
    }

    pub(crate) fn execute(&mut self) -> Result<usize> {
        let mut client = self.conn.client();
        let result = self.with_params(|params| client.execute(&self.statement, params));
        drop(client);
        result
            .map(|n| usize::try_from(n).unwrap_or(usize::MAX))
            .map_err(|e| classify_postgres(e, self.table))
    }

    /// Runs the query and reads its rows: a SELECT as a stream (below) whose
    /// rows the caller reads to the end, so the client decodes rows while
    /// the server still sends them; any other statement (`INSERT ...
    /// RETURNING`, say) all at once, so that its error is never left unread.
    pub(crate) fn query(&mut self) -> Result<PgRows<'c>> {
        if self.sql.starts_with("SELECT") {
            return self.query_stream();
        }
        let rows = {
            let mut client = self.conn.client();
            self.with_params(|params| client.query(&self.statement, params))
        };
        let rows = rows.map_err(|e| classify_postgres(e, self.table))?;
        Ok(PgRows {
            rows,
            next: 0,
            stream: None,
        })
    }

    /// Runs a query that gives at most one row (`query_opt`: no vector
    /// grown for a result of any length).
    pub(crate) fn query_single(&mut self) -> Result<PgRows<'c>> {
        let row = {
            let mut client = self.conn.client();
            self.with_params(|params| client.query_opt(&self.statement, params))
        };
        let row = row.map_err(|e| classify_postgres(e, self.table))?;
        Ok(PgRows {
            rows: row.into_iter().collect(),
            next: 0,
            stream: None,
        })
    }

    /// Runs the query as one result whose rows are read as they arrive:
    /// the server sends them without waiting for the client, which takes at
    /// most [`STREAM_BATCH`] of them per entry into the connection's runtime,
    /// so memory stays flat however many rows the query returns (libpq's
    /// single-row mode works the same way).
    ///
    /// Until its last row is read the stream holds the connection: another
    /// statement run on it meanwhile (a lookup per streamed row, say) first
    /// reads the stream's remaining rows into memory, because they come
    /// before its own answer ([`PgConn::settle`]). A stream dropped early
    /// leaves its remaining rows to be read and discarded by the
    /// connection's next statement: the server runs the query to its end.
    pub(crate) fn query_stream(&mut self) -> Result<PgRows<'c>> {
        let conn = self.conn;
        let mut rows = Vec::new();
        let mut failed = None;
        let started = {
            let mut client = conn.client();
            self.with_params(|params| {
                client.query_stream(
                    &self.statement,
                    params,
                    &mut rows,
                    STREAM_BATCH,
                    &mut failed,
                )
            })
        };
        let (stream, more) = started.map_err(|e| classify_postgres(e, self.table))?;
        if !more {
            // The whole result arrived with the first batch.
            return Ok(PgRows {
                rows,
                next: 0,
                stream: None,
            });
        }
        let number = conn.streams.get() + 1;
        conn.streams.set(number);
        *conn.live.borrow_mut() = Some(LiveStream {
            number,
            rows: stream,
            table: self.table,
            failed,
        });
        Ok(PgRows {
            rows,
            next: 0,
            stream: Some(StreamRef { conn, number }),
        })
    }

    /// The SQL with its bound values written in as literals, for the echo
    /// (as SQLite's `expanded_sql` shows them).
    pub(crate) fn expanded_sql(&self) -> String {
        self.inlined().unwrap_or_else(|_| self.sql.to_string())
    }

    /// The SQL with each `$n` replaced by the literal of parameter `n`.
    fn inlined(&self) -> Result<String> {
        let sql: &str = &self.sql;
        let mut out = String::with_capacity(sql.len() + 16 * self.params.len());
        let mut rest = sql;
        while let Some(at) = rest.find('$') {
            out.push_str(&rest[..at]);
            let digits = rest[at + 1..]
                .bytes()
                .take_while(u8::is_ascii_digit)
                .count();
            let index: Option<usize> = rest[at + 1..at + 1 + digits].parse().ok();
            match index.and_then(|i| i.checked_sub(1)) {
                Some(i) => match self.params.get(i) {
                    Some(PgParam::Keys(keys)) => push_array_literal(&mut out, keys),
                    Some(PgParam::Value(value)) => out.push_str(&literal(value, self.table)?),
                    None => out.push_str("NULL"),
                },
                None => out.push('$'),
            }
            rest = &rest[at + 1 + digits..];
        }
        out.push_str(rest);
        Ok(out)
    }
}

/// `value` as a quoted SQL literal of unknown type, which PostgreSQL converts
/// to the type its place needs, as it does an untyped parameter: `'42'`,
/// `'O''Brien'`, `'\x0102'` for bytes (`standard_conforming_strings`, on
/// since PostgreSQL 9.1, makes `''` the only escape).
fn literal(value: &ColumnValue<'_>, table: Option<&'static str>) -> Result<String> {
    use std::fmt::Write as _;
    let quoted = |text: &str| -> Result<String> {
        if text.contains('\0') {
            return Err(Error::InvalidValue {
                table,
                reason: "PostgreSQL text cannot hold a NUL character".to_owned(),
            });
        }
        Ok(format!("'{}'", text.replace('\'', "''")))
    };
    Ok(match value {
        ColumnValue::Null => "NULL".to_owned(),
        ColumnValue::Integer(i) => format!("'{i}'"),
        ColumnValue::Real(f) if f.is_nan() => "'NaN'".to_owned(),
        ColumnValue::Real(f) if f.is_infinite() => if *f > 0.0 {
            "'Infinity'"
        } else {
            "'-Infinity'"
        }
        .to_owned(),
        ColumnValue::Real(f) => format!("'{f:?}'"),
        ColumnValue::Text(text) => quoted(text)?,
        ColumnValue::Blob(bytes) => {
            let mut hex = String::with_capacity(4 + 2 * bytes.len());
            hex.push_str("'\\x");
            for b in bytes.iter() {
                let _ = write!(hex, "{b:02x}");
            }
            hex.push('\'');
            hex
        }
    })
}

/// `keys` as a quoted array literal of unknown type, `'{1,2,3}'`, which
/// PostgreSQL converts to the array type its place needs.
fn push_array_literal(out: &mut String, keys: &[i64]) {
    use std::fmt::Write as _;
    out.push_str("'{");
    for (i, key) in keys.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{key}");
    }
    out.push_str("}'");
}

/// The rows of a query: all of them, or a stream's current batch.
pub(crate) struct PgRows<'c> {
    rows: Vec<Row>,
    next: usize,
    stream: Option<StreamRef<'c>>,
}

/// A stream's rows still on the wire.
struct LiveStream {
    number: u64,
    rows: Pin<Box<RowStream>>,
    table: Option<&'static str>,
    /// An error that arrived after rows read in the same batch, for the
    /// next batch to report.
    failed: Option<tokio_postgres::Error>,
}

/// The rest of a stream another statement interrupted: its rows, then the
/// error it ended with, if any.
struct Spilled {
    number: u64,
    rows: Vec<Row>,
    error: Option<Error>,
}

/// Which stream a [`PgRows`] reads (dropped when the stream ends).
struct StreamRef<'c> {
    conn: &'c PgConn,
    number: u64,
}

impl StreamRef<'_> {
    /// Replaces `rows` with the stream's next batch; `false` after the last
    /// row.
    fn next_batch(&mut self, rows: &mut Vec<Row>) -> Result<bool> {
        rows.clear();
        let conn = self.conn;
        {
            let mut live = conn.live.borrow_mut();
            if let Some(stream) = live.as_mut().filter(|l| l.number == self.number) {
                let table = stream.table;
                let more = conn.client.borrow_mut().next_rows(
                    &mut stream.rows,
                    rows,
                    STREAM_BATCH,
                    &mut stream.failed,
                );
                if !matches!(more, Ok(true)) {
                    *live = None;
                }
                return match more {
                    Ok(more) => Ok(more || !rows.is_empty()),
                    Err(err) => Err(classify_postgres(err, table)),
                };
            }
        }
        let mut spilled = conn.spilled.borrow_mut();
        let Some(at) = spilled.iter().position(|s| s.number == self.number) else {
            return Ok(false);
        };
        if !spilled[at].rows.is_empty() {
            *rows = std::mem::take(&mut spilled[at].rows);
            return Ok(true);
        }
        match spilled.swap_remove(at).error {
            Some(err) => Err(err),
            None => Ok(false),
        }
    }
}

impl Drop for StreamRef<'_> {
    fn drop(&mut self) {
        // A stream dropped early: its rows on the wire are discarded by the
        // connection as it reads on; rows read into memory are freed.
        let mut live = self.conn.live.borrow_mut();
        if live.as_ref().is_some_and(|l| l.number == self.number) {
            *live = None;
        }
        self.conn
            .spilled
            .borrow_mut()
            .retain(|s| s.number != self.number);
    }
}

impl PgRows<'_> {
    /// The next row: one of those held, inlined into the caller's loop; the
    /// stream's next batch when they are read.
    #[inline]
    pub(crate) fn next(&mut self) -> Result<Option<&Row>> {
        if self.next >= self.rows.len() && !self.fetch()? {
            return Ok(None);
        }
        let row = self.rows.get(self.next);
        self.next += 1;
        Ok(row)
    }

    /// Reads the stream's next batch; `false` after the last row.
    #[inline(never)]
    fn fetch(&mut self) -> Result<bool> {
        let Some(stream) = self.stream.as_mut() else {
            return Ok(false);
        };
        self.next = 0;
        let more = stream.next_batch(&mut self.rows);
        if !matches!(more, Ok(true)) {
            // Ended (or failed): nothing more to read.
            self.stream = None;
        }
        more
    }
}

/// Column `index` of `row`, as the value SQLite would hold.
pub(crate) fn value(row: &Row, index: usize) -> std::result::Result<ColumnValue<'_>, ColumnError> {
    row.try_get::<_, PgValue<'_>>(index)
        .map(|v| v.0)
        .map_err(column_error)
}

/// Column `index` of `row` read straight into `T` ([`FromColumn::from_pg`]).
#[inline]
pub(crate) fn read<T: FromColumn>(row: &Row, index: usize) -> std::result::Result<T, ColumnError> {
    match row.try_get::<_, Field<T>>(index) {
        Ok(Field(field)) => field,
        Err(err) => Err(column_error(err)),
    }
}

#[cold]
fn column_error(err: tokio_postgres::Error) -> ColumnError {
    use std::error::Error as _;
    ColumnError::new(
        err.source()
            .map_or_else(|| err.to_string(), ToString::to_string),
    )
}

#[cfg(test)]
mod tests {
    use super::{transaction_effect, Effect};

    #[test]
    fn a_batch_says_what_it_does_to_the_transaction() {
        let cases = [
            ("BEGIN", Effect::Opens),
            ("  begin isolation level serializable ", Effect::Opens),
            ("START TRANSACTION;", Effect::Opens),
            ("COMMIT", Effect::Closes),
            ("end;", Effect::Closes),
            ("ROLLBACK", Effect::Closes),
            ("ABORT", Effect::Closes),
            ("PREPARE TRANSACTION 'tx1'", Effect::Closes),
            ("PREPARE q AS SELECT 1", Effect::Keeps),
            ("ROLLBACK TO litemodel_flush", Effect::Keeps),
            ("ROLLBACK TRANSACTION TO SAVEPOINT sp", Effect::Keeps),
            ("SAVEPOINT litemodel_flush", Effect::Keeps),
            ("COMMIT AND CHAIN", Effect::Unknown),
            ("ROLLBACK AND NO CHAIN", Effect::Unknown),
            ("INSERT INTO t VALUES (1)", Effect::Keeps),
            (
                "INSERT INTO t VALUES (1); INSERT INTO t VALUES (2);",
                Effect::Keeps,
            ),
            ("BEGIN; INSERT INTO t VALUES (1)", Effect::Unknown),
            ("BEGIN; INSERT INTO t VALUES (1); COMMIT;", Effect::Unknown),
            ("INSERT INTO t VALUES (1);\nCOMMIT", Effect::Unknown),
            ("", Effect::Keeps),
        ];
        for (sql, effect) in cases {
            assert_eq!(transaction_effect(sql), effect, "{sql:?}");
        }
    }
}
