//! The application's own code around the generated models: helpers like the seed
//! application's `is_administrator()` live here, in ordinary `impl` blocks, so
//! regenerating `models.rs` never touches them.

use litemodel::{Executor, Result};

use crate::models::{Role, User};

/// The name of the role with every permission.
pub const ADMINISTRATOR: &str = "Administrator";

impl Role {
    /// Whether this is the administrators' role.
    pub fn is_administrator(&self) -> bool {
        self.name.as_deref() == Some(ADMINISTRATOR)
    }
}

impl User {
    /// Whether the user holds the administrators' role (loads the role once).
    ///
    /// # Errors
    ///
    /// A database error while loading the role.
    pub fn is_administrator<E: Executor>(&self, conn: &E) -> Result<bool> {
        Ok(self.role(conn)?.is_some_and(Role::is_administrator))
    }
}
