//! `litemodel migrate ...`, run as a user runs it: exit codes, stdout, stderr, files.

mod common;

use std::fs;
use std::path::Path;

use common::litemodel;
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
age = { type = "integer" }
"#;

fn project() -> Result<tempfile::TempDir, std::io::Error> {
    let dir = tempfile::tempdir()?;
    fs::write(dir.path().join("models.toml"), SPEC)?;
    Ok(dir)
}

fn migrate(dir: &Path, args: &[&str]) -> assert_cmd::assert::Assert {
    litemodel()
        .current_dir(dir)
        .arg("migrate")
        .args(args)
        .assert()
}

fn migration_files(dir: &Path) -> Result<Vec<String>, std::io::Error> {
    let mut names: Vec<String> = fs::read_dir(dir.join("migrations"))?
        .map(|e| e.map(|e| e.file_name().to_string_lossy().into_owned()))
        .collect::<Result<_, _>>()?;
    names.sort();
    Ok(names)
}

#[test]
fn new_up_change_new_up_down_status() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(root, &["check"])
        .code(1)
        .stderr(predicate::str::contains("disagree"))
        .stderr(predicate::str::contains("create table `authors`"));
    migrate(root, &["new", "-m", "initial schema"])
        .success()
        .stderr(predicate::str::contains("wrote"))
        .stdout(predicate::str::contains("create table `authors`"));
    assert_eq!(migration_files(root)?, ["0001_initial_schema.sql"]);
    migrate(root, &["check"]).success();
    migrate(root, &["new", "-m", "nothing"])
        .success()
        .stdout(predicate::str::contains("agree: no migration written"));
    migrate(root, &["status"])
        .success()
        .stdout(predicate::str::contains("0001  initial_schema"))
        .stdout(predicate::str::contains("pending"));
    migrate(root, &["up"])
        .success()
        .stdout(predicate::str::contains("applied 0001_initial_schema"));
    let database = root.join("data.sqlite");
    Connection::open(&database)?
        .execute_batch("INSERT INTO authors (name, age) VALUES ('ann', 30), ('bob', 40);")?;

    // Widen `name`: a rebuild, and the rows stay.
    fs::write(
        root.join("models.toml"),
        SPEC.replace("string(64)", "string(128)"),
    )?;
    migrate(root, &["check"]).code(1);
    migrate(root, &["new", "-m", "longer names"])
        .success()
        .stdout(predicate::str::contains("rebuild table `authors`"));
    migrate(root, &["up"])
        .success()
        .stdout(predicate::str::contains("applied 0002_longer_names"));
    let conn = Connection::open(&database)?;
    let names: Vec<String> = conn
        .prepare("SELECT name FROM authors ORDER BY id")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    assert_eq!(names, ["ann", "bob"]);
    migrate(root, &["status"])
        .success()
        .stdout(predicate::str::contains("0002  longer_names"))
        .stdout(predicate::str::contains("applied"));
    migrate(root, &["up"])
        .success()
        .stdout(predicate::str::contains("up to date (version 2)"));
    migrate(root, &["down"])
        .success()
        .stdout(predicate::str::contains("reverted 0002_longer_names"));
    let declared: String = conn.query_row(
        "SELECT type FROM pragma_table_info('authors') WHERE name = 'name'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(declared, "VARCHAR(64)");
    migrate(root, &["down", "--to", "0"]).success();
    migrate(root, &["down"])
        .success()
        .stdout(predicate::str::contains("no migration to revert"));
    migrate(root, &["up", "--to", "1"]).success();
    migrate(root, &["status"])
        .success()
        .stdout(predicate::str::is_match("0002  longer_names +pending")?);
    Ok(())
}

#[test]
fn data_loss_is_refused_without_the_flag() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(root, &["new", "-m", "initial"]).success();
    fs::write(
        root.join("models.toml"),
        SPEC.replace("age = { type = \"integer\" }\n", ""),
    )?;
    migrate(root, &["new", "-m", "drop age"])
        .code(1)
        .stderr(predicate::str::contains("this migration would lose data"))
        .stderr(predicate::str::contains("drops column `authors.age`"))
        .stderr(predicate::str::contains("--allow-data-loss"))
        .stderr(predicate::str::contains("renamed_from"));
    assert_eq!(migration_files(root)?, ["0001_initial.sql"]);
    migrate(root, &["new", "-m", "drop age", "--allow-data-loss"]).success();
    let text = fs::read_to_string(root.join("migrations/0002_drop_age.sql"))?;
    assert!(
        text.contains("DATA LOSS (allowed with --allow-data-loss)"),
        "{text}"
    );
    Ok(())
}

