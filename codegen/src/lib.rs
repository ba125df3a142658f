//! litemodel's code generator: `models.toml` in, SQLite DDL and Rust model code out.
//!
//! The pipeline runs one way: [`spec`] (the TOML as written, with spans) →
//! [`validate`] (every reference resolved, every error collected) → [`model`] (the
//! checked, span-free schema) → [`emit`] (SQL, Rust). [`check`] runs the first three
//! stages; the emitters are pure functions of its result.
//!
//! This is the crate a `build.rs` depends on ([`Builder`], [`migrate::embed`]), so it
//! depends on no SQLite, no command-line parser and not on the runtime: the
//! `litemodel` command, database introspection and the migration planner are the
//! `litemodel-cli` package (`codegen/cli/`).
//!
//! ```
//! let spec = r#"
//! [models.Role]
//! table = "roles"
//! [models.Role.columns]
//! id = { type = "integer", primary_key = true }
//! name = { type = "string(64)", unique = true }
//! "#;
//! let checked = litemodel_codegen::check("models.toml", spec).map_err(|d| d.render(false))?;
//! let ddl = litemodel_codegen::ddl(&checked.schema);
//! assert!(ddl.starts_with("CREATE TABLE roles ("));
//! # Ok::<(), String>(())
//! ```

mod builder;
pub mod diagnostics;
pub mod emit;
pub mod migrate;
pub mod model;
pub mod names;
pub mod spec;
pub mod support;
pub mod validate;
pub mod write;

pub use builder::{BuildError, Builder};
pub use diagnostics::{Diagnostic, Diagnostics, Severity};
pub use model::Schema;

/// A spec that passed validation, with the warnings it raised.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The checked schema.
    pub schema: Schema,
    /// Warnings (never errors); empty when there are none.
    pub warnings: Diagnostics,
}

/// Reads and validates a spec.
///
/// `file_name` is only used in diagnostics. Does no I/O.
///
/// # Errors
///
/// Every problem in the spec, errors and warnings together, ready to
/// [`render`](Diagnostics::render).
pub fn check(file_name: &str, source: &str) -> Result<Checked, Diagnostics> {
    run(file_name, source, false, false)
}

/// Like [`check`], and also checks that the Rust generator supports every feature the
/// spec uses (see [`support`]). `litemodel generate` and [`Builder`] use this.
///
/// # Errors
///
/// As for [`check`], plus one error for each feature not generated as Rust yet.
pub fn check_for_rust(file_name: &str, source: &str) -> Result<Checked, Diagnostics> {
    run(file_name, source, true, false)
}

/// [`check_for_rust`] with `serde = true` for every model that does not say
/// otherwise ([`Builder::serde`]).
pub(crate) fn check_for_rust_with_serde(
    file_name: &str,
    source: &str,
) -> Result<Checked, Diagnostics> {
    run(file_name, source, true, true)
}

fn run(file_name: &str, source: &str, rust: bool, serde: bool) -> Result<Checked, Diagnostics> {
    let mut diags = Diagnostics::new(file_name, source);
    let Some(mut spec) = spec::parse(source, &mut diags) else {
        return Err(diags);
    };
    if serde {
        for model in &mut spec.models {
            if model.serde.is_none() {
                model.serde = Some(spec::Sp {
                    value: true,
                    span: model.name.span.clone(),
                });
            }
        }
    }
    let Some(schema) = validate::validate(&spec, &mut diags) else {
        return Err(diags);
    };
    if rust {
        support::check(&spec, &schema, &mut diags);
    }
    if diags.has_errors() {
        return Err(diags);
    }
    Ok(Checked {
        schema,
        warnings: diags,
    })
}

/// The SQLite `create_all` script of a checked schema.
pub fn ddl(schema: &Schema) -> String {
    emit::sql::create_all(schema, &emit::sql::Sqlite)
}

/// The `create_all` script of a checked schema for one SQL database: what SQLAlchemy's
/// `create_all()` sends to that database for the same models.
///
/// ```
/// use litemodel_codegen::emit::sql::SqlDialect;
/// let spec = r#"
/// [models.Role]
/// table = "roles"
/// [models.Role.columns]
/// id = { type = "integer", primary_key = true }
/// "#;
/// let checked = litemodel_codegen::check("models.toml", spec).map_err(|d| d.render(false))?;
/// let ddl = litemodel_codegen::ddl_for(&checked.schema, SqlDialect::Postgresql);
/// assert!(ddl.contains("id SERIAL NOT NULL"));
/// # Ok::<(), String>(())
/// ```
pub fn ddl_for(schema: &Schema, dialect: emit::sql::SqlDialect) -> String {
    emit::sql::create_all(schema, dialect.dialect())
}

/// The Flask-SQLAlchemy module of a checked schema (`litemodel generate --lang
/// python`); `spec_name` appears in its header.
///
/// ```
/// let spec = r#"
/// [models.Role]
/// table = "roles"
/// repr = "name"
/// [models.Role.columns]
/// id = { type = "integer", primary_key = true }
/// name = { type = "string(64)", unique = true }
/// "#;
/// let checked = litemodel_codegen::check("models.toml", spec).map_err(|d| d.render(false))?;
/// let python = litemodel_codegen::python(&checked.schema, "models.toml");
/// assert!(python.contains("class Role(db.Model):"));
/// assert!(python.contains("name = db.Column(db.String(64), unique=True)"));
/// assert!(python.contains("return f'<Role {self.name!r}>'"));
/// # Ok::<(), String>(())
/// ```
pub fn python(schema: &Schema, spec_name: &str) -> String {
    emit::python::generate(schema, spec_name)
}

/// The generated Rust module of a checked schema; `spec_name` appears in its header.
pub fn rust(schema: &Schema, spec_name: &str) -> String {
    emit::rust::generate(schema, spec_name)
}
