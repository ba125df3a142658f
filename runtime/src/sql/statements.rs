//! The statement builders: standard SQL around the [`Dialect`]'s hooks.
//!
//! Each builder takes a description (tables, columns, a filter tree, a query's
//! tail) and writes text without `fmt`, into one `String` sized up front.

use rusqlite::types::Value;

use super::expr::push_expr;
use super::Dialect;
use crate::expr::{Assignment, Node, Order};

/// The alias of the related table in an eager load (SQLAlchemy's name for it).
const ALIAS: &str = "anon_1";
/// The alias of the association table in a many-to-many eager load.
const LINK_ALIAS: &str = "anon_2";

/// A parameter of a rendered statement.
pub(crate) enum Param<'q> {
    /// A value from a filter or an assignment.
    Value(&'q Value),
    /// An OFFSET, or one key of a list where the engine binds no arrays.
    Int(i64),
    /// A list of integer keys as one array (`= ANY($n)`).
    Keys(&'q [i64]),
}

/// SQL text and its parameters, in placeholder order.
pub(crate) struct Sql<'q> {
    pub(crate) text: String,
    pub(crate) params: Vec<Param<'q>>,
}

impl<'q> Sql<'q> {
    fn starting(text: &str) -> Self {
        // Room for a WHERE, ORDER BY and LIMIT without growing.
        let mut owned = String::with_capacity(text.len() + 96);
        owned.push_str(text);
        Sql {
            text: owned,
            params: Vec::new(),
        }
    }

    /// Binds `value` as the next parameter and writes its placeholder.
    pub(crate) fn push_value<D: Dialect + ?Sized>(&mut self, d: &D, value: &'q Value) {
        self.params.push(Param::Value(value));
        d.push_placeholder(&mut self.text, self.params.len());
    }

    /// Binds `keys` and writes the condition on them after a column: ` =
    /// ANY($n)`, one array parameter, where the engine binds arrays (the same
    /// text for any number of keys, so one prepared statement serves every
    /// chunk of a relationship load); ` IN (?n, ...)`, a parameter per key,
    /// elsewhere (SQLAlchemy's form on SQLite).
    pub(crate) fn push_keys<D: Dialect + ?Sized>(&mut self, d: &D, keys: &'q [i64]) {
        if d.binds_key_arrays() {
            self.params.push(Param::Keys(keys));
            self.text.push_str(" = ANY(");
            d.push_placeholder(&mut self.text, self.params.len());
            self.text.push(')');
            return;
        }
        self.text.push_str(" IN (");
        for (i, key) in keys.iter().enumerate() {
            if i > 0 {
                self.text.push_str(", ");
            }
            self.params.push(Param::Int(*key));
            d.push_placeholder(&mut self.text, self.params.len());
        }
        self.text.push(')');
    }
}

/// A model's table: its name, its columns in `from_row` order and its integer key.
#[derive(Debug, Clone, Copy)]
pub(crate) struct TableDef<'a> {
    pub(crate) table: &'a str,
    pub(crate) columns: &'a [&'a str],
    pub(crate) key: &'a str,
}

/// The WHERE, ORDER BY, LIMIT and OFFSET of a query on one table.
pub(crate) struct Tail<'q, M> {
    pub(crate) filter: Option<&'q Node>,
    pub(crate) order: &'q [Order<M>],
    pub(crate) limit: Option<u64>,
    pub(crate) offset: Option<u64>,
}

impl<M> Tail<'_, M> {
    fn is_windowed(&self) -> bool {
        self.limit.is_some() || self.offset.is_some()
    }
}

fn push_where<'q, D: Dialect + ?Sized>(d: &D, sql: &mut Sql<'q>, filter: Option<&'q Node>) {
    if let Some(filter) = filter {
        sql.text.push_str(" WHERE ");
        push_expr(d, sql, filter);
    }
}

fn push_order_limit<D: Dialect + ?Sized, M>(d: &D, sql: &mut Sql<'_>, tail: &Tail<'_, M>) {
    for (i, order) in tail.order.iter().enumerate() {
        sql.text.push_str(if i == 0 { " ORDER BY " } else { ", " });
        d.push_identifier(&mut sql.text, order.column);
        sql.text
            .push_str(if order.descending { " DESC" } else { " ASC" });
    }
    let offset = tail.offset.map(|n| {
        sql.params
            .push(Param::Int(i64::try_from(n).unwrap_or(i64::MAX)));
        sql.params.len()
    });
    d.push_limit_offset(&mut sql.text, tail.limit, offset);
}

