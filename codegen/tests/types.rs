//! Column types, defaults, generated values, constraints and names in the generated
//! code: `runtime/tests/types_common/types.toml` generates the module the runtime's
//! `tests/types.rs` runs (checked in, so it must be fresh: tested with the command in
//! `codegen/cli/tests/types.rs`), and its Rust and DDL are held as snapshots here.

mod common;

use std::fs;

use common::workspace_root;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn types_spec() -> Result<String, std::io::Error> {
    fs::read_to_string(workspace_root().join("runtime/tests/types_common/types.toml"))
}

#[test]
fn generated_types_snapshots() -> TestResult {
    let checked = litemodel_codegen::check_for_rust("types.toml", &types_spec()?)
        .map_err(|d| d.render(false))?;
    insta::assert_snapshot!(
        "types_rust",
        litemodel_codegen::rust(&checked.schema, "types.toml")
    );
    insta::assert_snapshot!("types_ddl", litemodel_codegen::ddl(&checked.schema));
    Ok(())
}
