//! The library behind the `litemodel` command: reading an existing SQLite database
//! ([`introspect`]) and generating migrations from spec changes ([`migrate`]).
//!
//! These need SQLite at hand, so they live here and not in `litemodel-codegen`, the
//! crate a user's `build.rs` depends on. Migrations are run by the runtime crate's
//! [`litemodel::Migrations`], shared by this command and by programs that migrate
//! their own database at start-up.

pub mod introspect;
pub mod migrate;
