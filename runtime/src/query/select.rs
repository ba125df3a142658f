//! Projections and aggregates: `Query::select((User::ID, User::USERNAME))`
//! returns tuples, `func::count(Post::ID)` and friends with `group_by` and
//! `having`, scalar subqueries and `exists`.

use super::*;
use crate::expr::{Aggregate, CompareOp};
use crate::types::FromColumn;

/// The select-list items of a [`Selection`], in order.
#[derive(Debug, Clone, Default)]
pub struct SelectItems(pub(crate) Vec<Item>);

/// What [`Query::select`] can return: a [`Column`] (its Rust type), a
/// [`Scalar`] (an aggregate or a scalar subquery), or a tuple of up to eight
/// of them (a tuple of their outputs).
pub trait Selection {
    /// The Rust value of one result row.
    type Output;
    /// Appends the select-list items.
    fn push_items(self, items: &mut SelectItems);
    /// Reads the value starting at result column `*at`, moving `*at` past it.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] when a value does not fit.
    fn read(row: &Row<'_>, at: &mut usize) -> Result<Self::Output>;
}

impl<M: Model, T: FromColumn> Selection for Column<M, T> {
    type Output = T;
    fn push_items(self, items: &mut SelectItems) {
        items.0.push(self.item());
    }
    fn read(row: &Row<'_>, at: &mut usize) -> Result<T> {
        let value = row.get(*at)?;
        *at += 1;
        Ok(value)
    }
}

/// A typed SQL value expression that is not a column: an aggregate
/// (`func::count(Post::ID)`) or a scalar subquery. Select it, order by it,
/// compare it in `having`.
pub struct Scalar<T> {
    item: Item,
    marker: PhantomData<fn() -> T>,
}

impl<T> Clone for Scalar<T> {
    fn clone(&self) -> Self {
        Scalar {
            item: self.item.clone(),
            marker: PhantomData,
        }
    }
}

impl<T> fmt::Debug for Scalar<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.item.fmt(f)
    }
}

impl<T> Scalar<T> {
    fn new(item: Item) -> Self {
        Scalar {
            item,
            marker: PhantomData,
        }
    }

    fn compare<M>(self, op: CompareOp, value: rusqlite::types::Value) -> Expr<M> {
        Expr::new(Node::CompareItems {
            left: self.item,
            op,
            right: Item::Value(value),
        })
    }

    /// `expr = value` (in `having`, or a filter for a scalar subquery).
    pub fn eq<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Eq, value.into_value())
    }

    /// `expr <> value`.
    pub fn ne<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Ne, value.into_value())
    }

    /// `expr < value`.
    pub fn lt<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Lt, value.into_value())
    }

    /// `expr <= value`.
    pub fn le<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Le, value.into_value())
    }

    /// `expr > value`.
    pub fn gt<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Gt, value.into_value())
    }

    /// `expr >= value`.
    pub fn ge<M>(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Ge, value.into_value())
    }

    /// Ascending order on this value.
    pub fn asc(self) -> SelectOrder {
        SelectOrder(self.item, false)
    }

    /// Descending order on this value.
    pub fn desc(self) -> SelectOrder {
        SelectOrder(self.item, true)
    }
}

impl<M: Model, T> Column<M, T> {
    fn compare_scalar<U>(self, op: CompareOp, scalar: Scalar<U>) -> Expr<M> {
        Expr::new(Node::CompareItems {
            left: self.item(),
            op,
            right: scalar.item,
        })
    }

    /// `column = (scalar subquery)`: `Post::VIEWS.eq_scalar(most_views)`.
    pub fn eq_scalar<U>(self, scalar: Scalar<U>) -> Expr<M> {
        self.compare_scalar(CompareOp::Eq, scalar)
    }

    /// `column < (scalar subquery)`.
    pub fn lt_scalar<U>(self, scalar: Scalar<U>) -> Expr<M> {
        self.compare_scalar(CompareOp::Lt, scalar)
    }

    /// `column > (scalar subquery)`.
    pub fn gt_scalar<U>(self, scalar: Scalar<U>) -> Expr<M> {
        self.compare_scalar(CompareOp::Gt, scalar)
    }
}

impl<T: FromColumn> Selection for Scalar<T> {
    type Output = T;
    fn push_items(self, items: &mut SelectItems) {
        items.0.push(self.item);
    }
    fn read(row: &Row<'_>, at: &mut usize) -> Result<T> {
        let value = row.get(*at)?;
        *at += 1;
        Ok(value)
    }
}

macro_rules! tuples {
    ($($name:ident)+) => {
        impl<$($name: Selection),+> Selection for ($($name,)+) {
            type Output = ($($name::Output,)+);
            #[allow(non_snake_case)] // the tuple's parts, named by their types
            fn push_items(self, items: &mut SelectItems) {
                let ($($name,)+) = self;
                $($name.push_items(items);)+
            }
            fn read(row: &Row<'_>, at: &mut usize) -> Result<Self::Output> {
                Ok(($($name::read(row, at)?,)+))
            }
        }
    };
}
tuples!(A);
tuples!(A B);
tuples!(A B C);
tuples!(A B C D);
tuples!(A B C D E);
tuples!(A B C D E F);
tuples!(A B C D E F G);
tuples!(A B C D E F G H);

