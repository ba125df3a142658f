//! Shared test fixtures: the generated models, and a fresh database on each
//! engine — a SQLite file in a temporary directory, or a private schema of the
//! PostgreSQL server named by `LITEMODEL_TEST_POSTGRES`.
//!
//! A behaviour test is written once as `fn name(engine: Engine) -> TestResult`
//! and registered with `engines!(name, ...)`, which makes `sqlite::name` and
//! `postgres::name` of it. Without `LITEMODEL_TEST_POSTGRES` the PostgreSQL
//! tests are skipped with one line on standard error, except in CI
//! (`CI=true`), where they fail: `.ci/run` starts the server.

// Each test binary uses a different part of the fixtures.
#![allow(dead_code)]

pub mod blog_models;
pub mod cycles_models;
pub mod library_models;
pub mod post_update_models;
pub mod seed_models;

use std::path::Path;
use std::sync::Once;

pub use litemodel::Engine;
use litemodel::{Database, Schema};
use tempfile::TempDir;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// The environment variable naming the test server (a URL or a libpq
/// connection string; `.ci/postgres start` prints it).
pub const POSTGRES_ENV: &str = "LITEMODEL_TEST_POSTGRES";

/// Makes `sqlite::name` and `postgres::name` tests of each `fn name(Engine)`.
#[macro_export]
macro_rules! engines {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[test]
                fn $name() -> $crate::common::TestResult {
                    super::$name($crate::common::Engine::Sqlite)
                }
            )*
        }

        #[cfg(feature = "postgres")]
        mod postgres {
            $(
                #[test]
                fn $name() -> $crate::common::TestResult {
                    if !$crate::common::postgres_available() {
                        return Ok(());
                    }
                    super::$name($crate::common::Engine::Postgres)
                }
            )*
        }
    };
}

/// Whether the PostgreSQL tests can run; in CI their server must be there.
///
/// # Panics
///
/// In CI (`CI=true`) when `LITEMODEL_TEST_POSTGRES` is not set.
pub fn postgres_available() -> bool {
    if std::env::var_os(POSTGRES_ENV).is_some() {
        return true;
    }
    assert!(
        std::env::var("CI").map_or(true, |ci| ci != "true"),
        "{POSTGRES_ENV} is not set: CI runs every PostgreSQL test (.ci/run starts the server)"
    );
    static SKIP: Once = Once::new();
    SKIP.call_once(|| {
        eprintln!(
            "skipping the PostgreSQL tests: {POSTGRES_ENV} is not set (start a server with `eval \"$(.ci/postgres start)\"`)"
        );
    });
    false
}

/// What keeps a test database alive: its temporary directory, and on
/// PostgreSQL the schema dropped when the test ends.
pub struct Scratch {
    dir: TempDir,
    url: String,
    #[cfg(feature = "postgres")]
    schema: Option<PgSchema>,
}

impl Scratch {
    /// The temporary directory (for files a test writes beside the database).
    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// What [`Database::connect`] takes to open another connection to the same
    /// database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Another connection to the same database.
    pub fn connect(&self) -> TestResult<Database> {
        Ok(Database::connect(&self.url)?)
    }
}

#[cfg(feature = "postgres")]
struct PgSchema {
    server: String,
    name: String,
}

