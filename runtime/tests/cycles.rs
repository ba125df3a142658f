//! Tables whose foreign keys form a cycle (`users.favorite_post_id` -> posts,
//! `posts.author_id` -> users): `create_all` makes them on both engines (on
//! PostgreSQL the cycle's foreign keys are added after the tables, as SQLAlchemy
//! does), rows that reference each other are written through a session, the
//! foreign keys hold, and `drop_all` removes everything, rows and all.

#[macro_use]
mod common;

use common::cycles_models::{Comment, Post, User, SCHEMA};
use common::{query_i64, temp_db, Engine, TestResult};
use litemodel::{Database, Error};

/// The number of tables of the test's database (its own schema on PostgreSQL).
fn table_count(db: &Database) -> TestResult<i64> {
    if db.sqlite().is_some() {
        return query_i64(
            db,
            "SELECT count(*) FROM sqlite_master WHERE type = 'table'",
        );
    }
    query_i64(
        db,
        "SELECT count(*) FROM pg_catalog.pg_tables WHERE schemaname = current_schema()",
    )
}

fn rows_that_reference_each_other(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    assert_eq!(table_count(&db)?, 3);
    {
        let mut session = db.session();
        // Neither row can name the other before both have keys: the user goes
        // in first with no favourite post, then points at the post.
        let ann = session.add(User {
            name: "ann".into(),
            ..User::default()
        });
        session.flush()?;
        let ann_id = session[ann].id;
        let post = session.add(Post {
            title: "Hello".into(),
            author_id: ann_id,
            ..Post::default()
        });
        session.flush()?;
        let post_id = session[post].id;
        session[ann].favorite_post_id = post_id;
        session.add(User {
            name: "bob".into(),
            invited_by_id: ann_id,
            favorite_post_id: post_id,
            ..User::default()
        });
        let first = session.add(Comment {
            body: "first".into(),
            post_id,
            ..Comment::default()
        });
        session.flush()?;
        session.add(Comment {
            body: "a reply".into(),
            post_id,
            parent_id: session[first].id,
            ..Comment::default()
        });
        session.commit()?;
    }
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM users u JOIN posts p ON u.favorite_post_id = p.id \
             AND p.author_id = u.id"
        )?,
        1
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM users WHERE favorite_post_id IS NOT NULL"
        )?,
        2
    );
    assert_eq!(
        query_i64(
            &db,
            "SELECT count(*) FROM comments WHERE parent_id IS NOT NULL"
        )?,
        1
    );

    // The foreign keys added after the tables hold: a post that does not exist
    // is refused, and nothing is written.
    {
        let mut session = db.session();
        let eve = session.add(User {
            name: "eve".into(),
            favorite_post_id: Some(999),
            ..User::default()
        });
        let err = session.commit().err();
        assert!(
            matches!(err, Some(Error::ForeignKeyViolation { .. })),
            "{err:?}"
        );
        assert_eq!(session[eve].id, None);
    }
    assert_eq!(query_i64(&db, "SELECT count(*) FROM users")?, 2);

    // Rows that reference each other do not stop drop_all.
    db.drop_all(&SCHEMA)?;
    assert_eq!(table_count(&db)?, 0);
    // And the schema can be made again.
    db.create_all(&SCHEMA)?;
    assert_eq!(table_count(&db)?, 3);
    Ok(())
}

/// `create_all` on a database that has some of the tables creates the others
/// and adds only their own deferred foreign keys.
fn create_all_keeps_existing_tables_of_a_cycle(engine: Engine) -> TestResult {
    let (_dir, db) = temp_db(engine)?;
    assert_eq!(db.create_missing(&SCHEMA)?.len(), 3);
    assert!(db.create_missing(&SCHEMA)?.is_empty());
    assert_eq!(db.drop_existing(&SCHEMA)?.len(), 3);
    assert!(db.drop_existing(&SCHEMA)?.is_empty());
    assert_eq!(table_count(&db)?, 0);
    Ok(())
}

engines!(
    rows_that_reference_each_other,
    create_all_keeps_existing_tables_of_a_cycle
);