/// A sort key of a [`Select`]: a column of any model of the query
/// (`User::USERNAME.asc()`) or an aggregate (`func::count(Post::ID).desc()`).
#[derive(Debug, Clone)]
pub struct SelectOrder(Item, bool);

impl<X: Model> From<Order<X>> for SelectOrder {
    fn from(order: Order<X>) -> Self {
        SelectOrder(
            Item::Column {
                table: order.table.unwrap_or(X::TABLE),
                column: order.column,
            },
            order.descending,
        )
    }
}

/// The nullable form of a column type: what `MIN`, `MAX` and `SUM` return
/// for it (NULL when no row is aggregated).
pub trait Nullable {
    /// `Option<T>` for `T`, itself for an `Option`.
    type Nullable: FromColumn;
}

impl<T: FromColumn> Nullable for Option<T> {
    type Nullable = Option<T>;
}

macro_rules! nullable {
    ($($t:ty),*) => {$(
        impl Nullable for $t {
            type Nullable = Option<$t>;
        }
    )*};
}
nullable!(i64, i32, i16, i8, u8, u16, u32, f64, bool, String, Vec<u8>);
#[cfg(feature = "chrono")]
nullable!(
    crate::types::NaiveDateTime,
    crate::types::NaiveDate,
    crate::types::NaiveTime,
    crate::types::DateTime<crate::types::Utc>
);
#[cfg(feature = "rust_decimal")]
nullable!(crate::types::Decimal);

/// SQL's aggregate functions on typed columns (SQLAlchemy's `func.count`,
/// `func.sum`, ...), for [`Query::select`], `order_by` and `having`.
pub mod func {
    use super::*;

    fn aggregate<M: Model, T, O>(
        func: Aggregate,
        column: Column<M, T>,
        distinct: bool,
    ) -> Scalar<O> {
        Scalar::new(Item::Aggregate {
            func,
            arg: Box::new(column.item()),
            distinct,
        })
    }

    /// `COUNT(*)`: the number of rows (of each group).
    pub fn count_all() -> Scalar<i64> {
        Scalar::new(Item::CountAll)
    }

    /// `COUNT(column)`: the number of non-NULL values (0 for an outer join's
    /// missing rows).
    pub fn count<M: Model, T>(column: Column<M, T>) -> Scalar<i64> {
        aggregate(Aggregate::Count, column, false)
    }

    /// `COUNT(DISTINCT column)`.
    pub fn count_distinct<M: Model, T>(column: Column<M, T>) -> Scalar<i64> {
        aggregate(Aggregate::Count, column, true)
    }

    /// `SUM(column)`: `None` when no row has a value.
    pub fn sum<M: Model, T: Nullable>(column: Column<M, T>) -> Scalar<T::Nullable> {
        aggregate(Aggregate::Sum, column, false)
    }

    /// `AVG(column)` as a float: `None` when no row has a value.
    pub fn avg<M: Model, T>(column: Column<M, T>) -> Scalar<Option<f64>> {
        aggregate(Aggregate::Avg, column, false)
    }

    /// `MIN(column)`: `None` when no row has a value.
    pub fn min<M: Model, T: Nullable>(column: Column<M, T>) -> Scalar<T::Nullable> {
        aggregate(Aggregate::Min, column, false)
    }

    /// `MAX(column)`: `None` when no row has a value.
    pub fn max<M: Model, T: Nullable>(column: Column<M, T>) -> Scalar<T::Nullable> {
        aggregate(Aggregate::Max, column, false)
    }

    /// `EXISTS (SELECT ... the query's rows)` as a condition, correlated with
    /// the outer query through qualified columns
    /// (`Post::AUTHOR_ID.eq_col(User::ID)`): users with a post,
    /// `User::query().filter(func::exists(Post::query().filter(Post::AUTHOR_ID.eq_col(User::ID))))`.
    pub fn exists<M, J: Model>(query: Query<J>) -> Expr<M> {
        Expr::new(Node::Exists(Box::new(query.keys_tree(query.limit))))
    }
}

/// A query's rows projected onto chosen columns and aggregates
/// ([`Query::select`]); run it with [`Select::all`], [`Select::first`] or
/// [`Select::one`].
#[must_use = "a query does nothing until a terminal method such as `all` runs it"]
pub struct Select<M, S> {
    query: Query<M>,
    items: Vec<Item>,
    group_by: Vec<Item>,
    having: Option<Node>,
    order: Vec<(Item, bool)>,
    marker: PhantomData<fn() -> S>,
}

impl<M, S> Clone for Select<M, S> {
    fn clone(&self) -> Self {
        Select {
            query: self.query.clone(),
            items: self.items.clone(),
            group_by: self.group_by.clone(),
            having: self.having.clone(),
            order: self.order.clone(),
            marker: PhantomData,
        }
    }
}

