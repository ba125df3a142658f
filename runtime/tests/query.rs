//! Typed queries: every filter operator, ordering, paging, terminal methods,
//! bulk statements and streaming.

#[macro_use]
mod common;

use common::blog_models::{Author, Post};
use common::seed_models::{Role, User};
use common::{blog_db, seed_db, Engine, Scratch, TestResult};
use litemodel::{and_, or_, Database, Error, Expr, Getter};

/// Posts p1..p5 with views 10, 20, 30, 40, 50; p1-p3 by ann, p4 by bob, p5 by nobody.
fn posts_db(engine: Engine) -> TestResult<(Scratch, Database)> {
    let (dir, mut db) = blog_db(engine)?;
    db.transaction(|s| {
        let ann = s.add(Author::new("ann"));
        let bob = s.add(Author::new("bob"));
        for (i, author) in [Some(ann), Some(ann), Some(ann), Some(bob), None]
            .into_iter()
            .enumerate()
        {
            let views = 10 * (i as i32 + 1);
            let post = Post::new(format!("p{}", i + 1), views);
            s.add(match author {
                Some(author) => post.with_author(author),
                None => post,
            });
        }
        Ok::<_, Error>(())
    })?;
    Ok((dir, db))
}

fn titles(db: &Database, filter: Expr<Post>) -> TestResult<Vec<String>> {
    Ok(Post::query()
        .filter(filter)
        .order_by(Post::ID.asc())
        .all(db)?
        .into_iter()
        .map(|p| p.title)
        .collect())
}

fn comparison_operators(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    assert_eq!(titles(&db, Post::VIEWS.eq(30))?, ["p3"]);
    assert_eq!(titles(&db, Post::VIEWS.ne(30))?, ["p1", "p2", "p4", "p5"]);
    assert_eq!(titles(&db, Post::VIEWS.lt(30))?, ["p1", "p2"]);
    assert_eq!(titles(&db, Post::VIEWS.le(30))?, ["p1", "p2", "p3"]);
    assert_eq!(titles(&db, Post::VIEWS.gt(30))?, ["p4", "p5"]);
    assert_eq!(titles(&db, Post::VIEWS.ge(30))?, ["p3", "p4", "p5"]);
    assert_eq!(
        titles(&db, Post::VIEWS.between(20, 40))?,
        ["p2", "p3", "p4"]
    );
    assert_eq!(titles(&db, Post::TITLE.like("p_"))?.len(), 5);
    assert_eq!(titles(&db, Post::TITLE.like("%4"))?, ["p4"]);
    assert_eq!(
        titles(&db, Post::TITLE.in_(["p1", "p5", "nope"]))?,
        ["p1", "p5"]
    );
    assert!(titles(&db, Post::TITLE.in_(Vec::<String>::new()))?.is_empty());
    assert_eq!(titles(&db, Post::AUTHOR_ID.is_null())?, ["p5"]);
    assert_eq!(titles(&db, Post::AUTHOR_ID.is_not_null())?.len(), 4);
    Ok(())
}

fn boolean_combinators(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    assert_eq!(
        titles(&db, Post::VIEWS.gt(10) & Post::VIEWS.lt(40))?,
        ["p2", "p3"]
    );
    assert_eq!(
        titles(&db, Post::VIEWS.eq(10) | Post::VIEWS.eq(50))?,
        ["p1", "p5"]
    );
    assert_eq!(titles(&db, !Post::VIEWS.le(30))?, ["p4", "p5"]);
    assert_eq!(
        titles(
            &db,
            Post::VIEWS
                .eq(10)
                .or(Post::VIEWS.eq(20))
                .and(Post::TITLE.ne("p1"))
        )?,
        ["p2"]
    );
    assert_eq!(titles(&db, Post::VIEWS.eq(10).not())?.len(), 4);
    assert_eq!(
        titles(&db, and_([Post::VIEWS.ge(20), Post::VIEWS.le(30)]))?,
        ["p2", "p3"]
    );
    assert_eq!(
        titles(&db, or_([Post::TITLE.eq("p1"), Post::TITLE.eq("p2")]))?,
        ["p1", "p2"]
    );
    assert_eq!(titles(&db, and_([]))?.len(), 5);
    assert!(titles(&db, or_([]))?.is_empty());
    // Successive filters are AND-ed.
    let both = Post::query()
        .filter(Post::VIEWS.gt(10))
        .filter(Post::VIEWS.lt(30))
        .all(&db)?;
    assert_eq!(format!("{both:?}"), "[<Post 'p2'>]");
    Ok(())
}

