//! Typed column handles and the filter expressions built from them.

use std::fmt;
use std::marker::PhantomData;
use std::ops::{BitAnd, BitOr, Not};

use rusqlite::types::Value;

use crate::model::Model;
use crate::types::ToColumn;

/// A column of model `M` whose Rust field type is `T`.
///
/// The generator emits one `pub const` per column; comparisons only accept
/// values of a compatible type, so `User::USERNAME.eq(5)` does not compile.
///
/// ```
/// use litemodel::{Column, Expr};
/// struct User;
/// const USERNAME: Column<User, Option<String>> = Column::new("username");
/// let filter: Expr<User> = USERNAME.eq("john") & !USERNAME.like("j%");
/// assert_eq!(USERNAME.name(), "username");
/// # let _ = filter;
/// ```
pub struct Column<M, T> {
    name: &'static str,
    marker: PhantomData<fn() -> (M, T)>,
}

impl<M, T> Clone for Column<M, T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M, T> Copy for Column<M, T> {}

impl<M, T> fmt::Debug for Column<M, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Column({})", self.name)
    }
}

/// A value that can stand on the other side of a comparison with a column of
/// Rust type `T`: a value of `T` itself (any [`ToColumn`] type, generated
/// enums and `rust_type`s included), `&str` with `String`, a narrower integer
/// with `i64` and `i32`, `f32` with `f64`; `Option<T>` columns accept what `T`
/// accepts.
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be compared with a column of Rust type `{T}`",
    label = "expected a value of the column's type `{T}`"
)]
pub trait Operand<T> {
    /// The SQLite value bound as the parameter, stored the way the column
    /// stores it ([`ToColumn::to_operand`]).
    fn into_value(self) -> Value;
}

impl<T: ToColumn> Operand<T> for T {
    fn into_value(self) -> Value {
        self.to_operand()
    }
}

impl<T: ToColumn> Operand<Option<T>> for T {
    fn into_value(self) -> Value {
        self.to_operand()
    }
}

/// Operands of another Rust type than the column's, for it and its `Option`.
macro_rules! operands {
    ($column:ty: $($arg:ty),*) => {$(
        impl Operand<$column> for $arg {
            fn into_value(self) -> Value {
                self.to_operand()
            }
        }
        impl Operand<Option<$column>> for $arg {
            fn into_value(self) -> Value {
                self.to_operand()
            }
        }
    )*};
}
// Not for `i16`: with a single integer operand type, a literal (`.eq(5)`) is
// inferred as `i16`; `i32` and `i64` columns take literals through i32.
operands!(i64: i8, i16, i32, u8, u16, u32);
operands!(i32: i8, i16, u8, u16);
operands!(f64: f32);
operands!(String: &str, &String);
operands!(Vec<u8>: &[u8]);

impl<M, T> Column<M, T> {
    /// A handle on the column `name` (unquoted).
    pub const fn new(name: &'static str) -> Self {
        Column {
            name,
            marker: PhantomData,
        }
    }

    /// The column name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    fn compare(self, op: CompareOp, value: Value) -> Expr<M> {
        Expr::new(Node::Compare {
            column: self.name,
            op,
            value,
        })
    }

    /// `column = value`.
    pub fn eq(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Eq, value.into_value())
    }

    /// `column <> value`.
    pub fn ne(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Ne, value.into_value())
    }

    /// `column < value`.
    pub fn lt(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Lt, value.into_value())
    }

    /// `column <= value`.
    pub fn le(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Le, value.into_value())
    }

    /// `column > value`.
    pub fn gt(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Gt, value.into_value())
    }

    /// `column >= value`.
    pub fn ge(self, value: impl Operand<T>) -> Expr<M> {
        self.compare(CompareOp::Ge, value.into_value())
    }

    /// `column LIKE pattern` (SQLite's LIKE: `%`, `_`, ASCII case-insensitive).
    pub fn like<'p>(self, pattern: &'p str) -> Expr<M>
    where
        &'p str: Operand<T>,
    {
        self.compare(CompareOp::Like, pattern.into_value())
    }

    /// `column IN (values...)`; an empty list matches nothing.
    pub fn in_<V: Operand<T>>(self, values: impl IntoIterator<Item = V>) -> Expr<M> {
        Expr::new(Node::In {
            column: self.name,
            values: values.into_iter().map(Operand::into_value).collect(),
        })
    }

    /// `column IN (keys...)` of integer keys, rendered as the engine takes a
    /// list of keys best (see [`Node::InKeys`]); an empty list matches nothing.
    pub(crate) fn in_keys(self, keys: &[i64]) -> Expr<M> {
        Expr::new(Node::InKeys {
            column: self.name,
            keys: keys.to_vec(),
        })
    }

    /// `column BETWEEN low AND high` (both ends included).
    pub fn between(self, low: impl Operand<T>, high: impl Operand<T>) -> Expr<M> {
        Expr::new(Node::Between {
            column: self.name,
            low: low.into_value(),
            high: high.into_value(),
        })
    }

    /// Ascending order on this column.
    pub fn asc(self) -> Order<M> {
        Order {
            column: self.name,
            descending: false,
            table: None,
            marker: PhantomData,
        }
    }

    /// Descending order on this column.
    pub fn desc(self) -> Order<M> {
        Order {
            column: self.name,
            descending: true,
            table: None,
            marker: PhantomData,
        }
    }

    /// `SET column = value`, for a bulk [`Query::update`](crate::Query::update).
    pub fn set(self, value: impl Operand<T>) -> Assignment<M> {
        Assignment {
            column: self.name,
            value: value.into_value(),
            marker: PhantomData,
        }
    }
}

