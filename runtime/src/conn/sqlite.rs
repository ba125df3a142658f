//! The SQLite connection with a statement cache of the runtime's own, for the
//! statements the runtime renders once per model (`ModelSql`, `&'static str`).
//!
//! rusqlite's `prepare_cached` finds a statement by its SQL text: it trims
//! and hashes the text, unlinks the statement from an LRU list, and on return
//! clears its bindings, hashes again and links it back — about 1,200
//! instructions per statement, a fifth of a one-row lookup by key. The
//! runtime's fixed statements need none of that: each model's statements are
//! rendered once (`ModelSql`) and never change, so the model's type and the
//! statement's kind identify them. They are kept here, one slot each, and
//! found with one multiply-hash of that key (one comparison for the one found
//! last), without rendering or even looking up the text. Statements with other text (queries built per call)
//! still go through rusqlite's cache, which bounds them.
//!
//! # Why this is sound
//!
//! A rusqlite `Statement<'conn>` borrows its `Connection`, and the cache lives
//! next to the connection it borrows, which safe Rust cannot express (the
//! struct would borrow itself). The slots hold `Statement<'static>`, and these
//! invariants make the `'static` true for as long as any statement exists:
//!
//! 1. The connection is boxed: its address does not change when the
//!    `SqliteConn` moves (into a pool, across threads).
//! 2. It is never borrowed mutably while a statement exists: the only `&mut`
//!    access, [`SqliteConn::get_mut`], empties the cache first (it takes
//!    `&mut self`, so no statement is borrowed out either), and the
//!    connection is never moved out.
//! 3. `statements` is declared before `conn`, so the statements are finalized
//!    before the connection closes.
//! 4. A slot is boxed, so a `&'c Slot` taken through `&'c self` stays valid
//!    while its map grows. A fixed slot is only dropped by `get_mut` or drop
//!    (both `&mut self`); a slot of the text cache also when the cache is full,
//!    and then only if its statement is not borrowed: the `&Slot` is only
//!    used to take the statement's `RefMut`, which is what a caller holds.
//!
//! `Send`: the statements move with their connection, as rusqlite's own cache
//! does (rusqlite declares `Connection` and its cache `Send` on the same
//! grounds). The bundled SQLite is built thread-safe, so a connection and its
//! statements may be used from another thread; `SqliteConn` is not `Sync`
//! (the `RefCell`s), so never from two at once.

use std::any::TypeId;
use std::cell::{Cell, RefCell, RefMut};
use std::hash::{Hash, Hasher};
use std::ops::Deref;

use rusqlite::{Connection, Statement};

use crate::idmap::IdMap;
use crate::sql::ModelStatement;

/// One cached statement, borrowed while a query runs on it, and its text.
struct Slot {
    stmt: RefCell<Statement<'static>>,
    sql: &'static str,
}

/// Which fixed statement of a type (see [`StatementKey`]).
#[derive(Clone, Copy, Debug)]
pub(crate) enum StatementId {
    /// One of the model's own statements (`ModelSql`).
    Model(ModelStatement),
    /// The lazy load of the owner's relationship of this name.
    Children(&'static str),
}

// A relationship's name compares and hashes by address, not by its bytes (a
// multiply instead of a loop over the text): the generated code passes the
// same constant for the same relationship. Two copies of one name at two
// addresses would only take two slots.
impl PartialEq for StatementId {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StatementId::Model(a), StatementId::Model(b)) => a == b,
            (StatementId::Children(a), StatementId::Children(b)) => std::ptr::eq(*a, *b),
            _ => false,
        }
    }
}

impl Eq for StatementId {}

impl Hash for StatementId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        match self {
            StatementId::Model(statement) => state.write_usize(*statement as usize),
            StatementId::Children(name) => {
                state.write_usize(name.as_ptr() as usize);
                state.write_usize(name.len());
            }
        }
    }
}

/// A fixed statement's identity: a model's type and which of its
/// statements. Its text is rendered once and never changes.
pub(crate) type StatementKey = (TypeId, StatementId);

