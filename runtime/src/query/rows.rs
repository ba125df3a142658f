//! Reading rows one at a time: [`Getter`] (lookups by key on one held
//! statement), [`Stream`] and [`StreamIter`], and [`Page`].

use super::*;

/// Lookups by primary key on one held statement, for loops that fetch many
/// objects by id.
///
/// [`Query::get`] (`User::get(db, id)`) takes its prepared statement from the
/// connection's slots on every call (one hash of the model's type, no SQL
/// text); a `Getter` takes it once and keeps it until dropped, as
/// hand-written rusqlite code keeps its statement.
///
/// ```
/// # use litemodel::{Binder, Database, Getter, Model, Result, Row};
/// # #[derive(Clone, PartialEq)] struct Tag { id: Option<i64>, label: String }
/// # impl Model for Tag {
/// #   const TABLE: &'static str = "tags";
/// #   const COLUMNS: &'static [&'static str] = &["id", "label"];
/// #   const PRIMARY_KEY: &'static str = "id";
/// #   fn primary_key(&self) -> Option<i64> { self.id }
/// #   fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
/// #   fn from_row(row: &Row<'_>) -> Result<Self> { Ok(Tag { id: row.get(0)?, label: row.get(1)? }) }
/// #   fn bind(&self, b: &mut Binder<'_, '_>) -> Result<()> { b.bind(&self.label) }
/// # }
/// # fn main() -> Result<()> {
/// let db = Database::open_in_memory()?;
/// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT); INSERT INTO tags (label) VALUES ('a'), ('b')")?;
/// let mut tags = Getter::<Tag>::new(&db)?;
/// let mut labels = Vec::new();
/// for id in [2, 1, 7] {
///     if let Some(tag) = tags.get(id)? {
///         labels.push(tag.label);
///     }
/// }
/// assert_eq!(labels, ["b", "a"]);
/// # Ok(()) }
/// ```
pub struct Getter<'c, M> {
    db: &'c Database,
    stmt: Stmt<'c>,
    marker: PhantomData<fn() -> M>,
}

impl<'c, M: Model> Getter<'c, M> {
    /// Prepares `SELECT <columns> FROM <table> WHERE <key> = ?1` on `conn` (a
    /// database, or a session to read inside its transaction).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the statement does not prepare (no such table).
    pub fn new<E: Executor>(conn: &'c E) -> Result<Self> {
        let db = conn.database();
        let stmt = db.prepare_model::<M>(ModelStatement::SelectByKey)?;
        Ok(Getter {
            db,
            stmt,
            marker: PhantomData,
        })
    }

    /// The object whose primary key is `id`, if there is one.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a row that does not fit `M`, [`Error::Sqlite`]
    /// for a failing statement.
    pub fn get(&mut self, id: i64) -> Result<Option<M>> {
        self.stmt.bind_int(1, id)?;
        self.db.note(&self.stmt);
        let mut rows = self.stmt.query_single()?;
        match rows.next()? {
            Some(row) => M::from_row(&Row::new::<M>(row)).map(Some),
            None => Ok(None),
        }
    }
}

/// `User::get(db, id)` of a model whose `query()` has no loading options: the
/// session's object when it holds the row, otherwise one run of the model's
/// fixed `SELECT ... WHERE <key> = ?1` (what `Query::get` does, without
/// building a query).
///
/// # Errors
///
/// As for [`Getter::get`].
#[doc(hidden)]
#[inline]
pub fn get_by_key<M: Model, E: Executor>(conn: &E, id: i64) -> Result<Option<M>> {
    if let Some(held) = conn.identity_object::<M>(id) {
        return Ok(Some(held.clone()));
    }
    // What `Getter::new(conn)?.get(id)` does, written out: through the
    // getter it is not inlined, ~150 more instructions a lookup (callgrind).
    let db = conn.database();
    let mut stmt = db.prepare_model::<M>(ModelStatement::SelectByKey)?;
    stmt.bind_int(1, id)?;
    db.note(&stmt);
    // A key names one row at most: read without collecting a result.
    let mut rows = stmt.query_single()?;
    match rows.next()? {
        Some(row) => M::from_row(&Row::new::<M>(row)).map(Some),
        None => Ok(None),
    }
}

impl<M> fmt::Debug for Getter<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Getter")
            .field("sql", &self.stmt.expanded_sql())
            .field("table", &self.stmt.table())
            .finish()
    }
}

