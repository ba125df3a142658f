//! Running one migration against the connection: its statements, the version
//! table, the foreign-key procedure of a table rebuild.

use super::*;

/// A row of the version table.
pub(super) struct Applied {
    pub(super) version: i64,
    pub(super) name: String,
    pub(super) checksum: String,
    pub(super) at: String,
}

fn version_table_exists(conn: &Connection) -> rusqlite::Result<bool> {
    conn.query_row(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
        [VERSION_TABLE],
        |_| Ok(()),
    )
    .optional()
    .map(|found| found.is_some())
}

pub(super) fn applied(conn: &Connection) -> Result<Vec<Applied>, MigrateError> {
    if !version_table_exists(conn)? {
        return Ok(Vec::new());
    }
    let mut statement = conn.prepare(&format!(
        "SELECT version, name, checksum, applied_at FROM {VERSION_TABLE} ORDER BY version"
    ))?;
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

/// Runs one section of `migration` in its own transaction and records it.
pub(super) fn run(
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
    conn.execute_batch(&format!(
        "CREATE TABLE IF NOT EXISTS {VERSION_TABLE} (\n\
         \tversion INTEGER NOT NULL, \n\
         \tname TEXT NOT NULL, \n\
         \tchecksum TEXT NOT NULL, \n\
         \tapplied_at TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL, \n\
         \tPRIMARY KEY (version)\n)"
    ))?;
    // SQLite ignores `PRAGMA foreign_keys` inside a transaction: turn it off first.
    let enforcing: bool = conn.query_row("PRAGMA foreign_keys", [], |row| row.get(0))?;
    let switch_off = section.foreign_keys_off && enforcing;
    if switch_off {
        conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    }
    let result = run_in_transaction(conn, migration, direction, &section, progress);
    if switch_off {
        let restored = conn.execute_batch("PRAGMA foreign_keys = ON");
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

fn run_in_transaction(
    conn: &Connection,
    migration: &Migration,
    direction: Direction,
    section: &Section<'_>,
    progress: &mut dyn FnMut(&Progress<'_>),
) -> Result<(), MigrateError> {
    let failed = |source: rusqlite::Error| MigrateError::Failed {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        source,
    };
    conn.execute_batch("BEGIN IMMEDIATE").map_err(failed)?;
    let result = statements(conn, migration, direction, section, progress);
    match result {
        Ok(()) => conn.execute_batch("COMMIT").map_err(failed),
        Err(error) => {
            if !conn.is_autocommit() {
                // The error being reported matters more than a failed rollback,
                // which SQLite only reports when the transaction is already gone.
                let _ = conn.execute_batch("ROLLBACK");
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
    let failed = |source: rusqlite::Error| MigrateError::Failed {
        version: migration.version,
        name: migration.name.to_string(),
        direction,
        source,
    };
    let mut batch = Batch::new(conn, section.sql);
    while let Some(mut statement) = batch.next().map_err(failed)? {
        let copying = statement
            .expanded_sql()
            .and_then(|sql| rebuild_source(&sql));
        let rows = match &copying {
            Some(table) => {
                let rows: i64 = conn
                    .query_row(
                        &format!("SELECT count(*) FROM \"{}\"", table.replace('"', "\"\"")),
                        [],
                        |row| row.get(0),
                    )
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
            &format!("INSERT INTO {VERSION_TABLE} (version, name, checksum) VALUES (?1, ?2, ?3)"),
            rusqlite::params![
                migration.version,
                migration.name.as_ref(),
                migration.checksum()
            ],
        ),
        Direction::Down => conn.execute(
            &format!("DELETE FROM {VERSION_TABLE} WHERE version = ?1"),
            [migration.version],
        ),
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

/// `PRAGMA foreign_key_check`, one line per violation (at most 20).
fn foreign_key_violations(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let mut statement = conn.prepare("PRAGMA foreign_key_check")?;
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

/// For `INSERT INTO "_litemodel_new_users" ...`, the table being rebuilt (`users`).
fn rebuild_source(sql: &str) -> Option<String> {
    let sql = skip_comments(sql);
    let rest = strip_prefix_ignore_case(sql, "INSERT INTO")?.trim_start();
    let rest = rest.strip_prefix('"')?;
    let mut name = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '"' {
            if chars.peek() == Some(&'"') {
                chars.next();
                name.push('"');
                continue;
            }
            return name.strip_prefix(REBUILD_PREFIX).map(str::to_owned);
        }
        name.push(c);
    }
    None
}

fn strip_prefix_ignore_case<'a>(text: &'a str, prefix: &str) -> Option<&'a str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

fn skip_comments(mut sql: &str) -> &str {
    loop {
        sql = sql.trim_start();
        if let Some(rest) = sql.strip_prefix("--") {
            sql = rest.split_once('\n').map_or("", |(_, after)| after);
        } else if let Some(rest) = sql.strip_prefix("/*") {
            sql = rest.split_once("*/").map_or("", |(_, after)| after);
        } else {
            return sql;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rebuild_copies_are_recognized() {
        assert_eq!(
            rebuild_source(
                "-- copy\nINSERT INTO \"_litemodel_new_users\" (id) SELECT id FROM users"
            )
            .as_deref(),
            Some("users")
        );
        assert_eq!(rebuild_source("INSERT INTO users (id) VALUES (1)"), None);
    }
}
