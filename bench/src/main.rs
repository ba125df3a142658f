//! litemodel's benchmark: each workload with litemodel, hand-written rusqlite and
//! Diesel, in memory and on a WAL file; medians, ratios and peak memory.
//!
//! ```sh
//! cargo run --release --manifest-path bench/Cargo.toml            # everything (~5 min)
//! cargo run --release --manifest-path bench/Cargo.toml -- --quick # fewer samples
//! cargo run --release --manifest-path bench/Cargo.toml -- codegen-build  # compile time against Diesel
//! ```
//!
//! Every (library, workload, storage) runs in a process of its own, so its peak
//! memory is its own: the driver re-executes this binary (`run ...`) for litemodel
//! and rusqlite, and the Diesel runner (`bench/diesel`, built on first use) for
//! Diesel. docs/performance.md describes the workloads and the results.

mod async_bench;
mod codegen_bench;
mod codegen_build;
mod contention;
mod diesel_models;
mod harness;
mod litemodel_side;
mod pg_setup;
mod postgres_side;
mod rusqlite_side;

// Not every generated item (column constants, `get` of Role, ...) is used here.
#[allow(dead_code)]
mod models {
    litemodel::include_models!();
}

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use harness::{format_duration, BenchResult, Job, Storage, Workload};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Library {
    Litemodel,
    Rusqlite,
    Diesel,
}

impl Library {
    fn name(self) -> &'static str {
        match self {
            Library::Litemodel => "litemodel",
            Library::Rusqlite => "rusqlite",
            Library::Diesel => "diesel",
        }
    }
}

struct Options {
    samples: usize,
    workloads: Vec<Workload>,
    storages: Vec<Storage>,
    libraries: Vec<Library>,
    markdown: Option<PathBuf>,
    codegen: bool,
}

const USAGE: &str = "usage: litemodel-bench [--quick] [--samples N] [--only w1,w2] \
[--storage memory|file|postgres] [--libs litemodel,rusqlite,diesel] [--no-codegen] [--markdown FILE]
       litemodel-bench codegen
       litemodel-bench contention [--seconds N] [--fair]
       litemodel-bench async              (build with --features tracing for statement spans)
       litemodel-bench codegen-build [--models 50,200] [--runs N] [--modes check,debug,release] [--markdown FILE]
       litemodel-bench run <litemodel|rusqlite> <workload> <storage> <samples> <db path>";

fn parse_options(args: &[String]) -> BenchResult<Options> {
    let mut options = Options {
        samples: 10,
        workloads: Workload::ALL.to_vec(),
        storages: Storage::ALL.to_vec(),
        libraries: vec![Library::Litemodel, Library::Rusqlite, Library::Diesel],
        markdown: None,
        codegen: true,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--quick" => options.samples = 3,
            "--samples" => options.samples = value()?.parse()?,
            "--only" => {
                options.workloads = value()?
                    .split(',')
                    .map(|w| Workload::parse(w).ok_or_else(|| format!("unknown workload {w}")))
                    .collect::<Result<_, _>>()?;
            }
            "--storage" => {
                let v = value()?;
                options.storages =
                    vec![Storage::parse(v).ok_or_else(|| format!("unknown storage {v}"))?];
            }
            "--libs" => {
                options.libraries = value()?
                    .split(',')
                    .map(|l| match l {
                        "litemodel" => Ok(Library::Litemodel),
                        "rusqlite" => Ok(Library::Rusqlite),
                        "diesel" => Ok(Library::Diesel),
                        other => Err(format!("unknown library {other}")),
                    })
                    .collect::<Result<_, _>>()?;
            }
            "--no-codegen" => options.codegen = false,
            "--markdown" => options.markdown = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    Ok(options)
}

fn main() {
    if let Err(err) = real_main() {
        eprintln!("error: {err}");
        std::process::exit(1);
    }
}

fn real_main() -> BenchResult {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("run") => {
            let job = Job::parse(args.get(2..).unwrap_or_default())?;
            match args.get(1).map(String::as_str) {
                Some("litemodel") => litemodel_side::run(&job),
                // The hand-written lower bound: rusqlite, or the `postgres` crate.
                Some("rusqlite") if job.storage == Storage::Postgres => postgres_side::run(&job),
                Some("rusqlite") => rusqlite_side::run(&job),
                _ => Err(USAGE.into()),
            }
        }
        Some("codegen") => {
            let (took, bytes) = codegen_bench::generate(1_000, 10)?;
            println!(
                "validate + generate a 1,000-model spec: {} (median of 10, {} KiB of output)",
                format_duration(took),
                bytes / 1024
            );
            Ok(())
        }
        Some("contention") => contention::run(&contention::parse_options(&args[1..])?),
        Some("contention-child") => contention::child(&args[1..]),
        Some("async") => async_bench::run(10),
        Some("codegen-build") => {
            let options = codegen_build::parse_options(&args[1..])?;
            codegen_build::run(&bench_dir(), &options)
        }
        _ => benchmark(&parse_options(&args)?),
    }
}