/// A statement taken from its slot, returned when dropped. Its bindings are
/// left in place (every use binds all of its parameters again), unless one
/// was large: SQLite keeps its own copy of a bound text or blob.
pub(crate) struct HeldStatement<'c> {
    pub(crate) stmt: RefMut<'c, Statement<'static>>,
    pub(crate) sql: &'static str,
    /// A bound text or blob over [`LARGE_BINDING`] bytes.
    pub(crate) large: bool,
}

/// Bindings longer than this are cleared when the statement goes back to its
/// slot, so a cached INSERT does not keep the last large value alive.
pub(crate) const LARGE_BINDING: usize = 4096;

impl Drop for HeldStatement<'_> {
    fn drop(&mut self) {
        if self.large {
            self.stmt.clear_bindings();
        }
    }
}

/// How many statements [`SqliteConn::prepare_text`] keeps; when full, the
/// ones not running are finalized and the cache starts over.
const TEXT_CAPACITY: usize = 256;

/// A SQLite connection, its fixed statements and the statements of queries
/// built per call.
pub(crate) struct SqliteConn {
    // Declared before `conn`: dropped (finalized) first. See the module docs.
    statements: RefCell<IdMap<StatementKey, Box<Slot>>>,
    /// Statements by their text, for queries rendered per call.
    texts: RefCell<IdMap<Box<str>, Box<Slot>>>,
    /// The fixed statement found last, and its slot in `statements`: a run of
    /// the same statement (a lookup by key per row, a lazy load per object)
    /// finds it by one comparison. Emptied with `statements` (invariant 4
    /// keeps the slot where it is until then).
    last_static: Cell<Option<(StatementKey, *const Slot)>>,
    conn: Box<Connection>,
}

// SAFETY: see "Why this is sound" above: the statements never leave the
// `SqliteConn`'s borrows and move between threads only together with the
// connection they were prepared on.
unsafe impl Send for SqliteConn {}

impl SqliteConn {
    pub(crate) fn new(conn: Connection) -> Self {
        SqliteConn {
            statements: RefCell::default(),
            texts: RefCell::default(),
            last_static: Cell::new(None),
            conn: Box::new(conn),
        }
    }

    /// The connection, mutably: finalizes the cached statements first, so no
    /// statement borrows it while it is borrowed mutably.
    pub(crate) fn get_mut(&mut self) -> &mut Connection {
        self.last_static.set(None);
        self.statements.get_mut().clear();
        self.texts.get_mut().clear();
        &mut self.conn
    }

