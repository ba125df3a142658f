//! The models generated from the top-level models.toml, compiled into this crate by
//! build.rs, run against real SQLite files.

use litemodel::{Database, Error, NaiveDateTime};
use litemodel_workspace::models::{Post, PostStatus, Role, User, SCHEMA};
use litemodel_workspace::seed_select;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn database() -> Result<(tempfile::TempDir, Database), Box<dyn std::error::Error>> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path().join("showcase.sqlite"))?;
    db.create_all(&SCHEMA)?;
    Ok((dir, db))
}

fn post(title: &str, timestamp: &str) -> Post {
    let post = Post::new(title);
    // The stored form (SQLAlchemy's) of a `datetime` column.
    match NaiveDateTime::parse_from_str(timestamp, "%Y-%m-%d %H:%M:%S%.f") {
        Ok(timestamp) => post.with_timestamp(timestamp),
        Err(_) => post,
    }
}

#[test]
fn the_schema_static_is_the_ddl_of_litemodel_ddl() -> TestResult {
    let spec = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/models.toml"))?;
    let checked = litemodel_codegen::check("models.toml", &spec).map_err(|d| d.render(false))?;
    let ddl = litemodel_codegen::ddl(&checked.schema);
    let mut from_static = String::new();
    for table in SCHEMA.tables {
        from_static.push_str(table.create);
        from_static.push_str(";\n\n");
        for index in table.indexes {
            from_static.push_str(index);
            from_static.push_str(";\n\n");
        }
    }
    assert_eq!(from_static, ddl);
    Ok(())
}

#[test]
fn seed_with_dependency_ordered_inserts() -> TestResult {
    let (_dir, mut db) = database()?;
    let mut session = db.session();
    // Children added before their parent: commit still inserts the role first.
    let fred = session.add(User::new("fred"));
    let obs_role = session.add(Role::new("Observer"));
    session[fred].set_role(obs_role);
    let steve = session.add(User::new("steve").with_role(obs_role));
    session.commit()?;
    let role_id = session[obs_role].id;
    assert!(role_id.is_some());
    assert_eq!(session[fred].role_id, role_id);
    assert_eq!(session[steve].role_id, role_id);
    let users = session[obs_role]
        .users()
        .order_by(User::USERNAME.desc())
        .all(&session)?;
    assert_eq!(format!("{users:?}"), "[<User 'steve'>, <User 'fred'>]");
    Ok(())
}

#[test]
fn dynamic_is_a_query_and_select_is_a_cached_list() -> TestResult {
    let (_dir, mut db) = database()?;
    let role_id = db.transaction(|s| {
        let role = s.add(Role::new("Observer"));
        s.add_all([
            User::new("steve").with_role(role),
            User::new("fred").with_role(role),
        ]);
        s.flush()?;
        Ok::<_, Error>(s[role].id)
    })?;
    let role_id = role_id.ok_or("the role got no id")?;
    let counter = db.statement_counter();

    // lazy = "dynamic": every call builds a query; each run is one statement.
    let role = Role::query().get(&db, role_id)?.ok_or("no role")?;
    let first = counter.assert_statements(1, || {
        role.users().filter(User::USERNAME.like("f%")).all(&db)
    })?;
    assert_eq!(format!("{first:?}"), "[<User 'fred'>]");
    assert_eq!(counter.assert_statements(1, || role.users().count(&db))?, 2);

    // lazy = "select" (the same tables through seed_select's models): one SELECT on
    // first access, none after.
    let role = seed_select::Role::query()
        .get(&db, role_id)?
        .ok_or("no role")?;
    let loaded = counter.assert_statements(1, || role.users(&db).map(<[_]>::to_vec))?;
    assert_eq!(format!("{loaded:?}"), "[<User 'steve'>, <User 'fred'>]");
    let again = counter.assert_statements(0, || role.users(&db).map(<[_]>::len))?;
    assert_eq!(again, 2);
    Ok(())
}

