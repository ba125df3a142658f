//! Typed queries: `User::query().filter(...).order_by(...).all(&session)`.

use std::fmt;
use std::marker::PhantomData;

use crate::conn::{Rows, Stmt};
use crate::database::{Database, Executor};
use crate::error::{Error, Result};
use crate::expr::{Assignment, Column, Expr, Item, JoinClause, Node, Operand, Order, SelectTree};
use crate::load::{Load, Strategy};
use crate::model::{table_def, Model, ModelSql, Row};
use crate::relation::Mark;
use crate::sql::{Dialect, ModelStatement, Sql, Tail};
use crate::types::FromColumn;

mod join;
mod joined;
mod keyset;
mod raw;
mod rows;
mod select;
mod upsert;

pub use join::{JoinPath, Joins};
pub use keyset::{Cursor, KeysetPage};
pub use raw::RawSql;
pub use rows::{get_by_key, Getter, Page, Stream, StreamIter};
pub use select::{func, Nullable, Scalar, Select, SelectItems, SelectOrder, Selection};
pub use upsert::Upsert;

/// A SELECT on model `M`'s table under construction, run by one of its
/// terminal methods against a [`Database`] or a [`Session`](crate::Session).
///
/// Every value is bound as a parameter and every identifier quoted; the
/// statement is prepared once per connection and found by its text
/// afterwards.
#[must_use = "a query does nothing until a terminal method such as `all` runs it"]
pub struct Query<M> {
    filter: Option<Expr<M>>,
    order: Vec<Order<M>>,
    limit: Option<u64>,
    offset: Option<u64>,
    loads: Vec<Load<M>>,
    /// `join`/`outerjoin`: tables joined after the FROM.
    joins: Vec<JoinClause>,
    /// `select_from`: the FROM table when it is not `M`'s.
    from: Option<&'static str>,
    /// Whether the filter or the order names a joined table's column.
    scoped: bool,
    distinct: bool,
    marker: PhantomData<fn() -> M>,
}

impl<M> Clone for Query<M> {
    fn clone(&self) -> Self {
        Query {
            filter: self.filter.clone(),
            order: self.order.clone(),
            limit: self.limit,
            offset: self.offset,
            loads: self.loads.clone(),
            joins: self.joins.clone(),
            from: self.from,
            scoped: self.scoped,
            distinct: self.distinct,
            marker: PhantomData,
        }
    }
}

impl<M> fmt::Debug for Query<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Query")
            .field("filter", &self.filter)
            .field("order", &self.order)
            .field("limit", &self.limit)
            .field("offset", &self.offset)
            .field("loads", &self.loads)
            .field("joins", &self.joins)
            .field("from", &self.from)
            .field("distinct", &self.distinct)
            .finish()
    }
}

/// The labels of a joined eager load's sort keys on joined tables (see
/// `Query::joined_inner`).
const ORDER_LABELS: [&str; 8] = [
    "litemodel_order_1",
    "litemodel_order_2",
    "litemodel_order_3",
    "litemodel_order_4",
    "litemodel_order_5",
    "litemodel_order_6",
    "litemodel_order_7",
    "litemodel_order_8",
];

impl<M: Model> Default for Query<M> {
    fn default() -> Self {
        Self::new()
    }
}

/// Something `filter_by` can compare for equality: a [`Column`] with a value
/// of its type, or a many-to-one relationship with a parent object.
pub trait FilterBy<M, V> {
    /// The equality condition.
    fn filter_expr(self, value: V) -> Expr<M>;
}

impl<M, T, V: Operand<T>> FilterBy<M, V> for Column<M, T> {
    fn filter_expr(self, value: V) -> Expr<M> {
        self.eq(value)
    }
}

impl<M: Model> Query<M> {
    /// A query for every row of `M`'s table. The generated `User::query()`
    /// calls this.
    pub fn new() -> Self {
        Query {
            filter: None,
            order: Vec::new(),
            limit: None,
            offset: None,
            loads: Vec::new(),
            joins: Vec::new(),
            from: None,
            scoped: false,
            distinct: false,
            marker: PhantomData,
        }
    }

