//! The README's "Use litemodel in your own crate" files, taken from README.md
//! at test time, make a crate outside this workspace that builds without a
//! warning and prints what the README says it prints: the README cannot drift
//! from what works.
//!
//! The blocks are the fenced blocks after `<!-- readme-crate: <file> -->`
//! markers. The crates.io-style dependency lines get the `path` form the README
//! describes, pointing at this checkout. The build shares its target directory
//! with the generated-models builds of `codegen/tests/rust.rs`, so SQLite is
//! compiled once.

use std::fs;
use std::path::Path;
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

const MARKER: &str = "<!-- readme-crate: ";

/// `(name, contents)` of every marked block, in README order.
fn marked_blocks(readme: &str) -> Result<Vec<(String, String)>, String> {
    let mut blocks = Vec::new();
    let mut rest = readme;
    while let Some(at) = rest.find(MARKER) {
        let after = &rest[at + MARKER.len()..];
        let end = after
            .find(" -->")
            .ok_or("a readme-crate marker is not closed")?;
        let name = after[..end].trim().to_owned();
        let after = &after[end..];
        let fence = after
            .find("```")
            .ok_or_else(|| format!("no fenced block after the `{name}` marker"))?;
        let body = &after[fence..];
        let open_end = body
            .find('\n')
            .ok_or_else(|| format!("the `{name}` block is empty"))?;
        let body = &body[open_end + 1..];
        let close = body
            .find("\n```")
            .ok_or_else(|| format!("the `{name}` block is not closed"))?;
        blocks.push((name, format!("{}\n", &body[..close])));
        rest = &body[close..];
    }
    Ok(blocks)
}

/// The README's dependency lines with `version = "0.1"` replaced by the `path`
/// form it describes.
fn with_path_dependencies(manifest: &str, root: &Path) -> Result<String, String> {
    let mut out = String::new();
    let mut replaced = Vec::new();
    for line in manifest.lines() {
        let package = ["litemodel-codegen", "litemodel"]
            .into_iter()
            .find(|p| line.starts_with(&format!("{p} = ")));
        let line = match package {
            Some(package) => {
                let folder = if package == "litemodel" {
                    "runtime"
                } else {
                    "codegen"
                };
                let path = format!("path = {:?}", root.join(folder));
                if !line.contains("version = \"0.1\"") {
                    return Err(format!(
                        "the README's `{package}` line has no `version = \"0.1\"`: {line}"
                    ));
                }
                replaced.push(package);
                line.replace("version = \"0.1\"", &path)
            }
            None => line.to_owned(),
        };
        out.push_str(&line);
        out.push('\n');
    }
    if replaced.len() != 2 {
        return Err(format!(
            "expected the `litemodel` and `litemodel-codegen` lines, found {replaced:?}"
        ));
    }
    // Not a member of any workspace around the temporary folder.
    out.push_str("\n[workspace]\n");
    Ok(out)
}

#[test]
fn the_readme_crate_builds_and_prints_what_the_readme_shows() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let readme = fs::read_to_string(root.join("README.md"))?;
    let blocks = marked_blocks(&readme)?;
    let block = |name: &str| {
        blocks
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, text)| text.as_str())
            .ok_or_else(|| format!("the README has no `{name}` block"))
    };

    let dir = tempfile::tempdir()?;
    let krate = dir.path();
    fs::create_dir_all(krate.join("src"))?;
    for (name, text) in &blocks {
        match name.as_str() {
            "output" => {}
            "Cargo.toml" => fs::write(krate.join(name), with_path_dependencies(text, root)?)?,
            _ => fs::write(krate.join(name), text)?,
        }
    }
    for file in ["models.toml", "build.rs", "src/main.rs"] {
        block(file)?;
    }
    // The versions this workspace is tested with.
    fs::copy(root.join("Cargo.lock"), krate.join("Cargo.lock"))?;

    let target = root.join("target/generated-models-bin");
    let build = Command::new(env!("CARGO"))
        .args(["build", "--color", "never"])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", &target)
        .output()?;
    let stderr = String::from_utf8_lossy(&build.stderr);
    assert!(
        build.status.success(),
        "the README crate does not build:\n{stderr}"
    );
    assert!(
        !stderr.contains("warning"),
        "the README crate builds with warnings:\n{stderr}"
    );

    let run = Command::new(env!("CARGO"))
        .args(["run", "--quiet", "--color", "never"])
        .current_dir(krate)
        .env("CARGO_TARGET_DIR", &target)
        .output()?;
    assert!(
        run.status.success(),
        "the README crate fails:\n{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(String::from_utf8(run.stdout)?, block("output")?);
    assert!(
        krate.join("app.sqlite").exists(),
        "the database file is made"
    );
    Ok(())
}

/// The minimum Rust version the README states is the packages' `rust-version`.
#[test]
fn the_readme_states_the_packages_minimum_rust_version() -> TestResult {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let manifest = fs::read_to_string(root.join("Cargo.toml"))?;
    let version = manifest
        .lines()
        .find_map(|line| line.strip_prefix("rust-version = "))
        .ok_or("the workspace declares no rust-version")?
        .trim_matches('"');
    let readme = fs::read_to_string(root.join("README.md"))?;
    assert!(
        readme.contains(&format!("Minimum Rust: **{version}**")),
        "the README does not state the minimum Rust version {version}"
    );
    Ok(())
}