    /// The statement for `sql`, a query rendered per call: found by its text
    /// (hashed a word at a time), prepared on first use. `Ok(None)` when that
    /// statement is already running (a query nested in its own rows): the
    /// caller prepares another through rusqlite's cache then.
    #[inline]
    pub(crate) fn prepare_text(&self, sql: &str) -> rusqlite::Result<Option<HeldStatement<'_>>> {
        let found = self
            .texts
            .borrow()
            .get(sql)
            .map(|slot| &**slot as *const Slot);
        let slot = match found {
            Some(slot) => slot,
            None => {
                let slot = self.new_slot(sql, "")?;
                let ptr = &*slot as *const Slot;
                let mut texts = self.texts.borrow_mut();
                if texts.len() >= TEXT_CAPACITY {
                    // Only statements nobody holds: a running one's slot
                    // must outlive its guard (invariant 4).
                    texts.retain(|_, slot| slot.stmt.try_borrow_mut().is_err());
                }
                texts.insert(sql.into(), slot);
                ptr
            }
        };
        // SAFETY: invariant 4: a slot is dropped only while nobody borrows
        // its statement (the eviction above checks), or through `&mut self`.
        Ok(Self::hold(unsafe { &*slot }))
    }

    /// The fixed statement `key`, whose text `sql` gives (asked only when
    /// the slot is empty): prepared on first use, then found by its key with
    /// one multiply-hash. `Ok(None)` when `sql` gives no text, or when that
    /// statement is already running (a query nested in its own rows): the
    /// caller takes its general path then.
    #[inline]
    pub(crate) fn prepare_static(
        &self,
        key: StatementKey,
        sql: impl FnOnce() -> Option<&'static str>,
    ) -> rusqlite::Result<Option<HeldStatement<'_>>> {
        let slot = match self.last_static.get() {
            Some((last, slot)) if last == key => slot,
            _ => {
                let found = self
                    .statements
                    .borrow()
                    .get(&key)
                    .map(|slot| &**slot as *const Slot);
                let slot = match found {
                    Some(slot) => slot,
                    None => {
                        let Some(sql) = sql() else {
                            return Ok(None);
                        };
                        let slot = self.new_slot(sql, sql)?;
                        let ptr = &*slot as *const Slot;
                        self.statements.borrow_mut().insert(key, slot);
                        ptr
                    }
                };
                self.last_static.set(Some((key, slot)));
                slot
            }
        };
        // SAFETY: invariant 4: the box is neither dropped nor moved while
        // `self` is borrowed (removal needs `&mut self`, which also empties
        // `last_static`).
        Ok(Self::hold(unsafe { &*slot }))
    }

    /// A slot holding `sql` prepared on this connection, with `text` kept
    /// for tracing.
    fn new_slot(&self, sql: &str, text: &'static str) -> rusqlite::Result<Box<Slot>> {
        let stmt = self.conn.prepare(sql)?;
        // SAFETY: invariants 1-3 of the module docs: the connection outlives
        // the statement and keeps its address.
        let stmt: Statement<'static> = unsafe { std::mem::transmute(stmt) };
        Ok(Box::new(Slot {
            stmt: RefCell::new(stmt),
            sql: text,
        }))
    }

    /// The slot's statement, unless it is running already.
    #[inline]
    fn hold(slot: &Slot) -> Option<HeldStatement<'_>> {
        slot.stmt.try_borrow_mut().ok().map(|stmt| HeldStatement {
            stmt,
            sql: slot.sql,
            large: false,
        })
    }

    /// How many times the cached statement for `sql` (a per-call query's
    /// text) has run, if the cache holds it.
    pub(crate) fn runs_of(&self, sql: &str) -> Option<i32> {
        let texts = self.texts.borrow();
        let slot = texts.get(sql)?;
        let stmt = slot.stmt.try_borrow().ok()?;
        Some(stmt.get_status(rusqlite::StatementStatus::Run))
    }

    /// How many fixed statements are cached (for tests).
    #[cfg(test)]
    pub(crate) fn cached(&self) -> usize {
        self.statements.borrow().len()
    }
}

impl Deref for SqliteConn {
    type Target = Connection;

