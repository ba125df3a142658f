//! The session at SQLAlchemy's depth (issue 15, points 1–5): the identity
//! map, autoflush, the save-update cascade through many-to-one attributes,
//! many-to-many changes written by the flush, and snapshots that leave loaded
//! collections alone. Statement counts are asserted throughout.

#[macro_use]
mod common;

use common::blog_models::{Author, Post};
use common::library_models as library;
use common::seed_models::{Role, User};
use common::{blog_db, library_db, seed_db, Engine, TestResult};
use litemodel::{Model, Query};

// ---- 1. identity map ----

fn loading_a_row_twice_gives_the_same_key(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch(
        "INSERT INTO roles (name) VALUES ('Admin'); INSERT INTO roles (name) VALUES ('User')",
    )?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let all = Role::query().order_by(Role::ID.asc());
    let first = counter.assert_statements(1, || s.load(&all))?;
    let again = counter.assert_statements(1, || s.load(&all))?;
    assert_eq!(first, again);
    let admin =
        counter.assert_statements(1, || s.load(&Role::query().filter(Role::NAME.eq("Admin"))))?;
    assert_eq!(admin, [first[0]]);
    assert_eq!(s[first[1]].name.as_deref(), Some("User"));
    // Loaded objects are clean: a commit with no change writes nothing.
    counter.assert_statements(0, || s.commit())?;
    Ok(())
}

fn a_loaded_row_keeps_the_sessions_changes(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Admin')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let keys = s.load(&Role::query())?;
    s[keys[0]].name = Some("Root".into());
    // A query through `&Session` (which cannot flush) returns the session's
    // object for the row, not the stale row.
    let seen = counter.assert_statements(1, || Role::query().all(&s))?;
    assert_eq!(seen[0].name.as_deref(), Some("Root"));
    let got = counter.assert_statements(0, || Role::get(&s, 1))?;
    assert_eq!(got.and_then(|r| r.name).as_deref(), Some("Root"));
    // Loading it again keeps the change (the session's object wins); the
    // autoflush wrote it first: BEGIN, UPDATE, then the SELECT.
    let again = counter.assert_statements(3, || s.load(&Role::query()))?;
    assert_eq!(again, keys);
    assert_eq!(s[keys[0]].name.as_deref(), Some("Root"));
    counter.assert_statements(1, || s.commit())?; // COMMIT
    Ok(())
}

fn find_of_a_held_row_runs_no_statement(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Admin')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let admin = counter.assert_statements(1, || s.find::<Role>(1))?;
    let again = counter.assert_statements(0, || s.find::<Role>(1))?;
    assert_eq!(admin, again);
    assert!(admin.is_some());
    assert_eq!(counter.assert_statements(1, || s.find::<Role>(7))?, None);
    // An object committed by the session is held too.
    let user = s.add(User::new("john"));
    s.commit()?;
    let id = s[user].id.ok_or("no id")?;
    assert_eq!(
        counter.assert_statements(0, || s.find::<User>(id))?,
        Some(user)
    );
    assert_eq!(
        counter
            .assert_statements(0, || User::get(&s, id))?
            .map(|u| u.username),
        Some(Some("john".to_owned()))
    );
    // Marked for deletion: gone for `find`, without a statement.
    if let Some(admin) = admin {
        s.delete(admin)?;
    }
    assert_eq!(counter.assert_statements(0, || s.find::<Role>(1))?, None);
    Ok(())
}

fn added_objects_with_a_loaded_id_share_the_key(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Admin')")?;
    let mut s = db.session();
    let loaded = s.load(&Role::query())?;
    let role = Role::query().one(&s)?;
    assert_eq!(s.add(role), loaded[0]);
    Ok(())
}

fn add_all_adds_each_object_as_add_does(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Admin')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let admin = s.load(&Role::query())?[0];
    let mut renamed = Role::query().one(&s)?;
    renamed.name = Some("Root".into());
    // A new object, and one with the id of a held row (it replaces it).
    let keys = s.add_all([Role::new("User"), renamed]);
    assert_eq!(keys[1], admin);
    let user = User::new("ann").with_role(keys[0]);
    let users = s.add_all(vec![user, User::new("bob")]);
    // BEGIN, INSERT role, UPDATE role, INSERT user ×2, COMMIT.
    counter.assert_statements(6, || s.commit())?;
    assert_eq!(s[keys[0]].id, Some(2));
    assert_eq!(s[users[0]].role_id, Some(2));
    assert_eq!(s[users[1]].role_id, None);
    let names: Vec<Option<String>> = Role::query()
        .order_by(Role::ID.asc())
        .all(&s)?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, [Some("Root".to_owned()), Some("User".to_owned())]);
    assert!(s.add_all(Vec::<User>::new()).is_empty());
    Ok(())
}

