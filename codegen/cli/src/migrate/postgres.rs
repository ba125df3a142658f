//! Migrations on PostgreSQL: planned on scratch schemas of the server, in place.
//!
//! SQLite's planner applies the migrations to an in-memory database; PostgreSQL has
//! none, so `migrate new` and `migrate check` work on the server the database URL
//! names, inside one transaction that is always rolled back: the spec's DDL is run in
//! one new schema, the migrations in another, both are read back with the same
//! catalog reader as `introspect`, and [`steps`](plan) alters the second into the
//! first (and back), each statement run there at once. Nothing is ever committed, so
//! the server keeps no trace of the scratch schemas; the role needs the privilege to
//! create a schema in the database.
//!
//! PostgreSQL alters tables in place (`ALTER TABLE ... ADD/DROP/ALTER COLUMN`,
//! `ADD/DROP/RENAME CONSTRAINT`), so there is never a table rebuild. Constraints
//! are compared by PostgreSQL's own text of them (`pg_get_constraintdef`) and added
//! with the names the spec's PostgreSQL DDL gets (`users_role_id_fkey`).

mod compare;
mod plan;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use postgres::{Client, Transaction};

use super::{Error, Plan, Renames};
use crate::introspect::{self, DbSchema};
use litemodel::migrate::Direction;
use litemodel_codegen::emit::sql::SqlDialect;
use litemodel_codegen::model::Schema;

/// A named constraint as the catalog holds it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Constraint {
    pub(crate) table: String,
    pub(crate) name: String,
    /// `p`, `u`, `c`, `f`, ... (`pg_constraint.contype`).
    pub(crate) kind: String,
    /// `pg_get_constraintdef`: `FOREIGN KEY (role_id) REFERENCES roles(id)`.
    pub(crate) definition: String,
}

/// A sequence owned by a column (a `SERIAL`'s).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) struct Sequence {
    pub(crate) table: String,
    pub(crate) column: String,
    pub(crate) name: String,
}

/// One schema as the planner sees it: the reader's tables, plus what it leaves out
/// or folds away (constraint names PostgreSQL chose, sequences, enum types no column
/// uses).
#[derive(Debug, Clone)]
pub(crate) struct Snapshot {
    pub(crate) schema: DbSchema,
    pub(crate) constraints: Vec<Constraint>,
    pub(crate) sequences: Vec<Sequence>,
    /// Enum types of the schema, with their labels in order.
    pub(crate) enums: BTreeMap<String, Vec<String>>,
}

fn postgres_error(context: impl Into<String>) -> impl FnOnce(postgres::Error) -> Error {
    let context = context.into();
    move |source| Error::Postgres {
        context,
        message: server_message(&source),
    }
}

/// The server's message with its detail and hint, or the client's error.
pub(crate) fn server_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(&format!(" ({detail})"));
            }
            if let Some(hint) = db.hint() {
                text.push_str(&format!("; hint: {hint}"));
            }
            text
        }
        None => error.to_string(),
    }
}

/// Reads the schema the transaction's `search_path` puts first.
pub(crate) fn snapshot(tx: &mut Transaction<'_>) -> Result<Snapshot, Error> {
    let schema = introspect::postgres::read_in(tx).map_err(|e| Error::Postgres {
        context: "reading a scratch schema".into(),
        message: e.to_string(),
    })?;
    let constraints = tx
        .query(
            "SELECT c.relname::text, con.conname::text, con.contype::text, \
                    pg_get_constraintdef(con.oid) \
             FROM pg_constraint con JOIN pg_class c ON c.oid = con.conrelid \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relkind = 'r' \
               AND c.relname <> 'litemodel_migrations' \
             ORDER BY c.relname, con.conname",
            &[],
        )
        .and_then(|rows| {
            rows.iter()
                .map(|row| {
                    Ok(Constraint {
                        table: row.try_get(0)?,
                        name: row.try_get(1)?,
                        kind: row.try_get(2)?,
                        definition: row.try_get(3)?,
                    })
                })
                .collect::<Result<Vec<_>, postgres::Error>>()
        })
        .map_err(postgres_error("reading a scratch schema's constraints"))?;
    let sequences = tx
        .query(
            "SELECT t.relname::text, a.attname::text, s.relname::text \
             FROM pg_class s JOIN pg_namespace n ON n.oid = s.relnamespace \
             JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.oid \
               AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') \
             JOIN pg_class t ON t.oid = d.refobjid \
             JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid \
             WHERE n.nspname = current_schema() AND s.relkind = 'S' \
             ORDER BY t.relname, a.attname",
            &[],
        )
        .and_then(|rows| {
            rows.iter()
                .map(|row| {
                    Ok(Sequence {
                        table: row.try_get(0)?,
                        column: row.try_get(1)?,
                        name: row.try_get(2)?,
                    })
                })
                .collect::<Result<Vec<_>, postgres::Error>>()
        })
        .map_err(postgres_error("reading a scratch schema's sequences"))?;
    let mut enums: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let rows = tx
        .query(
            "SELECT t.typname::text, e.enumlabel::text FROM pg_type t \
             JOIN pg_enum e ON e.enumtypid = t.oid \
             JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE n.nspname = current_schema() ORDER BY t.typname, e.enumsortorder",
            &[],
        )
        .map_err(postgres_error("reading a scratch schema's enum types"))?;
    for row in rows {
        let name: String = row
            .try_get(0)
            .map_err(postgres_error("reading an enum type"))?;
        let label: String = row
            .try_get(1)
            .map_err(postgres_error("reading an enum type"))?;
        enums.entry(name).or_default().push(label);
    }
    Ok(Snapshot {
        schema,
        constraints,
        sequences,
        enums,
    })
}

