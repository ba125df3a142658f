//! `litemodel migrate stamp` and `migrate up` on databases that already have
//! their tables: made by `litemodel create-all`, Flask-SQLAlchemy's
//! `db.create_all()` or Alembic. Run as a user runs them, on real files.

mod common;

use std::fs;
use std::path::Path;

use common::{litemodel, workspace_root};
use predicates::prelude::*;
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const SPEC: &str = r#"[database]
path = "data.sqlite"

[models.Author]
table = "authors"

[models.Author.columns]
id = { type = "integer", primary_key = true }
name = { type = "string(64)", unique = true }
"#;

const WITH_BIO: &str = r#"bio = { type = "text" }
"#;

fn project(spec: &str) -> Result<tempfile::TempDir, std::io::Error> {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), spec)?;
    Ok(dir)
}

fn run(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    litemodel().current_dir(dir).args(args).assert()
}

fn history(database: &Path) -> rusqlite::Result<Vec<(i64, String)>> {
    let conn = Connection::open(database)?;
    let exists: bool = conn.query_row(
        "SELECT count(*) > 0 FROM sqlite_master WHERE name = 'litemodel_migrations'",
        [],
        |r| r.get(0),
    )?;
    if !exists {
        return Ok(Vec::new());
    }
    let mut statement =
        conn.prepare("SELECT version, name FROM litemodel_migrations ORDER BY version")?;
    let rows = statement
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect();
    rows
}