fn a_lazy_load_through_the_session_sees_its_changed_objects(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    {
        let mut s = db.session();
        let ann = s.add(Author::new("ann"));
        s.add(Post::new("draft", 0).with_author(ann));
        s.commit()?;
    }
    let counter = db.statement_counter();
    let mut s = db.session();
    let post = s.load(&Post::query())?[0];
    s[post].title = "final".into();
    let ann = Author::query().one(&s)?;
    // One SELECT for the collection; the held post comes back as changed.
    let titles: Vec<String> = counter.assert_statements(1, || {
        ann.posts(&s)
            .map(|posts| posts.iter().map(|p| p.title.clone()).collect())
    })?;
    assert_eq!(titles, ["final"]);
    Ok(())
}

fn loading_a_held_row_again_takes_what_the_query_loaded(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    {
        let mut s = db.session();
        let ann = s.add(Author::new("ann"));
        s.add(Post::new("p1", 0).with_author(ann));
        s.commit()?;
    }
    let counter = db.statement_counter();
    let mut s = db.session();
    let ann = s.load(&Author::query())?[0];
    s[ann].name = "anne".into();
    assert!(!s[ann].posts.is_loaded());
    // Author, then its posts (selectin): the held object keeps its change
    // (written by the autoflush: BEGIN, UPDATE) and takes the posts.
    let again = counter.assert_statements(4, || {
        s.load(&Author::query().options(Author::POSTS.selectin()))
    })?;
    assert_eq!(again, [ann]);
    assert_eq!(s[ann].name, "anne");
    assert_eq!(
        counter.assert_statements(0, || s[ann].posts(&s).map(<[_]>::len))?,
        1
    );
    // A post loaded with its author: the held post takes the parent.
    let post = s.load(&Post::query())?[0];
    s.load(&Post::query().options(Post::AUTHOR.joined()))?;
    let author = counter.assert_statements(0, || s[post].author(&s).map(|a| a.cloned()))?;
    assert_eq!(author.map(|a| a.name).as_deref(), Some("anne"));
    Ok(())
}

// ---- 2. autoflush ----

fn load_flushes_pending_objects_first(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let admin = s.add(Role::new("Admin"));
    // BEGIN, INSERT, then the SELECT sees the new row, as the same object.
    let found =
        counter.assert_statements(3, || s.load(&Role::query().filter(Role::NAME.eq("Admin"))))?;
    assert_eq!(found, [admin]);
    assert!(s[admin].id.is_some());
    // Nothing pending: the next query runs alone.
    counter.assert_statements(1, || s.load(&Role::query()))?;
    s.rollback()?;
    drop(s);
    assert_eq!(Role::query().count(&db)?, 0);
    Ok(())
}

fn no_autoflush_holds_pending_objects_back(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let admin = s.add(Role::new("Admin"));
    let seen = counter.assert_statements(1, || s.no_autoflush(|s| s.load(&Role::query())))?;
    assert!(seen.is_empty());
    assert_eq!(s[admin].id, None);
    // Nested blocks, then autoflush again after them.
    s.no_autoflush(|s| s.no_autoflush(|s| s.find::<Role>(1)))?;
    assert_eq!(s[admin].id, None);
    let seen = counter.assert_statements(3, || s.load(&Role::query()))?;
    assert_eq!(seen, [admin]);
    Ok(())
}

fn a_failing_autoflush_fails_the_query(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Admin')")?;
    let mut s = db.session();
    let twin = s.add(Role::new("Admin"));
    let err = s.load(&Role::query()).err().ok_or("expected an error")?;
    assert!(
        matches!(err, litemodel::Error::UniqueViolation { .. }),
        "{err:?}"
    );
    // The object is pending again, as after any failed flush.
    assert_eq!(s[twin].id, None);
    s.expunge(twin);
    assert_eq!(s.load(&Role::query())?.len(), 1);
    Ok(())
}

// ---- 3. save-update cascade through many-to-one attributes ----

fn a_new_parent_of_a_new_child_is_inserted_first(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let fred = s.add(User::new("fred").with_role(Role::new("Unsaved")));
    // Readable through the attribute before the flush.
    assert_eq!(format!("{:?}", s[fred].role(&s)?), "Some(<Role 'Unsaved'>)");
    // BEGIN, INSERT role, INSERT user, COMMIT.
    counter.assert_statements(4, || s.commit())?;
    let role = s.find::<Role>(s[fred].role_id.ok_or("no role_id")?)?;
    let role = role.ok_or("the role is not in the session")?;
    assert_eq!(s[role].name.as_deref(), Some("Unsaved"));
    assert_eq!(format!("{:?}", s[fred].role(&s)?), "Some(<Role 'Unsaved'>)");
    drop(s);
    assert_eq!(Role::query().count(&db)?, 1);
    Ok(())
}

