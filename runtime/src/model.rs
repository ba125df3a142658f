//! The trait generated models implement, and the row and parameter adapters
//! their generated code reads from and binds to.

use std::any::TypeId;
use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use crate::conn::{Engine, RawRow, Stmt};
use crate::database::Database;
use crate::error::{Error, Result};
use crate::idmap::IdMap;
use crate::session::{Key, Links, Session};
use crate::sql::TableDef;
use crate::types::{ColumnError, ColumnValue, FromColumn, ToColumn};

/// A table-backed type: what the generator emits for every model of the spec.
///
/// The integer primary key is an `Option<i64>`: `None` until the row is
/// inserted (Python's `None` before commit), then the rowid SQLite assigned.
/// See `docs/generated-code.md` for the exact shape of an implementation.
///
/// ```
/// use litemodel::{Binder, Model, Result, Row};
///
/// #[derive(Clone, PartialEq)]
/// struct Tag { id: Option<i64>, label: String }
///
/// impl Model for Tag {
///     const TABLE: &'static str = "tags";
///     const COLUMNS: &'static [&'static str] = &["id", "label"];
///     const PRIMARY_KEY: &'static str = "id";
///     fn primary_key(&self) -> Option<i64> { self.id }
///     fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
///     fn from_row(row: &Row<'_>) -> Result<Self> {
///         Ok(Tag { id: row.get(0)?, label: row.get(1)? })
///     }
///     fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> {
///         binder.bind(&self.label)
///     }
/// }
/// assert_eq!(Tag::TABLE, "tags");
/// ```
pub trait Model: Clone + PartialEq + Send + Sized + 'static {
    /// The table name, unquoted.
    const TABLE: &'static str;
    /// Every column, in declaration order (the order of `from_row`).
    const COLUMNS: &'static [&'static str];
    /// The integer primary key column; one of `COLUMNS`. A model identified
    /// by its rowid (a key that is not one integer column) names its key
    /// columns and their PostgreSQL types instead, `rowid of "follows"
    /// ("follower_id" INTEGER, "followed_id" INTEGER)`: SQLite reads the
    /// rowid, PostgreSQL the key columns packed into one integer (see
    /// `docs/postgresql.md`). The derive writes it.
    const PRIMARY_KEY: &'static str;

    /// The primary key, `None` while the object is not inserted.
    fn primary_key(&self) -> Option<i64>;

    /// Sets the primary key (the session fills it after INSERT).
    fn set_primary_key(&mut self, key: Option<i64>);

    /// Builds an object from a row holding `COLUMNS` in order.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a value does not fit its field.
    fn from_row(row: &Row<'_>) -> Result<Self>;

    /// Builds an object from a row, as [`Model::from_row`], straight into
    /// `out` (the derive builds it in place rather than moving a result).
    ///
    /// # Errors
    ///
    /// As [`Model::from_row`]; `out` is left as it was.
    #[doc(hidden)]
    #[inline]
    fn push_row(row: &Row<'_>, out: &mut Vec<Self>) -> Result<()> {
        out.push(Self::from_row(row)?);
        Ok(())
    }

    /// Binds every column except the primary key, in `COLUMNS` order.
    ///
    /// # Errors
    ///
    /// A value rusqlite cannot bind.
    fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()>;

    /// A copy of the object's columns, for change tracking: the session takes
    /// one when a clean object is first borrowed mutably and compares it with
    /// the object at flush. Equality ignores relationship holders, so the
    /// derive leaves them empty here: changing a role that holds 10,000 loaded
    /// users copies the role's columns, not the users. The default clones the
    /// whole object.
    fn snapshot(&self) -> Self {
        self.clone()
    }

    /// Takes the relationships `row` has loaded that this object has not: a
    /// query through [`Session::load`] read again a row the session holds,
    /// maybe with eager loading options. Columns are left as they are (the
    /// session's object wins). The derive writes it; the default does nothing.
    #[doc(hidden)]
    fn absorb_loaded(&mut self, row: Self) {
        let _ = row;
    }

    /// Fills foreign keys from parents linked through many-to-one
    /// relationships (one `links.link(...)` call per relationship). Models
    /// without many-to-one relationships keep the default.
    ///
    /// # Errors
    ///
    /// [`Error::UnsavedParent`] when a linked parent can never get an id.
    fn link_parents(&mut self, links: &mut Links<'_>) -> Result<()> {
        let _ = links;
        Ok(())
    }

    /// Whether a many-to-one of the model has `post_update`
    /// ([`ManyToOne::with_post_update`](crate::ManyToOne::with_post_update)):
    /// only then does a flush look for keys to write after its INSERTs or
    /// clear before its DELETEs. The derive sets it.
    const POST_UPDATES: bool = false;

    /// The columns with a `server_default`, with its SQL: `(column, sql)`.
    /// An INSERT writes `COALESCE(?n, sql)` for them, so a `None` field gets
    /// the database's default, and returns the stored row after the key
    /// (`RETURNING id, <COLUMNS>`) for [`Model::read_server_defaults`]. An
    /// UPDATE keeps the stored value when the field is `None`.
    const SERVER_DEFAULTS: &'static [(&'static str, &'static str)] = &[];

    /// Reads back the `SERVER_DEFAULTS` columns of the row an INSERT returned
    /// (`row` holds `COLUMNS` in order).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a stored value does not fit its field.
    fn read_server_defaults(&mut self, row: &Row<'_>) -> Result<()> {
        let _ = row;
        Ok(())
    }

    /// Applies the columns' `default`s to the `None` fields of a new object,
    /// except those marked with `set_null` (see [`crate::ExplicitNulls`]):
    /// SQLAlchemy's column `default`, run at INSERT. The session calls it
    /// in the flush, just before the INSERT.
    fn apply_defaults(&mut self) {}

    /// Whether [`Model::apply_defaults`] changes fields. The session keeps a
    /// whole copy of such an object while it inserts it, to put it back if
    /// the commit fails.
    const INSERT_DEFAULTS: bool = false;

    /// Sets the `onupdate` columns (`last_seen = now`); the session calls it
    /// before it writes a changed object with UPDATE.
    fn before_update(&mut self) {}

    /// Whether [`Model::before_update`] changes fields. The session keeps a
    /// whole copy of such an object while it updates it, to put it back if
    /// the commit fails; other models' objects are restored from their
    /// foreign keys alone.
    const ON_UPDATE: bool = false;

    /// The columns whose values differ between `self` and `before`, as
    /// positions in [`Model::bind`] order (every column but the primary
    /// key). A flush writes only these in the UPDATE of an object the session
    /// loaded or wrote before, so that a column another process changed
    /// meanwhile keeps its value (SQLAlchemy writes only changed attributes).
    ///
    /// The derive compares column by column; the default says every column
    /// changed (the whole row is written).
    ///
    /// ```
    /// # use litemodel::{ColumnSet, Model};
    /// let mut set = ColumnSet::new();
    /// set.insert(2);
    /// assert!(set.contains(2) && !set.contains(0) && set.len() == 1);
    /// ```
    fn changed_columns(&self, before: &Self) -> ColumnSet {
        let _ = before;
        ColumnSet::first(Self::COLUMNS.len().saturating_sub(1))
    }

    /// Whether [`Model::cascade`] has work to do for every object (models with
    /// collections).
    const CASCADES: bool = false;

    /// Whether [`Model::cascade`] adds new parents set on a many-to-one
    /// attribute (models with many-to-one relationships); it runs for the
    /// objects whose [`Model::has_unsaved_parents`] says so.
    const PARENT_CASCADES: bool = false;

    /// Whether a many-to-one attribute holds a new object that is in no
    /// session (`User::new(..).with_role(Role::new(..))`): the save-update
    /// cascade adds it at the next flush.
    fn has_unsaved_parents(&self) -> bool {
        false
    }

    /// The session cascades of the object under `key`, run at each flush: objects
    /// appended to its collections are added (`save-update`), objects removed from
    /// them are deleted (`delete-orphan`) or unlinked; new objects set on its
    /// many-to-one attributes are added (`save-update`) and linked by key.
    ///
    /// # Errors
    ///
    /// As for [`Session::delete`].
    fn cascade(key: Key<Self>, session: &mut Session<'_>) -> Result<()> {
        let _ = (key, session);
        Ok(())
    }

    /// Runs in the flush that deletes this object's row, just before it: the
    /// `delete` cascade deletes children, otherwise children's foreign keys are set
    /// to NULL and association rows deleted (as SQLAlchemy does).
    ///
    /// # Errors
    ///
    /// A constraint violation or [`Error::Sqlite`].
    fn before_delete(&self, db: &Database) -> Result<()> {
        let _ = db;
        Ok(())
    }
}

