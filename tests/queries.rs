//! Joins, projections, aggregates, upserts, keyset pages and raw SQL on the
//! showcase models (the Flasky blog: users, follows as an association object,
//! posts), on real SQLite files, with the statements each call runs counted.

use litemodel::{Database, Error};
use litemodel_workspace::models::{Follow, Post, Role, Tag, User, SCHEMA};

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
    assert!(outer
        .to_sql()
        .contains(r#"LEFT OUTER JOIN "users" ON "users"."id" = "posts"."author_id""#));
    assert_eq!(titles(&outer.all(&db)?), ["anonymous"]);
    assert_eq!(Post::query().join(Post::AUTHOR).count(&db)?, 4);
    assert_eq!(Post::query().outerjoin(Post::AUTHOR).count(&db)?, 5);
    assert!(outer.exists(&db)?);
    // `get` keeps the joins: the anonymous post is not among the joined rows.
    let anonymous = Post::query()
        .filter(Post::TITLE.eq("anonymous"))
        .one(&db)?
        .id
        .ok_or("an id")?;
    assert!(Post::query()
        .join(Post::AUTHOR)
        .get(&db, anonymous)?
        .is_none());
    assert!(Post::query().get(&db, anonymous)?.is_some());
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
    // `has`/`any` subqueries inside a query with joins.
    let sql_of = Post::query()
        .join(Post::AUTHOR)
        .filter(Post::TAGS.any(Tag::NAME.eq("rust")))
        .filter_joined(User::USERNAME.eq("john"));
    assert!(
        sql_of.to_sql().contains(r#"WHERE ("posts"."id" IN (SELECT "post_id" FROM "post_tags" WHERE "tag_id" IN (SELECT "id" FROM "tags" WHERE "name" = ?1)) AND "users"."username" = ?2)"#),
        "{}",
        sql_of.to_sql()
    );
    assert_eq!(titles(&sql_of.all(&db)?), ["john 1"]);
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
    assert!(query.to_sql().contains(
        r#" FROM "follows" JOIN "posts" ON "posts"."author_id" = "follows"."followed_id""#
    ));
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

#[test]
fn projections_into_tuples() -> TestResult {
    let (_dir, db, [susan, ..]) = flasky()?;
    let counter = db.statement_counter();
    let rows: Vec<(Option<i64>, Option<String>)> = counter.assert_statements(1, || {
        User::query()
            .order_by(User::USERNAME.asc())
            .select((User::ID, User::USERNAME))
            .all(&db)
    })?;
    assert_eq!(rows[0].1.as_deref(), Some("david"));
    assert_eq!(rows[2], (Some(susan), Some("susan".to_owned())));
    // A single column is a bare value; columns of joined models too.
    let titles: Vec<String> = Post::query()
        .filter(Post::VIEWS.ge(30))
        .order_by(Post::VIEWS.asc())
        .select(Post::TITLE)
        .all(&db)?;
    assert_eq!(titles, ["susan 1", "john 2"]);
    let pairs: Vec<(String, Option<String>)> = Post::query()
        .join(Post::AUTHOR)
        .order_by(Post::VIEWS.desc())
        .select((Post::TITLE, User::USERNAME))
        .limit(2)
        .all(&db)?;
    assert_eq!(
        pairs,
        [
            ("john 2".to_owned(), Some("john".to_owned())),
            ("susan 1".to_owned(), Some("susan".to_owned()))
        ]
    );
    let first = Post::query()
        .order_by(Post::TITLE.asc())
        .select(Post::TITLE)
        .first(&db)?;
    assert_eq!(first.as_deref(), Some("anonymous"));
    let distinct_authors = Post::query()
        .filter(Post::AUTHOR_ID.is_not_null())
        .select(Post::AUTHOR_ID)
        .distinct()
        .all(&db)?;
    assert_eq!(distinct_authors.len(), 3);
    Ok(())
}

#[test]
fn aggregates_group_by_and_having() -> TestResult {
    use litemodel::func::{avg, count, count_all, max, min, sum};
    let (_dir, db, _) = flasky()?;
    let counter = db.statement_counter();
    let (n, total, mean, low, high) = counter.assert_statements(1, || {
        Post::query()
            .filter(Post::AUTHOR_ID.is_not_null())
            .select((
                count_all(),
                sum(Post::VIEWS),
                avg(Post::VIEWS),
                min(Post::TITLE),
                max(Post::VIEWS),
            ))
            .one(&db)
    })?;
    assert_eq!((n, total, mean), (4, Some(100), Some(25.0)));
    assert_eq!((low.as_deref(), high), (Some("david 1"), Some(40)));
    // NULL aggregates of no rows are `None`; COUNT is 0.
    let (n, total) = Post::query()
        .filter(Post::VIEWS.gt(1000))
        .select((count(Post::ID), sum(Post::VIEWS)))
        .one(&db)?;
    assert_eq!((n, total), (0, None));

    // Users with their post counts, top 10: one statement, users without posts
    // included through the outer join.
    let top = counter.assert_statements(1, || {
        User::query()
            .outerjoin(User::POSTS)
            .select((User::USERNAME, count(Post::ID)))
            .group_by(User::ID)
            .order_by(count(Post::ID).desc())
            .order_by(User::USERNAME.asc())
            .limit(10)
            .all(&db)
    })?;
    let top: Vec<(String, i64)> = top
        .into_iter()
        .map(|(name, n)| (name.unwrap_or_default(), n))
        .collect();
    assert_eq!(
        top,
        [
            ("john".to_owned(), 2),
            ("david".to_owned(), 1),
            ("susan".to_owned(), 1)
        ]
    );
    let prolific = User::query()
        .join(User::POSTS)
        .select(User::USERNAME)
        .group_by(User::ID)
        .having(count(Post::ID).gt(1))
        .all(&db)?;
    assert_eq!(prolific, [Some("john".to_owned())]);
    let sql = User::query()
        .join(User::POSTS)
        .select((User::USERNAME, count(Post::ID)))
        .group_by(User::ID)
        .having(count(Post::ID).gt(1))
        .order_by(count(Post::ID).desc())
        .limit(10)
        .to_sql();
    assert_eq!(
        sql,
        r#"SELECT "users"."username", COUNT("posts"."id") FROM "users" JOIN "posts" ON "posts"."author_id" = "users"."id" GROUP BY "users"."id" HAVING COUNT("posts"."id") > ?1 ORDER BY COUNT("posts"."id") DESC LIMIT 10"#
    );
    Ok(())
}

#[test]
fn scalar_subqueries_and_exists() -> TestResult {
    use litemodel::func::{count_all, exists, max};
    let (_dir, db, _) = flasky()?;
    let counter = db.statement_counter();
    // Each user with a correlated subquery counting their posts.
    let post_count = Post::query()
        .filter(Post::AUTHOR_ID.eq_col(User::ID))
        .select(count_all())
        .scalar_subquery();
    let rows = counter.assert_statements(1, || {
        User::query()
            .order_by(User::USERNAME.asc())
            .select((User::USERNAME, post_count.clone()))
            .all(&db)
    })?;
    let counts: Vec<i64> = rows.iter().map(|(_, n)| *n).collect();
    assert_eq!(counts, [1, 2, 1]);
    // Users with a post: EXISTS, correlated.
    let authors = counter.assert_statements(1, || {
        User::query()
            .filter(exists(
                Post::query().filter(Post::AUTHOR_ID.eq_col(User::ID)),
            ))
            .count(&db)
    })?;
    assert_eq!(authors, 3);
    let lurkers = User::query()
        .filter(!exists(
            Post::query().filter(Post::AUTHOR_ID.eq_col(User::ID) & Post::VIEWS.gt(25)),
        ))
        .select(User::USERNAME)
        .all(&db)?;
    assert_eq!(lurkers, [Some("david".to_owned())]);
    // A column compared with a scalar subquery: the most viewed post.
    let most_views = Post::query().select(max(Post::VIEWS)).scalar_subquery();
    let most_viewed = counter.assert_statements(1, || {
        Post::query()
            .filter(Post::VIEWS.eq_scalar(most_views))
            .select(Post::TITLE)
            .all(&db)
    })?;
    assert_eq!(most_viewed, ["john 2"]);
    // A scalar subquery compared with a value: a condition on the whole table.
    let any_popular = Post::query()
        .filter(
            Post::query()
                .select(max(Post::VIEWS))
                .scalar_subquery()
                .ge(40),
        )
        .count(&db)?;
    assert_eq!(any_popular, 5);
    Ok(())
}

#[test]
fn upsert_updates_or_keeps_the_existing_row() -> TestResult {
    use litemodel::Upsert;
    let (_dir, db) = database()?;
    let counter = db.statement_counter();
    let first = counter.assert_statements(1, || {
        Upsert::new(&User::new("susan"))
            .on_conflict(User::USERNAME)
            .execute(&db)
    })?;
    let first = first.ok_or("inserted")?;
    // The same username again: DO UPDATE on the existing row, same key.
    let admin = Upsert::new(&Role::new("admin")).execute(&db)?;
    let mut again = User::new("susan");
    again.role_id = admin;
    let second = counter.assert_statements(1, || {
        Upsert::new(&again)
            .on_conflict(User::USERNAME)
            .update(User::ROLE_ID)
            .execute(&db)
    })?;
    assert_eq!(second, Some(first));
    assert_eq!(User::query().count(&db)?, 1);
    assert_eq!(User::query().select(User::ROLE_ID).one(&db)?, admin);
    // DO NOTHING: no row written, no key.
    let skipped = Upsert::new(&User::new("susan"))
        .on_conflict(User::USERNAME)
        .do_nothing()
        .execute(&db)?;
    assert_eq!(skipped, None);
    // By primary key (the default target): the row with that id is replaced.
    let mut renamed = User::new("susan b.");
    renamed.id = Some(first);
    assert_eq!(Upsert::new(&renamed).execute(&db)?, Some(first));
    let names: Vec<_> = User::query().select(User::USERNAME).all(&db)?;
    assert_eq!(names, [Some("susan b.".to_owned())]);
    // A conflict target without a unique index is the database's error.
    let error = Upsert::new(&post("x"))
        .on_conflict(Post::TITLE)
        .execute(&db)
        .err()
        .ok_or("no unique index on posts.title")?;
    assert!(error.to_string().contains("ON CONFLICT"), "{error}");
    // A composite key (the association object): the conflict target is its columns.
    let other = Upsert::new(&User::new("john")).execute(&db)?;
    let follow = Follow {
        follower_id: Some(first),
        followed_id: other,
        ..Follow::default()
    };
    let target = |f: &Follow| {
        Upsert::new(f)
            .on_conflict(Follow::FOLLOWER_ID)
            .on_conflict(Follow::FOLLOWED_ID)
            .execute(&db)
    };
    let row = target(&follow)?;
    assert!(row.is_some());
    assert_eq!(target(&follow)?, row, "the same row, updated");
    assert_eq!(Follow::query().count(&db)?, 1);
    Ok(())
}

#[test]
fn keyset_pages_seek_past_the_last_row() -> TestResult {
    let (_dir, db, _) = flasky()?;
    let counter = db.statement_counter();
    let query = Post::query().options(Post::TAGS.lazyload());
    let mut seen = Vec::new();
    let mut after = None;
    let mut pages = 0;
    loop {
        let page = counter.assert_statements(1, || {
            query.keyset_page(&db, Post::VIEWS.desc(), after.as_ref(), 2)
        })?;
        pages += 1;
        seen.extend(page.items.iter().map(|p| p.title.clone()));
        match page.next {
            Some(next) => after = Some(next),
            None => break,
        }
    }
    assert_eq!(
        seen,
        ["john 2", "susan 1", "david 1", "john 1", "anonymous"]
    );
    assert_eq!(pages, 3);
    // Equal sort values are ordered by key, so no row is skipped or repeated.
    let (_dir, mut db) = database()?;
    db.transaction(|s| {
        for title in ["a", "b", "c", "d", "e"] {
            s.add(post(title));
        }
        Ok::<_, Error>(())
    })?;
    let first = Post::query().keyset_page(&db, Post::VIEWS.asc(), None, 3)?;
    let next = first.next.clone().ok_or("a second page")?;
    assert_eq!((next.value().clone(), next.key()), (0i64.into(), 3));
    let second = Post::query().keyset_page(&db, Post::VIEWS.asc(), Some(&next), 3)?;
    assert_eq!(titles(&first.items), ["a", "b", "c"]);
    assert_eq!((titles(&second.items), second.next), (vec!["d", "e"], None));
    assert!(matches!(
        Post::query().keyset_page(&db, Post::VIEWS.asc(), None, 0),
        Err(Error::InvalidPage { .. })
    ));
    Ok(())
}

#[test]
fn raw_sql_mapped_to_models_and_raw_fragments() -> TestResult {
    use litemodel::rusqlite::types::Value;
    use litemodel::{Expr, RawSql};
    let (_dir, db, [susan, john, _]) = flasky()?;
    let counter = db.statement_counter();
    // Columns by name, in any order, extra ones ignored; `?` bound in order.
    let users = counter.assert_statements(1, || {
        User::from_sql(
            &db,
            "SELECT username, 1 AS extra, role_id, id FROM users WHERE username LIKE ? AND id <> ? ORDER BY id",
            [Value::from("%s%".to_owned()), Value::from(john)],
        )
    })?;
    assert_eq!(users.len(), 1);
    assert_eq!(
        (users[0].id, users[0].username.as_deref()),
        (Some(susan), Some("susan"))
    );
    // A missing column is the database's error, naming it.
    let error = User::from_sql(&db, "SELECT id, username FROM users", Vec::<Value>::new())
        .err()
        .ok_or("role_id is missing")?;
    assert!(error.to_string().contains("role_id"), "{error}");
    // A raw fragment inside typed filters, its values bound.
    let posts = counter.assert_statements(1, || {
        Post::query()
            .filter(Post::VIEWS.ge(20) & Expr::raw("length(\"title\") = ?", [7]))
            .order_by(Post::ID.asc())
            .options(Post::TAGS.lazyload())
            .all(&db)
    })?;
    assert_eq!(titles(&posts), ["david 1", "susan 1"]);
    let sql = Post::query()
        .filter(
            Expr::raw(
                "upper(title) = ? OR views > ?",
                [Value::from("X".to_owned()), Value::from(3)],
            ) | Post::VIEWS.eq(1),
        )
        .to_sql();
    assert!(
        sql.ends_with(r#" WHERE ((upper(title) = ?1 OR views > ?2) OR "views" = ?3)"#),
        "{sql}"
    );
    Ok(())
}

#[test]
fn several_joined_options_run_in_one_statement() -> TestResult {
    use litemodel_workspace::models::Comment;
    let (_dir, mut db, [susan, john, _]) = flasky()?;
    db.transaction(|s| {
        let [rust, sql] = [s.add(Tag::new("rust")), s.add(Tag::new("sql"))];
        s.flush()?;
        let (rust, sql) = (s[rust].clone(), s[sql].clone());
        let john_2 = Post::query().filter(Post::TITLE.eq("john 2")).one(&*s)?;
        Post::TAGS.link(&*s, &john_2, &rust)?;
        Post::TAGS.link(&*s, &john_2, &sql)?;
        for (body, author) in [("first", susan), ("second", john), ("third", susan)] {
            s.add(Comment {
                body: body.to_owned(),
                post_id: john_2.id,
                author_id: Some(author),
                ..Comment::default()
            });
        }
        Ok::<_, Error>(())
    })?;
    let counter = db.statement_counter();
    // Author (many-to-one), comments (one-to-many) and tags (many-to-many): one
    // SELECT with three LEFT OUTER JOINs; 3 comments x 2 tags rows for john 2.
    let query = Post::query()
        .filter(Post::AUTHOR_ID.is_not_null())
        .options(Post::AUTHOR.joined())
        .options(Post::COMMENTS.joined())
        .options(Post::TAGS.joined())
        .order_by(Post::TITLE.asc());
    let posts = counter.assert_statements(1, || query.all(&db))?;
    assert_eq!(titles(&posts), ["david 1", "john 1", "john 2", "susan 1"]);
    counter.assert_statements(0, || -> TestResult {
        let john_2 = &posts[2];
        let author = john_2.author(&db)?.and_then(|a| a.username.clone());
        assert_eq!(author.as_deref(), Some("john"));
        let bodies: Vec<_> = john_2
            .comments(&db)?
            .iter()
            .map(|c| c.body.clone())
            .collect();
        assert_eq!(bodies, ["first", "second", "third"]);
        let tags: Vec<_> = john_2.tags(&db)?.iter().map(|t| t.name.clone()).collect();
        assert_eq!(tags, ["rust", "sql"]);
        assert!(posts[0].comments(&db)?.is_empty());
        assert!(posts[0].tags(&db)?.is_empty());
        Ok(())
    })?;
    // Sort keys on a joined table with a joined load: selected by the inner SELECT
    // under a label, sorted by in the outer one.
    let by_author = counter.assert_statements(1, || {
        Post::query()
            .join(Post::AUTHOR)
            .order_by_joined(User::USERNAME.desc())
            .order_by(Post::VIEWS.asc())
            .options(Post::COMMENTS.joined())
            .options(Post::TAGS.lazyload())
            .all(&db)
    })?;
    assert_eq!(
        titles(&by_author),
        ["susan 1", "john 1", "john 2", "david 1"]
    );
    let by_author = counter.assert_statements(1, || {
        Post::query()
            .join(Post::AUTHOR)
            .order_by_joined(User::USERNAME.asc())
            .options(Post::COMMENTS.joined())
            .options(Post::TAGS.joined())
            .all(&db)
    })?;
    assert_eq!(titles(&by_author)[0], "david 1");
    assert_eq!(by_author[2].comments(&db)?.len(), 3, "john 2, after john 1");
    // `Comment.author` is declared `joined`; joining the post too keeps one statement,
    // and a LIMIT still counts comments.
    let comments = counter.assert_statements(1, || {
        Comment::query()
            .options(Comment::POST.joined())
            .order_by(Comment::BODY.desc())
            .limit(2)
            .all(&db)
    })?;
    counter.assert_statements(0, || -> TestResult {
        let found: Vec<_> = comments
            .iter()
            .map(|c| -> litemodel::Result<_> {
                Ok((
                    c.body.clone(),
                    c.post(&db)?.map(|p| p.title.clone()),
                    c.author(&db)?.and_then(|a| a.username.clone()),
                ))
            })
            .collect::<litemodel::Result<_>>()?;
        assert_eq!(
            found,
            [
                (
                    "third".to_owned(),
                    Some("john 2".to_owned()),
                    Some("susan".to_owned())
                ),
                (
                    "second".to_owned(),
                    Some("john 2".to_owned()),
                    Some("john".to_owned())
                ),
            ]
        );
        Ok(())
    })?;
    Ok(())
}

#[test]
fn backref_options_load_both_users_of_a_follow_with_it() -> TestResult {
    // models.toml: `backref = { name = "follower", lazy = "joined" }` and the same for
    // `followed`: a Follow comes with both its users, in one statement.
    let (_dir, db, [susan, ..]) = flasky()?;
    let counter = db.statement_counter();
    let follows = counter.assert_statements(1, || {
        Follow::query()
            .filter(Follow::FOLLOWER_ID.eq(susan))
            .order_by(Follow::FOLLOWED_ID.asc())
            .all(&db)
    })?;
    let pairs = counter.assert_statements(0, || -> litemodel::Result<Vec<(String, String)>> {
        follows
            .iter()
            .map(|f| {
                let name =
                    |u: Option<&User>| u.and_then(|u| u.username.clone()).unwrap_or_default();
                Ok((name(f.follower(&db)?), name(f.followed(&db)?)))
            })
            .collect()
    })?;
    assert_eq!(
        pairs,
        [
            ("susan".to_owned(), "john".to_owned()),
            ("susan".to_owned(), "david".to_owned())
        ]
    );
    Ok(())
}
