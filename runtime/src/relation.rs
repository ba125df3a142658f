//! Relationships: the handles the generator emits for each relationship of the spec
//! ([`ManyToOne`], [`OneToMany`], [`ManyToMany`]) and the holders of loaded related
//! objects ([`Parent`], [`Children`]).
//!
//! A spec relationship `users = relationship('User', backref='role')` gives the
//! child a [`Parent`] field (`user.role`) and a [`ManyToOne`] constant
//! (`User::ROLE`); the parent gets a [`OneToMany`] constant (`Role::USERS`) and
//! either a query accessor (`lazy = "dynamic"`/`"write_only"`) or a [`Children`]
//! field loaded on first access or eagerly by the query.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::database::Executor;
use crate::dialect::Dialect;
use crate::error::{Error, Result};
use crate::expr::{Column, Expr, Node, Order};
use crate::model::Model;
use crate::query::{FilterBy, Query};
use crate::session::Key;

/// SQLAlchemy's loader strategies, as declared by a relationship's `lazy`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    /// Loaded with one SELECT on first access (the default).
    Select,
    /// The accessor is a query.
    Dynamic,
    /// Loaded with its parent in the same statement (LEFT OUTER JOIN).
    Joined,
    /// Loaded for all parents at once with a second SELECT ... IN (...).
    Selectin,
    /// Reading it without loading it with the query is an error.
    Raise,
    /// Never loaded: reads as empty.
    Noload,
    /// Append/remove and an explicit query, never an implicit load.
    WriteOnly,
}

/// What a query said about a relationship it did not load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mark {
    /// Follow the relationship's own `lazy`.
    #[default]
    Default,
    /// `raiseload`: reading it is an error.
    Raise,
    /// `noload`: it reads as empty.
    Noload,
}

fn order_of<C>(order: &'static [(&'static str, bool)]) -> impl Iterator<Item = Order<C>> {
    order.iter().map(|&(column, descending)| {
        let column: Column<C, ()> = Column::new(column);
        if descending {
            column.desc()
        } else {
            column.asc()
        }
    })
}

fn key_is<M>(column: &'static str, key: i64) -> Expr<M> {
    Expr::new(Node::Compare {
        column,
        op: "=",
        value: Value::Integer(key),
    })
}

/// The many-to-one side of a relationship, from child `M` to parent `P`: its
/// attribute name and its foreign-key column.
///
/// ```
/// # use litemodel::{Binder, Model, Result, Row, ManyToOne};
/// # #[derive(Clone, PartialEq)] struct Role { id: Option<i64> }
/// # impl Model for Role {
/// #   const TABLE: &'static str = "roles";
/// #   const COLUMNS: &'static [&'static str] = &["id"];
/// #   const PRIMARY_KEY: &'static str = "id";
/// #   fn primary_key(&self) -> Option<i64> { self.id }
/// #   fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
/// #   fn from_row(row: &Row<'_>) -> Result<Self> { Ok(Role { id: row.get(0)? }) }
/// #   fn bind(&self, _: &mut Binder<'_, '_>) -> Result<()> { Ok(()) }
/// # }
/// struct User;
/// const ROLE: ManyToOne<User, Role> = ManyToOne::new("role", "role_id");
/// let admins = ROLE.is(&Role { id: Some(1) });
/// assert_eq!(ROLE.column().name(), "role_id");
/// # let _ = admins;
/// ```
pub struct ManyToOne<M, P> {
    name: &'static str,
    column: &'static str,
    owner: &'static str,
    slot: Option<fn(&M) -> &Parent<P>>,
    key: Option<fn(&M) -> Option<i64>>,
    lazy: Lazy,
    marker: PhantomData<fn() -> (M, P)>,
}

impl<M, P> Clone for ManyToOne<M, P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, P> Copy for ManyToOne<M, P> {}

impl<M, P> fmt::Debug for ManyToOne<M, P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ManyToOne({} via {})", self.name, self.column)
    }
}

impl<M, P> ManyToOne<M, P> {
    /// The relationship attribute `name` stored in foreign key `column`.
    pub const fn new(name: &'static str, column: &'static str) -> Self {
        ManyToOne {
            name,
            column,
            owner: "",
            slot: None,
            key: None,
            lazy: Lazy::Select,
            marker: PhantomData,
        }
    }

