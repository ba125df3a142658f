//! What must not compile: ordering a loaded (`lazy = "select"`) collection,
//! loading options on a `dynamic`/`write_only` relationship,
//! comparing a column with a value of another type, generated code of another
//! version than the runtime, `#[derive(Model)]` attributes it cannot read, and
//! `post_update` where the session cannot post the update (a `many_to_many`, a
//! `one_to_many` whose backref lacks it).

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
