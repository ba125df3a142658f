//! The runner on PostgreSQL: the version table, and each migration in one
//! transaction. PostgreSQL's DDL is transactional, so a migration that fails at
//! any statement leaves nothing behind; foreign keys are checked at each
//! statement, so there is no foreign-key switch as on SQLite.
//!
//! Several programs may migrate one database at the same time (each instance of
//! a service calling `db.migrate` at start-up): each migration's transaction
//! first takes a transaction-level advisory lock, then checks the version table
//! again, so one of them applies it and the others find it done.

use std::time::Instant;

use crate::PgClient as Client;

use super::apply::Applied;
use super::split::{is_transaction_control, one_line, statements};
use super::{Direction, MigrateError, Migration, Progress, VERSION_TABLE};
use crate::sql::{Dialect, Postgres};

const DIALECT: Postgres = Postgres;

/// `applied_at` as SQLite's `CURRENT_TIMESTAMP` writes it (UTC, to the second).
const SELECT_APPLIED: &str = "SELECT version::bigint, name, checksum, \
     to_char(applied_at, 'YYYY-MM-DD HH24:MI:SS') FROM litemodel_migrations ORDER BY version";
/// The advisory lock key of the migration runner (`litemodl` in ASCII, as a bigint).
const LOCK: &str = "SELECT pg_advisory_xact_lock(7811903007627371628)";
const IS_APPLIED: &str = "SELECT 1 FROM litemodel_migrations WHERE version = $1";
const INSERT_APPLIED: &str =
    "INSERT INTO litemodel_migrations (version, name, checksum, applied_at) \
     VALUES ($1, $2, $3, now() AT TIME ZONE 'UTC')";

fn version_table_exists(client: &mut Client) -> Result<bool, postgres::Error> {
    Ok(client
        .query_opt(DIALECT.table_exists(), &[&VERSION_TABLE])?
        .is_some())
}

pub(super) fn applied(client: &mut Client) -> Result<Vec<Applied>, MigrateError> {
    if !version_table_exists(client)? {
        return Ok(Vec::new());
    }
    let mut out = Vec::new();
    for row in client.query(SELECT_APPLIED, &[])? {
        out.push(Applied {
            version: row.try_get(0)?,
            name: row.try_get(1)?,
            checksum: row.try_get(2)?,
            at: row.try_get::<_, Option<String>>(3)?.unwrap_or_default(),
        });
    }
    Ok(out)
}

/// The version as the version table's `INTEGER` holds it.
fn version_of(migration: &Migration) -> Result<i32, MigrateError> {
    i32::try_from(migration.version).map_err(|_| MigrateError::Format {
        version: migration.version,
        name: migration.name.to_string(),
        problem:
            "the version number is too large for PostgreSQL's version table (at most 2147483647)"
                .to_owned(),
    })
}

/// Records `migrations` as applied without running them, in one transaction.
pub(super) fn record(client: &mut Client, migrations: &[&Migration]) -> Result<(), MigrateError> {
    let mut tx = client.transaction()?;
    tx.batch_execute(LOCK)?;
    tx.batch_execute(&DIALECT.create_version_table(VERSION_TABLE))?;
    for migration in migrations {
        if tx
            .query_opt(IS_APPLIED, &[&version_of(migration)?])?
            .is_some()
        {
            continue;
        }
        tx.execute(
            INSERT_APPLIED,
            &[
                &version_of(migration)?,
                &migration.name.as_ref(),
                &migration.checksum(),
            ],
        )?;
    }
    tx.commit()?;
    Ok(())
}

/// Runs one section of `migration` in its own transaction and records it; false
/// when another connection did it first.
pub(super) fn run(
    client: &mut Client,
    migration: &Migration,
    direction: Direction,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<bool, MigrateError> {
    let section = migration.section(direction)?;
    if section.foreign_keys_off {
        return Err(MigrateError::Format {
            version: migration.version,
            name: migration.name.to_string(),
            problem: format!(
                "`foreign_keys=off` on the `-- migrate:{direction}` line is SQLite's; PostgreSQL checks foreign keys at each statement (remove the option)"
            ),
        });
    }
    let list = statements(section.sql);
    if list.iter().any(|s| is_transaction_control(s)) {
        return Err(MigrateError::TransactionControl {
            version: migration.version,
            name: migration.name.to_string(),
            direction,
        });
    }
    let version = version_of(migration)?;
    let started = Instant::now();
    // Dropped without a commit (an error below), the transaction rolls back.
    let mut tx = client.transaction()?;
    tx.batch_execute(LOCK)?;
    tx.batch_execute(&DIALECT.create_version_table(VERSION_TABLE))?;
    let applied = tx.query_opt(IS_APPLIED, &[&version])?.is_some();
    if applied != (direction == Direction::Down) {
        // Another connection applied (or reverted) it while this one waited.
        tx.commit()?;
        return Ok(false);
    }
    progress(&Progress::Started {
        version: migration.version,
        name: &migration.name,
        direction,
    });
    for statement in &list {
        tx.batch_execute(statement)
            .map_err(|error| MigrateError::Statement {
                version: migration.version,
                name: migration.name.to_string(),
                direction,
                statement: one_line(statement, 200),
                message: server_message(&error),
            })?;
    }
    let recorded = match direction {
        Direction::Up => tx.execute(
            INSERT_APPLIED,
            &[&version, &migration.name.as_ref(), &migration.checksum()],
        ),
        Direction::Down => tx.execute(&DIALECT.delete_applied(VERSION_TABLE), &[&version]),
    };
    recorded.map_err(|error| MigrateError::Statement {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        statement: format!("recording the version in `{VERSION_TABLE}`"),
        message: server_message(&error),
    })?;
    tx.commit()?;
    progress(&Progress::Finished {
        version: migration.version,
        name: &migration.name,
        direction,
        elapsed: started.elapsed(),
    });
    Ok(true)
}

/// The server's message with its detail and hint, or the client's error.
pub(super) fn server_message(error: &postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => {
            let mut text = db.message().to_owned();
            if let Some(detail) = db.detail() {
                text.push_str(" (");
                text.push_str(detail);
                text.push(')');
            }
            if let Some(hint) = db.hint() {
                text.push_str("; hint: ");
                text.push_str(hint);
            }
            text
        }
        None => error.to_string(),
    }
}
