//! `#[derive(Model)]` for litemodel: the per-model machinery (row decoding,
//! binding, keys, relationship constants and accessors, cascades, `Debug`)
//! written once, for the models `litemodel-codegen` generates and for models
//! written by hand. Use it through the runtime: `#[derive(litemodel::Model)]`.
//!
//! `docs/generated-code.md` is the reference of the `#[litemodel(...)]`
//! attribute language; in brief:
//!
//! ```ignore
//! #[derive(Clone, PartialEq, Default, litemodel::Model)]
//! #[litemodel(table = "users", repr(username))]
//! #[litemodel(one_to_many(comments, model = Comment, foreign_key = author_id, lazy = "dynamic"))]
//! pub struct User {
//!     #[litemodel(primary_key)]
//!     pub id: Option<i64>,
//!     pub username: Option<String>,
//!     #[litemodel(foreign_key)]
//!     pub role_id: Option<i64>,
//!     #[litemodel(many_to_one, foreign_key = role_id)]
//!     pub role: litemodel::Parent<Role>,
//! }
//! ```

mod attr;
mod expand;
mod unit_of_work;

use proc_macro::TokenStream;

/// Implements `litemodel::Model` for a struct, with its column and relationship
/// constants, `new`, `query`, `get`, relationship accessors and a Python-style
/// `Debug`. See `docs/generated-code.md` for the attributes.
#[proc_macro_derive(Model, attributes(litemodel))]
pub fn derive_model(input: TokenStream) -> TokenStream {
    let input = syn::parse_macro_input!(input as syn::DeriveInput);
    match attr::parse(&input) {
        Ok(model) => model.expand().into(),
        Err(error) => error.to_compile_error().into(),
    }
}
