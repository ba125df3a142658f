//! Running the generator from `build.rs`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::diagnostics::did_you_mean;
use crate::validate::is_outer_attributes;
use crate::write::{write_if_changed, WriteOutcome};
use crate::{Diagnostics, Schema};

/// Generates the models of a spec into `OUT_DIR` from a build script, in the spirit of
/// `prost-build`'s `Config`.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), litemodel_codegen::BuildError> {
///     litemodel_codegen::Builder::new().spec("models.toml").compile()
/// }
/// ```
///
/// and in the crate, `litemodel::include_models!();` includes the result.
#[derive(Debug, Clone)]
pub struct Builder {
    spec: PathBuf,
    out_file: String,
    out_dir: Option<PathBuf>,
    emit_rerun: bool,
    serde: bool,
    /// `(model or ".", attribute)`
    type_attributes: Vec<(String, String)>,
    /// `("Model.field", attribute)`
    field_attributes: Vec<(String, String)>,
}

impl Default for Builder {
    fn default() -> Self {
        Builder::new()
    }
}

impl Builder {
    /// Reads `models.toml` and writes `models.rs`.
    pub fn new() -> Self {
        Builder {
            spec: PathBuf::from("models.toml"),
            out_file: "models.rs".to_owned(),
            out_dir: None,
            emit_rerun: true,
            serde: false,
            type_attributes: Vec::new(),
            field_attributes: Vec::new(),
        }
    }

    /// `Serialize`/`Deserialize` for every model whose spec does not set `serde`
    /// (as `serde = true` in each `[models.Name]`); needs the runtime's `serde`
    /// feature.
    pub fn serde(&mut self, yes: bool) -> &mut Self {
        self.serde = yes;
        self
    }

    /// Adds an attribute above the struct of `model`, or of every model with
    /// `"."` (prost-build's `type_attribute`):
    ///
    /// ```no_run
    /// litemodel_codegen::Builder::new()
    ///     .type_attribute("User", "#[derive(Hash, Eq)]")
    ///     .type_attribute(".", "#[serde(rename_all = \"camelCase\")]")
    ///     .compile()?;
    /// # Ok::<(), litemodel_codegen::BuildError>(())
    /// ```
    pub fn type_attribute(
        &mut self,
        model: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.type_attributes.push((model.into(), attribute.into()));
        self
    }

    /// Adds an attribute above one field, `"Model.field"` (a column by its
    /// name or field, or a relationship), as prost-build's `field_attribute`:
    /// `.field_attribute("User.username", "#[serde(rename = \"login\")]")`.
    pub fn field_attribute(
        &mut self,
        field: impl Into<String>,
        attribute: impl Into<String>,
    ) -> &mut Self {
        self.field_attributes.push((field.into(), attribute.into()));
        self
    }

