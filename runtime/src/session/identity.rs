//! The identity map seen from outside: queries run through the session
//! ([`Session::load`], [`Session::find`]) with autoflush, and the session's
//! objects in place of the rows a query through `&Session` reads.

use super::*;
use crate::query::Query;

impl<M: Model> TypedStore<M> {
    /// The entry of a row a query read: the object the session holds for it
    /// already (its columns kept as they are, pending changes and all; the
    /// relationships the query loaded that it has not, taken), else the row as
    /// a new clean entry.
    pub(super) fn attach(&mut self, row: M) -> usize {
        let Some(id) = row.primary_key() else {
            // Rows always have a key; an object without one is new.
            self.entries.push(Some(Entry::new(row, State::New)));
            return self.entries.len() - 1;
        };
        if let Some(&index) = self.identity().get(&id) {
            if let Some(Some(held)) = self.entries.get_mut(index as usize) {
                // Relationships the query loaded eagerly and the held object
                // has not (holders are not compared: no snapshot needed).
                held.value.absorb_loaded(row);
                return index as usize;
            }
        }
        let index = self.entries.len();
        self.identity().insert(id, index_u32(index));
        let mut entry = Entry::new(row, State::Persistent);
        // Read from the row just now: nothing to write until it changes.
        entry.sync = Sync::Clean;
        self.entries.push(Some(entry));
        index
    }

    /// The live (persistent) entry of row `id`.
    pub(super) fn live(&self, id: i64) -> Option<&Entry<M>> {
        let index = self.index_of(id)?;
        let entry = self.entries.get(index as usize)?.as_ref()?;
        (entry.state == State::Persistent).then_some(entry)
    }
}

impl Session<'_> {
    /// Runs `query` through the session and returns the session's objects
    /// for its rows (SQLAlchemy's identity map): a row the session holds
    /// already gives that object's key, as it is, pending changes included;
    /// any other row joins the session, clean (a flush writes it only once
    /// it changes). Loading the same rows twice gives the same keys.
    ///
    /// Pending changes are flushed first (autoflush), so the query sees
    /// them, unless inside [`no_autoflush`](Session::no_autoflush). Runs the
    /// flush's statements, if any, then the query's.
    ///
    /// ```
    /// # use litemodel::{Binder, Database, Model, Query, Result, Row};
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
    /// # let mut db = Database::open_in_memory()?;
    /// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)")?;
    /// let mut session = db.session();
    /// let rust = session.add(Tag { id: None, label: "rust".into() });
    /// // Autoflush: the INSERT runs before the SELECT, which finds the tag.
    /// let keys = session.load(&Query::<Tag>::new())?;
    /// assert_eq!(keys, [rust]);
    /// # Ok(()) }
    /// ```
    ///
    /// # Errors
    ///
    /// As for [`Session::flush`] and [`Query::all`].
    pub fn load<M: Model>(&mut self, query: &Query<M>) -> Result<Vec<Key<M>>> {
        self.autoflush()?;
        let rows = query.all(&*self.db)?;
        let store = self.store_or_create::<M>();
        let indexes: Vec<usize> = rows.into_iter().map(|row| store.attach(row)).collect();
        Ok(indexes.into_iter().map(|index| self.key(index)).collect())
    }

    /// The session's object for row `id` of `M` (SQLAlchemy's
    /// `session.get(User, id)`): one the session holds already is returned
    /// without a statement; otherwise pending changes are flushed
    /// (autoflush) and the row is read with one SELECT by primary key and
    /// joins the session. `None` when there is no such row, or the session
    /// holds it as deleted.
    ///
    /// # Errors
    ///
    /// As for [`Session::flush`] and [`Query::get`].
    pub fn find<M: Model>(&mut self, id: i64) -> Result<Option<Key<M>>> {
        if let Some(store) = self.store::<M>() {
            if let Some(index) = store.index_of(id) {
                let state = store
                    .entries
                    .get(index as usize)
                    .and_then(Option::as_ref)
                    .map(|entry| entry.state);
                match state {
                    Some(State::Persistent) => return Ok(Some(self.key(index as usize))),
                    Some(State::Deleted | State::Gone) => return Ok(None),
                    Some(State::New) | None => {}
                }
            }
        }
        self.autoflush()?;
        let Some(row) = Query::<M>::new().get(&*self.db, id)? else {
            return Ok(None);
        };
        let index = self.store_or_create::<M>().attach(row);
        Ok(Some(self.key(index)))
    }

    /// Runs `f` without autoflush (SQLAlchemy's `with session.no_autoflush:`):
    /// [`load`](Session::load) and [`find`](Session::find) inside it do not
    /// flush pending changes first, so a half-built object is not written
    /// before it is complete.
    ///
    /// ```
    /// # use litemodel::{Binder, Database, Model, Query, Result, Row};
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
    /// # let mut db = Database::open_in_memory()?;
    /// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT)")?;
    /// let mut session = db.session();
    /// session.add(Tag { id: None, label: "rust".into() });
    /// let seen = session.no_autoflush(|s| s.load(&Query::<Tag>::new()))?;
    /// assert!(seen.is_empty()); // not inserted yet
    /// # Ok(()) }
    /// ```
    pub fn no_autoflush<R>(&mut self, f: impl FnOnce(&mut Self) -> R) -> R {
        self.autoflush_paused += 1;
        let result = f(self);
        self.autoflush_paused -= 1;
        result
    }

    /// Flushes before a query, unless inside [`Session::no_autoflush`].
    fn autoflush(&mut self) -> Result<()> {
        if self.autoflush_paused > 0 {
            return Ok(());
        }
        self.flush()
    }
}

impl Session<'_> {
    pub(super) fn identity_entry<M: Model>(&self, id: i64) -> Option<&Entry<M>> {
        self.store::<M>()?.live(id)
    }

    /// The session's changed objects in place of the rows read for them.
    pub(super) fn put_identity<M: Model>(&self, rows: &mut [M]) {
        let Some(store) = self.store::<M>() else {
            return;
        };
        if store.entries.is_empty() {
            return;
        }
        for row in rows {
            let Some(id) = row.primary_key() else {
                continue;
            };
            // A clean object matches its row already.
            if let Some(entry) = store.live(id).filter(|e| e.sync != Sync::Clean) {
                *row = entry.value.clone();
            }
        }
    }
}
