//! `litemodel create-all` and `drop-all`: SQLAlchemy's `create_all` and `drop_all`
//! with `checkfirst=True`, on an SQLite file.

use std::path::Path;

use litemodel_codegen::emit::sql::{self, Sqlite};
use litemodel_codegen::Checked;

use super::{open, Failure};

/// Whether the database has a table named `name`, by SQLite's rule: table names
/// compare case-insensitively for ASCII letters only (`Users` is `users`, `É` is not
/// `é`), which is what the `NOCASE` collation does.
fn table_exists(connection: &rusqlite::Connection, name: &str) -> rusqlite::Result<bool> {
    connection.query_row(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master \
         WHERE type = 'table' AND name = ?1 COLLATE NOCASE)",
        [name],
        |row| row.get(0),
    )
}

/// Like SQLAlchemy's `create_all(checkfirst=True)`: creates each missing table with its
/// indexes, all in one transaction, and leaves existing tables alone.
pub fn create_all(checked: &Checked, path: &Path) -> Result<(), Failure> {
    let mut connection = open(path)?;
    let failed = |e: rusqlite::Error| Failure::Other(format!("`{}`: {e}", path.display()));
    let transaction = connection.transaction().map_err(failed)?;
    let mut created = Vec::new();
    let mut kept = Vec::new();
    for table in sql::tables(&checked.schema, &Sqlite) {
        if table_exists(&transaction, &table.table).map_err(failed)? {
            kept.push(table.table);
            continue;
        }
        transaction
            .execute_batch(&table.create)
            .map_err(|e| Failure::Other(format!("creating table `{}` failed: {e}", table.table)))?;
        for index in &table.indexes {
            transaction.execute_batch(index).map_err(|e| {
                Failure::Other(format!(
                    "creating an index of `{}` failed: {e}",
                    table.table
                ))
            })?;
        }
        created.push(table.table);
    }
    transaction.commit().map_err(failed)?;
    for table in &created {
        println!("created table {table}");
    }
    for table in &kept {
        println!("kept existing table {table}");
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
    let mut connection = open(path)?;
    let failed = |e: rusqlite::Error| Failure::Other(format!("`{}`: {e}", path.display()));
    let transaction = connection.transaction().map_err(failed)?;
    let mut dropped = Vec::new();
    for table in sql::tables(&checked.schema, &Sqlite).into_iter().rev() {
        if !table_exists(&transaction, &table.table).map_err(failed)? {
            continue;
        }
        let statement = format!(
            "DROP TABLE {}",
            litemodel_codegen::names::quote_sql(&table.table)
        );
        transaction
            .execute_batch(&statement)
            .map_err(|e| Failure::Other(format!("dropping table `{}` failed: {e}", table.table)))?;
        dropped.push(table.table);
    }
    transaction.commit().map_err(failed)?;
    for table in &dropped {
        println!("dropped table {table}");
    }
    Ok(())
}
