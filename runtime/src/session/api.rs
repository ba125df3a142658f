//! [`Session`]: the unit of work's public face.

use super::*;

/// A unit of work over a [`Database`] (SQLAlchemy's `db.session`).
///
/// Objects are plain values: [`add`](Session::add) moves one in and returns
/// its [`Key`]; `session[key]` reads or changes it. [`commit`](Session::commit)
/// writes everything in one transaction: new objects are inserted parents
/// first with their foreign keys filled in, changed ones updated, deleted
/// ones deleted; ids are readable afterwards. If the commit fails, the
/// database and the session are left as they were, so the objects can be
/// fixed and committed again.
///
/// Dropping a session rolls back what it has not committed, unless
/// [`commit_on_drop`](Session::commit_on_drop) was asked for.
///
/// The session holds one object per row (its identity map):
/// [`load`](Session::load) runs a query through it and returns keys,
/// flushing pending changes first (autoflush; opt out for a block with
/// [`no_autoflush`](Session::no_autoflush)), and [`find`](Session::find) reads
/// a held row without a statement. A query run with `&session` cannot flush;
/// it returns the session's changed objects in place of their rows. See
/// `docs/session.md`.
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
/// let mut db = Database::open_in_memory()?;
/// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT UNIQUE)")?;
/// let mut session = db.session();
/// let rust = session.add(Tag { id: None, label: "rust".into() });
/// session.commit()?;
/// assert_eq!(session[rust].id, Some(1));
///
/// session[rust].label = "Rust".into();
/// session.commit()?; // UPDATE
/// assert_eq!(Query::<Tag>::new().one(&session)?.label, "Rust");
/// # Ok(()) }
/// ```
pub struct Session<'db> {
    pub(super) db: &'db mut Database,
    pub(super) id: SessionId,
    pub(super) stores: Vec<Option<Box<dyn Store>>>,
    pub(super) types: IdMap<TypeId, usize>,
    /// The model last looked up in `types`, and its position: a run of
    /// `add`s or `session[key]`s of one model hashes nothing.
    last_store: Cell<Option<(TypeId, usize)>>,
    commit_on_drop: bool,
    /// Above zero inside [`Session::no_autoflush`].
    pub(super) autoflush_paused: u32,
    /// Many-to-many association rows to write or delete at the next flush.
    pub(super) links: Vec<PendingLink>,
    /// Those the flushes of the current transaction wrote, pending again if
    /// it rolls back.
    pub(super) tx_links: Vec<PendingLink>,
    /// Set while the generated cascades run: they borrow objects mutably
    /// only to take the collections' appended and removed objects, which
    /// equality ignores, so those borrows take no snapshot.
    cascading: bool,
}

impl fmt::Debug for Session<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let tables: Vec<&str> = self.stores.iter().flatten().map(|s| s.table()).collect();
        f.debug_struct("Session")
            .field("tables", &tables)
            .field("commit_on_drop", &self.commit_on_drop)
            .finish()
    }
}

impl<'db> Session<'db> {
    pub(crate) fn new(db: &'db mut Database) -> Self {
        Session {
            db,
            id: next_session_id(),
            stores: Vec::new(),
            types: IdMap::default(),
            last_store: Cell::new(None),
            commit_on_drop: false,
            autoflush_paused: 0,
            links: Vec::new(),
            tx_links: Vec::new(),
            cascading: false,
        }
    }

    /// Commits instead of rolling back when the session is dropped
    /// (`SQLALCHEMY_COMMIT_ON_TEARDOWN`). A commit failing on drop cannot be
    /// returned: it is logged at `error` level and rolled back. Prefer
    /// [`Database::transaction`] where the error matters.
    #[must_use]
    pub fn commit_on_drop(mut self) -> Self {
        self.commit_on_drop = true;
        self
    }

    /// The database this session works on.
    pub fn database(&self) -> &Database {
        self.db
    }

    /// Where `M`'s store is in `stores`.
    #[inline]
    fn position<M: Model>(&self) -> Option<usize> {
        let type_id = TypeId::of::<M>();
        if let Some((last, position)) = self.last_store.get() {
            if last == type_id {
                return Some(position);
            }
        }
        let position = *self.types.get(&type_id)?;
        self.last_store.set(Some((type_id, position)));
        Some(position)
    }

    #[inline]
    pub(super) fn store<M: Model>(&self) -> Option<&TypedStore<M>> {
        let position = self.position::<M>()?;
        let store: &dyn Store = self.stores.get(position)?.as_deref()?;
        (store as &dyn Any).downcast_ref()
    }

