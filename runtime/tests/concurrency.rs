//! Concurrent use: threads sharing a [`Pool`] and separate processes write
//! and read one database file at the same time. No committed row is lost, no
//! commit is seen in part, and nobody gets "database is locked" (writers wait
//! for each other within the busy timeout).
//!
//! The writer processes are this test binary again, run with `WRITER_DB` set:
//! then `child_writer` does one writer's commits; otherwise it does nothing.

mod common;

use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use common::seed_models::{Role, User, SCHEMA};
use common::Engine;
use litemodel::rusqlite::Connection;
use litemodel::{Database, Pool, Query};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error + Send + Sync>>;

const WRITER_DB: &str = "LITEMODEL_CONCURRENCY_TEST_DB";
const WRITER_NAME: &str = "LITEMODEL_CONCURRENCY_TEST_WRITER";
/// Commits per writer, thread or process.
const COMMITS: usize = 40;
/// Users per commit, written with their role in one transaction.
const USERS: usize = 5;

/// One writer's commits, each a role and its users.
fn write_commits(db: &mut Database, writer: &str) -> litemodel::Result<usize> {
    for n in 0..COMMITS {
        db.transaction(|s| {
            let role = s.add(Role::new(format!("{writer} commit {n}")));
            for i in 0..USERS {
                s.add(User::new(format!("{writer} commit {n} user {i}")).with_role(role));
            }
            Ok::<_, litemodel::Error>(())
        })?;
    }
    Ok(COMMITS)
}

#[test]
fn child_writer() -> TestResult {
    let Ok(url) = std::env::var(WRITER_DB) else {
        return Ok(()); // run as an ordinary test: nothing to do
    };
    let writer = std::env::var(WRITER_NAME)?;
    let mut db = Database::connect(&url)?;
    let done = write_commits(&mut db, &writer)?;
    println!("wrote {done}");
    Ok(())
}

/// Reads until told to stop: the counts only grow, and every role seen has
/// all its users (a commit is never visible in part).
fn read_until(pool: &Pool, stop: &AtomicBool) -> TestResult<usize> {
    let mut reads = 0;
    let mut last_roles = 0;
    loop {
        // Checked before reading, so at least one read follows the writers.
        let last_round = stop.load(Ordering::SeqCst);
        let db = pool.get()?;
        let counts = common::query_texts(
            &db,
            "SELECT (SELECT count(*) FROM roles), (SELECT count(*) FROM users)",
        )
        .map_err(|e| e.to_string())?;
        let number = |i: usize| -> Result<i64, String> {
            counts
                .get(i)
                .cloned()
                .flatten()
                .and_then(|n| n.parse().ok())
                .ok_or_else(|| format!("no count in {counts:?}"))
        };
        let (roles, users) = (number(0)?, number(1)?);
        assert_eq!(users, roles * USERS as i64, "a commit was seen in part");
        assert!(roles >= last_roles, "a committed role disappeared");
        last_roles = roles;
        let _ = Query::<User>::new()
            .filter(User::USERNAME.like("%user 0"))
            .count(&*db)?;
        reads += 1;
        if last_round {
            return Ok(reads);
        }
    }
}

#[test]
fn threads_and_processes_write_and_read_one_file() -> TestResult {
    threads_and_processes_write_and_read_one_database(Engine::Sqlite)
}

#[cfg(feature = "postgres")]
#[test]
fn threads_and_processes_write_and_read_one_postgres_database() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    threads_and_processes_write_and_read_one_database(Engine::Postgres)
}

