//! The unit of work: objects added, changed and deleted, written by one
//! transaction on commit.

use std::any::{Any, TypeId};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::ops::{Index, IndexMut};
use std::sync::atomic::{AtomicU64, Ordering};

use rusqlite::CachedStatement;

use crate::database::{Database, Executor};
use crate::error::{classify, Error, Result};
use crate::idmap::IdMap;
use crate::model::{Binder, Model, ModelSql, Row};
use crate::relation::{ManyToOne, Parent, ParentState};

/// Session ids; a rolled-back session takes a new one so old keys go stale.
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);

/// Never zero, so that an `Option<Key>` (a pending parent) takes no more
/// room than a `Key`.
type SessionId = NonZeroU64;

fn next_session_id() -> SessionId {
    // Zero would take 2^64 sessions to come round; it maps to MAX.
    SessionId::new(NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed)).unwrap_or(SessionId::MAX)
}

const SAVEPOINT: &str = "SAVEPOINT litemodel_flush";
const RELEASE: &str = "RELEASE litemodel_flush";
const ROLLBACK_TO: &str = "ROLLBACK TO litemodel_flush";

/// A typed handle on an object held by a [`Session`], returned by
/// [`Session::add`]. Read the object with `session[key]`; link other objects
/// to it before it has an id.
pub struct Key<M> {
    index: u32,
    session: SessionId,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Key<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Key<M> {}

impl<M> PartialEq for Key<M> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index && self.session == other.session
    }
}
impl<M> Eq for Key<M> {}

impl<M> Hash for Key<M> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.index.hash(state);
        self.session.hash(state);
    }
}

impl<M> fmt::Debug for Key<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Key({})", self.index)
    }
}

/// What [`Session::delete`] accepts: a session key or a loaded object.
pub trait Target {
    /// The model of the object.
    type Model: Model;
    #[doc(hidden)]
    fn into_target(self) -> TargetKind<Self::Model>;
}

#[doc(hidden)]
pub enum TargetKind<M> {
    Key(Key<M>),
    Object(M),
}

impl<M: Model> Target for Key<M> {
    type Model = M;
    fn into_target(self) -> TargetKind<M> {
        TargetKind::Key(self)
    }
}

impl<M: Model> Target for &M {
    type Model = M;
    fn into_target(self) -> TargetKind<M> {
        TargetKind::Object(self.clone())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Added without an id: INSERT on flush.
    New,
    /// In the database: UPDATE on flush when changed.
    Persistent,
    /// Marked for DELETE on flush.
    Deleted,
    /// Deleted in the database; kept readable, ignored by flushes.
    Gone,
}

/// What the session knows of an object's row, for deciding whether a flush
/// writes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Sync {
    /// Added by value: the row is unknown, so the next flush writes it.
    Unknown,
    /// Matches the row as this session last wrote or read it, and has not
    /// been borrowed mutably since.
    Clean,
    /// Borrowed mutably since it was clean; `Entry::snapshot` holds it as it
    /// was, and a flush writes it if it differs.
    Touched,
}

#[derive(Clone)]
struct Entry<M> {
    value: M,
    state: State,
    sync: Sync,
    /// The object as it was when it was last clean; only while `Touched`
    /// (taken at the first mutable borrow, so objects nobody changes are
    /// never copied). Boxed: most entries have none.
    snapshot: Option<Box<M>>,
    /// Inserted by the flush under way: nothing left to check for it.
    fresh: bool,
}

impl<M: Model> Entry<M> {
    fn new(value: M, state: State) -> Self {
        Entry {
            value,
            state,
            sync: Sync::Unknown,
            snapshot: None,
            fresh: false,
        }
    }

    /// The object, mutably; remembers how it was if it was clean.
    fn value_mut(&mut self) -> &mut M {
        if self.sync == Sync::Clean {
            self.snapshot = Some(Box::new(self.value.clone()));
            self.sync = Sync::Touched;
        }
        &mut self.value
    }