    pub(super) fn store_mut<M: Model>(&mut self) -> Option<&mut TypedStore<M>> {
        let position = self.position::<M>()?;
        let store: &mut dyn Store = self.stores.get_mut(position)?.as_deref_mut()?;
        (store as &mut dyn Any).downcast_mut()
    }

    pub(super) fn store_or_create<M: Model>(&mut self) -> &mut TypedStore<M> {
        let position = match self.position::<M>() {
            Some(position) => position,
            None => *self.types.entry(TypeId::of::<M>()).or_insert_with(|| {
                self.stores.push(Some(Box::new(TypedStore::<M>::new())));
                self.stores.len() - 1
            }),
        };
        let store = self.stores[position] // ok: positions come from `types`
            .as_deref_mut()
            .and_then(|s| (s as &mut dyn Any).downcast_mut::<TypedStore<M>>());
        match store {
            Some(store) => store,
            // Unreachable: stores are only taken out during a flush, which
            // holds `&mut self`, and each TypeId maps to its own store type.
            None => unreachable!("session store for {} is missing", M::TABLE),
        }
    }

    pub(super) fn key<M>(&self, index: usize) -> Key<M> {
        Key {
            index: index_u32(index),
            session: self.id,
            marker: PhantomData,
        }
    }

    /// Puts `object` in the session and returns its key.
    ///
    /// Without an id it is inserted by the next flush; with one it is
    /// written with an UPDATE of every column (the session does not know
    /// what changed; [`attach`](Session::attach) a loaded object to write
    /// only its changes), or, if the table does not hold that id, inserted
    /// under it as a new object (defaults applied, no `onupdate`, server
    /// defaults read back). Adding an object whose id the session already
    /// holds replaces that object and returns the same key; the next flush
    /// writes the columns that differ.
    pub fn add<M: Model>(&mut self, object: M) -> Key<M> {
        let store = self.store_or_create::<M>();
        if let Some(id) = object.primary_key() {
            if let Some(&index) = store.identity().get(&id) {
                if let Some(entry) = store.entries[index as usize].as_mut() {
                    entry.replace(object);
                    if entry.state == State::Gone {
                        entry.mark_clean();
                        entry.sync = Sync::Unknown;
                    }
                    entry.state = State::Persistent;
                    return self.key(index as usize);
                }
            }
        }
        let index = store.entries.len();
        let state = if object.primary_key().is_some() {
            State::Persistent
        } else {
            State::New
        };
        if let Some(id) = object.primary_key() {
            store.identity().insert(id, index_u32(index));
        }
        store.entries.push(Some(Entry::new(object, state)));
        self.key(index)
    }

    /// Puts every object of `objects` in the session, each as
    /// [`add`](Session::add) puts one (SQLAlchemy's `session.add_all`), and
    /// returns their keys in order. The session makes room for them at once.
    ///
    /// ```
    /// # use litemodel::{Binder, Database, Model, Result, Row};
    /// # #[derive(Clone, PartialEq)] struct Tag { id: Option<i64>, label: String }
    /// # impl Model for Tag {
    /// #   const TABLE: &'static str = "tags";
    /// #   const COLUMNS: &'static [&'static str] = &["id", "label"];
    /// #   const PRIMARY_KEY: &'static str = "id";
    /// #   fn primary_key(&self) -> Option<i64> { self.id }
    /// #   fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
    /// #   fn from_row(row: &Row<'_>) -> Result<Self> { Ok(Tag { id: row.get(0)?, label: row.get(1)? }) }
    /// #   fn bind(&self, binder: &mut Binder<'_, '_>) -> Result<()> { binder.bind(&self.label) }
    /// # }
    /// # fn main() -> Result<()> {
    /// # let mut db = Database::open_in_memory()?;
    /// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT UNIQUE)")?;
    /// let mut session = db.session();
    /// let tags = session.add_all(["rust", "sql"].map(|label| Tag { id: None, label: label.into() }));
    /// session.commit()?; // BEGIN, INSERT, INSERT, COMMIT
    /// assert_eq!(session[tags[1]].id, Some(2));
    /// # Ok(()) }
    /// ```
    pub fn add_all<M: Model>(&mut self, objects: impl IntoIterator<Item = M>) -> Vec<Key<M>> {
        let objects = objects.into_iter();
        let (expected, _) = objects.size_hint();
        self.store_or_create::<M>().entries.reserve(expected);
        let mut keys = Vec::with_capacity(expected);
        keys.extend(objects.map(|object| self.add(object)));
        keys
    }

