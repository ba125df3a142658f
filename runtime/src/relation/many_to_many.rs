//! Many-to-many relationships through an association table.

use super::*;
use crate::sql::Dialect;

/// A many-to-many relationship through an association table (`secondary`), from `M`
/// to `T` (`Post::TAGS`).
///
/// As for [`OneToMany`], the third parameter is [`QueryOnly`] for a `dynamic` or
/// `write_only` relationship, which has no loading options.
pub struct ManyToMany<M, T, E = Populated> {
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
    population: PhantomData<E>,
}

impl<M, T, E> Clone for ManyToMany<M, T, E> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T, E> Copy for ManyToMany<M, T, E> {}

impl<M, T, E> fmt::Debug for ManyToMany<M, T, E> {
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
            population: PhantomData,
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

    /// The same relationship as a query only (`lazy = "dynamic"` or
    /// `"write_only"`), without loading options.
    pub const fn query_only(self) -> ManyToMany<M, T, QueryOnly> {
        self.with_population()
    }
}

impl<M, T, E> ManyToMany<M, T, E> {
    pub(crate) const fn with_population<F>(self) -> ManyToMany<M, T, F> {
        ManyToMany {
            owner: self.owner,
            name: self.name,
            table: self.table,
            local: self.local,
            remote: self.remote,
            base: self.base,
            slot: self.slot,
            lazy: self.lazy,
            order: self.order,
            marker: PhantomData,
            population: PhantomData,
        }
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

impl<M: Model, T: Model, E> ManyToMany<M, T, E> {
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
                op: CompareOp::Eq,
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
    pub fn load<'a, X: Executor>(self, owner: &'a M, conn: &X) -> Result<&'a [T]> {
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
    pub fn link<X: Executor>(self, conn: &X, owner: &M, target: &T) -> Result<()> {
        self.write_pair(conn, owner, target, crate::sql::link_insert::<dyn Dialect>)
    }

    /// Deletes the association row linking `owner` and `target`
    /// (`post.tags.remove(tag)` + flush).
    ///
    /// # Errors
    ///
    /// As for [`ManyToMany::link`].
    pub fn unlink<X: Executor>(self, conn: &X, owner: &M, target: &T) -> Result<()> {
        self.write_pair(conn, owner, target, crate::sql::unlink::<dyn Dialect>)
    }

    /// Runs `statement` (of the association table, its local and its remote
    /// column) on the association row of `owner` and `target`.
    fn write_pair<X: Executor>(
        self,
        conn: &X,
        owner: &M,
        target: &T,
        statement: for<'d> fn(&'d (dyn Dialect + 'static), &str, &str, &str) -> String,
    ) -> Result<()> {
        let (a, b) = self.ids(owner, target)?;
        conn.begin_write()?;
        let db = conn.database();
        let sql = statement(db.dialect(), self.table, self.local, self.remote);
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
        let sql = crate::sql::unlink_all(conn.dialect(), self.table, self.local);
        conn.execute_with(&sql, self.table, &[owner])?;
        Ok(())
    }
}
