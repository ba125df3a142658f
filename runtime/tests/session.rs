//! The unit of work: add, delete, flush, commit, rollback, and how failures
//! leave the database and the session.

#[macro_use]
mod common;

use common::blog_models::{Author, Post};
use common::seed_models::{Role, User};
use common::{blog_db, seed_db, Engine, TestResult};
use litemodel::{Database, Error, Query};

fn count<M: litemodel::Model>(db: &Database) -> TestResult<u64> {
    Ok(Query::<M>::new().count(db)?)
}

fn add_and_commit_assigns_ids(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let keys = s.add_all([Role::new("a"), Role::new("b")]);
    assert_eq!(s[keys[0]].id, None);
    s.commit()?;
    assert_eq!((s[keys[0]].id, s[keys[1]].id), (Some(1), Some(2)));
    drop(s);
    assert_eq!(count::<Role>(&db)?, 2);
    Ok(())
}

fn commit_inserts_parents_first_whatever_the_add_order(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    // The user type is registered with the session before the role type,
    // and the link is set after both were added.
    let early = s.add(User::new("early"));
    let role = s.add(Role::new("late role"));
    s[early].set_role(role);
    let child = s.add(User::new("child").with_role(role));
    // BEGIN, 1 role insert, 2 user inserts, COMMIT.
    counter.assert_statements(5, || s.commit())?;
    let role_id = s[role].id;
    assert!(role_id.is_some());
    assert_eq!(s[early].role_id, role_id);
    assert_eq!(s[child].role_id, role_id);
    Ok(())
}

fn chains_of_pending_parents_resolve(engine: Engine) -> TestResult {
    let (_dir, mut db) = blog_db(engine)?;
    let mut s = db.session();
    let author = s.add(Author::new("ann"));
    let post = s.add(Post::new("hello", 1).with_author(author));
    s.commit()?;
    assert_eq!(s[post].author_id, s[author].id);
    // The backref reads the session's object while the key is held.
    assert_eq!(format!("{:?}", s[post].author(&s)?), "Some(<Author 'ann'>)");
    Ok(())
}

fn flush_writes_without_committing(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    {
        let mut s = db.session();
        let role = s.add(Role::new("flushed"));
        s.flush()?;
        assert_eq!(s[role].id, Some(1));
        // Visible inside the session's transaction...
        assert_eq!(Role::query().count(&s)?, 1);
        // ...and rolled back when the session is dropped.
    }
    assert_eq!(count::<Role>(&db)?, 0);
    Ok(())
}

fn empty_commit_runs_no_statement(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let role = s.add(Role::new("x"));
    s.commit()?;
    // A clean persistent object is not written again.
    counter.assert_statements(0, || s.commit())?;
    s[role].name = Some("y".into());
    // BEGIN, UPDATE, COMMIT.
    counter.assert_statements(3, || s.commit())?;
    Ok(())
}

fn a_failed_flush_puts_back_the_keys_it_filled_in(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("r"));
    let first = s.add(User::new("ann").with_role(role));
    let second = s.add(User::new("ann").with_role(role)); // duplicate username
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    // `first` was inserted (id and role_id filled in) before `second` failed.
    for key in [first, second] {
        assert_eq!((s[key].id, s[key].role_id), (None, None));
    }
    assert_eq!(s[role].id, None);

    s[second].username = Some("bob".into());
    s.commit()?;
    assert_eq!(s[first].role_id, s[role].id);
    assert_eq!(s[second].role_id, s[role].id);
    assert_eq!(User::query().count(&s)?, 2);
    Ok(())
}

fn a_failed_update_puts_back_the_keys_it_filled_in(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let old = s.add(Role::new("old"));
    let ann = s.add(User::new("ann").with_role(old));
    s.add(User::new("bob"));
    s.commit()?;
    let old_id = s[old].id;
    // Move ann to a new role and give her bob's name: the role is inserted,
    // then her UPDATE fails.
    let new = s.add(Role::new("new"));
    s[ann].set_role(new);
    s[ann].username = Some("bob".into());
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    assert_eq!(s[new].id, None);
    assert_eq!(s[ann].role_id, old_id, "foreign key as before the commit");
    s[ann].username = Some("ann".into());
    s.commit()?;
    assert_eq!(s[ann].role_id, s[new].id);
    drop(s);
    let ann = User::query().filter(User::USERNAME.eq("ann")).one(&db)?;
    // A PostgreSQL sequence does not roll back: the failed commit used id 2.
    let expected = match engine {
        Engine::Sqlite => 2,
        Engine::Postgres => 3,
    };
    assert_eq!(ann.role_id, Some(expected));
    Ok(())
}

