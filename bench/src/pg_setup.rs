//! A fresh schema on the benchmark's PostgreSQL server for each run.

use crate::harness::{postgres_bench_url, postgres_fresh_schema_sql, postgres_server, BenchResult};

/// Drops and recreates the benchmark's schema; returns a connection string whose
/// `search_path` starts with it.
pub fn fresh_schema() -> BenchResult<String> {
    let server = postgres_server()?;
    let mut admin = postgres::Client::connect(&server, postgres::NoTls)?;
    admin.batch_execute(&postgres_fresh_schema_sql())?;
    Ok(postgres_bench_url(&server))
}
