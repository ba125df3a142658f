//! One model's own statements (its fixed INSERT, UPDATE, DELETE and lookup by
//! key, rendered once per model and engine), and the UPDATE of its changed
//! columns.

use super::{Dialect, TableDef};
use crate::model::ColumnSet;

/// One of a model's fixed statements (with the model's type, its identity
/// in the SQLite connection's statement slots).
#[derive(Clone, Copy, PartialEq, Eq, Hash, Debug)]
pub(crate) enum ModelStatement {
    SelectByKey,
    Insert,
    InsertWithKey,
    Update,
    Delete,
}

impl ModelSql {
    /// The text of `statement`.
    pub(crate) fn text(&self, statement: ModelStatement) -> &str {
        match statement {
            ModelStatement::SelectByKey => &self.select_by_key,
            ModelStatement::Insert => &self.insert,
            ModelStatement::InsertWithKey => &self.insert_with_key,
            ModelStatement::Update => &self.update,
            ModelStatement::Delete => &self.delete,
        }
    }
}

/// The statements the runtime writes for one model, rendered once per process
/// (see `ModelSql::of`).
pub(crate) struct ModelSql {
    pub(crate) select: String,
    /// `select` with `WHERE <key> = ?1`, for `Query::get` without filters.
    pub(crate) select_by_key: String,
    pub(crate) insert: String,
    pub(crate) insert_with_key: String,
    pub(crate) update: String,
    pub(crate) delete: String,
}

/// The statements of the model with table `def` and `server_defaults`
/// (`(column, sql)`).
pub(crate) fn model_statements<D: Dialect + ?Sized>(
    d: &D,
    def: TableDef<'_>,
    server_defaults: &[(&str, &str)],
) -> ModelSql {
    let fields: Vec<&str> = def
        .columns
        .iter()
        .copied()
        .filter(|c| *c != def.key)
        .collect();
    let mut with_key = fields.clone();
    with_key.push(def.key);
    let mut select = String::from("SELECT ");
    d.push_list(&mut select, def.columns);
    select.push_str(" FROM ");
    d.push_identifier(&mut select, def.table);
    let mut select_by_key = select.clone();
    d.push_key_filter(&mut select_by_key, def.key, 1);
    // A model with server defaults reads the stored row back after the key;
    // others only need the key, and only where the connection cannot tell it.
    let mut returning = Vec::new();
    if !server_defaults.is_empty() {
        returning.push(def.key);
        returning.extend_from_slice(def.columns);
    } else if d.insert_returns_key() {
        returning.push(def.key);
    }
    let insert_sql = insert(d, def.table, &fields, server_defaults, &returning);
    ModelSql {
        select,
        select_by_key,
        // A key computed from the key columns cannot be given: the session
        // inserts such rows as new ones, reading their identity back.
        insert_with_key: if computes_identity(d, def.key) {
            insert_sql.clone()
        } else {
            // With the key given, only server defaults need reading back.
            insert(
                d,
                def.table,
                &with_key,
                server_defaults,
                if server_defaults.is_empty() {
                    &[]
                } else {
                    &returning
                },
            )
        },
        insert: insert_sql,
        update: update(d, def.table, &fields, server_defaults, def.key),
        delete: d.delete(def.table, def.key),
    }
}

fn server_default<'a>(server_defaults: &[(&str, &'a str)], column: &str) -> Option<&'a str> {
    server_defaults
        .iter()
        .find(|(name, _)| *name == column)
        .map(|(_, sql)| *sql)
}

/// `INSERT INTO table (columns) VALUES (?1, COALESCE(?2, <server default>), ...)
/// [RETURNING ...]`: a `None` field of a column with a server default gets the
/// database's default.
pub(super) fn insert<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    columns: &[&str],
    server_defaults: &[(&str, &str)],
    returning: &[&str],
) -> String {
    let mut sql = String::from("INSERT INTO ");
    d.push_identifier(&mut sql, table);
    sql.push_str(" (");
    d.push_list(&mut sql, columns);
    sql.push_str(") VALUES (");
    for (i, column) in columns.iter().enumerate() {
        if i > 0 {
            sql.push_str(", ");
        }
        match server_default(server_defaults, column) {
            Some(default) => {
                sql.push_str("COALESCE(");
                d.push_placeholder(&mut sql, i + 1);
                sql.push_str(", ");
                sql.push_str(default);
                sql.push(')');
            }
            None => d.push_placeholder(&mut sql, i + 1),
        }
    }
    sql.push(')');
    if !returning.is_empty() {
        sql.push_str(" RETURNING ");
        d.push_list(&mut sql, returning);
    }
    sql
}

/// `UPDATE table SET c = ?1, d = COALESCE(?2, d) WHERE key = ?n`: a `None` field
/// of a column with a server default keeps the value the database filled in.
pub(super) fn update<D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    columns: &[&str],
    server_defaults: &[(&str, &str)],
    key: &str,
) -> String {
    update_of(d, table, columns.iter().copied(), server_defaults, key)
}

/// [`update`] of the columns of `def` at the positions of `changed` (in
/// `Model::bind` order: every column but the key): SQLAlchemy's UPDATE of the
/// changed attributes, leaving the others to whoever else writes the row.
pub(crate) fn update_changed<D: Dialect + ?Sized>(
    d: &D,
    def: TableDef<'_>,
    server_defaults: &[(&str, &str)],
    changed: &ColumnSet,
) -> String {
    let columns = def
        .columns
        .iter()
        .copied()
        .filter(|c| *c != def.key)
        .enumerate()
        .filter(|(i, _)| changed.contains(*i))
        .map(|(_, c)| c);
    update_of(d, def.table, columns, server_defaults, def.key)
}

fn update_of<'c, D: Dialect + ?Sized>(
    d: &D,
    table: &str,
    columns: impl Iterator<Item = &'c str>,
    server_defaults: &[(&str, &str)],
    key: &str,
) -> String {
    let mut sql = String::from("UPDATE ");
    d.push_identifier(&mut sql, table);
    sql.push_str(" SET ");
    let mut count = 0;
    for column in columns {
        if count > 0 {
            sql.push_str(", ");
        }
        count += 1;
        d.push_identifier(&mut sql, column);
        sql.push_str(" = ");
        if server_default(server_defaults, column).is_some() {
            sql.push_str("COALESCE(");
            d.push_placeholder(&mut sql, count);
            sql.push_str(", ");
            d.push_identifier(&mut sql, column);
            sql.push(')');
        } else {
            d.push_placeholder(&mut sql, count);
        }
    }
    d.push_key_filter(&mut sql, key, count + 1);
    if computes_identity(d, key) {
        // The key columns may have changed, and the identity with them.
        sql.push_str(" RETURNING ");
        d.push_identifier(&mut sql, key);
    }
    sql
}

/// Whether the identity of `key`'s rows is computed from their key columns
/// (a composite key on an engine without rowid): an UPDATE returns it, and
/// an object cannot be inserted under an identity of its own.
pub(crate) fn computes_identity<D: Dialect + ?Sized>(d: &D, key: &str) -> bool {
    !d.has_rowid() && super::is_descriptor(key)
}