    /// Replaces the object (`session.add` of an object with the same id).
    fn replace(&mut self, value: M) {
        let old = std::mem::replace(&mut self.value, value);
        if self.sync == Sync::Clean {
            self.snapshot = Some(Box::new(old));
            self.sync = Sync::Touched;
        }
    }

    /// Whether the object differs from its row as last written or read.
    fn changed(&self) -> bool {
        match self.sync {
            Sync::Unknown => true,
            Sync::Clean => false,
            Sync::Touched => self.snapshot.as_deref() != Some(&self.value),
        }
    }

    /// The object now matches its row.
    fn mark_clean(&mut self) {
        self.sync = Sync::Clean;
        self.snapshot = None;
    }
}

/// Where a linked parent stands during a flush.
enum Slot {
    Id(i64),
    Pending,
    Missing,
}

/// Per-flush bookkeeping: the transaction (or savepoint) is opened by the
/// first statement that needs it, so a flush with nothing to do runs none.
#[derive(Default)]
struct FlushTx {
    /// `Some(true)`: this flush began the transaction; `Some(false)`: it
    /// opened a savepoint in an existing one.
    opened: Option<bool>,
    deferred_foreign_keys: bool,
}

impl FlushTx {
    fn ensure(&mut self, db: &Database) -> Result<()> {
        if self.opened.is_none() {
            let begin = !db.in_transaction_now();
            db.execute(if begin { "BEGIN IMMEDIATE" } else { SAVEPOINT }, None)?;
            self.opened = Some(begin);
        }
        Ok(())
    }
}

/// The stores of a session other than the one being flushed, for resolving
/// links between objects.
struct LinkCtx<'a> {
    session: SessionId,
    stores: &'a [Option<Box<dyn Store>>],
    types: &'a IdMap<TypeId, usize>,
}

/// Fills foreign keys from linked parents during a flush; generated
/// `Model::link_parents` calls [`Links::link`] once per many-to-one
/// relationship.
pub struct Links<'a> {
    mode: LinkMode<'a>,
    table: &'static str,
    waiting: bool,
    changes: bool,
}

enum LinkMode<'a> {
    /// Resolves parents into ids. With `undo`, writes them into the key
    /// fields, first recording each field's value there (one per `link`
    /// call) so that a failed flush can put them back; without, only probes.
    Resolve {
        ctx: &'a LinkCtx<'a>,
        current: &'a dyn Store,
        current_type: TypeId,
        undo: Option<&'a mut Vec<Option<i64>>>,
    },
    /// Puts recorded values back into the key fields, in `link` call order.
    Restore {
        values: &'a [Option<i64>],
        next: usize,
    },
}

impl<'a> Links<'a> {
    fn restore(table: &'static str, values: &'a [Option<i64>]) -> Self {
        Links {
            mode: LinkMode::Restore { values, next: 0 },
            table,
            waiting: false,
            changes: false,
        }
    }
}

impl Links<'_> {
    /// Resolves `parent` (the attribute of `relation`) into the foreign-key
    /// field `key`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsavedParent`] when the parent has no id and is not
    /// pending in this session.
    pub fn link<M, P: Model>(
        &mut self,
        relation: ManyToOne<M, P>,
        parent: &Parent<P>,
        key: &mut Option<i64>,
    ) -> Result<()> {
        let (ctx, current, current_type, apply) = match &mut self.mode {
            LinkMode::Restore { values, next } => {
                if let Some(&value) = values.get(*next) {
                    *key = value;
                }
                *next += 1;
                return Ok(());
            }
            LinkMode::Resolve {
                ctx,
                current,
                current_type,
                undo,
            } => {
                let apply = match undo {
                    Some(undo) => {
                        undo.push(*key);
                        true
                    }
                    None => false,
                };
                (*ctx, *current, *current_type, apply)
            }
        };
        let table = self.table;
        let unsaved = || Error::UnsavedParent {
            table,
            relation: relation.name(),
        };
        let session_key = match parent.state() {
            ParentState::Column => return Ok(()),
            ParentState::Unsaved => return Err(unsaved()),
            ParentState::Pending(session_key) => session_key,
        };
        if session_key.session != ctx.session {
            // A key from another (or rolled back) session: trust an id that
            // was already filled in, otherwise there is nothing to go on.
            return if key.is_some() {
                Ok(())
            } else {
                Err(unsaved())
            };
        }
        let type_id = TypeId::of::<P>();
        let slot = if type_id == current_type {
            current.slot(session_key.index)
        } else {
            ctx.types
                .get(&type_id)
                .and_then(|&position| ctx.stores.get(position))
                .and_then(Option::as_ref)
                .map_or(Slot::Missing, |store| store.slot(session_key.index))
        };
        match slot {
            Slot::Id(id) => {
                if *key != Some(id) {
                    self.changes = true;
                    if apply {
                        *key = Some(id);
                    }
                }
                Ok(())
            }
            Slot::Pending => {
                self.waiting = true;
                Ok(())
            }
            Slot::Missing => Err(unsaved()),
        }
    }
}

