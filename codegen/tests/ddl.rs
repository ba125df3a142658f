//! The DDL of every valid fixture and of the top-level models.toml: held as snapshots,
//! and executed in a real SQLite database whose schema is read back.

mod common;

use std::fs;
use std::path::PathBuf;

use common::workspace_root;
use litemodel_codegen::emit::sql::SqlDialect;
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// (snapshot name, spec path) of every spec that must validate.
fn valid_specs() -> Result<Vec<(String, PathBuf)>, std::io::Error> {
    let root = workspace_root();
    let mut specs = vec![("models".to_owned(), root.join("models.toml"))];
    for dir in [
        root.join("tests/fixtures/ok"),
        root.join("codegen/tests/fixtures/ok"),
        root.join("runtime/tests/common"),
    ] {
        if !dir.exists() {
            continue;
        }
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            specs.push((stem, file));
        }
    }
    Ok(specs)
}

fn check(path: &PathBuf) -> Result<litemodel_codegen::Checked, String> {
    let source = fs::read_to_string(path).map_err(|e| e.to_string())?;
    litemodel_codegen::check(&path.display().to_string(), &source).map_err(|d| d.render(false))
}

#[test]
fn ddl_snapshots() -> TestResult {
    let specs = valid_specs()?;
    assert!(specs.len() >= 2, "the fixtures were found");
    for (name, path) in specs {
        let checked = check(&path)?;
        insta::assert_snapshot!(
            format!("ddl_{name}"),
            litemodel_codegen::ddl(&checked.schema)
        );
    }
    Ok(())
}

/// The PostgreSQL DDL of the same specs; `codegen/cli/tests/postgres_schema.rs` holds
/// the seed's and the showcase's to SQLAlchemy's and runs them on a real server.
#[test]
fn postgresql_ddl_snapshots() -> TestResult {
    for (name, path) in valid_specs()? {
        let checked = check(&path)?;
        insta::assert_snapshot!(
            format!("ddl_postgresql_{name}"),
            litemodel_codegen::ddl_for(&checked.schema, SqlDialect::Postgresql)
        );
    }
    Ok(())
}

#[test]
fn ddl_executes_in_sqlite_and_reads_back() -> TestResult {
    for (name, path) in valid_specs()? {
        let checked = check(&path)?;
        let ddl = litemodel_codegen::ddl(&checked.schema);
        let dir = tempfile::tempdir()?;
        let connection = Connection::open(dir.path().join("db.sqlite"))?;
        connection.execute_batch("PRAGMA foreign_keys = ON")?;
        connection
            .execute_batch(&ddl)
            .map_err(|e| format!("DDL of {name} failed in SQLite: {e}\n{ddl}"))?;
        for model in &checked.schema.models {
            let columns: Vec<(String, i64, i64)> = connection
                .prepare("SELECT name, \"notnull\", pk FROM pragma_table_info(?1)")?
                .query_map([&model.table], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
                .collect::<rusqlite::Result<_>>()?;
            assert_eq!(
                columns.len(),
                model.columns.len(),
                "{name}: columns of {}",
                model.table
            );
            for (column, (sql_name, not_null, pk)) in model.columns.iter().zip(&columns) {
                assert_eq!(
                    &column.name, sql_name,
                    "{name}: column order of {}",
                    model.table
                );
                assert_eq!(
                    *not_null == 1,
                    !column.nullable,
                    "{name}: NOT NULL of {}.{}",
                    model.table,
                    column.name
                );
                assert_eq!(
                    *pk > 0,
                    column.primary_key,
                    "{name}: primary key of {}.{}",
                    model.table,
                    column.name
                );
            }
            let foreign_keys: i64 = connection.query_row(
                "SELECT count(DISTINCT id) FROM pragma_foreign_key_list(?1)",
                [&model.table],
                |r| r.get(0),
            )?;
            assert_eq!(
                foreign_keys as usize,
                model.foreign_keys.len(),
                "{name}: every foreign key of {} reaches SQLite, none merged or dropped",
                model.table
            );
        }
        let problems: i64 =
            connection.query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })?;
        assert_eq!(problems, 0);
    }
    Ok(())
}

#[test]
fn ddl_is_deterministic() -> TestResult {
    for (_, path) in valid_specs()? {
        let first = litemodel_codegen::ddl(&check(&path)?.schema);
        let second = litemodel_codegen::ddl(&check(&path)?.schema);
        assert_eq!(first, second);
        let schema = check(&path)?.schema;
        assert_eq!(
            litemodel_codegen::ddl_for(&schema, SqlDialect::Postgresql),
            litemodel_codegen::ddl_for(&check(&path)?.schema, SqlDialect::Postgresql)
        );
    }
    Ok(())
}
