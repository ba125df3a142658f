//! `litemodel generate --lang python` writes Flask-SQLAlchemy models whose
//! `db.create_all()` makes exactly litemodel's schema.
//!
//! `tests/sqlalchemy/record_generated.sh` generates the modules of the specs
//! below, imports each with the real Flask-SQLAlchemy (warnings as errors,
//! mappers configured, every class made and printed), runs `create_all()`, and
//! records the schema in `tests/sqlalchemy/generated/NAME.schema.txt` and the
//! module's checksum in `checksums.txt`. This test needs no Python: it
//! generates the module again and checks that it is the one recorded, then that
//! `litemodel create-all` makes the recorded schema.

mod common;

use std::fs;
use std::path::Path;

use common::{litemodel, schema_dump, workspace_root};

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// (name, spec): the same pairs as record_generated.sh.
const SPECS: [(&str, &str); 9] = [
    ("models", "models.toml"),
    ("seed", "tests/fixtures/ok/seed.toml"),
    ("types", "runtime/tests/types_common/types.toml"),
    ("blog", "runtime/tests/common/blog.toml"),
    ("library", "runtime/tests/common/library.toml"),
    (
        "keyword_names",
        "codegen/tests/fixtures/ok/keyword_names.toml",
    ),
    (
        "rowid_column_with_integer_key",
        "codegen/tests/fixtures/ok/rowid_column_with_integer_key.toml",
    ),
    (
        "two_foreign_keys_to_one_table",
        "codegen/tests/fixtures/ok/two_foreign_keys_to_one_table.toml",
    ),
    // Composite and self-referential keys, an ambiguous association table,
    // typed defaults, names Python or SQLAlchemy reserve.
    (
        "python_edge_cases",
        "tests/sqlalchemy/python_edge_cases.toml",
    ),
];

/// FNV-1a, 64 bits, `\r\n` read as `\n`: record_generated.py's `fnv1a64`.
fn fnv1a64(bytes: &[u8]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let text = String::from_utf8_lossy(bytes).replace("\r\n", "\n");
    for byte in text.bytes() {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{hash:016x}")
}

fn recorded_checksum(name: &str) -> Result<String, Box<dyn std::error::Error>> {
    let sums =
        fs::read_to_string(workspace_root().join("tests/sqlalchemy/generated/checksums.txt"))?;
    sums.lines()
        .find_map(|line| line.strip_prefix(name)?.strip_prefix(' '))
        .map(str::to_owned)
        .ok_or_else(|| format!("no checksum recorded for `{name}`").into())
}

fn generate_python(spec: &Path, out: &Path) {
    litemodel()
        .arg("--spec")
        .arg(spec)
        .args(["generate", "--lang", "python", "--out"])
        .arg(out)
        .assert()
        .success();
}

#[test]
fn the_generated_python_is_the_one_recorded_with_sqlalchemy() -> TestResult {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    for (name, spec) in SPECS {
        let module = dir.path().join(format!("{name}.py"));
        generate_python(&root.join(spec), &module);
        let checksum = fnv1a64(&fs::read(&module)?);
        assert_eq!(
            checksum,
            recorded_checksum(name)?,
            "the Flask-SQLAlchemy module generated from {spec} changed since it was run \
             through SQLAlchemy: run tests/sqlalchemy/record_generated.sh and review the \
             schemas it records"
        );
    }
    Ok(())
}

#[test]
fn sqlalchemy_create_all_of_the_generated_python_is_litemodels_schema() -> TestResult {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    for (name, spec) in SPECS {
        let database = dir.path().join(format!("{name}.sqlite"));
        litemodel()
            .arg("--spec")
            .arg(root.join(spec))
            .arg("create-all")
            .arg("--database")
            .arg(&database)
            .assert()
            .success();
        let ours = schema_dump(&database)?;
        let theirs = fs::read_to_string(
            root.join("tests/sqlalchemy/generated")
                .join(format!("{name}.schema.txt")),
        )?;
        if let Some((line, (a, b))) = ours
            .lines()
            .zip(theirs.lines())
            .enumerate()
            .find(|(_, (a, b))| a != b)
        {
            eprintln!(
                "{spec}: first difference at line {}:\n  litemodel:  {a}\n  sqlalchemy: {b}",
                line + 1
            );
        }
        assert_eq!(
            ours, theirs,
            "SQLAlchemy's create_all() of the Python generated from {spec} differs from litemodel's schema"
        );
    }
    Ok(())
}

/// The module is written like every generated file: only when it changes.
#[test]
fn generate_python_writes_only_when_changed() -> TestResult {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("models.py");
    let spec = root.join("tests/fixtures/ok/seed.toml");
    litemodel()
        .arg("--spec")
        .arg(&spec)
        .args(["generate", "--lang", "python", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("wrote"));
    let text = fs::read_to_string(&out)?;
    assert!(text.starts_with("# @generated by litemodel from seed.toml — do not edit\n"));
    assert!(text.contains("class Role(db.Model):"));
    litemodel()
        .arg("--spec")
        .arg(&spec)
        .args(["generate", "--lang", "python", "--out"])
        .arg(&out)
        .assert()
        .success()
        .stderr(predicates::str::contains("is up to date"));
    litemodel()
        .arg("--spec")
        .arg(&spec)
        .args(["generate", "--lang", "cobol", "--out"])
        .arg(&out)
        .assert()
        .code(2)
        .stderr(predicates::str::contains("possible values: rust, python"));
    Ok(())
}
