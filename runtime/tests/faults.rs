//! Commits are atomic under faults: a commit that fails partway (a UNIQUE or
//! FOREIGN KEY violation deep into a batch, a full disk, a lock held past the
//! busy timeout) leaves the database exactly as it was, returns an error
//! naming the cause, and leaves the session able to retry or roll back.

#[macro_use]
mod common;

use std::time::Duration;

use common::blog_models::{Author, Post};
use common::seed_models::{Role, User};
use common::{blog_db, seed_db, Engine, TestResult};
use litemodel::rusqlite::{self, ffi::ErrorCode, types::Value, Connection};
use litemodel::{Database, Error, Query};

/// Every row of every table, the schema and (on SQLite) the integrity check:
/// two equal snapshots mean the database holds exactly the same data.
fn snapshot(db: &Database) -> TestResult<Vec<String>> {
    match db.sqlite() {
        Some(conn) => sqlite_snapshot(conn),
        None => postgres_snapshot(db),
    }
}

fn sqlite_snapshot(conn: &Connection) -> TestResult<Vec<String>> {
    let mut out = Vec::new();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0))?;
    out.push(format!("integrity {integrity}"));
    let tables: Vec<(String, String)> = conn
        .prepare("SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (table, sql) in tables {
        out.push(sql);
        let quoted = table.replace('"', "\"\"");
        let mut stmt = conn.prepare(&format!("SELECT * FROM \"{quoted}\" ORDER BY rowid"))?;
        let width = stmt.column_count();
        let rows = stmt.query_map([], |row| {
            (0..width)
                .map(|i| row.get::<_, Value>(i).map(|v| format!("{v:?}")))
                .collect::<rusqlite::Result<Vec<_>>>()
        })?;
        for row in rows {
            out.push(format!("{table}: {}", row?.join(" | ")));
        }
    }
    Ok(out)
}

/// The tables of the connection's schema with their columns, and every row
/// as text (the simple query protocol), in a stable order.
#[cfg(feature = "postgres")]
fn postgres_snapshot(db: &Database) -> TestResult<Vec<String>> {
    use litemodel::postgres::SimpleQueryMessage;
    let mut client = db.postgres().ok_or("a PostgreSQL database")?;
    let mut out = Vec::new();
    let tables: Vec<String> = client
        .query(
            "SELECT tablename::text FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1",
            &[],
        )?
        .iter()
        .map(|row| row.get(0))
        .collect();
    for table in tables {
        let columns: Vec<String> = client
            .query(
                "SELECT column_name::text || ' ' || data_type FROM information_schema.columns \
                 WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
                &[&table],
            )?
            .iter()
            .map(|row| row.get(0))
            .collect();
        out.push(format!("{table} ({})", columns.join(", ")));
        let mut rows = Vec::new();
        for message in client.simple_query(&format!("SELECT * FROM \"{table}\""))? {
            if let SimpleQueryMessage::Row(row) = message {
                let values: Vec<String> = (0..row.len())
                    .map(|i| format!("{:?}", row.get(i)))
                    .collect();
                rows.push(format!("{table}: {}", values.join(" | ")));
            }
        }
        rows.sort();
        out.extend(rows);
    }
    Ok(out)
}

#[cfg(not(feature = "postgres"))]
fn postgres_snapshot(_db: &Database) -> TestResult<Vec<String>> {
    Err("built without PostgreSQL".into())
}

/// A second connection to the same database, to look from outside the session.
fn observer(scratch: &common::Scratch) -> TestResult<Database> {
    scratch.connect()
}

fn sqlite_code(err: &Error) -> Option<ErrorCode> {
    match err {
        Error::Sqlite {
            source: rusqlite::Error::SqliteFailure(e, _),
            ..
        } => Some(e.code),
        _ => None,
    }
}

