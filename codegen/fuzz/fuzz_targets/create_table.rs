//! `CREATE TABLE` text as SQLite keeps it in `sqlite_master` → the introspection
//! parser (`litemodel introspect`) and the migration planner's token helpers:
//! whatever the bytes, nothing may panic or hang.
//!
//! Run from `codegen/`: see docs/reliability.md for the command and the seed corpus.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // SQLite hands back text; invalid UTF-8 is read lossily by rusqlite's callers.
    let sql = String::from_utf8_lossy(data);
    let _ = litemodel_cli::introspect::parse_create_table_for_fuzzing(&sql);
});
