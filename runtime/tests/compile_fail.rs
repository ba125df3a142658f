//! What must not compile: ordering a loaded (`lazy = "select"`) collection,
//! loading options on a `dynamic`/`write_only` relationship,
//! comparing a column with a value of another type, generated code of another
//! version than the runtime, `#[derive(Model)]` attributes it cannot read, and
//! `post_update` where the session cannot post the update (a `many_to_many`, a
//! `one_to_many` whose backref lacks it).

#[test]
fn ui() {
    // rustc names `litemodel::Column` in full when another crate of the build
    // has a `Column` too (the `postgres` client's), and `Column` alone
    // otherwise: the recorded messages are those of the build with it, which
    // `cargo test --workspace` (and CI) makes.
    if !cfg!(feature = "postgres") {
        eprintln!(
            "skipped: the compile-fail messages are recorded for a build with the `postgres` \
             feature (cargo test --workspace, or -p litemodel --features postgres)"
        );
        return;
    }
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