fn values_are_bound_not_spliced(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let evil = "p1' OR '1'='1";
    assert!(titles(&db, Post::TITLE.eq(evil))?.is_empty());
    Ok(())
}

fn order_limit_offset(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let desc = Post::query().order_by(Post::VIEWS.desc()).all(&db)?;
    assert_eq!(
        format!("{desc:?}"),
        "[<Post 'p5'>, <Post 'p4'>, <Post 'p3'>, <Post 'p2'>, <Post 'p1'>]"
    );
    let page = Post::query()
        .order_by(Post::AUTHOR_ID.asc())
        .order_by(Post::VIEWS.desc())
        .limit(2)
        .offset(1)
        .all(&db)?;
    // SQLite sorts NULL first (p5), then ann's posts by views desc: p3, p2, p1;
    // PostgreSQL sorts NULL last, as SQLAlchemy leaves it to the database.
    let expected = match engine {
        Engine::Sqlite => "[<Post 'p3'>, <Post 'p2'>]",
        Engine::Postgres => "[<Post 'p2'>, <Post 'p1'>]",
    };
    assert_eq!(format!("{page:?}"), expected);
    let skipped = Post::query().order_by(Post::ID.asc()).offset(3).all(&db)?;
    assert_eq!(format!("{skipped:?}"), "[<Post 'p4'>, <Post 'p5'>]");
    Ok(())
}

fn first_one_one_or_none(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let first = Post::query().order_by(Post::VIEWS.desc()).first(&db)?;
    assert_eq!(first.map(|p| p.title).as_deref(), Some("p5"));
    assert!(Post::query()
        .filter(Post::VIEWS.gt(99))
        .first(&db)?
        .is_none());

    let one = Post::query().filter_by(Post::TITLE, "p2").one(&db)?;
    assert_eq!(one.views, 20);
    assert!(matches!(
        Post::query().filter(Post::VIEWS.gt(99)).one(&db),
        Err(Error::NotFound { table: "posts" })
    ));
    assert!(matches!(
        Post::query().one(&db),
        Err(Error::MultipleRows { table: "posts" })
    ));
    assert!(Post::query()
        .filter(Post::VIEWS.gt(99))
        .one_or_none(&db)?
        .is_none());
    assert!(Post::query()
        .filter(Post::VIEWS.eq(10))
        .one_or_none(&db)?
        .is_some());
    assert!(matches!(
        Post::query().one_or_none(&db),
        Err(Error::MultipleRows { .. })
    ));
    use litemodel::OptionalExtension;
    assert!(Post::query()
        .filter(Post::VIEWS.gt(99))
        .one(&db)
        .optional()?
        .is_none());
    Ok(())
}

fn count_exists_get(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    assert_eq!(Post::query().count(&db)?, 5);
    assert_eq!(Post::query().filter(Post::VIEWS.gt(20)).count(&db)?, 3);
    assert_eq!(Post::query().limit(2).count(&db)?, 2);
    assert_eq!(Post::query().offset(4).count(&db)?, 1);
    assert!(Post::query().filter(Post::TITLE.eq("p3")).exists(&db)?);
    assert!(!Post::query().filter(Post::TITLE.eq("p9")).exists(&db)?);
    assert_eq!(
        Post::query().get(&db, 4)?.map(|p| p.title).as_deref(),
        Some("p4")
    );
    assert!(Post::query().get(&db, 99)?.is_none());
    Ok(())
}

fn a_getter_looks_up_many_keys_on_one_statement(engine: Engine) -> TestResult {
    let (_dir, mut db) = posts_db(engine)?;
    let counter = db.statement_counter();
    {
        let mut posts = Getter::<Post>::new(&db)?;
        let found = counter.assert_statements(3, || -> litemodel::Result<Vec<_>> {
            [4, 99, 1]
                .into_iter()
                .map(|id| posts.get(id).map(|p| p.map(|p| p.title)))
                .collect()
        })?;
        assert_eq!(found, [Some("p4".into()), None, Some("p1".into())]);
        assert_eq!(posts.get(2)?, Post::query().get(&db, 2)?);
    }
    // Through a session it reads the session's flushed, uncommitted rows.
    let mut s = db.session();
    let key = s.add(Post::new("p6", 60));
    s.flush()?;
    let id = s[key].id.ok_or("no id after flush")?;
    assert_eq!(Getter::<Post>::new(&s)?.get(id)?.map(|p| p.views), Some(60));
    drop(s);
    assert_eq!(Getter::<Post>::new(&db)?.get(id)?, None);
    Ok(())
}