/// A set of column positions (in [`Model::bind`] order): what
/// [`Model::changed_columns`] returns. The first 64 need no allocation.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct ColumnSet {
    low: u64,
    /// Positions 64 and up, 64 a word; empty for most models.
    high: Vec<u64>,
}

impl ColumnSet {
    /// The empty set.
    #[must_use]
    pub const fn new() -> Self {
        ColumnSet {
            low: 0,
            high: Vec::new(),
        }
    }

    /// Positions `0..n`.
    #[must_use]
    pub fn first(n: usize) -> Self {
        let mut set = ColumnSet::new();
        for i in 0..n {
            set.insert(i);
        }
        set
    }

    /// Adds position `i`.
    #[inline]
    pub fn insert(&mut self, i: usize) {
        if i < 64 {
            self.low |= 1 << i;
        } else {
            let word = i / 64 - 1;
            if self.high.len() <= word {
                self.high.resize(word + 1, 0);
            }
            self.high[word] |= 1 << (i % 64);
        }
    }

    /// Whether position `i` is in the set.
    #[inline]
    #[must_use]
    pub fn contains(&self, i: usize) -> bool {
        if i < 64 {
            self.low & (1 << i) != 0
        } else {
            self.high
                .get(i / 64 - 1)
                .is_some_and(|word| word & (1 << (i % 64)) != 0)
        }
    }

