//! The `litemodel` command, run as a user runs it: exit codes, stdout, stderr, files.

mod common;

use std::fs;
use std::path::Path;

use common::{litemodel, workspace_root};
use predicates::prelude::*;
use rusqlite::Connection;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn seed_spec() -> std::path::PathBuf {
    workspace_root().join("tests/fixtures/ok/seed.toml")
}

/// A temporary folder holding a copy of the seed spec as `models.toml`.
fn project() -> Result<tempfile::TempDir, std::io::Error> {
    let dir = tempfile::tempdir()?;
    fs::copy(seed_spec(), dir.path().join("models.toml"))?;
    Ok(dir)
}

fn tables(path: &Path) -> rusqlite::Result<Vec<String>> {
    let connection = Connection::open(path)?;
    let mut statement =
        connection.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")?;
    let names = statement.query_map([], |row| row.get(0))?;
    names.collect()
}

#[test]
fn check_accepts_the_seed_and_shows_warnings() -> TestResult {
    let dir = project()?;
    litemodel()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .success()
        .stdout("models.toml: ok (2 models, 1 relationship)\n")
        .stderr(predicate::str::contains(
            "warning: foreign key column `users.role_id` has no index",
        ));
    Ok(())
}

#[test]
fn check_reports_every_error_with_location_and_exits_1() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("bad.toml");
    fs::write(
        &spec,
        "[models.User]\n[models.User.columns]\nid = { type = \"integr\", primary_key = true }\nname = { type = \"text\", uniqe = true }\n",
    )?;
    litemodel()
        .arg("--spec")
        .arg(&spec)
        .arg("check")
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains(
            "error: unknown column type `integr`",
        ))
        .stderr(predicate::str::contains("bad.toml:3:"))
        .stderr(predicate::str::contains("help: did you mean `integer`?"))
        .stderr(predicate::str::contains("error: unknown key `uniqe`"))
        .stderr(predicate::str::contains("due to 2 previous errors"));
    Ok(())
}

#[test]
fn diagnostics_are_plain_unless_color_is_asked_for() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = dir.path().join("bad.toml");
    fs::write(&spec, "[models.User]\n")?;
    litemodel()
        .args(["--color", "never", "--spec"])
        .arg(&spec)
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}[").not());
    litemodel()
        .args(["--color", "always", "--spec"])
        .arg(&spec)
        .arg("check")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("\u{1b}["));
    Ok(())
}

#[test]
fn a_missing_spec_is_a_usage_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    litemodel()
        .current_dir(dir.path())
        .arg("check")
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "cannot read the spec `models.toml`",
        ))
        .stderr(predicate::str::contains("--spec PATH"));
    Ok(())
}

#[test]
fn bad_arguments_exit_2() {
    litemodel().arg("frobnicate").assert().code(2);
    litemodel().args(["ddl", "--no-such-flag"]).assert().code(2);
    litemodel()
        .arg("generate")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--out"));
}

#[test]
fn every_command_has_help() {
    for command in ["check", "ddl", "generate", "create-all", "drop-all"] {
        litemodel()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("--spec"));
    }
    litemodel()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("create-all"));
}

#[test]
fn ddl_prints_sqlalchemy_style_sql() -> TestResult {
    let dir = project()?;
    litemodel()
        .current_dir(dir.path())
        .arg("ddl")
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "CREATE TABLE roles (\n\tid INTEGER NOT NULL, \n",
        ))
        .stdout(predicate::str::contains(
            "CREATE UNIQUE INDEX ix_users_username ON users (username);",
        ));
    Ok(())
}

#[test]
fn output_files_are_written_once_and_left_alone_when_unchanged() -> TestResult {
    let dir = project()?;
    let out = dir.path().join("schema.sql");
    litemodel()
        .current_dir(dir.path())
        .args(["ddl", "--out", "schema.sql"])
        .assert()
        .success()
        .stderr(predicate::str::contains("wrote schema.sql"));
    let first = fs::metadata(&out)?.modified()?;
    std::thread::sleep(std::time::Duration::from_millis(20));
    litemodel()
        .current_dir(dir.path())
        .args(["ddl", "--out", "schema.sql"])
        .assert()
        .success()
        .stderr(predicate::str::contains("schema.sql is up to date"));
    assert_eq!(
        fs::metadata(&out)?.modified()?,
        first,
        "an unchanged file is not rewritten"
    );
    assert!(fs::read_to_string(&out)?.contains("CREATE TABLE users"));
    let leftovers: Vec<_> = fs::read_dir(dir.path())?
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().ends_with(".tmp"))
        .collect();
    assert!(
        leftovers.is_empty(),
        "no temporary files remain: {leftovers:?}"
    );
    Ok(())
}

#[test]
fn a_spec_error_leaves_the_output_file_untouched() -> TestResult {
    let dir = project()?;
    let out = dir.path().join("schema.sql");
    fs::write(&out, "previous content")?;
    fs::write(dir.path().join("models.toml"), "[models.X]\nbroken = \n")?;
    litemodel()
        .current_dir(dir.path())
        .args(["ddl", "--out", "schema.sql"])
        .assert()
        .code(1);
    assert_eq!(fs::read_to_string(&out)?, "previous content");
    Ok(())
}

