//! The checked-in generated module of the runtime's `tests/types.rs` is fresh.

mod common;

use std::fs;

use common::{litemodel, workspace_root};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// prost's bootstrap test for `types_models.rs`; regenerate it with
/// `cargo run -q -p litemodel-cli -- --spec types.toml generate --out types_models.rs`
/// in `runtime/tests/types_common`.
#[test]
fn runtime_types_models_are_fresh() -> TestResult {
    let dir = workspace_root().join("runtime/tests/types_common");
    let out_dir = tempfile::tempdir()?;
    let out = out_dir.path().join("out.rs");
    litemodel()
        .current_dir(&dir)
        .args(["--spec", "types.toml", "generate", "--out"])
        .arg(&out)
        .assert()
        .success();
    let fresh = fs::read_to_string(&out)?;
    let checked_in = fs::read_to_string(dir.join("types_models.rs"))?;
    assert!(
        fresh == checked_in,
        "runtime/tests/types_common/types_models.rs is stale: regenerate it from types.toml"
    );
    Ok(())
}