struct LinkOutcome {
    waiting: bool,
    changes: bool,
}

/// A cascade to run on one object before a flush.
type CascadeJob = Box<dyn for<'s, 'db> FnOnce(&'s mut Session<'db>) -> Result<()>>;

/// The type-erased side of one model's objects in a session.
trait Store: Any {
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
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
enum Backup<M> {
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

struct TypedStore<M> {
    entries: Vec<Option<Entry<M>>>,
    /// Primary key to entry index, for objects with an id (not deleted).
    /// Built on first use after a flush inserted objects (`identity_stale`):
    /// a big insert does not pay for a map nobody reads.
    identity: IdMap<i64, u32>,
    identity_stale: bool,
    /// Entries as they were before the current flush touched them.
    flush_backup: Vec<(u32, Backup<M>)>,
    /// Entries as they were before the current transaction touched them, at
    /// most one per entry (a Vec, not a map: no hashing per row of a big
    /// commit).
    tx_backup: Vec<(u32, Backup<M>)>,
    /// Whether `tx_backup` holds entry `i` already.
    tx_backed: Vec<bool>,
    /// Foreign-key values that inserts and updates of this transaction
    /// overwrote, for `Backup::Inserted` and `Backup::Updated`.
    undo: Vec<Option<i64>>,
}

impl<M: Model> TypedStore<M> {
    fn new() -> Self {
        TypedStore {
            entries: Vec::new(),
            identity: IdMap::default(),
            identity_stale: false,
            flush_backup: Vec::new(),
            tx_backup: Vec::new(),
            tx_backed: Vec::new(),
            undo: Vec::new(),
        }
    }

