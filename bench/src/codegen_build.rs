//! `codegen-build`: compile time of the models litemodel generates against the
//! same schema written by hand for Diesel.
//!
//! Two crates outside every workspace, each with its own target directory: one
//! whose build.rs generates [`synthetic_spec`] and includes it with
//! `litemodel::include_models!()`, and one holding [`diesel_models`] for the same
//! schema. For each mode (`cargo check`, `cargo build`, `cargo build --release`)
//! the dependencies are built once with a one-model schema; then, for each size,
//! each run is `cargo clean -p <models crate>` followed by a timed rebuild, the two
//! sides alternating so that load on the machine hits both alike.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use crate::codegen_bench::{cargo, synthetic_spec, target_dir};
use crate::diesel_models::{diesel_models, DIESEL_DEPENDENCY};
use crate::harness::BenchResult;

const USAGE: &str = "usage: litemodel-bench codegen-build [--models 50,200] [--runs N] \
[--modes check,debug,release] [--markdown FILE]";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Check,
    Debug,
    Release,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Check, Mode::Debug, Mode::Release];

    fn parse(name: &str) -> Option<Mode> {
        Mode::ALL.into_iter().find(|m| m.name() == name)
    }

    fn name(self) -> &'static str {
        match self {
            Mode::Check => "check",
            Mode::Debug => "debug",
            Mode::Release => "release",
        }
    }

    fn command(self) -> &'static str {
        match self {
            Mode::Check => "cargo check",
            Mode::Debug => "cargo build",
            Mode::Release => "cargo build --release",
        }
    }

    fn build_args(self) -> &'static [&'static str] {
        match self {
            Mode::Check => &["check"],
            Mode::Debug => &["build"],
            Mode::Release => &["build", "--release"],
        }
    }

    /// `cargo clean -p` acts on one profile's directory (`check` shares `debug`'s).
    fn clean_args(self) -> &'static [&'static str] {
        match self {
            Mode::Check | Mode::Debug => &[],
            Mode::Release => &["--release"],
        }
    }
}

pub struct Options {
    pub models: Vec<usize>,
    pub runs: usize,
    pub modes: Vec<Mode>,
    pub markdown: Option<PathBuf>,
}

pub fn parse_options(args: &[String]) -> BenchResult<Options> {
    let mut options = Options {
        models: vec![50, 200],
        runs: 3,
        modes: Mode::ALL.to_vec(),
        markdown: None,
    };
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = || {
            args.next()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--models" => {
                options.models = value()?
                    .split(',')
                    .map(|n| n.parse().map_err(|e| format!("--models {n}: {e}")))
                    .collect::<Result<_, _>>()?;
            }
            "--runs" => options.runs = value()?.parse()?,
            "--modes" => {
                options.modes = value()?
                    .split(',')
                    .map(|m| Mode::parse(m).ok_or_else(|| format!("unknown mode {m}\n{USAGE}")))
                    .collect::<Result<_, _>>()?;
            }
            "--markdown" => options.markdown = Some(PathBuf::from(value()?)),
            "-h" | "--help" => {
                println!("{USAGE}");
                std::process::exit(0);
            }
            other => return Err(format!("unknown argument {other}\n{USAGE}").into()),
        }
    }
    if options.runs == 0 {
        return Err("--runs must be at least 1".into());
    }
    Ok(options)
}

/// One of the two crates compared.
struct Side {
    label: &'static str,
    package: &'static str,
    dir: PathBuf,
    target: PathBuf,
    /// The file that holds the schema, relative to `dir`, and its text for N models.
    schema_file: &'static str,
    schema: fn(usize) -> String,
}

/// One timed rebuild of the models crate.
#[derive(Debug, Clone, Copy, Default)]
struct Sample {
    /// Wall clock of the whole cargo invocation.
    total: Duration,
    /// Cargo's own figures for the models crate's units (`--timings`): compiling
    /// the build script, running it, compiling the library.
    script_compile: Duration,
    script_run: Duration,
    library: Duration,
}