fn only_objects_that_differ_from_their_row_are_written(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    let role = s.add(Role::new("x"));
    let user = s.add(User::new("u").with_role(role));
    s.commit()?;

    // Borrowed mutably, left as it was: nothing to write.
    let name = s[role].name.clone();
    s[role].name = name;
    counter.assert_statements(0, || s.commit())?;

    // Changed, then changed back before the flush: nothing to write.
    s[user].username = Some("v".into());
    s[user].username = Some("u".into());
    counter.assert_statements(0, || s.commit())?;

    // Replaced by an equal copy (`session.add` of the same id): nothing to write.
    let copy = s[user].clone();
    s.add(copy);
    counter.assert_statements(0, || s.commit())?;

    // A change after a commit is written once; the next commit is empty again.
    s[user].username = Some("w".into());
    counter.assert_statements(3, || s.commit())?;
    counter.assert_statements(0, || s.commit())?;
    drop(s);
    assert_eq!(User::query().one(&db)?.username.as_deref(), Some("w"));
    Ok(())
}

fn a_change_that_failed_to_flush_is_written_by_the_next_commit(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let a = s.add(Role::new("a"));
    let b = s.add(Role::new("b"));
    s.commit()?;
    s[b].name = Some("a".into()); // violates UNIQUE
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    // The session still knows `b` differs from its row.
    assert_eq!(s[b].name.as_deref(), Some("a"));
    s[a].name = Some("c".into());
    s.commit()?;
    drop(s);
    let names: Vec<_> = Role::query()
        .order_by(Role::ID.asc())
        .all(&db)?
        .into_iter()
        .map(|r| r.name)
        .collect();
    assert_eq!(names, [Some("c".to_owned()), Some("a".to_owned())]);
    Ok(())
}

fn loaded_objects_are_updated_when_added_back(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        s.add(Role::new("Admin"));
        Ok::<_, Error>(())
    })?;
    let mut admin = Role::query().one(&db)?;
    admin.name = Some("Administrator".into());
    db.transaction(|s| {
        s.add(admin.clone());
        Ok::<_, Error>(())
    })?;
    assert_eq!(
        Role::query().one(&db)?.name.as_deref(),
        Some("Administrator")
    );
    Ok(())
}

fn adding_an_object_with_an_unknown_id_inserts_it(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        s.add(Role {
            id: Some(42),
            name: Some("explicit".into()),
        });
        Ok::<_, Error>(())
    })?;
    assert_eq!(
        Role::query().get(&db, 42)?.and_then(|r| r.name),
        Some("explicit".into())
    );
    Ok(())
}

fn adding_the_same_id_twice_gives_the_same_key(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let key = s.add(Role::new("r"));
    s.commit()?;
    let mut copy = s[key].clone();
    copy.name = Some("renamed".into());
    assert_eq!(s.add(copy), key);
    s.commit()?;
    assert_eq!(Role::query().one(&s)?.name.as_deref(), Some("renamed"));
    Ok(())
}

fn delete_by_key_and_by_loaded_object(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let keys = s.add_all([Role::new("a"), Role::new("b"), Role::new("c")]);
    s.commit()?;
    s.delete(keys[0])?;
    let b = Role::query().filter_by(Role::NAME, "b").one(&s)?;
    s.delete(&b)?;
    s.commit()?;
    let left = Role::query().all(&s)?;
    assert_eq!(format!("{left:?}"), "[<Role 'c'>]");
    // Deleted objects stay readable.
    assert_eq!(s[keys[0]].name.as_deref(), Some("a"));
    // A pending object is simply forgotten.
    let pending = s.add(Role::new("never"));
    s.delete(pending)?;
    assert!(s.get(pending).is_none());
    s.commit()?;
    assert_eq!(Role::query().count(&s)?, 1);
    // An object without an id cannot be deleted.
    assert!(matches!(
        s.delete(&Role::new("x")),
        Err(Error::NotPersistent { table: "roles" })
    ));
    Ok(())
}

fn parent_and_children_deleted_together_in_any_order(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("r"));
    let user = s.add(User::new("u").with_role(role));
    s.commit()?;
    s.delete(role)?;
    s.delete(user)?;
    s.commit()?;
    assert_eq!(User::query().count(&s)?, 0);
    assert_eq!(Role::query().count(&s)?, 0);
    Ok(())
}

