//! Generator timings: validating and generating a synthetic 1,000-model spec in
//! process (the spec's shape is also what `codegen-build` compiles).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::harness::BenchResult;

/// A spec of `models` models, each with a spread of column types and a unique
/// indexed name, in groups of ten: each of the other nine has a many-to-one
/// `parent` to the first of its group, with a one-to-many backref.
///
/// Groups of ten rather than one long chain, so that the figures stay comparable
/// with earlier runs (long chains compile too: see tests/large_schemas.rs).
pub fn synthetic_spec(models: usize) -> String {
    let mut spec = String::from("[database]\npath = \"synthetic.sqlite\"\n");
    for i in 0..models {
        let _ = write!(
            spec,
            "\n[models.Model{i}]\ntable = \"table_{i}\"\nrepr = \"name\"\n\n\
             [models.Model{i}.columns]\n\
             id = {{ type = \"integer\", primary_key = true }}\n\
             name = {{ type = \"string(64)\", unique = true, index = true }}\n\
             body = {{ type = \"text\" }}\n\
             score = {{ type = \"float\", nullable = false, default = 0.0 }}\n\
             active = {{ type = \"boolean\", default = true }}\n\
             created = {{ type = \"datetime\", default_factory = \"now\" }}\n"
        );
        if i % 10 != 0 {
            let _ = write!(
                spec,
                "parent_id = {{ type = \"integer\", foreign_key = \"table_{p}.id\", index = true }}\n\n\
                 [models.Model{i}.relationships]\n\
                 parent = {{ model = \"Model{p}\", backref = \"children_{i}\" }}\n",
                p = i - i % 10
            );
        }
    }
    spec
}

/// Median time of `check_for_rust` + DDL + Rust for a `models`-model spec.
pub fn generate(models: usize, samples: usize) -> BenchResult<(Duration, usize)> {
    let spec = synthetic_spec(models);
    let mut times = Vec::new();
    let mut bytes = 0;
    for i in 0..=samples {
        let start = Instant::now();
        let checked = litemodel_codegen::check_for_rust("synthetic.toml", &spec)
            .map_err(|d| d.render(false))?;
        let ddl = litemodel_codegen::ddl(&checked.schema);
        let rust = litemodel_codegen::rust(&checked.schema, "synthetic.toml");
        let elapsed = start.elapsed();
        bytes = ddl.len() + rust.len();
        if i > 0 {
            times.push(elapsed);
        }
    }
    times.sort();
    Ok((times[times.len() / 2], bytes))
}

pub fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Where cargo puts this package's builds (`CARGO_TARGET_DIR` or `bench/target`).
pub fn target_dir(bench_dir: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| bench_dir.join("target"))
}