/// A name for scratch schemas that no other run uses at the same time (the counter
/// tells apart two made within one clock tick).
fn scratch_name(what: &str) -> String {
    static MADE: AtomicU64 = AtomicU64::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let made = MADE.fetch_add(1, Ordering::Relaxed);
    format!(
        "litemodel_scratch_{}_{nanos}_{made}_{what}",
        std::process::id()
    )
}

/// Opens a scratch schema in `tx` and puts it first in the `search_path`.
fn enter_scratch(tx: &mut Transaction<'_>, what: &str) -> Result<(), Error> {
    let name = scratch_name(what);
    tx.batch_execute(&format!(
        "CREATE SCHEMA {name}; SET LOCAL search_path TO {name}"
    ))
    .map_err(postgres_error(
        "creating a scratch schema to plan the migration in (the role needs the CREATE privilege on the database; nothing is committed)",
    ))
}

/// The spec's schema on PostgreSQL, read from a scratch schema of `tx`.
fn spec_snapshot(tx: &mut Transaction<'_>, schema: &Schema) -> Result<Snapshot, Error> {
    enter_scratch(tx, "spec")?;
    let ddl = litemodel_codegen::ddl_for(schema, SqlDialect::Postgresql);
    tx.batch_execute(&ddl).map_err(|e| Error::Postgres {
        context:
            "the spec's PostgreSQL DDL (`litemodel ddl --dialect postgresql`) fails on the server"
                .into(),
        message: server_message(&e),
    })?;
    snapshot(tx)
}

/// The schema the migrations up to `to` (all when `None`) make, read from a scratch
/// schema of `tx`.
fn migrations_snapshot(
    tx: &mut Transaction<'_>,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<Snapshot, Error> {
    if let Some(version) = to {
        if !migrations.iter().any(|m| m.version() == version) {
            return Err(litemodel::MigrateError::UnknownVersion { version }.into());
        }
    }
    enter_scratch(tx, "migrations")?;
    for migration in migrations.iter() {
        if to.is_some_and(|to| migration.version() > to) {
            break;
        }
        check_dialect(migration)?;
        let section = migration.section(Direction::Up)?;
        for statement in litemodel::migrate::statements(section.sql) {
            tx.batch_execute(statement).map_err(|e| Error::Postgres {
                context: format!(
                    "migration {} `{}` fails on a scratch schema, at `{}`",
                    migration.version(),
                    migration.name(),
                    introspect::one_line(statement)
                ),
                message: server_message(&e),
            })?;
        }
    }
    snapshot(tx)
}

/// Refuses a migration written for SQLite.
fn check_dialect(migration: &litemodel::Migration) -> Result<(), Error> {
    match migration.engine()? {
        litemodel::Engine::Postgres => Ok(()),
        other => Err(litemodel::MigrateError::WrongDialect {
            version: migration.version(),
            name: migration.name().to_owned(),
            written: other.name(),
            engine: "postgresql",
            help: "write PostgreSQL migrations in a folder of their own with `litemodel migrate new --dialect postgresql --migrations DIR` (docs/migrations.md, \"PostgreSQL\")",
        }
        .into()),
    }
}

/// What `litemodel migrate new` writes for PostgreSQL: the plan from the migrations'
/// schema to the spec's, with its way back; `None` when they agree. Runs in one
/// transaction on `client` that is rolled back.
///
/// # Errors
///
/// The server refused the scratch schemas, a migration or the spec's DDL failed on
/// one, or the plan does not reach its schema.
pub fn diff(
    client: &mut Client,
    schema: &Schema,
    migrations: &litemodel::Migrations,
) -> Result<Option<Plan>, Error> {
    let mut tx = client
        .transaction()
        .map_err(postgres_error("starting the planning transaction"))?;
    let target = spec_snapshot(&mut tx, schema)?;
    let current = migrations_snapshot(&mut tx, migrations, None)?;
    let plan = plan::plan(&mut tx, &current, &target, &Renames::of(schema))?;
    // Dropped without a commit: the scratch schemas go with it.
    drop(tx);
    Ok((!plan.changes.is_empty()).then_some(plan))
}

