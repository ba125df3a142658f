//! The files `litemodel` writes are replaced whole or not at all: a process
//! killed mid-write, or a write that fails, leaves the previous file as it
//! was; an unchanged file is not touched (so cargo does not rebuild).

#![cfg(unix)]

use std::fs;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, SystemTime};

type TestResult = Result<(), Box<dyn std::error::Error>>;

const OLD: &str = "// the previous generated file\n";

fn showcase_spec() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .join("models.toml")
}

/// The files of `dir` other than `keep`.
fn others(dir: &Path, keep: &[&str]) -> Result<Vec<String>, std::io::Error> {
    let mut names = Vec::new();
    for entry in fs::read_dir(dir)? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !keep.contains(&name.as_str()) {
            names.push(name);
        }
    }
    Ok(names)
}

#[test]
fn a_generate_killed_mid_write_leaves_the_old_file() -> TestResult {
    for command in ["generate", "ddl"] {
        let dir = tempfile::tempdir()?;
        let out = dir.path().join("out.rs");
        fs::write(&out, OLD)?;
        // The file size limit kills the process (SIGXFSZ) once it has written
        // 1 KiB of the new content, which is longer than that.
        let status = Command::new("sh")
            .args(["-c", "ulimit -f 1 && exec \"$0\" \"$@\""])
            .arg(env!("CARGO_BIN_EXE_litemodel"))
            .arg("--spec")
            .arg(showcase_spec())
            .args([command, "--out"])
            .arg(&out)
            .status()?;
        assert!(!status.success(), "{command} was stopped");
        assert_eq!(
            fs::read_to_string(&out)?,
            OLD,
            "{command}: the target is intact"
        );
        // A killed process cannot remove its temporary file; it is a hidden
        // file next to the target, never the target itself.
        for name in others(dir.path(), &["out.rs"])? {
            assert!(
                name.starts_with(".out.rs.") && name.ends_with(".tmp"),
                "{name}"
            );
        }
    }
    Ok(())
}

#[test]
fn a_failed_write_leaves_the_old_file_and_no_temporary_file() -> TestResult {
    let dir = tempfile::tempdir()?;
    // The target is a directory holding a file: renaming over it fails after
    // the new content was written in full.
    let out = dir.path().join("models.rs");
    fs::create_dir(&out)?;
    fs::write(out.join("keep.txt"), OLD)?;
    let error = litemodel_codegen::write::write_if_changed(&out, "new content")
        .err()
        .ok_or("writing over a directory must fail")?;
    assert!(!error.to_string().is_empty());
    assert_eq!(fs::read_to_string(out.join("keep.txt"))?, OLD);
    assert_eq!(others(dir.path(), &["models.rs"])?, Vec::<String>::new());

    // A folder that does not exist: nothing is created.
    let missing = dir.path().join("missing").join("models.rs");
    assert!(litemodel_codegen::write::write_if_changed(&missing, "x").is_err());
    assert!(!dir.path().join("missing").exists());
    Ok(())
}

#[test]
fn unchanged_output_keeps_its_modification_time() -> TestResult {
    let dir = tempfile::tempdir()?;
    let out = dir.path().join("models.rs");
    let generate = || {
        Command::new(env!("CARGO_BIN_EXE_litemodel"))
            .arg("--spec")
            .arg(showcase_spec())
            .args(["generate", "--out"])
            .arg(&out)
            .status()
    };
    assert!(generate()?.success());
    let old_time = SystemTime::now() - Duration::from_secs(3600);
    fs::File::options()
        .write(true)
        .open(&out)?
        .set_modified(old_time)?;
    assert!(generate()?.success());
    assert_eq!(fs::metadata(&out)?.modified()?, old_time);
    assert_eq!(others(dir.path(), &["models.rs"])?, Vec::<String>::new());
    Ok(())
}
