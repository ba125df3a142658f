//! How two versions of a table differ in meaning: what the migration planner checks
//! its result with, and what `introspect` checks its written spec with.

use super::{one_line, Column, DbSchema, SqlObject, Table};

/// How the schema `have` differs in meaning from `want`, one line each: tables
/// missing or left over, each common table's [`structural_differences`], and
/// views and triggers missing, left over or with other SQL. Empty when `have`
/// already is `want`. What `litemodel migrate stamp` checks a database with.
pub fn schema_differences(have: &DbSchema, want: &DbSchema) -> Vec<String> {
    let mut out = Vec::new();
    for table in &want.tables {
        match have.table(&table.name) {
            None => out.push(format!("table `{}` is missing", table.name)),
            Some(got) => {
                for difference in structural_differences(got, table) {
                    out.push(format!("table `{}`: {difference}", table.name));
                }
            }
        }
    }
    for table in &have.tables {
        if want.table(&table.name).is_none() {
            out.push(format!(
                "table `{}` is there but not in the migrations",
                table.name
            ));
        }
    }
    for (kind, have, want) in [
        ("view", &have.views, &want.views),
        ("trigger", &have.triggers, &want.triggers),
    ] {
        let find = |list: &[SqlObject], name: &str| {
            list.iter()
                .find(|o| o.name.eq_ignore_ascii_case(name))
                .map(|o| one_line(&o.sql))
        };
        for object in want {
            match find(have, &object.name) {
                None => out.push(format!("{kind} `{}` is missing", object.name)),
                Some(sql) if !sql.eq_ignore_ascii_case(&one_line(&object.sql)) => {
                    out.push(format!("{kind} `{}` has other SQL", object.name))
                }
                Some(_) => {}
            }
        }
        for object in have {
            if find(want, &object.name).is_none() {
                out.push(format!(
                    "{kind} `{}` is there but not in the migrations",
                    object.name
                ));
            }
        }
    }
    out
}

/// Differences in meaning between two versions of a table (names compared ignoring
/// case, types ignoring case): columns, primary key, unique constraints, checks,
/// foreign keys, indexes. Empty when they are the same table.
pub fn structural_differences(old: &Table, new: &Table) -> Vec<String> {
    let mut out = Vec::new();
    let old_columns: Vec<String> = old.columns.iter().map(|c| c.name.to_lowercase()).collect();
    let new_columns: Vec<String> = new.columns.iter().map(|c| c.name.to_lowercase()).collect();
    if old_columns != new_columns {
        out.push(format!(
            "columns ({}) become ({})",
            old_columns.join(", "),
            new_columns.join(", ")
        ));
    }
    let pk_alias = |t: &Table, c: &Column| {
        t.primary_key.len() == 1
            && t.primary_key[0].eq_ignore_ascii_case(&c.name)
            && c.decl_type.eq_ignore_ascii_case("INTEGER")
    };
    for a in &old.columns {
        if let Some(b) = new.column(&a.name) {
            if !a.decl_type.eq_ignore_ascii_case(&b.decl_type) {
                out.push(format!(
                    "column `{}` type `{}` becomes `{}`",
                    a.name, a.decl_type, b.decl_type
                ));
            }
            let a_not_null = a.not_null || pk_alias(old, a);
            let b_not_null = b.not_null || pk_alias(new, b);
            if a_not_null != b_not_null {
                out.push(format!(
                    "column `{}` NOT NULL {} becomes {}",
                    a.name, a_not_null, b_not_null
                ));
            }
            if a.default != b.default {
                out.push(format!(
                    "column `{}` default {:?} becomes {:?}",
                    a.name, a.default, b.default
                ));
            }
        }
    }
    let lower = |v: &[String]| v.iter().map(|s| s.to_lowercase()).collect::<Vec<_>>();
    if lower(&old.primary_key) != lower(&new.primary_key) {
        out.push(format!(
            "primary key ({}) becomes ({})",
            old.primary_key.join(", "),
            new.primary_key.join(", ")
        ));
    }
    let uniques = |t: &Table| {
        let mut v: Vec<(Option<String>, Vec<String>)> = t
            .uniques
            .iter()
            .map(|u| (u.name.clone(), lower(&u.columns)))
            .collect();
        v.sort();
        v
    };
    if uniques(old) != uniques(new) {
        out.push("unique constraints differ".into());
    }
    let checks = |t: &Table| {
        let mut v: Vec<(Option<String>, String)> = t
            .checks
            .iter()
            .map(|c| (c.name.clone(), one_line(&c.sql)))
            .collect();
        v.sort();
        v
    };
    if checks(old) != checks(new) {
        out.push("check constraints differ".into());
    }
    let keys = |t: &Table| {
        let mut v: Vec<_> = t
            .foreign_keys
            .iter()
            .map(|k| {
                (
                    k.name.clone(),
                    lower(&k.columns),
                    k.table.to_lowercase(),
                    lower(&k.references),
                    k.on_delete.clone(),
                    k.on_update.clone(),
                    k.deferrable,
                )
            })
            .collect();
        v.sort();
        v
    };
    if keys(old) != keys(new) {
        out.push("foreign keys differ".into());
    }
    if old.options != new.options {
        out.push(format!(
            "table options ({}) become ({})",
            old.options.join(" "),
            new.options.join(" ")
        ));
    }
    let indexes = |t: &Table| {
        t.indexes
            .iter()
            .map(|i| {
                (
                    i.name.to_lowercase(),
                    i.unique,
                    i.partial,
                    i.columns
                        .iter()
                        .map(|c| c.as_ref().map(|c| c.to_lowercase()))
                        .collect::<Vec<_>>(),
                )
            })
            .collect::<Vec<_>>()
    };
    if indexes(old) != indexes(new) {
        out.push("indexes differ".into());
    }
    out
}