    #[inline]
    fn deref(&self) -> &Connection {
        &self.conn
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conn::{SqliteStmt, Stmt};
    use crate::trace::StatementText;
    use crate::types::ColumnValue;

    struct A;
    struct B;

    fn conn() -> SqliteConn {
        let conn = SqliteConn::new(Connection::open_in_memory().unwrap());
        conn.execute_batch("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT); INSERT INTO t (v) VALUES ('a'), ('b')")
            .unwrap();
        conn
    }

    fn count(stmt: &mut Statement<'_>) -> i64 {
        stmt.query_row([], |row| row.get(0)).unwrap()
    }

    #[test]
    fn one_slot_per_model_and_statement_prepared_once() {
        let conn = conn();
        let key = (
            TypeId::of::<A>(),
            StatementId::Model(ModelStatement::SelectByKey),
        );
        let mut prepared = 0;
        for _ in 0..3 {
            let mut stmt = conn
                .prepare_static(key, || {
                    prepared += 1;
                    Some("SELECT count(*) FROM t")
                })
                .unwrap()
                .unwrap();
            assert_eq!(count(&mut stmt.stmt), 2);
        }
        assert_eq!(prepared, 1);
        let other = (TypeId::of::<B>(), StatementId::Children("tags"));
        let mut stmt = conn
            .prepare_static(other, || Some("SELECT 7"))
            .unwrap()
            .unwrap();
        assert_eq!(count(&mut stmt.stmt), 7);
        assert_eq!(conn.cached(), 2);
    }

    #[test]
    fn a_statement_in_use_is_not_handed_out_twice() {
        let conn = conn();
        let key = (
            TypeId::of::<A>(),
            StatementId::Model(ModelStatement::Update),
        );
        let held = conn.prepare_static(key, || Some("SELECT 1")).unwrap();
        assert!(held.is_some());
        assert!(conn
            .prepare_static(key, || Some("SELECT 1"))
            .unwrap()
            .is_none());
        drop(held);
        assert!(conn
            .prepare_static(key, || Some("SELECT 1"))
            .unwrap()
            .is_some());
    }

    #[test]
    fn no_text_means_no_statement() {
        let conn = conn();
        let key = (TypeId::of::<A>(), StatementId::Children("users"));
        assert!(conn.prepare_static(key, || None).unwrap().is_none());
        assert_eq!(conn.cached(), 0);
    }

    #[test]
    fn statements_by_text_are_reused_and_bounded_without_dropping_a_running_one() {
        let conn = conn();
        let mut held = conn
            .prepare_text("SELECT count(*) FROM t")
            .unwrap()
            .unwrap();
        // The same text while it runs: not handed out twice.
        assert!(conn
            .prepare_text("SELECT count(*) FROM t")
            .unwrap()
            .is_none());
        for n in 0..TEXT_CAPACITY + 10 {
            let mut stmt = conn.prepare_text(&format!("SELECT {n}")).unwrap().unwrap();
            assert_eq!(count(&mut stmt.stmt), n as i64);
        }
        // Full once: everything but the running statement was finalized.
        assert!(conn.texts.borrow().len() <= TEXT_CAPACITY);
        assert_eq!(count(&mut held.stmt), 2);
        drop(held);
        let mut again = conn.prepare_text("SELECT 3").unwrap().unwrap();
        assert_eq!(count(&mut again.stmt), 3);
    }

    /// SQLite's copy of a bound text or blob, as `sqlite3_bind_text` keeps it.
    fn bound_len(stmt: &Statement<'_>) -> Option<usize> {
        stmt.expanded_sql().map(|sql| sql.len())
    }

    #[test]
    fn a_large_binding_is_cleared_when_the_statement_goes_back() {
        let conn = conn();
        let key = (
            TypeId::of::<A>(),
            StatementId::Model(ModelStatement::Insert),
        );
        let text = || Some("SELECT length(?1)");
        let mut held = conn.prepare_static(key, text).unwrap().unwrap();
        held.stmt.raw_bind_parameter(1, "x".repeat(10)).unwrap();
        drop(held);
        // Small: left bound.
        let held = conn.prepare_static(key, text).unwrap().unwrap();
        assert!(bound_len(&held.stmt).unwrap() > 20);
        drop(held);
        // Bound the way the runtime binds a column value.
        let held = conn.prepare_static(key, text).unwrap().unwrap();
        let mut stmt = Stmt::Sqlite(SqliteStmt::Held(held), None, StatementText::new(""));
        let large = ColumnValue::Text("x".repeat(LARGE_BINDING + 1).into());
        stmt.bind_column(1, &large).unwrap();
        drop(stmt);
        // Large: cleared (NULL), nothing kept.
        let held = conn.prepare_static(key, text).unwrap().unwrap();
        assert_eq!(
            held.stmt.expanded_sql().as_deref(),
            Some("SELECT length(NULL)")
        );
    }

    #[test]
    fn a_statement_that_does_not_prepare_is_an_error_and_not_cached() {
        let conn = conn();
        let key = (
            TypeId::of::<A>(),
            StatementId::Model(ModelStatement::Delete),
        );
        assert!(conn
            .prepare_static(key, || Some("SELECT * FROM nowhere"))
            .is_err());
        assert_eq!(conn.cached(), 0);
    }

    #[test]
    fn statements_move_with_their_connection_and_survive_get_mut() {
        let conn = conn();
        let key = (
            TypeId::of::<A>(),
            StatementId::Model(ModelStatement::Insert),
        );
        conn.prepare_static(key, || Some("SELECT count(*) FROM t"))
            .unwrap();
        // Moved to another thread (as a pool does) and used there.
        let mut conn = std::thread::spawn(move || {
            let mut stmt = conn
                .prepare_static(key, || unreachable!())
                .unwrap()
                .unwrap();
            assert_eq!(count(&mut stmt.stmt), 2);
            drop(stmt);
            conn
        })
        .join()
        .unwrap();
        conn.get_mut()
            .execute_batch("INSERT INTO t (v) VALUES ('c')")
            .unwrap();
        assert_eq!(conn.cached(), 0);
        let mut stmt = conn
            .prepare_static(key, || Some("SELECT count(*) FROM t"))
            .unwrap()
            .unwrap();
        assert_eq!(count(&mut stmt.stmt), 3);
    }
}
