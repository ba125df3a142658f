//! Keyset ("seek") pagination: the next page starts after the last row seen,
//! found through the sort column's index instead of counting past an OFFSET.

use rusqlite::types::Value;

use super::*;
use crate::expr::CompareOp;
use crate::types::{ColumnError, ColumnValue, FromColumn};

/// Where a keyset page ends: the sort column's value and the primary key of
/// its last row. Pass it back to [`Query::keyset_page`] for the next page; keep
/// it between requests with [`Cursor::value`] and [`Cursor::key`].
#[derive(Debug, Clone, PartialEq)]
pub struct Cursor {
    value: Value,
    key: i64,
}

impl Cursor {
    /// A cursor after the row with sort value `value` and primary key `key`
    /// (a cursor taken from a request).
    pub fn new(value: impl Into<Value>, key: i64) -> Self {
        Cursor {
            value: value.into(),
            key,
        }
    }

    /// The sort column's value of the last row.
    pub fn value(&self) -> &Value {
        &self.value
    }

    /// The primary key of the last row.
    pub fn key(&self) -> i64 {
        self.key
    }
}

/// One keyset page: its rows and the cursor of the next one (`None` on the
/// last page).
#[derive(Debug, Clone, PartialEq)]
pub struct KeysetPage<M> {
    /// The rows of this page.
    pub items: Vec<M>,
    /// Where the next page starts; `None` when this page is the last.
    pub next: Option<Cursor>,
}

/// A stored value as it is, to compare the next page with.
struct Stored(Value);

impl FromColumn for Stored {
    fn from_column(value: ColumnValue<'_>) -> std::result::Result<Self, ColumnError> {
        Ok(Stored(match value {
            ColumnValue::Null => Value::Null,
            ColumnValue::Integer(i) => Value::Integer(i),
            ColumnValue::Real(f) => Value::Real(f),
            ColumnValue::Text(text) => Value::Text(text.into_owned()),
            ColumnValue::Blob(bytes) => Value::Blob(bytes.into_owned()),
        }))
    }
}

fn compare(column: &'static str, op: CompareOp, value: Value) -> Node {
    Node::Compare { column, op, value }
}

impl<M: Model> Query<M> {
    /// One page of `per_page` rows in `order`, after `after` (the first page
    /// for `None`): keyset pagination beside [`Query::paginate`]. The rows are
    /// sorted by `order`'s column, then by the primary key, so that rows with
    /// equal values keep a stable order; the next page is `WHERE col > ?1 OR
    /// (col = ?1 AND id > ?2) ORDER BY col, id LIMIT n` (`<` when descending),
    /// one statement whatever the page, where `paginate`'s OFFSET reads every
    /// row before the page. The sort column should be NOT NULL: a NULL value
    /// never compares greater, so rows holding one are left out after the
    /// first page.
    ///
    /// The query's own filter and joins apply; its `order_by`, `limit` and
    /// `offset` are replaced.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPage`] for `per_page` 0, otherwise as for [`Query::all`].
    pub fn keyset_page<E: Executor>(
        &self,
        conn: &E,
        order: Order<M>,
        after: Option<&Cursor>,
        per_page: u64,
    ) -> Result<KeysetPage<M>> {
        if per_page == 0 {
            return Err(Error::InvalidPage { page: 1, per_page });
        }
        let mut query = self.clone();
        query.order = Vec::new();
        query.limit = None;
        query.offset = None;
        let (past, descending) = if order.descending {
            (CompareOp::Lt, true)
        } else {
            (CompareOp::Gt, false)
        };
        if let Some(cursor) = after {
            let seek = Node::Or(vec![
                compare(order.column, past, cursor.value.clone()),
                Node::And(vec![
                    compare(order.column, CompareOp::Eq, cursor.value.clone()),
                    compare(M::PRIMARY_KEY, past, Value::Integer(cursor.key)),
                ]),
            ]);
            query = query.filter(Expr::new(seek));
        }
        query.order.push(order);
        let key: Column<M, i64> = Column::new(M::PRIMARY_KEY);
        query
            .order
            .push(if descending { key.desc() } else { key.asc() });
        // The rows, then the sort column again, to make the next cursor from.
        let mut items = Self::model_items();
        items.push(Item::Column {
            table: M::TABLE,
            column: order.column,
        });
        let tree = query.tree(items, Some(per_page));
        let db = conn.database();
        let sql = crate::sql::select_tree(db.dialect(), &tree);
        let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
        let mut rows = stmt.query()?;
        let mut out = Vec::new();
        let mut last = None;
        while let Some(row) = rows.next()? {
            let row = Row::new::<M>(row);
            let object = M::from_row(&row)?;
            let Stored(value) = row.get(M::COLUMNS.len())?;
            last = object.primary_key().map(|key| Cursor { value, key });
            out.push(object);
        }
        conn.use_identity(&mut out);
        let next = if out.len() as u64 == per_page {
            last
        } else {
            None
        };
        Ok(KeysetPage { items: out, next })
    }
}