    /// Where the generated model keeps the loaded parent and the foreign key, and the
    /// relationship's declared `lazy`: what loading needs.
    pub const fn with_access(
        self,
        owner: &'static str,
        slot: fn(&M) -> &Parent<P>,
        key: fn(&M) -> Option<i64>,
        lazy: Lazy,
    ) -> Self {
        ManyToOne {
            owner,
            slot: Some(slot),
            key: Some(key),
            lazy,
            ..self
        }
    }

    /// The relationship attribute name (`role`).
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// The foreign-key column (`role_id`).
    pub const fn column(&self) -> Column<M, Option<i64>> {
        Column::new(self.column)
    }

    /// The declared loading strategy.
    pub const fn lazy(&self) -> Lazy {
        self.lazy
    }

    pub(crate) fn slot(&self) -> Option<fn(&M) -> &Parent<P>> {
        self.slot
    }

    pub(crate) fn key_of(&self) -> Option<fn(&M) -> Option<i64>> {
        self.key
    }

    pub(crate) fn column_name(&self) -> &'static str {
        self.column
    }

    /// `Owner.name`, for messages.
    pub(crate) fn path(&self) -> String {
        format!("{}.{}", self.owner, self.name)
    }
}

impl<M, P: Model> ManyToOne<M, P> {
    /// Rows whose parent is `parent` (`User.role == role`). An unsaved
    /// parent matches nothing.
    pub fn is(self, parent: &P) -> Expr<M> {
        let value = parent.primary_key().map_or(Value::Null, Value::Integer);
        Expr::new(Node::Compare {
            column: self.column,
            op: "=",
            value,
        })
    }

    /// Rows whose parent matches `filter` (SQLAlchemy's `User.role.has(...)`), as
    /// `role_id IN (SELECT id FROM roles WHERE ...)`.
    pub fn has(self, filter: Expr<P>) -> Expr<M> {
        Expr::new(Node::InSelect {
            column: self.column,
            table: P::TABLE,
            select: P::PRIMARY_KEY,
            filter: Some(Box::new(filter.into_node())),
        })
    }

    /// The parent of `child`: loaded on first access with one SELECT and cached,
    /// unless the query loaded it already; `lazy = "raise"`/`"noload"` (declared, or
    /// set by the query) make an unloaded parent an error or `None`.
    ///
    /// # Errors
    ///
    /// [`Error::RaiseLoad`], or as for [`Query::get`].
    pub fn load<'a, E: Executor>(self, child: &'a M, conn: &'a E) -> Result<Option<&'a P>> {
        let (Some(slot), Some(key)) = (self.slot, self.key) else {
            return Ok(None);
        };
        let parent = slot(child);
        if let Some(loaded) = parent.cached() {
            return Ok(loaded);
        }
        let lazy = match parent.mark() {
            Mark::Raise => Lazy::Raise,
            Mark::Noload => Lazy::Noload,
            Mark::Default => self.lazy,
        };
        match lazy {
            Lazy::Raise if parent.pending_key().is_none() => Err(Error::RaiseLoad {
                relationship: self.name,
                option: format!("{}.selectin()", const_name(self.owner, self.name)),
            }),
            Lazy::Noload if parent.pending_key().is_none() => Ok(None),
            _ => parent.get(conn, key(child)),
        }
    }
}

/// The collection `slot` of `owner`: already loaded, or per the query's mark or the
/// declared `lazy`, an error (`raise`), empty (`noload`, an unsaved owner) or loaded
/// with `query` and cached.
fn load_collection<'a, O: Model, T: Model, E: Executor>(
    slot: Option<fn(&O) -> &Children<T>>,
    lazy: Lazy,
    (owner_model, name): (&'static str, &'static str),
    owner: &'a O,
    conn: &E,
    query: impl FnOnce() -> Query<T>,
) -> Result<&'a [T]> {
    let Some(slot) = slot else {
        return Ok(&[]);
    };
    let children = slot(owner);
    if let Some(loaded) = children.loaded() {
        return Ok(loaded);
    }
    match children.effective(lazy) {
        Lazy::Raise => Err(Error::RaiseLoad {
            relationship: name,
            option: format!("{}.selectin()", const_name(owner_model, name)),
        }),
        Lazy::Noload => Ok(&[]),
        _ if owner.primary_key().is_none() => Ok(&[]),
        _ => {
            let query = query();
            // The path only matters to the query's own loading options.
            let mut path = if query.has_loads() {
                vec![format!("{owner_model}.{name}")]
            } else {
                Vec::new()
            };
            let rows = query.fetch_on_path(conn, &mut path)?;
            Ok(children.fill(rows))
        }
    }
}