    /// Puts the `type_attribute`s and `field_attribute`s on `schema`; every
    /// problem is one line of the error.
    fn apply_attributes(&self, schema: &mut Schema) -> Result<(), BuildError> {
        let mut problems = Vec::new();
        let model_names: Vec<String> = schema.models.iter().map(|m| m.name.clone()).collect();
        let unknown_model = |name: &str, what: &str| {
            let mut message =
                format!("{what} names model `{name}`, which the spec does not declare");
            if let Some(close) = did_you_mean(name, model_names.iter().map(String::as_str)) {
                message.push_str(&format!("; did you mean `{close}`?"));
            }
            message
        };
        for (model, attribute) in &self.type_attributes {
            if !is_outer_attributes(attribute) {
                problems.push(format!(
                    "type_attribute(\"{model}\", ...): `{attribute}` is not a Rust attribute; write it as in Rust source, `#[...]`"
                ));
                continue;
            }
            let targets: Vec<usize> = if model == "." {
                (0..schema.models.len()).collect()
            } else {
                schema
                    .models
                    .iter()
                    .position(|m| m.name == *model)
                    .into_iter()
                    .collect()
            };
            if targets.is_empty() {
                problems.push(unknown_model(model, "type_attribute"));
            }
            for m in targets {
                schema.models[m]
                    .rust
                    .attributes
                    .push(attribute.trim().to_owned());
            }
        }
        for (path, attribute) in &self.field_attributes {
            if !is_outer_attributes(attribute) {
                problems.push(format!(
                    "field_attribute(\"{path}\", ...): `{attribute}` is not a Rust attribute; write it as in Rust source, `#[...]`"
                ));
                continue;
            }
            let Some((model, field)) = path.split_once('.') else {
                problems.push(format!(
                    "field_attribute(\"{path}\", ...): expected `\"Model.field\"`"
                ));
                continue;
            };
            let Some(m) = schema.models.iter().position(|m| m.name == model) else {
                problems.push(unknown_model(model, "field_attribute"));
                continue;
            };
            let target = &mut schema.models[m];
            let bare = |f: &str| f.trim_start_matches("r#").to_owned();
            if let Some(column) = target
                .columns
                .iter_mut()
                .find(|c| c.name == field || bare(&c.field) == field)
            {
                column.attributes.push(attribute.trim().to_owned());
            } else if let Some(rel) = target.relationships.iter_mut().find(|r| r.name == field) {
                if rel.holds_objects() {
                    rel.attributes.push(attribute.trim().to_owned());
                } else {
                    problems.push(format!(
                        "field_attribute(\"{path}\", ...): relationship `{field}` is a query (`lazy = \"{}\"`) and has no field",
                        rel.lazy.as_str()
                    ));
                }
            } else {
                let names = target
                    .columns
                    .iter()
                    .map(|c| c.name.as_str())
                    .chain(target.relationships.iter().map(|r| r.name.as_str()));
                let mut message = format!(
                    "field_attribute(\"{path}\", ...): model `{model}` has no column or relationship `{field}`"
                );
                if let Some(close) = did_you_mean(field, names) {
                    message.push_str(&format!("; did you mean `{close}`?"));
                }
                problems.push(message);
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(BuildError::Options(problems.join("\n")))
        }
    }

    /// The spec to read, relative to the package root (build scripts run there).
    pub fn spec(&mut self, path: impl Into<PathBuf>) -> &mut Self {
        self.spec = path.into();
        self
    }

    /// The file name to write in the output folder (default `models.rs`).
    pub fn out_file(&mut self, name: impl Into<String>) -> &mut Self {
        self.out_file = name.into();
        self
    }

    /// The output folder (default: the `OUT_DIR` cargo gives build scripts).
    pub fn out_dir(&mut self, dir: impl Into<PathBuf>) -> &mut Self {
        self.out_dir = Some(dir.into());
        self
    }

    /// Whether to print `cargo:rerun-if-changed` for the spec (default `true`).
    pub fn emit_rerun_if_changed(&mut self, yes: bool) -> &mut Self {
        self.emit_rerun = yes;
        self
    }

    /// Checks the spec and writes the generated Rust, rewriting the file only when its
    /// content changes. Warnings are passed on as `cargo:warning` lines.
    ///
    /// # Errors
    ///
    /// [`BuildError::Spec`] with the same rustc-style diagnostics as `litemodel check`;
    /// [`BuildError::Io`] when the spec cannot be read or the output written;
    /// [`BuildError::NoOutDir`] outside a build script without [`Builder::out_dir`].
    pub fn compile(&self) -> Result<(), BuildError> {
        self.generate().map(|_| ())
    }

    /// Like [`Builder::compile`], returning the path of the written file.
    ///
    /// # Errors
    ///
    /// As for [`Builder::compile`].
    pub fn generate(&self) -> Result<PathBuf, BuildError> {
        if self.emit_rerun {
            println!("cargo:rerun-if-changed={}", self.spec.display());
        }
        let out_dir = match &self.out_dir {
            Some(dir) => dir.clone(),
            None => std::env::var_os("OUT_DIR")
                .map(PathBuf::from)
                .ok_or(BuildError::NoOutDir)?,
        };
        let source = std::fs::read_to_string(&self.spec).map_err(|source| BuildError::Io {
            path: self.spec.clone(),
            source,
        })?;
        let name = self.spec.display().to_string();
        let checked = if self.serde {
            crate::check_for_rust_with_serde(&name, &source)
        } else {
            crate::check_for_rust(&name, &source)
        };
        let mut checked = checked.map_err(BuildError::Spec)?;
        self.apply_attributes(&mut checked.schema)?;
        if self.emit_rerun {
            for warning in checked.warnings.render(false).split("\n\n") {
                let first = warning.lines().next().unwrap_or_default();
                if !first.trim().is_empty() {
                    println!(
                        "cargo:warning={} ({})",
                        first.trim_start_matches("warning: "),
                        name
                    );
                }
            }
        }
        let spec_name = spec_display_name(&self.spec);
        let code = crate::rust(&checked.schema, &spec_name);
        let path = out_dir.join(&self.out_file);
        match write_if_changed(&path, &code) {
            Ok(WriteOutcome::Written | WriteOutcome::Unchanged) => Ok(path),
            Err(source) => Err(BuildError::Io { path, source }),
        }
    }
}

fn spec_display_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// Why [`Builder::compile`] failed.
#[derive(thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    /// The spec has errors.
    #[error("{}", .0.render(false))]
    Spec(Diagnostics),
    /// The spec could not be read, or the output not written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file involved.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A `type_attribute` or `field_attribute` names no model or field of the
    /// spec, or is not a Rust attribute; one line per problem.
    #[error("{0}")]
    Options(String),
    /// `OUT_DIR` is not set: not running in a build script.
    #[error("OUT_DIR is not set; call `Builder::out_dir` when not running from build.rs")]
    NoOutDir,
}

/// `fn main() -> Result<(), BuildError>` prints the error with `Debug`: show the
/// diagnostics, not a struct dump.
impl fmt::Debug for BuildError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "\n{self}")
    }
}
