//! Generates the showcase models: `models.toml` (the seed, `lazy = "dynamic"`),
//! `examples/seed_select.toml` (the same models with the default `lazy = "select"`)
//! and `tests/fixtures/ok/serde.toml` (serde and extra derives, for `tests/serde.rs`).

fn main() -> Result<(), litemodel_codegen::BuildError> {
    litemodel_codegen::Builder::new()
        .spec("models.toml")
        .out_file("models.rs")
        .compile()?;
    litemodel_codegen::Builder::new()
        .spec("examples/seed_select.toml")
        .out_file("seed_select.rs")
        .compile()?;
    litemodel_codegen::Builder::new()
        .spec("tests/fixtures/ok/serde.toml")
        .out_file("serde_models.rs")
        .field_attribute("User.confirmed", r#"#[serde(rename = "isConfirmed")]"#)
        .type_attribute(".", "#[must_use]")
        .compile()
}