#[test]
fn a_getter_for_a_missing_table_fails_to_prepare() -> TestResult {
    let db = Database::open_in_memory()?;
    match Getter::<Post>::new(&db) {
        Err(Error::Sqlite { table, source }) => {
            assert_eq!(table, Some("posts"));
            assert!(source.to_string().contains("no such table"), "{source}");
        }
        other => panic!("expected a prepare error, got {other:?}"),
    }
    Ok(())
}

fn paginate_like_flask_sqlalchemy(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let query = Post::query().order_by(Post::ID.asc());
    let page = query.paginate(&db, 1, 2)?;
    assert_eq!(format!("{:?}", page.items), "[<Post 'p1'>, <Post 'p2'>]");
    assert_eq!((page.total, page.pages()), (5, 3));
    assert!(page.has_next() && !page.has_prev());
    assert_eq!((page.next_num(), page.prev_num()), (Some(2), None));
    let last = query.paginate(&db, 3, 2)?;
    assert_eq!(format!("{:?}", last.items), "[<Post 'p5'>]");
    assert!(!last.has_next() && last.has_prev());
    assert!(query.paginate(&db, 4, 2)?.items.is_empty());
    assert!(matches!(
        query.paginate(&db, 0, 2),
        Err(Error::InvalidPage {
            page: 0,
            per_page: 2
        })
    ));
    let filtered = Post::query()
        .filter(Post::VIEWS.gt(30))
        .paginate(&db, 1, 10)?;
    assert_eq!(
        (filtered.total, filtered.pages(), filtered.items.len()),
        (2, 1, 2)
    );
    Ok(())
}

fn bulk_update_and_delete(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let changed = Post::query()
        .filter(Post::VIEWS.lt(30))
        .update(&db, [Post::VIEWS.set(0), Post::TITLE.set("cold")])?;
    assert_eq!(changed, 2);
    assert_eq!(titles(&db, Post::VIEWS.eq(0))?, ["cold", "cold"]);
    // With order and limit, through a key subquery.
    let changed = Post::query()
        .order_by(Post::VIEWS.desc())
        .limit(1)
        .update(&db, [Post::AUTHOR_ID.set_null()])?;
    assert_eq!(changed, 1);
    assert_eq!(
        Post::query().filter(Post::AUTHOR_ID.is_null()).count(&db)?,
        1
    );
    assert_eq!(Post::query().update(&db, [])?, 0);

    let deleted = Post::query().filter(Post::TITLE.eq("cold")).delete(&db)?;
    assert_eq!(deleted, 2);
    let deleted = Post::query()
        .order_by(Post::VIEWS.asc())
        .limit(1)
        .delete(&db)?;
    assert_eq!(deleted, 1);
    assert_eq!(
        format!("{:?}", Post::query().order_by(Post::ID.asc()).all(&db)?),
        "[<Post 'p4'>, <Post 'p5'>]"
    );
    Ok(())
}

fn bulk_statements_in_a_session_follow_its_transaction(engine: Engine) -> TestResult {
    let (_dir, mut db) = posts_db(engine)?;
    {
        let s = db.session();
        assert_eq!(Post::query().delete(&s)?, 5);
        assert_eq!(Post::query().count(&s)?, 0);
        // Dropped without commit.
    }
    assert_eq!(Post::query().count(&db)?, 5);
    let mut s = db.session();
    Post::query().update(&s, [Post::VIEWS.set(1)])?;
    s.commit()?;
    drop(s);
    assert_eq!(Post::query().filter(Post::VIEWS.eq(1)).count(&db)?, 5);
    Ok(())
}

fn bulk_delete_reports_foreign_keys(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let err = Author::query().delete(&db).err();
    assert!(
        matches!(err, Some(Error::ForeignKeyViolation { .. })),
        "{err:?}"
    );
    Ok(())
}

fn streaming_reads_row_by_row(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let counter = db.statement_counter();
    let query = Post::query()
        .filter(Post::VIEWS.ge(20))
        .order_by(Post::VIEWS.asc());
    let mut stream = query.stream(&db)?;
    let mut seen = Vec::new();
    counter.assert_statements(1, || -> litemodel::Result<()> {
        for post in stream.iter() {
            let post = post?;
            seen.push(post.title);
            if seen.len() == 2 {
                break; // stop early: the remaining rows are never read
            }
        }
        Ok(())
    })?;
    assert_eq!(seen, ["p2", "p3"]);
    // Iterating again runs the statement again from the start.
    let all: Vec<_> = stream.iter().collect::<litemodel::Result<_>>()?;
    assert_eq!(all.len(), 4);
    Ok(())
}