    /// Chooses how the query loads a relationship, replacing the relationship's
    /// declared `lazy` (SQLAlchemy's `options(selectinload(...))`):
    /// `Role::query().options(Role::USERS.selectin())`.
    pub fn options(mut self, option: impl Into<Load<M>>) -> Self {
        let option = option.into();
        let relationship = option.relationship();
        self.loads.retain(|l| l.relationship() != relationship);
        self.loads.push(option);
        self
    }

    /// Keeps the rows matching `condition` (AND-ed with earlier filters).
    pub fn filter(mut self, condition: Expr<M>) -> Self {
        self.filter = Some(match self.filter.take() {
            Some(existing) => existing.and(condition),
            None => condition,
        });
        self
    }

    /// Keeps the rows where `column` equals `value`: Flask-SQLAlchemy's
    /// `filter_by(column=value)`, also for relationships
    /// (`filter_by(User::ROLE, &role)`).
    pub fn filter_by<C, V>(self, column: C, value: V) -> Self
    where
        C: FilterBy<M, V>,
    {
        self.filter(column.filter_expr(value))
    }

    /// Sorts by `order` after any earlier sort keys.
    pub fn order_by(mut self, order: Order<M>) -> Self {
        self.order.push(order);
        self
    }

    /// The SELECT this query runs (without its eager loads' statements), in
    /// SQLite's dialect, with `?n` placeholders for its bound values:
    /// SQLAlchemy's `str(query)`.
    pub fn to_sql(&self) -> String {
        self.to_sql_for(crate::Engine::Sqlite)
    }

    /// The SELECT this query runs on `engine` (PostgreSQL: `$n`
    /// placeholders), SQLAlchemy's
    /// `str(query.statement.compile(dialect=postgresql.dialect()))`.
    ///
    /// ```
    /// # use litemodel::{Binder, Column, Engine, Model, Query, Result, Row};
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
    /// let label: Column<Tag, String> = Column::new("label");
    /// let query = Query::<Tag>::new().filter(label.eq("a")).limit(5);
    /// assert_eq!(
    ///     query.to_sql_for(Engine::Postgres),
    ///     r#"SELECT "id", "label" FROM "tags" WHERE "label" = $1 LIMIT 5"#
    /// );
    /// ```
    pub fn to_sql_for(&self, engine: crate::Engine) -> String {
        let d = engine.dialect();
        if self.is_scoped() {
            let tree = self.rows_tree(self.limit);
            crate::sql::select_tree(d, &tree).text
        } else {
            let statements = crate::sql::model_statements(d, table_def::<M>(), M::SERVER_DEFAULTS);
            crate::sql::select(d, &statements.select, &self.tail(self.limit)).text
        }
    }

    /// Returns at most `n` rows.
    pub fn limit(mut self, n: u64) -> Self {
        self.limit = Some(n);
        self
    }

    /// Skips the first `n` rows.
    pub fn offset(mut self, n: u64) -> Self {
        self.offset = Some(n);
        self
    }

