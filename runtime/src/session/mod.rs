//! The unit of work: objects added, changed and deleted, written by one
//! transaction on commit.

use std::any::{Any, TypeId};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;
use std::num::NonZeroU64;
use std::ops::{Index, IndexMut};
use std::sync::atomic::{AtomicU64, Ordering};

use crate::conn::Stmt;

use crate::database::{Database, Executor};
use crate::error::{Error, Result};
use crate::idmap::IdMap;
use crate::model::{Binder, ColumnSet, Model, Row};
use crate::relation::{ManyToOne, Parent, ParentState};
use crate::sql::ModelStatement;

mod api;
mod flush;
mod identity;
mod links;
mod post_update;
mod store;

pub use api::Session;
pub(crate) use links::LinkSide;
pub use links::Links;
use links::{LinkCtx, LinkMode, LinkOutcome, PendingLink, PostUpdate};
use store::{index_u32, Backup, CascadeJob, EntriesAround, Slots, Store, TypedStore};

/// Session ids; a rolled-back session takes a new one so old keys go stale.
static NEXT_SESSION_ID: AtomicU64 = AtomicU64::new(1);

/// Never zero, so that an `Option<Key>` (a pending parent) takes no more
/// room than a `Key`.
type SessionId = NonZeroU64;

fn next_session_id() -> SessionId {
    // Zero would take 2^64 sessions to come round; it maps to MAX.
    SessionId::new(NEXT_SESSION_ID.fetch_add(1, Ordering::Relaxed)).unwrap_or(SessionId::MAX)
}

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
            self.snapshot = Some(Box::new(self.value.snapshot()));
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
    /// Opens the transaction or savepoint unless it is open (a test per row
    /// of a big flush, the opening out of line).
    #[inline]
    fn ensure(&mut self, db: &Database) -> Result<()> {
        if self.opened.is_none() {
            self.open(db)?;
        }
        Ok(())
    }

    #[inline(never)]
    fn open(&mut self, db: &Database) -> Result<()> {
        {
            let begin = !db.in_transaction_now();
            let d = db.dialect();
            db.execute(
                if begin {
                    d.begin_write()
                } else {
                    d.flush_savepoint()
                },
                None,
            )?;
            self.opened = Some(begin);
        }
        Ok(())
    }
}