fn bench_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Builds the Diesel runner (a workspace of its own) and returns its path.
fn diesel_runner() -> BenchResult<PathBuf> {
    let dir = bench_dir().join("diesel");
    eprintln!("building the Diesel runner (bench/diesel) ...");
    let status = Command::new(codegen_bench::cargo())
        .args(["build", "--release", "--quiet", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .status()?;
    if !status.success() {
        return Err(format!("building bench/diesel failed: {status}").into());
    }
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| dir.join("target"));
    Ok(target.join("release").join("litemodel-bench-diesel"))
}

/// What one process reported.
#[derive(Debug, Clone)]
struct Measured {
    median: Duration,
    samples: Vec<Duration>,
    check: u64,
    peak_kib: u64,
    above_kib: u64,
}

fn run_child(program: &Path, library: Library, job: &Job) -> BenchResult<Measured> {
    let mut command = Command::new(program);
    if library != Library::Diesel {
        command
            .arg("run")
            .arg(library.name())
            .args(&job.args()[1..]);
    } else {
        command.args(job.args());
    }
    let output = command.output()?;
    if !output.status.success() {
        return Err(format!(
            "{} {} ({}) failed: {}\n{}",
            library.name(),
            job.workload,
            job.storage.name(),
            output.status,
            String::from_utf8_lossy(&output.stderr)
        )
        .into());
    }
    let mut samples = Vec::new();
    let (mut check, mut peak_kib, mut above_kib) = (0, 0, 0);
    for line in String::from_utf8_lossy(&output.stdout).lines() {
        let fields: Vec<&str> = line.split_whitespace().collect();
        match fields.as_slice() {
            ["sample", ns] => samples.push(Duration::from_nanos(ns.parse()?)),
            ["check", n] => check = n.parse()?,
            ["memory", peak, above] => {
                peak_kib = peak.parse()?;
                above_kib = above.parse()?;
            }
            _ => {}
        }
    }
    if samples.is_empty() {
        return Err(format!("{} {} reported no sample", library.name(), job.workload).into());
    }
    samples.sort();
    let n = samples.len();
    let median = if n % 2 == 1 {
        samples[n / 2]
    } else {
        (samples[n / 2 - 1] + samples[n / 2]) / 2
    };
    Ok(Measured {
        median,
        samples,
        check,
        peak_kib,
        above_kib,
    })
}

struct Row {
    workload: Workload,
    storage: Storage,
    results: Vec<(Library, Measured)>,
}

impl Row {
    fn of(&self, library: Library) -> Option<&Measured> {
        self.results
            .iter()
            .find(|(l, _)| *l == library)
            .map(|(_, m)| m)
    }

    fn ratio(&self, other: Library) -> Option<f64> {
        let ours = self.of(Library::Litemodel)?.median.as_secs_f64();
        let theirs = self.of(other)?.median.as_secs_f64();
        Some(ours / theirs)
    }
}

fn samples_for(workload: Workload, samples: usize) -> usize {
    // A million rows per sample: half the samples are enough.
    if workload == Workload::Stream {
        samples.div_ceil(2).max(2)
    } else {
        samples
    }
}

fn benchmark(options: &Options) -> BenchResult {
    litemodel_side::check_schema()?;
    let this = std::env::current_exe()?;
    let diesel = if options.libraries.contains(&Library::Diesel) {
        Some(diesel_runner()?)
    } else {
        None
    };
    let dir = std::env::temp_dir().join(format!("litemodel-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let mut rows = Vec::new();
    for &storage in &options.storages {
        for &workload in &options.workloads {
            let job = Job {
                workload,
                storage,
                samples: samples_for(workload, options.samples),
                path: dir.join("bench.sqlite"),
            };
            let mut results = Vec::new();
            for &library in &options.libraries {
                let program = match library {
                    Library::Diesel => diesel.as_deref().ok_or("no Diesel runner")?,
                    _ => this.as_path(),
                };
                eprint!(
                    "{:<18} {:<6} {:<9} ",
                    workload.name(),
                    storage.name(),
                    library.name()
                );
                let measured = run_child(program, library, &job)?;
                eprintln!(
                    "median {:>9}  (min {}, max {})  peak {} KiB (+{} KiB)",
                    format_duration(measured.median),
                    format_duration(measured.samples[0]),
                    format_duration(measured.samples[measured.samples.len() - 1]),
                    measured.peak_kib,
                    measured.above_kib
                );
                results.push((library, measured));
            }
            job.remove_database()?;
            if let Some((_, first)) = results.first() {
                for (library, m) in &results {
                    if m.check != first.check {
                        eprintln!(
                            "warning: {workload} ({}) checksums differ: {} {} vs {} {}",
                            storage.name(),
                            results[0].0.name(),
                            first.check,
                            library.name(),
                            m.check
                        );
                    }
                }
            }
            rows.push(Row {
                workload,
                storage,
                results,
            });
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    let codegen = if options.codegen {
        let (took, bytes) = codegen_bench::generate(1_000, options.samples)?;
        Some((took, bytes))
    } else {
        None
    };
    let table = markdown(&rows, options, codegen);
    println!("{table}");
    if let Some(path) = &options.markdown {
        std::fs::write(path, &table)?;
    }
    Ok(())
}

fn mib(kib: u64) -> String {
    format!("{:.1}", kib as f64 / 1024.0)
}

fn markdown(rows: &[Row], options: &Options, codegen: Option<(Duration, usize)>) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Medians of {} samples (stream: {}), each after one warm-up; peak memory is the \
         process's peak RSS above its level before the first sample (MiB).\n",
        options.samples,
        samples_for(Workload::Stream, options.samples)
    );
    let _ = writeln!(
        out,
        "| workload | storage | litemodel | rusqlite | Diesel | litemodel / rusqlite | litemodel / Diesel | peak MiB (lm / rs / Diesel) |"
    );
    let _ = writeln!(
        out,
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for row in rows {
        let time = |l| row.of(l).map_or("–".into(), |m| format_duration(m.median));
        let memory = |l| row.of(l).map_or("–".into(), |m| mib(m.above_kib));
        let ratio = |l| row.ratio(l).map_or("–".into(), |r| format!("{r:.2}"));
        let _ = writeln!(
            out,
            "| `{}`: {} | {} | {} | {} | {} | {} | {} | {} / {} / {} |",
            row.workload.name(),
            row.workload.describe(),
            row.storage.name(),
            time(Library::Litemodel),
            time(Library::Rusqlite),
            time(Library::Diesel),
            ratio(Library::Rusqlite),
            ratio(Library::Diesel),
            memory(Library::Litemodel),
            memory(Library::Rusqlite),
            memory(Library::Diesel),
        );
    }
    if let Some((took, bytes)) = codegen {
        let _ = writeln!(
            out,
            "\nCodegen: validating and generating (DDL + Rust) a 1,000-model spec: {} \
             (median, {} KiB of output).",
            format_duration(took),
            bytes / 1024
        );
    }
    out
}