/// A statement taken from the connection's cache is not handed out again while
/// it runs: the same query, and the same lookup by key, inside their own rows
/// run on a second copy and read the same rows.
fn a_query_runs_inside_the_rows_of_the_same_query(engine: Engine) -> TestResult {
    let (_dir, db) = posts_db(engine)?;
    let query = Post::query()
        .filter(Post::VIEWS.ge(20))
        .order_by(Post::VIEWS.asc());
    let mut stream = query.stream(&db)?;
    let mut seen = Vec::new();
    for post in stream.iter() {
        let post = post?;
        let again: Vec<String> = query.all(&db)?.into_iter().map(|p| p.title).collect();
        assert_eq!(again, ["p2", "p3", "p4", "p5"]);
        let id = post.id.ok_or("a stored post has an id")?;
        let mut posts = Getter::<Post>::new(&db)?;
        // The getter holds the fixed lookup; `Post::get` runs a copy.
        assert_eq!(Post::get(&db, id)?, posts.get(id)?);
        seen.push(post.title);
    }
    assert_eq!(seen, ["p2", "p3", "p4", "p5"]);
    Ok(())
}

/// SQLite only: see the comment in the body.
#[test]
fn statements_are_prepared_once_and_cached() -> TestResult {
    let engine = Engine::Sqlite;
    // SQLite only: the connection's own statement cache.
    let (_dir, db) = posts_db(engine)?;
    let query = Post::query().filter(Post::VIEWS.gt(0));
    query.all(&db)?;
    Post::query().filter(Post::VIEWS.gt(25)).all(&db)?;
    // The cache holds one statement both queries ran: it ran twice.
    let sql = r#"SELECT "id", "title", "views", "author_id" FROM "posts" WHERE "views" > ?1"#;
    assert_eq!(db.statement_runs(sql), Some(2));
    // A lookup by key runs a fixed statement, not one found by its text.
    Post::get(&db, 1)?;
    Post::get(&db, 2)?;
    assert_eq!(db.statement_runs(sql), Some(2));
    Ok(())
}

/// SQLite only: see the comment in the body.
#[test]
fn decode_errors_name_table_column_and_key() -> TestResult {
    let engine = Engine::Sqlite;
    // SQLite only: PostgreSQL's typed columns cannot hold text in an integer.
    let (_dir, db) = posts_db(engine)?;
    db.execute_batch("UPDATE posts SET views = 'lots' WHERE id = 3")?;
    let err = Post::query().all(&db).err();
    match &err {
        Some(Error::Decode {
            table: "posts",
            column: "views",
            key: Some(3),
            ..
        }) => {}
        other => panic!("expected a decode error, got {other:?}"),
    }
    let message = err.map(|e| e.to_string()).unwrap_or_default();
    assert!(
        message.starts_with("cannot decode column `posts.views` of the row with key 3"),
        "{message}"
    );
    Ok(())
}

fn filter_by_relationship_and_column(engine: Engine) -> TestResult {
    let (_dir, mut db) = seed_db(engine)?;
    let mut s = db.session();
    let admin = s.add(Role::new("Admin"));
    s.add_all([User::new("a").with_role(admin), User::new("b")]);
    s.commit()?;
    let admins = User::query().filter_by(User::ROLE, &s[admin]).all(&s)?;
    assert_eq!(format!("{admins:?}"), "[<User 'a'>]");
    let by_fk = User::query().filter_by(User::ROLE_ID, 1).all(&s)?;
    assert_eq!(by_fk, admins);
    // An unsaved parent matches nothing.
    assert!(User::query()
        .filter_by(User::ROLE, &Role::new("x"))
        .all(&s)?
        .is_empty());
    Ok(())
}

engines!(
    comparison_operators,
    boolean_combinators,
    values_are_bound_not_spliced,
    order_limit_offset,
    first_one_one_or_none,
    count_exists_get,
    a_getter_looks_up_many_keys_on_one_statement,
    paginate_like_flask_sqlalchemy,
    bulk_update_and_delete,
    bulk_statements_in_a_session_follow_its_transaction,
    bulk_delete_reports_foreign_keys,
    streaming_reads_row_by_row,
    a_query_runs_inside_the_rows_of_the_same_query,
    filter_by_relationship_and_column,
);
