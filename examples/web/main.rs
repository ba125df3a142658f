//! A JSON web service over the showcase models: axum on tokio, litemodel
//! through its async façade. The routes are in `service.rs`.
//!
//! ```sh
//! cargo run --example web                      # SQLite: ./web.sqlite
//! DATABASE_URL=postgresql://localhost/flasky cargo run --example web
//! curl -s localhost:3000/posts?page=1          # then see the README
//! ```
//!
//! `BIND` sets the address (default `127.0.0.1:3000`); `LITEMODEL_TRACE=1`
//! prints a span per SQL statement.

mod service;

use litemodel::AsyncPool;
use litemodel_workspace::models::SCHEMA;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let level = match std::env::var_os("LITEMODEL_TRACE") {
        Some(_) => tracing::Level::DEBUG,
        None => tracing::Level::INFO,
    };
    tracing_subscriber::fmt()
        .with_max_level(level)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "sqlite:///web.sqlite".to_owned());
    let bind = std::env::var("BIND").unwrap_or_else(|_| "127.0.0.1:3000".to_owned());
    let pool = AsyncPool::connect(&url).await?;
    pool.interact(|db| db.create_all(&SCHEMA)).await??;
    let listener = tokio::net::TcpListener::bind(&bind).await?;
    tracing::info!("serving {url} on http://{}", listener.local_addr()?);
    axum::serve(listener, service::router(pool))
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    Ok(())
}
