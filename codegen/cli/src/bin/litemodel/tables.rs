//! `litemodel create-all` and `drop-all`: SQLAlchemy's `create_all` and `drop_all`
//! with `checkfirst=True`, on an SQLite file.
//!
//! Both run the runtime's own [`Database::create_missing`] and
//! [`Database::drop_existing`], so the command and a program calling
//! `db.create_all(&SCHEMA)` follow one rule: a table exists when SQLite finds
//! it by name (ASCII case-insensitively: `Users` is `users`, `É` is not `é`).

use std::path::Path;

use litemodel::{Database, Schema, TableSchema};
use litemodel_codegen::emit::sql::{self, Sqlite};
use litemodel_codegen::Checked;

use super::Failure;

/// The runtime's [`Schema`] of a checked spec, as the generated `SCHEMA` static
/// holds it.
///
/// The runtime's schema borrows its text for `'static`, as the generated static
/// does; the command runs once and exits, so the few kilobytes of DDL are
/// leaked rather than copied into a second, borrowed type.
fn runtime_schema(checked: &Checked) -> Schema {
    fn leak(text: String) -> &'static str {
        Box::leak(text.into_boxed_str())
    }
    let tables: Vec<TableSchema> = sql::tables(&checked.schema, &Sqlite)
        .into_iter()
        .map(|table| TableSchema {
            name: leak(table.table),
            create: leak(table.create),
            indexes: Box::leak(table.indexes.into_iter().map(leak).collect()),
        })
        .collect();
    Schema {
        tables: Box::leak(tables.into_boxed_slice()),
    }
}

fn open(path: &Path) -> Result<Database, Failure> {
    Database::open(path).map_err(|e| {
        Failure::Other(format!(
            "cannot open the database `{}`: {e}",
            path.display()
        ))
    })
}

/// Like SQLAlchemy's `create_all(checkfirst=True)`: creates each missing table with its
/// indexes, all in one transaction, and leaves existing tables alone.
pub fn create_all(checked: &Checked, path: &Path) -> Result<(), Failure> {
    let schema = runtime_schema(checked);
    let created = open(path)?
        .create_missing(&schema)
        .map_err(|e| Failure::Other(format!("`{}`: {e}", path.display())))?;
    for table in &created {
        println!("created table {table}");
    }
    for table in schema.tables {
        if !created.contains(&table.name) {
            println!("kept existing table {}", table.name);
        }
    }
    Ok(())
}

/// Like SQLAlchemy's `drop_all(checkfirst=True)`: drops the spec's tables that exist, in
/// reverse dependency order, in one transaction.
pub fn drop_all(checked: &Checked, path: &Path) -> Result<(), Failure> {
    if !path.exists() {
        println!("{} does not exist; nothing to drop", path.display());
        return Ok(());
    }
    let dropped = open(path)?
        .drop_existing(&runtime_schema(checked))
        .map_err(|e| Failure::Other(format!("`{}`: {e}", path.display())))?;
    for table in &dropped {
        println!("dropped table {table}");
    }
    Ok(())
}