/// `<base> [WHERE ...] [ORDER BY ...] [LIMIT ...]`, `base` being the model's
/// cached `SELECT <columns> FROM <table>`.
pub(crate) fn select<'q, D: Dialect + ?Sized, M>(d: &D, base: &str, tail: &Tail<'q, M>) -> Sql<'q> {
    let mut sql = Sql::starting(base);
    push_where(d, &mut sql, tail.filter);
    push_order_limit(d, &mut sql, tail);
    sql
}

/// `SELECT COUNT(*)` of the rows a query returns (through a subquery when it
/// is limited).
pub(crate) fn count<'q, D: Dialect + ?Sized, M>(d: &D, table: &str, tail: &Tail<'q, M>) -> Sql<'q> {
    let mut sql = Sql::starting("SELECT COUNT(*) FROM ");
    if tail.is_windowed() {
        sql.text.push_str("(SELECT 1 FROM ");
        d.push_identifier(&mut sql.text, table);
        push_where(d, &mut sql, tail.filter);
        push_order_limit(d, &mut sql, tail);
        // PostgreSQL wants every subquery in FROM named.
        sql.text.push_str(") AS anon_1");
    } else {
        d.push_identifier(&mut sql.text, table);
        push_where(d, &mut sql, tail.filter);
    }
    sql
}

/// `SELECT EXISTS (SELECT 1 FROM ...)`.
pub(crate) fn exists<'q, D: Dialect + ?Sized, M>(
    d: &D,
    table: &str,
    tail: &Tail<'q, M>,
) -> Sql<'q> {
    let mut sql = Sql::starting("SELECT EXISTS (SELECT 1 FROM ");
    d.push_identifier(&mut sql.text, table);
    push_where(d, &mut sql, tail.filter);
    push_order_limit(d, &mut sql, tail);
    sql.text.push(')');
    sql
}

/// The WHERE of a bulk statement: the filter itself, or a key subquery when
/// ordering or limits apply.
fn push_target<'q, D: Dialect + ?Sized, M>(
    d: &D,
    sql: &mut Sql<'q>,
    table: &str,
    key: &str,
    tail: &Tail<'q, M>,
) {
    if !tail.is_windowed() {
        push_where(d, sql, tail.filter);
        return;
    }
    sql.text.push_str(" WHERE ");
    d.push_identifier(&mut sql.text, key);
    sql.text.push_str(" IN (SELECT ");
    d.push_identifier(&mut sql.text, key);
    sql.text.push_str(" FROM ");
    d.push_identifier(&mut sql.text, table);
    push_where(d, sql, tail.filter);
    push_order_limit(d, sql, tail);
    sql.text.push(')');
}

/// A bulk `UPDATE table SET ... WHERE <the query's rows>`.
pub(crate) fn update_where<'q, D: Dialect + ?Sized, M>(
    d: &D,
    (table, key): (&str, &str),
    assignments: &'q [Assignment<M>],
    tail: &Tail<'q, M>,
) -> Sql<'q> {
    let mut sql = Sql::starting("UPDATE ");
    d.push_identifier(&mut sql.text, table);
    sql.text.push_str(" SET ");
    for (i, assignment) in assignments.iter().enumerate() {
        if i > 0 {
            sql.text.push_str(", ");
        }
        d.push_identifier(&mut sql.text, assignment.column);
        sql.text.push_str(" = ");
        sql.push_value(d, &assignment.value);
    }
    push_target(d, &mut sql, table, key, tail);
    sql
}

/// A bulk `DELETE FROM table WHERE <the query's rows>`.
pub(crate) fn delete_where<'q, D: Dialect + ?Sized, M>(
    d: &D,
    (table, key): (&str, &str),
    tail: &Tail<'q, M>,
) -> Sql<'q> {
    let mut sql = Sql::starting("DELETE FROM ");
    d.push_identifier(&mut sql.text, table);
    push_target(d, &mut sql, table, key, tail);
    sql
}

// ---- eager loading ----------------------------------------------------------------

