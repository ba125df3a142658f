//! Migrations generated from spec changes.
//!
//! The schema the migrations produce is found by applying them, in order, to an
//! empty in-memory database and [reading](crate::introspect::read) it back; the
//! schema the spec wants is found the same way from its `create_all` DDL. The two
//! [`DbSchema`]s are compared by [`plan()`], which writes the SQL that turns one into
//! the other (and back), and [`files`] writes it as a numbered migration file. The
//! runtime crate's [`litemodel::Migrations`] runs the files.
//!
//! On PostgreSQL, [`postgres`] does the same on scratch schemas of the server,
//! inside a transaction that is rolled back, and alters tables in place instead of
//! rebuilding them; its files carry a `-- migrate:dialect postgresql` line.
//! [`translate`] writes a SQLite history again as a PostgreSQL one, each step
//! planned by that planner from the schemas the SQLite migrations make.
//!
//! The spec stays the one source of truth: a rename is only made when the spec
//! declares it with `renamed_from`, never guessed.

pub mod files;
pub mod plan;
pub mod postgres;
pub mod translate;

use rusqlite::Connection;

use crate::introspect::{self, DbSchema};
use litemodel_codegen::model::Schema;

pub use files::{read_dir, render};
pub use plan::{plan, Change, Plan};

/// Renames declared with `renamed_from` in a spec.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Renames {
    /// `(old table, new table)`.
    pub tables: Vec<(String, String)>,
    /// `(table under its new name, old column, new column)`.
    pub columns: Vec<(String, String, String)>,
}

impl Renames {
    /// The renames a checked schema declares.
    pub fn of(schema: &Schema) -> Self {
        let mut renames = Renames::default();
        for model in &schema.models {
            if let Some(old) = &model.renamed_from {
                renames.tables.push((old.clone(), model.table.clone()));
            }
            for column in &model.columns {
                if let Some(old) = &column.renamed_from {
                    renames
                        .columns
                        .push((model.table.clone(), old.clone(), column.name.clone()));
                }
            }
        }
        renames
    }

    /// The same renames, undone (for the downgrade).
    pub fn inverse(&self) -> Self {
        Renames {
            tables: self
                .tables
                .iter()
                .map(|(old, new)| (new.clone(), old.clone()))
                .collect(),
            columns: self
                .columns
                .iter()
                .map(|(table, old, new)| {
                    // The downgrade renames columns after the tables got their old
                    // names back.
                    let table = self
                        .tables
                        .iter()
                        .find(|(_, new_table)| new_table.eq_ignore_ascii_case(table))
                        .map_or(table.clone(), |(old_table, _)| old_table.clone());
                    (table, new.clone(), old.clone())
                })
                .collect(),
        }
    }
}

