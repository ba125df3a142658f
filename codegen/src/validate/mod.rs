//! From the spec as written to the checked [`Schema`]: every name resolved, every
//! rule of the spec enforced, every problem recorded with its span.
//!
//! One `Validator` walks the spec in passes, each in the module of its concern:
//! `names` (models, tables, enums, indexes), `columns` and their `types`,
//! `foreign_keys`, `constraints`, the `sql_names` the database would refuse,
//! `relationships` and their `backrefs`, the `rust_items` of the generated code
//! (`derive`, `attributes`, `serde`), and last the `warnings`.

mod backrefs;
mod columns;
mod constraints;
mod foreign_keys;
mod names;
mod relationships;
mod rust_items;

pub(crate) use rust_items::is_outer_attributes;
mod sql_names;
mod types;
mod warnings;

use std::collections::HashMap;

use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::model::*;
use crate::spec::{Sp, Spec};

/// Checks `spec` and builds the [`Schema`]; `None` when any error was recorded.
pub fn validate(spec: &Spec, diags: &mut Diagnostics) -> Option<Schema> {
    let errors_before = diags.error_count();
    let mut v = Validator {
        spec,
        diags,
        models: Vec::new(),
        fk_spans: Vec::new(),
        broken_fk: vec![false; spec.models.len()],
        index_spans: vec![Vec::new(); spec.models.len()],
        model_index: HashMap::new(),
        table_index: HashMap::new(),
        column_lookup: vec![ColumnLookup::default(); spec.models.len()],
    };
    v.models_and_tables();
    for m in 0..spec.models.len() {
        v.columns(m);
    }
    for m in 0..spec.models.len() {
        v.foreign_keys(m);
        v.constraints(m);
    }
    v.index_names();
    v.enum_names();
    v.sql_names();
    let declared = v.relationships();
    v.backrefs(&declared);
    v.post_update_pairs(&declared);
    v.rust_items();
    v.warnings();
    let models = v.models;
    if let (Some(path), Some(url)) = (&spec.database.path, &spec.database.url) {
        diags.push(
            Diagnostic::error(
                "`[database]` names both a `path` and a `url`",
                url.span.clone(),
                "a second database",
            )
            .with_secondary(path.span.clone(), "the first")
            .with_help("keep one: `path` for a SQLite file, `url` for any database (`postgresql://user@host/db`)"),
        );
    }
    let database = Database {
        path: spec.database.path.as_ref().map(|p| p.value.clone()),
        url: spec.database.url.as_ref().map(|u| u.value.clone()),
    };
    if diags.error_count() > errors_before {
        return None;
    }
    Some(Schema { database, models })
}

struct Validator<'s, 'd> {
    spec: &'s Spec,
    diags: &'d mut Diagnostics,
    models: Vec<Model>,
    /// Per model, per foreign key: where it was declared.
    fk_spans: Vec<Vec<Span>>,
    /// Per model: a foreign key could not be resolved (already reported), so a
    /// relationship that finds no key path may just be missing that one.
    broken_fk: Vec<bool>,
    /// Per model, per entry of `indexes`: its `name`, or the entry when it has none.
    index_spans: Vec<Vec<Span>>,
    model_index: HashMap<&'s str, usize>,
    /// Lower-cased table name → model (SQLite names are case-insensitive).
    table_index: HashMap<String, usize>,
    /// Per model, its columns by name and by field, filled once its columns are
    /// read: a spec with 100,000 columns and as many references stays linear.
    column_lookup: Vec<ColumnLookup>,
}

/// A model's columns by SQL name and by Rust field; the first of each wins.
#[derive(Clone, Default)]
struct ColumnLookup {
    by_name: HashMap<String, usize>,
    by_field: HashMap<String, usize>,
}

impl ColumnLookup {
    fn of(model: &Model) -> Self {
        let mut lookup = ColumnLookup::default();
        for (c, column) in model.columns.iter().enumerate() {
            lookup.by_name.entry(column.name.clone()).or_insert(c);
            lookup.by_field.entry(column.field.clone()).or_insert(c);
        }
        lookup
    }
}

/// A declared relationship after resolution, kept for the backref pass.
struct Declared {
    model: usize,
    position: usize,
}

impl<'s> Validator<'s, '_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    /// The column of model `m` with SQL name `name`, or else with Rust field `name`.
    fn find_column(&self, m: usize, name: &str) -> Option<usize> {
        match self.column_lookup.get(m) {
            Some(lookup) if !lookup.by_name.is_empty() => lookup
                .by_name
                .get(name)
                .or_else(|| lookup.by_field.get(name))
                .copied(),
            _ => find_column_in(&self.models[m], name),
        }
    }

    fn unknown_column(&self, m: usize, name: &Sp<String>, what: &str) -> Diagnostic {
        let model = &self.models[m];
        let mut d = Diagnostic::error(
            format!(
                "{what} `{}`, which is not a column of model `{}`",
                name.value, model.name
            ),
            name.span.clone(),
            "no such column",
        );
        if self.diags.is_past_rendering() {
            // Counted, not shown: no suggestion to work out.
        } else if let Some(s) =
            did_you_mean(&name.value, model.columns.iter().map(|c| c.name.as_str()))
        {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else {
            const LISTED: usize = 20;
            let mut all: Vec<String> = model
                .columns
                .iter()
                .take(LISTED)
                .map(|c| format!("`{}`", c.name))
                .collect();
            if model.columns.len() > LISTED {
                all.push(format!("and {} more", model.columns.len() - LISTED));
            }
            d = d.with_note(format!(
                "the columns of `{}` are {}",
                model.name,
                all.join(", ")
            ));
        }
        d
    }
}

fn find_column_in(model: &Model, name: &str) -> Option<usize> {
    model
        .columns
        .iter()
        .position(|c| c.name == name)
        .or_else(|| model.columns.iter().position(|c| c.field == name))
}

/// Why `sql`, written as is into the DDL, could end the clause it belongs to (a
/// column's `DEFAULT`, or `CHECK (...)`): a `;` or comment outside quotes, an
/// unterminated quote, a `)` closing more than it opened, or (where `commas` is false)
/// a `,` outside parentheses. `None` when it stays inside.
fn sql_fragment_problem(sql: &str, commas: bool) -> Option<&'static str> {
    let mut depth = 0usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                loop {
                    match chars.next() {
                        None => return Some("a quote that is never closed"),
                        // A doubled quote is an escaped one.
                        Some(q) if q == close && c != '[' && chars.peek() == Some(&close) => {
                            chars.next();
                        }
                        Some(q) if q == close => break,
                        Some(_) => {}
                    }
                }
            }
            '(' => depth += 1,
            ')' if depth == 0 => return Some("a `)` that closes the surrounding clause"),
            ')' => depth -= 1,
            ';' => return Some("a `;` ends the statement"),
            '\0' => return Some("a NUL character, where SQLite ends the statement"),
            '-' if chars.peek() == Some(&'-') => return Some("an SQL comment (`--`)"),
            '/' if chars.peek() == Some(&'*') => return Some("an SQL comment (`/*`)"),
            ',' if depth == 0 && !commas => return Some("a `,` ends the column definition"),
            _ => {}
        }
    }
    (depth > 0).then_some("a `(` that is never closed")
}
