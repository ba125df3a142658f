//! Filter expressions ([`Node`] trees) rendered as SQL conditions.

use super::select::{push_item, push_select_tree};
use super::statements::Sql;
use super::Dialect;
use crate::expr::{CompareOp, Node};

fn operator(op: CompareOp) -> &'static str {
    match op {
        CompareOp::Eq => " = ",
        CompareOp::Ne => " <> ",
        CompareOp::Lt => " < ",
        CompareOp::Le => " <= ",
        CompareOp::Gt => " > ",
        CompareOp::Ge => " >= ",
        CompareOp::Like => " LIKE ",
    }
}

/// Appends the condition `node`, binding each of its values as the next
/// parameter of `sql`.
pub(crate) fn push_expr<'q, D: Dialect + ?Sized>(d: &D, sql: &mut Sql<'q>, node: &'q Node) {
    push_scoped_expr(d, sql, node, None);
}

/// Appends `column`, as `"table"."column"` when `scope` names its table.
pub(super) fn push_column<D: Dialect + ?Sized>(
    d: &D,
    out: &mut String,
    scope: Option<&str>,
    column: &str,
) {
    match scope {
        Some(table) if super::is_descriptor(column) => {
            super::push_qualified_column(d, out, &qualifier(d, table), column);
        }
        Some(table) => {
            d.push_identifier(out, table);
            out.push('.');
            d.push_identifier(out, column);
        }
        None => d.push_identifier(out, column),
    }
}

/// `"table"`, to write before a column and its dot.
fn qualifier<D: Dialect + ?Sized>(d: &D, table: &str) -> String {
    let mut qualifier = String::with_capacity(table.len() + 3);
    d.push_identifier(&mut qualifier, table);
    qualifier
}

/// Appends the condition `node` whose bare columns belong to table `scope`
/// (written `"table"."column"`; unqualified when `None`).
pub(crate) fn push_scoped_expr<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    node: &'q Node,
    scope: Option<&str>,
) {
    match node {
        // The identity of a composite key without rowid: a comparison per
        // key column, which their indexes serve.
        Node::Compare {
            column,
            op: CompareOp::Eq,
            value,
        } if !d.has_rowid() && super::is_descriptor(column) => {
            sql.params.push(super::Param::Value(value));
            let index = sql.params.len();
            let prefix = scope.map(|table| {
                let mut prefix = qualifier(d, table);
                prefix.push('.');
                prefix
            });
            sql.text.push('(');
            super::identity::push_identity_match(
                d,
                &mut sql.text,
                prefix.as_deref().unwrap_or(""),
                column,
                index,
            );
            sql.text.push(')');
        }
        Node::Compare { column, op, value } => {
            push_column(d, &mut sql.text, scope, column);
            sql.text.push_str(operator(*op));
            sql.push_value(d, value);
        }
        // `IN ()` is not SQL; an empty list matches nothing.
        Node::In { values, .. } if values.is_empty() => sql.text.push_str("1 = 0"),
        Node::In { column, values } => {
            push_column(d, &mut sql.text, scope, column);
            sql.text.push_str(" IN (");
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    sql.text.push_str(", ");
                }
                sql.push_value(d, value);
            }
            sql.text.push(')');
        }
        Node::InKeys { keys, .. } if keys.is_empty() => sql.text.push_str("1 = 0"),
        Node::InKeys { column, keys } => {
            push_column(d, &mut sql.text, scope, column);
            sql.push_keys(d, keys);
        }
        Node::Between { column, low, high } => {
            push_column(d, &mut sql.text, scope, column);
            sql.text.push_str(" BETWEEN ");
            sql.push_value(d, low);
            sql.text.push_str(" AND ");
            sql.push_value(d, high);
        }
        Node::Null { column, negated } => {
            push_column(d, &mut sql.text, scope, column);
            sql.text
                .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Node::InSelect {
            column,
            table,
            select,
            filter,
        } => {
            push_column(d, &mut sql.text, scope, column);
            sql.text.push_str(" IN (SELECT ");
            d.push_identifier(&mut sql.text, select);
            sql.text.push_str(" FROM ");
            d.push_identifier(&mut sql.text, table);
            if let Some(filter) = filter {
                sql.text.push_str(" WHERE ");
                push_expr(d, sql, filter);
            }
            sql.text.push(')');
        }
        Node::And(nodes) | Node::Or(nodes) => {
            let joiner = if matches!(node, Node::And(_)) {
                " AND "
            } else {
                " OR "
            };
            sql.text.push('(');
            for (i, node) in nodes.iter().enumerate() {
                if i > 0 {
                    sql.text.push_str(joiner);
                }
                push_scoped_expr(d, sql, node, scope);
            }
            sql.text.push(')');
        }
        Node::Not(node) => {
            sql.text.push_str("NOT (");
            push_scoped_expr(d, sql, node, scope);
            sql.text.push(')');
        }
        Node::CompareItems { left, op, right } => {
            push_item(d, sql, left);
            sql.text.push_str(operator(*op));
            push_item(d, sql, right);
        }
        Node::Scoped { table, node } => push_scoped_expr(d, sql, node, Some(table)),
        Node::Exists(select) => {
            sql.text.push_str("EXISTS (");
            push_select_tree(d, sql, select);
            sql.text.push(')');
        }
        Node::Raw { sql: raw, values } => {
            // In parentheses: the fragment keeps its meaning inside AND/OR/NOT.
            sql.text.push('(');
            push_raw(d, sql, raw, values);
            sql.text.push(')');
        }
    }
}

/// Appends SQL written by the program, each `?` in it bound to the next of
/// `values` (written as the dialect's placeholder).
pub(crate) fn push_raw<'q, D: Dialect + ?Sized>(
    d: &D,
    sql: &mut Sql<'q>,
    raw: &str,
    values: &'q [rusqlite::types::Value],
) {
    let mut values = values.iter();
    let mut rest = raw;
    while let Some(at) = rest.find('?') {
        sql.text.push_str(&rest[..at]);
        match values.next() {
            Some(value) => sql.push_value(d, value),
            // More `?` than values: left for the engine to refuse.
            None => sql.text.push('?'),
        }
        rest = &rest[at + 1..];
    }
    sql.text.push_str(rest);
}