    /// Whether no position is in the set.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.low == 0 && self.high.iter().all(|word| *word == 0)
    }

    /// The number of positions in the set.
    #[must_use]
    pub fn len(&self) -> usize {
        let high: u32 = self.high.iter().map(|word| word.count_ones()).sum();
        (self.low.count_ones() + high) as usize
    }
}

/// A model's table, columns and primary key column.
struct Names {
    table: &'static str,
    columns: &'static [&'static str],
    primary_key: &'static str,
}

fn names<M: Model>() -> Names {
    Names {
        table: M::TABLE,
        columns: M::COLUMNS,
        primary_key: M::PRIMARY_KEY,
    }
}

/// One result row, read by a generated `from_row`.
///
/// Decode failures come back as [`Error::Decode`] naming the table, column
/// and primary key of the row.
pub struct Row<'a> {
    row: RawRow<'a>,
    /// The model's table, columns and primary key, for error messages (a
    /// function, one word to set per row).
    names: fn() -> Names,
    /// Where this model's columns start in the result row (after the columns of
    /// other models in a joined SELECT).
    offset: usize,
    /// The primary key, when the caller has read it already (a joined load
    /// reads it to tell a new object from a repeated or absent one).
    key: Option<i64>,
}

impl<'a> Row<'a> {
    pub(crate) fn new<M: Model>(row: RawRow<'a>) -> Self {
        Row::at::<M>(row, 0)
    }

    /// `M`'s columns starting at result column `offset`.
    pub(crate) fn at<M: Model>(row: RawRow<'a>, offset: usize) -> Self {
        Row {
            row,
            names: names::<M>,
            offset,
            key: None,
        }
    }

    /// This row with its primary key read already: [`Row::get_key`] takes it
    /// from here instead of reading the column again.
    pub(crate) fn with_key(mut self, key: Option<i64>) -> Self {
        self.key = key;
        self
    }

    /// Reads the primary key column `index`, or takes the key read already.
    ///
    /// # Errors
    ///
    /// As [`Row::get`].
    #[doc(hidden)]
    #[inline]
    pub fn get_key<T: FromColumn>(&self, index: usize) -> Result<T> {
        match self.key {
            Some(key) => T::from_column(ColumnValue::Integer(key))
                .map_err(|source| self.decode_error(index, source)),
            None => self.get(index),
        }
    }

