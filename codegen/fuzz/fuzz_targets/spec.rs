//! Spec text → parse → validate → DDL and Rust, and the diagnostics rendered:
//! whatever the bytes, nothing may panic.
//!
//! Run from `codegen/`: see docs/reliability.md for the command and the seed corpus.

#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(source) = std::str::from_utf8(data) else {
        return;
    };
    match litemodel_codegen::check("models.toml", source) {
        Ok(checked) => {
            let _ = litemodel_codegen::ddl(&checked.schema);
            let _ = checked.warnings.render(false);
        }
        Err(diagnostics) => {
            let _ = diagnostics.render(false);
            let _ = diagnostics.render(true);
        }
    }
    match litemodel_codegen::check_for_rust("models.toml", source) {
        Ok(checked) => {
            let _ = litemodel_codegen::rust(&checked.schema, "models.toml");
        }
        Err(diagnostics) => {
            let _ = diagnostics.render(false);
        }
    }
});