    /// Puts `backup` back into entry `index`.
    fn restore(&mut self, index: u32, backup: Backup<M>) {
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
    fn undo_update(
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
    fn undo_insert(entry: &mut Entry<M>, key: Option<i64>, values: &[Option<i64>]) {
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

    fn rebuild_identity(&mut self) {
        self.identity.clear();
        self.identity_stale = false;
        for (index, entry) in self.entries.iter().enumerate() {
            if let Some(entry) = entry {
                if let (Some(id), State::Persistent | State::Deleted) =
                    (entry.value.primary_key(), entry.state)
                {
                    self.identity.insert(id, index_u32(index));
                }
            }
        }
    }

    /// The identity map, brought up to date.
    fn identity(&mut self) -> &mut IdMap<i64, u32> {
        if self.identity_stale {
            self.rebuild_identity();
        }
        &mut self.identity
    }

    /// Runs `link_parents` on `entry` with `self` readable for links
    /// between objects of the same model: a probe without `undo`, writing the
    /// ids (and recording what they replace) with it; see [`LinkMode::Resolve`].
    fn link(
        &self,
        ctx: &LinkCtx<'_>,
        entry: &mut Entry<M>,
        undo: Option<&mut Vec<Option<i64>>>,
    ) -> Result<LinkOutcome> {
        let mut links = Links {
            mode: LinkMode::Resolve {
                ctx,
                current: self,
                current_type: TypeId::of::<M>(),
                undo,
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
    fn insert<'c>(
        db: &'c Database,
        entry: &mut Entry<M>,
        tx: &mut FlushTx,
        cached: &mut Option<CachedStatement<'c>>,
    ) -> Result<()> {
        tx.ensure(db)?;
        let sql = ModelSql::of::<M>();
        let table = Some(M::TABLE);
        let id = match entry.value.primary_key() {
            None if M::SERVER_DEFAULTS.is_empty() => {
                let stmt = match cached {
                    Some(stmt) => stmt,
                    None => cached.insert(db.prepare(&sql.insert, table)?),
                };
                entry.value.bind(&mut Binder::new(stmt, M::TABLE))?;
                db.note(stmt);
                stmt.raw_execute().map_err(|e| classify(e, table))?;
                // The key is the rowid (an INTEGER PRIMARY KEY, or `rowid`
                // itself); triggers do not change it for this statement.
                db.connection().last_insert_rowid()
            }
            None => {
                let mut stmt = db.prepare(&sql.insert, table)?;
                entry.value.bind(&mut Binder::new(&mut stmt, M::TABLE))?;
                db.note(&stmt);
                let mut rows = stmt.raw_query();
                let row = rows
                    .next()
                    .map_err(|e| classify(e, table))?
                    .ok_or(Error::NotFound { table: M::TABLE })?;
                let id = row.get::<_, i64>(0).map_err(|e| classify(e, table))?;
                if !M::SERVER_DEFAULTS.is_empty() {
                    // The INSERT returned the stored row after the key.
                    entry.value.read_server_defaults(&Row::at::<M>(row, 1))?;
                }
                id
            }
            Some(id) => {
                let mut stmt = db.prepare(&sql.insert_with_key, table)?;
                let mut binder = Binder::new(&mut stmt, M::TABLE);
                entry.value.bind(&mut binder)?;
                binder.bind(&id)?;
                db.note(&stmt);
                stmt.raw_execute().map_err(|e| classify(e, table))?;
                id
            }
        };
        entry.value.set_primary_key(Some(id));
        entry.state = State::Persistent;
        entry.mark_clean();
        entry.fresh = true;
        Ok(())
    }

    /// Updates one object. `cached` keeps the UPDATE prepared between the
    /// rows of one flush, as for [`TypedStore::insert`].
    fn update<'c>(
        db: &'c Database,
        entry: &mut Entry<M>,
        id: i64,
        tx: &mut FlushTx,
        cached: &mut Option<CachedStatement<'c>>,
    ) -> Result<()> {
        tx.ensure(db)?;
        let table = Some(M::TABLE);
        let changed = {
            let stmt = match cached {
                Some(stmt) => stmt,
                None => cached.insert(db.prepare(&ModelSql::of::<M>().update, table)?),
            };
            let mut binder = Binder::new(stmt, M::TABLE);
            entry.value.bind(&mut binder)?;
            binder.bind(&id)?;
            db.note(stmt);
            stmt.raw_execute().map_err(|e| classify(e, table))?
        };
        if changed == 0 {
            if entry.sync != Sync::Unknown {
                return Err(Error::StaleObject {
                    table: M::TABLE,
                    key: id,
                });
            }
            // Added by value with an id the table does not hold: insert it
            // under that id (SQLAlchemy's `merge`).
            return Self::insert(db, entry, tx, &mut None);
        }
        entry.mark_clean();
        Ok(())
    }
}

fn index_u32(index: usize) -> u32 {
    u32::try_from(index).unwrap_or(u32::MAX)
}

impl<M: Model> Store for TypedStore<M> {
    fn as_any(&self) -> &dyn Any {
        self
    }

    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }

    fn table(&self) -> &'static str {
        M::TABLE
    }

    fn slot(&self, index: u32) -> Slot {
        match self.entries.get(index as usize).and_then(Option::as_ref) {
            None => Slot::Missing,
            Some(entry) if entry.state == State::New => Slot::Pending,
            Some(entry) => entry.value.primary_key().map_or(Slot::Missing, Slot::Id),
        }
    }

    fn insert_ready(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<(usize, usize)> {
        let (mut inserted, mut waiting) = (0, 0);
        let mut cached = None;
        // Out of `self` for the loop: `link` reads `self` while it records.
        let mut undo = std::mem::take(&mut self.undo);
        for index in 0..self.entries.len() {
            let Some(mut entry) = self.entries[index].take_if(|e| e.state == State::New) else {
                continue;
            };
            // Models that read server defaults back change more than their
            // keys: keep a whole copy of those.
            let whole = (!M::SERVER_DEFAULTS.is_empty()).then(|| entry.clone());
            let key = entry.value.primary_key();
            let start = undo.len();
            let result = self
                .link(ctx, &mut entry, Some(&mut undo))
                .and_then(|links| {
                    if links.waiting {
                        return Ok(false);
                    }
                    Self::insert(db, &mut entry, tx, &mut cached).map(|()| true)
                });
            let backup = match (result, whole) {
                (Ok(false), _) => {
                    // A parent is not inserted yet: leave the object as it was.
                    let _ = entry
                        .value
                        .link_parents(&mut Links::restore(M::TABLE, &undo[start..]));
                    undo.truncate(start);
                    waiting += 1;
                    self.entries[index] = Some(entry);
                    continue;
                }
                (Ok(true), Some(before)) => Backup::Whole(Box::new(before)),
                (Ok(true), None) => Backup::Inserted {
                    key,
                    undo: start..undo.len(),
                },
                (Err(err), whole) => {
                    match whole {
                        Some(before) => entry = before,
                        None => Self::undo_insert(&mut entry, key, &undo[start..]),
                    }
                    undo.truncate(start);
                    self.undo = undo;
                    self.entries[index] = Some(entry);
                    return Err(err);
                }
            };
            inserted += 1;
            self.identity_stale = true;
            self.entries[index] = Some(entry);
            self.flush_backup.push((index_u32(index), backup));
        }
        self.undo = undo;
        Ok((inserted, waiting))
    }

    fn update_dirty(&mut self, db: &Database, ctx: &LinkCtx<'_>, tx: &mut FlushTx) -> Result<()> {
        let mut cached = None;
        let mut undo = std::mem::take(&mut self.undo);
        for index in 0..self.entries.len() {
            // Objects this flush inserted are written as they are.
            let Some(mut entry) =
                self.entries[index].take_if(|e| e.state == State::Persistent && !e.fresh)
            else {
                continue;
            };
            let probe = match self.link(ctx, &mut entry, None) {
                Ok(probe) => probe,
                Err(err) => {
                    self.entries[index] = Some(entry);
                    self.undo = undo;
                    return Err(err);
                }
            };
            if !probe.changes && !entry.changed() {
                if entry.sync == Sync::Touched {
                    // Borrowed mutably but left as it was.
                    entry.mark_clean();
                }
                self.entries[index] = Some(entry);
                continue;
            }
            // `onupdate` columns change more than the foreign keys: keep a
            // whole copy of those models' objects.
            let whole = M::ON_UPDATE.then(|| entry.clone());
            let sync = entry.sync;
            let snapshot = entry.snapshot.take();
            let start = undo.len();
            entry.value.before_update();
            let written = if probe.changes {
                self.link(ctx, &mut entry, Some(&mut undo)).map(drop)
            } else {
                Ok(())
            }
            .and_then(|()| {
                let id = entry
                    .value
                    .primary_key()
                    .ok_or(Error::NotPersistent { table: M::TABLE })?;
                Self::update(db, &mut entry, id, tx, &mut cached)
            });
            let backup = match (written, whole) {
                (Ok(()), Some(before)) => Backup::Whole(Box::new(before)),
                (Ok(()), None) => Backup::Updated {
                    sync,
                    snapshot,
                    undo: start..undo.len(),
                },
                (Err(err), whole) => {
                    match whole {
                        Some(before) => entry = before,
                        None => {
                            Self::undo_update(&mut entry, sync, snapshot, &undo[start..]);
                        }
                    }
                    undo.truncate(start);
                    self.undo = undo;
                    self.entries[index] = Some(entry);
                    return Err(err);
                }
            };
            self.entries[index] = Some(entry);
            self.flush_backup.push((index_u32(index), backup));
        }
        self.undo = undo;
        Ok(())
    }

    fn delete_marked(&mut self, db: &Database, tx: &mut FlushTx) -> Result<()> {
        let sql = ModelSql::of::<M>();
        for index in 0..self.entries.len() {
            let Some(entry) = self.entries[index]
                .as_ref()
                .filter(|e| e.state == State::Deleted)
            else {
                continue;
            };
            let before = entry.clone();
            if let Some(id) = entry.value.primary_key() {
                tx.ensure(db)?;
                if !tx.deferred_foreign_keys {
                    // Rows deleted together may reference each other; check
                    // the foreign keys at COMMIT instead of per statement.
                    db.execute("PRAGMA defer_foreign_keys = ON", None)?;
                    tx.deferred_foreign_keys = true;
                }
                // Children and association rows first (cascades).
                entry.value.before_delete(db)?;
                let mut stmt = db.prepare(&sql.delete, Some(M::TABLE))?;
                stmt.raw_bind_parameter(1, id)
                    .map_err(|e| classify(e, Some(M::TABLE)))?;
                db.note(&stmt);
                stmt.raw_execute()
                    .map_err(|e| classify(e, Some(M::TABLE)))?;
                self.identity().remove(&id);
            }
            if let Some(entry) = self.entries[index].as_mut() {
                entry.state = State::Gone;
            }
            self.flush_backup
                .push((index_u32(index), Backup::Whole(Box::new(before))));
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn cascade_jobs(&self, session: SessionId) -> Vec<CascadeJob> {
        if !M::CASCADES {
            return Vec::new();
        }
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.as_ref()
                    .is_some_and(|e| matches!(e.state, State::New | State::Persistent))
            })
            .map(|(index, _)| {
                let key = Key::<M> {
                    index: index_u32(index),
                    session,
                    marker: PhantomData,
                };
                Box::new(move |s: &mut Session<'_>| M::cascade(key, s)) as CascadeJob
            })
            .collect()
    }

    fn abort_flush(&mut self) {
        let backups = std::mem::take(&mut self.flush_backup);
        for (index, backup) in backups.into_iter().rev() {
            self.restore(index, backup);
        }
        self.rebuild_identity();
    }

    fn finish_flush(&mut self) {
        let entries = self.entries.len();
        if self.tx_backed.len() < entries {
            self.tx_backed.resize(entries, false);
        }
        let mut backups = std::mem::take(&mut self.flush_backup);
        // Keep the oldest backup of each entry: how it was before the
        // transaction. In a transaction's first flush every one is kept and
        // nothing moves.
        backups.retain(|(index, _)| {
            let i = *index as usize;
            if let Some(Some(now)) = self.entries.get_mut(i) {
                now.fresh = false;
            }
            match self.tx_backed.get_mut(i) {
                Some(backed) if !*backed => {
                    *backed = true;
                    true
                }
                _ => false,
            }
        });
        if self.tx_backup.is_empty() {
            self.tx_backup = backups;
        } else {
            self.tx_backup.append(&mut backups);
        }
    }

    fn abort_transaction(&mut self) {
        self.abort_flush();
        self.tx_backed.clear();
        let backups = std::mem::take(&mut self.tx_backup);
        // Oldest last, so that it wins should an entry have two.
        for (index, backup) in backups.into_iter().rev() {
            self.restore(index, backup);
        }
        self.undo.clear();
        self.rebuild_identity();
    }

    fn finish_transaction(&mut self) {
        self.flush_backup.clear();
        self.tx_backup.clear();
        self.tx_backed.clear();
        self.undo.clear();
    }
}

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
/// Queries do not flush pending objects first (no autoflush): call
/// [`flush`](Session::flush) to make them visible to queries run through the
/// session before committing.
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
/// # db.connection().execute_batch("CREATE TABLE tags (id INTEGER PRIMARY KEY, label TEXT UNIQUE)")?;
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
    db: &'db mut Database,
    id: SessionId,
    stores: Vec<Option<Box<dyn Store>>>,
    types: IdMap<TypeId, usize>,
    commit_on_drop: bool,
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
            commit_on_drop: false,
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

    fn store<M: Model>(&self) -> Option<&TypedStore<M>> {
        let position = *self.types.get(&TypeId::of::<M>())?;
        self.stores.get(position)?.as_ref()?.as_any().downcast_ref()
    }

    fn store_mut<M: Model>(&mut self) -> Option<&mut TypedStore<M>> {
        let position = *self.types.get(&TypeId::of::<M>())?;
        self.stores
            .get_mut(position)?
            .as_mut()?
            .as_any_mut()
            .downcast_mut()
    }

    fn store_or_create<M: Model>(&mut self) -> &mut TypedStore<M> {
        let position = *self.types.entry(TypeId::of::<M>()).or_insert_with(|| {
            self.stores.push(Some(Box::new(TypedStore::<M>::new())));
            self.stores.len() - 1
        });
        let store = self.stores[position] // ok: positions come from `types`
            .as_mut()
            .and_then(|s| s.as_any_mut().downcast_mut::<TypedStore<M>>());
        match store {
            Some(store) => store,
            // Unreachable: stores are only taken out during a flush, which
            // holds `&mut self`, and each TypeId maps to its own store type.
            None => unreachable!("session store for {} is missing", M::TABLE),
        }
    }

    fn key<M>(&self, index: usize) -> Key<M> {
        Key {
            index: index_u32(index),
            session: self.id,
            marker: PhantomData,
        }
    }

    /// Puts `object` in the session and returns its key.
    ///
    /// Without an id it is inserted by the next flush; with one it is
    /// written with UPDATE (or inserted under that id if the table does not
    /// hold it). Adding an object whose id the session already holds
    /// replaces that object and returns the same key.
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

    /// Adds every object (`db.session.add_all`), returning their keys in
    /// order.
    pub fn add_all<M: Model>(&mut self, objects: impl IntoIterator<Item = M>) -> Vec<Key<M>> {
        objects.into_iter().map(|object| self.add(object)).collect()
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
                    db.execute(RELEASE, None)?;
                }
                self.each_store(|s| s.finish_flush());
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
                Err(err)
            }
            // The objects are restored first, so that they match the
            // database even if undoing it fails too.
            (Err(err), Some(true)) => {
                self.each_store(|s| {
                    s.abort_flush();
                    s.finish_transaction();
                });
                self.db.execute("ROLLBACK", None)?;
                Err(err)
            }
            (Err(err), Some(false)) => {
                self.each_store(|s| s.abort_flush());
                self.db.execute(ROLLBACK_TO, None)?;
                self.db.execute(RELEASE, None)?;
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
                let ctx = LinkCtx {
                    session: self.id,
                    stores: &self.stores,
                    types: &self.types,
                };
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
        for position in 0..self.stores.len() {
            let Some(mut store) = self.stores[position].take() else {
                continue;
            };
            let ctx = LinkCtx {
                session: self.id,
                stores: &self.stores,
                types: &self.types,
            };
            let result = store.update_dirty(db, &ctx, tx);
            self.stores[position] = Some(store);
            result?;
        }
        for store in self.stores.iter_mut().flatten() {
            store.delete_marked(db, tx)?;
        }
        Ok(())
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
            if let Err(err) = db.execute("COMMIT", None) {
                self.each_store(|s| s.abort_transaction());
                if self.db.in_transaction_now() {
                    self.db.execute("ROLLBACK", None)?;
                }
                return Err(err);
            }
        }
        self.each_store(|s| s.finish_transaction());
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
        self.id = next_session_id();
        if self.db.in_transaction_now() {
            self.db.execute("ROLLBACK", None)?;
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
            if let Err(err) = self.db.execute("ROLLBACK", None) {
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
            self.db.execute("BEGIN IMMEDIATE", None)?;
        }
        Ok(())
    }

    fn session_object<M: Model>(&self, key: Key<M>) -> Option<&M> {
        self.get(key)
    }
}
