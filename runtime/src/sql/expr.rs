//! Filter expressions ([`Node`] trees) rendered as SQL conditions.

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
    match node {
        Node::Compare { column, op, value } => {
            d.push_identifier(&mut sql.text, column);
            sql.text.push_str(operator(*op));
            sql.push_value(d, value);
        }
        // `IN ()` is not SQL; an empty list matches nothing.
        Node::In { values, .. } if values.is_empty() => sql.text.push_str("1 = 0"),
        Node::In { column, values } => {
            d.push_identifier(&mut sql.text, column);
            sql.text.push_str(" IN (");
            for (i, value) in values.iter().enumerate() {
                if i > 0 {
                    sql.text.push_str(", ");
                }
                sql.push_value(d, value);
            }
            sql.text.push(')');
        }
        Node::Between { column, low, high } => {
            d.push_identifier(&mut sql.text, column);
            sql.text.push_str(" BETWEEN ");
            sql.push_value(d, low);
            sql.text.push_str(" AND ");
            sql.push_value(d, high);
        }
        Node::Null { column, negated } => {
            d.push_identifier(&mut sql.text, column);
            sql.text
                .push_str(if *negated { " IS NOT NULL" } else { " IS NULL" });
        }
        Node::InSelect {
            column,
            table,
            select,
            filter,
        } => {
            d.push_identifier(&mut sql.text, column);
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
                push_expr(d, sql, node);
            }
            sql.text.push(')');
        }
        Node::Not(node) => {
            sql.text.push_str("NOT (");
            push_expr(d, sql, node);
            sql.text.push(')');
        }
    }
}
