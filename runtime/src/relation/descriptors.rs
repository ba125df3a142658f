//! The many-to-one and one-to-many relationship handles the generator emits
//! (`User::ROLE`, `Role::USERS`).

use super::*;

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
    post_update: bool,
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
            post_update: false,
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

    /// SQLAlchemy's `post_update=True`: a session writes the foreign key of
    /// a new child whose parent is new in the same flush with an UPDATE after
    /// the INSERTs (the child is inserted with the key NULL), and clears it
    /// with an UPDATE before the DELETEs of a flush that deletes the child. So
    /// two new rows that reference each other go in with one flush, and out
    /// with another. The column must accept NULL.
    ///
    /// ```
    /// # use litemodel::ManyToOne;
    /// struct User;
    /// struct Post;
    /// const FAVORITE_POST: ManyToOne<User, Post> =
    ///     ManyToOne::new("favorite_post", "favorite_post_id").with_post_update();
    /// assert!(FAVORITE_POST.is_post_update());
    /// ```
    #[must_use]
    pub const fn with_post_update(self) -> Self {
        ManyToOne {
            post_update: true,
            ..self
        }
    }

    /// Whether the foreign key is written by a post-update
    /// ([`with_post_update`](ManyToOne::with_post_update)).
    pub const fn is_post_update(&self) -> bool {
        self.post_update
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
            op: CompareOp::Eq,
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
impl<'a, M, P: Model> FilterBy<M, &'a P> for ManyToOne<M, P> {
    fn filter_expr(self, parent: &'a P) -> Expr<M> {
        self.is(parent)
    }
}

/// The one-to-many side of a relationship, from parent `P` to its children `C`
/// (`Role::USERS`): the children's foreign-key column, where the generated model
/// keeps the loaded children, and the declared `lazy` and `order_by`.
///
/// The third parameter says whether the relationship fills a collection
/// ([`Populated`], the default) or is only a query (`lazy = "dynamic"` or
/// `"write_only"`: [`QueryOnly`]); loading options such as
/// [`selectin`](OneToMany::selectin) exist only for the first.
pub struct OneToMany<P, C, E = Populated> {
    owner: &'static str,
    name: &'static str,
    fk: &'static str,
    child_key: fn(&C) -> Option<i64>,
    base: fn() -> Query<C>,
    slot: Option<fn(&P) -> &Children<C>>,
    lazy: Lazy,
    order: &'static [(&'static str, bool)],
    marker: PhantomData<fn() -> (P, C)>,
    population: PhantomData<E>,
}

impl<P, C, E> Clone for OneToMany<P, C, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P, C, E> Copy for OneToMany<P, C, E> {}

impl<P, C, E> fmt::Debug for OneToMany<P, C, E> {
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
            population: PhantomData,
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

    /// The same relationship as a query only (`lazy = "dynamic"` or
    /// `"write_only"`): the constant has no loading options, as SQLAlchemy
    /// refuses eager loading of such a relationship.
    pub const fn query_only(self) -> OneToMany<P, C, QueryOnly> {
        self.with_population()
    }
}

impl<P, C, E> OneToMany<P, C, E> {
    pub(crate) const fn with_population<F>(self) -> OneToMany<P, C, F> {
        OneToMany {
            owner: self.owner,
            name: self.name,
            fk: self.fk,
            child_key: self.child_key,
            base: self.base,
            slot: self.slot,
            lazy: self.lazy,
            order: self.order,
            marker: PhantomData,
            population: PhantomData,
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

impl<P: Model, C: Model, E> OneToMany<P, C, E> {
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
            op: CompareOp::Eq,
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
    pub fn load<'a, X: Executor>(self, parent: &'a P, conn: &X) -> Result<&'a [C]> {
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
    pub fn load_one<'a, X: Executor>(self, parent: &'a P, conn: &X) -> Result<Option<&'a C>> {
        Ok(self.load(parent, conn)?.first())
    }
}