/// Four pooled writer threads, two writer processes and two reader threads on
/// one database (a SQLite file, or a PostgreSQL schema).
fn threads_and_processes_write_and_read_one_database(engine: Engine) -> TestResult {
    let (scratch, db) = common::temp_db(engine).map_err(|e| e.to_string())?;
    db.create_all(&SCHEMA)?;
    drop(db);
    let url = scratch.url().to_owned();

    // Four connections for six threads: they also wait for each other in
    // the pool.
    let pool = Pool::builder_for_url(&url).max_size(4).build()?;
    let processes = (0..2)
        .map(|p| {
            Command::new(std::env::current_exe()?)
                .args(["child_writer", "--exact", "--nocapture", "--test-threads=1"])
                .env(WRITER_DB, &url)
                .env(WRITER_NAME, format!("process {p}"))
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let stop = Arc::new(AtomicBool::new(false));
    let readers: Vec<_> = (0..2)
        .map(|_| {
            let (pool, stop) = (pool.clone(), Arc::clone(&stop));
            std::thread::spawn(move || read_until(&pool, &stop).map_err(|e| e.to_string()))
        })
        .collect();
    let writers: Vec<_> = (0..4)
        .map(|t| {
            let pool = pool.clone();
            std::thread::spawn(move || -> Result<usize, String> {
                let mut written = 0;
                // A connection per commit, as a web handler would take one.
                for n in 0..COMMITS {
                    let mut db = pool.get().map_err(|e| e.to_string())?;
                    db.transaction(|s| {
                        let role = s.add(Role::new(format!("thread {t} commit {n}")));
                        for i in 0..USERS {
                            s.add(
                                User::new(format!("thread {t} commit {n} user {i}"))
                                    .with_role(role),
                            );
                        }
                        Ok::<_, litemodel::Error>(())
                    })
                    .map_err(|e| format!("thread {t} commit {n}: {e}"))?;
                    written += 1;
                }
                Ok(written)
            })
        })
        .collect();

    let mut written = 0;
    for writer in writers {
        written += writer.join().map_err(|_| "a writer thread panicked")??;
    }
    for process in processes {
        let output = process.wait_with_output()?;
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success() && stdout.contains(&format!("wrote {COMMITS}")),
            "a writer process failed: {stdout}{}",
            String::from_utf8_lossy(&output.stderr)
        );
        written += COMMITS;
    }
    stop.store(true, Ordering::SeqCst);
    for reader in readers {
        let reads = reader.join().map_err(|_| "a reader thread panicked")??;
        assert!(reads >= 1);
    }

    // Every commit is there, whole.
    assert_eq!(written, 6 * COMMITS);
    let db = pool.get()?;
    if let Some(conn) = db.sqlite() {
        let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
        assert_eq!(integrity, "ok");
    }
    assert_eq!(Role::query().count(&*db)?, written as u64);
    assert_eq!(User::query().count(&*db)?, (written * USERS) as u64);
    let partial = common::query_i64(
        &db,
        &format!(
            "SELECT count(*) FROM (SELECT roles.id FROM roles JOIN users ON users.role_id = roles.id \
             GROUP BY roles.id HAVING count(users.id) <> {USERS}) AS partial"
        ),
    )
    .map_err(|e| e.to_string())?;
    assert_eq!(partial, 0);
    Ok(())
}

#[test]
fn files_open_in_wal_mode_with_a_busy_timeout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("defaults.sqlite");
    let check = |conn: &Connection| -> TestResult {
        let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let timeout: i64 = conn.query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
        let foreign_keys: i64 = conn.query_row("PRAGMA foreign_keys", [], |r| r.get(0))?;
        let synchronous: i64 = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        // synchronous = 2 is FULL: a returned commit survives a power loss.
        assert_eq!(
            (mode.as_str(), timeout, foreign_keys, synchronous),
            ("wal", 5000, 1, 2)
        );
        Ok(())
    };
    check(Database::open(&path)?.sqlite().ok_or("sqlite")?)?;
    let pool = Pool::open(&path)?;
    check(pool.get()?.sqlite().ok_or("sqlite")?)?;
    // A custom busy timeout for every pooled connection.
    let pool = Pool::builder(&path)
        .busy_timeout(Duration::from_millis(250))
        .build()?;
    let timeout: i64 =
        pool.get()?
            .sqlite()
            .ok_or("sqlite")?
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))?;
    assert_eq!(timeout, 250);
    Ok(())
}

#[test]
fn a_connection_returned_inside_a_transaction_is_not_reused() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("leak.sqlite");
    let pool = Pool::builder(&path).max_size(1).build()?;
    {
        let db = pool.get()?;
        db.execute_batch("BEGIN IMMEDIATE")?;
        // Dropped while holding the write lock.
    }
    // The next connection is a fresh one: it can write.
    let db = pool.get()?;
    assert!(db.sqlite().ok_or("sqlite")?.is_autocommit());
    db.execute_batch("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1);")?;
    Ok(())
}

#[test]
fn a_pool_without_a_free_connection_says_so() -> TestResult {
    let dir = tempfile::tempdir()?;
    let pool = Pool::builder(dir.path().join("busy.sqlite"))
        .max_size(1)
        .wait(Duration::from_millis(50))
        .build()?;
    let held = pool.get()?;
    assert_eq!(pool.connections(), (1, 0));
    let err = pool.get().err().ok_or("no connection is free")?;
    assert!(matches!(err, litemodel::Error::Pool { .. }), "{err:?}");
    assert!(
        err.to_string()
            .starts_with("no database connection from the pool"),
        "{err}"
    );
    drop(held);
    pool.get()?;

    // A file that cannot be opened is reported as such, not as a timeout.
    let missing = dir.path().join("no such dir").join("db.sqlite");
    let err = Pool::open(&missing).err().ok_or("opening must fail")?;
    assert!(err.to_string().contains("unable to open"), "{err}");
    Ok(())
}

/// The fair busy wait keeps to the busy timeout: it waits for a lock released
/// in time, and gives up with "database is locked" once the timeout has passed.
#[test]
fn the_fair_busy_wait_waits_within_the_timeout() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("fair.sqlite");
    Database::open(&path)?.create_all(&SCHEMA)?;
    let mut db = Database::open(&path)?;
    db.set_fair_busy_wait(true)?;
    db.set_busy_timeout(Duration::from_millis(300))?;
    assert_eq!(db.busy_timeout(), Duration::from_millis(300));

    // Held past the timeout: the commit fails, after about the timeout.
    let holder = Connection::open(&path)?;
    holder.execute_batch("BEGIN IMMEDIATE")?;
    let started = std::time::Instant::now();
    let err = db
        .transaction(|s| {
            s.add(Role::new("late"));
            Ok::<_, litemodel::Error>(())
        })
        .err()
        .ok_or("the commit must fail")?;
    let waited = started.elapsed();
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(
        waited >= Duration::from_millis(300) && waited < Duration::from_secs(5),
        "waited {waited:?}"
    );

    // Released while waiting: the commit goes through.
    let release = std::thread::spawn(move || -> Result<(), String> {
        std::thread::sleep(Duration::from_millis(100));
        holder.execute_batch("ROLLBACK").map_err(|e| e.to_string())
    });
    db.transaction(|s| {
        s.add(Role::new("in time"));
        Ok::<_, litemodel::Error>(())
    })?;
    release.join().map_err(|_| "the holder panicked")??;
    assert_eq!(Role::query().count(&db)?, 1);
    Ok(())
}
