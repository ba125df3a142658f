//! The generated models of `types.toml` (every column type, default, generated
//! value, constraint and naming rule), for `tests/types.rs`.

#[allow(dead_code)] // each test uses a part of it
pub mod types_models;
