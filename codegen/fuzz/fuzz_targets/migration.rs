//! A migration file (`NNNN_name.sql`: its name on the first line of the input, its
//! text after) → `litemodel::Migration` and its `-- migrate:up` / `-- migrate:down`
//! sections, the checksum, and a `Migrations` list of it: whatever the bytes, nothing
//! may panic or hang. The SQL itself is not run (it is SQLite's to parse, and could
//! `ATTACH` files).
//!
//! Run from `codegen/`: see docs/reliability.md for the command and the seed corpus.

#![no_main]

use libfuzzer_sys::fuzz_target;
use litemodel::migrate::Direction;
use litemodel::{Migration, Migrations};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (file_name, source) = text.split_once('\n').unwrap_or(("0001_fuzz.sql", text));
    let Ok(migration) = Migration::from_file(file_name, source.to_owned()) else {
        return;
    };
    let _ = migration.checksum();
    for direction in [Direction::Up, Direction::Down] {
        if let Ok(section) = migration.section(direction) {
            let _ = section.sql.len();
        }
    }
    let again = Migration::from_file("0002_again.sql", source.to_owned());
    if let Ok(again) = again {
        let _ = Migrations::new(vec![migration, again]).map(|m| m.latest());
    }
});
