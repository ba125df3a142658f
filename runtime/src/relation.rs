//! Relationships: the many-to-one handle and the two lazy-loading holders.
//!
//! A spec relationship `users = relationship('User', backref='role')` gives
//! the child a [`Parent`] field (`user.role`) and a [`ManyToOne`] constant
//! (`User::ROLE`); the parent gets either a query accessor (`lazy =
//! "dynamic"`) or a [`Children`] field loaded on first access (`lazy =
//! "select"`, the default).

use std::cell::OnceCell;
use std::fmt;
use std::marker::PhantomData;

use crate::database::Executor;
use crate::error::Result;
use crate::expr::{Column, Expr, Node, Order};
use crate::model::Model;
use crate::query::{FilterBy, Query};
use crate::session::Key;

use rusqlite::types::Value;

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
            marker: PhantomData,
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
}

impl<'a, M, P: Model> FilterBy<M, &'a P> for ManyToOne<M, P> {
    fn filter_expr(self, parent: &'a P) -> Expr<M> {
        self.is(parent)
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
    state: ParentState<P>,
    cache: OnceCell<Option<P>>,
}

impl<P> Default for Parent<P> {
    fn default() -> Self {
        Parent {
            state: ParentState::Column,
            cache: OnceCell::new(),
        }
    }
}

impl<P: Clone> Clone for Parent<P> {
    fn clone(&self) -> Self {
        Parent {
            state: self.state,
            cache: self.cache.clone(),
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

impl<P: Model> Parent<P> {
    /// The parent, loaded with one SELECT by primary key on first access and
    /// cached; a pending parent is read from the session passed as `conn`.
    ///
    /// # Errors
    ///
    /// As for [`Query::get`].
    pub fn get<'a, E: Executor>(&'a self, conn: &'a E, key: Option<i64>) -> Result<Option<&'a P>> {
        if let ParentState::Pending(session_key) = self.state {
            if let Some(object) = conn.session_object(session_key) {
                return Ok(Some(object));
            }
        }
        if let Some(cached) = self.cache.get() {
            return Ok(cached.as_ref());
        }
        let Some(id) = key else {
            return Ok(None);
        };
        let loaded = Query::<P>::new().get(conn, id)?;
        Ok(self.cache.get_or_init(|| loaded).as_ref())
    }

    /// Points the relationship at `link`, updating `key` (the foreign-key
    /// field) when the parent's id is already known.
    pub fn set(&mut self, link: Link<P>, key: &mut Option<i64>) {
        self.cache = OnceCell::new();
        match link {
            Link::Key(session_key) => self.state = ParentState::Pending(session_key),
            Link::Object(object) => match object.primary_key() {
                Some(id) => {
                    *key = Some(id);
                    self.state = ParentState::Column;
                    self.cache = OnceCell::from(Some(object));
                }
                None => self.state = ParentState::Unsaved,
            },
            Link::None => {
                *key = None;
                self.state = ParentState::Column;
            }
        }
    }

    /// Forgets the loaded parent; the next access loads it again.
    pub fn reset(&mut self) {
        self.cache = OnceCell::new();
    }

    /// The session key of a pending parent, if the relationship holds one.
    pub fn pending_key(&self) -> Option<Key<P>> {
        match self.state {
            ParentState::Pending(key) => Some(key),
            _ => None,
        }
    }

    pub(crate) fn state(&self) -> ParentState<P> {
        self.state
    }
}

/// A one-to-many collection loaded on first access (`lazy = "select"`):
/// one SELECT, then the cached rows; a second access runs no statement.
///
/// The accessor returns a slice, so there is no `order_by` on it: ordering
/// belongs to the query (`lazy = "dynamic"`). Equality ignores it and
/// `Debug` hides it.
pub struct Children<C> {
    cache: OnceCell<Vec<C>>,
}

impl<C> Default for Children<C> {
    fn default() -> Self {
        Children {
            cache: OnceCell::new(),
        }
    }
}

impl<C: Clone> Clone for Children<C> {
    fn clone(&self) -> Self {
        Children {
            cache: self.cache.clone(),
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

impl<C: Model> Children<C> {
    /// The children of `parent` through `relation`, loaded on first access
    /// and cached. An unsaved parent has no children (nothing is cached).
    ///
    /// # Errors
    ///
    /// As for [`Query::all`].
    pub fn load<P: Model, E: Executor>(
        &self,
        conn: &E,
        parent: &P,
        relation: ManyToOne<C, P>,
    ) -> Result<&[C]> {
        if let Some(children) = self.cache.get() {
            return Ok(children);
        }
        if parent.primary_key().is_none() {
            return Ok(&[]);
        }
        let children = Query::<C>::new().filter(relation.is(parent)).all(conn)?;
        Ok(self.cache.get_or_init(|| children))
    }

    /// Like [`Children::load`], with the relationship's `order_by` applied to the
    /// one SELECT.
    ///
    /// # Errors
    ///
    /// As for [`Query::all`].
    pub fn load_ordered<P: Model, E: Executor>(
        &self,
        conn: &E,
        parent: &P,
        relation: ManyToOne<C, P>,
        order: &[Order<C>],
    ) -> Result<&[C]> {
        if let Some(children) = self.cache.get() {
            return Ok(children);
        }
        if parent.primary_key().is_none() {
            return Ok(&[]);
        }
        let mut query = Query::<C>::new().filter(relation.is(parent));
        for item in order {
            query = query.order_by(*item);
        }
        let children = query.all(conn)?;
        Ok(self.cache.get_or_init(|| children))
    }

    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.cache.get().is_some()
    }

    /// Forgets the loaded collection; the next access loads it again.
    pub fn reset(&mut self) {
        self.cache = OnceCell::new();
    }
}
