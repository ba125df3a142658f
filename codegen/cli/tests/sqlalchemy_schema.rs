//! A database made by `litemodel create-all` has exactly the schema Flask-SQLAlchemy's
//! `db.create_all()` makes from the same model written in Python.
//!
//! The Python twins live in `tests/sqlalchemy/*.py`; `tests/sqlalchemy/record.sh` runs
//! the real SQLAlchemy on them and records the schema it made in `*.schema.txt`.

mod common;

use std::fs;

use common::{litemodel, schema_dump, workspace_root};

fn assert_same_schema_as_sqlalchemy(
    spec: &str,
    recorded: &str,
) -> Result<(), Box<dyn std::error::Error>> {
    let root = workspace_root();
    let dir = tempfile::tempdir()?;
    let database = dir.path().join("litemodel.sqlite");
    litemodel()
        .arg("--spec")
        .arg(root.join(spec))
        .arg("create-all")
        .arg("--database")
        .arg(&database)
        .assert()
        .success();
    let ours = schema_dump(&database)?;
    let theirs = fs::read_to_string(root.join("tests/sqlalchemy").join(recorded))?;
    if ours != theirs {
        for (line, (a, b)) in ours.lines().zip(theirs.lines()).enumerate() {
            if a != b {
                eprintln!(
                    "first difference at line {}:\n  litemodel:  {a}\n  sqlalchemy: {b}",
                    line + 1
                );
                break;
            }
        }
    }
    assert_eq!(
        ours, theirs,
        "schema of {spec} differs from SQLAlchemy's ({recorded})"
    );
    Ok(())
}

#[test]
fn seed_models_match_flask_sqlalchemy() -> Result<(), Box<dyn std::error::Error>> {
    assert_same_schema_as_sqlalchemy("tests/fixtures/ok/seed.toml", "seed.schema.txt")
}

#[test]
fn showcase_models_match_flask_sqlalchemy() -> Result<(), Box<dyn std::error::Error>> {
    assert_same_schema_as_sqlalchemy("models.toml", "models.schema.txt")
}