/// `Owner::NAME`, the generated constant of a relationship.
fn const_name(owner: &str, name: &str) -> String {
    format!("{owner}::{}", name.to_uppercase())
}

impl<'a, M, P: Model> FilterBy<M, &'a P> for ManyToOne<M, P> {
    fn filter_expr(self, parent: &'a P) -> Expr<M> {
        self.is(parent)
    }
}

/// The one-to-many side of a relationship, from parent `P` to its children `C`
/// (`Role::USERS`): the children's foreign-key column, where the generated model
/// keeps the loaded children, and the declared `lazy` and `order_by`.
pub struct OneToMany<P, C> {
    owner: &'static str,
    name: &'static str,
    fk: &'static str,
    child_key: fn(&C) -> Option<i64>,
    base: fn() -> Query<C>,
    slot: Option<fn(&P) -> &Children<C>>,
    lazy: Lazy,
    order: &'static [(&'static str, bool)],
    marker: PhantomData<fn() -> (P, C)>,
}

impl<P, C> Clone for OneToMany<P, C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C> Copy for OneToMany<P, C> {}

impl<P, C> fmt::Debug for OneToMany<P, C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OneToMany({}.{} via {})", self.owner, self.name, self.fk)
    }
}

impl<P, C> OneToMany<P, C> {
    /// Relationship `owner.name` whose children point back through column `fk`;
    /// `child_key` reads that column from a child and `base` is the child model's
    /// `query` (with its own default loading options).
    pub const fn new(
        owner: &'static str,
        name: &'static str,
        fk: &'static str,
        child_key: fn(&C) -> Option<i64>,
        base: fn() -> Query<C>,
    ) -> Self {
        OneToMany {
            owner,
            name,
            fk,
            child_key,
            base,
            slot: None,
            lazy: Lazy::Select,
            order: &[],
            marker: PhantomData,
        }
    }

    /// Where the generated model keeps the loaded children (all modes but
    /// `dynamic` and `write_only`).
    pub const fn with_slot(self, slot: fn(&P) -> &Children<C>) -> Self {
        OneToMany {
            slot: Some(slot),
            ..self
        }
    }

    /// The declared loading strategy.
    pub const fn with_lazy(self, lazy: Lazy) -> Self {
        OneToMany { lazy, ..self }
    }

    /// The declared `order_by`: (column, descending) pairs.
    pub const fn with_order(self, order: &'static [(&'static str, bool)]) -> Self {
        OneToMany { order, ..self }
    }

    /// The declared loading strategy.
    pub const fn lazy(&self) -> Lazy {
        self.lazy
    }

    pub(crate) fn path(&self) -> String {
        format!("{}.{}", self.owner, self.name)
    }

    pub(crate) fn slot(&self) -> Option<fn(&P) -> &Children<C>> {
        self.slot
    }

    pub(crate) fn child_key(&self) -> fn(&C) -> Option<i64> {
        self.child_key
    }

    pub(crate) fn fk(&self) -> &'static str {
        self.fk
    }

    pub(crate) fn base(&self) -> Query<C> {
        (self.base)()
    }

    pub(crate) fn order(&self) -> &'static [(&'static str, bool)] {
        self.order
    }
}

impl<P: Model, C: Model> OneToMany<P, C> {
    pub(crate) fn ordered(&self, mut query: Query<C>) -> Query<C> {
        for order in order_of(self.order) {
            query = query.order_by(order);
        }
        query
    }

    /// The children of `parent` as a query, in the declared order: the accessor of
    /// `lazy = "dynamic"` (`role.users().filter(...).all(&db)`). An unsaved parent
    /// has no children.
    pub fn query(self, parent: &P) -> Query<C> {
        let key = parent.primary_key().map_or(Value::Null, Value::Integer);
        let filter = Expr::new(Node::Compare {
            column: self.fk,
            op: "=",
            value: key,
        });
        self.ordered(self.base().filter(filter))
    }

