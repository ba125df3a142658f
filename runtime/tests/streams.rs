//! Streams longer than one batch: read whole and in order, interrupted by other
//! statements, dropped early, two at once. On PostgreSQL a stream is one
//! result the server sends without waiting, read 4,000 rows at a time; the
//! other statements must still run and every stream must still see its rows.

#[macro_use]
mod common;

use common::blog_models::Post;
use common::{blog_db, Engine, Scratch, TestResult};
use litemodel::{Database, Error, Expr};

/// More rows than one batch of a PostgreSQL stream (4,000), a few batches.
const POSTS: i64 = 10_000;

/// Posts `p1` .. `p10000`, views 1 .. 10000, no authors.
fn many_posts(engine: Engine) -> TestResult<(Scratch, Database)> {
    let (dir, db) = blog_db(engine)?;
    db.execute_batch(&format!(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {POSTS}) \
         INSERT INTO posts (title, views) SELECT 'p' || i, i FROM n"
    ))?;
    Ok((dir, db))
}

fn by_views() -> litemodel::Query<Post> {
    Post::query().order_by(Post::VIEWS.asc())
}

fn a_long_stream_is_read_whole_in_order_by_one_statement(engine: Engine) -> TestResult {
    let (_dir, db) = many_posts(engine)?;
    let counter = db.statement_counter();
    let mut stream = by_views().stream(&db)?;
    let mut expected = 1;
    counter.assert_statements(1, || -> TestResult {
        for post in stream.iter() {
            let post = post?;
            assert_eq!(i64::from(post.views), expected);
            assert_eq!(post.title, format!("p{expected}"));
            expected += 1;
        }
        Ok(())
    })?;
    assert_eq!(expected, POSTS + 1);
    Ok(())
}

/// A lookup and a query per streamed row (every 997th), the lookup's row
/// from far ahead in the stream: each answer is right and the stream goes on
/// to its last row. On PostgreSQL the first of them reads the rest of the
/// stream into memory first.
fn statements_inside_a_long_stream_see_their_own_rows(engine: Engine) -> TestResult {
    let (_dir, db) = many_posts(engine)?;
    let mut stream = by_views().stream(&db)?;
    let mut seen = 0;
    for post in stream.iter() {
        let post = post?;
        seen += 1;
        assert_eq!(i64::from(post.views), seen);
        if seen % 997 == 1 {
            let ahead = POSTS + 1 - seen;
            let other = Post::get(&db, ahead)?.ok_or("post ahead")?;
            assert_eq!(other.title, format!("p{ahead}"));
            let above = Post::query()
                .filter(Post::VIEWS.gt(i32::try_from(seen)?))
                .count(&db)?;
            assert_eq!(above, u64::try_from(POSTS - seen)?);
        }
    }
    assert_eq!(seen, POSTS);
    Ok(())
}

fn a_long_stream_dropped_early_leaves_the_connection_ready(engine: Engine) -> TestResult {
    let (_dir, mut db) = many_posts(engine)?;
    {
        let mut stream = by_views().stream(&db)?;
        let first: Vec<_> = stream
            .iter()
            .take(10)
            .collect::<litemodel::Result<Vec<_>>>()?;
        assert_eq!(first.len(), 10);
    }
    assert_eq!(Post::query().count(&db)?, u64::try_from(POSTS)?);
    // The same inside a transaction, which then commits a write.
    db.transaction(|s| {
        let mut stream = by_views().stream(s)?;
        let first = stream.iter().next().transpose()?;
        assert_eq!(first.map(|p| p.views), Some(1));
        drop(stream);
        s.add(Post::new("after", 0));
        Ok::<_, Error>(())
    })?;
    assert_eq!(Post::query().count(&db)?, u64::try_from(POSTS)? + 1);
    let last = by_views().stream(&db)?.iter().last().ok_or("rows")??;
    assert_eq!(i64::from(last.views), POSTS);
    Ok(())
}

/// Two streams read in turn, a row of each: both see all their rows.
fn two_long_streams_read_in_turn(engine: Engine) -> TestResult {
    let (_dir, db) = many_posts(engine)?;
    let mut up = by_views().stream(&db)?;
    let mut down_query = Post::query().order_by(Post::VIEWS.desc()).stream(&db)?;
    let mut ups = up.iter();
    let mut downs = down_query.iter();
    let mut n = 0;
    loop {
        match (ups.next(), downs.next()) {
            (Some(a), Some(b)) => {
                let (a, b) = (a?, b?);
                n += 1;
                assert_eq!(i64::from(a.views), n);
                assert_eq!(i64::from(b.views), POSTS + 1 - n);
            }
            (None, None) => break,
            _ => return Err("one stream ended before the other".into()),
        }
    }
    assert_eq!(n, POSTS);
    Ok(())
}

