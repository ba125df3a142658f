//! Every complete spec example in `docs/spec.md` validates, without errors or
//! warnings, so the reference cannot drift from the code.
//!
//! A ```` ```toml ```` block counts as a complete spec when it declares a model
//! (`[models.`); other blocks are fragments and are only required to be TOML.

use std::fs;
use std::path::Path;

/// `(line of the opening fence, block text)` of each ```` ```toml ```` block.
fn toml_blocks(markdown: &str) -> Vec<(usize, String)> {
    let mut blocks = Vec::new();
    let mut current: Option<(usize, String)> = None;
    for (number, line) in markdown.lines().enumerate() {
        let fence = line.trim_start();
        match &mut current {
            None if fence.starts_with("```toml") => current = Some((number + 1, String::new())),
            None => {}
            Some(_) if fence.starts_with("```") => blocks.extend(current.take()),
            Some((_, text)) => {
                text.push_str(line);
                text.push('\n');
            }
        }
    }
    assert!(
        current.is_none(),
        "docs/spec.md has an unclosed ```toml block"
    );
    blocks
}

#[test]
fn every_spec_example_in_the_docs_validates() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../docs/spec.md");
    let markdown = fs::read_to_string(&path).expect("docs/spec.md exists");
    let blocks = toml_blocks(&markdown);
    let mut specs = 0;
    for (line, text) in &blocks {
        let name = format!("docs/spec.md:{line}");
        if !text.contains("[models.") {
            assert!(
                text.parse::<toml::Table>().is_ok(),
                "the TOML fragment at {name} does not parse"
            );
            continue;
        }
        specs += 1;
        match litemodel_codegen::check(&name, text) {
            Ok(checked) => assert!(
                checked.warnings.is_empty(),
                "the example at {name} raises warnings:\n{}",
                checked.warnings.render(false)
            ),
            Err(diagnostics) => panic!(
                "the example at {name} does not validate:\n{}",
                diagnostics.render(false)
            ),
        }
    }
    assert!(
        specs >= 5,
        "expected the reference to hold complete examples"
    );
}
