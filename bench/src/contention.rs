//! Write contention on one WAL file: 2 processes × 4 pooled writer threads, each
//! committing one small transaction after another for a fixed time (issue 17,
//! point 5). Reports every writer's commits, the spread and Jain's fairness
//! index, and the errors ("database is locked" past the busy timeout).
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml -- contention --seconds 5 [--fair]
//! ```

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use litemodel::{Database, Pool};

use crate::harness::BenchResult;
use crate::models::{Role, User, SCHEMA};

const PROCESSES: usize = 2;
const THREADS: usize = 4;

pub struct Options {
    seconds: u64,
    /// `Pool::fair_busy_wait(true)` instead of SQLite's own busy handler.
    fair: bool,
}

pub fn parse_options(args: &[String]) -> BenchResult<Options> {
    let mut options = Options {
        seconds: 5,
        fair: false,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--seconds" => {
                options.seconds = args.next().ok_or("--seconds needs a value")?.parse()?
            }
            "--fair" => options.fair = true,
            other => return Err(format!("unknown argument {other}").into()),
        }
    }
    Ok(options)
}

/// One writer process: `THREADS` threads on one pool until `deadline_ms` (ms since
/// the Unix epoch); prints `writer <process>.<thread> <commits> <errors>`.
pub fn child(args: &[String]) -> BenchResult {
    let [path, process, deadline_ms, handler] = args else {
        return Err("usage: contention-child <db> <process> <deadline ms> <fair|sqlite>".into());
    };
    let path = PathBuf::from(path);
    let deadline_ms: u128 = deadline_ms.parse()?;
    let pool = Pool::builder(&path)
        .max_size(THREADS as u32)
        .fair_busy_wait(handler == "fair")
        .build()?;
    let process = Arc::new(process.clone());
    let threads: Vec<_> = (0..THREADS)
        .map(|t| {
            let (pool, process) = (pool.clone(), Arc::clone(&process));
            std::thread::spawn(move || -> Result<(usize, usize, usize), String> {
                let (mut commits, mut errors, mut n) = (0, 0, 0);
                while now_ms() < deadline_ms {
                    let mut db = pool.get().map_err(|e| e.to_string())?;
                    n += 1;
                    let result = db.transaction(|s| {
                        let role = s.add(Role::new(format!("p{process} t{t} n{n}")));
                        s.add(User::new(format!("p{process} t{t} n{n}")).with_role(role));
                        Ok::<_, litemodel::Error>(())
                    });
                    match result {
                        Ok(()) => commits += 1,
                        Err(_) => errors += 1,
                    }
                }
                Ok((t, commits, errors))
            })
        })
        .collect();
    for thread in threads {
        let (t, commits, errors) = thread.join().map_err(|_| "a writer panicked")??;
        println!("writer {process}.{t} {commits} {errors}");
    }
    Ok(())
}

fn now_ms() -> u128 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis())
}

pub fn run(options: &Options) -> BenchResult {
    let dir = std::env::temp_dir().join(format!("litemodel-contention-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("contention.sqlite");
    let result = measure(&path, options);
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn measure(path: &Path, options: &Options) -> BenchResult {
    Database::open(path)?.create_all(&SCHEMA)?;
    let exe = std::env::current_exe()?;
    // Start together: the children wait for nothing but the clock.
    let deadline = now_ms() + 500 + u128::from(options.seconds) * 1000;
    let started = Instant::now();
    let children = (0..PROCESSES)
        .map(|p| {
            Command::new(&exe)
                .arg("contention-child")
                .arg(path)
                .arg(p.to_string())
                .arg(deadline.to_string())
                .arg(if options.fair { "fair" } else { "sqlite" })
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
        })
        .collect::<Result<Vec<_>, _>>()?;
    let mut writers: Vec<(String, u64, u64)> = Vec::new();
    for child in children {
        let output = child.wait_with_output()?;
        if !output.status.success() {
            return Err(format!(
                "a writer process failed: {}",
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        for line in String::from_utf8_lossy(&output.stdout).lines() {
            if let ["writer", name, commits, errors] =
                line.split_whitespace().collect::<Vec<_>>().as_slice()
            {
                writers.push(((*name).to_owned(), commits.parse()?, errors.parse()?));
            }
        }
    }
    let took = started.elapsed().saturating_sub(Duration::from_millis(500));
    let db = Database::open(path)?;
    let stored = Role::query().count(&db)?;
    let commits: Vec<u64> = writers.iter().map(|w| w.1).collect();
    let total: u64 = commits.iter().sum();
    let errors: u64 = writers.iter().map(|w| w.2).sum();
    let (min, max) = (
        commits.iter().copied().min().unwrap_or(0),
        commits.iter().copied().max().unwrap_or(0),
    );
    let sum_sq: f64 = commits.iter().map(|&c| (c as f64).powi(2)).sum();
    let jain = if sum_sq > 0.0 {
        (total as f64).powi(2) / (commits.len() as f64 * sum_sq)
    } else {
        0.0
    };
    for (name, c, e) in &writers {
        println!("writer {name}: {c} commits, {e} errors");
    }
    println!(
        "{} busy handler, {PROCESSES} processes x {THREADS} threads, {:.1} s: {total} commits ({:.0}/s), \
         {stored} rows stored, {errors} errors; per writer min {min}, max {max}; \
         Jain's fairness index {jain:.3}",
        if options.fair { "fair" } else { "SQLite's" },
        took.as_secs_f64(),
        total as f64 / took.as_secs_f64().max(1e-9),
    );
    if stored != total {
        return Err(format!("{total} commits reported, {stored} rows stored").into());
    }
    Ok(())
}
