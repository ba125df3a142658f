//! Embedding the migration files of a `migrations/` folder into a program from
//! `build.rs`, for `litemodel::include_migrations!()`.
//!
//! Only the folder's layout is read here (`NNNN_name.sql` files, their versions and
//! names): the runtime crate's `litemodel::Migrations` parses and runs the files,
//! and the `litemodel migrate` command (package `litemodel-cli`) writes them.

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};

/// Why the migrations folder could not be read.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FolderError {
    /// Reading the folder or a file failed.
    #[error("cannot read the migrations in `{path}`: {source}")]
    Io {
        /// The folder or file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// A `.sql` file is not named `NNNN_name.sql`.
    #[error(
        "migration file `{file}` is not named `NNNN_name.sql` (a version number, `_`, a name)"
    )]
    FileName {
        /// The file name.
        file: String,
    },
    /// Two files have the same version number.
    #[error(
        "migrations `{first}` and `{second}` have the same version {version}; renumber one of them"
    )]
    DuplicateVersion {
        /// The version.
        version: i64,
        /// The first file.
        first: String,
        /// The second file.
        second: String,
    },
}

/// A migration file on disk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    /// Its path.
    pub path: PathBuf,
    /// Its file name (`0002_add_bio.sql`).
    pub file_name: String,
    /// The version number (the file name's leading digits).
    pub version: i64,
    /// The name (the file name after the number, without `.sql`).
    pub name: String,
    /// Its content.
    pub source: String,
}

/// The migration files of `dir`, sorted by version. A folder that does not exist
/// holds no migrations. Files starting with `.` and files not ending in `.sql` are
/// ignored.
///
/// # Errors
///
/// The folder or a file cannot be read, a `.sql` file is not named `NNNN_name.sql`,
/// or two files have the same version.
pub fn list(dir: &Path) -> Result<Vec<MigrationFile>, FolderError> {
    let io = |path: &Path| {
        let path = path.display().to_string();
        move |source| FolderError::Io { path, source }
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io(dir)(e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(io(dir))?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        if file_name.starts_with('.') || !file_name.ends_with(".sql") {
            continue;
        }
        let path = entry.path();
        let source = fs::read_to_string(&path).map_err(io(&path))?;
        let (version, name) = parse_file_name(&file_name).ok_or_else(|| FolderError::FileName {
            file: file_name.clone(),
        })?;
        files.push(MigrationFile {
            name: name.to_owned(),
            version,
            file_name,
            path,
            source,
        });
    }
    files.sort_by_key(|f| f.version);
    if let Some(pair) = files.windows(2).find(|w| w[0].version == w[1].version) {
        return Err(FolderError::DuplicateVersion {
            version: pair[0].version,
            first: pair[0].file_name.clone(),
            second: pair[1].file_name.clone(),
        });
    }
    Ok(files)
}

/// `0002_add_bio.sql` → `(2, "add_bio")`; the rule `litemodel::Migration::from_file`
/// applies too.
fn parse_file_name(file_name: &str) -> Option<(i64, &str)> {
    let stem = file_name.strip_suffix(".sql")?;
    let (digits, name) = stem.split_once('_')?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) || name.is_empty() {
        return None;
    }
    Some((digits.parse().ok()?, name))
}

/// Why [`embed`] failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum EmbedError {
    /// `OUT_DIR` is not set: `embed` runs from a build script.
    #[error("OUT_DIR is not set: call litemodel_codegen::migrate::embed from build.rs")]
    NoOutDir,
    /// The migrations could not be read.
    #[error(transparent)]
    Read(#[from] FolderError),
    /// The generated file could not be written.
    #[error("cannot write `{path}`: {source}")]
    Write {
        /// The file.
        path: String,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

/// From `build.rs`: lists the migrations of `dir` for
/// `litemodel::include_migrations!()`, so that the program carries them and can
/// bring a database up to date at start-up with `db.migrate(&MIGRATIONS)`.
/// Prints `cargo:rerun-if-changed` for the folder and each file.
///
/// ```no_run
/// // build.rs
/// fn main() -> Result<(), Box<dyn std::error::Error>> {
///     litemodel_codegen::migrate::embed("migrations")?;
///     Ok(())
/// }
/// ```
///
/// # Errors
///
/// Not run from a build script, a malformed migration folder, or the output cannot
/// be written.
pub fn embed(dir: impl AsRef<Path>) -> Result<(), EmbedError> {
    let out_dir = std::env::var_os("OUT_DIR").ok_or(EmbedError::NoOutDir)?;
    let dir = dir.as_ref();
    let absolute = if dir.is_absolute() {
        dir.to_path_buf()
    } else {
        std::env::var_os("CARGO_MANIFEST_DIR")
            .map_or_else(|| dir.to_path_buf(), |root| PathBuf::from(root).join(dir))
    };
    println!("cargo:rerun-if-changed={}", absolute.display());
    let (code, files) = embedded_source(&absolute)?;
    for file in files {
        println!("cargo:rerun-if-changed={}", file.display());
    }
    let path = PathBuf::from(out_dir).join("litemodel_migrations.rs");
    crate::write::write_if_changed(&path, &code).map_err(|source| EmbedError::Write {
        path: path.display().to_string(),
        source,
    })?;
    Ok(())
}

/// The Rust expression [`embed`] writes for the migrations of `dir` (a
/// `litemodel::Migrations` built from `include_str!`s of each file), and the files.
///
/// # Errors
///
/// A malformed migration folder.
pub fn embedded_source(dir: &Path) -> Result<(String, Vec<PathBuf>), EmbedError> {
    let files = list(dir)?;
    // A block with a static array: a `static` initializer may borrow another static,
    // but not a temporary array of values with destructors.
    let mut code = format!(
        "// @generated by litemodel_codegen::migrate::embed — do not edit\n\
         {{\n    static LIST: [litemodel::Migration; {}] = [\n",
        files.len()
    );
    for file in &files {
        let _ = writeln!(
            code,
            "        litemodel::Migration::embedded({}, {:?}, include_str!({:?})),",
            file.version,
            file.name,
            file.path.display().to_string()
        );
    }
    code.push_str("    ];\n    litemodel::Migrations::embedded(&LIST)\n}\n");
    Ok((code, files.into_iter().map(|f| f.path).collect()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names() {
        assert_eq!(parse_file_name("0002_add_bio.sql"), Some((2, "add_bio")));
        assert_eq!(parse_file_name("2_x.sql"), Some((2, "x")));
        for bad in [
            "0002.sql",
            "_add.sql",
            "0002_.sql",
            "v2_add.sql",
            "0002_add.txt",
        ] {
            assert_eq!(parse_file_name(bad), None, "{bad}");
        }
    }
}
