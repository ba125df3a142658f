//! The JSON service of `examples/web`: Flasky's posts, users and follows over
//! the showcase models, served by axum through litemodel's [`AsyncPool`].
//!
//! | route | does |
//! | --- | --- |
//! | `GET /posts?page=1&per_page=20` | newest posts first, each with its author (one page: 3 statements however many posts) |
//! | `POST /users` `{"username"}` | registers a user (409 when the name is taken) |
//! | `POST /posts` `{"author_id", "title", "body"}` | writes a post (404 without that author, 409 when the author has a post of that title) |
//! | `GET /users/{id}/followed_posts?page=1` | posts of the users `id` follows (404 without that user) |
//! | `PUT /users/{id}/following/{other}` | follows (204; 409 when already following) |
//! | `DELETE /users/{id}/following/{other}` | unfollows (204; 404 when not following) |
//!
//! Every response carries `x-statement-count`: the SQL statements the
//! request ran (its pooled connection's counter), so that an N+1 shows.

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use litemodel::{AsyncPool, Database, Error, NaiveDateTime};
use litemodel_workspace::models::{Follow, Post, User};
use serde::{Deserialize, Serialize};

/// The largest page a client may ask for.
const MAX_PER_PAGE: u64 = 100;

/// The routes above, over `pool`.
pub fn router(pool: AsyncPool) -> Router {
    Router::new()
        .route("/posts", get(list_posts).post(create_post))
        .route("/users", post(create_user))
        .route("/users/{id}/followed_posts", get(followed_posts))
        .route(
            "/users/{id}/following/{other}",
            put(follow).delete(unfollow),
        )
        .with_state(pool)
}

/// A litemodel error as an HTTP response: the status it deserves and the
/// message as `{"error": ...}`, with the statements the request ran.
pub struct ApiError {
    error: Error,
    statements: u64,
}