impl<M: Model, T> Column<M, T> {
    pub(crate) fn item(self) -> Item {
        Item::Column {
            table: M::TABLE,
            column: self.name,
        }
    }

    fn compare_column<N: Model, U>(self, op: CompareOp, other: Column<N, U>) -> Expr<M> {
        Expr::new(Node::CompareItems {
            left: self.item(),
            op,
            right: other.item(),
        })
    }

    /// `table.column = other_table.other_column`: a join condition
    /// (`Follow::FOLLOWED_ID.eq_col(Post::AUTHOR_ID)`), or a correlated one in
    /// a subquery. Both columns are written with their table.
    ///
    /// ```
    /// # use litemodel::{Binder, Column, Expr, Model, Result, Row};
    /// # #[derive(Clone, PartialEq)] struct Post { id: Option<i64> }
    /// # impl Model for Post {
    /// #   const TABLE: &'static str = "posts";
    /// #   const COLUMNS: &'static [&'static str] = &["id"];
    /// #   const PRIMARY_KEY: &'static str = "id";
    /// #   fn primary_key(&self) -> Option<i64> { self.id }
    /// #   fn set_primary_key(&mut self, key: Option<i64>) { self.id = key }
    /// #   fn from_row(row: &Row<'_>) -> Result<Self> { Ok(Post { id: row.get(0)? }) }
    /// #   fn bind(&self, _: &mut Binder<'_, '_>) -> Result<()> { Ok(()) }
    /// # }
    /// const AUTHOR_ID: Column<Post, Option<i64>> = Column::new("author_id");
    /// const POST_ID: Column<Post, Option<i64>> = Column::new("id");
    /// let same: Expr<Post> = AUTHOR_ID.eq_col(POST_ID);
    /// # let _ = same;
    /// ```
    pub fn eq_col<N: Model, U>(self, other: Column<N, U>) -> Expr<M> {
        self.compare_column(CompareOp::Eq, other)
    }

    /// `table.column <> other_table.other_column`.
    pub fn ne_col<N: Model, U>(self, other: Column<N, U>) -> Expr<M> {
        self.compare_column(CompareOp::Ne, other)
    }

    /// `table.column < other_table.other_column`.
    pub fn lt_col<N: Model, U>(self, other: Column<N, U>) -> Expr<M> {
        self.compare_column(CompareOp::Lt, other)
    }

    /// `table.column > other_table.other_column`.
    pub fn gt_col<N: Model, U>(self, other: Column<N, U>) -> Expr<M> {
        self.compare_column(CompareOp::Gt, other)
    }
}

impl<M, T> Column<M, Option<T>> {
    /// `column IS NULL`.
    pub fn is_null(self) -> Expr<M> {
        Expr::new(Node::Null {
            column: self.name,
            negated: false,
        })
    }

    /// `column IS NOT NULL`.
    pub fn is_not_null(self) -> Expr<M> {
        Expr::new(Node::Null {
            column: self.name,
            negated: true,
        })
    }

    /// `SET column = NULL`, for a bulk update.
    pub fn set_null(self) -> Assignment<M> {
        Assignment {
            column: self.name,
            value: Value::Null,
            marker: PhantomData,
        }
    }
}