/// The issue's repro: `create-all`, `migrate new -m initial`, `migrate up` used
/// to fail with `table authors already exists`. Now `up` says to stamp, `stamp`
/// records the initial migration, and later migrations apply as usual.
#[test]
fn create_all_then_stamp_then_up() -> TestResult {
    let dir = project(SPEC)?;
    let root = dir.path();
    let database = root.join("data.sqlite");
    run(root, &["create-all"]).success();
    Connection::open(&database)?
        .execute_batch("INSERT INTO authors (name) VALUES ('ann'), ('bob');")?;
    run(root, &["migrate", "new", "-m", "initial"]).success();

    run(root, &["migrate", "up"])
        .code(1)
        .stderr(predicate::str::contains(
            "already has the table `authors`, which the migrations create, but no migration history",
        ))
        .stderr(predicate::str::contains("run `litemodel migrate stamp`"))
        .stderr(predicate::str::contains("already exists").not());
    assert_eq!(history(&database)?, []);

    run(root, &["migrate", "stamp"])
        .success()
        .stdout(predicate::str::contains(
            "stamped 0001_initial (recorded as applied, not run)",
        ))
        .stdout(predicate::str::contains("is at version 1"));
    assert_eq!(history(&database)?, [(1, "initial".to_owned())]);
    run(root, &["migrate", "status"])
        .success()
        .stdout(predicate::str::is_match("0001  initial +applied")?);
    run(root, &["migrate", "stamp"])
        .success()
        .stdout(predicate::str::contains(
            "already at version 1: nothing to stamp",
        ));
    run(root, &["migrate", "up"])
        .success()
        .stdout(predicate::str::contains("up to date (version 1)"));

    // The next spec change goes through `migrate new` + `migrate up` as usual.
    fs::write(root.join("models.toml"), format!("{SPEC}{WITH_BIO}"))?;
    run(root, &["migrate", "new", "-m", "bio"]).success();
    run(root, &["migrate", "up"])
        .success()
        .stdout(predicate::str::contains("applied 0002_bio"));
    let conn = Connection::open(&database)?;
    let names: Vec<String> = conn
        .prepare("SELECT name FROM authors WHERE bio IS NULL ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(names, ["ann", "bob"]);
    Ok(())
}

/// A database whose schema is not the migrations' is refused with the
/// differences, and nothing is recorded.
#[test]
fn stamp_refuses_a_different_schema_with_the_differences() -> TestResult {
    let dir = project(SPEC)?;
    let root = dir.path();
    let database = root.join("data.sqlite");
    run(root, &["migrate", "new", "-m", "initial"]).success();
    Connection::open(&database)?.execute_batch(
        "CREATE TABLE authors (id INTEGER NOT NULL, name VARCHAR(128), age INTEGER, PRIMARY KEY (id));
         CREATE TABLE notes (id INTEGER NOT NULL, PRIMARY KEY (id));",
    )?;
    run(root, &["migrate", "stamp"])
        .code(1)
        .stderr(predicate::str::contains(
            "does not have the schema of the migrations up to version 1, so they cannot be recorded as applied",
        ))
        .stderr(predicate::str::contains(
            "table `authors`: columns (id, name, age) become (id, name)",
        ))
        .stderr(predicate::str::contains(
            "table `authors`: column `name` type `VARCHAR(128)` becomes `VARCHAR(64)`",
        ))
        .stderr(predicate::str::contains("table `authors`: unique constraints differ"))
        .stderr(predicate::str::contains(
            "table `notes` is there but not in the migrations",
        ))
        .stderr(predicate::str::contains("help: stamp a version"));
    assert_eq!(history(&database)?, []);
    Ok(())
}

/// `--to N` checks against the schema of the migrations up to N.
#[test]
fn stamp_to_an_earlier_version_then_up() -> TestResult {
    let dir = project(SPEC)?;
    let root = dir.path();
    let database = root.join("data.sqlite");
    run(root, &["migrate", "new", "-m", "initial"]).success();
    fs::write(root.join("models.toml"), format!("{SPEC}{WITH_BIO}"))?;
    run(root, &["migrate", "new", "-m", "bio"]).success();
    // A database with version 1's schema and no history.
    run(root, &["migrate", "up", "--to", "1"]).success();
    Connection::open(&database)?.execute_batch("DROP TABLE litemodel_migrations")?;

    run(root, &["migrate", "stamp"])
        .code(1)
        .stderr(predicate::str::contains("up to version 2"))
        .stderr(predicate::str::contains(
            "table `authors`: columns (id, name) become (id, name, bio)",
        ));
    run(root, &["migrate", "stamp", "--to", "7"])
        .code(1)
        .stderr(predicate::str::contains("there is no migration 7"));
    run(root, &["migrate", "stamp", "--to", "1"])
        .success()
        .stdout(predicate::str::contains("stamped 0001_initial"));
    run(root, &["migrate", "up"])
        .success()
        .stdout(predicate::str::contains("applied 0002_bio"));
    assert_eq!(
        history(&database)?,
        [(1, "initial".to_owned()), (2, "bio".to_owned())]
    );
    run(root, &["migrate", "stamp", "--to", "1"])
        .code(1)
        .stderr(predicate::str::contains("is at version 2, above 1"))
        .stderr(predicate::str::contains("litemodel migrate down --to 1"));
    Ok(())
}

#[test]
fn stamp_needs_a_database_and_migrations() -> TestResult {
    let dir = project(SPEC)?;
    let root = dir.path();
    run(root, &["migrate", "stamp"])
        .code(1)
        .stderr(predicate::str::contains("does not exist; nothing to stamp"));
    Connection::open(root.join("data.sqlite"))?
        .execute_batch("CREATE TABLE authors (id INTEGER NOT NULL, PRIMARY KEY (id))")?;
    run(root, &["migrate", "stamp"])
        .code(1)
        .stderr(predicate::str::contains("no migrations in"))
        .stderr(predicate::str::contains("migrate new -m initial"));
    Ok(())
}

/// The `CREATE` statements Flask-SQLAlchemy's `db.create_all()` ran, as
/// recorded in tests/sqlalchemy/NAME.schema.txt.
fn sqlalchemy_ddl(recording: &str) -> Result<String, Box<dyn std::error::Error>> {
    let recorded = fs::read_to_string(workspace_root().join("tests/sqlalchemy").join(recording))?;
    let mut ddl = String::new();
    let mut in_sql = false;
    for line in recorded.lines() {
        if line.starts_with("table_info ") {
            break;
        }
        if line.starts_with("table ") || line.starts_with("index ") {
            in_sql = true;
            if !ddl.is_empty() {
                ddl.push_str(";\n");
            }
        } else if in_sql {
            ddl.push_str(line);
            ddl.push('\n');
        }
    }
    ddl.push_str(";\n");
    Ok(ddl)
}

/// A Flask-Migrate database: Flask-SQLAlchemy's tables and Alembic's
/// `alembic_version`. It is recognised, left alone, and stamped.
#[test]
fn a_flask_migrate_database_is_recognised_and_stamped() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    fs::copy(
        workspace_root().join("tests/fixtures/ok/seed.toml"),
        root.join("models.toml"),
    )?;
    let database = root.join("data.sqlite");
    let conn = Connection::open(&database)?;
    conn.execute_batch(&sqlalchemy_ddl("seed.schema.txt")?)?;
    // Alembic's own DDL for its version table.
    conn.execute_batch(
        "CREATE TABLE alembic_version (
	version_num VARCHAR(32) NOT NULL, 
	CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
INSERT INTO alembic_version VALUES ('3f1a9c2b7d4e');
INSERT INTO roles (name) VALUES ('Admin');",
    )?;
    drop(conn);
    run(root, &["migrate", "new", "-m", "initial"]).success();
    run(root, &["migrate", "up"])
        .code(1)
        .stderr(predicate::str::contains(
            "`alembic_version` table holds revision 3f1a9c2b7d4e",
        ))
        .stderr(predicate::str::contains("the tables `roles`, `users`"))
        .stderr(predicate::str::contains("litemodel migrate stamp"));
    run(root, &["migrate", "stamp"])
        .success()
        .stderr(predicate::str::contains(
            "migrated with Alembic (Flask-Migrate)",
        ))
        .stdout(predicate::str::contains("stamped 0001_initial"));
    let conn = Connection::open(&database)?;
    let revision: String =
        conn.query_row("SELECT version_num FROM alembic_version", [], |r| r.get(0))?;
    assert_eq!(revision, "3f1a9c2b7d4e", "Alembic's table is left alone");
    let roles: i64 = conn.query_row("SELECT count(*) FROM roles", [], |r| r.get(0))?;
    assert_eq!(roles, 1);
    assert_eq!(history(&database)?, [(1, "initial".to_owned())]);
    run(root, &["migrate", "check"]).success();
    Ok(())
}

