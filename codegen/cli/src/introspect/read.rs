//! Reading a database's catalog: `sqlite_master` and the PRAGMAs of each table,
//! completed by what only the `CREATE TABLE` text says.

use std::collections::BTreeMap;

use rusqlite::Connection;

use super::parse::{parse_create_table, Item};
use super::{
    is_internal_table, Check, Column, ConstraintRef, DbSchema, ForeignKey, Index, SqlObject, Table,
    Unique,
};

/// Reads the schema of the database behind `conn`.
///
/// # Errors
///
/// Any SQLite error while reading the catalog.
pub fn read(conn: &Connection) -> rusqlite::Result<DbSchema> {
    let mut schema = DbSchema::default();
    let mut statement = conn.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE type IN ('table', 'view', 'trigger') AND sql IS NOT NULL ORDER BY name",
    )?;
    let rows: Vec<(String, String, String, String)> = statement
        .query_map([], |row| {
            Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (kind, name, table, sql) in rows {
        match kind.as_str() {
            "table" if !is_internal_table(&name) => {
                schema.tables.push(read_table(conn, &name, &sql)?);
            }
            "view" => schema.views.push(SqlObject { name, table, sql }),
            "trigger" if !is_internal_table(&table) => {
                schema.triggers.push(SqlObject { name, table, sql });
            }
            _ => {}
        }
    }
    // A REFERENCES clause without columns means the parent's primary key.
    let primary_keys: BTreeMap<String, Vec<String>> = schema
        .tables
        .iter()
        .map(|t| (t.name.to_lowercase(), t.primary_key.clone()))
        .collect();
    for table in &mut schema.tables {
        for fk in &mut table.foreign_keys {
            if fk.references.is_empty() {
                if let Some(pk) = primary_keys.get(&fk.table.to_lowercase()) {
                    fk.references = pk.clone();
                }
            }
        }
    }
    Ok(schema)
}

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn read_table(conn: &Connection, name: &str, sql: &str) -> rusqlite::Result<Table> {
    let parsed = parse_create_table(sql);
    let mut table = Table {
        name: name.to_owned(),
        sql: sql.to_owned(),
        options: parsed.options.clone(),
        ..Table::default()
    };
    let mut pk: Vec<(i64, String)> = Vec::new();
    let mut info = conn.prepare(&format!("PRAGMA table_xinfo({})", quoted(name)))?;
    let columns = info.query_map([], |row| {
        Ok((
            row.get::<_, String>(1)?,
            row.get::<_, Option<String>>(2)?.unwrap_or_default(),
            row.get::<_, i64>(3)? != 0,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, i64>(5)?,
            row.get::<_, i64>(6)?,
        ))
    })?;
    for column in columns {
        let (column_name, decl_type, not_null, default, pk_position, hidden) = column?;
        if pk_position > 0 {
            pk.push((pk_position, column_name.clone()));
        }
        let parsed_column = parsed
            .columns
            .iter()
            .find(|c| c.name.eq_ignore_ascii_case(&column_name));
        table.columns.push(Column {
            collate: parsed_column.and_then(|c| c.collate.clone()),
            generated: hidden == 2 || hidden == 3,
            name: column_name,
            decl_type,
            not_null,
            default,
            spec_type: None,
        });
    }
    pk.sort();
    table.primary_key = pk.into_iter().map(|(_, c)| c).collect();
    table.primary_key_inline = parsed.primary_key_inline;
    table.primary_key_name = parsed.primary_key_name.clone();
    table.autoincrement = parsed.autoincrement;

    // Foreign keys: PRAGMA for the facts, the parsed text for names and order.
    let mut pragma_keys: BTreeMap<i64, ForeignKey> = BTreeMap::new();
    let mut keys = conn.prepare(&format!("PRAGMA foreign_key_list({})", quoted(name)))?;
    let rows = keys.query_map([], |row| {
        Ok((
            row.get::<_, i64>(0)?,
            row.get::<_, String>(2)?,
            row.get::<_, String>(3)?,
            row.get::<_, Option<String>>(4)?,
            row.get::<_, String>(5)?,
            row.get::<_, String>(6)?,
        ))
    })?;
    for row in rows {
        let (id, target, from, to, on_update, on_delete) = row?;
        let key = pragma_keys.entry(id).or_insert_with(|| ForeignKey {
            name: None,
            columns: Vec::new(),
            table: target,
            references: Vec::new(),
            on_delete: on_delete.to_uppercase(),
            on_update: on_update.to_uppercase(),
            deferrable: false,
        });
        key.columns.push(from);
        if let Some(to) = to {
            key.references.push(to);
        }
    }
    let mut unmatched: Vec<ForeignKey> = pragma_keys.into_values().collect();
    // SQLite numbers foreign keys from the last one written.
    unmatched.reverse();
    for item in &parsed.items {
        match item {
            Item::PrimaryKey { inline } => table
                .constraint_order
                .push((ConstraintRef::PrimaryKey, *inline)),
            Item::Unique {
                name,
                columns,
                inline,
            } => {
                table.uniques.push(Unique {
                    name: name.clone(),
                    columns: columns.clone(),
                });
                table
                    .constraint_order
                    .push((ConstraintRef::Unique(table.uniques.len() - 1), *inline));
            }
            Item::Check { name, sql, inline } => {
                table.checks.push(Check {
                    name: name.clone(),
                    sql: sql.clone(),
                });
                table
                    .constraint_order
                    .push((ConstraintRef::Check(table.checks.len() - 1), *inline));
            }
            Item::ForeignKey {
                name,
                columns,
                inline,
                deferrable,
            } => {
                let found = unmatched.iter().position(|k| {
                    k.columns.len() == columns.len()
                        && k.columns
                            .iter()
                            .zip(columns)
                            .all(|(a, b)| a.eq_ignore_ascii_case(b))
                });
                if let Some(position) = found {
                    let mut key = unmatched.remove(position);
                    key.name = name.clone();
                    key.deferrable = *deferrable;
                    table.foreign_keys.push(key);
                    table.constraint_order.push((
                        ConstraintRef::ForeignKey(table.foreign_keys.len() - 1),
                        *inline,
                    ));
                }
            }
        }
    }
    // Whatever the parser missed is still a foreign key.
    for key in unmatched {
        table.foreign_keys.push(key);
        table.constraint_order.push((
            ConstraintRef::ForeignKey(table.foreign_keys.len() - 1),
            false,
        ));
    }

    let mut list = conn.prepare(&format!("PRAGMA index_list({})", quoted(name)))?;
    let indexes: Vec<(String, bool, String, bool)> = list
        .query_map([], |row| {
            Ok((
                row.get::<_, String>(1)?,
                row.get::<_, i64>(2)? != 0,
                row.get::<_, String>(3)?,
                row.get::<_, i64>(4)? != 0,
            ))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (index_name, unique, origin, partial) in indexes {
        if origin != "c" {
            continue;
        }
        let mut info = conn.prepare(&format!("PRAGMA index_info({})", quoted(&index_name)))?;
        let columns: Vec<Option<String>> = info
            .query_map([], |row| row.get::<_, Option<String>>(2))?
            .collect::<rusqlite::Result<_>>()?;
        let sql: Option<String> = conn
            .query_row(
                "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?1",
                [&index_name],
                |row| row.get(0),
            )
            .ok()
            .flatten();
        table.indexes.push(Index {
            name: index_name,
            columns,
            unique,
            partial,
            sql: sql.unwrap_or_default(),
        });
    }
    table.indexes.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(table)
}
