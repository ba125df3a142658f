//! Shared test fixtures: the hand-written "generated" models and a database
//! in a temporary directory.

// Each test binary uses a different part of the fixtures.
#![allow(dead_code)]

pub mod blog_models;
pub mod library_models;
pub mod seed_models;

use litemodel::Database;
use tempfile::TempDir;

pub type TestResult<T = ()> = Result<T, Box<dyn std::error::Error>>;

/// A fresh database file in its own temporary directory (kept alive by the
/// returned `TempDir`).
pub fn temp_db() -> TestResult<(TempDir, Database)> {
    let dir = tempfile::tempdir()?;
    let db = Database::open(dir.path().join("test.sqlite"))?;
    Ok((dir, db))
}

/// A temporary database with the seed tables created.
pub fn seed_db() -> TestResult<(TempDir, Database)> {
    let (dir, db) = temp_db()?;
    db.create_all(&seed_models::SCHEMA)?;
    Ok((dir, db))
}

/// A temporary database with the blog tables created.
pub fn blog_db() -> TestResult<(TempDir, Database)> {
    let (dir, db) = temp_db()?;
    db.create_all(&blog_models::SCHEMA)?;
    Ok((dir, db))
}

/// A temporary database with the library tables created.
pub fn library_db() -> TestResult<(TempDir, Database)> {
    let (dir, db) = temp_db()?;
    db.create_all(&library_models::SCHEMA)?;
    Ok((dir, db))
}
