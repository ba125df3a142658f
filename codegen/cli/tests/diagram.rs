//! `litemodel diagram`: the models and their relationships as Mermaid and DOT.

mod common;

use std::fs;

use common::{litemodel, workspace_root};

type TestResult = Result<(), Box<dyn std::error::Error>>;

fn diagram(spec: &str, format: &str) -> Result<String, Box<dyn std::error::Error>> {
    let output = litemodel()
        .arg("--spec")
        .arg(workspace_root().join(spec))
        .args(["diagram", "--format", format])
        .assert()
        .success()
        .get_output()
        .clone();
    Ok(String::from_utf8(output.stdout)?)
}

#[test]
fn showcase_mermaid() -> TestResult {
    insta::assert_snapshot!("showcase_mermaid", diagram("models.toml", "mermaid")?);
    Ok(())
}

#[test]
fn showcase_dot() -> TestResult {
    insta::assert_snapshot!("showcase_dot", diagram("models.toml", "dot")?);
    Ok(())
}

#[test]
fn two_keys_to_one_table() -> TestResult {
    insta::assert_snapshot!(
        "two_keys_mermaid",
        diagram(
            "codegen/tests/fixtures/ok/two_foreign_keys_to_one_table.toml",
            "mermaid"
        )?
    );
    Ok(())
}

/// The README shows the diagram of the top-level models.toml: it must be current.
#[test]
fn readme_shows_the_current_diagram() -> TestResult {
    let readme = fs::read_to_string(workspace_root().join("README.md"))?;
    let current = diagram("models.toml", "mermaid")?;
    assert!(
        readme.contains(&format!("```mermaid\n{current}```")),
        "README.md's mermaid block is stale; replace it with the output of `litemodel diagram`:\n{current}"
    );
    Ok(())
}
