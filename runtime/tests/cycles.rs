//! Tables whose foreign keys form a cycle (`users.favorite_post_id` -> posts,
//! `posts.author_id` -> users): `create_all` makes them on both engines (on
//! PostgreSQL the cycle's foreign keys are added after the tables, as SQLAlchemy
//! does), rows that reference each other are written through a session, the
//! foreign keys hold, and `drop_all` removes everything, rows and all.
//!
//! `User.favorite_post` has `post_update` (SQLAlchemy's `post_update=True`): a new
//! user and their new favourite post go in with one flush, the user's key written by
//! an UPDATE after the INSERTs, and out with one flush, the key cleared by an UPDATE
//! before the DELETEs; a failed flush leaves the objects as they were.

#[macro_use]
mod common;

use common::cycles_models::{Comment, Post, User, SCHEMA};
use common::{query_i64, temp_db, Engine, TestResult};
use litemodel::{Database, Error, Key, Session};

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

/// A new user whose favourite post is their own new post, both pending: the user
/// by `set_favorite_post` (a `post_update` link), the post by `with_author`.
fn user_with_own_post(session: &mut Session<'_>, name: &str) -> (Key<User>, Key<Post>) {
    let user = session.add(User {
        name: name.into(),
        ..User::default()
    });
    let post = session.add(
        Post {
            title: format!("{name}'s post"),
            ..Post::default()
        }
        .with_author(user),
    );
    session[user].set_favorite_post(post);
    (user, post)
}

/// The users whose favourite post is a post they wrote.
fn users_on_their_own_post(db: &Database) -> TestResult<i64> {
    query_i64(
        db,
        "SELECT count(*) FROM users u JOIN posts p ON u.favorite_post_id = p.id \
         AND p.author_id = u.id",
    )
}

fn new_rows_that_reference_each_other_go_in_with_one_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let counter = db.statement_counter();
    let mut session = db.session();
    let (ann, post) = user_with_own_post(&mut session, "ann");
    // BEGIN, INSERT users (favorite_post_id NULL), INSERT posts,
    // UPDATE users SET favorite_post_id, COMMIT.
    counter.assert_statements(5, || session.commit())?;
    let (ann_id, post_id) = (session[ann].id, session[post].id);
    assert!(ann_id.is_some() && post_id.is_some());
    assert_eq!(session[ann].favorite_post_id, post_id);
    assert_eq!(session[post].author_id, ann_id);
    // The object matches its row: nothing left to write.
    counter.assert_statements(0, || session.commit())?;

    // Added the other way round (the posts' INSERTs come first and wait for
    // their author): the same statements.
    let post = session.add(Post {
        title: "bob's post".into(),
        ..Post::default()
    });
    let bob = session.add(User {
        name: "bob".into(),
        ..User::default()
    });
    session[post].set_author(bob);
    session[bob].set_favorite_post(post);
    counter.assert_statements(5, || session.commit())?;
    assert_eq!(session[bob].favorite_post_id, session[post].id);
    drop(session);
    assert_eq!(users_on_their_own_post(&db)?, 2);
    Ok(())
}

/// A `post_update` parent that had an id before the flush is written by the
/// INSERT: no UPDATE.
fn a_saved_parent_goes_in_the_insert(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let counter = db.statement_counter();
    let mut session = db.session();
    let post = session.add(Post {
        title: "Hello".into(),
        ..Post::default()
    });
    session.commit()?;
    let cid = session.add(User {
        name: "cid".into(),
        ..User::default()
    });
    session[cid].set_favorite_post(post);
    // BEGIN, INSERT users, COMMIT.
    counter.assert_statements(3, || session.commit())?;
    assert_eq!(session[cid].favorite_post_id, session[post].id);
    // A saved object pointed at a new parent: its UPDATE writes the key, after
    // the parent's INSERT, as without `post_update`.
    let newer = session.add(Post {
        title: "Newer".into(),
        ..Post::default()
    });
    session[cid].set_favorite_post(newer);
    // BEGIN, INSERT posts, UPDATE users, COMMIT.
    counter.assert_statements(4, || session.commit())?;
    assert_eq!(session[cid].favorite_post_id, session[newer].id);
    Ok(())
}

fn rows_that_reference_each_other_go_out_with_one_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let (ann_id, post_id) = {
        let mut session = db.session();
        let (ann, post) = user_with_own_post(&mut session, "ann");
        user_with_own_post(&mut session, "bob");
        session.commit()?;
        (
            session[ann].id.ok_or("ann has an id")?,
            session[post].id.ok_or("the post has an id")?,
        )
    };
    let counter = db.statement_counter();
    let mut session = db.session();
    // The post first: its DELETE runs before the user's, while the user still
    // names it as favourite (PostgreSQL checks that at once).
    let post = session.find::<Post>(post_id)?.ok_or("the post")?;
    let ann = session.find::<User>(ann_id)?.ok_or("ann")?;
    session.delete(post)?;
    session.delete(ann)?;
    // BEGIN, UPDATE users SET favorite_post_id = NULL, the deferral of the
    // foreign keys, DELETE posts, UPDATE posts SET author_id = NULL (ann's
    // `posts`, which do not cascade), DELETE users, COMMIT.
    counter.assert_statements(7, || session.commit())?;
    // A deleted object keeps its values.
    assert_eq!(session[ann].favorite_post_id, Some(post_id));
    drop(session);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM users")?, 1);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM posts")?, 1);
    assert_eq!(users_on_their_own_post(&db)?, 1);

    // The user first: the same statements.
    let (bob_id, bob_post_id) = (
        query_i64(&db, "SELECT id FROM users")?,
        query_i64(&db, "SELECT id FROM posts")?,
    );
    let mut session = db.session();
    let bob = session.find::<User>(bob_id)?.ok_or("bob")?;
    let post = session.find::<Post>(bob_post_id)?.ok_or("bob's post")?;
    session.delete(bob)?;
    session.delete(post)?;
    counter.assert_statements(7, || session.commit())?;
    drop(session);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM users")?, 0);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM posts")?, 0);
    Ok(())
}