    /// Puts an object just loaded from the database into the session as its
    /// row stands: nothing is written for it unless it is changed through
    /// its key, and then only the changed columns (a column another process
    /// changes meanwhile keeps that change). An object the session holds
    /// under the same id already stays as the session has it (the identity
    /// map wins, as in SQLAlchemy); its key is returned. Use
    /// [`add`](Session::add) for an object changed before it is handed over:
    /// `attach` would take the changes for the stored row and never write
    /// them.
    ///
    /// An object without id is added as with [`add`](Session::add).
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
    /// let mut db = Database::open_in_memory()?;
    /// # db.execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT); INSERT INTO tags VALUES (1, 'rust')")?;
    /// let tag = Query::<Tag>::new().one(&db)?;
    /// let mut session = db.session();
    /// let key = session.attach(tag);
    /// session.commit()?; // unchanged: no statement
    /// session[key].label = "Rust".into();
    /// session.commit()?; // UPDATE tags SET label = ?1 WHERE id = ?2
    /// # Ok(()) }
    /// ```
    pub fn attach<M: Model>(&mut self, object: M) -> Key<M> {
        let Some(id) = object.primary_key() else {
            return self.add(object);
        };
        let store = self.store_or_create::<M>();
        if let Some(&index) = store.identity().get(&id) {
            if store
                .entries
                .get(index as usize)
                .is_some_and(Option::is_some)
            {
                return self.key(index as usize);
            }
        }
        let index = store.entries.len();
        store.identity().insert(id, index_u32(index));
        let mut entry = Entry::new(object, State::Persistent);
        entry.mark_clean();
        store.entries.push(Some(entry));
        self.key(index)
    }

    /// The object held under `key`, or `None` if the key is not from this
    /// session or the object was expunged.
    pub fn get<M: Model>(&self, key: Key<M>) -> Option<&M> {
        if key.session != self.id {
            return None;
        }
        let entry = self
            .store::<M>()?
            .entries
            .get(key.index as usize)?
            .as_ref()?;
        Some(&entry.value)
    }

    /// The object held under `key`, mutably; changes are written by the next
    /// flush.
    pub fn get_mut<M: Model>(&mut self, key: Key<M>) -> Option<&mut M> {
        if key.session != self.id {
            return None;
        }
        let cascading = self.cascading;
        let entry = self
            .store_mut::<M>()?
            .entries
            .get_mut(key.index as usize)?
            .as_mut()?;
        if cascading {
            return Some(&mut entry.value);
        }
        Some(entry.value_mut())
    }

    /// Removes the object from the session and returns it; nothing is
    /// written for it any more.
    pub fn expunge<M: Model>(&mut self, key: Key<M>) -> Option<M> {
        if key.session != self.id {
            return None;
        }
        let store = self.store_mut::<M>()?;
        let entry = store.entries.get_mut(key.index as usize)?.take()?;
        if let Some(id) = entry.value.primary_key() {
            store.identity().remove(&id);
        }
        Some(entry.value)
    }

    /// Marks an object for deletion by the next flush: a key, or a loaded
    /// object (`db.session.delete(obj)`). A pending object that was never
    /// inserted is simply expunged.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a key of another session,
    /// [`Error::NotPersistent`] for an object without id.
    pub fn delete<T: Target>(&mut self, target: T) -> Result<()> {
        let table = T::Model::TABLE;
        match target.into_target() {
            TargetKind::Key(key) => {
                let state = self
                    .get(key)
                    .and_then(|_| self.store::<T::Model>())
                    .and_then(|s| s.entries.get(key.index as usize)?.as_ref())
                    .map(|e| e.state)
                    .ok_or(Error::InvalidKey { table })?;
                match state {
                    State::New => {
                        self.expunge(key);
                    }
                    State::Persistent => {
                        if let Some(entry) = self
                            .store_mut::<T::Model>()
                            .and_then(|s| s.entries.get_mut(key.index as usize)?.as_mut())
                        {
                            entry.state = State::Deleted;
                        }
                    }
                    State::Deleted | State::Gone => {}
                }
                Ok(())
            }
            TargetKind::Object(object) => {
                if object.primary_key().is_none() {
                    return Err(Error::NotPersistent { table });
                }
                let key = self.add(object);
                self.delete(key)
            }
        }
    }

