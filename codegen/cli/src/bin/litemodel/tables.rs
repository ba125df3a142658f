//! `litemodel create-all` and `drop-all`: SQLAlchemy's `create_all` and `drop_all`
//! with `checkfirst=True`, on a SQLite file or a PostgreSQL database.
//!
//! Both run the runtime's own [`Database::create_missing`] and
//! [`Database::drop_existing`], so the command and a program calling
//! `db.create_all(&SCHEMA)` follow one rule: a table exists when the engine finds
//! it by name (on SQLite ASCII case-insensitively: `Users` is `users`, `É` is not
//! `é`; on PostgreSQL exactly, in the connection's current schema).

use std::path::Path;

use litemodel::{Database, ForeignKeySchema, PostgresSchema, Schema, TableSchema, TypeSchema};
use litemodel_codegen::emit::sql::{self, Dialect as _, Postgresql, Sqlite};
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
    let tables = |dialect: &dyn sql::Dialect| -> &'static [TableSchema] {
        let tables: Vec<TableSchema> = sql::tables(&checked.schema, dialect)
            .into_iter()
            .map(|table| TableSchema {
                name: leak(table.table),
                create: leak(table.create),
                indexes: Box::leak(table.indexes.into_iter().map(leak).collect()),
            })
            .collect();
        Box::leak(tables.into_boxed_slice())
    };
    let order = Postgresql.table_order(&checked.schema);
    let types: Vec<TypeSchema> = Postgresql::enum_types(&checked.schema, &order)
        .into_iter()
        .zip(Postgresql.create_types(&checked.schema, &order))
        .zip(Postgresql.drop_types(&checked.schema, &order))
        .map(|(((name, _), create), drop)| TypeSchema {
            name: leak(name.to_owned()),
            create: leak(create),
            drop: leak(drop),
        })
        .collect();
    let foreign_keys: Vec<ForeignKeySchema> =
        sql::deferred_foreign_keys(&checked.schema, &Postgresql)
            .into_iter()
            .map(|fk| ForeignKeySchema {
                table: leak(fk.table),
                add: leak(fk.add),
                drop: fk.drop.map(leak),
            })
            .collect();
    Schema {
        tables: tables(&Sqlite),
        postgres: PostgresSchema {
            types: Box::leak(types.into_boxed_slice()),
            tables: tables(&Postgresql),
            foreign_keys: Box::leak(foreign_keys.into_boxed_slice()),
        },
    }
}

/// Opens a SQLite path or connects to a database URL.
fn open(target: &str) -> Result<Database, Failure> {
    Database::connect(target).map_err(|e| match e {
        litemodel::Error::InvalidUrl { .. } | litemodel::Error::Connect { .. } => {
            Failure::Other(e.to_string())
        }
        e => Failure::Other(format!("cannot open the database `{target}`: {e}")),
    })
}

/// Like SQLAlchemy's `create_all(checkfirst=True)`: creates each missing table with its
/// indexes (and, on PostgreSQL, the enum types they use), all in one transaction, and
/// leaves existing tables alone.
pub fn create_all(checked: &Checked, target: &str) -> Result<(), Failure> {
    let schema = runtime_schema(checked);
    let db = open(target)?;
    let created = db
        .create_missing(&schema)
        .map_err(|e| Failure::Other(format!("`{target}`: {e}")))?;
    for table in &created {
        println!("created table {table}");
    }
    let tables = match db.engine() {
        litemodel::Engine::Sqlite => schema.tables,
        litemodel::Engine::Postgres => schema.postgres.tables,
    };
    for table in tables {
        if !created.contains(&table.name) {
            println!("kept existing table {}", table.name);
        }
    }
    Ok(())
}

/// The SQLite file a target names, when it names one.
fn sqlite_file(target: &str) -> Option<&Path> {
    if target.contains('=') {
        return None;
    }
    match target.split_once("://") {
        None => Some(Path::new(target)),
        Some((scheme, rest)) if scheme.starts_with("sqlite") => rest
            .strip_prefix('/')
            .filter(|p| !p.is_empty() && *p != ":memory:")
            .map(Path::new),
        Some(_) => None,
    }
}

/// Like SQLAlchemy's `drop_all(checkfirst=True)`: drops the spec's tables that exist, in
/// reverse dependency order, in one transaction.
pub fn drop_all(checked: &Checked, target: &str) -> Result<(), Failure> {
    if let Some(path) = sqlite_file(target).filter(|path| !path.exists()) {
        println!("{} does not exist; nothing to drop", path.display());
        return Ok(());
    }
    let dropped = open(target)?
        .drop_existing(&runtime_schema(checked))
        .map_err(|e| Failure::Other(format!("`{target}`: {e}")))?;
    for table in &dropped {
        println!("dropped table {table}");
    }
    Ok(())
}