fn a_new_parent_set_on_a_loaded_child(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO users (username) VALUES ('fred')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let fred = s.load(&User::query())?[0];
    s[fred].set_role(Role::new("Late"));
    // BEGIN, INSERT role, UPDATE user, COMMIT.
    counter.assert_statements(4, || s.commit())?;
    drop(s);
    let fred = User::query().one(&db)?;
    let role = fred.role(&db)?.ok_or("no role")?;
    assert_eq!(role.name.as_deref(), Some("Late"));
    Ok(())
}

fn a_chain_of_new_parents_is_inserted_in_order(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let book = library::Book::new("Rust").with_author(library::Author::new("ann"));
    let chapter = s.add(library::Chapter::new(1).with_book(book));
    // BEGIN, INSERT author, INSERT book, INSERT chapter, COMMIT.
    counter.assert_statements(5, || s.commit())?;
    let book_id = s[chapter].book_id.ok_or("no book_id")?;
    drop(s);
    let book = library::Book::get(&db, book_id)?.ok_or("no book")?;
    let author = book.author(&db)?.ok_or("no author")?;
    assert_eq!(author.name, "ann");
    Ok(())
}

fn a_failed_flush_keeps_the_new_parent_pending(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.execute_batch("INSERT INTO roles (name) VALUES ('Taken')")?;
    let mut s = db.session();
    let fred = s.add(User::new("fred").with_role(Role::new("Taken")));
    assert!(matches!(
        s.commit(),
        Err(litemodel::Error::UniqueViolation { .. })
    ));
    // The cascade added the role: fix it through the session and commit.
    let role = s[fred].role.pending_key().ok_or("no pending role")?;
    s[role].name = Some("Free".into());
    s.commit()?;
    assert_eq!(s[fred].role_id, s[role].id);
    Ok(())
}

// ---- 4. many-to-many through the unit of work ----

fn links(db: &litemodel::Database) -> TestResult<i64> {
    common::query_i64(db, "SELECT count(*) FROM book_tags")
}

fn linking_two_pending_objects_is_written_at_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let book = s.add(library::Book::new("Rust"));
    let fast = s.add(library::Tag::new("fast"));
    counter.assert_statements(0, || s.link(library::Book::TAGS, book, fast))?;
    counter.assert_statements(0, || s.link(library::Book::TAGS, book, fast))?;
    // BEGIN, INSERT book, INSERT tag, 2 x INSERT book_tags (the second links
    // nothing: linking twice is once), COMMIT.
    counter.assert_statements(6, || s.commit())?;
    assert_eq!(links(s.database())?, 1);
    let tags = s[book].tags(&s)?;
    assert_eq!(format!("{tags:?}"), "[<Tag 'fast'>]");
    Ok(())
}

fn appending_a_new_object_adds_and_links_it(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let book = s.add(library::Book::new("Rust"));
    s[book].tags.append(library::Tag::new("new"));
    // BEGIN, INSERT book, INSERT tag (the save-update cascade), INSERT
    // book_tags, COMMIT.
    counter.assert_statements(5, || s.commit())?;
    drop(s);
    let book = library::Book::query().one(&db)?;
    assert_eq!(format!("{:?}", book.tags(&db)?), "[<Tag 'new'>]");
    Ok(())
}

