//! The generated Rust: held as snapshots, deterministic, rustfmt-stable, free of
//! warnings in a binary crate, naming the runtime features it needs, and shown as it
//! is in docs/generated-code.md. (That the checked-in generated modules of the
//! runtime's tests are up to date is tested with the `litemodel` command, in
//! `codegen/cli/tests/rust.rs`.)

mod common;

use std::fs;
use std::path::Path;

use common::workspace_root;

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn generate(spec: &Path) -> Result<String, String> {
    let source = fs::read_to_string(spec).map_err(|e| e.to_string())?;
    let checked =
        litemodel_codegen::check_for_rust("models.toml", &source).map_err(|d| d.render(false))?;
    Ok(litemodel_codegen::rust(&checked.schema, "models.toml"))
}

#[test]
fn generated_rust_snapshots() -> TestResult {
    let root = workspace_root();
    insta::assert_snapshot!("rust_models", generate(&root.join("models.toml"))?);
    insta::assert_snapshot!(
        "rust_seed",
        generate(&root.join("tests/fixtures/ok/seed.toml"))?
    );
    insta::assert_snapshot!(
        "rust_serde",
        generate(&root.join("tests/fixtures/ok/serde.toml"))?
    );
    // `post_update` on a many-to-one, and on a one-to-many and its backref.
    insta::assert_snapshot!(
        "rust_post_update",
        generate(&root.join("codegen/tests/fixtures/ok/post_update.toml"))?
    );
    Ok(())
}

#[test]
fn generation_is_deterministic() -> TestResult {
    let spec = workspace_root().join("models.toml");
    assert_eq!(generate(&spec)?, generate(&spec)?);
    Ok(())
}

/// Every spec the generator's output is checked on: the showcase, the ok fixtures
/// and the runtime's test specs.
fn every_ok_spec() -> Result<Vec<std::path::PathBuf>, Box<dyn std::error::Error>> {
    let root = workspace_root();
    let mut specs = vec![root.join("models.toml")];
    for dir in [
        "codegen/tests/fixtures/ok",
        "tests/fixtures/ok",
        "runtime/tests/common",
        "runtime/tests/types_common",
    ] {
        let mut found: Vec<_> = fs::read_dir(root.join(dir))?
            .map(|entry| entry.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        found.retain(|path| path.extension().is_some_and(|ext| ext == "toml"));
        found.sort();
        specs.extend(found);
    }
    Ok(specs)
}

/// `rustfmt` leaves generated code as it is, so a checked-in `litemodel generate
/// --out src/models.rs` passes `cargo fmt --check` without `#[rustfmt::skip]`.
#[test]
fn generated_code_is_rustfmt_stable() -> TestResult {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    for spec in every_ok_spec()? {
        let code = generate(&spec)?;
        let mut rustfmt = Command::new("rustfmt")
            .args(["--edition", "2021", "--check", "--color", "never"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(|e| {
                format!("running rustfmt (install it with `rustup component add rustfmt`): {e}")
            })?;
        rustfmt
            .stdin
            .take()
            .ok_or("rustfmt has no stdin")?
            .write_all(code.as_bytes())?;
        let output = rustfmt.wait_with_output()?;
        assert!(
            output.status.success(),
            "rustfmt changes the code generated from {}:\n{}{}",
            spec.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr),
        );
    }
    Ok(())
}

/// `cargo build` of a binary crate holding `modules` (name, generated code) and an
/// empty `main`, with `dependency` as its `litemodel` dependency's extra keys.
fn build_binary(
    modules: &[(&str, String)],
    dependency: &str,
) -> Result<std::process::Output, Box<dyn std::error::Error>> {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    let krate = dir.path();
    fs::create_dir_all(krate.join("src"))?;
    fs::write(
        krate.join("Cargo.toml"),
        format!(
            "[package]\nname = \"uses-generated-models\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [workspace]\n\n[dependencies]\nlitemodel = {{ path = {:?}{dependency} }}\n",
            root.join("runtime")
        ),
    )?;
    fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock"))?;
    let mut main = String::new();
    for (module, code) in modules {
        fs::write(krate.join(format!("src/{module}.rs")), code)?;
        main.push_str(&format!("mod {module};\n"));
    }
    main.push_str("\nfn main() {}\n");
    fs::write(krate.join("src/main.rs"), main)?;
    // A target directory of its own (kept between runs): `cargo test` holds the
    // workspace's while this runs.
    Ok(std::process::Command::new(env!("CARGO"))
        .args(["build", "--color", "never", "--manifest-path"])
        .arg(krate.join("Cargo.toml"))
        .env("CARGO_TARGET_DIR", root.join("target/generated-models-bin"))
        .output()?)
}

/// A binary crate that includes generated models and uses none of them builds
/// without a single warning (no `dead_code` for constants, accessors or `SCHEMA`).
#[test]
fn generated_models_build_without_warnings_in_a_binary() -> TestResult {
    let root = workspace_root();
    let mut modules = Vec::new();
    for (module, spec) in [
        ("showcase", "models.toml"),
        ("library", "runtime/tests/common/library.toml"),
        ("keywords", "codegen/tests/fixtures/ok/keyword_names.toml"),
        (
            "two_keys",
            "codegen/tests/fixtures/ok/two_foreign_keys_to_one_table.toml",
        ),
    ] {
        modules.push((module, generate(&root.join(spec))?));
    }
    let output = build_binary(&modules, "")?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "the binary does not build:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "building generated models in a binary warns:\n{stderr}"
    );
    Ok(())
}

/// Models with datetime, numeric, uuid and json columns against a runtime without
/// its default features: the errors name each feature to enable.
#[test]
fn generated_models_name_the_runtime_features_they_need() -> TestResult {
    let root = workspace_root();
    let code = generate(&root.join("models.toml"))?;
    let serde = generate(&root.join("tests/fixtures/ok/serde.toml"))?;
    let output = build_binary(
        &[("showcase", code), ("with_serde", serde)],
        ", default-features = false",
    )?;
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "the binary builds without the features"
    );
    for feature in ["chrono", "rust_decimal", "uuid", "serde_json", "serde"] {
        assert!(
            stderr.contains(&format!("enable the `{feature}` feature of litemodel")),
            "no error names the `{feature}` feature:\n{stderr}"
        );
    }
    Ok(())
}

/// docs/generated-code.md shows the real output for the seed: its first `rust`
/// listing that starts with the generated header is regenerated here.
#[test]
fn generated_code_doc_shows_the_real_output() -> TestResult {
    let root = workspace_root();
    let doc = fs::read_to_string(root.join("docs/generated-code.md"))?;
    let start = doc
        .find("```rust\n// @generated")
        .ok_or("docs/generated-code.md has no ```rust listing of the generated seed")?
        + "```rust\n".len();
    let end = doc[start..]
        .find("```")
        .ok_or("the listing in docs/generated-code.md is not closed")?;
    let listing = &doc[start..start + end];
    let fresh = generate(&root.join("tests/fixtures/ok/seed.toml"))?;
    assert!(
        listing == fresh,
        "docs/generated-code.md's listing is stale: replace it with the rust__rust_seed snapshot"
    );
    Ok(())
}