/// A relationship loaded with its parents: the related model's table, how a
/// related row belongs to a parent row, and the declared order.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Joined<'a> {
    pub(crate) related: TableDef<'a>,
    pub(crate) via: Via<'a>,
    /// The relationship's `order_by`: (column, descending).
    pub(crate) order: &'a [(&'a str, bool)],
}

/// How related rows join their parents.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Via<'a> {
    /// Many-to-one: the parent's column holds the related row's key.
    ParentColumn(&'a str),
    /// One-to-many: the related row's column holds the parent's key.
    RelatedColumn(&'a str),
    /// Many-to-many: through an association table.
    Association(Association<'a>),
}

/// An association table (`secondary`): its rows pair the owner's key (`local`)
/// with the related row's (`remote`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Association<'a> {
    pub(crate) table: &'a str,
    pub(crate) local: &'a str,
    pub(crate) remote: &'a str,
}

/// Appends `alias.column`.
fn push_qualified<D: Dialect + ?Sized>(d: &D, sql: &mut String, alias: &str, column: &str) {
    super::push_qualified_column(d, sql, alias, column);
}

/// ` LEFT OUTER JOIN "table" AS alias ON alias."column" = other."other_column"`.
fn push_left_join<D: Dialect + ?Sized>(
    d: &D,
    sql: &mut String,
    (table, alias, column): (&str, &str, &str),
    (other, other_column): (&str, &str),
) {
    sql.push_str(" LEFT OUTER JOIN ");
    d.push_identifier(sql, table);
    sql.push_str(" AS ");
    sql.push_str(alias);
    sql.push_str(" ON ");
    push_qualified(d, sql, alias, column);
    sql.push_str(" = ");
    push_qualified(d, sql, other, other_column);
}

/// `, anon_1."x" ASC, ..., anon_1."key"`: related rows in their declared order.
fn push_related_order<D: Dialect + ?Sized>(
    d: &D,
    sql: &mut String,
    key: &str,
    order: &[(&str, bool)],
) {
    for (column, descending) in order {
        sql.push_str(", ");
        push_qualified(d, sql, ALIAS, column);
        sql.push_str(if *descending { " DESC" } else { " ASC" });
    }
    sql.push_str(", ");
    push_qualified(d, sql, ALIAS, key);
}

/// One statement for a query and a joined load: the query's rows (`inner`, as
/// a subquery, so that its LIMIT counts them, not the joined rows) LEFT OUTER
/// JOINed with the related rows, ordered by the query's order, the parent key
/// and the related rows' order. The result holds the parent's columns, then
/// the related model's.
pub(crate) fn joined_select<'q, D: Dialect + ?Sized, M>(
    d: &D,
    parent: TableDef<'_>,
    inner: Sql<'q>,
    order: &[Order<M>],
    joined: &Joined<'_>,
) -> Sql<'q> {
    let mut alias = String::new();
    d.push_identifier(&mut alias, parent.table);
    let mut text = String::from("SELECT ");
    for (i, column) in parent.columns.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        push_qualified(d, &mut text, &alias, column);
    }
    for column in joined.related.columns {
        text.push_str(", ");
        push_qualified(d, &mut text, ALIAS, column);
    }
    text.push_str(" FROM (");
    text.push_str(&inner.text);
    text.push_str(") AS ");
    text.push_str(&alias);
    let related = joined.related;
    match joined.via {
        Via::ParentColumn(column) => push_left_join(
            d,
            &mut text,
            (related.table, ALIAS, related.key),
            (&alias, column),
        ),
        Via::RelatedColumn(column) => push_left_join(
            d,
            &mut text,
            (related.table, ALIAS, column),
            (&alias, parent.key),
        ),
        Via::Association(link) => {
            push_left_join(
                d,
                &mut text,
                (link.table, LINK_ALIAS, link.local),
                (&alias, parent.key),
            );
            push_left_join(
                d,
                &mut text,
                (related.table, ALIAS, related.key),
                (LINK_ALIAS, link.remote),
            );
        }
    }
    text.push_str(" ORDER BY ");
    for order in order {
        push_qualified(d, &mut text, &alias, order.column);
        text.push_str(if order.descending {
            " DESC, "
        } else {
            " ASC, "
        });
    }
    push_qualified(d, &mut text, &alias, parent.key);
    if !matches!(joined.via, Via::ParentColumn(_)) {
        push_related_order(d, &mut text, related.key, joined.order);
    }
    Sql {
        text,
        params: inner.params,
    }
}