/// A sort key: a column and a direction.
pub struct Order<M> {
    pub(crate) column: &'static str,
    pub(crate) descending: bool,
    /// The table of a joined model's column (`Query::order_by_joined`); `None`
    /// for the query's own model.
    pub(crate) table: Option<&'static str>,
    marker: PhantomData<fn() -> M>,
}

impl<M> Order<M> {
    /// The same direction on the result column `label` of a subquery.
    pub(crate) fn relabeled(self, label: &'static str) -> Order<M> {
        Order {
            column: label,
            descending: self.descending,
            table: None,
            marker: PhantomData,
        }
    }

    /// The same sort key on a joined table, for a query on another model.
    pub(crate) fn on_table<Q>(self, table: &'static str) -> Order<Q> {
        Order {
            column: self.column,
            descending: self.descending,
            table: Some(table),
            marker: PhantomData,
        }
    }
}

impl<M> Clone for Order<M> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<M> Copy for Order<M> {}

impl<M> fmt::Debug for Order<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let direction = if self.descending { "DESC" } else { "ASC" };
        write!(f, "Order({} {direction})", self.column)
    }
}

/// One `SET column = value` of a bulk update.
pub struct Assignment<M> {
    pub(crate) column: &'static str,
    pub(crate) value: Value,
    marker: PhantomData<fn() -> M>,
}

impl<M> fmt::Debug for Assignment<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Assignment({} = {:?})", self.column, self.value)
    }
}

/// A boolean SQL condition on rows of model `M`; combine with `&`, `|`, `!`
/// (or [`Expr::and`], [`Expr::or`], [`Expr::not`]).
pub struct Expr<M> {
    node: Node,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Expr<M> {
    fn clone(&self) -> Self {
        Expr::new(self.node.clone())
    }
}

impl<M> fmt::Debug for Expr<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.node.fmt(f)
    }
}

/// A comparison operator; the SQL seam spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Like,
}

/// A filter condition as the runtime describes it; `crate::sql` renders it.
#[derive(Debug, Clone)]
pub(crate) enum Node {
    Compare {
        column: &'static str,
        op: CompareOp,
        value: Value,
    },
    In {
        column: &'static str,
        values: Vec<Value>,
    },
    /// `column IN (keys...)` of the integer keys a relationship load asks
    /// for: a parameter per key, or one array where the engine binds arrays
    /// (`column = ANY($1)` on PostgreSQL).
    InKeys {
        column: &'static str,
        keys: Vec<i64>,
    },
    Between {
        column: &'static str,
        low: Value,
        high: Value,
    },
    Null {
        column: &'static str,
        negated: bool,
    },
    /// `column IN (SELECT select FROM table [WHERE filter])`: relationship
    /// conditions (`has`, `any`) and association tables.
    InSelect {
        column: &'static str,
        table: &'static str,
        select: &'static str,
        filter: Option<Box<Node>>,
    },
    And(Vec<Node>),
    Or(Vec<Node>),
    Not(Box<Node>),
    /// `left op right` on qualified columns, aggregates, subqueries or values:
    /// join conditions, HAVING, comparisons with a scalar subquery.
    CompareItems {
        left: Item,
        op: CompareOp,
        right: Item,
    },
    /// `node` on the columns of `table` (a joined model's condition): its
    /// columns are written `table.column`.
    Scoped {
        table: &'static str,
        node: Box<Node>,
    },
    /// `EXISTS (subquery)`.
    Exists(Box<SelectTree>),
    /// A fragment of SQL written by the program, each `?` in it bound to the
    /// next of `values`.
    Raw {
        sql: String,
        values: Vec<Value>,
    },
}

