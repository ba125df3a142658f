//! The SELECTs of joins, projections and aggregates ([`SelectTree`]), and the
//! statements built around one: counting its rows, bulk writes on its rows,
//! and the upsert of a model.

use super::expr::{push_column, push_raw, push_scoped_expr};
use super::statements::{Param, Sql};
use super::Dialect;
use crate::expr::{Aggregate, Assignment, Item, SelectTree};

fn function(func: Aggregate) -> &'static str {
    match func {
        Aggregate::Count => "COUNT(",
        Aggregate::Sum => "SUM(",
        Aggregate::Avg => "AVG(",
        Aggregate::Min => "MIN(",
        Aggregate::Max => "MAX(",
    }
}

/// Appends a select-list item (a qualified column, an aggregate, a value or
/// a scalar subquery).
pub(crate) fn push_item<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    item: &'q Item,
    scope: Option<&str>,
) {
    match item {
        Item::Column { table, column } => push_column(d, &mut sql.text, Some(table), column),
        Item::Value(value) => sql.push_value(d, value),
        Item::CountAll => sql.text.push_str("COUNT(*)"),
        Item::Aggregate {
            func,
            arg,
            distinct,
        } => {
            sql.text.push_str(function(*func));
            if *distinct {
                sql.text.push_str("DISTINCT ");
            }
            push_item(d, sql, arg, scope);
            sql.text.push(')');
        }
        Item::Subquery(select) => {
            sql.text.push('(');
            push_select_tree(d, sql, select);
            sql.text.push(')');
        }
    }
}

fn push_items<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    items: &'q [Item],
    scope: Option<&str>,
) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sql.text.push_str(", ");
        }
        push_item(d, sql, item, scope);
    }
}

/// Appends `SELECT [DISTINCT] items FROM from [JOIN ...] [WHERE] [GROUP BY]
/// [HAVING] [ORDER BY] [LIMIT] [OFFSET]`, every column written with its table.
pub(crate) fn push_select_tree<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    tree: &'q SelectTree,
) {
    let scope = Some(tree.scope);
    sql.text.push_str("SELECT ");
    if tree.distinct {
        sql.text.push_str("DISTINCT ");
    }
    push_items(d, sql, &tree.items, scope);
    sql.text.push_str(" FROM ");
    d.push_identifier(&mut sql.text, tree.from);
    for join in &tree.joins {
        sql.text.push_str(if join.outer {
            " LEFT OUTER JOIN "
        } else {
            " JOIN "
        });
        d.push_identifier(&mut sql.text, join.table);
        sql.text.push_str(" ON ");
        push_scoped_expr(d, sql, &join.on, scope);
    }
    if let Some(filter) = &tree.filter {
        sql.text.push_str(" WHERE ");
        push_scoped_expr(d, sql, filter, scope);
    }
    if !tree.group_by.is_empty() {
        sql.text.push_str(" GROUP BY ");
        push_items(d, sql, &tree.group_by, scope);
    }
    if let Some(having) = &tree.having {
        sql.text.push_str(" HAVING ");
        push_scoped_expr(d, sql, having, scope);
    }
    for (i, (item, descending)) in tree.order.iter().enumerate() {
        sql.text.push_str(if i == 0 { " ORDER BY " } else { ", " });
        push_item(d, sql, item, scope);
        sql.text
            .push_str(if *descending { " DESC" } else { " ASC" });
    }
    let offset = tree.offset.map(|n| {
        sql.params
            .push(Param::Int(i64::try_from(n).unwrap_or(i64::MAX)));
        sql.params.len()
    });
    d.push_limit_offset(&mut sql.text, tree.limit, offset);
}

/// The statement of `tree`.
pub(crate) fn select_tree<'q, D: Dialect + ?Sized>(d: &D, tree: &'q SelectTree) -> Sql<'q> {
    let mut sql = Sql {
        text: String::with_capacity(256),
        params: Vec::new(),
    };
    push_select_tree(d, &mut sql, tree);
    sql
}

/// `SELECT COUNT(*) FROM (<tree>) AS anon_1`: the rows of a query with joins.
pub(crate) fn count_of<'q, D: Dialect + ?Sized>(d: &D, tree: &'q SelectTree) -> Sql<'q> {
    let mut sql = Sql {
        text: String::from("SELECT COUNT(*) FROM ("),
        params: Vec::new(),
    };
    push_select_tree(d, &mut sql, tree);
    sql.text.push_str(") AS anon_1");
    sql
}