    /// Parents with a child matching `filter` (SQLAlchemy's `Role.users.any(...)`),
    /// as `id IN (SELECT role_id FROM users WHERE ...)`.
    pub fn any(self, filter: Expr<C>) -> Expr<P> {
        Expr::new(Node::InSelect {
            column: P::PRIMARY_KEY,
            table: C::TABLE,
            select: self.fk,
            filter: Some(Box::new(filter.into_node())),
        })
    }

    /// The children of `parent`: loaded with one SELECT on first access and cached,
    /// unless the query loaded them already. `lazy = "raise"` (declared or set by the
    /// query) makes an unloaded collection an error; `noload` an empty one.
    ///
    /// # Errors
    ///
    /// [`Error::RaiseLoad`], or as for [`Query::all`].
    pub fn load<'a, E: Executor>(self, parent: &'a P, conn: &E) -> Result<&'a [C]> {
        load_collection(
            self.slot,
            self.lazy,
            (self.owner, self.name),
            parent,
            conn,
            || self.query(parent),
        )
    }

    /// Deletes the children of `parent` (the `delete` cascade), each after its own
    /// cascades.
    ///
    /// # Errors
    ///
    /// A constraint violation or [`Error::Sqlite`].
    pub fn delete_all(self, db: &crate::Database, parent: &P) -> Result<()> {
        let Some(key) = parent.primary_key() else {
            return Ok(());
        };
        if C::CASCADES {
            for child in Query::<C>::new().filter(key_is(self.fk, key)).all(db)? {
                child.before_delete(db)?;
            }
        }
        Query::<C>::new().filter(key_is(self.fk, key)).delete(db)?;
        Ok(())
    }

    /// Sets the children's foreign key to NULL (what deleting the parent does without
    /// a `delete` cascade).
    ///
    /// # Errors
    ///
    /// [`Error::NotNullViolation`] when the foreign key is NOT NULL, or
    /// [`Error::Sqlite`].
    pub fn detach_all(self, db: &crate::Database, parent: &P) -> Result<()> {
        let Some(key) = parent.primary_key() else {
            return Ok(());
        };
        let fk: Column<C, Option<i64>> = Column::new(self.fk);
        Query::<C>::new()
            .filter(key_is(self.fk, key))
            .update(db, [fk.set_null()])?;
        Ok(())
    }

    /// The single child of a one-to-one relationship (`uselist = false`).
    ///
    /// # Errors
    ///
    /// As for [`OneToMany::load`].
    pub fn load_one<'a, E: Executor>(self, parent: &'a P, conn: &E) -> Result<Option<&'a C>> {
        Ok(self.load(parent, conn)?.first())
    }
}

/// A many-to-many relationship through an association table (`secondary`), from `M`
/// to `T` (`Post::TAGS`).
pub struct ManyToMany<M, T> {
    owner: &'static str,
    name: &'static str,
    table: &'static str,
    local: &'static str,
    remote: &'static str,
    base: fn() -> Query<T>,
    slot: Option<fn(&M) -> &Children<T>>,
    lazy: Lazy,
    order: &'static [(&'static str, bool)],
    marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for ManyToMany<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for ManyToMany<M, T> {}

impl<M, T> fmt::Debug for ManyToMany<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "ManyToMany({}.{} via {})",
            self.owner, self.name, self.table
        )
    }
}

impl<M, T> ManyToMany<M, T> {
    /// Relationship `owner.name` through association `table`, whose column `local`
    /// references `M` and `remote` references `T`; `base` is `T`'s `query`.
    pub const fn new(
        owner: &'static str,
        name: &'static str,
        table: &'static str,
        local: &'static str,
        remote: &'static str,
        base: fn() -> Query<T>,
    ) -> Self {
        ManyToMany {
            owner,
            name,
            table,
            local,
            remote,
            base,
            slot: None,
            lazy: Lazy::Select,
            order: &[],
            marker: PhantomData,
        }
    }

    /// Where the generated model keeps the loaded collection.
    pub const fn with_slot(self, slot: fn(&M) -> &Children<T>) -> Self {
        ManyToMany {
            slot: Some(slot),
            ..self
        }
    }

    /// The declared loading strategy.
    pub const fn with_lazy(self, lazy: Lazy) -> Self {
        ManyToMany { lazy, ..self }
    }

