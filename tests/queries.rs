//! Joins, projections, aggregates, upserts, keyset pages and raw SQL on the
//! showcase models (the Flasky blog: users, follows as an association object,
//! posts), on real SQLite files, with the statements each call runs counted.

use litemodel::{Database, Error};
use litemodel_workspace::models::{Follow, Post, Tag, User, SCHEMA};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn database() -> TestResult<(tempfile::TempDir, Database)> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path().join("queries.sqlite"))?;
    db.create_all(&SCHEMA)?;
    Ok((dir, db))
}

fn post(title: &str) -> Post {
    Post {
        title: title.to_owned(),
        ..Post::default()
    }
}

/// susan follows john and david, john follows susan; posts: john 1, david 1,
/// susan 1, john 2 (views 10, 20, 30, 40), and a post by nobody.
fn flasky() -> TestResult<(tempfile::TempDir, Database, [i64; 3])> {
    let (dir, mut db) = database()?;
    let ids = db.transaction(|s| {
        let [susan, john, david] = ["susan", "john", "david"].map(|name| s.add(User::new(name)));
        s.add(Follow::default().with_follower(susan).with_followed(john));
        s.add(Follow::default().with_follower(susan).with_followed(david));
        s.add(Follow::default().with_follower(john).with_followed(susan));
        for (i, (author, title)) in [
            (john, "john 1"),
            (david, "david 1"),
            (susan, "susan 1"),
            (john, "john 2"),
        ]
        .into_iter()
        .enumerate()
        {
            let mut p = post(title).with_author(author);
            p.views = 10 * (i as i32 + 1);
            s.add(p);
        }
        s.add(post("anonymous"));
        s.flush()?;
        Ok::<_, Error>([susan, john, david].map(|k| s[k].id.unwrap_or_default()))
    })?;
    Ok((dir, db, ids))
}

fn titles(posts: &[Post]) -> Vec<&str> {
    posts.iter().map(|p| p.title.as_str()).collect()
}

#[test]
fn followed_posts_is_one_join() -> TestResult {
    let (_dir, db, [susan, ..]) = flasky()?;
    // Flasky's `Post.query.join(Follow, Follow.followed_id == Post.author_id)
    //     .filter(Follow.follower_id == self.id)`.
    let followed_posts = Post::query()
        .join_on(Follow::FOLLOWED_ID.eq_col(Post::AUTHOR_ID))
        .filter_joined(Follow::FOLLOWER_ID.eq(susan))
        .order_by(Post::TITLE.asc());
    let sql = followed_posts.to_sql();
    assert!(
        sql.contains(
            r#" FROM "posts" JOIN "follows" ON "follows"."followed_id" = "posts"."author_id" WHERE "follows"."follower_id" = ?1 ORDER BY "posts"."title" ASC"#
        ),
        "{sql}"
    );
    assert_eq!(sql.matches("SELECT").count(), 1, "{sql}");
    // `Post::query()` has `tags` as `selectin`: plain rows for a single statement.
    let posts = db.statement_counter().assert_statements(1, || {
        followed_posts
            .clone()
            .options(Post::TAGS.lazyload())
            .all(&db)
    })?;
    assert_eq!(titles(&posts), ["david 1", "john 1", "john 2"]);
    Ok(())
}

#[test]
fn join_along_relationships_and_outerjoin() -> TestResult {
    let (_dir, db, _) = flasky()?;
    let counter = db.statement_counter();
    // Many-to-one: posts whose author's name starts with j, by author then views.
    let posts = counter.assert_statements(1, || {
        Post::query()
            .join(Post::AUTHOR)
            .filter_joined(User::USERNAME.like("j%"))
            .order_by_joined(User::USERNAME.asc())
            .order_by(Post::VIEWS.desc())
            .options(Post::TAGS.lazyload())
            .all(&db)
    })?;
    assert_eq!(titles(&posts), ["john 2", "john 1"]);
    // One-to-many: users with a post of more than 15 views, each once.
    let users = counter.assert_statements(1, || {
        User::query()
            .join(User::POSTS)
            .filter_joined(Post::VIEWS.gt(15))
            .distinct()
            .order_by(User::USERNAME.asc())
            .all(&db)
    })?;
    let names: Vec<_> = users.iter().filter_map(|u| u.username.clone()).collect();
    assert_eq!(names, ["david", "john", "susan"]);
    // Outer join: the anonymous post has no author; an inner join drops it.
    let outer = Post::query()
        .outerjoin(Post::AUTHOR)
        .filter_joined(User::ID.is_null());
    assert!(outer.to_sql().contains(r#"LEFT OUTER JOIN "users" ON "users"."id" = "posts"."author_id""#));
    assert_eq!(titles(&outer.all(&db)?), ["anonymous"]);
    assert_eq!(Post::query().join(Post::AUTHOR).count(&db)?, 4);
    assert_eq!(Post::query().outerjoin(Post::AUTHOR).count(&db)?, 5);
    assert!(outer.exists(&db)?);
    Ok(())
}

#[test]
fn join_through_an_association_table_and_dynamic_relationships() -> TestResult {
    let (_dir, mut db, [susan, ..]) = flasky()?;
    db.transaction(|s| {
        let rust = s.add(Tag::new("rust"));
        let john_1 = Post::query().filter(Post::TITLE.eq("john 1")).one(&*s)?;
        s.flush()?;
        let tag = s[rust].clone();
        Post::TAGS.link(&*s, &john_1, &tag)?;
        Ok::<_, Error>(())
    })?;
    let tagged = Post::query()
        .join(Post::TAGS)
        .filter_joined(Tag::NAME.eq("rust"))
        .all(&db)?;
    assert_eq!(titles(&tagged), ["john 1"]);
    // A `dynamic` relationship joins too: users susan follows.
    let followed = User::query()
        .join(User::FOLLOWERS)
        .filter_joined(Follow::FOLLOWER_ID.eq(susan))
        .order_by(User::USERNAME.asc())
        .all(&db)?;
    let names: Vec<_> = followed.iter().filter_map(|u| u.username.clone()).collect();
    assert_eq!(names, ["david", "john"]);
    Ok(())
}

#[test]
fn select_from_and_bulk_writes_with_joins() -> TestResult {
    let (_dir, db, [susan, ..]) = flasky()?;
    let query = Post::query()
        .select_from::<Follow>()
        .join_on(Post::AUTHOR_ID.eq_col(Follow::FOLLOWED_ID))
        .filter_joined(Follow::FOLLOWER_ID.eq(susan))
        .order_by(Post::ID.asc());
    assert!(query.to_sql().contains(r#" FROM "follows" JOIN "posts" ON "posts"."author_id" = "follows"."followed_id""#));
    assert_eq!(titles(&query.all(&db)?), ["john 1", "david 1", "john 2"]);
    // Page 2 of 2 and the count see the joined rows.
    let page = query.paginate(&db, 2, 2)?;
    assert_eq!((page.total, titles(&page.items)), (3, vec!["john 2"]));
    // Bulk update and delete on the joined rows: `WHERE id IN (SELECT ...)`.
    let counter = db.statement_counter();
    let changed = counter.assert_statements(1, || query.update(&db, [Post::VIEWS.set(0)]))?;
    assert_eq!(changed, 3);
    // With the anonymous post, whose views were 0 already.
    assert_eq!(Post::query().filter(Post::VIEWS.eq(0)).count(&db)?, 4);
    assert_eq!(counter.assert_statements(1, || query.delete(&db))?, 3);
    assert_eq!(Post::query().count(&db)?, 2);
    Ok(())
}