/// A stream that fails part way (an integer overflow at the row with views
/// 5000, on both engines): the rows before it arrive, then the error, and the
/// connection serves the next statement.
fn a_stream_that_fails_part_way_reports_it_after_the_rows_before(engine: Engine) -> TestResult {
    let (_dir, db) = many_posts(engine)?;
    let overflow = Expr::raw(
        "abs(CASE WHEN \"views\" = 5000 THEN -9223372036854775807 - 1 ELSE 1 END) > 0",
        Vec::<i64>::new(),
    );
    let mut stream = Post::query().filter(overflow).stream(&db)?;
    let mut read = 0;
    let mut failed = None;
    for post in stream.iter() {
        match post {
            Ok(_) => read += 1,
            Err(err) => {
                failed = Some(err);
                break;
            }
        }
    }
    let err = failed.ok_or("the stream must fail at views = 5000")?;
    let text = err.to_string();
    assert!(
        text.contains("integer overflow") || text.contains("bigint out of range"),
        "{text}"
    );
    assert_eq!(read, 4999);
    drop(stream);
    assert_eq!(Post::query().count(&db)?, u64::try_from(POSTS)?);
    Ok(())
}

engines!(
    a_long_stream_is_read_whole_in_order_by_one_statement,
    statements_inside_a_long_stream_see_their_own_rows,
    a_long_stream_dropped_early_leaves_the_connection_ready,
    two_long_streams_read_in_turn,
    a_stream_that_fails_part_way_reports_it_after_the_rows_before,
);

/// The database's own client (PostgreSQL) runs a statement in the middle of a
/// stream, and the stream still reads every row.
#[cfg(feature = "postgres")]
#[test]
fn the_postgres_client_runs_inside_a_stream() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, db) = many_posts(Engine::Postgres)?;
    let mut stream = by_views().stream(&db)?;
    let mut seen = 0;
    for post in stream.iter() {
        post?;
        seen += 1;
        if seen == 10 {
            let mut client = db.postgres().ok_or("a PostgreSQL database")?;
            let row = client.query_one("SELECT count(*) FROM posts", &[])?;
            assert_eq!(row.try_get::<_, i64>(0)?, POSTS);
        }
    }
    assert_eq!(seen, POSTS);
    Ok(())
}

/// `litemodel::postgres_client` opens a `postgres` crate client on the URL,
/// with the same errors as `Database::connect`.
#[cfg(feature = "postgres")]
#[test]
fn a_postgres_crate_client_from_a_url() -> TestResult {
    let err = litemodel::postgres_client("sqlite:///app.sqlite")
        .err()
        .ok_or("a SQLite URL is not a PostgreSQL server")?;
    assert!(matches!(err, Error::InvalidUrl { .. }), "{err:?}");
    let err = litemodel::postgres_client("postgresql://app:secret@127.0.0.1:1/app")
        .err()
        .ok_or("nothing listens on port 1")?;
    let text = err.to_string();
    assert!(
        text.starts_with("cannot connect to `postgresql://app:***@127.0.0.1:1/app`"),
        "{text}"
    );
    if !common::postgres_available() {
        return Ok(());
    }
    let mut client = litemodel::postgres_client(&std::env::var(common::POSTGRES_ENV)?)?;
    let row = client.query_one("SELECT 1 + 1", &[])?;
    assert_eq!(row.try_get::<_, i32>(0)?, 2);
    Ok(())
}

/// A transaction opened on an open transaction of the database's client is a
/// savepoint: rolled back alone, the outer transaction keeps its own work.
#[cfg(feature = "postgres")]
#[test]
fn a_client_transaction_inside_another_is_a_savepoint() -> TestResult {
    if !common::postgres_available() {
        return Ok(());
    }
    let (_dir, db) = blog_db(Engine::Postgres)?;
    {
        let mut client = db.postgres().ok_or("a PostgreSQL database")?;
        let mut outer = client.transaction()?;
        outer.execute("INSERT INTO posts (title, views) VALUES ('kept', 1)", &[])?;
        let mut inner = outer.transaction()?;
        inner.execute("INSERT INTO posts (title, views) VALUES ('undone', 2)", &[])?;
        inner.rollback()?;
        {
            let inner = outer.transaction()?;
            drop(inner); // dropped: rolled back to its savepoint too
        }
        let mut inner = outer.transaction()?;
        inner.execute(
            "INSERT INTO posts (title, views) VALUES ('released', 3)",
            &[],
        )?;
        inner.commit()?;
        outer.commit()?;
    }
    let mut titles: Vec<String> = Post::query()
        .all(&db)?
        .into_iter()
        .map(|p| p.title)
        .collect();
    titles.sort();
    assert_eq!(titles, ["kept", "released"]);
    Ok(())
}