    /// The declared `order_by`: (column, descending) pairs.
    pub const fn with_order(self, order: &'static [(&'static str, bool)]) -> Self {
        ManyToMany { order, ..self }
    }

    /// The declared loading strategy.
    pub const fn lazy(&self) -> Lazy {
        self.lazy
    }

    pub(crate) fn path(&self) -> String {
        format!("{}.{}", self.owner, self.name)
    }

    pub(crate) fn slot(&self) -> Option<fn(&M) -> &Children<T>> {
        self.slot
    }

    pub(crate) fn order(&self) -> &'static [(&'static str, bool)] {
        self.order
    }

    pub(crate) fn parts(&self) -> (&'static str, &'static str, &'static str) {
        (self.table, self.local, self.remote)
    }

    pub(crate) fn base(&self) -> Query<T> {
        (self.base)()
    }
}

impl<M: Model, T: Model> ManyToMany<M, T> {
    pub(crate) fn ordered(&self, mut query: Query<T>) -> Query<T> {
        for order in order_of(self.order) {
            query = query.order_by(order);
        }
        query
    }

    /// The related objects of `owner` as a query, in the declared order.
    pub fn query(self, owner: &M) -> Query<T> {
        let key = owner.primary_key().map_or(Value::Null, Value::Integer);
        let filter = Expr::new(Node::InSelect {
            column: T::PRIMARY_KEY,
            table: self.table,
            select: self.remote,
            filter: Some(Box::new(Node::Compare {
                column: self.local,
                op: "=",
                value: key,
            })),
        });
        self.ordered(self.base().filter(filter))
    }

    /// Objects related to at least one `T` matching `filter`
    /// (SQLAlchemy's `Post.tags.any(...)`).
    pub fn any(self, filter: Expr<T>) -> Expr<M> {
        Expr::new(Node::InSelect {
            column: M::PRIMARY_KEY,
            table: self.table,
            select: self.local,
            filter: Some(Box::new(Node::InSelect {
                column: self.remote,
                table: T::TABLE,
                select: T::PRIMARY_KEY,
                filter: Some(Box::new(filter.into_node())),
            })),
        })
    }

    /// The related objects of `owner`, loaded on first access and cached (or by the
    /// query); see [`OneToMany::load`].
    ///
    /// # Errors
    ///
    /// [`Error::RaiseLoad`], or as for [`Query::all`].
    pub fn load<'a, E: Executor>(self, owner: &'a M, conn: &E) -> Result<&'a [T]> {
        load_collection(
            self.slot,
            self.lazy,
            (self.owner, self.name),
            owner,
            conn,
            || self.query(owner),
        )
    }

    /// Writes the association row linking `owner` and `target`
    /// (`post.tags.append(tag)` + flush); linking twice is a no-op. Through a
    /// session it runs in the session's transaction. A cached collection of `owner`
    /// is not updated: reload the object to see it.
    ///
    /// # Errors
    ///
    /// [`Error::NotPersistent`] when either object has no id;
    /// [`Error::ForeignKeyViolation`] or [`Error::Sqlite`].
    pub fn link<E: Executor>(self, conn: &E, owner: &M, target: &T) -> Result<()> {
        let (a, b) = self.ids(owner, target)?;
        conn.begin_write()?;
        let db = conn.database();
        let d = db.dialect();
        let mut sql = String::from("INSERT INTO ");
        d.push_identifier(&mut sql, self.table);
        sql.push_str(" (");
        d.push_identifier(&mut sql, self.local);
        sql.push_str(", ");
        d.push_identifier(&mut sql, self.remote);
        sql.push_str(") SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM ");
        d.push_identifier(&mut sql, self.table);
        sql.push_str(" WHERE ");
        d.push_identifier(&mut sql, self.local);
        sql.push_str(" = ?1 AND ");
        d.push_identifier(&mut sql, self.remote);
        sql.push_str(" = ?2)");
        db.execute_with(&sql, self.table, &[a, b])?;
        Ok(())
    }

    /// Deletes the association row linking `owner` and `target`
    /// (`post.tags.remove(tag)` + flush).
    ///
    /// # Errors
    ///
    /// As for [`ManyToMany::link`].
    pub fn unlink<E: Executor>(self, conn: &E, owner: &M, target: &T) -> Result<()> {
        let (a, b) = self.ids(owner, target)?;
        conn.begin_write()?;
        let db = conn.database();
        let d = db.dialect();
        let mut sql = String::from("DELETE FROM ");
        d.push_identifier(&mut sql, self.table);
        sql.push_str(" WHERE ");
        d.push_identifier(&mut sql, self.local);
        sql.push_str(" = ?1 AND ");
        d.push_identifier(&mut sql, self.remote);
        sql.push_str(" = ?2");
        db.execute_with(&sql, self.table, &[a, b])?;
        Ok(())
    }

    fn ids(self, owner: &M, target: &T) -> Result<(i64, i64)> {
        let a = owner
            .primary_key()
            .ok_or(Error::NotPersistent { table: M::TABLE })?;
        let b = target
            .primary_key()
            .ok_or(Error::NotPersistent { table: T::TABLE })?;
        Ok((a, b))
    }

    /// Deletes every association row of `owner` (SQLAlchemy does this before it
    /// deletes `owner`).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`].
    pub fn unlink_all(self, conn: &crate::Database, owner: &M) -> Result<()> {
        let Some(owner) = owner.primary_key() else {
            return Ok(());
        };
        let d = conn.dialect();
        let mut sql = String::from("DELETE FROM ");
        d.push_identifier(&mut sql, self.table);
        sql.push_str(" WHERE ");
        d.push_identifier(&mut sql, self.local);
        sql.push_str(" = ?1");
        conn.execute_with(&sql, self.table, &[owner])?;
        Ok(())
    }
}

