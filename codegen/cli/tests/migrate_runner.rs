//! The migration runner on real SQLite files, with migrations written by the
//! generator: a failure rolls back, a foreign key check guards `foreign_keys=off`,
//! edits are caught by checksum, `--to` stops where asked, and migrations embedded
//! from `build.rs` bring a program's database up to date.

mod common;

use std::fs;

use common::migrations::{assert_foreign_keys_intact, generate, open, AUDIT, BASE, TAGS};
use litemodel::migrate::Direction;
use litemodel::{MigrateError, Migrations};
use litemodel_cli::migrate::files;

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

#[test]
fn a_failing_migration_leaves_the_previous_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    fs::write(
        migrations.join("0002_half_done.sql"),
        "-- migrate:up\nCREATE TABLE half (id INTEGER);\nINSERT INTO authors (name) VALUES ('x');\nINSERT INTO nowhere VALUES (1);\n-- migrate:down\nDROP TABLE half;\n",
    )?;
    let conn = open(&dir.path().join("data.sqlite"))?;
    let all = files::read_dir(&migrations)?;
    let error = all
        .up(&conn, None)
        .err()
        .ok_or("the migration should fail")?;
    assert!(
        matches!(
            error,
            MigrateError::Failed {
                version: 2,
                direction: Direction::Up,
                ..
            }
        ),
        "{error}"
    );
    assert!(
        error.to_string().contains("no such table: nowhere"),
        "{error}"
    );
    assert_eq!(all.current_version(&conn)?, 1);
    let half: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE name = 'half'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(
        half, 0,
        "the statements before the failure were rolled back"
    );
    let authors: i64 = conn.query_row("SELECT count(*) FROM authors", [], |r| r.get(0))?;
    assert_eq!(authors, 0);
    Ok(())
}

#[test]
fn a_foreign_key_violation_after_a_rebuild_rolls_back() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    fs::write(
        migrations.join("0002_orphan.sql"),
        "-- migrate:up foreign_keys=off\nINSERT INTO books (title, author_id) VALUES ('orphan', 42);\n-- migrate:down\n",
    )?;
    let conn = open(&dir.path().join("data.sqlite"))?;
    let all = files::read_dir(&migrations)?;
    let error = all
        .up(&conn, None)
        .err()
        .ok_or("foreign_key_check should fail")?;
    assert!(
        matches!(error, MigrateError::ForeignKeyCheck { version: 2, .. }),
        "{error}"
    );
    assert!(
        error
            .to_string()
            .contains("`books` row 1 references a missing row of `authors`"),
        "{error}"
    );
    assert_eq!(all.current_version(&conn)?, 1);
    let books: i64 = conn.query_row("SELECT count(*) FROM books", [], |r| r.get(0))?;
    assert_eq!(books, 0);
    assert_foreign_keys_intact(&conn)?;
    Ok(())
}

#[test]
fn an_edited_migration_is_detected_by_checksum() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    let conn = open(&dir.path().join("data.sqlite"))?;
    files::read_dir(&migrations)?.up(&conn, None)?;
    let file = migrations.join("0001_initial.sql");
    let text = fs::read_to_string(&file)?;
    fs::write(&file, text.replace("VARCHAR(64)", "VARCHAR(65)"))?;
    let edited = files::read_dir(&migrations)?;
    let status = edited.status(&conn)?;
    assert!(
        matches!(status[0].state, litemodel::migrate::State::Modified { .. }),
        "{status:?}"
    );
    let error = edited.up(&conn, None).err().ok_or("up must refuse")?;
    assert!(
        matches!(error, MigrateError::Modified { version: 1, .. }),
        "{error}"
    );
    assert!(edited.down(&conn, None).is_err(), "down must refuse too");
    // Line endings alone are not an edit.
    fs::write(&file, text.replace('\n', "\r\n"))?;
    let crlf = files::read_dir(&migrations)?;
    assert!(matches!(
        crlf.status(&conn)?[0].state,
        litemodel::migrate::State::Applied { .. }
    ));
    Ok(())
}

#[test]
fn up_to_and_down_to_a_version() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    generate(&migrations, &format!("{BASE}{TAGS}"), "tags", false)?;
    generate(&migrations, &format!("{BASE}{TAGS}{AUDIT}"), "audit", false)?;
    let conn = open(&dir.path().join("data.sqlite"))?;
    let all = files::read_dir(&migrations)?;
    assert_eq!(all.up(&conn, Some(2))?, vec![1, 2]);
    assert_eq!(all.current_version(&conn)?, 2);
    assert_eq!(all.up(&conn, None)?, vec![3]);
    assert_eq!(all.down(&conn, Some(1))?, vec![3, 2]);
    assert_eq!(all.down(&conn, Some(0))?, vec![1]);
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name != 'litemodel_migrations'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(tables, 0);
    assert!(matches!(
        all.up(&conn, Some(7)),
        Err(MigrateError::UnknownVersion { version: 7 })
    ));
    Ok(())
}

#[test]
fn migrations_embedded_in_a_program_bring_a_database_up_to_date() -> TestResult {
    // What `include_migrations!` expands to, with the generated files as its text.
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    let first: &'static str =
        Box::leak(generate(&migrations, BASE, "initial", false)?.into_boxed_str());
    let second: &'static str =
        Box::leak(generate(&migrations, &format!("{BASE}{TAGS}"), "tags", false)?.into_boxed_str());
    let list: &'static [litemodel::Migration] = Box::leak(Box::new([
        litemodel::Migration::embedded(1, "initial", first),
        litemodel::Migration::embedded(2, "tags", second),
    ]));
    let embedded = Migrations::embedded(list);
    let db = litemodel::Database::open(dir.path().join("app.sqlite"))?;
    assert_eq!(db.migrate(&embedded)?, vec![1, 2]);
    assert_eq!(db.migrate(&embedded)?, Vec::<i64>::new());
    assert!(db.table_exists("tags")?);
    // The embedded ones and the files agree on checksums: the CLI sees them applied.
    let status = files::read_dir(&migrations)?.status(db.sqlite().ok_or("a SQLite database")?)?;
    assert!(status
        .iter()
        .all(|s| matches!(s.state, litemodel::migrate::State::Applied { .. })));
    Ok(())
}

#[test]
fn embed_lists_every_file_for_include_migrations() -> TestResult {
    let dir = tempfile::tempdir()?;
    let migrations = dir.path().join("migrations");
    generate(&migrations, BASE, "initial", false)?;
    generate(&migrations, &format!("{BASE}{TAGS}"), "tags", false)?;
    let (code, files) = litemodel_codegen::migrate::embedded_source(&migrations)?;
    assert_eq!(files.len(), 2);
    syn::parse_str::<syn::Expr>(code.lines().skip(1).collect::<Vec<_>>().join("\n").as_str())?;
    assert!(code.contains("litemodel::Migration::embedded(1, \"initial\", include_str!("));
    assert!(code.contains("0002_tags.sql"));
    Ok(())
}
