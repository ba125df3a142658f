//! Running one migration against the connection: its statements, the version
//! table, the foreign-key procedure of a table rebuild.

use super::target::Handle;
use super::*;
use crate::sql::{Dialect, Sqlite};

/// The migration runner works on a rusqlite connection: SQLite's statements.
const DIALECT: Sqlite = Sqlite;

/// A row of the version table.
pub(super) struct Applied {
    pub(super) version: i64,
    pub(super) name: String,
    pub(super) checksum: String,
    pub(super) at: String,
}

fn version_table_exists(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(DIALECT.table_exists(), [VERSION_TABLE], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}

/// The rows of the version table (none when it does not exist).
pub(super) fn applied(handle: &mut Handle<'_>) -> Result<Vec<Applied>, MigrateError> {
    match handle {
        Handle::Sqlite(conn) => sqlite_applied(conn),
        #[cfg(feature = "postgres")]
        Handle::Postgres(client) => super::pg::applied(client),
    }
}

/// Records `migrations` as applied without running them, in one transaction.
pub(super) fn record(
    handle: &mut Handle<'_>,
    migrations: &[&Migration],
) -> Result<(), MigrateError> {
    match handle {
        Handle::Sqlite(conn) => sqlite_record(conn, migrations),
        #[cfg(feature = "postgres")]
        Handle::Postgres(client) => super::pg::record(client, migrations),
    }
}

/// Runs one section of `migration` in its own transaction and records it. False
/// when another connection did it first (PostgreSQL: two programs migrating one
/// database at start-up).
pub(super) fn run(
    handle: &mut Handle<'_>,
    migration: &Migration,
    direction: Direction,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<bool, MigrateError> {
    match handle {
        Handle::Sqlite(conn) => sqlite_run(conn, migration, direction, progress).map(|()| true),
        #[cfg(feature = "postgres")]
        Handle::Postgres(client) => super::pg::run(client, migration, direction, progress),
    }
}

fn sqlite_applied(conn: &Connection) -> Result<Vec<Applied>, MigrateError> {
    if !version_table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare(&DIALECT.select_applied(VERSION_TABLE))?;
    let rows = statement.query_map([], |row| {
        Ok(Applied {
            version: row.get(0)?,
            name: row.get(1)?,
            checksum: row.get(2)?,
            at: row.get(3)?,
        })
    })?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

fn sqlite_record(conn: &Connection, migrations: &[&Migration]) -> Result<(), MigrateError> {
    conn.execute_batch(&DIALECT.create_version_table(VERSION_TABLE))?;
    conn.execute_batch(DIALECT.begin_write())?;
    let result = migrations.iter().try_for_each(|migration| {
        conn.execute(
            &DIALECT.insert_applied(VERSION_TABLE),
            rusqlite::params![
                migration.version,
                migration.name.as_ref(),
                migration.checksum()
            ],
        )
        .map(|_| ())
    });
    match result {
        Ok(()) => Ok(conn.execute_batch(DIALECT.commit())?),
        Err(error) => {
            if !conn.is_autocommit() {
                // The insert's error matters more than a failed rollback.
                let _ = conn.execute_batch(DIALECT.rollback());
            }
            Err(error.into())
        }
    }
}

fn sqlite_run(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let section = migration.section(direction)?;
    let started = Instant::now();
    progress(&Progress::Started {
        version: migration.version,
        name: &migration.name,
        direction,
    });
    conn.execute_batch(&DIALECT.create_version_table(VERSION_TABLE))?;
    // SQLite ignores `PRAGMA foreign_keys` inside a transaction: turn it off first.
    let enforcing: bool = match DIALECT.foreign_keys_enabled() {
        Some(query) => conn.query_row(query, [], |row| row.get(0))?,
        None => false,
    };
    let switch = |on: bool| match DIALECT.set_foreign_keys(on) {
        Some(statement) => conn.execute_batch(statement),
        None => Ok(()),
    };
    let switch_off = section.foreign_keys_off && enforcing;
    if switch_off {
        switch(false)?;
    }
    let result = run_in_transaction(conn, migration, direction, &section, progress);
    if switch_off {
        let restored = switch(true);
        if let (Ok(()), Err(e)) = (&result, restored) {
            return Err(MigrateError::Sqlite(e));
        }
    }
    result?;
    progress(&Progress::Finished {
        version: migration.version,
        name: &migration.name,
        direction,
        elapsed: started.elapsed(),
    });
    Ok(())
}

/// The error of a statement of `migration` run in `direction`.
fn failure(
    migration: &Migration,
    direction: Direction,
) -> impl Fn(rusqlite::Error) -> MigrateError + Copy + '_ {
    move |source| MigrateError::Failed {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        source,
    }
}

fn run_in_transaction(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    section: &Section<'_>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let failed = failure(migration, direction);
    conn.execute_batch(DIALECT.begin_write()).map_err(failed)?;
    let result = statements(conn, migration, direction, section, progress);
    match result {
        Ok(()) => conn.execute_batch(DIALECT.commit()).map_err(failed),
        Err(error) => {
            if !conn.is_autocommit() {
                // The error being reported matters more than a failed rollback,
                // which SQLite only reports when the transaction is already gone.
                let _ = conn.execute_batch(DIALECT.rollback());
            }
            Err(error)
        }
    }
}

fn statements(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    section: &Section<'_>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let failed = failure(migration, direction);
    let mut batch = Batch::new(conn, section.sql);
    while let Some(mut statement) = batch.next().map_err(failed)? {
        let copying = statement
            .expanded_sql()
            .and_then(|sql| DIALECT.rebuild_copy_source(&sql, REBUILD_PREFIX));
        let rows = match &copying {
            Some(table) => {
                let rows: i64 = conn
                    .query_row(&DIALECT.count_rows(table), [], |row| row.get(0))
                    .map_err(failed)?;
                let rows = u64::try_from(rows).unwrap_or(0);
                progress(&Progress::Copying { table, rows });
                rows
            }
            None => 0,
        };
        let started = Instant::now();
        // Stepped like a query so that a statement returning rows (a PRAGMA in a
        // hand-written migration, say) runs too.
        let mut rows_out = statement.raw_query();
        while rows_out.next().map_err(failed)?.is_some() {}
        drop(rows_out);
        if let Some(table) = &copying {
            progress(&Progress::Copied {
                table,
                rows,
                elapsed: started.elapsed(),
            });
        }
        if conn.is_autocommit() {
            return Err(MigrateError::TransactionControl {
                version: migration.version,
                name: migration.name.to_string(),
                direction,
            });
        }
    }
    match direction {
        Direction::Up => conn.execute(
            &DIALECT.insert_applied(VERSION_TABLE),
            rusqlite::params![
                migration.version,
                migration.name.as_ref(),
                migration.checksum()
            ],
        ),
        Direction::Down => {
            conn.execute(&DIALECT.delete_applied(VERSION_TABLE), [migration.version])
        }
    }
    .map_err(failed)?;
    if section.foreign_keys_off {
        let violations = foreign_key_violations(conn).map_err(failed)?;
        if !violations.is_empty() {
            return Err(MigrateError::ForeignKeyCheck {
                version: migration.version,
                name: migration.name.to_string(),
                direction,
                violations,
            });
        }
    }
    Ok(())
}

/// The foreign-key violations in the database, one line each (at most 20).
fn foreign_key_violations(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let Some(check) = DIALECT.foreign_key_check() else {
        return Ok(Vec::new());
    };
    let mut statement = conn.prepare(check)?;
    let rows = statement.query_map([], |row| {
        Ok(format!(
            "`{}` row {} references a missing row of `{}`",
            row.get::<_, String>(0)?,
            row.get::<_, Option<i64>>(1)?
                .map_or_else(|| "?".to_owned(), |r| r.to_string()),
            row.get::<_, String>(2)?,
        ))
    })?;
    rows.take(20).collect()
}
