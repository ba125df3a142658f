//! How two PostgreSQL schemas differ: what the planner checks its result with, and
//! what `migrate check` and `stamp` compare a database with.

use std::collections::BTreeSet;

use postgres::Transaction;

use super::{snapshot, Snapshot};
use crate::introspect::{Column, Index, Table};
use crate::migrate::Error;

pub(super) fn verify(tx: &mut Transaction<'_>, target: &Snapshot, what: &str) -> Result<(), Error> {
    let reached = snapshot(tx)?;
    let problems = differences(&reached, target);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Unplannable {
            context: format!("{what} does not reach its schema"),
            message: problems.join("; "),
        })
    }
}

/// How `have` differs from `want`, one line each (column order aside: PostgreSQL
/// appends an added column, wherever the spec declares it).
pub(crate) fn differences(have: &Snapshot, want: &Snapshot) -> Vec<String> {
    let mut out = Vec::new();
    for table in &want.schema.tables {
        let Some(got) = have.schema.table(&table.name) else {
            out.push(format!("table `{}` is missing", table.name));
            continue;
        };
        for column in &table.columns {
            match got.column(&column.name) {
                None => out.push(format!(
                    "column `{}.{}` is missing",
                    table.name, column.name
                )),
                Some(c) if !same_column(c, column) => out.push(format!(
                    "column `{}.{}` is {} instead of {}",
                    table.name,
                    column.name,
                    describe(c),
                    describe(column)
                )),
                Some(_) => {}
            }
        }
        for column in &got.columns {
            if table.column(&column.name).is_none() {
                out.push(format!(
                    "column `{}.{}` is there but not wanted",
                    table.name, column.name
                ));
            }
        }
        let indexes = |t: &Table| -> BTreeSet<String> {
            t.indexes
                .iter()
                .map(|i| format!("{}{} ({})", unique_word(i), i.name, index_columns(i)))
                .collect()
        };
        let (a, b) = (indexes(got), indexes(table));
        for index in b.difference(&a) {
            out.push(format!("index {index} on `{}` is missing", table.name));
        }
        for index in a.difference(&b) {
            out.push(format!(
                "index {index} on `{}` is there but not wanted",
                table.name
            ));
        }
    }
    for table in &have.schema.tables {
        if want.schema.table(&table.name).is_none() {
            out.push(format!("table `{}` is there but not wanted", table.name));
        }
    }
    let constraints = |s: &Snapshot| -> BTreeSet<String> {
        s.constraints
            .iter()
            .map(|c| format!("`{}` on `{}`: {}", c.name, c.table, c.definition))
            .collect()
    };
    let (a, b) = (constraints(have), constraints(want));
    for c in b.difference(&a) {
        out.push(format!("constraint {c} is missing"));
    }
    for c in a.difference(&b) {
        out.push(format!("constraint {c} is there but not wanted"));
    }
    let sequences = |s: &Snapshot| -> BTreeSet<String> {
        s.sequences
            .iter()
            .map(|q| format!("`{}` of `{}.{}`", q.name, q.table, q.column))
            .collect()
    };
    let (a, b) = (sequences(have), sequences(want));
    for s in b.difference(&a) {
        out.push(format!("sequence {s} is missing"));
    }
    for s in a.difference(&b) {
        out.push(format!("sequence {s} is there but not wanted"));
    }
    for (name, labels) in &want.enums {
        match have.enums.get(name) {
            None => out.push(format!("enum type `{name}` is missing")),
            Some(got) if got != labels => out.push(format!(
                "enum type `{name}` has the labels ({}) instead of ({})",
                got.join(", "),
                labels.join(", ")
            )),
            Some(_) => {}
        }
    }
    for name in have.enums.keys() {
        if !want.enums.contains_key(name) {
            out.push(format!("enum type `{name}` is there but not wanted"));
        }
    }
    out
}

fn same_column(a: &Column, b: &Column) -> bool {
    a.decl_type == b.decl_type && a.not_null == b.not_null && a.default == b.default
}

fn describe(c: &Column) -> String {
    format!(
        "{}{}{}",
        c.decl_type,
        if c.not_null { " NOT NULL" } else { "" },
        c.default
            .as_deref()
            .map_or(String::new(), |d| format!(" DEFAULT {d}"))
    )
}

fn unique_word(index: &Index) -> &'static str {
    if index.unique {
        "unique "
    } else {
        ""
    }
}

fn index_columns(index: &Index) -> String {
    index
        .columns
        .iter()
        .map(|c| c.as_deref().unwrap_or("(expression)"))
        .collect::<Vec<_>>()
        .join(", ")
}