/// `SELECT EXISTS (<tree>)`.
pub(crate) fn exists_of<'q, D: Dialect + ?Sized>(d: &D, tree: &'q SelectTree) -> Sql<'q> {
    let mut sql = Sql {
        text: String::from("SELECT EXISTS ("),
        params: Vec::new(),
    };
    push_select_tree(d, &mut sql, tree);
    sql.text.push(')');
    sql
}

/// ` WHERE key IN (<tree of keys>)`.
fn push_key_in<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    key: &str,
    keys: &'q SelectTree,
) {
    sql.text.push_str(" WHERE ");
    d.push_identifier(&mut sql.text, key);
    sql.text.push_str(" IN (");
    push_select_tree(d, sql, keys);
    sql.text.push(')');
}

/// `UPDATE table SET ... WHERE key IN (<keys>)`: a bulk update of a query
/// with joins.
pub(crate) fn update_in<'q, D: Dialect + ?Sized, M>(
    d: &D,
    (table, key): (&str, &str),
    assignments: &'q [Assignment<M>],
    keys: &'q SelectTree,
) -> Sql<'q> {
    let mut sql = Sql {
        text: String::from("UPDATE "),
        params: Vec::new(),
    };
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
    push_key_in(d, &mut sql, key, keys);
    sql
}

/// `DELETE FROM table WHERE key IN (<keys>)`.
pub(crate) fn delete_in<'q, D: Dialect + ?Sized>(
    d: &D,
    (table, key): (&str, &str),
    keys: &'q SelectTree,
) -> Sql<'q> {
    let mut sql = Sql {
        text: String::from("DELETE FROM "),
        params: Vec::new(),
    };
    d.push_identifier(&mut sql.text, table);
    push_key_in(d, &mut sql, key, keys);
    sql
}

/// What an upsert does with a row whose conflict target exists already.
#[derive(Debug, Clone, Copy)]
pub(crate) enum OnConflict<'a> {
    /// `DO NOTHING`.
    Nothing,
    /// `DO UPDATE SET c = excluded.c, ...` for these columns.
    Update(&'a [&'a str]),
}

/// `INSERT INTO table (columns) VALUES (?1, ...) ON CONFLICT (target) DO
/// UPDATE SET c = excluded.c ... | DO NOTHING [RETURNING key]`: standard on
/// SQLite (3.24+) and PostgreSQL alike.
pub(crate) fn upsert<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    columns: &[&str],
    target: &[&str],
    action: OnConflict<'_>,
    returning: Option<&str>,
) -> String {
    let mut sql = String::from("INSERT INTO ");
    d.push_identifier(&mut sql, table);
    sql.push_str(" (");
    d.push_list(&mut sql, columns);
    sql.push_str(") VALUES (");
    for i in 0..columns.len() {
        if i > 0 {
            sql.push_str(", ");
        }
        d.push_placeholder(&mut sql, i + 1);
    }
    sql.push_str(") ON CONFLICT (");
    d.push_list(&mut sql, target);
    sql.push_str(") DO ");
    match action {
        OnConflict::Update(set) if !set.is_empty() => {
            sql.push_str("UPDATE SET ");
            for (i, column) in set.iter().enumerate() {
                if i > 0 {
                    sql.push_str(", ");
                }
                d.push_identifier(&mut sql, column);
                sql.push_str(" = excluded.");
                d.push_identifier(&mut sql, column);
            }
        }
        _ => sql.push_str("NOTHING"),
    }
    if let Some(key) = returning {
        sql.push_str(" RETURNING ");
        d.push_identifier(&mut sql, key);
    }
    sql
}

/// `SELECT "c1", "c2", ... FROM (<raw sql>) AS anon_1`: a model's columns, by
/// name and in its order, from a statement the program wrote.
pub(crate) fn select_raw<'q, D: Dialect + ?Sized>(
    d: &D,
    columns: &[&str],
    raw: &str,
    values: &'q [rusqlite::types::Value],
) -> Sql<'q> {
    let mut sql = Sql {
        text: String::from("SELECT "),
        params: Vec::new(),
    };
    d.push_list(&mut sql.text, columns);
    sql.text.push_str(" FROM (");
    push_raw(d, &mut sql, raw, values);
    sql.text.push_str(") AS anon_1");
    sql
}