#[test]
fn a_failed_migration_reports_and_keeps_the_previous_version() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(root, &["new", "-m", "initial"]).success();
    migrate(root, &["new", "--empty", "-m", "by hand"]).success();
    let file = root.join("migrations/0002_by_hand.sql");
    let template = fs::read_to_string(&file)?;
    assert!(template.contains("-- migrate:up") && template.contains("-- migrate:down"));
    fs::write(
        &file,
        template.replace(
            "-- migrate:up\n",
            "-- migrate:up\nINSERT INTO authors (name) VALUES ('x');\nINSERT INTO missing VALUES (1);\n",
        ),
    )?;
    migrate(root, &["up"])
        .code(1)
        .stdout(predicate::str::contains("applied 0001_initial"))
        .stderr(predicate::str::contains(
            "migration 2 `by_hand` (up) failed and was rolled back",
        ))
        .stderr(predicate::str::contains("no such table: missing"))
        .stderr(predicate::str::contains("the database is at version 1"));
    let conn = Connection::open(root.join("data.sqlite"))?;
    let rows: i64 = conn.query_row("SELECT count(*) FROM authors", [], |r| r.get(0))?;
    assert_eq!(rows, 0);
    Ok(())
}

#[test]
fn an_edited_migration_is_reported() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(root, &["new", "-m", "initial"]).success();
    migrate(root, &["up"]).success();
    let file = root.join("migrations/0001_initial.sql");
    let text = fs::read_to_string(&file)?;
    fs::write(&file, text.replace("age INTEGER", "age BIGINT"))?;
    migrate(root, &["status"])
        .code(1)
        .stdout(predicate::str::contains("MODIFIED after it was applied"))
        .stderr(predicate::str::contains("restore the files"));
    migrate(root, &["up"])
        .code(1)
        .stderr(predicate::str::contains(
            "migration 1 `initial` was modified after it was applied",
        ));
    fs::remove_file(&file)?;
    migrate(root, &["status"])
        .code(1)
        .stdout(predicate::str::contains("its file is MISSING"));
    Ok(())
}

#[test]
fn long_rebuilds_show_progress() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(root, &["new", "-m", "initial"]).success();
    migrate(root, &["up"]).success();
    Connection::open(root.join("data.sqlite"))?.execute_batch(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10000)
         INSERT INTO authors (name, age) SELECT 'a' || i, i FROM n;",
    )?;
    fs::write(
        root.join("models.toml"),
        SPEC.replace("string(64)", "string(128)"),
    )?;
    migrate(root, &["new", "-m", "longer names"]).success();
    migrate(root, &["up"])
        .success()
        .stderr(predicate::str::contains(
            "rebuilding `authors`: copying 10000 rows",
        ))
        .stderr(predicate::str::contains(
            "rebuilding `authors`: copied 10000 rows in",
        ));
    Ok(())
}

#[test]
fn bad_migration_files_are_reported_clearly() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    fs::create_dir_all(root.join("migrations"))?;
    fs::write(root.join("migrations/add_bio.sql"), "-- migrate:up\n")?;
    migrate(root, &["status"])
        .code(1)
        .stderr(predicate::str::contains(
            "migration file `add_bio.sql` is not named `NNNN_name.sql`",
        ));
    fs::remove_file(root.join("migrations/add_bio.sql"))?;
    fs::write(root.join("migrations/0001_a.sql"), "-- migrate:up\n")?;
    fs::write(root.join("migrations/0001_b.sql"), "-- migrate:up\n")?;
    migrate(root, &["up"])
        .code(1)
        .stderr(predicate::str::contains("have the same version 1"));
    Ok(())
}

#[test]
fn a_folder_given_with_migrations_is_used() -> TestResult {
    let dir = project()?;
    let root = dir.path();
    migrate(
        root,
        &["--migrations", "db/changes", "new", "-m", "initial"],
    )
    .success();
    assert!(root.join("db/changes/0001_initial.sql").exists());
    assert!(!root.join("migrations").exists());
    migrate(root, &["check", "--migrations", "db/changes"]).success();
    Ok(())
}
