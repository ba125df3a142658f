//! Writing generated files: atomically, and only when the content changes.

use std::fs;
use std::io::{self, Write as _};
use std::path::Path;

/// What [`write_if_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WriteOutcome {
    /// The file was created or replaced.
    Written,
    /// The file already held exactly this content and was left alone.
    Unchanged,
}

/// Writes `contents` to `path` unless it already holds exactly that.
///
/// The new content goes to a temporary file in the same directory, is flushed to disk
/// and renamed over `path`, so a reader (or a killed process) never sees half a file.
/// An unchanged file keeps its modification time, so cargo does not rebuild.
///
/// # Errors
///
/// Any I/O error creating, writing or renaming the file.
pub fn write_if_changed(path: &Path, contents: &str) -> io::Result<WriteOutcome> {
    if let Ok(existing) = fs::read(path) {
        if existing == contents.as_bytes() {
            return Ok(WriteOutcome::Unchanged);
        }
    }
    let dir = match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "output".to_owned());
    let mut temp = tempfile::Builder::new()
        .prefix(&format!(".{file_name}."))
        .suffix(".tmp")
        .tempfile_in(dir)?;
    temp.write_all(contents.as_bytes())?;
    temp.as_file().sync_all()?;
    temp.persist(path).map_err(|e| e.error)?;
    Ok(WriteOutcome::Written)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_then_leaves_unchanged() -> io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.rs");
        assert_eq!(write_if_changed(&path, "a")?, WriteOutcome::Written);
        assert_eq!(write_if_changed(&path, "a")?, WriteOutcome::Unchanged);
        assert_eq!(write_if_changed(&path, "b")?, WriteOutcome::Written);
        assert_eq!(fs::read_to_string(&path)?, "b");
        let leftovers = fs::read_dir(dir.path())?.count();
        assert_eq!(leftovers, 1, "no temporary file is left behind");
        Ok(())
    }
}