/// Appends `, alias."x" ASC, ..., alias."key"`: related rows in their declared
/// order, for a related table under `alias`.
fn push_related_order_as<D: Dialect + ?Sized>(
    d: &D,
    sql: &mut String,
    alias: &str,
    key: &str,
    order: &[(&str, bool)],
) {
    for (column, descending) in order {
        sql.push_str(", ");
        push_qualified(d, sql, alias, column);
        sql.push_str(if *descending { " DESC" } else { " ASC" });
    }
    sql.push_str(", ");
    push_qualified(d, sql, alias, key);
}

/// [`joined_select`] for several relationships: each related table under its
/// own alias (`anon_1`, `anon_2`, ...; an association table takes one too),
/// their columns after the parent's in the order of `joins`, ordered by the
/// query's order, the parent key, then each to-many relationship's order.
pub(crate) fn joined_select_many<'q, D: Dialect + ?Sized, M>(
    d: &D,
    parent: TableDef<'_>,
    inner: Sql<'q>,
    order: &[Order<M>],
    joins: &[Joined<'_>],
) -> Sql<'q> {
    let mut next = 0u64;
    let mut alias = || {
        next += 1;
        let mut name = String::from("anon_");
        super::push_decimal(&mut name, next);
        name
    };
    let aliases: Vec<(String, Option<String>)> = joins
        .iter()
        .map(|join| match join.via {
            Via::Association(_) => {
                let link = alias();
                (alias(), Some(link))
            }
            _ => (alias(), None),
        })
        .collect();
    let mut parent_alias = String::new();
    d.push_identifier(&mut parent_alias, parent.table);
    let mut text = String::from("SELECT ");
    for (i, column) in parent.columns.iter().enumerate() {
        if i > 0 {
            text.push_str(", ");
        }
        push_qualified(d, &mut text, &parent_alias, column);
    }
    for (join, (related, _)) in joins.iter().zip(&aliases) {
        for column in join.related.columns {
            text.push_str(", ");
            push_qualified(d, &mut text, related, column);
        }
    }
    text.push_str(" FROM (");
    text.push_str(&inner.text);
    text.push_str(") AS ");
    text.push_str(&parent_alias);
    for (join, (related_alias, link_alias)) in joins.iter().zip(&aliases) {
        let related = join.related;
        match (join.via, link_alias) {
            (Via::ParentColumn(column), _) => push_left_join(
                d,
                &mut text,
                (related.table, related_alias, related.key),
                (&parent_alias, column),
            ),
            (Via::RelatedColumn(column), _) => push_left_join(
                d,
                &mut text,
                (related.table, related_alias, column),
                (&parent_alias, parent.key),
            ),
            (Via::Association(link), Some(link_alias)) => {
                push_left_join(
                    d,
                    &mut text,
                    (link.table, link_alias, link.local),
                    (&parent_alias, parent.key),
                );
                push_left_join(
                    d,
                    &mut text,
                    (related.table, related_alias, related.key),
                    (link_alias, link.remote),
                );
            }
            // Every association join was given a link alias above.
            (Via::Association(_), None) => {}
        }
    }
    text.push_str(" ORDER BY ");
    for order in order {
        push_qualified(d, &mut text, &parent_alias, order.column);
        text.push_str(if order.descending {
            " DESC, "
        } else {
            " ASC, "
        });
    }
    push_qualified(d, &mut text, &parent_alias, parent.key);
    for (join, (related_alias, _)) in joins.iter().zip(&aliases) {
        if !matches!(join.via, Via::ParentColumn(_)) {
            push_related_order_as(d, &mut text, related_alias, join.related.key, join.order);
        }
    }
    Sql {
        text,
        params: inner.params,
    }
}