/// What a many-to-one attribute can be set to.
#[derive(Debug, Clone)]
pub enum Link<P> {
    /// An object held by the session under this key, saved or still pending:
    /// the foreign key is filled when the session flushes.
    Key(Key<P>),
    /// A loaded object: its primary key is copied now.
    Object(P),
    /// No parent: the foreign key becomes NULL.
    None,
}

impl<P> From<Key<P>> for Link<P> {
    fn from(key: Key<P>) -> Self {
        Link::Key(key)
    }
}

impl<P: Clone> From<&P> for Link<P> {
    fn from(object: &P) -> Self {
        Link::Object(object.clone())
    }
}

/// Where a [`Parent`]'s foreign key comes from.
pub(crate) enum ParentState<P> {
    /// The foreign-key column alone says who the parent is.
    Column,
    /// A session object, maybe not inserted yet.
    Pending(Key<P>),
    /// An object that has no id and is not in a session: flushing fails.
    Unsaved,
}

impl<P> Clone for ParentState<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for ParentState<P> {}

/// The many-to-one attribute of a child (`user.role`): loads the parent on
/// first access and keeps it; can point at an object still pending in the
/// session.
///
/// Equality ignores it and `Debug` hides it, so it never affects dirty
/// checking or the model's repr. Like SQLAlchemy, the loaded parent is not
/// refreshed when the foreign-key field is assigned directly; use the
/// generated `set_*` method, or [`Parent::reset`].
pub struct Parent<P> {
    /// A session object, maybe not inserted yet (`ParentState::Pending`).
    pending: Option<Key<P>>,
    // Empty until there is more to keep than the foreign-key column and the
    // pending key tell (an unsaved parent, a loaded one, a loading mark): most
    // rows a query reads carry only this pointer-sized cell. Boxed, which also
    // lets a model be its own parent (a tree).
    inner: OnceCell<Box<ParentInner<P>>>,
}

struct ParentInner<P> {
    /// An object without id outside any session (`ParentState::Unsaved`).
    unsaved: bool,
    cache: OnceCell<Option<P>>,
    mark: Cell<Mark>,
}

impl<P> Default for ParentInner<P> {
    fn default() -> Self {
        ParentInner {
            unsaved: false,
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
        }
    }
}

impl<P: Clone> Clone for ParentInner<P> {
    fn clone(&self) -> Self {
        ParentInner {
            unsaved: self.unsaved,
            cache: self.cache.clone(),
            mark: self.mark.clone(),
        }
    }
}

impl<P> Default for Parent<P> {
    fn default() -> Self {
        Parent {
            pending: None,
            inner: OnceCell::new(),
        }
    }
}

impl<P: Clone> Clone for Parent<P> {
    fn clone(&self) -> Self {
        Parent {
            pending: self.pending,
            inner: self.inner.clone(),
        }
    }
}

