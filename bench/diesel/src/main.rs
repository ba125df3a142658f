//! The workloads written with Diesel, the way its guides show (derived
//! `Queryable`/`Selectable`/`Associations`, `belonging_to` + `grouped_by`): on
//! SQLite in `sqlite.rs`, on PostgreSQL in `postgres.rs`. Run by `litemodel-bench` as `litemodel-bench-diesel run
//! <workload> <storage> <samples> <db path>`.

#[path = "../../src/harness.rs"]
#[allow(dead_code)] // the driver's half of the harness is unused here
mod harness;
mod postgres;
mod sqlite;

use harness::{BenchResult, Job, Storage};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.split_first() {
        Some((command, rest)) if command == "run" => Job::parse(rest).and_then(|job| run(&job)),
        _ => {
            Err("usage: litemodel-bench-diesel run <workload> <storage> <samples> <db path>".into())
        }
    };
    if let Err(err) = result {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

fn run(job: &Job) -> BenchResult {
    match job.storage {
        Storage::Memory | Storage::File => sqlite::run(job),
        Storage::Postgres => postgres::run(job),
    }
}