fn deleting_a_parent_detaches_its_children_like_sqlalchemy(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("r"));
    s.add(User::new("u").with_role(role));
    s.commit()?;
    // Without a `delete` cascade, SQLAlchemy sets the children's foreign key to NULL.
    s.delete(role)?;
    s.commit()?;
    assert_eq!(Role::query().count(&s)?, 0);
    let user = User::query().one(&s)?;
    assert_eq!(user.role_id, None);
    Ok(())
}

fn deleting_a_parent_still_referenced_elsewhere_fails_at_commit_and_restores(
    engine: Engine,
) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    // A table the models do not know references roles: nothing detaches it.
    db.execute_batch("CREATE TABLE grants (role_id INTEGER REFERENCES roles (id)); ")?;
    let mut s = db.session();
    let role = s.add(Role::new("r"));
    s.commit()?;
    s.database()
        .execute_batch("INSERT INTO grants (role_id) VALUES (1)")?;
    s.delete(role)?;
    let err = s.commit().err();
    assert!(
        matches!(err, Some(Error::ForeignKeyViolation { .. })),
        "{err:?}"
    );
    assert_eq!(Role::query().count(&s)?, 1);
    // The deletion mark is back: committing again fails again.
    assert!(s.commit().is_err());
    Ok(())
}

fn unique_violation_leaves_database_and_session_as_before(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    let mut s = db.session();
    s.add(Role::new("Admin"));
    s.commit()?;

    let moderator = s.add(Role::new("Moderator"));
    let duplicate = s.add(Role::new("Admin"));
    let user = s.add(User::new("mia").with_role(moderator));
    let err = s.commit().err();
    match &err {
        Some(Error::UniqueViolation { table, columns }) => {
            assert_eq!(table, "roles");
            assert_eq!(columns, &["name"]);
        }
        other => panic!("expected a unique violation, got {other:?}"),
    }
    assert_eq!(
        err.map(|e| e.to_string()).unwrap_or_default(),
        "unique constraint failed on `roles` (name)"
    );
    // Database: as before the commit.
    assert_eq!(Role::query().count(&s)?, 1);
    assert_eq!(User::query().count(&s)?, 0);
    // Session: the ids handed out during the failed flush are gone again.
    assert_eq!(s[moderator].id, None);
    assert_eq!(s[user].id, None);
    assert_eq!(s[user].role_id, None);

    // Fix and retry.
    s[duplicate].name = Some("Guest".into());
    let before = counter.get();
    s.commit()?;
    assert!(counter.get() > before);
    assert_eq!(s[user].role_id, s[moderator].id);
    let names: Vec<_> = Role::query()
        .order_by(Role::NAME.asc())
        .all(&s)?
        .into_iter()
        .filter_map(|r| r.name)
        .collect();
    assert_eq!(names, ["Admin", "Guest", "Moderator"]);
    Ok(())
}

fn failed_flush_after_an_earlier_flush_keeps_the_earlier_work(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    s.add(Role::new("kept"));
    s.flush()?;
    let dup = s.add(Role::new("kept"));
    assert!(matches!(s.commit(), Err(Error::UniqueViolation { .. })));
    assert_eq!(s[dup].id, None);
    s.expunge(dup);
    s.commit()?;
    drop(s);
    assert_eq!(count::<Role>(&db)?, 1);
    Ok(())
}

fn rollback_discards_work_and_empties_the_session(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("gone"));
    s.flush()?;
    s.rollback()?;
    assert!(s.get(role).is_none());
    assert!(matches!(s.delete(role), Err(Error::InvalidKey { .. })));
    assert_eq!(Role::query().count(&s)?, 0);
    // The session is usable afterwards.
    let again = s.add(Role::new("again"));
    s.commit()?;
    // A PostgreSQL sequence does not roll back: the rolled-back row used id 1.
    let expected = match engine {
        Engine::Sqlite => 1,
        Engine::Postgres => 2,
    };
    assert_eq!(s[again].id, Some(expected));
    Ok(())
}

fn drop_rolls_back(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let counter = db.statement_counter();
    {
        let mut s = db.session();
        s.add(Role::new("uncommitted"));
        s.flush()?;
        // Dropping runs exactly one ROLLBACK.
        counter.assert_statements(1, || drop(s));
    }
    assert_eq!(count::<Role>(&db)?, 0);
    Ok(())
}

fn commit_on_drop_commits(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    {
        let mut s = db.session().commit_on_drop();
        let role = s.add(Role::new("kept"));
        s.add(User::new("u").with_role(role));
    }
    assert_eq!(count::<Role>(&db)?, 1);
    assert_eq!(count::<User>(&db)?, 1);
    Ok(())
}