/// A query ready to be read row by row; see [`Query::stream`].
pub struct Stream<'c, M> {
    pub(super) stmt: Stmt<'c>,
    pub(super) db: &'c Database,
    pub(super) marker: PhantomData<fn() -> M>,
}

impl<M: Model> Stream<'_, M> {
    /// Runs the statement and iterates over its rows, decoding one at a time.
    ///
    /// ```
    /// # use litemodel::{Binder, Database, Model, Query, Result, Row};
    /// # #[derive(Clone, PartialEq)] struct Tag { id: Option<i64> }
    /// # impl Model for Tag {
    /// #   const TABLE: &'static str = "tags";
    /// #   const COLUMNS: &'static [&'static str] = &["id"];
    /// #   const PRIMARY_KEY: &'static str = "id";
    /// #   fn primary_key(&self) -> Option<i64> { self.id }
    /// #   fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
    /// #   fn from_row(row: &Row<'_>) -> Result<Self> { Ok(Tag { id: row.get(0)? }) }
    /// #   fn bind(&self, _: &mut Binder<'_, '_>) -> Result<()> { Ok(()) }
    /// # }
    /// # fn main() -> Result<()> {
    /// # let db = Database::open_in_memory()?;
    /// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY); INSERT INTO tags DEFAULT VALUES;")?;
    /// let mut stream = Query::<Tag>::new().stream(&db)?;
    /// for tag in stream.iter() {
    ///     assert_eq!(tag?.id, Some(1));
    /// }
    /// # Ok(()) }
    /// ```
    pub fn iter(&mut self) -> StreamIter<'_, M> {
        let rows = self.db.query_streaming(&mut self.stmt);
        let (rows, error) = match rows {
            Ok(rows) => (Some(rows), None),
            Err(err) => (None, Some(err)),
        };
        StreamIter {
            rows,
            error,
            done: false,
            marker: PhantomData,
        }
    }
}

/// The rows of a [`Stream`], decoded one at a time.
///
/// On PostgreSQL the server sends the rows without waiting and they are
/// taken as they arrive, at most 4,000 at a time, so memory stays flat however
/// many rows the query returns. Until the last row is read the stream holds
/// the connection: another statement run on it meanwhile first reads the rest
/// of the stream into memory (docs/postgresql.md).
pub struct StreamIter<'s, M> {
    rows: Option<Rows<'s>>,
    /// A failure to start the query, reported by the first `next`.
    error: Option<Error>,
    done: bool,
    marker: PhantomData<fn() -> M>,
}

impl<M> StreamIter<'_, M> {
    /// The failure to start the query, once.
    #[cold]
    #[inline(never)]
    fn fail(&mut self) -> Option<Result<M>> {
        self.done = true;
        self.error.take().map(Err)
    }
}

impl<M: Model> Iterator for StreamIter<'_, M> {
    type Item = Result<M>;

    fn next(&mut self) -> Option<Result<M>> {
        if self.done {
            return None;
        }
        if self.error.is_some() {
            return self.fail();
        }
        let rows = self.rows.as_mut()?;
        match rows.next() {
            Ok(Some(row)) => Some(M::from_row(&Row::new::<M>(row))),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

/// One page of results (Flask-SQLAlchemy's `Pagination`).
#[derive(Debug, Clone, PartialEq)]
pub struct Page<M> {
    /// The rows of this page.
    pub items: Vec<M>,
    /// The number of matching rows on all pages.
    pub total: u64,
    /// This page's number, from 1.
    pub page: u64,
    /// The page size asked for.
    pub per_page: u64,
}

impl<M> Page<M> {
    /// The number of pages (0 when nothing matches).
    pub fn pages(&self) -> u64 {
        self.total.div_ceil(self.per_page)
    }

    /// Whether a next page exists.
    pub fn has_next(&self) -> bool {
        self.page < self.pages()
    }

    /// Whether a previous page exists.
    pub fn has_prev(&self) -> bool {
        self.page > 1
    }

    /// The next page number, if there is one.
    pub fn next_num(&self) -> Option<u64> {
        self.has_next().then_some(self.page + 1)
    }

    /// The previous page number, if there is one.
    pub fn prev_num(&self) -> Option<u64> {
        self.has_prev().then_some(self.page - 1)
    }
}