#[cfg(feature = "postgres")]
impl Drop for PgSchema {
    fn drop(&mut self) {
        // Best effort: the cluster is thrown away after the run anyway.
        if let Ok(mut admin) =
            litemodel::postgres::Client::connect(&self.server, litemodel::postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// A fresh, empty database on `engine`.
pub fn temp_db(engine: Engine) -> TestResult<(Scratch, Database)> {
    let dir = tempfile::tempdir()?;
    let scratch = match engine {
        Engine::Sqlite => Scratch {
            url: dir.path().join("test.sqlite").display().to_string(),
            dir,
            #[cfg(feature = "postgres")]
            schema: None,
        },
        #[cfg(feature = "postgres")]
        Engine::Postgres => {
            let server = std::env::var(POSTGRES_ENV)?;
            use std::sync::atomic::{AtomicU32, Ordering};
            static NEXT: AtomicU32 = AtomicU32::new(0);
            let name = format!(
                "test_{}_{}",
                std::process::id(),
                NEXT.fetch_add(1, Ordering::Relaxed)
            );
            let mut admin =
                litemodel::postgres::Client::connect(&server, litemodel::postgres::NoTls)?;
            admin.batch_execute(&format!("CREATE SCHEMA {name}"))?;
            let url = with_search_path(&server, &name);
            Scratch {
                url,
                dir,
                schema: Some(PgSchema { server, name }),
            }
        }
        #[cfg(not(feature = "postgres"))]
        Engine::Postgres => return Err("built without the `postgres` feature".into()),
        #[allow(unreachable_patterns)]
        _ => return Err(format!("no test database for {engine:?}").into()),
    };
    let db = scratch.connect()?;
    Ok((scratch, db))
}

/// `server` (a URL or a libpq connection string) with `schema` first on the
/// search path: each test gets a schema of its own on the shared server.
fn with_search_path(server: &str, schema: &str) -> String {
    if server.contains("://") {
        let separator = if server.contains('?') { '&' } else { '?' };
        format!("{server}{separator}options=-c%20search_path%3D{schema}")
    } else {
        format!("{server} options='-c search_path={schema}'")
    }
}

fn with_schema(engine: Engine, schema: &Schema) -> TestResult<(Scratch, Database)> {
    let (scratch, db) = temp_db(engine)?;
    db.create_all(schema)?;
    Ok((scratch, db))
}

/// A fresh database with the seed tables created.
pub fn seed_db(engine: Engine) -> TestResult<(Scratch, Database)> {
    with_schema(engine, &seed_models::SCHEMA)
}

/// A fresh database with the blog tables created.
pub fn blog_db(engine: Engine) -> TestResult<(Scratch, Database)> {
    with_schema(engine, &blog_models::SCHEMA)
}

/// A fresh database with the library tables created.
pub fn library_db(engine: Engine) -> TestResult<(Scratch, Database)> {
    with_schema(engine, &library_models::SCHEMA)
}

/// The integer the query `sql` answers in its first row and column (on either
/// engine, uncounted).
pub fn query_i64(db: &Database, sql: &str) -> TestResult<i64> {
    if let Some(conn) = db.sqlite() {
        return Ok(conn.query_row(sql, [], |row| row.get(0))?);
    }
    #[cfg(feature = "postgres")]
    if let Some(mut client) = db.postgres() {
        let row = client.query_one(sql, &[])?;
        return match row.try_get::<_, i64>(0) {
            Ok(n) => Ok(n),
            Err(_) => Ok(i64::from(row.try_get::<_, i32>(0)?)),
        };
    }
    Err("no connection".into())
}

/// The rusqlite connection of a SQLite test database.
pub fn sqlite(db: &Database) -> TestResult<&litemodel::rusqlite::Connection> {
    db.sqlite().ok_or_else(|| "a SQLite database".into())
}

/// Whether a transaction is open on `db`'s connection, as the server reports it.
pub fn in_transaction(db: &Database) -> TestResult<bool> {
    if let Some(conn) = db.sqlite() {
        return Ok(!conn.is_autocommit());
    }
    // PostgreSQL: `now()` is the transaction's start; outside a transaction
    // each statement is its own, so two statements see different times.
    #[cfg(feature = "postgres")]
    if let Some(mut client) = db.postgres() {
        // One message (the simple protocol), so an implicit transaction
        // starts with the statement. A failed transaction refuses every
        // statement: it is still open.
        use litemodel::postgres::SimpleQueryMessage;
        return Ok(
            match client.simple_query("SELECT now() = statement_timestamp()") {
                Ok(messages) => !messages
                    .iter()
                    .any(|m| matches!(m, SimpleQueryMessage::Row(row) if row.get(0) == Some("t"))),
                Err(_) => true,
            },
        );
    }
    Err("no connection".into())
}

/// The first row `sql` answers, each column as text (`None` for NULL), on
/// either engine, uncounted.
pub fn query_texts(db: &Database, sql: &str) -> TestResult<Vec<Option<String>>> {
    use litemodel::rusqlite::types::Value;
    if let Some(conn) = db.sqlite() {
        let mut stmt = conn.prepare(sql)?;
        let width = stmt.column_count();
        return Ok(stmt.query_row([], |row| {
            (0..width)
                .map(|i| {
                    row.get::<_, Value>(i).map(|value| match value {
                        Value::Null => None,
                        Value::Integer(i) => Some(i.to_string()),
                        Value::Real(f) => Some(f.to_string()),
                        Value::Text(text) => Some(text),
                        Value::Blob(bytes) => Some(format!("{bytes:?}")),
                    })
                })
                .collect()
        })?);
    }
    #[cfg(feature = "postgres")]
    if let Some(mut client) = db.postgres() {
        use litemodel::postgres::SimpleQueryMessage;
        for message in client.simple_query(sql)? {
            if let SimpleQueryMessage::Row(row) = message {
                return Ok((0..row.len())
                    .map(|i| row.get(i).map(str::to_owned))
                    .collect());
            }
        }
        return Err(format!("no row from {sql}").into());
    }
    Err("no connection".into())
}