    /// Reads column `index` (0-based, in `COLUMNS` order).
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when the stored value does not decode into `T` (a
    /// NULL into a non-`Option`, text into an integer, an out of range
    /// integer, a malformed date, an unknown enum label); see
    /// [`FromColumn`].
    #[inline]
    pub fn get<T: FromColumn>(&self, index: usize) -> Result<T> {
        // Straight from the engine's form of the column (`from_sqlite`,
        // `from_pg`), not through a `ColumnValue`.
        let value = match self.row {
            RawRow::Sqlite(row) => match row.get_ref(self.offset + index) {
                Ok(value) => T::from_sqlite(value),
                Err(e) => Err(column_out_of_range(e)),
            },
            #[cfg(feature = "postgres")]
            RawRow::Postgres(row) => crate::conn::postgres::read(row, self.offset + index),
        };
        value.map_err(|source| self.decode_error(index, source))
    }

    #[cold]
    #[inline(never)]
    fn decode_error(&self, index: usize, source: ColumnError) -> Error {
        let names = (self.names)();
        let key = self.key.or_else(|| {
            names
                .columns
                .iter()
                .position(|c| *c == names.primary_key)
                .and_then(|i| self.row.key(self.offset + i, names.table).ok().flatten())
        });
        Error::Decode {
            table: names.table,
            column: names.columns.get(index).copied().unwrap_or("?"),
            key,
            source,
        }
    }
}

/// A column the statement does not have (a model out of step with its query).
#[cold]
#[inline(never)]
fn column_out_of_range(e: rusqlite::Error) -> ColumnError {
    ColumnError::new(e.to_string())
}

/// Binds field values, in order, straight into a prepared statement.
pub struct Binder<'a, 'conn> {
    stmt: &'a mut Stmt<'conn>,
    next: usize,
    /// Only these columns are bound (an UPDATE of the changed columns); the
    /// others are skipped without being converted.
    only: Option<&'a ColumnSet>,
    /// The position of the next [`Binder::bind`] call among the columns.
    column: usize,
    table: &'static str,
    /// Whether the engine stores values in native types ([`ToColumn::to_native`]).
    native: bool,
}

impl<'a, 'conn> Binder<'a, 'conn> {
    pub(crate) fn new(stmt: &'a mut Stmt<'conn>, table: &'static str) -> Self {
        let native = stmt.is_native();
        Binder {
            stmt,
            next: 1,
            only: None,
            column: 0,
            table,
            native,
        }
    }

    /// A binder that binds only the columns of `only` (skipping the others),
    /// to consecutive parameters.
    pub(crate) fn only(
        stmt: &'a mut Stmt<'conn>,
        table: &'static str,
        only: &'a ColumnSet,
    ) -> Self {
        let mut binder = Binder::new(stmt, table);
        binder.only = Some(only);
        binder
    }

    /// Binds `value` to the next parameter whatever the column filter (the
    /// key after the columns).
    pub(crate) fn bind_extra<T: ToColumn + ?Sized>(&mut self, value: &T) -> Result<()> {
        self.only = None;
        self.bind(value)
    }

    /// Binds `value` to the next parameter.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidValue`] when the value has no faithful stored form
    /// (see [`ToColumn`]).
    #[inline(always)]
    pub fn bind<T: ToColumn + ?Sized>(&mut self, value: &T) -> Result<()> {
        let column = self.column;
        self.column += 1;
        if self.only.is_some_and(|only| !only.contains(column)) {
            return Ok(());
        }
        let index = self.next;
        self.next += 1;
        let stored = if self.native {
            value.to_native()
        } else {
            value.to_column()
        };
        let stored = stored.map_err(|err| Error::InvalidValue {
            table: Some(self.table),
            reason: err.to_string(),
        })?;
        self.stmt.bind_column(index, &stored)
    }
}

pub(crate) use crate::sql::ModelSql;

impl ModelSql {
    /// `M`'s statements as `db`'s engine spells them, rendered once per
    /// model and engine.
    #[inline]
    pub(crate) fn of<M: Model>(db: &Database) -> &'static ModelSql {
        thread_local! {
            /// This thread's copy of the maps below (one per engine): no lock
            /// per statement.
            static LOCAL: RefCell<[IdMap<TypeId, &'static ModelSql>; 2]> = RefCell::default();
        }
        let engine = match db.engine() {
            Engine::Sqlite => 0,
            Engine::Postgres => 1,
        };
        let type_id = TypeId::of::<M>();
        let local = LOCAL.try_with(|local| local.borrow()[engine].get(&type_id).copied());
        if let Ok(Some(sql)) = local {
            return sql;
        }
        type Shared = [HashMap<TypeId, &'static ModelSql>; 2];
        static CACHE: OnceLock<Mutex<Shared>> = OnceLock::new();
        let cache = CACHE.get_or_init(Default::default);
        // A poisoned lock only means another thread panicked while inserting;
        // the map itself is still valid.
        let mut maps = cache
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let sql: &'static ModelSql = maps[engine].entry(type_id).or_insert_with(|| {
            Box::leak(Box::new(crate::sql::model_statements(
                db.dialect(),
                table_def::<M>(),
                M::SERVER_DEFAULTS,
            )))
        });
        // Fails only while the thread is exiting: then the lock serves.
        let _ = LOCAL.try_with(|local| local.borrow_mut()[engine].insert(type_id, sql));
        sql
    }
}

/// `M`'s table as the SQL seam describes it.
pub(crate) fn table_def<M: Model>() -> TableDef<'static> {
    TableDef {
        table: M::TABLE,
        columns: M::COLUMNS,
        key: M::PRIMARY_KEY,
    }
}