    /// Writes pending changes inside the session's transaction (opened if
    /// needed) without committing. Runs no statement when nothing changed.
    ///
    /// # Errors
    ///
    /// A constraint violation ([`Error::UniqueViolation`], ...),
    /// [`Error::UnsavedParent`], [`Error::DependencyCycle`],
    /// [`Error::StaleObject`] or [`Error::Sqlite`]. On error the flush is
    /// undone in the database and in the session.
    pub fn flush(&mut self) -> Result<()> {
        self.run_cascades()?;
        let mut tx = FlushTx::default();
        let result = self.flush_stores(&mut tx);
        let db: &Database = self.db;
        match (result, tx.opened) {
            (Ok(()), opened) => {
                if opened == Some(false) {
                    db.execute(db.dialect().release_flush_savepoint(), None)?;
                }
                self.each_store(|s| s.finish_flush());
                let written = std::mem::take(&mut self.links);
                self.tx_links.extend(written);
                Ok(())
            }
            (Err(err), None) => {
                self.each_store(|s| s.abort_flush());
                Err(err)
            }
            // SQLite rolls the whole transaction back by itself on some
            // errors (a trigger's RAISE(ROLLBACK), an interrupt, some I/O
            // errors): nothing is left to undo in the database, and the
            // objects go back to how they were before the transaction.
            (Err(err), Some(_)) if !db.in_transaction_now() => {
                self.each_store(|s| s.abort_transaction());
                self.restore_links();
                Err(err)
            }
            // The objects are restored first, so that they match the
            // database even if undoing it fails too.
            (Err(err), Some(true)) => {
                self.each_store(|s| {
                    s.abort_flush();
                    s.finish_transaction();
                });
                self.restore_links();
                self.db.execute(self.db.dialect().rollback(), None)?;
                Err(err)
            }
            (Err(err), Some(false)) => {
                self.each_store(|s| s.abort_flush());
                let d = self.db.dialect();
                self.db.execute(d.rollback_to_flush_savepoint(), None)?;
                self.db.execute(d.release_flush_savepoint(), None)?;
                Err(err)
            }
        }
    }

    /// Runs the cascades of every live object, until they add no more objects.
    fn run_cascades(&mut self) -> Result<()> {
        loop {
            let jobs: Vec<CascadeJob> = self
                .stores
                .iter()
                .flatten()
                .flat_map(|store| store.cascade_jobs(self.id))
                .collect();
            let before = self.object_count();
            self.cascading = true;
            let ran = jobs.into_iter().try_for_each(|job| job(self));
            self.cascading = false;
            ran?;
            if self.object_count() == before {
                return Ok(());
            }
        }
    }

    fn object_count(&self) -> usize {
        self.stores.iter().flatten().map(|store| store.len()).sum()
    }

    fn each_store(&mut self, mut f: impl FnMut(&mut dyn Store)) {
        for store in self.stores.iter_mut().flatten() {
            f(store.as_mut());
        }
    }

    fn flush_stores(&mut self, tx: &mut FlushTx) -> Result<()> {
        let db: &Database = self.db;
        // Inserts, parents first: every pass inserts the objects whose
        // parents have ids, until none wait.
        loop {
            let (mut inserted, mut waiting, mut waiting_table) = (0, 0, "");
            for position in 0..self.stores.len() {
                let Some(mut store) = self.stores[position].take() else {
                    continue;
                };
                let ctx = LinkCtx::new(self.id, &self.stores, &self.types);
                let result = store.insert_ready(db, &ctx, tx);
                let table = store.table();
                self.stores[position] = Some(store);
                let (done, left) = result?;
                inserted += done;
                waiting += left;
                if left > 0 && waiting_table.is_empty() {
                    waiting_table = table;
                }
            }
            if waiting == 0 {
                break;
            }
            if inserted == 0 {
                return Err(Error::DependencyCycle {
                    table: waiting_table,
                });
            }
        }
        // The `post_update` keys the INSERTs left NULL, now that every
        // parent has an id (docs/session.md, Post-updates).
        for position in 0..self.stores.len() {
            let Some(mut store) = self.stores[position].take() else {
                continue;
            };
            let ctx = LinkCtx::new(self.id, &self.stores, &self.types);
            let result = store.write_post_updates(db, &ctx, tx);
            self.stores[position] = Some(store);
            result?;
        }
        for position in 0..self.stores.len() {
            let Some(mut store) = self.stores[position].take() else {
                continue;
            };
            let ctx = LinkCtx::new(self.id, &self.stores, &self.types);
            let result = store.update_dirty(db, &ctx, tx);
            self.stores[position] = Some(store);
            result?;
        }
        // Association rows once both sides have ids, before deletes (which
        // delete the association rows of what they delete).
        if !self.links.is_empty() {
            let ctx = LinkCtx::new(self.id, &self.stores, &self.types);
            for link in &self.links {
                ctx.write_link(db, tx, link)?;
            }
        }
        // Rows deleted together may reference each other: `post_update`
        // keys are cleared before the first DELETE.
        for store in self.stores.iter_mut().flatten() {
            store.clear_post_updates(db, tx)?;
        }
        for store in self.stores.iter_mut().flatten() {
            store.delete_marked(db, tx)?;
        }
        Ok(())
    }