fn unique_violation_at_the_500th_of_1000_inserts_changes_nothing(engine: Engine) -> TestResult {
    let (dir, mut db) = seed_db(engine)?;
    let outside = observer(&dir)?;
    let mut s = db.session();
    let roles = s.add_all((0..10).map(|i| Role::new(format!("role {i}"))));
    s.commit()?;
    let before = snapshot(&outside)?;

    // Updates of loaded objects and 1,000 inserts in one commit; the 500th
    // insert repeats the username of the first.
    for &role in &roles[..5] {
        s[role].name = Some(format!("renamed {:?}", s[role].id));
    }
    let users: Vec<_> = (0..1000)
        .map(|i| {
            let name = if i == 499 {
                "user 0".to_owned()
            } else {
                format!("user {i}")
            };
            s.add(User::new(name).with_role(roles[i % roles.len()]))
        })
        .collect();
    let err = s.commit().err().ok_or("the commit must fail")?;
    match &err {
        Error::UniqueViolation { table, columns } => {
            assert_eq!(
                (table.as_str(), columns.as_slice()),
                ("users", &["username".to_owned()][..])
            );
        }
        other => return Err(format!("expected a unique violation, got {other:?}").into()),
    }
    assert_eq!(
        err.to_string(),
        "unique constraint failed on `users` (username)"
    );
    assert_eq!(
        snapshot(&outside)?,
        before,
        "the database is exactly as it was"
    );

    // The session is as before the commit: no ids handed out, edits kept.
    assert!(users
        .iter()
        .all(|&u| s[u].id.is_none() && s[u].role_id.is_none()));
    assert_eq!(s[roles[0]].name.as_deref(), Some("renamed Some(1)"));

    // Fix the duplicate and retry: everything is written once.
    s[users[499]].username = Some("user 499".into());
    s.commit()?;
    assert!(users.iter().all(|&u| s[u].id.is_some()));
    drop(s);
    assert_eq!(User::query().count(&db)?, 1000);
    assert_eq!(
        Role::query()
            .filter(Role::NAME.like("renamed%"))
            .count(&db)?,
        5
    );
    Ok(())
}

fn a_failed_commit_can_be_rolled_back_instead(engine: Engine) -> TestResult {
    let (dir, mut db) = seed_db(engine)?;
    let outside = observer(&dir)?;
    let before = snapshot(&outside)?;
    let mut s = db.session();
    let users: Vec<_> = (0..1000)
        .map(|i| {
            s.add(User::new(if i == 499 {
                "same".to_owned()
            } else {
                format!("u{i}")
            }))
        })
        .collect();
    s[users[0]].username = Some("same".into());
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    s.rollback()?;
    assert!(s.get(users[0]).is_none(), "rollback empties the session");
    // The session is usable again.
    s.add(User::new("after rollback"));
    s.commit()?;
    drop(s);
    assert_eq!(User::query().count(&db)?, 1);
    let mut expected = before;
    expected.push(match engine {
        Engine::Sqlite => "users: Integer(1) | Text(\"after rollback\") | Null".into(),
        // A sequence does not roll back: the failed INSERTs used ids 1 to 500.
        Engine::Postgres => "users: Some(\"501\") | Some(\"after rollback\") | None".into(),
    });
    assert_eq!(snapshot(&outside)?, expected);
    Ok(())
}

fn foreign_key_violation_at_the_500th_insert_changes_nothing(engine: Engine) -> TestResult {
    let (dir, mut db) = blog_db(engine)?;
    let outside = observer(&dir)?;
    let mut s = db.session();
    let author = s.add(Author::new("ann"));
    s.commit()?;
    let before = snapshot(&outside)?;

    let posts: Vec<_> = (0..1000)
        .map(|i| {
            let mut post = Post::new(format!("post {i}"), i);
            if i == 499 {
                post.author_id = Some(999); // no such author
            } else {
                post.set_author(author);
            }
            s.add(post)
        })
        .collect();
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert!(
        matches!(&err, Error::ForeignKeyViolation { table: Some(t) } if t == "posts"),
        "{err:?}"
    );
    assert_eq!(err.to_string(), "foreign key constraint failed on `posts`");
    assert_eq!(snapshot(&outside)?, before);
    assert!(posts.iter().all(|&p| s[p].id.is_none()));

    s[posts[499]].set_author(author);
    s.commit()?;
    drop(s);
    assert_eq!(
        Post::query().filter(Post::AUTHOR_ID.eq(1)).count(&db)?,
        1000
    );
    Ok(())
}

fn deferred_foreign_key_failing_at_commit_changes_nothing(engine: Engine) -> TestResult {
    let (dir, mut db) = blog_db(engine)?;
    // A table the models do not know references authors: deleting an author does
    // not detach it (as the author's posts are detached), so the key fails.
    db.execute_batch("CREATE TABLE reviews (author_id INTEGER REFERENCES authors (id))")?;
    let outside = observer(&dir)?;
    let mut s = db.session();
    let author = s.add(Author::new("ann"));
    s.add(Post::new("kept", 1).with_author(author));
    s.commit()?;
    s.database()
        .execute_batch("INSERT INTO reviews (author_id) VALUES (1)")?;
    let before = snapshot(&outside)?;

    // SQLite: deletes check foreign keys at COMMIT, so deleting a referenced
    // author fails there, after every statement succeeded. PostgreSQL checks
    // SQLAlchemy's (not deferrable) keys at the DELETE itself.
    s[author].name = "renamed".into();
    s.delete(author)?;
    let err = s.commit().err().ok_or("the commit must fail")?;
    match engine {
        Engine::Sqlite => assert!(
            matches!(err, Error::ForeignKeyViolation { table: None }),
            "{err:?}"
        ),
        Engine::Postgres => assert!(
            matches!(&err, Error::ForeignKeyViolation { table: Some(t) } if t == "reviews"),
            "{err:?}"
        ),
    }
    assert_eq!(snapshot(&outside)?, before);
    assert!(
        !common::in_transaction(s.database())?,
        "no transaction is left open"
    );

    // The author is still in the session, still loaded; rolling back works.
    assert_eq!(s[author].id, Some(1));
    s.rollback()?;
    s.add(Author::new("bob"));
    s.commit()?;
    drop(s);
    assert_eq!(Author::query().count(&db)?, 2);
    Ok(())
}