/// A data statement PostgreSQL refused while [`plan_step`] prepared it: its index
/// among the statements given, and the server's message.
pub type Refused = (usize, String);

/// One step of `litemodel migrate translate`: the plan from the schema `from` makes
/// to the one `to` makes (each a spec, `None` for no tables), planned as [`diff`]
/// plans, in a transaction on `client` that is rolled back; then each of `data` is
/// prepared against `to`'s schema (parsed and checked by PostgreSQL, never run), so
/// that a statement PostgreSQL does not accept is found before it is copied.
///
/// # Errors
///
/// As for [`diff`]; a data statement PostgreSQL refuses is `Ok(Err(..))`.
pub fn plan_step(
    client: &mut Client,
    from: Option<&Schema>,
    to: Option<&Schema>,
    renames: &Renames,
    data: &[&str],
) -> Result<Result<Plan, Refused>, Error> {
    let mut tx = client
        .transaction()
        .map_err(postgres_error("starting the planning transaction"))?;
    let target = schema_snapshot(&mut tx, to)?;
    for (i, statement) in data.iter().enumerate() {
        let prepared = format!("PREPARE litemodel_translate_{i} AS {statement}");
        if let Err(e) = tx.batch_execute(&prepared) {
            return Ok(Err((i, server_message(&e))));
        }
        // A prepared statement belongs to the session, not to the transaction.
        tx.batch_execute(&format!("DEALLOCATE litemodel_translate_{i}"))
            .map_err(postgres_error("checking a data statement"))?;
    }
    let current = schema_snapshot(&mut tx, from)?;
    let plan = plan::plan(&mut tx, &current, &target, renames)?;
    drop(tx);
    Ok(Ok(plan))
}

/// The schema `schema`'s PostgreSQL DDL makes (none: an empty one), read from a new
/// scratch schema of `tx`.
fn schema_snapshot(tx: &mut Transaction<'_>, schema: Option<&Schema>) -> Result<Snapshot, Error> {
    match schema {
        Some(schema) => spec_snapshot(tx, schema),
        None => {
            enter_scratch(tx, "empty")?;
            snapshot(tx)
        }
    }
}

/// How the live schema differs from the one the migrations up to `to` make (all
/// when `None`): empty when `litemodel migrate stamp` may record them. Column order
/// is not compared (PostgreSQL appends added columns).
///
/// # Errors
///
/// As for [`diff`].
pub fn stamp_differences(
    client: &mut Client,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<Vec<String>, Error> {
    let mut tx = client
        .transaction()
        .map_err(postgres_error("starting the planning transaction"))?;
    let mut live = snapshot(&mut tx)?;
    live.schema.tables.retain(|t| {
        !t.name
            .eq_ignore_ascii_case(introspect::ALEMBIC_VERSION_TABLE)
    });
    live.constraints.retain(|c| {
        !c.table
            .eq_ignore_ascii_case(introspect::ALEMBIC_VERSION_TABLE)
    });
    let want = migrations_snapshot(&mut tx, migrations, to)?;
    let out = compare::differences(&live, &want);
    drop(tx);
    Ok(out)
}

/// The tables of the live schema (litemodel's and Alembic's version tables left
/// out): `migrate up` refuses to run the first migration over them. Only their
/// names are read, so tables a spec could not express do not matter here.
///
/// # Errors
///
/// Reading the catalog failed.
pub fn live_tables(client: &mut Client) -> Result<Vec<String>, Error> {
    let rows = client
        .query(
            "SELECT tablename::text FROM pg_catalog.pg_tables \
             WHERE schemaname = current_schema() ORDER BY tablename",
            &[],
        )
        .map_err(postgres_error("reading the database's tables"))?;
    let mut out = Vec::new();
    for row in rows {
        let name: String = row
            .try_get(0)
            .map_err(postgres_error("reading the database's tables"))?;
        if !introspect::is_internal_table(&name)
            && !name.eq_ignore_ascii_case(introspect::ALEMBIC_VERSION_TABLE)
        {
            out.push(name);
        }
    }
    Ok(out)
}

/// The tables the migrations up to `to` create, read from a scratch schema.
///
/// # Errors
///
/// As for [`diff`].
pub fn migration_tables(
    client: &mut Client,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<Vec<String>, Error> {
    let mut tx = client
        .transaction()
        .map_err(postgres_error("starting the planning transaction"))?;
    let want = migrations_snapshot(&mut tx, migrations, to)?;
    drop(tx);
    Ok(want.schema.tables.into_iter().map(|t| t.name).collect())
}
