//! Generates the showcase models: `models.toml` (the seed, `lazy = "dynamic"`) and
//! `examples/seed_select.toml` (the same models with the default `lazy = "select"`).

fn main() -> Result<(), litemodel_codegen::BuildError> {
    litemodel_codegen::Builder::new()
        .spec("models.toml")
        .out_file("models.rs")
        .compile()?;
    litemodel_codegen::Builder::new()
        .spec("examples/seed_select.toml")
        .out_file("seed_select.rs")
        .compile()
}
