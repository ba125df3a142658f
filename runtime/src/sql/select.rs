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
pub(crate) fn push_item<'q, D: Dialect + ?Sized>(d: &D, sql: &mut Sql<'q>, item: &'q Item) {
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
            push_item(d, sql, arg);
            sql.text.push(')');
        }
        Item::Subquery(select) => {
            sql.text.push('(');
            push_select_tree(d, sql, select);
            sql.text.push(')');
        }
        Item::Labeled { item, label } => {
            push_item(d, sql, item);
            sql.text.push_str(" AS ");
            d.push_identifier(&mut sql.text, label);
        }
    }
}

fn push_items<'q, D: Dialect + ?Sized>(d: &D, sql: &mut Sql<'q>, items: &'q [Item]) {
    for (i, item) in items.iter().enumerate() {
        if i > 0 {
            sql.text.push_str(", ");
        }
        push_item(d, sql, item);
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
    push_items(d, sql, &tree.items);
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
        push_items(d, sql, &tree.group_by);
    }
    if let Some(having) = &tree.having {
        sql.text.push_str(" HAVING ");
        push_scoped_expr(d, sql, having, scope);
    }
    for (i, (item, descending)) in tree.order.iter().enumerate() {
        sql.text.push_str(if i == 0 { " ORDER BY " } else { ", " });
        push_item(d, sql, item);
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
fn push_key_in<'q, D: Dialect + ?Sized>(d: &D, sql: &mut Sql<'q>, key: &str, keys: &'q SelectTree) {
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

#[cfg(test)]
mod tests {
    use rusqlite::types::Value;

    use super::*;
    use crate::expr::{CompareOp, JoinClause, Node};
    use crate::sql::statements::{Association, Joined, TableDef, Via};
    use crate::sql::Sqlite;

    fn column(table: &'static str, column: &'static str) -> Item {
        Item::Column { table, column }
    }

    fn values(sql: &Sql<'_>) -> Vec<Value> {
        sql.params
            .iter()
            .map(|p| match p {
                Param::Value(v) => (*v).clone(),
                Param::Int(n) => Value::Integer(*n),
                Param::Keys(_) => unreachable!("SQLite binds no arrays"),
            })
            .collect()
    }

    #[test]
    fn select_tree_qualifies_and_binds_in_text_order() {
        let tree = SelectTree {
            distinct: true,
            items: vec![
                column("users", "name"),
                Item::Aggregate {
                    func: Aggregate::Count,
                    arg: Box::new(column("posts", "id")),
                    distinct: false,
                },
            ],
            from: "users",
            joins: vec![JoinClause {
                outer: true,
                table: "posts",
                on: Node::CompareItems {
                    left: column("posts", "author_id"),
                    op: CompareOp::Eq,
                    right: column("users", "id"),
                },
            }],
            scope: "users",
            filter: Some(Node::And(vec![
                Node::Compare {
                    column: "name",
                    op: CompareOp::Like,
                    value: Value::Text("a%".into()),
                },
                Node::Scoped {
                    table: "posts",
                    node: Box::new(Node::Raw {
                        sql: "length(title) > ?".into(),
                        values: vec![Value::Integer(3)],
                    }),
                },
            ])),
            group_by: vec![column("users", "id")],
            having: Some(Node::CompareItems {
                left: Item::CountAll,
                op: CompareOp::Gt,
                right: Item::Value(Value::Integer(1)),
            }),
            order: vec![(column("users", "name"), true)],
            limit: Some(10),
            offset: Some(20),
        };
        let sql = select_tree(&Sqlite, &tree);
        assert_eq!(
            sql.text,
            r#"SELECT DISTINCT "users"."name", COUNT("posts"."id") FROM "users" LEFT OUTER JOIN "posts" ON "posts"."author_id" = "users"."id" WHERE ("users"."name" LIKE ?1 AND (length(title) > ?2)) GROUP BY "users"."id" HAVING COUNT(*) > ?3 ORDER BY "users"."name" DESC LIMIT 10 OFFSET ?4"#
        );
        assert_eq!(
            values(&sql),
            [
                Value::Text("a%".into()),
                Value::Integer(3),
                Value::Integer(1),
                Value::Integer(20)
            ]
        );
        let count = count_of(&Sqlite, &tree);
        assert!(count
            .text
            .starts_with("SELECT COUNT(*) FROM (SELECT DISTINCT "));
        assert!(count.text.ends_with(") AS anon_1"));
    }

    #[test]
    fn upserts() {
        assert_eq!(
            upsert(
                &Sqlite,
                "users",
                &["username", "role_id"],
                &["username"],
                OnConflict::Update(&["role_id"]),
                Some("id"),
            ),
            r#"INSERT INTO "users" ("username", "role_id") VALUES (?1, ?2) ON CONFLICT ("username") DO UPDATE SET "role_id" = excluded."role_id" RETURNING "id""#
        );
        assert_eq!(
            upsert(
                &Sqlite,
                "tags",
                &["name"],
                &["name"],
                OnConflict::Nothing,
                None
            ),
            r#"INSERT INTO "tags" ("name") VALUES (?1) ON CONFLICT ("name") DO NOTHING"#
        );
        // Nothing left to update: DO NOTHING.
        assert!(upsert(
            &Sqlite,
            "tags",
            &["name"],
            &["name"],
            OnConflict::Update(&[]),
            None
        )
        .ends_with("DO NOTHING"));
    }

    #[test]
    fn raw_statements_take_columns_by_name() {
        let params = [Value::Text("s%".into())];
        let sql = select_raw(
            &Sqlite,
            &["id", "username"],
            "SELECT * FROM users WHERE username LIKE ?",
            &params,
        );
        assert_eq!(
            sql.text,
            r#"SELECT "id", "username" FROM (SELECT * FROM users WHERE username LIKE ?1) AS anon_1"#
        );
        assert_eq!(values(&sql), params);
    }

    #[test]
    fn several_joined_loads_alias_each_table() {
        const POSTS: TableDef<'static> = TableDef {
            table: "posts",
            columns: &["id", "author_id"],
            key: "id",
        };
        const USERS: TableDef<'static> = TableDef {
            table: "users",
            columns: &["id"],
            key: "id",
        };
        const TAGS: TableDef<'static> = TableDef {
            table: "tags",
            columns: &["id", "name"],
            key: "id",
        };
        let inner = Sql {
            text: r#"SELECT "id", "author_id" FROM "posts""#.to_owned(),
            params: Vec::new(),
        };
        let joins = [
            Joined {
                related: USERS,
                via: Via::ParentColumn("author_id"),
                order: &[],
            },
            Joined {
                related: TAGS,
                via: Via::Association(Association {
                    table: "post_tags",
                    local: "post_id",
                    remote: "tag_id",
                }),
                order: &[("name", false)],
            },
        ];
        let sql = crate::sql::joined_select_many::<_, ()>(&Sqlite, POSTS, inner, &[], &joins);
        assert_eq!(
            sql.text,
            r#"SELECT "posts"."id", "posts"."author_id", anon_1."id", anon_3."id", anon_3."name" FROM (SELECT "id", "author_id" FROM "posts") AS "posts" LEFT OUTER JOIN "users" AS anon_1 ON anon_1."id" = "posts"."author_id" LEFT OUTER JOIN "post_tags" AS anon_2 ON anon_2."post_id" = "posts"."id" LEFT OUTER JOIN "tags" AS anon_3 ON anon_3."id" = anon_2."tag_id" ORDER BY "posts"."id", anon_3."name" ASC, anon_3."id""#
        );
    }
}
