//! Helpers shared by the `litemodel` command's integration tests.
#![allow(dead_code)] // each test binary uses its own subset

pub mod migrations;
pub mod postgres;

use std::path::{Path, PathBuf};

use rusqlite::Connection;

/// The workspace root (where the top-level models.toml lives); this package is
/// `codegen/cli`.
pub fn workspace_root() -> PathBuf {
    let manifest_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir
        .parent()
        .and_then(Path::parent)
        .map_or_else(|| manifest_dir.join("../.."), Path::to_path_buf)
}

/// The `litemodel` binary built for these tests.
pub fn litemodel() -> assert_cmd::Command {
    let mut command = assert_cmd::Command::new(env!("CARGO_BIN_EXE_litemodel"));
    command.env_remove("NO_COLOR");
    command
}

/// `litemodel --spec models.toml --color never ARGS...` in `dir`, with no
/// `DATABASE_URL`: (exit code, stdout, stderr). A panic fails the test.
pub fn run_in(
    dir: &Path,
    args: &[&str],
) -> Result<(Option<i32>, String, String), Box<dyn std::error::Error>> {
    let output = litemodel()
        .current_dir(dir)
        .args(["--spec", "models.toml", "--color", "never"])
        .args(args)
        .env_remove("DATABASE_URL")
        .output()?;
    let stderr = String::from_utf8(output.stderr)?;
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    Ok((
        output.status.code(),
        String::from_utf8(output.stdout)?,
        stderr,
    ))
}

/// Every sqlite_master row and the PRAGMA views of each table, in a fixed order and
/// printed exactly like `tests/sqlalchemy/record.py` prints them (Python's `None` and
/// list syntax), so the two can be compared line by line.
pub fn schema_dump(path: &Path) -> rusqlite::Result<String> {
    let connection = Connection::open(path)?;
    let mut out = Vec::new();
    let mut statement = connection.prepare(
        "SELECT type, name, tbl_name, sql FROM sqlite_master \
         WHERE name NOT LIKE 'sqlite_%' ORDER BY type DESC, name",
    )?;
    let rows = statement.query_map([], |row| {
        Ok((
            row.get::<_, String>(0)?,
            row.get::<_, String>(1)?,
            row.get::<_, String>(2)?,
            row.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (kind, name, table, sql) = row?;
        out.push(format!("{kind} {name} on {table}"));
        out.push(sql.unwrap_or_else(|| "None".to_owned()));
    }
    let tables: Vec<String> = connection
        .prepare(
            "SELECT name FROM sqlite_master WHERE type = 'table' \
             AND name NOT LIKE 'sqlite_%' ORDER BY name",
        )?
        .query_map([], |row| row.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for table in tables {
        let quoted = table.replace('"', "\"\"");
        out.push(format!("table_info {table}"));
        let mut info = connection.prepare(&format!("PRAGMA table_info(\"{quoted}\")"))?;
        let columns = info.query_map([], |row| {
            Ok(format!(
                "  {} {} {} notnull={} default={} pk={}",
                row.get::<_, i64>(0)?,
                row.get::<_, String>(1)?,
                row.get::<_, String>(2)?,
                row.get::<_, i64>(3)?,
                row.get::<_, Option<String>>(4)?
                    .unwrap_or_else(|| "None".to_owned()),
                row.get::<_, i64>(5)?,
            ))
        })?;
        for column in columns {
            out.push(column?);
        }
        out.push(format!("index_list {table}"));
        let mut list = connection.prepare(&format!("PRAGMA index_list(\"{quoted}\")"))?;
        let mut indexes: Vec<(String, i64, String, i64)> = list
            .query_map([], |row| {
                Ok((row.get(1)?, row.get(2)?, row.get(3)?, row.get(4)?))
            })?
            .collect::<rusqlite::Result<_>>()?;
        indexes.sort();
        for (name, unique, origin, partial) in indexes {
            let mut info = connection.prepare(&format!(
                "PRAGMA index_info(\"{}\")",
                name.replace('"', "\"\"")
            ))?;
            let columns: Vec<String> = info
                .query_map([], |row| row.get::<_, String>(2))?
                .map(|c| c.map(|c| format!("'{c}'")))
                .collect::<rusqlite::Result<_>>()?;
            let shown = if name.starts_with("sqlite_autoindex_") {
                "(autoindex)".to_owned()
            } else {
                name
            };
            out.push(format!(
                "  {shown} unique={unique} origin={origin} partial={partial} columns=[{}]",
                columns.join(", ")
            ));
        }
        out.push(format!("foreign_key_list {table}"));
        let mut keys = connection.prepare(&format!("PRAGMA foreign_key_list(\"{quoted}\")"))?;
        let rows = keys.query_map([], |row| {
            Ok(format!(
                "  {} -> {}.{} seq={} on_update={} on_delete={}",
                row.get::<_, String>(3)?,
                row.get::<_, String>(2)?,
                row.get::<_, Option<String>>(4)?
                    .unwrap_or_else(|| "None".to_owned()),
                row.get::<_, i64>(1)?,
                row.get::<_, String>(5)?,
                row.get::<_, String>(6)?,
            ))
        })?;
        for row in rows {
            out.push(row?);
        }
    }
    Ok(out.join("\n") + "\n")
}