impl<M, S> fmt::Debug for Select<M, S> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Select")
            .field("query", &self.query)
            .field("items", &self.items)
            .field("group_by", &self.group_by)
            .field("having", &self.having)
            .finish()
    }
}

impl<M: Model> Query<M> {
    /// Selects `selection` instead of whole objects (SQLAlchemy's
    /// `db.session.query(User.id, User.username)` / `with_entities`): a column,
    /// an aggregate of [`func`], a scalar subquery or a tuple of them, each row
    /// read into its Rust type:
    ///
    /// ```text
    /// let rows: Vec<(Option<i64>, Option<String>)> =
    ///     User::query().select((User::ID, User::USERNAME)).all(&db)?;
    /// ```
    ///
    /// The query's filter, joins, order, limit and offset apply; loading
    /// options do not (nothing is loaded into objects).
    pub fn select<S: Selection>(self, selection: S) -> Select<M, S> {
        let mut items = SelectItems::default();
        selection.push_items(&mut items);
        Select {
            query: self,
            items: items.0,
            group_by: Vec::new(),
            having: None,
            order: Vec::new(),
            marker: PhantomData,
        }
    }
}

impl<M: Model, S: Selection> Select<M, S> {
    /// `GROUP BY column` (after earlier groupings), a column of any model of
    /// the query.
    pub fn group_by<X: Model, T>(mut self, column: Column<X, T>) -> Self {
        self.group_by.push(column.item());
        self
    }

    /// Keeps the groups matching `condition`, usually on an aggregate:
    /// `.having(func::count(Post::ID).gt(1))` (AND-ed with earlier ones).
    pub fn having(mut self, condition: Expr<M>) -> Self {
        let node = condition.into_node();
        self.having = Some(match self.having.take() {
            Some(existing) => Node::And(vec![existing, node]),
            None => node,
        });
        self
    }

    /// Sorts by a column of any model of the query or an aggregate, after the
    /// query's own sort keys.
    pub fn order_by(mut self, order: impl Into<SelectOrder>) -> Self {
        let SelectOrder(item, descending) = order.into();
        self.order.push((item, descending));
        self
    }

    /// `SELECT DISTINCT`.
    pub fn distinct(mut self) -> Self {
        self.query.distinct = true;
        self
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.query.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.query.offset = Some(n);
        self
    }

    fn tree(&self, limit: Option<u64>) -> SelectTree {
        let mut tree = self.query.tree(self.items.clone(), limit);
        tree.group_by = self.group_by.clone();
        tree.having = self.having.clone();
        tree.order.extend(self.order.iter().cloned());
        tree
    }

    /// The SELECT this runs, with `?n` placeholders.
    pub fn to_sql(&self) -> String {
        self.to_sql_for(crate::Engine::Sqlite)
    }

    /// The SELECT this runs on `engine` (see [`Query::to_sql_for`]).
    pub fn to_sql_for(&self, engine: crate::Engine) -> String {
        let tree = self.tree(self.query.limit);
        crate::sql::select_tree(engine.dialect(), &tree).text
    }

    /// The statement as a one-value subquery, for a select list
    /// (`(SELECT COUNT(*) FROM posts WHERE posts.author_id = users.id)`) or a
    /// comparison. It reads as NULL when it finds no row: select it into an
    /// `Option` unless it is an aggregate without `group_by`.
    pub fn scalar_subquery<T>(self) -> Scalar<T>
    where
        S: Selection<Output = T>,
    {
        Scalar::new(Item::Subquery(Box::new(self.tree(self.query.limit))))
    }

    fn fetch<E: Executor>(&self, conn: &E, limit: Option<u64>) -> Result<Vec<S::Output>> {
        let db = conn.database();
        let tree = self.tree(limit);
        let sql = crate::sql::select_tree(db.dialect(), &tree);
        let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
        let mut rows = stmt.query()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            let mut at = 0;
            out.push(S::read(&Row::new::<M>(row), &mut at)?);
        }
        Ok(out)
    }

    /// Every row.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a value that does not fit its Rust type,
    /// [`Error::Sqlite`] for a failing statement.
    pub fn all<E: Executor>(&self, conn: &E) -> Result<Vec<S::Output>> {
        self.fetch(conn, self.query.limit)
    }

    /// The first row, if any.
    ///
    /// # Errors
    ///
    /// As for [`Select::all`].
    pub fn first<E: Executor>(&self, conn: &E) -> Result<Option<S::Output>> {
        Ok(self.fetch(conn, self.query.capped(1))?.pop())
    }

    /// Exactly one row (an aggregate without `group_by`: `.select(func::count_all()).one(&db)`).
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for no row, [`Error::MultipleRows`] for several,
    /// otherwise as for [`Select::all`].
    pub fn one<E: Executor>(&self, conn: &E) -> Result<S::Output> {
        let mut rows = self.fetch(conn, self.query.capped(2))?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows { table: M::TABLE });
        }
        rows.pop().ok_or(Error::NotFound { table: M::TABLE })
    }
}