fn appending_a_saved_object_to_a_pending_one(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    db.execute_batch("INSERT INTO tags (name) VALUES ('old')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let old = library::Tag::query().one(&s)?;
    let book = s.add(library::Book::new("Rust"));
    s[book].tags.append(old);
    // BEGIN, INSERT book, INSERT book_tags, COMMIT: the tag is linked by id.
    counter.assert_statements(4, || s.commit())?;
    // The other side: a loaded tag's backref collection, a pending book.
    let tag = s.load(&library::Tag::query())?[0];
    s[tag].books.append(library::Book::new("SQL"));
    counter.assert_statements(4, || s.commit())?; // BEGIN, INSERT book, INSERT book_tags, COMMIT
    assert_eq!(links(s.database())?, 2);
    Ok(())
}

fn removing_from_a_loaded_collection_deletes_the_row_at_flush(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    {
        let mut s = db.session();
        let book = s.add(library::Book::new("Rust"));
        let fast = s.add(library::Tag::new("fast"));
        let safe = s.add(library::Tag::new("safe"));
        s.link(library::Book::TAGS, book, fast)?;
        s.link(library::Book::TAGS, book, safe)?;
        s.commit()?;
    }
    let counter = db.statement_counter();
    let mut s = db.session();
    let book = s.load(&library::Book::query().options(library::Book::TAGS.selectin()))?[0];
    let removed = counter.assert_statements(0, || s[book].tags.remove(|t| t.name == "fast"));
    assert_eq!(removed, 1);
    // BEGIN, DELETE FROM book_tags, COMMIT; the book itself is unchanged.
    counter.assert_statements(3, || s.commit())?;
    assert_eq!(links(s.database())?, 1);
    // Through the session, with a loaded object as the target.
    let safe = library::Tag::query()
        .filter(library::Tag::NAME.eq("safe"))
        .one(&s)?;
    s.unlink(library::Book::TAGS, book, &safe)?;
    counter.assert_statements(3, || s.commit())?;
    assert_eq!(links(s.database())?, 0);
    Ok(())
}

fn a_failed_commit_keeps_links_pending(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    db.execute_batch("INSERT INTO tags (name) VALUES ('taken')")?;
    let mut s = db.session();
    let book = s.add(library::Book::new("Rust"));
    let fast = s.add(library::Tag::new("fast"));
    s.link(library::Book::TAGS, book, fast)?;
    let twin = s.add(library::Tag::new("taken"));
    assert!(matches!(
        s.commit(),
        Err(litemodel::Error::UniqueViolation { .. })
    ));
    assert_eq!((s[book].id, s[fast].id), (None, None));
    s.expunge(twin);
    s.commit()?;
    assert_eq!(links(s.database())?, 1);
    Ok(())
}

fn a_link_needs_a_key_or_a_saved_object(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let book = s.add(library::Book::new("Rust"));
    let err = s
        .link(library::Book::TAGS, book, &library::Tag::new("loose"))
        .err();
    assert!(
        matches!(err, Some(litemodel::Error::NotPersistent { table: "tags" })),
        "{err:?}"
    );
    // A pending object expunged before the flush has no row to link.
    let gone = s.add(library::Tag::new("gone"));
    s.link(library::Book::TAGS, book, gone)?;
    s.expunge(gone);
    let err = s.commit().err();
    assert!(
        matches!(err, Some(litemodel::Error::NotPersistent { table: "tags" })),
        "{err:?}"
    );
    Ok(())
}

// ---- 5. snapshots ----

fn changing_an_object_does_not_copy_its_loaded_collection(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    {
        let mut s = db.session();
        let ann = s.add(Author::new("ann"));
        for i in 0..3 {
            s.add(Post::new(format!("p{i}"), i).with_author(ann));
        }
        s.commit()?;
    }
    let counter = db.statement_counter();
    let mut s = db.session();
    let keys = s.load(&Author::query().options(Author::POSTS.selectin()))?;
    let ann = keys[0];
    assert_eq!(s[ann].posts(&s)?.len(), 3);
    // The snapshot holds the columns only.
    let snapshot = s[ann].snapshot();
    assert!(!snapshot.posts.is_loaded());
    assert_eq!(snapshot, s[ann]);
    s[ann].name = "anne".into();
    // The object keeps its collection; the flush sees the change.
    assert_eq!(
        counter.assert_statements(0, || s[ann].posts(&s).map(<[_]>::len))?,
        3
    );
    counter.assert_statements(3, || s.commit())?; // BEGIN, UPDATE, COMMIT
    drop(s);
    assert_eq!(Author::query().one(&db)?.name, "anne");
    Ok(())
}

fn a_borrow_that_changes_nothing_writes_nothing(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    db.execute_batch("INSERT INTO authors (name) VALUES ('ann')")?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let ann = s.load(&Author::query())?[0];
    let name = s[ann].name.clone();
    s[ann].name = name;
    counter.assert_statements(0, || s.commit())?;
    Ok(())
}

engines!(
    loading_a_row_twice_gives_the_same_key,
    a_loaded_row_keeps_the_sessions_changes,
    find_of_a_held_row_runs_no_statement,
    added_objects_with_a_loaded_id_share_the_key,
    add_all_adds_each_object_as_add_does,
    a_lazy_load_through_the_session_sees_its_changed_objects,
    loading_a_held_row_again_takes_what_the_query_loaded,
    load_flushes_pending_objects_first,
    no_autoflush_holds_pending_objects_back,
    a_failing_autoflush_fails_the_query,
    a_new_parent_of_a_new_child_is_inserted_first,
    a_new_parent_set_on_a_loaded_child,
    a_chain_of_new_parents_is_inserted_in_order,
    a_failed_flush_keeps_the_new_parent_pending,
    linking_two_pending_objects_is_written_at_flush,
    appending_a_new_object_adds_and_links_it,
    appending_a_saved_object_to_a_pending_one,
    removing_from_a_loaded_collection_deletes_the_row_at_flush,
    a_failed_commit_keeps_links_pending,
    a_link_needs_a_key_or_a_saved_object,
    changing_an_object_does_not_copy_its_loaded_collection,
    a_borrow_that_changes_nothing_writes_nothing,
);

#[test]
fn query_type_is_used() {
    // Keeps the `Query` import honest in every configuration.
    let _ = Query::<Role>::new();
}