/// The related rows of the owners `keys` through an association table, each
/// with the owner's key first: `SELECT anon_2.local, anon_1.* FROM T AS anon_1
/// JOIN assoc AS anon_2 ON ... WHERE anon_2.local IN (?1, ...) ORDER BY ...`
/// (`= ANY($1)` where the engine binds arrays: see [`Sql::push_keys`]).
pub(crate) fn selectin_through<'q, D: Dialect + ?Sized>(
    d: &D,
    related: TableDef<'_>,
    link: Association<'_>,
    order: &[(&str, bool)],
    keys: &'q [i64],
) -> Sql<'q> {
    let mut sql = Sql::starting("SELECT ");
    let text = &mut sql.text;
    push_qualified(d, text, LINK_ALIAS, link.local);
    for column in related.columns {
        text.push_str(", ");
        push_qualified(d, text, ALIAS, column);
    }
    text.push_str(" FROM ");
    d.push_identifier(text, related.table);
    text.push_str(" AS ");
    text.push_str(ALIAS);
    text.push_str(" JOIN ");
    d.push_identifier(text, link.table);
    text.push_str(" AS ");
    text.push_str(LINK_ALIAS);
    text.push_str(" ON ");
    push_qualified(d, text, LINK_ALIAS, link.remote);
    text.push_str(" = ");
    push_qualified(d, text, ALIAS, related.key);
    text.push_str(" WHERE ");
    push_qualified(d, text, LINK_ALIAS, link.local);
    sql.push_keys(d, keys);
    sql.text.push_str(" ORDER BY ");
    push_qualified(d, &mut sql.text, LINK_ALIAS, link.local);
    push_related_order(d, &mut sql.text, related.key, order);
    sql
}

// ---- association rows -------------------------------------------------------------

/// `INSERT INTO assoc (local, remote) SELECT ?1, ?2 WHERE NOT EXISTS (...)`:
/// links two rows unless they are linked already.
pub(crate) fn link_insert<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    local: &str,
    remote: &str,
) -> String {
    let mut sql = String::from("INSERT INTO ");
    d.push_identifier(&mut sql, table);
    sql.push_str(" (");
    d.push_list(&mut sql, &[local, remote]);
    sql.push_str(") SELECT ");
    d.push_placeholder(&mut sql, 1);
    sql.push_str(", ");
    d.push_placeholder(&mut sql, 2);
    sql.push_str(" WHERE NOT EXISTS (SELECT 1 FROM ");
    d.push_identifier(&mut sql, table);
    push_pair_filter(d, &mut sql, local, remote);
    sql.push(')');
    sql
}

/// `DELETE FROM assoc WHERE local = ?1 AND remote = ?2`.
pub(crate) fn unlink<D: Dialect + ?Sized>(d: &D, table: &str, local: &str, remote: &str) -> String {
    let mut sql = String::from("DELETE FROM ");
    d.push_identifier(&mut sql, table);
    push_pair_filter(d, &mut sql, local, remote);
    sql
}

/// `DELETE FROM assoc WHERE local = ?1`.
pub(crate) fn unlink_all<D: Dialect + ?Sized>(d: &D, table: &str, local: &str) -> String {
    d.delete(table, local)
}

/// `UPDATE table SET column = ?1 WHERE key = ?2`: a `post_update` foreign key
/// written after the INSERTs (SQLAlchemy's post-update).
pub(crate) fn post_update<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    column: &str,
    key: &str,
) -> String {
    set_one_column(d, table, column, true, key)
}

/// `UPDATE table SET column = NULL WHERE key = ?1`: a `post_update` foreign
/// key cleared before the DELETEs.
pub(crate) fn post_update_clear<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    column: &str,
    key: &str,
) -> String {
    set_one_column(d, table, column, false, key)
}

/// `UPDATE table SET column = ?1 WHERE key = ?2` with a value, `... = NULL
/// WHERE key = ?1` without.
fn set_one_column<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    column: &str,
    value: bool,
    key: &str,
) -> String {
    let mut sql = String::from("UPDATE ");
    d.push_identifier(&mut sql, table);
    sql.push_str(" SET ");
    d.push_identifier(&mut sql, column);
    sql.push_str(" = ");
    if value {
        d.push_placeholder(&mut sql, 1);
    } else {
        sql.push_str("NULL");
    }
    d.push_key_filter(&mut sql, key, if value { 2 } else { 1 });
    sql
}

/// ` WHERE local = ?1 AND remote = ?2`.
fn push_pair_filter<D: Dialect + ?Sized>(d: &D, sql: &mut String, local: &str, remote: &str) {
    d.push_key_filter(sql, local, 1);
    sql.push_str(" AND ");
    d.push_identifier(sql, remote);
    sql.push_str(" = ");
    d.push_placeholder(sql, 2);
}
