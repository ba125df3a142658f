//! Real-size schemas compile with the default recursion limit and run.
//!
//! A chain of models, each with a one-to-many relationship (and its `parent`
//! backref) to the next, and a star, one model with a relationship to each of
//! the others, are ordinary schemas. Before the relationship holders erased
//! the related model's type, rustc's drop check overflowed its recursion limit
//! (E0320) on a chain of a few dozen models, and its monomorphization did on
//! longer ones (the cascade code of each model instantiated the session's code
//! for the next). This test generates both shapes well past those limits,
//! compiles them in a crate of their own (no `recursion_limit` attribute) and
//! runs a program that cascades inserts down the whole chain, loads it back
//! level by level, and fills every relationship of the star.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Models in each shape; today's limit was about 50 for a chain.
const MODELS: usize = 300;

/// `models` models `Model0`..: `Model{i}.children` is a one-to-many to
/// `Model{i+1}` (chain) or `Model0.children_{i}` to each `Model{i}` (star),
/// each with a `parent` backref.
fn spec(models: usize, star: bool) -> String {
    let mut spec = String::from("[database]\npath = \"large.sqlite\"\n");
    for i in 0..models {
        let _ = write!(
            spec,
            "\n[models.Model{i}]\ntable = \"table_{i}\"\n\n[models.Model{i}.columns]\n\
             id = {{ type = \"integer\", primary_key = true }}\n\
             name = {{ type = \"string(64)\" }}\n"
        );
        if i > 0 {
            let parent = if star { 0 } else { i - 1 };
            let _ = writeln!(
                spec,
                "parent_id = {{ type = \"integer\", foreign_key = \"table_{parent}.id\", index = true }}"
            );
        }
        if !star && i + 1 < models {
            let _ = write!(
                spec,
                "\n[models.Model{i}.relationships]\n\
                 children = {{ model = \"Model{next}\", backref = \"parent\" }}\n",
                next = i + 1
            );
        }
    }
    if star {
        spec.push_str("\n[models.Model0.relationships]\n");
        for i in 1..models {
            let _ = writeln!(
                spec,
                "children_{i} = {{ model = \"Model{i}\", backref = \"parent\" }}"
            );
        }
    }
    spec
}

fn generate(models: usize, star: bool) -> Result<String, String> {
    let text = spec(models, star);
    let checked =
        litemodel_codegen::check_for_rust("large.toml", &text).map_err(|d| d.render(false))?;
    Ok(litemodel_codegen::rust(&checked.schema, "large.toml"))
}

/// The program: the chain built bottom-up through `append`, committed in one
/// flush (each level's cascade adds the next), read back level by level with
/// lazy loads; then one child appended to each of the star's relationships.
fn main_rs(models: usize) -> String {
    let last = models - 1;
    let mut code = String::from(
        "#![allow(dead_code)]\nmod chain;\nmod star;\n\n\
         fn main() -> Result<(), Box<dyn std::error::Error>> {\n\
         let mut db = litemodel::Database::open_in_memory()?;\n\
         db.create_all(&chain::SCHEMA)?;\n",
    );
    let _ = writeln!(
        code,
        "let m{last} = chain::Model{last} {{ name: Some(\"m{last}\".into()), ..Default::default() }};"
    );
    for i in (0..last).rev() {
        let _ = writeln!(
            code,
            "let mut m{i} = chain::Model{i} {{ name: Some(\"m{i}\".into()), ..Default::default() }};\n\
             m{i}.children.append(m{next});",
            next = i + 1
        );
    }
    code.push_str(
        "let mut session = db.session();\nsession.add(m0);\nsession.commit()?;\ndrop(session);\n\
         let r0 = chain::Model0::query().one(&db)?;\n",
    );
    for i in 1..models {
        let _ = writeln!(
            code,
            "let r{i} = r{prev}.children(&db)?.first().ok_or(\"level {i} is missing\")?;\n\
             assert_eq!(r{i}.parent_id, r{prev}.id);",
            prev = i - 1
        );
    }
    let _ = writeln!(
        code,
        "assert_eq!(r{last}.name.as_deref(), Some(\"m{last}\"));\nprintln!(\"chain of {models}: ok\");"
    );
    code.push_str(
        "let mut db = litemodel::Database::open_in_memory()?;\n\
         db.create_all(&star::SCHEMA)?;\nlet mut hub = star::Model0::default();\n",
    );
    for i in 1..models {
        let _ = writeln!(code, "hub.children_{i}.append(star::Model{i}::default());");
    }
    code.push_str(
        "let mut session = db.session();\nlet hub = session.add(hub);\nsession.commit()?;\n\
         let hub_id = session[hub].id;\ndrop(session);\n",
    );
    for i in 1..models {
        let _ = writeln!(
            code,
            "assert_eq!(star::Model{i}::query().one(&db)?.parent_id, hub_id);"
        );
    }
    let _ = writeln!(code, "println!(\"star of {models}: ok\");\nOk(())\n}}");
    code
}

/// The target directory this test binary was built in (`.../debug/deps/exe`).
fn target_dir() -> Option<PathBuf> {
    std::env::current_exe()
        .ok()?
        .ancestors()
        .nth(3)
        .map(Path::to_path_buf)
}

#[test]
fn a_long_chain_and_a_wide_star_compile_and_run() -> TestResult {
    if std::env::var_os("LITEMODEL_SKIP_COMPILE_TESTS").is_some() {
        eprintln!("skipped: LITEMODEL_SKIP_COMPILE_TESTS is set");
        return Ok(());
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = tempfile::tempdir()?;
    std::fs::create_dir(dir.path().join("src"))?;
    std::fs::write(
        dir.path().join("Cargo.toml"),
        format!(
            "[package]\nname = \"large-schemas\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nlitemodel = {{ path = {:?} }}\n\n[workspace]\n",
            root.join("runtime").display().to_string()
        ),
    )?;
    // The workspace's lock file: the same dependency versions, already
    // downloaded, so `--offline` works.
    std::fs::copy(root.join("Cargo.lock"), dir.path().join("Cargo.lock"))?;
    std::fs::write(dir.path().join("src/chain.rs"), generate(MODELS, false)?)?;
    std::fs::write(dir.path().join("src/star.rs"), generate(MODELS, true)?)?;
    std::fs::write(dir.path().join("src/main.rs"), main_rs(MODELS))?;
    let target = target_dir()
        .ok_or("the target directory")?
        .join("litemodel-large-schemas");
    let output = Command::new(env!("CARGO"))
        .args(["run", "--offline", "--quiet"])
        .current_dir(dir.path())
        .env("CARGO_TARGET_DIR", target)
        .output()?;
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "the large schemas failed to build or run:\n{}{stdout}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout,
        format!("chain of {MODELS}: ok\nstar of {MODELS}: ok\n")
    );
    Ok(())
}
