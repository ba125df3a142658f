//! `litemodel-bench async`: what the async façade costs per call, and what
//! statement spans cost (build with `--features tracing` for the spans).
//!
//! One SQLite file (WAL) seeded with the `get` workload's users; each figure
//! is the median of `samples` runs of `GETS` primary-key lookups:
//!
//! - `sync, held connection`: `User::query().get(&db, id)` on one `Database`;
//! - `sync, pool.get() per call`: a connection checked out of a [`Pool`] per
//!   lookup, as a thread-per-request server does;
//! - `AsyncPool::interact per call`: the same lookup through the façade,
//!   awaited one after another from a task of a multi-threaded runtime;
//! - `AsyncPool::interact, 8 tasks`: eight tasks sharing the lookups.

use std::time::{Duration, Instant};

use litemodel::{AsyncPool, Database, Pool};

use crate::harness::*;
use crate::models::{User, SCHEMA};

/// Concurrent tasks of the last figure.
const TASKS: usize = 8;

/// The median and the fastest of `samples` runs (the fastest is the steadier
/// figure on a shared machine).
fn lookups(
    samples: usize,
    mut run: impl FnMut() -> BenchResult<u64>,
) -> BenchResult<(Duration, Duration)> {
    let mut times = Vec::with_capacity(samples);
    run()?; // warm-up
    for _ in 0..samples {
        let start = Instant::now();
        let found = run()?;
        times.push(start.elapsed());
        if found != GETS as u64 {
            return Err(format!("found {found} of {GETS} users").into());
        }
    }
    times.sort();
    Ok((times[times.len() / 2], times[0]))
}

fn per_call((median, fastest): (Duration, Duration)) -> String {
    let micros = |total: Duration| total.as_nanos() as f64 / GETS as f64 / 1_000.0;
    format!("{:.2} µs | {:.2} µs", micros(median), micros(fastest))
}

pub fn run(samples: usize) -> BenchResult {
    let dir = std::env::temp_dir().join(format!("litemodel-bench-async-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("async.sqlite");
    let result = measure_all(&path, samples);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure_all(path: &std::path::Path, samples: usize) -> BenchResult {
    let db = Database::open(path)?;
    db.create_all(&SCHEMA)?;
    let seed = seed_sql(Workload::Get).ok_or("no seed for get")?;
    db.sqlite()
        .ok_or("a SQLite database")?
        .execute_batch(&seed)?;
    let spans = if cfg!(feature = "tracing") {
        if std::env::var_os("BENCH_SUBSCRIBER").is_some() {
            install_subscriber();
            "feature `tracing` on, a subscriber recording every span"
        } else {
            "feature `tracing` on, no subscriber"
        }
    } else {
        "feature `tracing` off"
    };
    println!("{GETS} primary-key lookups on a SQLite file, median of {samples} ({spans}):\n");
    println!("| call | per lookup, median | fastest run |\n| --- | ---: | ---: |");

    let held = lookups(samples, || {
        let mut found = 0;
        for i in 0..GETS {
            found += u64::from(User::query().get(&db, lookup_key(i))?.is_some());
        }
        Ok(found)
    })?;
    println!("| sync, held connection | {} |", per_call(held));

    let pool = Pool::builder(path).max_size(TASKS as u32).build()?;
    let pooled = lookups(samples, || {
        let mut found = 0;
        for i in 0..GETS {
            let db = pool.get()?;
            found += u64::from(User::query().get(&*db, lookup_key(i))?.is_some());
        }
        Ok(found)
    })?;
    println!("| sync, `pool.get()` per call | {} |", per_call(pooled));

    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let async_pool = AsyncPool::from_pool(pool.clone());
    let sequential = lookups(samples, || {
        runtime.block_on(async {
            let mut found = 0;
            for i in 0..GETS {
                let key = lookup_key(i);
                let user = async_pool
                    .interact(move |db| User::query().get(&*db, key))
                    .await??;
                found += u64::from(user.is_some());
            }
            Ok(found)
        })
    })?;
    println!(
        "| `AsyncPool::interact` per call, awaited in turn | {} |",
        per_call(sequential)
    );

    let concurrent = lookups(samples, || {
        runtime.block_on(async {
            let mut tasks = tokio::task::JoinSet::new();
            for t in 0..TASKS {
                let async_pool = async_pool.clone();
                tasks.spawn(async move {
                    let mut found = 0u64;
                    for i in (t..GETS).step_by(TASKS) {
                        let key = lookup_key(i);
                        let user = async_pool
                            .interact(move |db| User::query().get(&*db, key))
                            .await??;
                        found += u64::from(user.is_some());
                    }
                    Ok::<_, litemodel::Error>(found)
                });
            }
            let mut found = 0;
            while let Some(joined) = tasks.join_next().await {
                found += joined??;
            }
            Ok(found)
        })
    })?;
    println!(
        "| `AsyncPool::interact`, {TASKS} tasks at once (wall time / lookups) | {} |",
        per_call(concurrent)
    );
    drop(async_pool);
    drop(runtime);
    Ok(())
}

/// A subscriber that formats every statement span as it closes (into a sink).
#[cfg(feature = "tracing")]
fn install_subscriber() {
    tracing_subscriber::fmt()
        .with_writer(std::io::sink)
        .with_max_level(tracing::Level::DEBUG)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
        .init();
}

#[cfg(not(feature = "tracing"))]
fn install_subscriber() {}
