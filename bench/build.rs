//! Generates the benchmark's models (`models.toml`: the seed's Role/User with the
//! default `lazy = "select"`) with the same builder applications use.

fn main() -> Result<(), litemodel_codegen::BuildError> {
    litemodel_codegen::Builder::new()
        .spec("models.toml")
        .compile()
}