impl<P> PartialEq for Parent<P> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<P> fmt::Debug for Parent<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Parent(..)")
    }
}

impl<P> Parent<P> {
    /// The state, created on first use.
    fn inner(&self) -> &ParentInner<P> {
        self.inner.get_or_init(Box::default)
    }

    fn inner_mut(&mut self) -> &mut ParentInner<P> {
        if self.inner.get().is_none() {
            self.inner = OnceCell::from(Box::default());
        }
        match self.inner.get_mut() {
            Some(inner) => inner,
            // Unreachable: filled just above.
            None => unreachable!("Parent state was just created"),
        }
    }

    /// The loaded parent, if it was loaded: `Some(None)` for "loaded, there is none".
    pub(crate) fn cached(&self) -> Option<Option<&P>> {
        if self.pending.is_some() {
            return None;
        }
        self.inner.get()?.cache.get().map(Option::as_ref)
    }

    /// Stores an eagerly loaded parent (ignored when one is loaded already).
    pub(crate) fn fill(&self, parent: Option<P>) {
        let _ = self.inner().cache.set(parent);
    }

    pub(crate) fn mark(&self) -> Mark {
        self.inner
            .get()
            .map_or(Mark::Default, |inner| inner.mark.get())
    }

    pub(crate) fn set_mark(&self, mark: Mark) {
        if mark != Mark::Default || self.inner.get().is_some() {
            self.inner().mark.set(mark);
        }
    }
}

impl<P: Model> Parent<P> {
    /// The parent, loaded with one SELECT by primary key on first access and
    /// cached; a pending parent is read from the session passed as `conn`.
    ///
    /// # Errors
    ///
    /// As for [`Query::get`].
    pub fn get<'a, E: Executor>(&'a self, conn: &'a E, key: Option<i64>) -> Result<Option<&'a P>> {
        if let ParentState::Pending(session_key) = self.state() {
            if let Some(object) = conn.session_object(session_key) {
                return Ok(Some(object));
            }
        }
        if let Some(cached) = self.inner.get().and_then(|inner| inner.cache.get()) {
            return Ok(cached.as_ref());
        }
        let Some(id) = key else {
            return Ok(None);
        };
        let loaded = Query::<P>::new().get(conn, id)?;
        Ok(self.inner().cache.get_or_init(|| loaded).as_ref())
    }

    /// Points the relationship at `link`, updating `key` (the foreign-key
    /// field) when the parent's id is already known.
    pub fn set(&mut self, link: Link<P>, key: &mut Option<i64>) {
        self.pending = None;
        if let Some(inner) = self.inner.get_mut() {
            inner.cache = OnceCell::new();
            inner.unsaved = false;
        }
        match link {
            Link::Key(session_key) => self.pending = Some(session_key),
            Link::Object(object) => match object.primary_key() {
                Some(id) => {
                    *key = Some(id);
                    self.inner_mut().cache = OnceCell::from(Some(object));
                }
                None => self.inner_mut().unsaved = true,
            },
            Link::None => *key = None,
        }
    }

    /// Forgets the loaded parent; the next access loads it again.
    pub fn reset(&mut self) {
        if let Some(inner) = self.inner.get_mut() {
            inner.cache = OnceCell::new();
        }
    }

    /// The session key of a pending parent, if the relationship holds one.
    pub fn pending_key(&self) -> Option<Key<P>> {
        self.pending
    }

    pub(crate) fn state(&self) -> ParentState<P> {
        match self.pending {
            Some(key) => ParentState::Pending(key),
            None if self.inner.get().is_some_and(|inner| inner.unsaved) => ParentState::Unsaved,
            None => ParentState::Column,
        }
    }
}

/// A collection of related objects (`role.users`, `post.tags`) held by the parent:
/// loaded on first access with one SELECT, or eagerly by the query, then cached.
///
/// The accessor returns a slice, so there is no `order_by` on it: ordering
/// belongs to the query (`lazy = "dynamic"`) or to the relationship's
/// `order_by`. Objects [`append`](Children::append)ed here are added to the
/// session with their parent (the `save-update` cascade); objects
/// [`remove`](Children::remove)d are deleted on flush under `delete-orphan`, or
/// unlinked (foreign key set to NULL) otherwise. Equality ignores it and `Debug`
/// hides it.
pub struct Children<C> {
    cache: OnceCell<Vec<C>>,
    mark: Cell<Mark>,
    /// Appended and removed objects waiting for the next flush; boxed, as
    /// most loaded objects never have any.
    changes: Option<Box<ChildChanges<C>>>,
}

