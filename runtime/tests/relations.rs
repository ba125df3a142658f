//! Relationships in both lazy modes, with statement counts.

#[macro_use]
mod common;

use common::blog_models::{Author, Post};
use common::seed_models::{Role, User};
use common::{blog_db, seed_db, Engine, TestResult};
use litemodel::Error;

fn dynamic_relationship_is_a_refinable_query(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("User"));
    let other = s.add(Role::new("Other"));
    s.add_all([
        User::new("susan").with_role(role),
        User::new("david").with_role(role),
        User::new("zed").with_role(other),
    ]);
    s.commit()?;
    let role = &s[role];
    let users = role.users().order_by(User::USERNAME.asc()).all(&s)?;
    assert_eq!(format!("{users:?}"), "[<User 'david'>, <User 'susan'>]");
    assert_eq!(role.users().count(&s)?, 2);
    let filtered = role.users().filter(User::USERNAME.like("s%")).all(&s)?;
    assert_eq!(format!("{filtered:?}"), "[<User 'susan'>]");
    let limited = role
        .users()
        .order_by(User::USERNAME.desc())
        .limit(1)
        .all(&s)?;
    assert_eq!(format!("{limited:?}"), "[<User 'susan'>]");
    // Every call runs a fresh query.
    let counter = s.database().statement_counter();
    counter.assert_statements(2, || -> litemodel::Result<()> {
        role.users().all(&s)?;
        role.users().all(&s)?;
        Ok(())
    })?;
    // An unsaved role has no users.
    assert!(Role::new("new").users().all(&s)?.is_empty());
    Ok(())
}

/// SQLite: a lazy load runs the relationship's fixed statement (taken from
/// the connection by the relationship's identity), not a query rendered and
/// looked up by its text on each load; the same text built as a query is a
/// statement of its own.
#[test]
fn a_lazy_load_runs_the_relationship_s_fixed_statement() -> TestResult {
    let (_dir, mut db) = blog_db(Engine::Sqlite)?;
    db.transaction(|s| {
        let ann = s.add(Author::new("ann"));
        let bob = s.add(Author::new("bob"));
        s.add_all([
            Post::new("first", 1).with_author(ann),
            Post::new("second", 2).with_author(ann),
            Post::new("third", 3).with_author(bob),
        ]);
        Ok::<_, Error>(())
    })?;
    let authors = Author::query().order_by(Author::NAME.asc()).all(&db)?;
    let counter = db.statement_counter();
    let counts = counter.assert_statements(2, || -> litemodel::Result<Vec<usize>> {
        authors.iter().map(|a| Ok(a.posts(&db)?.len())).collect()
    })?;
    assert_eq!(counts, [2, 1]);
    let sql = Author::POSTS.query(&authors[0]).to_sql();
    assert_eq!(db.statement_runs(&sql), None, "{sql}");
    Author::POSTS.query(&authors[0]).all(&db)?;
    assert_eq!(db.statement_runs(&sql), Some(1), "{sql}");
    Ok(())
}

fn select_relationship_loads_once_and_caches(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    db.transaction(|s| {
        let ann = s.add(Author::new("ann"));
        s.add_all([
            Post::new("first", 1).with_author(ann),
            Post::new("second", 2).with_author(ann),
        ]);
        s.add(Author::new("bob"));
        Ok::<_, Error>(())
    })?;
    let counter = db.statement_counter();
    let ann = Author::query().filter_by(Author::NAME, "ann").one(&db)?;
    let posts = counter.assert_statements(1, || ann.posts(&db))?;
    assert_eq!(format!("{posts:?}"), "[<Post 'first'>, <Post 'second'>]");
    // Second access: served from the cache, no statement.
    let again = counter.assert_statements(0, || ann.posts(&db))?;
    assert_eq!(again.len(), 2);
    // The cache travels with clones and does not affect equality.
    let copy = ann.clone();
    counter.assert_statements(0, || copy.posts(&db))?;
    let fresh = Author::query().filter_by(Author::NAME, "ann").one(&db)?;
    assert_eq!(fresh, ann);
    assert!(!fresh.posts.is_loaded() && ann.posts.is_loaded());
    // Reset forgets it.
    let mut reset = ann.clone();
    reset.posts.reset();
    counter.assert_statements(1, || reset.posts(&db))?;
    // No posts: an empty, cached list.
    let bob = Author::query().filter_by(Author::NAME, "bob").one(&db)?;
    assert!(counter.assert_statements(1, || bob.posts(&db))?.is_empty());
    assert!(counter.assert_statements(0, || bob.posts(&db))?.is_empty());
    // Unsaved: empty without a query.
    let unsaved = Author::new("x");
    assert!(counter
        .assert_statements(0, || unsaved.posts(&db))?
        .is_empty());
    Ok(())
}

fn many_to_one_loads_once_and_caches(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        let admin = s.add(Role::new("Admin"));
        s.add(User::new("john").with_role(admin));
        s.add(User::new("nobody"));
        Ok::<_, Error>(())
    })?;
    let counter = db.statement_counter();
    let john = User::query().filter_by(User::USERNAME, "john").one(&db)?;
    let role = counter.assert_statements(1, || john.role(&db))?;
    assert_eq!(format!("{role:?}"), "Some(<Role 'Admin'>)");
    counter.assert_statements(0, || john.role(&db))?;
    // No foreign key: no query, no parent.
    let nobody = User::query().filter_by(User::USERNAME, "nobody").one(&db)?;
    assert!(counter.assert_statements(0, || nobody.role(&db))?.is_none());
    Ok(())
}

fn many_to_one_can_point_at_a_pending_object(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let role = s.add(Role::new("pending"));
    let user = s.add(User::new("u").with_role(role));
    // Before commit: read from the session, no query, no id yet.
    let parent = counter.assert_statements(0, || s[user].role(&s))?;
    assert_eq!(format!("{parent:?}"), "Some(<Role 'pending'>)");
    assert_eq!(s[user].role.pending_key(), Some(role));
    s.commit()?;
    assert_eq!(s[user].role_id, s[role].id);
    // A loaded copy outside the session loads the parent by its key.
    let copy = s[user].clone();
    drop(s);
    let loaded = copy.role(&db)?.and_then(|r| r.name.clone());
    assert_eq!(loaded.as_deref(), Some("pending"));
    Ok(())
}

fn reassigning_a_parent_updates_the_foreign_key(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let a = s.add(Role::new("a"));
    let user = s.add(User::new("u").with_role(a));
    s.commit()?;
    // Re-link a saved user to a new, pending role.
    let b = s.add(Role::new("b"));
    s[user].set_role(b);
    s.commit()?;
    assert_eq!(s[user].role_id, s[b].id);
    let stored = User::query().one(&s)?;
    assert_eq!(stored.role_id, s[b].id);
    // Clear it.
    s[user].set_role(litemodel::Link::None);
    s.commit()?;
    assert_eq!(User::query().one(&s)?.role_id, None);
    Ok(())
}

engines!(
    dynamic_relationship_is_a_refinable_query,
    select_relationship_loads_once_and_caches,
    many_to_one_loads_once_and_caches,
    many_to_one_can_point_at_a_pending_object,
    reassigning_a_parent_updates_the_foreign_key,
);