/// A flush that fails after its post-updates (a later UPDATE breaks a foreign
/// key) is undone in the database and in the session: the new objects are new
/// again, their keys as before, and the next commit writes them.
fn a_failed_flush_restores_the_objects(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let eve_id = {
        let mut session = db.session();
        let eve = session.add(User {
            name: "eve".into(),
            ..User::default()
        });
        session.commit()?;
        session[eve].id.ok_or("eve has an id")?
    };
    let counter = db.statement_counter();
    let mut session = db.session();
    let eve = session.find::<User>(eve_id)?.ok_or("eve")?;
    session[eve].favorite_post_id = Some(999);
    let (ann, post) = user_with_own_post(&mut session, "ann");
    let err = session.commit().err();
    assert!(
        matches!(err, Some(Error::ForeignKeyViolation { .. })),
        "{err:?}"
    );
    assert_eq!(
        (session[ann].id, session[ann].favorite_post_id),
        (None, None)
    );
    assert_eq!((session[post].id, session[post].author_id), (None, None));
    assert_eq!(session[ann].favorite_post.pending_key(), Some(post));
    assert_eq!(session[post].author.pending_key(), Some(ann));

    session[eve].favorite_post_id = None;
    // BEGIN, INSERT users, INSERT posts, UPDATE users (ann's post-update),
    // COMMIT; eve is as her row is.
    counter.assert_statements(5, || session.commit())?;
    assert_eq!(session[ann].favorite_post_id, session[post].id);
    drop(session);
    assert_eq!(users_on_their_own_post(&db)?, 1);
    assert_eq!(query_i64(&db, "SELECT count(*) FROM users")?, 2);
    Ok(())
}

/// A flush whose second post-update fails (a trigger refuses it) is undone,
/// the first post-update included: both pairs are new again, and go in once
/// the trigger is gone.
fn a_failed_post_update_restores_the_objects(engine: Engine) -> TestResult {
    let (_dir, mut db) = temp_db(engine)?;
    db.create_all(&SCHEMA)?;
    let (refuse, allow) = if db.sqlite().is_some() {
        (
            "CREATE TRIGGER refuse_bob BEFORE UPDATE OF favorite_post_id ON users \
             WHEN NEW.name = 'bob' AND NEW.favorite_post_id IS NOT NULL \
             BEGIN SELECT RAISE(ABORT, 'bob keeps no favourite'); END",
            "DROP TRIGGER refuse_bob",
        )
    } else {
        (
            "CREATE FUNCTION refuse_bob() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'bob keeps no favourite'; END $$; \
             CREATE TRIGGER refuse_bob BEFORE UPDATE OF favorite_post_id ON users \
             FOR EACH ROW WHEN (NEW.name = 'bob' AND NEW.favorite_post_id IS NOT NULL) \
             EXECUTE FUNCTION refuse_bob()",
            "DROP TRIGGER refuse_bob ON users",
        )
    };
    db.execute_batch(refuse)?;
    let counter = db.statement_counter();
    let mut session = db.session();
    let (ann, ann_post) = user_with_own_post(&mut session, "ann");
    let (bob, bob_post) = user_with_own_post(&mut session, "bob");
    assert!(session.commit().is_err());
    for user in [ann, bob] {
        assert_eq!(
            (session[user].id, session[user].favorite_post_id),
            (None, None)
        );
    }
    for post in [ann_post, bob_post] {
        assert_eq!((session[post].id, session[post].author_id), (None, None));
    }
    assert_eq!(session[ann].favorite_post.pending_key(), Some(ann_post));

    session.database().execute_batch(allow)?;
    // BEGIN, 2 x INSERT users, 2 x INSERT posts, 2 x UPDATE users, COMMIT.
    counter.assert_statements(8, || session.commit())?;
    assert_eq!(session[bob].favorite_post_id, session[bob_post].id);
    drop(session);
    assert_eq!(users_on_their_own_post(&db)?, 2);
    Ok(())
}

engines!(
    a_failed_post_update_restores_the_objects,
    rows_that_reference_each_other,
    create_all_keeps_existing_tables_of_a_cycle,
    new_rows_that_reference_each_other_go_in_with_one_flush,
    a_saved_parent_goes_in_the_insert,
    rows_that_reference_each_other_go_out_with_one_flush,
    a_failed_flush_restores_the_objects
);