impl From<Error> for ApiError {
    fn from(error: Error) -> Self {
        ApiError {
            error,
            statements: 0,
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = match &self.error {
            Error::UniqueViolation { .. } => StatusCode::CONFLICT,
            Error::NotFound { .. } => StatusCode::NOT_FOUND,
            Error::InvalidPage { .. } => StatusCode::BAD_REQUEST,
            Error::Unsupported { .. } => StatusCode::NOT_IMPLEMENTED,
            _ => StatusCode::INTERNAL_SERVER_ERROR,
        };
        let message = if status == StatusCode::INTERNAL_SERVER_ERROR {
            tracing::error!("{}", self.error);
            "internal error".to_owned()
        } else {
            self.error.to_string()
        };
        let body = Json(serde_json::json!({ "error": message }));
        with_count((status, body).into_response(), self.statements)
    }
}

fn with_count(mut response: Response, statements: u64) -> Response {
    response
        .headers_mut()
        .insert("x-statement-count", HeaderValue::from(statements));
    response
}

/// A handler's answer: a status, a JSON body (none for 204) and the number
/// of statements the request ran.
pub struct Answer {
    status: StatusCode,
    body: Option<serde_json::Value>,
    statements: u64,
}

impl IntoResponse for Answer {
    fn into_response(self) -> Response {
        let response = match self.body {
            Some(body) => (self.status, Json(body)).into_response(),
            None => self.status.into_response(),
        };
        with_count(response, self.statements)
    }
}

/// Runs `work` with a pooled connection off the executor, counting its
/// statements; its value becomes the JSON body with `status`.
async fn run<T, F>(pool: &AsyncPool, status: StatusCode, work: F) -> Result<Answer, ApiError>
where
    T: Serialize + Send + 'static,
    F: FnOnce(&mut Database) -> litemodel::Result<T> + Send + 'static,
{
    let (result, statements) = pool
        .interact(move |db| {
            let counter = db.statement_counter();
            counter.count(|| work(db))
        })
        .await?;
    let value = result.map_err(|error| ApiError { error, statements })?;
    let body = match serde_json::to_value(value) {
        Ok(serde_json::Value::Null) => None,
        Ok(body) => Some(body),
        Err(err) => {
            let error = Error::InvalidValue {
                table: None,
                reason: format!("the response cannot be written as JSON: {err}"),
            };
            return Err(ApiError { error, statements });
        }
    };
    Ok(Answer {
        status,
        body,
        statements,
    })
}

#[derive(Debug, Deserialize)]
pub struct PageParams {
    page: Option<u64>,
    per_page: Option<u64>,
}

impl PageParams {
    fn get(&self) -> (u64, u64) {
        (
            self.page.unwrap_or(1),
            self.per_page.unwrap_or(20).min(MAX_PER_PAGE),
        )
    }
}

#[derive(Debug, Serialize)]
pub struct UserOut {
    id: Option<i64>,
    username: Option<String>,
}

impl From<&User> for UserOut {
    fn from(user: &User) -> Self {
        UserOut {
            id: user.id,
            username: user.username.clone(),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct PostOut {
    id: Option<i64>,
    title: String,
    body: Option<String>,
    timestamp: Option<NaiveDateTime>,
    author: Option<UserOut>,
}

#[derive(Debug, Serialize)]
pub struct PageOut {
    items: Vec<PostOut>,
    page: u64,
    per_page: u64,
    total: u64,
}

/// A page of `query`'s posts, newest first, with their authors loaded by the
/// same statement (a JOIN): a count, the page, and the posts' tags (the
/// showcase loads `Post.tags` with `selectin`) — 3 statements.
fn page_of_posts(
    db: &Database,
    query: litemodel::Query<Post>,
    (page, per_page): (u64, u64),
) -> litemodel::Result<PageOut> {
    let found = query
        .options(Post::AUTHOR.joined())
        .order_by(Post::TIMESTAMP.desc())
        .order_by(Post::ID.desc())
        .paginate(db, page, per_page)?;
    let mut items = Vec::with_capacity(found.items.len());
    for post in &found.items {
        items.push(PostOut {
            id: post.id,
            title: post.title.clone(),
            body: post.body.clone(),
            timestamp: post.timestamp,
            author: post.author(db)?.map(UserOut::from),
        });
    }
    Ok(PageOut {
        items,
        page: found.page,
        per_page: found.per_page,
        total: found.total,
    })
}

async fn list_posts(
    State(pool): State<AsyncPool>,
    Query(params): Query<PageParams>,
) -> Result<Answer, ApiError> {
    let page = params.get();
    run(&pool, StatusCode::OK, move |db| {
        page_of_posts(db, Post::query(), page)
    })
    .await
}

/// The user with key `id`, or `Error::NotFound` (a 404).
fn user(db: &Database, id: i64) -> litemodel::Result<User> {
    User::query()
        .get(db, id)?
        .ok_or(Error::NotFound { table: "users" })
}

async fn followed_posts(
    State(pool): State<AsyncPool>,
    Path(id): Path<i64>,
    Query(params): Query<PageParams>,
) -> Result<Answer, ApiError> {
    let page = params.get();
    run(&pool, StatusCode::OK, move |db| {
        user(db, id)?;
        // Flasky's `followed_posts`: posts joined to the follows of `id`.
        let query = Post::query()
            .join_on(Follow::FOLLOWED_ID.eq_col(Post::AUTHOR_ID))
            .filter_joined(Follow::FOLLOWER_ID.eq(id));
        page_of_posts(db, query, page)
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct NewUser {
    username: String,
}

async fn create_user(
    State(pool): State<AsyncPool>,
    Json(new): Json<NewUser>,
) -> Result<Answer, ApiError> {
    run(&pool, StatusCode::CREATED, move |db| {
        db.transaction(|s| {
            let key = s.add(User::new(new.username));
            s.flush()?;
            Ok(UserOut::from(&s[key]))
        })
    })
    .await
}

#[derive(Debug, Deserialize)]
pub struct NewPost {
    author_id: i64,
    title: String,
    body: Option<String>,
}

async fn create_post(
    State(pool): State<AsyncPool>,
    Json(new): Json<NewPost>,
) -> Result<Answer, ApiError> {
    run(&pool, StatusCode::CREATED, move |db| {
        let author = user(db, new.author_id)?;
        db.transaction(|s| {
            let mut post = Post::new(new.title);
            post.body = new.body;
            post.author_id = author.id;
            let key = s.add(post);
            s.flush()?;
            let post = &s[key];
            Ok(PostOut {
                id: post.id,
                title: post.title.clone(),
                body: post.body.clone(),
                timestamp: post.timestamp,
                author: Some(UserOut::from(&author)),
            })
        })
    })
    .await
}

async fn follow(
    State(pool): State<AsyncPool>,
    Path((id, other)): Path<(i64, i64)>,
) -> Result<Answer, ApiError> {
    run(&pool, StatusCode::NO_CONTENT, move |db| {
        user(db, id)?;
        user(db, other)?;
        db.transaction(|s| {
            s.add(Follow {
                follower_id: Some(id),
                followed_id: Some(other),
                timestamp: Some(litemodel::types::now()),
                ..Follow::default()
            });
            Ok(())
        })
    })
    .await
}

async fn unfollow(
    State(pool): State<AsyncPool>,
    Path((id, other)): Path<(i64, i64)>,
) -> Result<Answer, ApiError> {
    run(&pool, StatusCode::NO_CONTENT, move |db| {
        let removed = Follow::query()
            .filter(Follow::FOLLOWER_ID.eq(id) & Follow::FOLLOWED_ID.eq(other))
            .delete(&*db)?;
        match removed {
            0 => Err(Error::NotFound { table: "follows" }),
            _ => Ok(()),
        }
    })
    .await
}