/// Why a migration could not be generated or checked.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A migration file could not be read or is malformed.
    #[error(transparent)]
    Migration(#[from] litemodel::MigrateError),
    /// The migrations folder could not be read, or a file in it is misnamed.
    #[error(transparent)]
    Folder(#[from] litemodel_codegen::migrate::FolderError),
    /// SQLite failed while building the scratch schemas.
    #[error("{context}: {source}")]
    Sqlite {
        /// What was being done.
        context: String,
        /// SQLite's error.
        #[source]
        source: rusqlite::Error,
    },
    /// PostgreSQL failed while planning on scratch schemas of the server (nothing
    /// there is committed).
    #[error("{context}: {message}")]
    Postgres {
        /// What was being done.
        context: String,
        /// The server's message.
        message: String,
    },
    /// A statement of a SQLite migration that `litemodel migrate translate` cannot
    /// carry into PostgreSQL. Nothing is written.
    #[error(transparent)]
    Untranslatable(Box<translate::Untranslatable>),
    /// The generated steps failed on a scratch copy of the schema: something the
    /// generator cannot do automatically (a trigger using a dropped column, say).
    #[error("the generated migration does not apply cleanly ({context}): {message}\n  help: write this migration by hand: `litemodel migrate new --empty -m \"...\"`")]
    Unplannable {
        /// The step.
        context: String,
        /// What went wrong.
        message: String,
    },
}

fn sqlite(context: impl Into<String>) -> impl FnOnce(rusqlite::Error) -> Error {
    let context = context.into();
    move |source| Error::Sqlite { context, source }
}

/// An empty in-memory database with the spec's tables.
///
/// # Errors
///
/// SQLite rejected the DDL (a bug: the DDL is tested against SQLite).
pub fn spec_database(schema: &Schema) -> Result<Connection, Error> {
    let conn = Connection::open_in_memory().map_err(sqlite("opening a scratch database"))?;
    conn.execute_batch(&litemodel_codegen::ddl(schema))
        .map_err(sqlite("creating the spec's tables in a scratch database"))?;
    Ok(conn)
}

/// An empty in-memory database with every migration applied.
///
/// # Errors
///
/// A migration is malformed or fails to apply.
pub fn migrated_database(migrations: &litemodel::Migrations) -> Result<Connection, Error> {
    let conn = Connection::open_in_memory().map_err(sqlite("opening a scratch database"))?;
    migrations.up(&conn, None)?;
    Ok(conn)
}

/// An empty in-memory database with the migrations up to `to` applied (all when
/// `None`).
///
/// # Errors
///
/// A migration is malformed or fails to apply, or `to` names none.
pub fn migrated_database_to(
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<Connection, Error> {
    let conn = Connection::open_in_memory().map_err(sqlite("opening a scratch database"))?;
    migrations.up(&conn, to)?;
    Ok(conn)
}

/// What a live database holds for [`stamp`](litemodel::Migrations::stamp): its
/// schema less Alembic's version table, and Alembic's revision when it has one.
#[derive(Debug, Clone)]
pub struct Live {
    /// The tables, views and triggers (litemodel's and Alembic's version
    /// tables left out).
    pub schema: DbSchema,
    /// `alembic_version.version_num`, when the database has that table (`Some("")`
    /// for an empty one).
    pub alembic_revision: Option<String>,
}

/// Reads a live database for `migrate stamp` and `migrate up`.
///
/// # Errors
///
/// SQLite failed reading its catalog or Alembic's table.
pub fn live(conn: &Connection) -> Result<Live, Error> {
    let mut schema = introspect::read(conn).map_err(sqlite("reading the database's schema"))?;
    let alembic = schema.tables.iter().position(|t| {
        t.name
            .eq_ignore_ascii_case(introspect::ALEMBIC_VERSION_TABLE)
    });
    let alembic_revision = match alembic {
        None => None,
        Some(at) => {
            schema.tables.remove(at);
            let revisions: Vec<String> = conn
                .prepare("SELECT version_num FROM alembic_version")
                .and_then(|mut statement| {
                    statement
                        .query_map([], |row| row.get::<_, String>(0))?
                        .collect()
                })
                .map_err(sqlite("reading Alembic's `alembic_version` table"))?;
            Some(revisions.join(", "))
        }
    };
    Ok(Live {
        schema,
        alembic_revision,
    })
}

/// How `live` differs from the schema the migrations up to `to` make (all when
/// `None`): empty when `litemodel migrate stamp` may record them as applied.
///
/// # Errors
///
/// A migration is malformed or fails to apply, or `to` names none.
pub fn stamp_differences(
    live: &Live,
    migrations: &litemodel::Migrations,
    to: Option<i64>,
) -> Result<Vec<String>, Error> {
    let want = schema_of(&migrated_database_to(migrations, to)?)?;
    Ok(introspect::schema_differences(&live.schema, &want))
}

/// The schema a database holds.
///
/// # Errors
///
/// SQLite failed reading its catalog.
pub fn schema_of(conn: &Connection) -> Result<DbSchema, Error> {
    introspect::read(conn).map_err(sqlite("reading a scratch schema"))
}

/// What `litemodel migrate new` would write: the plan from the migrations' schema to
/// the spec's, with its way back. `None` when they already agree.
///
/// # Errors
///
/// A migration fails to apply, or the plan does not apply cleanly.
pub fn diff(schema: &Schema, migrations: &litemodel::Migrations) -> Result<Option<Plan>, Error> {
    let current = migrated_database(migrations)?;
    let target = schema_of(&spec_database(schema)?)?;
    let plan = plan(&current, &target, &Renames::of(schema))?;
    Ok((!plan.changes.is_empty()).then_some(plan))
}
