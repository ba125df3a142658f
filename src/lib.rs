//! The showcase crate: the Rust models litemodel generates from the top-level
//! `models.toml` (through `build.rs`), used by `examples/` and the end-to-end tests.
#![deny(warnings)]

pub mod app;

/// The models of `models.toml`: the seed's `Role` and `User` (`lazy = "dynamic"`),
/// and `Post`.
pub mod models {
    litemodel::include_models!();
}

/// The seed's models with the default `lazy = "select"`, from
/// `examples/seed_select.toml`.
pub mod seed_select {
    litemodel::include_models!("seed_select");
}
