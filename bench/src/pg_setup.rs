//! A fresh schema on the benchmark's PostgreSQL server for each run.

use crate::harness::{postgres_server, BenchResult};

const SCHEMA: &str = "litemodel_bench";

/// Drops and recreates the benchmark's schema; returns a connection string whose
/// `search_path` starts with it.
pub fn fresh_schema() -> BenchResult<String> {
    let server = postgres_server()?;
    let mut admin = postgres::Client::connect(&server, postgres::NoTls)?;
    admin.batch_execute(&format!(
        "DROP SCHEMA IF EXISTS {SCHEMA} CASCADE; CREATE SCHEMA {SCHEMA}"
    ))?;
    Ok(if server.contains("://") {
        let separator = if server.contains('?') { '&' } else { '?' };
        format!("{server}{separator}options=-c%20search_path%3D{SCHEMA}")
    } else {
        format!("{server} options='-c search_path={SCHEMA}'")
    })
}
