//! `INSERT ... ON CONFLICT DO UPDATE / DO NOTHING` for one object.

use super::*;
use crate::model::Binder;
use crate::sql::OnConflict;

/// An upsert of one object (SQLAlchemy's `insert(User).values(...)
/// .on_conflict_do_update(...)`): inserts it, or when a row with the same
/// conflict target exists, updates that row (or leaves it). Standard `ON
/// CONFLICT` SQL, for SQLite and PostgreSQL alike.
///
/// ```text
/// let id = Upsert::new(&user)
///     .on_conflict(User::USERNAME)       // default: the primary key
///     .update(User::ROLE_ID)             // default: every other column
///     .execute(&db)?;                    // Some(id) of the row written
/// ```
///
/// runs `INSERT INTO "users" ("username", "role_id") VALUES (?1, ?2) ON
/// CONFLICT ("username") DO UPDATE SET "role_id" = excluded."role_id"
/// RETURNING "id"`. The object itself is not changed and no session tracks
/// it: read the row back by the returned key. Server defaults are not
/// applied: a `None` field is written as NULL.
#[must_use = "an upsert does nothing until `execute` runs it"]
pub struct Upsert<'a, M> {
    object: &'a M,
    target: Vec<&'static str>,
    update: Vec<&'static str>,
    nothing: bool,
}

impl<M> fmt::Debug for Upsert<'_, M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Upsert")
            .field("target", &self.target)
            .field("update", &self.update)
            .field("nothing", &self.nothing)
            .finish()
    }
}

impl<'a, M: Model> Upsert<'a, M> {
    /// An upsert of `object`, its conflict target the primary key, updating
    /// every other column.
    pub fn new(object: &'a M) -> Self {
        Upsert {
            object,
            target: Vec::new(),
            update: Vec::new(),
            nothing: false,
        }
    }

    /// Adds `column` to the conflict target (a unique column or, with
    /// several calls, the columns of a unique constraint), replacing the
    /// default primary key.
    pub fn on_conflict<T>(mut self, column: Column<M, T>) -> Self {
        self.target.push(column.name());
        self
    }

    /// Updates `column` on conflict (with several calls, each), instead of
    /// every column.
    pub fn update<T>(mut self, column: Column<M, T>) -> Self {
        self.update.push(column.name());
        self
    }

    /// `DO NOTHING` on conflict: the existing row stays as it is.
    pub fn do_nothing(mut self) -> Self {
        self.nothing = true;
        self
    }

    /// Runs the statement; through a session, in its transaction. Returns the
    /// primary key of the row inserted or updated, `None` when `do_nothing`
    /// left an existing row.
    ///
    /// # Errors
    ///
    /// A constraint violation other than the conflict target
    /// ([`Error::UniqueViolation`], [`Error::NotNullViolation`], ...), or
    /// [`Error::Sqlite`] (no unique index on the conflict target).
    pub fn execute<E: Executor>(self, conn: &E) -> Result<Option<i64>> {
        let d = conn.database().dialect();
        // A key computed from the key columns is not written.
        let key = self
            .object
            .primary_key()
            .filter(|_| !crate::sql::computes_identity(d, M::PRIMARY_KEY));
        let mut columns: Vec<&str> = M::COLUMNS
            .iter()
            .copied()
            .filter(|c| *c != M::PRIMARY_KEY)
            .collect();
        if key.is_some() {
            columns.push(M::PRIMARY_KEY);
        }
        let target = if !self.target.is_empty() {
            self.target
        } else if crate::sql::is_descriptor(M::PRIMARY_KEY) {
            // A composite key: its columns are the constraint (a rowid has none).
            let key_columns = crate::sql::key_columns(M::PRIMARY_KEY);
            M::COLUMNS
                .iter()
                .copied()
                .filter(|c| key_columns.iter().any(|k| k == c))
                .collect()
        } else {
            vec![M::PRIMARY_KEY]
        };
        let update: Vec<&str> = if self.update.is_empty() {
            columns
                .iter()
                .copied()
                .filter(|c| !target.contains(c))
                .collect()
        } else {
            self.update
        };
        let action = if self.nothing {
            OnConflict::Nothing
        } else {
            OnConflict::Update(&update)
        };
        conn.begin_write()?;
        let db = conn.database();
        let sql = crate::sql::upsert(
            db.dialect(),
            M::TABLE,
            &columns,
            &target,
            action,
            Some(M::PRIMARY_KEY),
        );
        let table = Some(M::TABLE);
        let mut stmt = db.prepare(&sql, table)?;
        {
            // The fields in `COLUMNS` order, then the key: the columns' order.
            let mut binder = Binder::new(&mut stmt, M::TABLE);
            self.object.bind(&mut binder)?;
            if let Some(key) = key {
                binder.bind(&key)?;
            }
        }
        db.note(&stmt);
        let mut rows = stmt.query()?;
        match rows.next()? {
            Some(row) => Row::new::<M>(row).get(0),
            None => Ok(None),
        }
    }
}