#[test]
fn create_all_uses_the_spec_database_path_and_keeps_existing_rows() -> TestResult {
    let dir = project()?;
    let database = dir.path().join("data.sqlite");
    // Run from elsewhere: the path is relative to the spec, not the working directory.
    litemodel()
        .current_dir(std::env::temp_dir())
        .arg("--spec")
        .arg(dir.path().join("models.toml"))
        .arg("create-all")
        .assert()
        .success()
        .stdout("created table roles\ncreated table users\n");
    assert_eq!(tables(&database)?, ["roles", "users"]);

    let connection = Connection::open(&database)?;
    connection.execute("INSERT INTO roles (name) VALUES ('Admin')", [])?;
    drop(connection);

    litemodel()
        .current_dir(dir.path())
        .arg("create-all")
        .assert()
        .success()
        .stdout("kept existing table roles\nkept existing table users\n");
    let connection = Connection::open(&database)?;
    let name: String = connection.query_row("SELECT name FROM roles", [], |r| r.get(0))?;
    assert_eq!(name, "Admin", "create-all leaves existing rows alone");
    Ok(())
}

#[test]
fn create_all_creates_only_what_is_missing() -> TestResult {
    let dir = project()?;
    let database = dir.path().join("partial.sqlite");
    let connection = Connection::open(&database)?;
    connection.execute_batch("CREATE TABLE roles (id INTEGER PRIMARY KEY, name TEXT, extra TEXT); CREATE TABLE other (x);")?;
    drop(connection);
    litemodel()
        .current_dir(dir.path())
        .args(["create-all", "--database", "partial.sqlite"])
        .assert()
        .success()
        .stdout("created table users\nkept existing table roles\n");
    assert_eq!(tables(&database)?, ["other", "roles", "users"]);
    let connection = Connection::open(&database)?;
    let sql: String = connection.query_row(
        "SELECT sql FROM sqlite_master WHERE name = 'roles'",
        [],
        |r| r.get(0),
    )?;
    assert!(sql.contains("extra"), "an existing table is not altered");
    let index: i64 = connection.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'ix_users_username'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(index, 1, "a created table gets its indexes");
    Ok(())
}

#[test]
fn drop_all_drops_only_the_spec_tables() -> TestResult {
    let dir = project()?;
    let database = dir.path().join("data.sqlite");
    litemodel()
        .current_dir(dir.path())
        .arg("create-all")
        .assert()
        .success();
    let connection = Connection::open(&database)?;
    connection.execute_batch("CREATE TABLE unrelated (x); INSERT INTO roles (name) VALUES ('Admin'); INSERT INTO users (username, role_id) VALUES ('john', 1);")?;
    drop(connection);
    litemodel()
        .current_dir(dir.path())
        .arg("drop-all")
        .assert()
        .success()
        .stdout("dropped table users\ndropped table roles\n");
    assert_eq!(tables(&database)?, ["unrelated"]);
    litemodel()
        .current_dir(dir.path())
        .arg("drop-all")
        .assert()
        .success()
        .stdout("");
    Ok(())
}

/// SQLite's rule for table names: ASCII letters compare case-insensitively, other
/// letters exactly (`ROLES` is `roles`; `USérs` is not `usÉrs`).
#[test]
fn create_all_and_drop_all_find_tables_by_sqlite_case_rule() -> TestResult {
    let dir = project()?;
    let spec = fs::read_to_string(dir.path().join("models.toml"))?;
    fs::write(
        dir.path().join("models.toml"),
        spec.replace("table = \"users\"", "table = \"usÉrs\""),
    )?;
    let database = dir.path().join("cased.sqlite");
    let connection = Connection::open(&database)?;
    connection
        .execute_batch("CREATE TABLE ROLES (id INTEGER PRIMARY KEY); CREATE TABLE USérs (x);")?;
    drop(connection);
    litemodel()
        .current_dir(dir.path())
        .args(["create-all", "--database", "cased.sqlite"])
        .assert()
        .success()
        .stdout("created table usÉrs\nkept existing table roles\n");
    assert_eq!(tables(&database)?, ["ROLES", "USérs", "usÉrs"]);
    litemodel()
        .current_dir(dir.path())
        .args(["drop-all", "--database", "cased.sqlite"])
        .assert()
        .success()
        .stdout("dropped table usÉrs\ndropped table roles\n");
    assert_eq!(tables(&database)?, ["USérs"]);
    Ok(())
}

#[test]
fn create_all_without_a_database_is_a_usage_error() -> TestResult {
    let dir = tempfile::tempdir()?;
    let spec = fs::read_to_string(seed_spec())?.replace("path = \"data.sqlite\"", "");
    fs::write(dir.path().join("models.toml"), spec)?;
    litemodel()
        .current_dir(dir.path())
        .arg("create-all")
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no database file given"))
        .stderr(predicate::str::contains("--database FILE"));
    Ok(())
}

#[test]
fn create_all_reports_an_unusable_database() -> TestResult {
    let dir = project()?;
    fs::write(
        dir.path().join("not-a-db.sqlite"),
        "this is not an SQLite file, just text that is long enough",
    )?;
    litemodel()
        .current_dir(dir.path())
        .args(["create-all", "--database", "not-a-db.sqlite"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("error:"))
        .stderr(predicate::str::contains("not-a-db.sqlite"));
    Ok(())
}