/// SQLite only: see the comment in the body.
#[test]
fn a_full_disk_fails_the_commit_and_changes_nothing() -> TestResult {
    let engine = Engine::Sqlite;
    let (dir, mut db) = seed_db(engine)?;
    let outside = observer(&dir)?;
    let mut s = db.session();
    s.add_all((0..10).map(|i| Role::new(format!("role {i}"))));
    s.commit()?;
    let before = snapshot(&outside)?;

    // Room for a few more pages only: 1,000 users of 2 KB each do not fit.
    let pages: i64 = common::query_i64(s.database(), "PRAGMA page_count")?;
    common::sqlite(s.database())?.query_row(
        &format!("PRAGMA max_page_count = {}", pages + 4),
        [],
        |r| r.get::<_, i64>(0),
    )?;
    let users: Vec<_> = (0..1000)
        .map(|i| s.add(User::new(format!("{i:04}{}", "x".repeat(2000)))))
        .collect();
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert_eq!(sqlite_code(&err), Some(ErrorCode::DiskFull), "{err:?}");
    assert!(
        err.to_string().contains("full"),
        "the message names the cause: {err}"
    );
    assert_eq!(snapshot(&outside)?, before);
    assert!(users.iter().all(|&u| s[u].id.is_none()));

    // Space comes back: the same session retries and succeeds.
    common::sqlite(s.database())?.query_row("PRAGMA max_page_count = 1073741823", [], |r| {
        r.get::<_, i64>(0)
    })?;
    s.commit()?;
    drop(s);
    assert_eq!(User::query().count(&db)?, 1000);
    Ok(())
}

/// SQLite only: see the comment in the body.
#[test]
fn a_lock_held_past_the_busy_timeout_fails_the_commit_and_changes_nothing() -> TestResult {
    let engine = Engine::Sqlite;
    // SQLite only: the busy timeout of a file lock.
    let (dir, mut db) = seed_db(engine)?;
    common::sqlite(&db)?.busy_timeout(Duration::from_millis(100))?;
    let outside = observer(&dir)?;
    let before = snapshot(&outside)?;

    // Another connection holds the write lock for the whole attempt.
    let outside = common::sqlite(&outside)?;
    outside.execute_batch("BEGIN IMMEDIATE")?;
    let mut s = db.session();
    let roles = s.add_all((0..1000).map(|i| Role::new(format!("role {i}"))));
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert_eq!(sqlite_code(&err), Some(ErrorCode::DatabaseBusy), "{err:?}");
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(roles.iter().all(|&r| s[r].id.is_none()));
    outside.execute_batch("ROLLBACK")?;
    assert_eq!(sqlite_snapshot(outside)?, before);

    // Once the lock is released the same session commits.
    s.commit()?;
    drop(s);
    assert_eq!(Role::query().count(&db)?, 1000);
    Ok(())
}

#[test]
fn a_commit_blocked_by_a_reader_in_rollback_journal_mode_changes_nothing() -> TestResult {
    // Without WAL, COMMIT itself needs every reader gone: the failure comes
    // at COMMIT, after all inserts ran.
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("journal.sqlite");
    {
        let conn = Connection::open(&path)?;
        conn.query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })?;
    }
    let mut db = Database::open(&path)?;
    common::sqlite(&db)?.query_row("PRAGMA journal_mode = DELETE", [], |r| {
        r.get::<_, String>(0)
    })?;
    db.create_all(&common::seed_models::SCHEMA)?;
    common::sqlite(&db)?.busy_timeout(Duration::from_millis(100))?;
    let reader = Connection::open(&path)?;
    let before = sqlite_snapshot(&reader)?;

    reader.execute_batch("BEGIN; SELECT count(*) FROM roles;")?;
    let mut s = db.session();
    let roles = s.add_all((0..100).map(|i| Role::new(format!("role {i}"))));
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert_eq!(sqlite_code(&err), Some(ErrorCode::DatabaseBusy), "{err:?}");
    assert!(roles.iter().all(|&r| s[r].id.is_none()));
    reader.execute_batch("COMMIT")?;
    assert_eq!(sqlite_snapshot(&reader)?, before);

    s.commit()?;
    drop(s);
    assert_eq!(Role::query().count(&db)?, 100);
    Ok(())
}