    /// Makes the association rows the rolled-back transaction wrote pending
    /// again, before those still waiting.
    fn restore_links(&mut self) {
        let waiting = std::mem::take(&mut self.links);
        self.links = std::mem::take(&mut self.tx_links);
        self.links.extend(waiting);
    }

    /// Flushes and commits the transaction (`db.session.commit()`).
    ///
    /// # Errors
    ///
    /// As for [`Session::flush`]; also a deferred foreign-key violation
    /// found at COMMIT. Either way the database and the session's objects
    /// are as they were before the commit.
    pub fn commit(&mut self) -> Result<()> {
        self.flush()?;
        let db: &Database = self.db;
        if db.in_transaction_now() {
            if let Err(err) = db.execute(db.dialect().commit(), None) {
                self.each_store(|s| s.abort_transaction());
                self.restore_links();
                if self.db.in_transaction_now() {
                    self.db.execute(self.db.dialect().rollback(), None)?;
                }
                return Err(err);
            }
        }
        self.each_store(|s| s.finish_transaction());
        self.tx_links.clear();
        Ok(())
    }

    /// Rolls the transaction back and empties the session (SQLAlchemy
    /// expunges new objects and expires loaded ones; plain values cannot be
    /// expired, so every object goes and every key stops working).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] if ROLLBACK fails.
    pub fn rollback(&mut self) -> Result<()> {
        self.stores.clear();
        self.types.clear();
        self.last_store.set(None);
        self.links.clear();
        self.tx_links.clear();
        self.id = next_session_id();
        if self.db.in_transaction_now() {
            self.db.execute(self.db.dialect().rollback(), None)?;
        }
        Ok(())
    }
}

impl<M: Model> Index<Key<M>> for Session<'_> {
    type Output = M;

    /// # Panics
    ///
    /// When the key is not from this session or its object was expunged;
    /// use [`Session::get`] to check.
    fn index(&self, key: Key<M>) -> &M {
        match self.get(key) {
            Some(object) => object,
            None => panic!("{key:?} does not belong to this session"),
        }
    }
}

impl<M: Model> IndexMut<Key<M>> for Session<'_> {
    fn index_mut(&mut self, key: Key<M>) -> &mut M {
        match self.get_mut(key) {
            Some(object) => object,
            None => panic!("{key:?} does not belong to this session"),
        }
    }
}

impl Drop for Session<'_> {
    fn drop(&mut self) {
        if self.commit_on_drop {
            if let Err(err) = self.commit() {
                log::error!(target: "litemodel", "commit on drop failed, rolling back: {err}");
            }
        }
        if self.db.in_transaction_now() {
            if let Err(err) = self.db.execute(self.db.dialect().rollback(), None) {
                log::error!(target: "litemodel", "rollback on drop failed: {err}");
            }
        }
    }
}

impl Executor for Session<'_> {
    fn database(&self) -> &Database {
        self.db
    }

    fn begin_write(&self) -> Result<()> {
        if !self.db.in_transaction_now() {
            self.db.execute(self.db.dialect().begin_write(), None)?;
        }
        Ok(())
    }

    fn session_object<M: Model>(&self, key: Key<M>) -> Option<&M> {
        self.get(key)
    }

    fn identity_object<M: Model>(&self, id: i64) -> Option<&M> {
        self.identity_entry::<M>(id).map(|entry| &entry.value)
    }

    fn use_identity<M: Model>(&self, rows: &mut [M]) {
        self.put_identity(rows);
    }
}