#[test]
fn select_relationship_applies_its_order_by() -> TestResult {
    let (_dir, mut db) = database()?;
    let author = db.transaction(|s| {
        let author = s.add(User::new("ann"));
        s.add_all([
            post("older", "2026-01-01 10:00:00.000000").with_author(author),
            post("newest", "2026-03-01 10:00:00.000000").with_author(author),
            post("middle", "2026-02-01 10:00:00.000000").with_author(author),
        ]);
        s.flush()?;
        Ok::<_, Error>(s[author].id)
    })?;
    let author = User::query()
        .get(&db, author.ok_or("no id")?)?
        .ok_or("no user")?;
    let titles: Vec<&str> = author
        .posts(&db)?
        .iter()
        .map(|p| p.title.as_str())
        .collect();
    assert_eq!(
        titles,
        ["newest", "middle", "older"],
        "order_by = \"-timestamp\""
    );
    Ok(())
}

#[test]
fn spec_defaults_reserved_words_and_keywords_round_trip() -> TestResult {
    let (_dir, mut db) = database()?;
    let mut session = db.session();
    let new = Post::new("hello").with_order(3).with_type("essay");
    // Python's `Post(title='hello')`: `None` until the INSERT applies the defaults.
    assert_eq!(new.status, None, "default = \"draft\", at INSERT");
    assert_eq!(
        new.public_id, None,
        "default_factory = \"uuid4\", at INSERT"
    );
    assert_eq!(new.timestamp, None, "default_factory = \"now\", at INSERT");
    assert_eq!(new.pinned, None, "server_default = \"0\"");
    assert_eq!(new.views, 0, "default = 0");
    let key = session.add(new);
    session.commit()?;
    assert_eq!(session[key].status, Some(PostStatus::Draft));
    assert!(session[key].public_id.is_some());
    assert!(session[key].timestamp.is_some());
    assert_eq!(
        session[key].pinned,
        Some(false),
        "read back from the server"
    );
    let stored = Post::query().filter(Post::ORDER.eq(3)).one(&session)?;
    assert_eq!(stored.r#type.as_deref(), Some("essay"));
    assert_eq!(stored.status, Some(PostStatus::Draft));
    assert_eq!(stored, session[key]);
    Ok(())
}

#[test]
fn constraint_violations_name_the_constraint_and_roll_back() -> TestResult {
    let (_dir, mut db) = database()?;
    let mut session = db.session();
    session.add(Role::new("Admin"));
    session.commit()?;

    session.add(Role::new("Admin"));
    match session.commit() {
        Err(Error::UniqueViolation { table, columns }) => {
            assert_eq!(table, "roles");
            assert_eq!(columns, ["name"]);
        }
        other => return Err(format!("expected a unique violation, got {other:?}").into()),
    }
    session.rollback()?;

    let mut negative = post("bad", "2026-01-01 00:00:00.000000");
    negative.views = -1;
    session.add(negative);
    match session.commit() {
        Err(Error::CheckViolation { constraint }) => assert!(constraint.contains("ck_posts_views")),
        other => return Err(format!("expected a check violation, got {other:?}").into()),
    }
    session.rollback()?;
    assert_eq!(Role::query().count(&session)?, 1);
    assert_eq!(Post::query().count(&session)?, 0);
    Ok(())
}

#[test]
fn on_delete_cascade_reaches_the_database() -> TestResult {
    let (_dir, mut db) = database()?;
    db.transaction(|s| {
        let ann = s.add(User::new("ann"));
        s.add(post("a", "2026-01-01 00:00:00.000000").with_author(ann));
        s.add(post("b", "2026-01-02 00:00:00.000000").with_author(ann));
        Ok::<_, Error>(())
    })?;
    assert_eq!(Post::query().count(&db)?, 2);
    User::query().filter(User::USERNAME.eq("ann")).delete(&db)?;
    assert_eq!(
        Post::query().count(&db)?,
        0,
        "ON DELETE CASCADE removed the posts"
    );
    Ok(())
}
