//! What must not compile: ordering a loaded (`lazy = "select"`) collection,
//! and comparing a column with a value of another type.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/*.rs");
}
