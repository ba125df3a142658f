//! Opening, schema management, echo and the statement counter.

mod common;

use std::sync::{Mutex, OnceLock};

use common::seed_models::{Role, User, SCHEMA};
use common::{seed_db, temp_db, TestResult};
use litemodel::{Database, Error};

#[test]
fn open_configures_the_connection() -> TestResult {
    let (_dir, db) = temp_db()?;
    let conn = db.connection();
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let timeout: i64 = conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
    assert_eq!((fk, journal.as_str(), timeout), (1, "wal", 5000));

    let memory = Database::open_in_memory()?;
    let fk: i64 = memory
        .connection()
        .query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    assert_eq!(fk, 1);
    Ok(())
}

#[test]
fn create_all_leaves_existing_tables_and_rows_alone() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    db.transaction(|s| {
        s.add(Role::new("kept"));
        Ok::<_, Error>(())
    })?;
    // Drop one table (and its index) by hand; create_all brings back only it.
    db.connection().execute_batch("DROP TABLE users")?;
    db.create_all(&SCHEMA)?;
    assert_eq!(Role::query().count(&db)?, 1);
    assert!(db.table_exists("users")?);
    let index: i64 = db.connection().query_row(
        "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_users_username'",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(index, 1);
    // A second call with everything present changes nothing.
    let counter = db.statement_counter();
    // BEGIN, one existence check per table, COMMIT.
    counter.assert_statements(4, || db.create_all(&SCHEMA))?;
    assert_eq!(Role::query().count(&db)?, 1);
    Ok(())
}

#[test]
fn drop_all_removes_every_table_and_tolerates_missing_ones() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    db.transaction(|s| {
        let role = s.add(Role::new("r"));
        s.add(User::new("u").with_role(role));
        Ok::<_, Error>(())
    })?;
    db.drop_all(&SCHEMA)?;
    assert!(!db.table_exists("roles")? && !db.table_exists("users")?);
    db.drop_all(&SCHEMA)?;
    db.create_all(&SCHEMA)?;
    assert_eq!(Role::query().count(&db)?, 0);
    Ok(())
}

#[test]
fn table_names_compare_the_sqlite_way() -> TestResult {
    // SQLite's identifiers are ASCII case-insensitive: a table created as
    // `Users` is the `users` table, for table_exists, create_all and drop_all.
    let (_dir, db) = temp_db()?;
    db.connection().execute_batch(
        "CREATE TABLE Roles (id INTEGER PRIMARY KEY, name TEXT); \
         CREATE TABLE USERS (id INTEGER PRIMARY KEY); \
         INSERT INTO Roles (name) VALUES ('kept');",
    )?;
    assert!(db.table_exists("roles")? && db.table_exists("Users")?);
    assert!(!db.table_exists("role")?);
    // Both tables exist already: create_all creates nothing (and does not
    // fail on `CREATE TABLE users`).
    db.create_all(&SCHEMA)?;
    assert_eq!(Role::query().count(&db)?, 1);
    db.drop_all(&SCHEMA)?;
    assert!(!db.table_exists("Roles")? && !db.table_exists("USERS")?);
    Ok(())
}

#[test]
fn failing_ddl_names_the_table_and_creates_nothing() -> TestResult {
    static BROKEN: litemodel::Schema = litemodel::Schema {
        tables: &[
            litemodel::TableSchema {
                name: "good",
                create: "CREATE TABLE good (id INTEGER PRIMARY KEY)",
                indexes: &[],
            },
            litemodel::TableSchema {
                name: "bad",
                create: "CREATE TABLE bad (",
                indexes: &[],
            },
        ],
    };
    let (_dir, db) = temp_db()?;
    let err = db.create_all(&BROKEN).err();
    assert!(
        matches!(
            err,
            Some(Error::Sqlite {
                table: Some("bad"),
                ..
            })
        ),
        "{err:?}"
    );
    assert!(!db.table_exists("good")?);
    Ok(())
}

/// Captures the `litemodel::sql` log target.
struct Capture(Mutex<Vec<String>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "litemodel::sql"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push(record.args().to_string());
            }
        }
    }
    fn flush(&self) {}
}

fn capture() -> &'static Capture {
    static CAPTURE: OnceLock<&'static Capture> = OnceLock::new();
    CAPTURE.get_or_init(|| {
        let capture: &'static Capture = Box::leak(Box::new(Capture(Mutex::new(Vec::new()))));
        // Only this test binary installs a logger.
        let _ = log::set_logger(capture);
        log::set_max_level(log::LevelFilter::Info);
        capture
    })
}

#[test]
fn echo_logs_statements_with_their_parameters() -> TestResult {
    let capture = capture();
    let (_dir, mut db) = seed_db()?;
    db.set_echo(true);
    db.transaction(|s| {
        s.add(Role::new("O'Brien"));
        Ok::<_, Error>(())
    })?;
    db.set_echo(false);
    Role::query().all(&db)?;
    let lines = capture.0.lock().map(|l| l.clone()).unwrap_or_default();
    assert!(lines.contains(&"BEGIN IMMEDIATE".to_owned()), "{lines:?}");
    assert!(
        lines.contains(&r#"INSERT INTO "roles" ("name") VALUES ('O''Brien')"#.to_owned()),
        "{lines:?}"
    );
    assert_eq!(lines.last().map(String::as_str), Some("COMMIT"));
    Ok(())
}

#[test]
fn statement_counter_counts_every_statement() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    let counter = db.statement_counter();
    let before = db.statement_count();
    let ((), ran) = counter.count(|| {
        let _ = Role::query().all(&db);
        let _ = Role::query().count(&db);
    });
    assert_eq!(ran, 2);
    assert_eq!(db.statement_count() - before, 2);
    let mut s = db.session();
    s.add_all([Role::new("a"), Role::new("b")]);
    // BEGIN, two INSERTs, COMMIT.
    counter.assert_statements(4, || s.commit())?;
    Ok(())
}

#[test]
#[should_panic(expected = "expected 0 SQL statements, 1 were run")]
fn assert_statements_panics_on_a_mismatch() {
    if let Ok(db) = Database::open_in_memory() {
        let counter = db.statement_counter();
        counter.assert_statements(0, || db.table_exists("x").ok());
    }
}