/// The showcase as Flask-SQLAlchemy's `db.create_all()` makes it (every kind of
/// column, index and constraint the spec has) stamps cleanly against the
/// migrations litemodel writes for models.toml; one column less does not.
#[test]
fn the_showcase_made_by_sqlalchemy_stamps_cleanly() -> TestResult {
    let dir = tempfile::tempdir()?;
    let root = dir.path();
    fs::copy(
        workspace_root().join("models.toml"),
        root.join("models.toml"),
    )?;
    let ddl = sqlalchemy_ddl("models.schema.txt")?;
    run(root, &["migrate", "new", "-m", "initial"]).success();

    let narrower = root.join("narrower.sqlite");
    Connection::open(&narrower)?.execute_batch(&ddl.replace("\trating FLOAT, \n", ""))?;
    run(root, &["migrate", "stamp", "--database", "narrower.sqlite"])
        .code(1)
        .stderr(predicate::str::contains("table `posts`: columns ("));
    assert_eq!(history(&narrower)?, []);

    let database = root.join("data.sqlite");
    Connection::open(&database)?.execute_batch(&ddl)?;
    run(root, &["migrate", "stamp"])
        .success()
        .stdout(predicate::str::contains("stamped 0001_initial"));
    run(root, &["migrate", "up"])
        .success()
        .stdout(predicate::str::contains("up to date (version 1)"));
    // The initial migration's downgrade drops `users` before `posts` (in name
    // order), which the planner's scratch database, enforcing foreign keys,
    // used to refuse: `migrate new` failed on the showcase.
    run(root, &["migrate", "down"])
        .success()
        .stdout(predicate::str::contains("reverted 0001_initial"));
    let tables: i64 = Connection::open(&database)?.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'litemodel_%'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(tables, 0);
    Ok(())
}