    /// The query's WHERE, ORDER BY and OFFSET, with `limit`.
    fn tail(&self, limit: Option<u64>) -> Tail<'_, M> {
        Tail {
            filter: self.filter.as_ref().map(Expr::node),
            order: &self.order,
            limit,
            offset: self.offset,
        }
    }

    fn select_sql(&self, db: &Database, limit: Option<u64>) -> Sql<'_> {
        let d: &dyn Dialect = db.dialect();
        crate::sql::select(d, &ModelSql::of::<M>(db).select, &self.tail(limit))
    }

    /// The query's SELECT text when it is the same for every value of its one
    /// parameter, `key` (a lazy load's foreign key): no loading options, no
    /// joins, and `key` the only bound value. `None` otherwise.
    pub(crate) fn fixed_text(&self, db: &Database, key: i64) -> Option<String> {
        if self.has_loads() || self.is_scoped() {
            return None;
        }
        let sql = self.select_sql(db, self.limit);
        let only_the_key = match sql.params.as_slice() {
            [crate::sql::Param::Value(rusqlite::types::Value::Integer(k))] => *k == key,
            [crate::sql::Param::Int(k)] => *k == key,
            _ => false,
        };
        only_the_key.then_some(sql.text)
    }

    /// Decodes every row of `stmt`, a statement of `M`'s columns.
    pub(crate) fn read_all(db: &Database, stmt: &mut Stmt<'_>) -> Result<Vec<M>> {
        db.note(stmt);
        let mut rows = stmt.query()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            M::push_row(&Row::new::<M>(row), &mut out)?;
        }
        Ok(out)
    }

    /// Whether the statement needs qualified columns: joins, `select_from`,
    /// conditions or sort keys on a joined table, `distinct`.
    fn is_scoped(&self) -> bool {
        self.scoped || self.distinct || self.from.is_some() || !self.joins.is_empty()
    }

    /// `M`'s columns, each with its table.
    fn model_items() -> Vec<Item> {
        M::COLUMNS
            .iter()
            .map(|column| Item::Column {
                table: M::TABLE,
                column,
            })
            .collect()
    }

    /// The query as a [`SelectTree`] of `items`, with `limit`.
    pub(crate) fn tree(&self, items: Vec<Item>, limit: Option<u64>) -> SelectTree {
        SelectTree {
            distinct: self.distinct,
            items,
            from: self.from.unwrap_or(M::TABLE),
            joins: self.joins.clone(),
            scope: M::TABLE,
            filter: self.filter.as_ref().map(|f| f.node().clone()),
            group_by: Vec::new(),
            having: None,
            order: self
                .order
                .iter()
                .map(|order| {
                    let item = Item::Column {
                        table: order.table.unwrap_or(M::TABLE),
                        column: order.column,
                    };
                    (item, order.descending)
                })
                .collect(),
            limit,
            offset: self.offset,
        }
    }

    /// The tree selecting `M`'s rows (its columns), for a scoped query.
    fn rows_tree(&self, limit: Option<u64>) -> SelectTree {
        self.tree(Self::model_items(), limit)
    }

    /// The inner SELECT of a joined eager load on a scoped query, and the sort
    /// keys of the outer one: a sort key on a joined table is selected by the
    /// inner one under a label (`AS "litemodel_order_1"`) that the outer one
    /// sorts by.
    pub(crate) fn joined_inner(&self, limit: Option<u64>) -> (SelectTree, Vec<Order<M>>) {
        let mut items = Self::model_items();
        let mut outer = Vec::with_capacity(self.order.len());
        let mut labels = ORDER_LABELS.iter();
        for order in &self.order {
            match (order.table, labels.next()) {
                (Some(table), Some(label)) => {
                    items.push(Item::Labeled {
                        item: Box::new(Item::Column {
                            table,
                            column: order.column,
                        }),
                        label,
                    });
                    outer.push(order.relabeled(label));
                }
                // Past the labels: the key still sorts the inner SELECT.
                (Some(_), None) => {}
                (None, _) => outer.push(*order),
            }
        }
        (self.tree(items, limit), outer)
    }

    /// The tree selecting the matching rows' keys (for counts and bulk writes).
    fn keys_tree(&self, limit: Option<u64>) -> SelectTree {
        let key = Item::Column {
            table: M::TABLE,
            column: M::PRIMARY_KEY,
        };
        self.tree(vec![key], limit)
    }

    fn fetch<E: Executor>(&self, conn: &E, limit: Option<u64>) -> Result<Vec<M>> {
        let mut rows = self.fetch_loaded(conn.database(), limit, &mut Vec::new())?;
        conn.use_identity(&mut rows);
        Ok(rows)
    }

    /// Every matching row with its loading options applied, skipping options for
    /// relationships already on `path` (eager loading that would go round a cycle).
    /// Whether the query has loading options (`options(...)`).
    pub(crate) fn has_loads(&self) -> bool {
        !self.loads.is_empty()
    }

    pub(crate) fn fetch_on_path<E: Executor>(
        &self,
        conn: &E,
        path: &mut Vec<String>,
    ) -> Result<Vec<M>> {
        let mut rows = self.fetch_loaded(conn.database(), self.limit, path)?;
        conn.use_identity(&mut rows);
        Ok(rows)
    }

    fn fetch_loaded(
        &self,
        db: &Database,
        limit: Option<u64>,
        path: &mut Vec<String>,
    ) -> Result<Vec<M>> {
        let active: Vec<&Load<M>> = self
            .loads
            .iter()
            .filter(|l| !path.contains(&l.relationship()))
            .collect();
        let joined: Vec<&Load<M>> = active
            .iter()
            .copied()
            .filter(|l| l.strategy() == Strategy::Joined)
            .collect();
        let rows = match joined.as_slice() {
            [] => self.fetch_plain(db, limit)?,
            [one] => self.fetch_joined(db, limit, one, path)?,
            several => self.fetch_joined_many(db, limit, several, path)?,
        };
        for load in active {
            if load.strategy() != Strategy::Joined {
                apply(db, &rows, load, path)?;
            }
        }
        Ok(rows)
    }

    /// One statement: the query's rows (as a subquery, so that LIMIT counts them,
    /// not the joined rows) LEFT OUTER JOINed with the related rows.
    fn fetch_joined(
        &self,
        db: &Database,
        limit: Option<u64>,
        load: &Load<M>,
        path: &mut Vec<String>,
    ) -> Result<Vec<M>> {
        let d = db.dialect();
        let (tree, outer_order);
        let (inner, order) = if self.is_scoped() {
            (tree, outer_order) = self.joined_inner(limit);
            (crate::sql::select_tree(d, &tree), outer_order.as_slice())
        } else {
            (self.select_sql(db, limit), self.order.as_slice())
        };
        let sql =
            crate::sql::joined_select(d, table_def::<M>(), inner, order, &load.plan().joined());
        let key_index = M::COLUMNS
            .iter()
            .position(|c| *c == M::PRIMARY_KEY)
            .unwrap_or(0);
        let mut related = load.plan().start(false);
        let mut objects: Vec<M> = Vec::new();
        let mut last_key = None;
        {
            let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
            let mut rows = stmt.query()?;
            while let Some(row) = rows.next()? {
                let key = row.key(key_index, M::TABLE)?;
                if objects.is_empty() || key != last_key {
                    M::push_row(&Row::new::<M>(row).with_key(key), &mut objects)?;
                    last_key = key;
                }
                related.row(row, M::COLUMNS.len(), objects.len() - 1)?;
            }
        }
        path.push(load.relationship());
        let finished = related.finish(db, &objects, path);
        path.pop();
        finished?;
        Ok(objects)
    }

    fn fetch_plain(&self, db: &Database, limit: Option<u64>) -> Result<Vec<M>> {
        let tree;
        let sql = if self.is_scoped() {
            tree = self.rows_tree(limit);
            crate::sql::select_tree(db.dialect(), &tree)
        } else {
            self.select_sql(db, limit)
        };
        let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
        let mut rows = stmt.query()?;
        // A LIMIT says how many rows to expect: one allocation, not a few.
        let expected = limit.map_or(0, |n| n.min(256) as usize);
        let mut out = Vec::with_capacity(expected);
        while let Some(row) = rows.next()? {
            M::push_row(&Row::new::<M>(row), &mut out)?;
        }
        Ok(out)
    }

    fn capped(&self, n: u64) -> Option<u64> {
        Some(self.limit.map_or(n, |limit| limit.min(n)))
    }

    /// Every matching row.
    ///
    /// # Errors
    ///
    /// [`Error::Decode`] for a row that does not fit `M`, [`Error::Sqlite`]
    /// for a failing statement.
    pub fn all<E: Executor>(&self, conn: &E) -> Result<Vec<M>> {
        self.fetch(conn, self.limit)
    }

    /// The first matching row, if any.
    ///
    /// # Errors
    ///
    /// As for [`Query::all`].
    pub fn first<E: Executor>(&self, conn: &E) -> Result<Option<M>> {
        Ok(self.fetch(conn, self.capped(1))?.pop())
    }

    /// Exactly one row.
    ///
    /// # Errors
    ///
    /// [`Error::NotFound`] for no row, [`Error::MultipleRows`] for several,
    /// otherwise as for [`Query::all`].
    pub fn one<E: Executor>(&self, conn: &E) -> Result<M> {
        self.one_or_none(conn)?
            .ok_or(Error::NotFound { table: M::TABLE })
    }

    /// One row or none.
    ///
    /// # Errors
    ///
    /// [`Error::MultipleRows`] for several rows, otherwise as for [`Query::all`].
    pub fn one_or_none<E: Executor>(&self, conn: &E) -> Result<Option<M>> {
        let mut rows = self.fetch(conn, self.capped(2))?;
        if rows.len() > 1 {
            return Err(Error::MultipleRows { table: M::TABLE });
        }
        Ok(rows.pop())
    }

    /// The row with primary key `id` among the matching rows.
    ///
    /// # Errors
    ///
    /// As for [`Query::all`].
    pub fn get<E: Executor>(&self, conn: &E, id: i64) -> Result<Option<M>> {
        if self.filter.is_none() && !self.is_scoped() {
            if self.loads.is_empty() {
                // The session's object, or one fixed statement: no query to build.
                return get_by_key(conn, id);
            }
            // A session's object: no statement (its identity map).
            if let Some(held) = conn.identity_object::<M>(id) {
                return Ok(Some(held.clone()));
            }
        }
        let key: Column<M, i64> = Column::new(M::PRIMARY_KEY);
        let mut query = self.clone().filter(key.eq(id));
        query.order.clear();
        query.limit = None;
        query.offset = None;
        query.one_or_none(conn)
    }

    /// The number of matching rows (after `limit` and `offset`).
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] for a failing statement.
    pub fn count<E: Executor>(&self, conn: &E) -> Result<u64> {
        let db = conn.database();
        let d = db.dialect();
        let tree;
        let sql = if self.is_scoped() {
            tree = self.keys_tree(self.limit);
            crate::sql::count_of(d, &tree)
        } else {
            crate::sql::count(d, M::TABLE, &self.tail(self.limit))
        };
        let count: i64 = self.scalar(db, &sql)?;
        Ok(u64::try_from(count).unwrap_or(0))
    }

    /// Whether any row matches.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] for a failing statement.
    pub fn exists<E: Executor>(&self, conn: &E) -> Result<bool> {
        let db = conn.database();
        let d = db.dialect();
        let tree;
        let sql = if self.is_scoped() {
            tree = self.keys_tree(self.limit);
            crate::sql::exists_of(d, &tree)
        } else {
            crate::sql::exists(d, M::TABLE, &self.tail(self.limit))
        };
        self.scalar(db, &sql)
    }

    fn scalar<T: FromColumn>(&self, db: &Database, sql: &Sql<'_>) -> Result<T> {
        let mut stmt = db.prepare_bound(sql, M::TABLE)?;
        let mut rows: Rows<'_> = stmt.query()?;
        let row = rows.next()?.ok_or(Error::NotFound { table: M::TABLE })?;
        row.value(0)
            .and_then(T::from_column)
            .map_err(|source| Error::Decode {
                table: M::TABLE,
                column: "?",
                key: None,
                source,
            })
    }

    /// One page of the matching rows (Flask-SQLAlchemy's `paginate`): pages
    /// start at 1; a page past the end is empty.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidPage`] for page 0 or `per_page` 0, otherwise as for
    /// [`Query::all`].
    pub fn paginate<E: Executor>(&self, conn: &E, page: u64, per_page: u64) -> Result<Page<M>> {
        if page == 0 || per_page == 0 {
            return Err(Error::InvalidPage { page, per_page });
        }
        let mut counting = self.clone();
        counting.order.clear();
        counting.limit = None;
        counting.offset = None;
        let total = counting.count(conn)?;
        let items = self
            .clone()
            .limit(per_page)
            .offset((page - 1).saturating_mul(per_page))
            .all(conn)?;
        Ok(Page {
            items,
            total,
            page,
            per_page,
        })
    }

    /// Sets columns on every matching row in one UPDATE and returns how many
    /// rows changed. Objects already loaded are not refreshed. Through a
    /// session, it runs in the session's transaction.
    ///
    /// # Errors
    ///
    /// A constraint violation ([`Error::UniqueViolation`], ...) or
    /// [`Error::Sqlite`].
    pub fn update<E: Executor>(
        &self,
        conn: &E,
        assignments: impl IntoIterator<Item = Assignment<M>>,
    ) -> Result<usize> {
        let assignments: Vec<Assignment<M>> = assignments.into_iter().collect();
        if assignments.is_empty() {
            return Ok(0);
        }
        conn.begin_write()?;
        let db = conn.database();
        let d = db.dialect();
        let tree;
        let sql = if self.is_scoped() {
            tree = self.keys_tree(self.limit);
            crate::sql::update_in(d, (M::TABLE, M::PRIMARY_KEY), &assignments, &tree)
        } else {
            crate::sql::update_where(
                d,
                (M::TABLE, M::PRIMARY_KEY),
                &assignments,
                &self.tail(self.limit),
            )
        };
        let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
        stmt.execute()
    }

    /// Deletes every matching row in one DELETE and returns how many went.
    /// Through a session, it runs in the session's transaction.
    ///
    /// # Errors
    ///
    /// [`Error::ForeignKeyViolation`] when other rows still reference one,
    /// or [`Error::Sqlite`].
    pub fn delete<E: Executor>(&self, conn: &E) -> Result<usize> {
        conn.begin_write()?;
        let db = conn.database();
        let d = db.dialect();
        let tree;
        let sql = if self.is_scoped() {
            tree = self.keys_tree(self.limit);
            crate::sql::delete_in(d, (M::TABLE, M::PRIMARY_KEY), &tree)
        } else {
            crate::sql::delete_where(d, (M::TABLE, M::PRIMARY_KEY), &self.tail(self.limit))
        };
        let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
        stmt.execute()
    }

    /// Prepares the query for reading row by row without collecting the
    /// rows: call [`Stream::iter`] on the result.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the statement cannot be prepared.
    pub fn stream<'c, E: Executor>(&self, conn: &'c E) -> Result<Stream<'c, M>> {
        let db = conn.database();
        let tree;
        let sql = if self.is_scoped() {
            tree = self.rows_tree(self.limit);
            crate::sql::select_tree(db.dialect(), &tree)
        } else {
            self.select_sql(db, self.limit)
        };
        let stmt: Stmt<'c> = db.bind(db.prepare(&sql.text, Some(M::TABLE))?, &sql)?;
        Ok(Stream {
            stmt,
            db,
            marker: PhantomData,
        })
    }
}

/// Applies one loading option to `objects`.
fn apply<M: Model>(
    db: &Database,
    objects: &[M],
    load: &Load<M>,
    path: &mut Vec<String>,
) -> Result<()> {
    let plan = load.plan();
    match load.strategy() {
        Strategy::Selectin | Strategy::Joined => {
            path.push(load.relationship());
            let loaded = plan.selectin(db, objects, path);
            path.pop();
            loaded
        }
        Strategy::Lazy => {
            plan.mark(objects, Mark::Default);
            Ok(())
        }
        Strategy::Noload => {
            plan.mark(objects, Mark::Noload);
            Ok(())
        }
        Strategy::Raise => {
            plan.mark(objects, Mark::Raise);
            Ok(())
        }
    }
}

/// Applies loading options to objects loaded some other way (the related objects of
/// an eager load, for the next level).
pub(crate) fn run_loads<M: Model>(
    db: &Database,
    objects: &[M],
    loads: &[Load<M>],
    path: &mut Vec<String>,
) -> Result<()> {
    if objects.is_empty() {
        return Ok(());
    }
    for load in loads {
        if !path.contains(&load.relationship()) {
            apply(db, objects, load, path)?;
        }
    }
    Ok(())
}