/// What a select list, GROUP BY or ORDER BY holds.
#[derive(Debug, Clone)]
pub(crate) enum Item {
    /// `table.column`.
    Column {
        table: &'static str,
        column: &'static str,
    },
    /// A bound value.
    Value(Value),
    /// `COUNT(*)`.
    CountAll,
    /// `FUNC([DISTINCT] arg)`.
    Aggregate {
        func: Aggregate,
        arg: Box<Item>,
        distinct: bool,
    },
    /// `(SELECT ...)`, one value.
    Subquery(Box<SelectTree>),
    /// `item AS "label"`, in a select list.
    Labeled {
        item: Box<Item>,
        label: &'static str,
    },
}

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Aggregate {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

/// A SELECT as the runtime describes it to the SQL seam: what `Query` builds for
/// joins, projections and aggregates.
#[derive(Debug, Clone)]
pub(crate) struct SelectTree {
    pub(crate) distinct: bool,
    pub(crate) items: Vec<Item>,
    pub(crate) from: &'static str,
    pub(crate) joins: Vec<JoinClause>,
    /// The table whose columns a filter names without one (the query's model).
    pub(crate) scope: &'static str,
    pub(crate) filter: Option<Node>,
    pub(crate) group_by: Vec<Item>,
    pub(crate) having: Option<Node>,
    /// (item, descending).
    pub(crate) order: Vec<(Item, bool)>,
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

/// `[LEFT OUTER] JOIN table ON on`.
#[derive(Debug, Clone)]
pub(crate) struct JoinClause {
    pub(crate) outer: bool,
    pub(crate) table: &'static str,
    pub(crate) on: Node,
}

impl<M> Expr<M> {
    pub(crate) fn new(node: Node) -> Self {
        Expr {
            node,
            marker: PhantomData,
        }
    }

    pub(crate) fn into_node(self) -> Node {
        self.node
    }

    /// Both conditions.
    pub fn and(self, other: Expr<M>) -> Expr<M> {
        Expr::new(match self.node {
            Node::And(mut nodes) => {
                nodes.push(other.node);
                Node::And(nodes)
            }
            node => Node::And(vec![node, other.node]),
        })
    }

    /// Either condition.
    pub fn or(self, other: Expr<M>) -> Expr<M> {
        Expr::new(match self.node {
            Node::Or(mut nodes) => {
                nodes.push(other.node);
                Node::Or(nodes)
            }
            node => Node::Or(vec![node, other.node]),
        })
    }

    /// The negated condition.
    #[allow(clippy::should_implement_trait)] // also implemented as `!`; the method reads better in chains
    pub fn not(self) -> Expr<M> {
        Expr::new(Node::Not(Box::new(self.node)))
    }

    pub(crate) fn node(&self) -> &Node {
        &self.node
    }

    /// A condition written in SQL, for what the typed API does not spell
    /// (SQLAlchemy's `text()` in a filter): each `?` in `sql` is bound to the
    /// next of `params`, in order, so values never enter the text. Column names
    /// in `sql` are the program's to quote and qualify; a `?` inside a string
    /// literal of `sql` also counts as a parameter.
    ///
    /// ```
    /// use litemodel::Expr;
    /// use litemodel::rusqlite::types::Value;
    /// struct User;
    /// let filter: Expr<User> = Expr::raw("lower(\"username\") = ?", [Value::from("john".to_owned())]);
    /// # let _ = filter;
    /// ```
    pub fn raw<V: Into<Value>>(
        sql: impl Into<String>,
        params: impl IntoIterator<Item = V>,
    ) -> Self {
        Expr::new(Node::Raw {
            sql: sql.into(),
            values: params.into_iter().map(Into::into).collect(),
        })
    }
}

impl<M> BitAnd for Expr<M> {
    type Output = Expr<M>;
    fn bitand(self, other: Expr<M>) -> Expr<M> {
        self.and(other)
    }
}

impl<M> BitOr for Expr<M> {
    type Output = Expr<M>;
    fn bitor(self, other: Expr<M>) -> Expr<M> {
        self.or(other)
    }
}

impl<M> Not for Expr<M> {
    type Output = Expr<M>;
    fn not(self) -> Expr<M> {
        Expr::not(self)
    }
}

/// `and_([a, b, c])`: every condition (SQLAlchemy's `and_`); empty matches all.
pub fn and_<M>(exprs: impl IntoIterator<Item = Expr<M>>) -> Expr<M> {
    Expr::new(Node::And(exprs.into_iter().map(|e| e.node).collect())).empty_as(true)
}

/// `or_(a, b, c)`: any condition (SQLAlchemy's `or_`); empty matches nothing.
pub fn or_<M>(exprs: impl IntoIterator<Item = Expr<M>>) -> Expr<M> {
    Expr::new(Node::Or(exprs.into_iter().map(|e| e.node).collect())).empty_as(false)
}

impl<M> Expr<M> {
    fn empty_as(self, value: bool) -> Expr<M> {
        match &self.node {
            Node::And(nodes) | Node::Or(nodes) if nodes.is_empty() => {
                // `IN ()` of nothing is false; NOT of it is true.
                let never = Node::In {
                    column: "",
                    values: Vec::new(),
                };
                Expr::new(if value {
                    Node::Not(Box::new(never))
                } else {
                    never
                })
            }
            _ => self,
        }
    }
}
