//! Opening, schema management, echo and the statement counter.

#[macro_use]
mod common;

use std::sync::{Mutex, OnceLock};

use common::seed_models::{Role, User, SCHEMA};
use common::{seed_db, temp_db, Engine, TestResult};
use litemodel::{Database, Error};

/// SQLite only: see the comment in the body.
#[test]
fn open_configures_the_connection() -> TestResult {
    let engine = Engine::Sqlite;
    // PRAGMAs: SQLite's connection setup.
    let (_dir, db) = temp_db(engine)?;
    let conn = common::sqlite(&db)?;
    let fk: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
    let journal: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
    let timeout: i64 = conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
    assert_eq!((fk, journal.as_str(), timeout), (1, "wal", 5000));

    let memory = Database::open_in_memory()?;
    let fk: i64 = common::query_i64(&memory, "PRAGMA foreign_keys")?;
    assert_eq!(fk, 1);
    Ok(())
}

fn create_all_leaves_existing_tables_and_rows_alone(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        s.add(Role::new("kept"));
        Ok::<_, Error>(())
    })?;
    // Drop one table (and its index) by hand; create_all brings back only it.
    db.execute_batch("DROP TABLE users")?;
    db.create_all(&SCHEMA)?;
    assert_eq!(Role::query().count(&db)?, 1);
    assert!(db.table_exists("users")?);
    let index = common::query_i64(
        &db,
        match engine {
            Engine::Sqlite => "SELECT COUNT(*) FROM sqlite_master WHERE type = 'index' AND name = 'ix_users_username'",
            Engine::Postgres => "SELECT COUNT(*) FROM pg_indexes WHERE schemaname = current_schema() AND indexname = 'ix_users_username'",
        },
    )?;
    assert_eq!(index, 1);
    // A second call with everything present changes nothing.
    let counter = db.statement_counter();
    // BEGIN, one existence check per table, COMMIT.
    counter.assert_statements(4, || db.create_all(&SCHEMA))?;
    assert_eq!(Role::query().count(&db)?, 1);
    Ok(())
}

fn drop_all_removes_every_table_and_tolerates_missing_ones(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
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

/// SQLite only: see the comment in the body.
#[test]
fn table_names_compare_the_sqlite_way() -> TestResult {
    let engine = Engine::Sqlite;
    // SQLite only: SQLite's identifiers are ASCII case-insensitive: a table created as
    // `Users` is the `users` table, for table_exists, create_all and drop_all.
    let (_dir, db) = temp_db(engine)?;
    db.execute_batch(
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

fn failing_ddl_names_the_table_and_creates_nothing(engine: Engine) -> TestResult {
    static TABLES: &[litemodel::TableSchema] = &[
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
    ];
    static BROKEN: litemodel::Schema = litemodel::Schema {
        tables: TABLES,
        postgres: litemodel::PostgresSchema {
            types: &[],
            tables: TABLES,
            foreign_keys: &[],
        },
    };
    let (_dir, db) = temp_db(engine)?;
    let err = db.create_all(&BROKEN).err();
    let named_bad = match &err {
        Some(Error::Sqlite { table, .. }) => *table == Some("bad"),
        #[cfg(feature = "postgres")]
        Some(Error::Postgres { table, .. }) => *table == Some("bad"),
        _ => false,
    };
    assert!(named_bad, "{err:?}");
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

fn echo_logs_statements_with_their_parameters(engine: Engine) -> TestResult {
    let capture = capture();
    let (_dir, mut db) = seed_db(engine)?;
    db.set_echo(true);
    db.transaction(|s| {
        s.add(Role::new("O'Brien"));
        Ok::<_, Error>(())
    })?;
    db.set_echo(false);
    Role::query().all(&db)?;
    let lines = capture.0.lock().map(|l| l.clone()).unwrap_or_default();
    let (begin, insert) = match engine {
        Engine::Sqlite => (
            "BEGIN IMMEDIATE",
            r#"INSERT INTO "roles" ("name") VALUES ('O''Brien')"#,
        ),
        Engine::Postgres => (
            "BEGIN",
            r#"INSERT INTO "roles" ("name") VALUES ('O''Brien') RETURNING "id""#,
        ),
    };
    assert!(lines.contains(&begin.to_owned()), "{lines:?}");
    assert!(lines.contains(&insert.to_owned()), "{lines:?}");
    assert_eq!(lines.last().map(String::as_str), Some("COMMIT"));
    Ok(())
}

fn statement_counter_counts_every_statement(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
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

engines!(
    create_all_leaves_existing_tables_and_rows_alone,
    drop_all_removes_every_table_and_tolerates_missing_ones,
    failing_ddl_names_the_table_and_creates_nothing,
    echo_logs_statements_with_their_parameters,
    statement_counter_counts_every_statement,
);
