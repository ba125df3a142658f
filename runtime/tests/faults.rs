//! Commits are atomic under faults: a commit that fails partway (a UNIQUE or
//! FOREIGN KEY violation deep into a batch, a full disk, a lock held past the
//! busy timeout) leaves the database exactly as it was, returns an error
//! naming the cause, and leaves the session able to retry or roll back.

mod common;

use std::time::Duration;

use common::blog_models::{Author, Post};
use common::seed_models::{Role, User};
use common::{blog_db, seed_db, TestResult};
use litemodel::rusqlite::{self, ffi::ErrorCode, types::Value, Connection};
use litemodel::{Database, Error, Query};

/// Every row of every table (by rowid), the schema and the integrity check:
/// two equal snapshots mean the database holds exactly the same data.
fn snapshot(conn: &Connection) -> TestResult<Vec<String>> {
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

/// A second connection to the same file, to look from outside the session.
fn observer(db: &Database) -> TestResult<Connection> {
    let path = db.connection().path().ok_or("the database is a file")?;
    Ok(Connection::open(path)?)
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

#[test]
fn unique_violation_at_the_500th_of_1000_inserts_changes_nothing() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    let outside = observer(&db)?;
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

#[test]
fn a_failed_commit_can_be_rolled_back_instead() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    let outside = observer(&db)?;
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
    expected.push("users: Integer(1) | Text(\"after rollback\") | Null".into());
    assert_eq!(snapshot(&outside)?, expected);
    Ok(())
}

#[test]
fn foreign_key_violation_at_the_500th_insert_changes_nothing() -> TestResult {
    let (_dir, mut db) = blog_db()?;
    let outside = observer(&db)?;
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

#[test]
fn deferred_foreign_key_failing_at_commit_changes_nothing() -> TestResult {
    let (_dir, mut db) = blog_db()?;
    // A table the models do not know references authors: deleting an author does
    // not detach it (as the author's posts are detached), so the key fails.
    db.connection()
        .execute_batch("CREATE TABLE reviews (author_id INTEGER REFERENCES authors (id))")?;
    let outside = observer(&db)?;
    let mut s = db.session();
    let author = s.add(Author::new("ann"));
    s.add(Post::new("kept", 1).with_author(author));
    s.commit()?;
    s.database()
        .connection()
        .execute("INSERT INTO reviews (author_id) VALUES (1)", [])?;
    let before = snapshot(&outside)?;

    // Deletes check foreign keys at COMMIT: deleting a referenced author
    // fails there, after every statement succeeded.
    s[author].name = "renamed".into();
    s.delete(author)?;
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert!(
        matches!(err, Error::ForeignKeyViolation { table: None }),
        "{err:?}"
    );
    assert_eq!(snapshot(&outside)?, before);
    assert!(
        s.database().connection().is_autocommit(),
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

#[test]
fn a_full_disk_fails_the_commit_and_changes_nothing() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    let outside = observer(&db)?;
    let mut s = db.session();
    s.add_all((0..10).map(|i| Role::new(format!("role {i}"))));
    s.commit()?;
    let before = snapshot(&outside)?;

    // Room for a few more pages only: 1,000 users of 2 KB each do not fit.
    let pages: i64 = s
        .database()
        .connection()
        .query_row("PRAGMA page_count", [], |r| r.get(0))?;
    s.database().connection().query_row(
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
    s.database()
        .connection()
        .query_row("PRAGMA max_page_count = 1073741823", [], |r| {
            r.get::<_, i64>(0)
        })?;
    s.commit()?;
    drop(s);
    assert_eq!(User::query().count(&db)?, 1000);
    Ok(())
}

#[test]
fn a_lock_held_past_the_busy_timeout_fails_the_commit_and_changes_nothing() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    db.connection().busy_timeout(Duration::from_millis(100))?;
    let outside = observer(&db)?;
    let before = snapshot(&outside)?;

    // Another connection holds the write lock for the whole attempt.
    outside.execute_batch("BEGIN IMMEDIATE")?;
    let mut s = db.session();
    let roles = s.add_all((0..1000).map(|i| Role::new(format!("role {i}"))));
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert_eq!(sqlite_code(&err), Some(ErrorCode::DatabaseBusy), "{err:?}");
    assert!(err.to_string().contains("database is locked"), "{err}");
    assert!(roles.iter().all(|&r| s[r].id.is_none()));
    outside.execute_batch("ROLLBACK")?;
    assert_eq!(snapshot(&outside)?, before);

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
    db.connection()
        .query_row("PRAGMA journal_mode = DELETE", [], |r| {
            r.get::<_, String>(0)
        })?;
    db.create_all(&common::seed_models::SCHEMA)?;
    db.connection().busy_timeout(Duration::from_millis(100))?;
    let reader = Connection::open(&path)?;
    let before = snapshot(&reader)?;

    reader.execute_batch("BEGIN; SELECT count(*) FROM roles;")?;
    let mut s = db.session();
    let roles = s.add_all((0..100).map(|i| Role::new(format!("role {i}"))));
    let err = s.commit().err().ok_or("the commit must fail")?;
    assert_eq!(sqlite_code(&err), Some(ErrorCode::DatabaseBusy), "{err:?}");
    assert!(roles.iter().all(|&r| s[r].id.is_none()));
    reader.execute_batch("COMMIT")?;
    assert_eq!(snapshot(&reader)?, before);

    s.commit()?;
    drop(s);
    assert_eq!(Role::query().count(&db)?, 100);
    Ok(())
}

#[test]
fn a_failed_flush_inside_a_transaction_keeps_the_earlier_flush() -> TestResult {
    let (_dir, mut db) = seed_db()?;
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

/// SQLite itself rolls the whole transaction back on some errors (a trigger's
/// `RAISE(ROLLBACK)`, an interrupt, some I/O and out-of-memory errors): the
/// session must still report the cause and restore its objects.
#[test]
fn a_transaction_rolled_back_by_sqlite_itself_reports_the_cause() -> TestResult {
    let (_dir, mut db) = seed_db()?;
    db.connection().execute_batch(
        "CREATE TRIGGER no_boom BEFORE INSERT ON users WHEN NEW.username = 'boom' \
         BEGIN SELECT RAISE(ROLLBACK, 'boom is not a user name'); END",
    )?;
    let outside = observer(&db)?;
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
    assert!(s.database().connection().is_autocommit());
    assert_eq!((s[kept].id, s[boom].id), (None, None));
    s[boom].username = Some("no boom".into());
    s.commit()?;
    drop(s);
    assert_eq!(User::query().count(&db)?, 1002);
    Ok(())
}
