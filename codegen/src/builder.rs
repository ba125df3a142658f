//! Running the generator from `build.rs`.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::write::{write_if_changed, WriteOutcome};
use crate::Diagnostics;

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
        let checked = crate::check_for_rust(&name, &source).map_err(BuildError::Spec)?;
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
