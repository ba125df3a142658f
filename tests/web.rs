//! End to end: the axum service of `examples/web` on a loopback port, driven
//! over HTTP by a real client (reqwest), on a SQLite file and on the
//! PostgreSQL server of `LITEMODEL_TEST_POSTGRES`. Asserts the responses,
//! the statuses errors map to, and the statements each request ran (its
//! `x-statement-count`): a page of posts with their authors costs the same
//! whatever its size.

#[path = "../examples/web/service.rs"]
#[allow(dead_code, reason = "the example's binary uses the rest")]
mod service;

use std::sync::atomic::{AtomicU32, Ordering};

use litemodel::AsyncPool;
use litemodel_workspace::models::SCHEMA;
use reqwest::{Client, Response, StatusCode};
use serde_json::{json, Value};

type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

const POSTGRES_ENV: &str = "LITEMODEL_TEST_POSTGRES";

/// Statements of one page of posts: the count, the page with its authors
/// (one JOIN), the page's tags (`Post.tags` is `selectin`).
const PAGE_STATEMENTS: u64 = 3;

#[test]
fn the_service_on_sqlite() -> TestResult {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite:///{}", dir.path().join("web.sqlite").display());
    exercise(&url)
}

#[test]
fn the_service_on_postgres() -> TestResult {
    let Ok(server) = std::env::var(POSTGRES_ENV) else {
        assert!(
            std::env::var("CI").map_or(true, |ci| ci != "true"),
            "{POSTGRES_ENV} is not set: CI runs every PostgreSQL test"
        );
        eprintln!("skipping: {POSTGRES_ENV} is not set");
        return Ok(());
    };
    let schema = PgSchema::create(&server)?;
    exercise(&schema.url)
}

/// A schema of its own on the test server, dropped at the end.
struct PgSchema {
    server: String,
    name: String,
    url: String,
}

impl PgSchema {
    fn create(server: &str) -> TestResult<Self> {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "web_{}_{}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = litemodel::postgres::Client::connect(server, litemodel::postgres::NoTls)?;
        admin.batch_execute(&format!("CREATE SCHEMA {name}"))?;
        let url = if server.contains("://") {
            let separator = if server.contains('?') { '&' } else { '?' };
            format!("{server}{separator}options=-c%20search_path%3D{name}")
        } else {
            format!("{server} options='-c search_path={name}'")
        };
        Ok(PgSchema {
            server: server.to_owned(),
            name,
            url,
        })
    }
}

impl Drop for PgSchema {
    fn drop(&mut self) {
        if let Ok(mut admin) =
            litemodel::postgres::Client::connect(&self.server, litemodel::postgres::NoTls)
        {
            let _ = admin.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", self.name));
        }
    }
}

/// The client side: the base URL and the calls the test makes.
struct Api {
    client: Client,
    base: String,
}

impl Api {
    async fn send(&self, request: reqwest::RequestBuilder) -> TestResult<(StatusCode, Value, u64)> {
        let response: Response = request.send().await?;
        let status = response.status();
        let statements = response
            .headers()
            .get("x-statement-count")
            .ok_or("no x-statement-count header")?
            .to_str()?
            .parse()?;
        let text = response.text().await?;
        let body = if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text)?
        };
        Ok((status, body, statements))
    }

    async fn get(&self, path: &str) -> TestResult<(StatusCode, Value, u64)> {
        self.send(self.client.get(format!("{}{path}", self.base)))
            .await
    }

    async fn post(&self, path: &str, body: Value) -> TestResult<(StatusCode, Value, u64)> {
        self.send(self.client.post(format!("{}{path}", self.base)).json(&body))
            .await
    }

    async fn put(&self, path: &str) -> TestResult<(StatusCode, Value, u64)> {
        self.send(self.client.put(format!("{}{path}", self.base)))
            .await
    }

    async fn delete(&self, path: &str) -> TestResult<(StatusCode, Value, u64)> {
        self.send(self.client.delete(format!("{}{path}", self.base)))
            .await
    }

    /// Registers `name`; its key.
    async fn user(&self, name: &str) -> TestResult<i64> {
        let (status, body, _) = self.post("/users", json!({ "username": name })).await?;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["username"], name);
        body["id"]
            .as_i64()
            .ok_or_else(|| format!("no id in {body}").into())
    }
}