struct ChildChanges<C> {
    pending: Vec<C>,
    removed: Vec<C>,
}

impl<C: Clone> Clone for ChildChanges<C> {
    fn clone(&self) -> Self {
        ChildChanges {
            pending: self.pending.clone(),
            removed: self.removed.clone(),
        }
    }
}

impl<C> Default for Children<C> {
    fn default() -> Self {
        Children {
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
            changes: None,
        }
    }
}

impl<C: Clone> Clone for Children<C> {
    fn clone(&self) -> Self {
        Children {
            cache: self.cache.clone(),
            mark: self.mark.clone(),
            changes: self.changes.clone(),
        }
    }
}

impl<C> PartialEq for Children<C> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<C> fmt::Debug for Children<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Children(..)")
    }
}

impl<C> Children<C> {
    /// The loaded collection, if it was loaded.
    pub fn loaded(&self) -> Option<&[C]> {
        self.cache.get().map(Vec::as_slice)
    }

    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.cache.get().is_some()
    }

    /// Forgets the loaded collection; the next access loads it again.
    pub fn reset(&mut self) {
        self.cache = OnceCell::new();
    }

    /// Adds a new related object: it is added to the session together with the
    /// parent (or at the next flush, if the parent is in the session already), with
    /// its foreign key pointing at the parent (`role.users.append(user)`).
    pub fn append(&mut self, child: C) {
        self.changes_mut().pending.push(child);
    }

    fn changes_mut(&mut self) -> &mut ChildChanges<C> {
        self.changes.get_or_insert_with(|| {
            Box::new(ChildChanges {
                pending: Vec::new(),
                removed: Vec::new(),
            })
        })
    }

    /// Removes the loaded related objects matching `which` from the collection
    /// (`role.users.remove(user)`): on the next flush they are deleted under a
    /// `delete-orphan` cascade, or unlinked (foreign key NULL) otherwise. Returns
    /// how many were removed; an unloaded collection removes nothing.
    pub fn remove(&mut self, which: impl Fn(&C) -> bool) -> usize {
        let Some(loaded) = self.cache.get_mut() else {
            return 0;
        };
        let (gone, kept): (Vec<C>, Vec<C>) = loaded.drain(..).partition(|child| which(child));
        *loaded = kept;
        let count = gone.len();
        if count > 0 {
            self.changes_mut().removed.extend(gone);
        }
        count
    }

    /// The objects [`append`](Children::append)ed since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_pending(&mut self) -> Vec<C> {
        self.changes
            .as_mut()
            .map(|changes| std::mem::take(&mut changes.pending))
            .unwrap_or_default()
    }

    /// The objects [`remove`](Children::remove)d since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_removed(&mut self) -> Vec<C> {
        self.changes
            .as_mut()
            .map(|changes| std::mem::take(&mut changes.removed))
            .unwrap_or_default()
    }

    /// Stores an eagerly loaded collection and returns it (keeps one that is loaded
    /// already).
    pub(crate) fn fill(&self, children: Vec<C>) -> &[C] {
        self.cache.get_or_init(|| children)
    }

    pub(crate) fn set_mark(&self, mark: Mark) {
        self.mark.set(mark);
    }

    /// The strategy for an unloaded access: the query's mark, else `declared`.
    pub(crate) fn effective(&self, declared: Lazy) -> Lazy {
        match self.mark.get() {
            Mark::Raise => Lazy::Raise,
            Mark::Noload => Lazy::Noload,
            Mark::Default => declared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Node {
        _parent: Parent<Node>,
    }

    #[test]
    fn a_parent_costs_three_words() {
        // Every row of a child model carries one: a pending key (16 bytes,
        // `None` in the session id's niche) and one pointer for the rest.
        assert_eq!(std::mem::size_of::<Option<Key<Node>>>(), 16);
        assert_eq!(std::mem::size_of::<Parent<Node>>(), 24);
    }

    #[test]
    fn children_cost_five_words() {
        // A loaded list and its mark; appended and removed objects are boxed.
        assert_eq!(std::mem::size_of::<Children<Node>>(), 40);
    }
}
