//! Sharing rows with another writer: an UPDATE writes only the columns the
//! session saw change, so a column another connection (or a Flask-SQLAlchemy
//! process, `tests/flask_interop.rs`) changed meanwhile keeps that change, as
//! SQLAlchemy's UPDATE of the changed attributes does.

#[macro_use]
mod common;

use std::sync::{Mutex, OnceLock};

use common::blog_models::{Author, Post};
use common::{Engine, TestResult};
use litemodel::{Database, Error, Model};

/// Captures the `litemodel::sql` log target, each line with the thread that
/// logged it (`cargo test` runs the SQLite and PostgreSQL variants of a test in
/// parallel threads of one process, writing the same values).
struct Capture(Mutex<Vec<(std::thread::ThreadId, String)>>);

impl log::Log for Capture {
    fn enabled(&self, metadata: &log::Metadata<'_>) -> bool {
        metadata.target() == "litemodel::sql"
    }
    fn log(&self, record: &log::Record<'_>) {
        if self.enabled(record.metadata()) {
            if let Ok(mut lines) = self.0.lock() {
                lines.push((std::thread::current().id(), record.args().to_string()));
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

/// The UPDATE statements this thread echoed so far that mention `marker`.
fn updates_with(marker: &str) -> Vec<String> {
    let this = std::thread::current().id();
    capture()
        .0
        .lock()
        .map(|lines| {
            lines
                .iter()
                .filter(|(thread, l)| {
                    *thread == this && l.starts_with("UPDATE") && l.contains(marker)
                })
                .map(|(_, l)| l.clone())
                .collect()
        })
        .unwrap_or_default()
}

/// One author and one post (`title`, 0 views), committed; the post's id.
fn one_post(db: &mut Database, title: &str) -> TestResult<i64> {
    let mut session = db.session();
    let author = session.add(Author::new("ann"));
    let post = session.add(Post::new(title, 0).with_author(author));
    session.commit()?;
    Ok(session[post].id.ok_or("no id")?)
}

/// A number as the echo shows a bound value: PostgreSQL's shows every
/// parameter quoted.
fn num(engine: Engine, n: i64) -> String {
    match engine {
        Engine::Postgres => format!("'{n}'"),
        _ => n.to_string(),
    }
}

fn stored_post(db: &Database, id: i64) -> TestResult<Post> {
    Ok(Post::get(db, id)?.ok_or("the post is gone")?)
}

/// The issue's repro: a loaded post, another connection changes `views`, the
/// session changes `title` and commits: both changes are in the row, and the
/// UPDATE names `title` alone.
fn a_loaded_object_writes_only_its_changed_column(engine: Engine) -> TestResult {
    capture();
    let (scratch, mut db) = common::blog_db(engine)?;
    let id = one_post(&mut db, "first")?;
    let loaded = stored_post(&db, id)?;
    let other = scratch.connect()?;

    let mut session = db.session();
    let key = session.attach(loaded);
    other.execute_batch(&format!("UPDATE posts SET views = 7 WHERE id = {id}"))?;
    session[key].title = "renamed by rust".into();
    session.database().set_echo(true);
    let counter = session.database().statement_counter();
    // BEGIN, the UPDATE, COMMIT.
    counter.assert_statements(3, || session.commit())?;
    session.database().set_echo(false);
    drop(session);

    assert_eq!(
        updates_with("renamed by rust"),
        [format!(
            r#"UPDATE "posts" SET "title" = 'renamed by rust' WHERE "id" = {}"#,
            num(engine, id)
        )]
    );
    let stored = stored_post(&db, id)?;
    assert_eq!(stored.title, "renamed by rust");
    assert_eq!(stored.views, 7, "the other connection's change survives");
    Ok(())
}

/// Objects the session wrote itself are tracked the same way: a change made
/// through the key after a commit writes that column only; each new set of
/// changed columns gets its own statement.
fn an_object_the_session_wrote_writes_only_its_changes(engine: Engine) -> TestResult {
    capture();
    let (scratch, mut db) = common::blog_db(engine)?;
    let other = scratch.connect()?;
    let mut session = db.session();
    let author = session.add(Author::new("bo"));
    let keys: Vec<_> = (0..3)
        .map(|i| session.add(Post::new(format!("post {i}"), 0).with_author(author)))
        .collect();
    session.commit()?;
    other.execute_batch("UPDATE posts SET title = title || ' (edited elsewhere)'")?;
    session[keys[0]].views = 11;
    session[keys[1]].views = 12;
    session[keys[2]].views = 13;
    // A foreign key set by a relationship is a changed column too.
    let second = session.add(Author::new("cy"));
    session[keys[2]].set_author(second);
    session.database().set_echo(true);
    session.commit()?;
    session.database().set_echo(false);
    let ids: Vec<i64> = keys
        .iter()
        .map(|k| session[*k].id.ok_or("no id"))
        .collect::<Result<_, _>>()?;
    let second_id = session[second].id.ok_or("no id")?;
    drop(session);

    let this = std::thread::current().id();
    let updates: Vec<String> = capture()
        .0
        .lock()
        .map(|lines| {
            lines
                .iter()
                .filter(|(thread, l)| {
                    *thread == this
                        && l.starts_with(r#"UPDATE "posts""#)
                        && ids
                            .iter()
                            .any(|id| l.ends_with(&format!(r#""id" = {}"#, num(engine, *id))))
                })
                .map(|(_, l)| l.clone())
                .collect()
        })
        .unwrap_or_default();
    assert_eq!(
        updates,
        [
            format!(
                r#"UPDATE "posts" SET "views" = {} WHERE "id" = {}"#,
                num(engine, 11),
                num(engine, ids[0])
            ),
            format!(
                r#"UPDATE "posts" SET "views" = {} WHERE "id" = {}"#,
                num(engine, 12),
                num(engine, ids[1])
            ),
            format!(
                r#"UPDATE "posts" SET "views" = {}, "author_id" = {} WHERE "id" = {}"#,
                num(engine, 13),
                num(engine, second_id),
                num(engine, ids[2])
            ),
        ]
    );
    for (i, id) in ids.iter().enumerate() {
        let stored = stored_post(&db, *id)?;
        assert_eq!(stored.title, format!("post {i} (edited elsewhere)"));
        assert_eq!(i64::from(stored.views), 11 + i as i64);
    }
    Ok(())
}

/// An object borrowed mutably but left as it was, or attached and never
/// changed, runs no statement.
fn unchanged_objects_are_not_written(engine: Engine) -> TestResult {
    let (_scratch, mut db) = common::blog_db(engine)?;
    let id = one_post(&mut db, "same")?;
    let loaded = stored_post(&db, id)?;
    let mut session = db.session();
    let key = session.attach(loaded);
    let counter = session.database().statement_counter();
    counter.assert_statements(0, || session.commit())?;
    session[key].views = 0;
    counter.assert_statements(0, || session.commit())?;
    Ok(())
}

/// `attach` of an id the session holds keeps the session's object (the
/// identity map wins) and returns its key.
fn attach_keeps_the_sessions_object(engine: Engine) -> TestResult {
    let (_scratch, mut db) = common::blog_db(engine)?;
    let id = one_post(&mut db, "held")?;
    let loaded = stored_post(&db, id)?;
    let mut session = db.session();
    let key = session.attach(loaded.clone());
    session[key].views = 5;
    let again = session.attach(loaded);
    assert_eq!(again, key);
    assert_eq!(session[key].views, 5);
    session.commit()?;
    drop(session);
    assert_eq!(stored_post(&db, id)?.views, 5);
    Ok(())
}

/// An object added by value with an id: the session does not know its row,
/// so it writes every column (the documented way to write only changes is
/// `attach` before changing).
fn an_object_added_by_value_is_written_whole(engine: Engine) -> TestResult {
    capture();
    let (_scratch, mut db) = common::blog_db(engine)?;
    let id = one_post(&mut db, "whole")?;
    let mut post = stored_post(&db, id)?;
    post.title = "whole, rewritten".into();
    let author_id = post.author_id.ok_or("no author")?;
    let mut session = db.session();
    session.add(post);
    session.database().set_echo(true);
    session.commit()?;
    session.database().set_echo(false);
    assert_eq!(
        updates_with("whole, rewritten"),
        [format!(
            r#"UPDATE "posts" SET "title" = 'whole, rewritten', "views" = {}, "author_id" = {} WHERE "id" = {}"#,
            num(engine, 0),
            num(engine, author_id),
            num(engine, id)
        )]
    );
    Ok(())
}

/// A row deleted behind the session's back: the UPDATE of a tracked object
/// changes nothing, and the commit says so.
fn a_changed_object_whose_row_is_gone_is_stale(engine: Engine) -> TestResult {
    let (scratch, mut db) = common::blog_db(engine)?;
    let id = one_post(&mut db, "gone")?;
    let loaded = stored_post(&db, id)?;
    let other = scratch.connect()?;
    let mut session = db.session();
    let key = session.attach(loaded);
    other.execute_batch(&format!("DELETE FROM posts WHERE id = {id}"))?;
    session[key].views = 1;
    assert!(matches!(
        session.commit(),
        Err(Error::StaleObject { table: "posts", key }) if key == id
    ));
    Ok(())
}

#[test]
fn changed_columns_are_compared_per_column() {
    let before = Post::new("a", 1);
    let mut after = before.clone();
    assert!(after.changed_columns(&before).is_empty());
    after.views = 2;
    let changed = after.changed_columns(&before);
    // Bind order: title, views, author_id.
    assert!(!changed.contains(0) && changed.contains(1) && !changed.contains(2));
    assert_eq!(changed.len(), 1);
}

engines!(
    a_loaded_object_writes_only_its_changed_column,
    an_object_the_session_wrote_writes_only_its_changes,
    unchanged_objects_are_not_written,
    attach_keeps_the_sessions_object,
    an_object_added_by_value_is_written_whole,
    a_changed_object_whose_row_is_gone_is_stale,
);