impl Side {
    fn litemodel(bench_dir: &Path) -> BenchResult<Side> {
        let base = target_dir(bench_dir).join("codegen-build");
        let side = Side {
            label: "litemodel",
            package: "generated-models",
            dir: base.join("litemodel-models"),
            target: base.join("litemodel-target"),
            schema_file: "models.toml",
            schema: synthetic_spec,
        };
        std::fs::create_dir_all(side.dir.join("src"))?;
        let root = bench_dir
            .parent()
            .ok_or("bench/ has no parent directory")?
            .canonicalize()?;
        write(
            &side.dir.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [workspace]\n\n\
                 [dependencies]\nlitemodel = {{ path = {runtime:?} }}\n\n\
                 [build-dependencies]\nlitemodel-codegen = {{ path = {codegen:?} }}\n",
                package = side.package,
                runtime = root.join("runtime"),
                codegen = root.join("codegen"),
            ),
        )?;
        copy(&bench_dir.join("Cargo.lock"), &side.dir.join("Cargo.lock"))?;
        write(
            &side.dir.join("build.rs"),
            "fn main() -> Result<(), litemodel_codegen::BuildError> {\n    \
             litemodel_codegen::Builder::new().spec(\"models.toml\").compile()\n}\n",
        )?;
        write(
            &side.dir.join("src/lib.rs"),
            "#![allow(clippy::all)]\npub mod models {\n    litemodel::include_models!();\n}\n",
        )?;
        Ok(side)
    }

    fn diesel(bench_dir: &Path) -> BenchResult<Side> {
        let base = target_dir(bench_dir).join("codegen-build");
        let side = Side {
            label: "Diesel",
            package: "diesel-models",
            dir: base.join("diesel-models"),
            target: base.join("diesel-target"),
            schema_file: "src/lib.rs",
            schema: diesel_models,
        };
        std::fs::create_dir_all(side.dir.join("src"))?;
        // Diesel 2.3 needs libsqlite3-sys < 0.39 and rusqlite 0.43 needs 0.40: the
        // same split as bench/diesel, whose lock file this crate starts from.
        write(
            &side.dir.join("Cargo.toml"),
            &format!(
                "[package]\nname = \"{package}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
                 [workspace]\n\n\
                 [dependencies]\n{DIESEL_DEPENDENCY}\n\
                 libsqlite3-sys = {{ version = \"0.38\", features = [\"bundled\"] }}\n\
                 chrono = {{ version = \"0.4\", default-features = false }}\n",
                package = side.package,
            ),
        )?;
        let lock = side.dir.join("Cargo.lock");
        if !lock.exists() {
            copy(&bench_dir.join("diesel/Cargo.lock"), &lock)?;
        }
        Ok(side)
    }

    fn write_models(&self, models: usize) -> BenchResult {
        write(&self.dir.join(self.schema_file), &(self.schema)(models))
    }

    fn cargo(&self, args: &[&str]) -> BenchResult {
        let output = Command::new(cargo())
            .args(args)
            .arg("--quiet")
            .arg("--manifest-path")
            .arg(self.dir.join("Cargo.toml"))
            .env("CARGO_TARGET_DIR", &self.target)
            .output()
            .map_err(|e| format!("running cargo {}: {e}", args.join(" ")))?;
        if !output.status.success() {
            return Err(format!(
                "cargo {} of {} failed: {}\n{}",
                args.join(" "),
                self.dir.display(),
                output.status,
                String::from_utf8_lossy(&output.stderr)
            )
            .into());
        }
        Ok(())
    }

    /// `cargo clean -p <models crate>`, then a timed rebuild with `--timings`.
    fn rebuild(&self, mode: Mode) -> BenchResult<Sample> {
        let mut clean = vec!["clean", "-p", self.package];
        clean.extend(mode.clean_args());
        self.cargo(&clean)?;
        let mut build = mode.build_args().to_vec();
        build.push("--timings");
        let start = Instant::now();
        self.cargo(&build)?;
        let total = start.elapsed();
        let report = self.target.join("cargo-timings/cargo-timing.html");
        let html = std::fs::read_to_string(&report)
            .map_err(|e| format!("reading {}: {e}", report.display()))?;
        let mut sample =
            unit_times(&html, self.package).map_err(|e| format!("{}: {e}", report.display()))?;
        sample.total = total;
        Ok(sample)
    }
}

/// The models crate's units in cargo's `--timings` report (its `UNIT_DATA`).
fn unit_times(html: &str, package: &str) -> BenchResult<Sample> {
    let start = html
        .find("UNIT_DATA = ")
        .ok_or("no UNIT_DATA in the timings report")?;
    let units: serde_json::Value = serde_json::Deserializer::from_str(&html[start + 12..])
        .into_iter()
        .next()
        .ok_or("UNIT_DATA holds no JSON value")??;
    let mut sample = Sample::default();
    let mut found = false;
    for unit in units.as_array().ok_or("UNIT_DATA is not an array")? {
        if unit["name"].as_str() != Some(package) {
            continue;
        }
        found = true;
        let took =
            Duration::from_secs_f64(unit["duration"].as_f64().ok_or("unit without duration")?);
        let target = unit["target"].as_str().unwrap_or_default();
        if target.contains("(run)") {
            sample.script_run += took;
        } else if target.contains("build-script") || target.contains("build script") {
            sample.script_compile += took;
        } else {
            sample.library += took;
        }
    }
    if !found {
        return Err(
            format!("cargo rebuilt nothing of {package}: did `cargo clean -p` work?").into(),
        );
    }
    Ok(sample)
}

fn write(path: &Path, contents: &str) -> BenchResult {
    // Unchanged files keep their mtime, so cargo does not rebuild them for nothing.
    if std::fs::read_to_string(path).is_ok_and(|old| old == contents) {
        return Ok(());
    }
    std::fs::write(path, contents).map_err(|e| format!("writing {}: {e}", path.display()).into())
}

fn copy(from: &Path, to: &Path) -> BenchResult {
    std::fs::copy(from, to)
        .map(|_| ())
        .map_err(|e| format!("copying {} to {}: {e}", from.display(), to.display()).into())
}

struct Row {
    mode: Mode,
    models: usize,
    /// litemodel's samples, then Diesel's.
    samples: [Vec<Sample>; 2],
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    let n = times.len();
    if n % 2 == 1 {
        times[n / 2]
    } else {
        (times[n / 2 - 1] + times[n / 2]) / 2
    }
}

impl Row {
    fn median(samples: &[Sample], part: impl Fn(&Sample) -> Duration) -> Duration {
        median(samples.iter().map(part).collect())
    }
}

pub fn run(bench_dir: &Path, options: &Options) -> BenchResult {
    let litemodel = Side::litemodel(bench_dir)?;
    let diesel = Side::diesel(bench_dir)?;
    let mut rows = Vec::new();
    for &mode in &options.modes {
        eprintln!(
            "codegen-build: `{}`: building the dependencies (1-model schema) ...",
            mode.command()
        );
        for side in [&litemodel, &diesel] {
            side.write_models(1)?;
            side.cargo(mode.build_args())?;
        }
        for &models in &options.models {
            let mut row = Row {
                mode,
                models,
                samples: [Vec::new(), Vec::new()],
            };
            for side in [&litemodel, &diesel] {
                side.write_models(models)?;
            }
            for run in 1..=options.runs {
                for (samples, side) in row.samples.iter_mut().zip([&litemodel, &diesel]) {
                    let sample = side.rebuild(mode)?;
                    eprintln!(
                        "  {:<7} {models:>4} models  run {run}/{}  {:<9}  {:>7.2} s  \
                         (build script: compile {:.2} s, run {:.2} s; lib {:.2} s)",
                        mode.name(),
                        options.runs,
                        side.label,
                        sample.total.as_secs_f64(),
                        sample.script_compile.as_secs_f64(),
                        sample.script_run.as_secs_f64(),
                        sample.library.as_secs_f64(),
                    );
                    samples.push(sample);
                }
            }
            rows.push(row);
        }
    }
    let table = markdown(&rows, options.runs);
    println!("{table}");
    if let Some(path) = &options.markdown {
        std::fs::write(path, &table).map_err(|e| format!("writing {}: {e}", path.display()))?;
    }
    Ok(())
}

fn markdown(rows: &[Row], runs: usize) -> String {
    let secs = |d: Duration| format!("{:.2}", d.as_secs_f64());
    let mut out = String::new();
    let _ = writeln!(
        out,
        "Medians of {runs} runs of `cargo clean -p <models crate>` + rebuild, dependencies \
         already built; seconds of wall clock. litemodel's time includes compiling and \
         running its build script (split out from cargo's `--timings`), Diesel has none.\n"
    );
    let _ = writeln!(
        out,
        "| mode | models | litemodel | (build script: compile + run) | (lib) | Diesel | litemodel / Diesel |"
    );
    let _ = writeln!(out, "| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
    for row in rows {
        let [litemodel, diesel] = &row.samples;
        let ours = Row::median(litemodel, |s| s.total);
        let theirs = Row::median(diesel, |s| s.total);
        let _ = writeln!(
            out,
            "| `{}` | {} | {} | {} + {} | {} | {} | {:.2} |",
            row.mode.command(),
            row.models,
            secs(ours),
            secs(Row::median(litemodel, |s| s.script_compile)),
            secs(Row::median(litemodel, |s| s.script_run)),
            secs(Row::median(litemodel, |s| s.library)),
            secs(theirs),
            ours.as_secs_f64() / theirs.as_secs_f64(),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unit_times_splits_the_models_crate_from_cargo_timings() -> BenchResult {
        let html = r#"<script>const UNIT_DATA = [
          {"i": 1, "name": "litemodel", "mode": "todo", "target": "", "duration": 9.0},
          {"i": 2, "name": "generated-models", "mode": "todo", "target": " build-script", "duration": 0.5},
          {"i": 3, "name": "generated-models", "mode": "run-custom-build", "target": " build-script (run)", "duration": 1.25},
          {"i": 4, "name": "generated-models", "mode": "todo", "target": "", "duration": 40.0}
        ];
        const CONCURRENCY_DATA = [];</script>"#;
        let sample = unit_times(html, "generated-models")?;
        assert_eq!(sample.script_compile, Duration::from_millis(500));
        assert_eq!(sample.script_run, Duration::from_millis(1250));
        assert_eq!(sample.library, Duration::from_secs(40));
        assert!(unit_times(html, "diesel-models").is_err());
        Ok(())
    }

    #[test]
    fn diesel_models_mirror_the_synthetic_spec() {
        let source = diesel_models(20);
        assert_eq!(source.matches("diesel::table!").count(), 20);
        assert_eq!(source.matches("diesel::joinable!").count(), 18);
        assert_eq!(source.matches("Associations, ").count(), 18);
        assert_eq!(source.matches("pub struct Model").count(), 20);
        assert!(source.contains("diesel::joinable!(table_19 -> table_10 (parent_id));"));
    }
}