fn a_failed_flush_inside_a_transaction_keeps_the_earlier_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let first = s.add(Role::new("first"));
    s.flush()?;
    let dup = s.add(Role::new("first"));
    assert!(matches!(s.flush(), Err(Error::UniqueViolation { .. })));
    // The savepoint is undone, the earlier flush is kept.
    assert_eq!(s[first].id, Some(1));
    assert_eq!(s[dup].id, None);
    s[dup].name = Some("second".into());
    s.commit()?;
    drop(s);
    assert_eq!(Query::<Role>::new().count(&db)?, 2);
    Ok(())
}

/// A transaction a batch of the application's own opened (`BEGIN; ...` in
/// one `execute_batch`) is the session's outer transaction on both engines:
/// a failed flush undoes only its own savepoint, the batch's rows stay, and
/// the commit ends the application's transaction.
fn a_transaction_a_batch_opened_survives_a_failed_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("BEGIN; INSERT INTO roles (name) VALUES ('outer');")?;
    assert!(common::in_transaction(&db)?);
    let mut s = db.session();
    let dup = s.add(Role::new("outer"));
    assert!(matches!(s.flush(), Err(Error::UniqueViolation { .. })));
    s[dup].name = Some("inner".into());
    s.commit()?;
    drop(s);
    assert!(!common::in_transaction(&db)?);
    let mut names: Vec<String> = Query::<Role>::new()
        .all(&db)?
        .into_iter()
        .filter_map(|r| r.name)
        .collect();
    names.sort();
    assert_eq!(names, ["inner", "outer"]);

    // A whole transaction in one batch leaves none open: the session opens
    // its own, and a failed commit takes nothing else with it.
    db.execute_batch("BEGIN; INSERT INTO roles (name) VALUES ('batch'); COMMIT;")?;
    assert!(!common::in_transaction(&db)?);
    let mut s = db.session();
    s.add(Role::new("batch"));
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    drop(s);
    assert!(!common::in_transaction(&db)?);
    assert_eq!(Query::<Role>::new().count(&db)?, 3);
    Ok(())
}

/// SQLite itself rolls the whole transaction back on some errors (a trigger's
/// `RAISE(ROLLBACK)`, an interrupt, some I/O and out-of-memory errors): the
/// session must still report the cause and restore its objects.
/// SQLite only: see the comment in the body.
#[test]
fn a_transaction_rolled_back_by_sqlite_itself_reports_the_cause() -> TestResult {
    let engine = Engine::Sqlite;
    // SQLite only: `RAISE(ROLLBACK)` in a trigger.
    let (dir, mut db) = seed_db(engine)?;
    db.execute_batch(
        "CREATE TRIGGER no_boom BEFORE INSERT ON users WHEN NEW.username = 'boom' \
         BEGIN SELECT RAISE(ROLLBACK, 'boom is not a user name'); END",
    )?;
    let outside = observer(&dir)?;
    let before = snapshot(&outside)?;
    let mut s = db.session();
    let users: Vec<_> = (0..1000)
        .map(|i| {
            s.add(User::new(if i == 499 {
                "boom".to_owned()
            } else {
                format!("u{i}")
            }))
        })
        .collect();
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert!(err.to_string().contains("boom is not a user name"), "{err}");
    assert_eq!(snapshot(&outside)?, before);
    assert!(users.iter().all(|&u| s[u].id.is_none()));
    s[users[499]].username = Some("u499".into());
    s.commit()?;

    // The same inside a transaction an earlier flush opened: the savepoint
    // is gone with the transaction, so the whole transaction is undone.
    let kept = s.add(User::new("flushed"));
    s.flush()?;
    let boom = s.add(User::new("boom"));
    let err = s.flush().err().ok_or("the flush must fail")?;
    assert!(err.to_string().contains("boom is not a user name"), "{err}");
    assert!(!common::in_transaction(s.database())?);
    assert_eq!((s[kept].id, s[boom].id), (None, None));
    s[boom].username = Some("no boom".into());
    s.commit()?;
    drop(s);
    assert_eq!(User::query().count(&db)?, 1002);
    Ok(())
}

engines!(
    unique_violation_at_the_500th_of_1000_inserts_changes_nothing,
    a_failed_commit_can_be_rolled_back_instead,
    foreign_key_violation_at_the_500th_insert_changes_nothing,
    deferred_foreign_key_failing_at_commit_changes_nothing,
    a_failed_flush_inside_a_transaction_keeps_the_earlier_flush,
    a_transaction_a_batch_opened_survives_a_failed_flush,
);
