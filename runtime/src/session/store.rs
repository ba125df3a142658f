//! The objects of one model in a session, with the backups that undo a
//! failed flush or a rolled-back transaction.

use super::*;

/// A cascade to run on one object before a flush.
pub(super) type CascadeJob = Box<dyn for<'s, 'db> FnOnce(&'s mut Session<'db>) -> Result<()>>;

/// The type-erased side of one model's objects in a session.
pub(super) trait Store: Any {
    fn table(&self) -> &'static str;
    fn slot(&self, index: u32) -> Slot;
    /// Inserts every new object whose parents have ids; returns (inserted,
    /// still waiting).
    fn insert_ready(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<(usize, usize)>;
    fn update_dirty(&mut self, db: &Database, ctx: &LinkCtx<'_>, tx: &mut FlushTx) -> Result<()>;
    fn delete_marked(&mut self, db: &Database, tx: &mut FlushTx) -> Result<()>;
    /// Whether entry `index` was inserted by the flush under way.
    fn fresh(&self, index: u32) -> bool;
    /// Writes the `post_update` foreign keys this flush's INSERTs left NULL,
    /// one UPDATE each, and sets them in the objects.
    fn write_post_updates(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<()>;
    /// Clears the `post_update` foreign keys of the rows to delete, one
    /// UPDATE per key that is not NULL, before any DELETE.
    fn clear_post_updates(&mut self, db: &Database, tx: &mut FlushTx) -> Result<()>;
    /// One cascade job per live object, for models with cascades.
    fn cascade_jobs(&self, session: SessionId) -> Vec<CascadeJob>;
    /// The number of entries ever added (cascades stop when it stops growing).
    fn len(&self) -> usize;
    /// Undoes this flush's changes to the objects.
    fn abort_flush(&mut self);
    /// Keeps this flush's changes; remembers how objects were before the
    /// transaction.
    fn finish_flush(&mut self);
    /// Undoes the whole transaction's changes to the objects.
    fn abort_transaction(&mut self);
    /// Forgets the transaction's backups (after COMMIT).
    fn finish_transaction(&mut self);
}

/// How to put an entry back as it was before a flush or transaction.
pub(super) enum Backup<M> {
    /// The whole entry, as it was (boxed, to keep the common
    /// `Inserted` small).
    Whole(Box<Entry<M>>),
    /// A new object the flush inserted: it was `State::New` with primary key
    /// `key`, and its foreign-key fields held `TypedStore::undo[undo]` (in
    /// `link_parents` order). Nothing else of a new object changes when it is
    /// inserted (models that read server defaults back keep a `Whole` copy),
    /// so a big INSERT batch keeps no copy of its objects.
    Inserted {
        key: Option<i64>,
        undo: std::ops::Range<usize>,
    },
    /// A persistent object the flush updated, of a model without `onupdate`
    /// columns: only its foreign keys (`TypedStore::undo[undo]`) and what the
    /// session knew of its row changed.
    Updated {
        sync: Sync,
        snapshot: Option<Box<M>>,
        undo: std::ops::Range<usize>,
    },
}

pub(super) struct TypedStore<M> {
    pub(super) entries: Vec<Option<Entry<M>>>,
    /// Primary key to entry index, for objects with an id (not deleted).
    /// Built on first use after a flush inserted objects (`identity_stale`):
    /// a big insert does not pay for a map nobody reads.
    /// In a cell so that queries through `&Session` can bring it up to date
    /// (a session is not shared between threads).
    pub(super) identity: RefCell<IdMap<i64, u32>>,
    pub(super) identity_stale: Cell<bool>,
    /// Entries as they were before the current flush touched them.
    pub(super) flush_backup: Vec<(u32, Backup<M>)>,
    /// Entries as they were before the current transaction touched them, at
    /// most one per entry (a Vec, not a map: no hashing per row of a big
    /// commit).
    pub(super) tx_backup: Vec<(u32, Backup<M>)>,
    /// Whether `tx_backup` holds entry `i` already.
    pub(super) tx_backed: Vec<bool>,
    /// Foreign-key values that inserts and updates of this transaction
    /// overwrote, for `Backup::Inserted` and `Backup::Updated`.
    pub(super) undo: Vec<Option<i64>>,
    /// How many entries the store held after its last successful flush:
    /// those past it were added since, and size the next flush's backups.
    pub(super) flushed: usize,
    /// The `post_update` keys the flush under way inserted NULL (models
    /// with `Model::POST_UPDATES` only).
    pub(super) post_updates: Vec<PostUpdate>,
}

impl<M: Model> TypedStore<M> {
    pub(super) fn new() -> Self {
        TypedStore {
            entries: Vec::new(),
            identity: RefCell::new(IdMap::default()),
            identity_stale: Cell::new(false),
            flush_backup: Vec::new(),
            tx_backup: Vec::new(),
            tx_backed: Vec::new(),
            undo: Vec::new(),
            flushed: 0,
            post_updates: Vec::new(),
        }
    }

    /// Puts `backup` back into entry `index`.
    pub(super) fn restore(&mut self, index: u32, backup: Backup<M>) {
        let Some(slot) = self.entries.get_mut(index as usize) else {
            return;
        };
        match backup {
            Backup::Whole(entry) => *slot = Some(*entry),
            Backup::Inserted { key, undo } => {
                // An object expunged since stays expunged.
                if let Some(entry) = slot {
                    Self::undo_insert(entry, key, self.undo.get(undo).unwrap_or_default());
                }
            }
            Backup::Updated {
                sync,
                snapshot,
                undo,
            } => {
                if let Some(entry) = slot {
                    let values = self.undo.get(undo).unwrap_or_default();
                    Self::undo_update(entry, sync, snapshot, values);
                    entry.state = State::Persistent;
                }
            }
        }
    }

    /// Puts an updated object's foreign keys (`values`, recorded by `link`)
    /// and the session's knowledge of its row back as they were.
    pub(super) fn undo_update(
        entry: &mut Entry<M>,
        sync: Sync,
        snapshot: Option<Box<M>>,
        values: &[Option<i64>],
    ) {
        // Restoring only assigns fields: it cannot fail.
        let _ = entry
            .value
            .link_parents(&mut Links::restore(M::TABLE, values));
        entry.sync = sync;
        entry.snapshot = snapshot;
        entry.fresh = false;
    }

    /// Makes an inserted object new again: its key and foreign keys as they
    /// were (`values`, recorded by `link`), to be inserted by the next flush.
    pub(super) fn undo_insert(entry: &mut Entry<M>, key: Option<i64>, values: &[Option<i64>]) {
        // Restoring only assigns fields: it cannot fail.
        let _ = entry
            .value
            .link_parents(&mut Links::restore(M::TABLE, values));
        entry.value.set_primary_key(key);
        entry.state = State::New;
        entry.sync = Sync::Unknown;
        entry.snapshot = None;
        entry.fresh = false;
    }

    pub(super) fn rebuild_identity(&mut self) {
        Self::build_identity(&self.entries, self.identity.get_mut());
        self.identity_stale.set(false);
    }

    fn build_identity(entries: &[Option<Entry<M>>], identity: &mut IdMap<i64, u32>) {
        identity.clear();
        for (index, entry) in entries.iter().enumerate() {
            if let Some(entry) = entry {
                if let (Some(id), State::Persistent | State::Deleted) =
                    (entry.value.primary_key(), entry.state)
                {
                    identity.insert(id, index_u32(index));
                }
            }
        }
    }

    /// The identity map, brought up to date.
    pub(super) fn identity(&mut self) -> &mut IdMap<i64, u32> {
        if self.identity_stale.get() {
            self.rebuild_identity();
        }
        self.identity.get_mut()
    }

    /// The entry index of row `id`, through `&self` (a query run with
    /// `&Session`).
    pub(super) fn index_of(&self, id: i64) -> Option<u32> {
        if self.identity_stale.get() {
            Self::build_identity(&self.entries, &mut self.identity.borrow_mut());
            self.identity_stale.set(false);
        }
        self.identity.borrow().get(&id).copied()
    }

    /// Runs `link_parents` on `entry`, with the model's other objects in
    /// `current` (for links between objects of the same model): a probe
    /// without `undo`, writing the ids (and recording what they replace)
    /// with it; `deferred` records the `post_update` keys left for later;
    /// see [`LinkMode::Resolve`].
    pub(super) fn link_among(
        current: &dyn Slots,
        ctx: &LinkCtx<'_>,
        entry: &mut Entry<M>,
        undo: Option<&mut Vec<Option<i64>>>,
        deferred: Option<(&mut Vec<PostUpdate>, u32)>,
    ) -> Result<LinkOutcome> {
        let mut links = Links {
            mode: LinkMode::Resolve {
                ctx,
                current,
                current_type: TypeId::of::<M>(),
                undo,
                deferred,
            },
            table: M::TABLE,
            waiting: false,
            changes: false,
        };
        entry.value.link_parents(&mut links)?;
        Ok(LinkOutcome {
            waiting: links.waiting,
            changes: links.changes,
        })
    }

    /// Inserts one object. `cached` keeps the plain INSERT prepared between
    /// the rows of one flush (no statement-cache lookup per row).
    pub(super) fn insert<'c>(
        db: &'c Database,
        entry: &mut Entry<M>,
        tx: &mut FlushTx,
        cached: &mut Option<Stmt<'c>>,
    ) -> Result<()> {
        tx.ensure(db)?;
        // An identity computed from the key columns is read back, not given.
        let given = entry
            .value
            .primary_key()
            .filter(|_| !crate::sql::computes_identity(db.dialect(), M::PRIMARY_KEY));
        let id = match given {
            None if M::SERVER_DEFAULTS.is_empty() && !db.inserts_return_key() => {
                let stmt = match cached {
                    Some(stmt) => stmt,
                    None => cached.insert(db.prepare_model::<M>(ModelStatement::Insert)?),
                };
                entry.value.bind(&mut Binder::new(stmt, M::TABLE))?;
                db.note(stmt);
                stmt.execute()?;
                // The key is the rowid (an INTEGER PRIMARY KEY, or `rowid`
                // itself); triggers do not change it for this statement.
                db.last_insert_rowid()
            }
            None => {
                let stmt = match cached {
                    Some(stmt) => stmt,
                    None => cached.insert(db.prepare_model::<M>(ModelStatement::Insert)?),
                };
                entry.value.bind(&mut Binder::new(stmt, M::TABLE))?;
                db.note(stmt);
                let mut rows = stmt.query_single()?;
                let row = rows.next()?.ok_or_else(|| Error::not_found(M::TABLE))?;
                let id = row
                    .key(0, M::TABLE)?
                    .ok_or_else(|| Error::not_found(M::TABLE))?;
                if !M::SERVER_DEFAULTS.is_empty() {
                    // The INSERT returned the stored row after the key.
                    entry.value.read_server_defaults(&Row::at::<M>(row, 1))?;
                }
                id
            }
            Some(id) => {
                let mut stmt = db.prepare_model::<M>(ModelStatement::InsertWithKey)?;
                let mut binder = Binder::new(&mut stmt, M::TABLE);
                entry.value.bind(&mut binder)?;
                binder.bind(&id)?;
                db.note(&stmt);
                if M::SERVER_DEFAULTS.is_empty() {
                    stmt.execute()?;
                } else {
                    // The INSERT returned the stored row after the key.
                    let mut rows = stmt.query_single()?;
                    let row = rows.next()?.ok_or_else(|| Error::not_found(M::TABLE))?;
                    entry.value.read_server_defaults(&Row::at::<M>(row, 1))?;
                }
                id
            }
        };
        entry.value.set_primary_key(Some(id));
        entry.state = State::Persistent;
        entry.mark_clean();
        entry.fresh = true;
        Ok(())
    }

    /// Updates one object: the columns of `changed` (`None`: every column).
    /// `cached` keeps the last UPDATE prepared, with the columns it writes,
    /// between the rows of one flush, as for [`TypedStore::insert`]; another
    /// set of columns renders its statement (the connection's statement
    /// cache keeps it prepared).
    ///
    /// Returns whether the row was there: an object added by value whose id
    /// the table does not hold is left for the caller to insert.
    pub(super) fn update<'c>(
        db: &'c Database,
        entry: &mut Entry<M>,
        id: i64,
        changed: Option<ColumnSet>,
        rekeys: bool,
        tx: &mut FlushTx,
        cached: &mut Option<(Option<ColumnSet>, Stmt<'c>)>,
    ) -> Result<bool> {
        tx.ensure(db)?;
        let table = Some(M::TABLE);
        // The statement stays where it is held between objects (a move of
        // it in and out per row cost more than its use).
        let (columns, stmt) = match cached {
            Some(held) if held.0 == changed => held,
            _ => {
                let stmt = match &changed {
                    None => db.prepare_model::<M>(ModelStatement::Update)?,
                    Some(columns) => db.prepare(
                        &crate::sql::update_changed(
                            db.dialect(),
                            crate::model::table_def::<M>(),
                            M::SERVER_DEFAULTS,
                            columns,
                        ),
                        table,
                    )?,
                };
                cached.insert((changed, stmt))
            }
        };
        let written = {
            let mut binder = match &*columns {
                None => Binder::new(stmt, M::TABLE),
                Some(columns) => Binder::only(stmt, M::TABLE, columns),
            };
            entry.value.bind(&mut binder)?;
            binder.bind_extra(&id)?;
            db.note(stmt);
            if rekeys {
                // The UPDATE returns the identity, new if a key column changed.
                let mut rows = stmt.query()?;
                match rows.next()? {
                    Some(row) => {
                        let now = row.key(0, M::TABLE)?;
                        entry.value.set_primary_key(now.or(Some(id)));
                        1
                    }
                    None => 0,
                }
            } else {
                stmt.execute()?
            }
        };
        if written == 0 {
            if entry.sync != Sync::Unknown {
                return Err(Error::StaleObject {
                    table: M::TABLE,
                    key: id,
                });
            }
            return Ok(false);
        }
        entry.mark_clean();
        Ok(true)
    }
}

/// Where the objects of one model stand, by entry index (for links between
/// objects of the same model).
pub(super) trait Slots {
    fn slot(&self, index: u32) -> Slot;
    /// Whether the entry was inserted by the flush under way.
    fn fresh(&self, index: u32) -> bool;
}

/// Where an entry stands as a parent during a flush.
#[inline]
pub(super) fn slot_of<M: Model>(entry: Option<&Entry<M>>) -> Slot {
    match entry {
        None => Slot::Missing,
        Some(entry) if entry.state == State::New => Slot::Pending,
        Some(entry) => entry.value.primary_key().map_or(Slot::Missing, Slot::Id),
    }
}

impl<M: Model> Slots for TypedStore<M> {
    fn slot(&self, index: u32) -> Slot {
        slot_of(self.entries.get(index as usize).and_then(Option::as_ref))
    }

    fn fresh(&self, index: u32) -> bool {
        self.entries
            .get(index as usize)
            .and_then(Option::as_ref)
            .is_some_and(|entry| entry.fresh)
    }
}

/// A model's entries around the one being flushed, which is borrowed
/// mutably meanwhile: as a parent of itself it is missing (a row cannot be
/// inserted referring to itself).
pub(super) struct EntriesAround<'a, M> {
    pub(super) before: &'a [Option<Entry<M>>],
    pub(super) after: &'a [Option<Entry<M>>],
}

impl<M: Model> EntriesAround<'_, M> {
    fn entry(&self, index: u32) -> Option<&Entry<M>> {
        let index = index as usize;
        let entry = match index.checked_sub(self.before.len()) {
            None => self.before.get(index),
            Some(0) => None,
            Some(after) => self.after.get(after - 1),
        };
        entry.and_then(Option::as_ref)
    }
}

impl<M: Model> Slots for EntriesAround<'_, M> {
    fn slot(&self, index: u32) -> Slot {
        slot_of(self.entry(index))
    }

    fn fresh(&self, index: u32) -> bool {
        self.entry(index).is_some_and(|entry| entry.fresh)
    }
}

pub(super) fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}