fn exercise(url: &str) -> TestResult {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    runtime.block_on(async {
        let pool = AsyncPool::connect(url).await?;
        pool.interact(|db| db.create_all(&SCHEMA)).await??;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let base = format!("http://{}", listener.local_addr()?);
        let server = tokio::spawn(std::future::IntoFuture::into_future(axum::serve(
            listener,
            service::router(pool),
        )));
        let api = Api {
            client: Client::new(),
            base,
        };
        let result = drive(&api).await;
        server.abort();
        result
    })
}

async fn drive(api: &Api) -> TestResult {
    let john = api.user("john").await?;
    let susan = api.user("susan").await?;
    let david = api.user("david").await?;

    // A taken username: the unique violation is a 409.
    let (status, body, _) = api.post("/users", json!({ "username": "john" })).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"].as_str().is_some_and(|e| e.contains("unique")),
        "{body}"
    );

    // Twelve posts, four by each.
    for n in 0..12 {
        let author = [john, susan, david][n % 3];
        let (status, body, _) = api
            .post(
                "/posts",
                json!({ "author_id": author, "title": format!("post {n}"), "body": "text" }),
            )
            .await?;
        assert_eq!(status, StatusCode::CREATED, "{body}");
        assert_eq!(body["author"]["id"], author);
        assert!(body["timestamp"].is_string(), "{body}");
    }
    // The same title twice by one author breaks uq_posts_author_title: 409.
    let (status, body, _) = api
        .post("/posts", json!({ "author_id": john, "title": "post 0" }))
        .await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    // An unknown author: 404, and nothing is written.
    let (status, body, _) = api
        .post("/posts", json!({ "author_id": 999_999, "title": "orphan" }))
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND, "{body}");

    // A page of posts with their authors: the same statements for 1 post
    // as for 5 (no N+1).
    let (status, page, statements) = api.get("/posts?page=1&per_page=5").await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 12);
    let items = page["items"].as_array().ok_or("no items")?;
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["title"], "post 11"); // newest first
    assert_eq!(items[0]["author"]["username"], "david");
    assert!(items
        .iter()
        .all(|post| post["author"]["username"].is_string()));
    assert_eq!(statements, PAGE_STATEMENTS);
    let (_, page, statements) = api.get("/posts?page=3&per_page=5").await?;
    assert_eq!(page["items"].as_array().map(Vec::len), Some(2));
    assert_eq!(statements, PAGE_STATEMENTS);
    let (_, _, statements) = api.get("/posts?per_page=1").await?;
    assert_eq!(statements, PAGE_STATEMENTS);
    // A body that is not a post: axum's rejection (422), no statement run,
    // and the service carries on.
    let rejected = api
        .client
        .post(format!("{}/posts", api.base))
        .json(&json!({ "author_id": "john", "title": 7 }))
        .send()
        .await?;
    assert_eq!(rejected.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let rejected = api
        .client
        .post(format!("{}/users", api.base))
        .header("content-type", "application/json")
        .body("{\"username\": ")
        .send()
        .await?;
    assert_eq!(rejected.status(), StatusCode::BAD_REQUEST);
    // Page 0 is the client's mistake: 400.
    let (status, body, _) = api.get("/posts?page=0").await?;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");

    // Followed posts of an unknown user: 404.
    let (status, _, _) = api.get("/users/999999/followed_posts").await?;
    assert_eq!(status, StatusCode::NOT_FOUND);

    let (status, body, _) = api.put(&format!("/users/{john}/following/{susan}")).await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");
    let (status, body, _) = api.put(&format!("/users/{john}/following/{susan}")).await?;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    let (status, body, _) = api.put(&format!("/users/{john}/following/{david}")).await?;
    assert_eq!(status, StatusCode::NO_CONTENT, "{body}");

    // John's followed posts: Susan's and David's, four each.
    let (status, page, statements) = api
        .get(&format!("/users/{john}/followed_posts?per_page=10"))
        .await?;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["total"], 8);
    let authors: Vec<_> = page["items"]
        .as_array()
        .ok_or("no items")?
        .iter()
        .map(|post| post["author"]["username"].clone())
        .collect();
    assert_eq!(authors.len(), 8);
    assert!(
        authors.iter().all(|a| a == "susan" || a == "david"),
        "{authors:?}"
    );
    // The user's existence check, then the page.
    assert_eq!(statements, 1 + PAGE_STATEMENTS);

    // Unfollow, then again: 204, then 404.
    let (status, _, _) = api
        .delete(&format!("/users/{john}/following/{susan}"))
        .await?;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = api
        .delete(&format!("/users/{john}/following/{susan}"))
        .await?;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, page, _) = api.get(&format!("/users/{john}/followed_posts")).await?;
    assert_eq!(page["total"], 4);
    Ok(())
}
