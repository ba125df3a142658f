//! The hand-written Diesel equivalent of [`synthetic_spec`](crate::codegen_bench::synthetic_spec):
//! what a Diesel user writes for the same schema, to compare compile times.
//!
//! Per table a `diesel::table!` (as `diesel print-schema` writes it), a `joinable!`
//! per foreign key and one `allow_tables_to_appear_in_same_query!` over every
//! table (print-schema's default, `all_tables`); per model one struct deriving
//! what litemodel's generated model offers: loading (`Queryable`, `Selectable`),
//! inserting (`Insertable`), updating (`AsChangeset`, `Identifiable`), the
//! relationship (`Associations`, on the nine of ten models that have a parent),
//! and `Debug, Clone, PartialEq`.

use std::fmt::Write as _;

/// The Diesel version the bench compares against (`bench/diesel` uses the same).
pub const DIESEL_DEPENDENCY: &str = "diesel = { version = \"2.3\", default-features = false, \
features = [\"sqlite\", \"chrono\", \"returning_clauses_for_sqlite_3_35\"] }";

/// The `lib.rs` of a crate holding `models` hand-written Diesel models.
///
/// Column types follow litemodel's generated fields: the integer primary key and
/// the foreign key are `i64` (`BigInt`), every other column is nullable unless the
/// spec says `nullable = false` (only `score`), `datetime` is chrono's
/// `NaiveDateTime` (Diesel's `chrono` feature).
pub fn diesel_models(models: usize) -> String {
    let mut out = String::from(
        "// The hand-written Diesel equivalent of litemodel-bench's synthetic spec.\n\
         // `allow_tables_to_appear_in_same_query!` recurses once per table: past 128\n\
         // tables it needs a higher recursion limit.\n\
         #![recursion_limit = \"1024\"]\n\n\
         pub mod schema {\n",
    );
    for i in 0..models {
        let _ = write!(
            out,
            "    diesel::table! {{\n        table_{i} (id) {{\n            \
             id -> BigInt,\n            name -> Nullable<Text>,\n            \
             body -> Nullable<Text>,\n            score -> Double,\n            \
             active -> Nullable<Bool>,\n            created -> Nullable<Timestamp>,\n"
        );
        if has_parent(i) {
            out.push_str("            parent_id -> Nullable<BigInt>,\n");
        }
        out.push_str("        }\n    }\n\n");
    }
    for i in (0..models).filter(|&i| has_parent(i)) {
        let _ = writeln!(
            out,
            "    diesel::joinable!(table_{i} -> table_{p} (parent_id));",
            p = parent(i)
        );
    }
    out.push_str("\n    diesel::allow_tables_to_appear_in_same_query!(\n");
    for i in 0..models {
        let _ = writeln!(out, "        table_{i},");
    }
    out.push_str(
        "    );\n}\n\npub mod models {\n    use super::schema::*;\n    use diesel::prelude::*;\n",
    );
    for i in 0..models {
        let (associations, belongs_to) = if has_parent(i) {
            (
                "Associations, ",
                format!(", belongs_to(Model{}, foreign_key = parent_id)", parent(i)),
            )
        } else {
            ("", String::new())
        };
        let _ = write!(
            out,
            "\n    #[derive(Queryable, Selectable, Insertable, Identifiable, {associations}\
             AsChangeset, Debug, Clone, PartialEq)]\n    \
             #[diesel(table_name = table_{i}{belongs_to}, check_for_backend(diesel::sqlite::Sqlite))]\n    \
             pub struct Model{i} {{\n        \
             pub id: i64,\n        pub name: Option<String>,\n        \
             pub body: Option<String>,\n        pub score: f64,\n        \
             pub active: Option<bool>,\n        \
             pub created: Option<chrono::NaiveDateTime>,\n"
        );
        if has_parent(i) {
            out.push_str("        pub parent_id: Option<i64>,\n");
        }
        out.push_str("    }\n");
    }
    out.push_str("}\n");
    out
}

/// The synthetic spec relates models in groups of ten: each but the first has a parent.
fn has_parent(i: usize) -> bool {
    !i.is_multiple_of(10)
}

fn parent(i: usize) -> usize {
    i - i % 10
}
