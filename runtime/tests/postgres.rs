//! Bad input on PostgreSQL: connections the server refuses, values a column
//! cannot hold. Each is a clear error naming what and where, never a panic,
//! nothing written.

#[macro_use]
mod common;

use common::seed_models::{Role, User};
use common::{seed_db, Engine, TestResult};
use litemodel::Database;
#[cfg(feature = "postgres")]
use litemodel::Error;

/// `server` with `key=value` appended (a libpq string) or as a URL parameter.
#[cfg(feature = "postgres")]
fn with(server: &str, key: &str, value: &str) -> String {
    if server.contains("://") {
        let separator = if server.contains('?') { '&' } else { '?' };
        format!("{server}{separator}{key}={value}")
    } else {
        format!("{server} {key}={value}")
    }
}

#[cfg(feature = "postgres")]
#[test]
fn a_database_that_does_not_exist_is_a_clear_error() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let server = std::env::var(common::POSTGRES_ENV)?;
    let err = Database::connect(&with(&server, "dbname", "no_such_database"))
        .err()
        .ok_or("connecting must fail")?;
    assert!(matches!(err, Error::Connect { .. }), "{err:?}");
    let text = err.to_string();
    assert!(text.starts_with("cannot connect to `"), "{text}");
    assert!(
        text.contains("\"no_such_database\" does not exist"),
        "{text}"
    );
    Ok(())
}

#[cfg(feature = "postgres")]
#[test]
fn a_role_the_server_does_not_know_is_refused_clearly() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let server = std::env::var(common::POSTGRES_ENV)?;
    let err = Database::connect(&with(&server, "user", "nobody_here"))
        .err()
        .ok_or("connecting must fail")?;
    let text = err.to_string();
    assert!(text.contains("\"nobody_here\" does not exist"), "{text}");
    Ok(())
}

#[test]
fn a_server_that_is_down_is_a_clear_error() -> TestResult {
    // Port 1 on loopback: nothing listens there.
    let err = Database::connect("postgresql://app:secret@127.0.0.1:1/app")
        .err()
        .ok_or("connecting must fail")?;
    let text = err.to_string();
    if cfg!(feature = "postgres") {
        assert!(
            text.starts_with("cannot connect to `postgresql://app:***@127.0.0.1:1/app`"),
            "{text}"
        );
    } else {
        assert!(text.contains("enable the `postgres` feature"), "{text}");
    }
    assert!(!text.contains("secret"), "the password leaked: {text}");
    Ok(())
}

/// Values a column cannot hold: refused with the table named, and nothing of
/// the commit is written.
fn values_a_column_cannot_hold_are_refused(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    s.add(Role::new("kept"));
    s.commit()?;
    // A name longer than VARCHAR(64): PostgreSQL refuses it (SQLite stores it).
    s.add(User::new("x".repeat(65)));
    match engine {
        Engine::Sqlite => s.commit()?,
        Engine::Postgres => {
            let err = s.commit().err().ok_or("the commit must fail")?;
            let text = err.to_string();
            assert!(text.contains("on `users`"), "{text}");
            assert!(
                text.contains("too long for type character varying(64)"),
                "{text}"
            );
        }
    }
    drop(s);
    let mut s = db.session();
    // A NUL character: PostgreSQL text cannot hold one.
    s.add(User::new("nul\0char"));
    let result = s.commit();
    match engine {
        Engine::Sqlite => result?,
        Engine::Postgres => {
            let err = result.err().ok_or("the commit must fail")?;
            assert!(err.to_string().contains("0x00"), "{err}");
        }
    }
    drop(s);
    assert_eq!(Role::query().count(&db)?, 1);
    let users = User::query().count(&db)?;
    assert_eq!(users, if engine == Engine::Sqlite { 2 } else { 0 });
    Ok(())
}

engines!(values_a_column_cannot_hold_are_refused);

/// PostgreSQL's other spellings of the end of a transaction, run by the
/// application: the runtime follows them, so the next session opens its own
/// transaction (a SAVEPOINT outside one is refused by the server).
#[cfg(feature = "postgres")]
#[test]
fn the_ends_of_a_transaction_postgresql_spells_its_own_way_are_followed() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, mut db) = seed_db(Engine::Postgres)?;
    for (open, close, open_after) in [
        ("BEGIN", "ABORT", false),
        (
            "START TRANSACTION ISOLATION LEVEL REPEATABLE READ",
            "END",
            false,
        ),
        ("BEGIN", "COMMIT AND CHAIN", true),
        ("BEGIN", "ROLLBACK AND NO CHAIN", false),
        ("BEGIN; SELECT 1", "SELECT 2; COMMIT", false),
    ] {
        db.execute_batch(open)?;
        assert!(common::in_transaction(&db)?, "{open}");
        db.execute_batch(close)?;
        assert_eq!(common::in_transaction(&db)?, open_after, "{close}");
        let mut s = db.session();
        s.add(Role::new(format!("after {close}")));
        s.flush()?;
        s.commit()?;
        drop(s);
        assert!(
            !common::in_transaction(&db)?,
            "{close}: the session committed"
        );
    }
    assert_eq!(Role::query().count(&db)?, 5);

    // A failed statement in the application's batch leaves the transaction
    // open and refusing: the session reports it instead of starting another.
    db.execute_batch("BEGIN")?;
    assert!(db.execute_batch("SELECT 1; SELECT 1 / 0").is_err());
    let mut s = db.session();
    s.add(Role::new("refused"));
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert!(err.to_string().contains("aborted"), "{err}");
    drop(s);
    assert!(!common::in_transaction(&db)?);
    assert_eq!(Role::query().count(&db)?, 5);
    Ok(())
}