fn transaction_commits_on_ok_and_rolls_back_on_err(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let id = db.transaction(|s| {
        let key = s.add(Role::new("ok"));
        s.flush()?;
        Ok::<_, Error>(s[key].id)
    })?;
    assert_eq!(id, Some(1));

    #[derive(Debug)]
    enum AppError {
        Db(Error),
        Refused,
    }
    impl From<Error> for AppError {
        fn from(e: Error) -> Self {
            AppError::Db(e)
        }
    }
    let result: Result<(), AppError> = db.transaction(|s| {
        s.add(Role::new("refused"));
        s.flush()?;
        Err(AppError::Refused)
    });
    assert!(matches!(result, Err(AppError::Refused)));
    let result: Result<(), AppError> = db.transaction(|s| {
        s.add(Role::new("ok"));
        Ok(())
    });
    assert!(matches!(
        result,
        Err(AppError::Db(Error::UniqueViolation { .. }))
    ));
    assert_eq!(count::<Role>(&db)?, 1);
    Ok(())
}

fn linking_to_an_expunged_pending_object_fails(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    // A new object set by value is added by the save-update cascade
    // (tests/unit_of_work.rs); a pending one expunged since cannot be.
    let user = s.add(User::new("orphan"));
    let role = s.add(Role::new("r"));
    s[user].set_role(role);
    s.expunge(role);
    let err = s.commit().err();
    assert!(
        matches!(
            err,
            Some(Error::UnsavedParent {
                table: "users",
                relation: "role"
            })
        ),
        "{err:?}"
    );
    assert_eq!(s[user].id, None);
    Ok(())
}

fn linking_to_a_loaded_object_copies_its_id(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    db.transaction(|s| {
        s.add(Role::new("r"));
        Ok::<_, Error>(())
    })?;
    let role = Role::query().one(&db)?;
    let user = User::new("u").with_role(&role);
    assert_eq!(user.role_id, role.id);
    db.transaction(|s| {
        s.add(user);
        Ok::<_, Error>(())
    })?;
    assert_eq!(User::query().filter_by(User::ROLE, &role).count(&db)?, 1);
    Ok(())
}

fn stale_update_is_reported(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let role = s.add(Role::new("r"));
    s.commit()?;
    Role::query().delete(&s)?;
    s[role].name = Some("changed".into());
    let err = s.commit().err();
    assert!(
        matches!(
            err,
            Some(Error::StaleObject {
                table: "roles",
                key: 1
            })
        ),
        "{err:?}"
    );
    Ok(())
}

fn not_null_violation_names_the_column(engine: Engine) -> TestResult {
    let (_dir, db) = blog_db(engine)?;
    let err = db
        .execute_batch("INSERT INTO authors (name) VALUES (NULL)")
        .err();
    assert!(
        matches!(&err, Some(Error::NotNullViolation { table, column }) if table == "authors" && column == "name"),
        "{err:?}"
    );
    Ok(())
}

engines!(
    add_and_commit_assigns_ids,
    commit_inserts_parents_first_whatever_the_add_order,
    chains_of_pending_parents_resolve,
    flush_writes_without_committing,
    empty_commit_runs_no_statement,
    a_failed_flush_puts_back_the_keys_it_filled_in,
    a_failed_update_puts_back_the_keys_it_filled_in,
    only_objects_that_differ_from_their_row_are_written,
    a_change_that_failed_to_flush_is_written_by_the_next_commit,
    loaded_objects_are_updated_when_added_back,
    adding_an_object_with_an_unknown_id_inserts_it,
    adding_the_same_id_twice_gives_the_same_key,
    delete_by_key_and_by_loaded_object,
    parent_and_children_deleted_together_in_any_order,
    deleting_a_parent_detaches_its_children_like_sqlalchemy,
    deleting_a_parent_still_referenced_elsewhere_fails_at_commit_and_restores,
    unique_violation_leaves_database_and_session_as_before,
    failed_flush_after_an_earlier_flush_keeps_the_earlier_work,
    rollback_discards_work_and_empties_the_session,
    drop_rolls_back,
    commit_on_drop_commits,
    transaction_commits_on_ok_and_rolls_back_on_err,
    linking_to_an_expunged_pending_object_fails,
    linking_to_a_loaded_object_copies_its_id,
    stale_update_is_reported,
    not_null_violation_names_the_column,
);
