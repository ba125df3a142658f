//! Writing a [`DbSchema`] as `models.toml` text: models named after their tables,
//! relationships inferred from the foreign keys, and a warning for each thing the
//! spec cannot say.

use std::collections::{BTreeMap, HashSet};

use heck::ToUpperCamelCase as _;
use toml_edit::{Array, ArrayOfTables, DocumentMut, InlineTable, Item, Value};

use litemodel_codegen::emit::sql::{Dialect as _, Sqlite};
use litemodel_codegen::model::ColumnType;
use litemodel_codegen::names;

use super::{one_line, ConstraintRef, DbSchema, Table};

/// A spec written from a database, with what it could not express.
#[derive(Debug, Clone, PartialEq)]
pub struct Introspected {
    /// The `models.toml` text.
    pub spec: String,
    /// One line for each thing of the database the spec does not reproduce
    /// exactly; each is also a comment at the top of `spec`.
    pub warnings: Vec<String>,
}

/// A spec column type for a declared SQLite type, and whether litemodel writes the
/// type back exactly as declared.
pub(crate) fn spec_type(decl_type: &str) -> (String, ColumnType) {
    let upper = decl_type.trim().to_uppercase();
    let (base, params) = match upper.split_once('(') {
        Some((base, rest)) => (
            base.trim().to_owned(),
            rest.trim_end_matches(')')
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect::<Vec<_>>(),
        ),
        None => (upper.clone(), Vec::new()),
    };
    let number = |i: usize| params.get(i).and_then(|p| p.parse::<u32>().ok());
    let ty = match base.as_str() {
        "INTEGER" | "INT" | "MEDIUMINT" | "INT4" => ColumnType::Integer,
        "SMALLINT" | "TINYINT" | "INT2" => ColumnType::SmallInteger,
        "BIGINT" | "INT8" | "UNSIGNED BIG INT" => ColumnType::BigInteger,
        "BOOLEAN" | "BOOL" => ColumnType::Boolean,
        "FLOAT" | "REAL" | "DOUBLE" | "DOUBLE PRECISION" => ColumnType::Float,
        "NUMERIC" | "DECIMAL" => ColumnType::Numeric {
            precision: number(0),
            scale: number(1),
        },
        "VARCHAR"
        | "CHARACTER VARYING"
        | "NVARCHAR"
        | "VARYING CHARACTER"
        | "NATIONAL VARYING CHARACTER" => ColumnType::String { length: number(0) },
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" if number(0) == Some(32) => {
            ColumnType::Uuid
        }
        "CHAR" | "CHARACTER" | "NCHAR" | "NATIVE CHARACTER" => {
            ColumnType::String { length: number(0) }
        }
        "TEXT" | "CLOB" => ColumnType::Text,
        "BLOB" | "" => ColumnType::Blob,
        "DATE" => ColumnType::Date,
        "TIME" => ColumnType::Time,
        "DATETIME" | "TIMESTAMP" => ColumnType::DateTime { timezone: false },
        "JSON" => ColumnType::Json,
        // SQLite's affinity rules, in their order.
        other if other.contains("INT") => ColumnType::Integer,
        other if other.contains("CHAR") || other.contains("CLOB") || other.contains("TEXT") => {
            ColumnType::Text
        }
        other if other.contains("BLOB") => ColumnType::Blob,
        other if other.contains("REAL") || other.contains("FLOA") || other.contains("DOUB") => {
            ColumnType::Float
        }
        _ => ColumnType::Numeric {
            precision: None,
            scale: None,
        },
    };
    (ty.label(), ty)
}

/// A table of the spec (`[models.X.columns]`, `[[models.X.indexes]]`), written after
/// a blank line.
fn section() -> toml_edit::Table {
    let mut table = toml_edit::Table::new();
    table.decor_mut().set_prefix("\n");
    table
}

/// An inline table of `entries`, in order: `{ type = "integer", primary_key = true }`.
fn inline<'a>(entries: impl IntoIterator<Item = (&'a str, Value)>) -> InlineTable {
    let mut table: InlineTable = entries.into_iter().collect();
    table.fmt();
    table
}

/// A TOML array of strings: `["a", "b"]`.
fn list(items: &[String]) -> Value {
    Value::Array(items.iter().map(String::as_str).collect::<Array>())
}

/// `users` → `User`, `categories` → `Category`: the model name for a table.
fn model_name(table: &str, taken: &HashSet<String>) -> String {
    let singular = singular(table);
    let mut name = singular.to_upper_camel_case();
    if name.is_empty() || !names::is_identifier_shape(&name) {
        name = format!("T{name}");
        name.retain(|c| c == '_' || c.is_alphanumeric());
    }
    if names::is_rust_keyword(&name) {
        name.push_str("Model");
    }
    let mut candidate = name.clone();
    let mut n = 2;
    while taken.contains(&candidate) {
        candidate = format!("{name}{n}");
        n += 1;
    }
    candidate
}

fn singular(word: &str) -> String {
    let lower = word.to_lowercase();
    if let Some(stem) = lower.strip_suffix("ies") {
        if !stem.is_empty() {
            return format!("{}y", &word[..stem.len()]);
        }
    }
    for suffix in ["sses", "shes", "ches", "xes"] {
        if lower.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if lower.ends_with('s') && !lower.ends_with("ss") && !lower.ends_with("us") && word.len() > 1 {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// The accessor name for a foreign key column: `role_id` → `role`.
fn accessor_base(column: &str) -> String {
    let lower = column.to_lowercase();
    for suffix in ["_id", "id"] {
        if lower.len() > suffix.len() && lower.ends_with(suffix) {
            let base = column[..column.len() - suffix.len()].trim_end_matches('_');
            if !base.is_empty() {
                return base.to_lowercase();
            }
        }
    }
    format!("{}_ref", column.to_lowercase())
}

fn clean_method_name(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { '_' })
        .collect();
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out = format!("r_{out}");
    }
    if names::is_non_raw_keyword(&out) {
        out.push('_');
    }
    out
}

/// Writes a spec for `schema`: one model per table (tables without a primary key,
/// which a spec cannot declare, are left out with a warning), relationships inferred
/// from the foreign keys, and a warning for everything the spec cannot say.
pub fn to_spec(schema: &DbSchema) -> Introspected {
    let mut warnings: Vec<String> = Vec::new();
    let mut spec_models = toml_edit::Table::new();
    spec_models.set_implicit(true);
    let mut taken = HashSet::new();
    let mut models: BTreeMap<String, String> = BTreeMap::new(); // lower table -> model
    let tables: Vec<&Table> = schema
        .tables
        .iter()
        .filter(|t| {
            if t.primary_key.is_empty() {
                warnings.push(format!(
                    "table `{}` has no primary key, which a spec requires; it is left out (its SQL: {})",
                    t.name,
                    one_line(&t.sql)
                ));
                false
            } else {
                true
            }
        })
        .collect();
    let tables = dependency_order(tables);
    for table in &tables {
        let name = model_name(&table.name, &taken);
        taken.insert(name.clone());
        models.insert(table.name.to_lowercase(), name);
    }
    let relationships = infer_relationships(&tables, &models);
    for table in &tables {
        let model = &models[&table.name.to_lowercase()];
        write_model(
            table,
            model,
            relationships.get(model),
            &mut spec_models,
            &mut warnings,
        );
    }
    for view in &schema.views {
        warnings.push(format!(
            "view `{}` is not part of a spec; keep it in a migration (its SQL: {})",
            view.name,
            one_line(&view.sql)
        ));
    }
    for trigger in &schema.triggers {
        warnings.push(format!(
            "trigger `{}` on `{}` is not part of a spec; keep it in a migration (its SQL: {})",
            trigger.name,
            trigger.table,
            one_line(&trigger.sql)
        ));
    }
    let mut spec = String::from("# Written by `litemodel introspect` from an existing database.\n");
    if warnings.is_empty() {
        spec.push_str("# `litemodel create-all` with this spec makes the same schema.\n");
    } else {
        spec.push_str("# What this spec does not reproduce exactly:\n");
        for warning in &warnings {
            spec.push_str(&format!("#   - {warning}\n"));
        }
    }
    if !spec_models.is_empty() {
        let mut document = DocumentMut::new();
        document.insert("models", Item::Table(spec_models));
        spec.push_str(&document.to_string());
    }
    Introspected { spec, warnings }
}

/// Tables sorted by name, then each after the tables it references (as the DDL
/// orders them); cycles keep name order.
fn dependency_order(mut todo: Vec<&Table>) -> Vec<&Table> {
    todo.sort_by(|a, b| a.name.cmp(&b.name));
    let mut order = Vec::with_capacity(todo.len());
    while !todo.is_empty() {
        let waiting = |t: &Table, todo: &[&Table]| {
            t.foreign_keys.iter().any(|k| {
                !k.table.eq_ignore_ascii_case(&t.name)
                    && todo.iter().any(|o| o.name.eq_ignore_ascii_case(&k.table))
            })
        };
        let (ready, rest): (Vec<&Table>, Vec<&Table>) =
            todo.iter().partition(|t| !waiting(t, &todo));
        if ready.is_empty() {
            order.extend(rest);
            break;
        }
        order.extend(ready);
        todo = rest;
    }
    order
}

/// A relationship of a model: its name and its entry.
type RelationshipEntry = (String, InlineTable);

/// The relationships of each model (by model name), in table order.
fn infer_relationships(
    tables: &[&Table],
    models: &BTreeMap<String, String>,
) -> BTreeMap<String, Vec<RelationshipEntry>> {
    let mut out: BTreeMap<String, Vec<RelationshipEntry>> = BTreeMap::new();
    let mut used: BTreeMap<String, HashSet<String>> = BTreeMap::new();
    for table in tables {
        let Some(model) = models.get(&table.name.to_lowercase()) else {
            continue;
        };
        let reserved = used.entry(model.clone()).or_default();
        for column in &table.columns {
            reserved.insert(column.name.to_lowercase());
        }
    }
    let mut fresh = |model: &str, wanted: String| -> String {
        let names = used.entry(model.to_owned()).or_default();
        let mut candidate = clean_method_name(&wanted);
        let base = candidate.clone();
        let mut n = 2;
        while names.contains(&candidate.to_lowercase()) {
            candidate = format!("{base}_{n}");
            n += 1;
        }
        names.insert(candidate.to_lowercase());
        candidate
    };
    for table in tables {
        let Some(child) = models.get(&table.name.to_lowercase()) else {
            continue;
        };
        // An association table: a composite primary key made of two foreign keys.
        let association = table.foreign_keys.len() == 2
            && table.columns.len() == table.primary_key.len()
            && table
                .foreign_keys
                .iter()
                .all(|fk| fk.columns.len() == 1 && table.primary_key.contains(&fk.columns[0]));
        if association {
            let (a, b) = (&table.foreign_keys[0], &table.foreign_keys[1]);
            if let (Some(left), Some(right)) = (
                models.get(&a.table.to_lowercase()),
                models.get(&b.table.to_lowercase()),
            ) {
                if left != right {
                    let forward = fresh(left, b.table.to_lowercase());
                    let back = fresh(right, a.table.to_lowercase());
                    let entry = inline([
                        ("model", Value::from(right.as_str())),
                        ("secondary", Value::from(table.name.as_str())),
                        ("backref", Value::from(back)),
                    ]);
                    out.entry(left.clone()).or_default().push((forward, entry));
                    continue;
                }
            }
        }
        let per_parent = |target: &str| {
            table
                .foreign_keys
                .iter()
                .filter(|fk| fk.table.eq_ignore_ascii_case(target))
                .count()
        };
        for fk in &table.foreign_keys {
            let Some(parent) = models.get(&fk.table.to_lowercase()) else {
                continue;
            };
            let several = per_parent(&fk.table) > 1;
            let many_to_one = if fk.columns.len() == 1 {
                accessor_base(&fk.columns[0])
            } else {
                singular(&fk.table.to_lowercase())
            };
            let one_to_many = if parent == child {
                "children".to_owned()
            } else if several {
                format!("{}_{}", table.name.to_lowercase(), many_to_one)
            } else {
                table.name.to_lowercase()
            };
            let forward = fresh(parent, one_to_many);
            let back = fresh(
                child,
                if parent == child && many_to_one == forward {
                    "parent".into()
                } else {
                    many_to_one
                },
            );
            let mut entry = vec![
                ("model", Value::from(child.as_str())),
                ("backref", Value::from(back)),
            ];
            // A key back from the parent's table (`users.favorite_post_id`
            // beside `posts.author_id`) links the two models too.
            let linked_back = parent != child
                && tables.iter().any(|t| {
                    t.name.eq_ignore_ascii_case(&fk.table)
                        && t.foreign_keys
                            .iter()
                            .any(|k| k.table.eq_ignore_ascii_case(&table.name))
                });
            if several || parent == child || linked_back {
                entry.push(("foreign_keys", list(&fk.columns)));
            }
            out.entry(parent.clone())
                .or_default()
                .push((forward, inline(entry)));
        }
    }
    out
}

fn write_model(
    table: &Table,
    model: &str,
    relationships: Option<&Vec<RelationshipEntry>>,
    spec_models: &mut toml_edit::Table,
    warnings: &mut Vec<String>,
) {
    let t = &table.name;
    warnings.extend(table.notes.iter().cloned());
    let mut out = section();
    out.insert("table", toml_edit::value(t.as_str()));
    // `autoincrement = true` declares AUTOINCREMENT on a single integer key.
    let autoincrement_key = table.autoincrement
        && table.primary_key.len() == 1
        && table
            .column(&table.primary_key[0])
            .is_some_and(|c| spec_type(&c.decl_type).1 == ColumnType::Integer);
    if table.autoincrement && !autoincrement_key {
        warnings.push(format!(
            "`{t}`: AUTOINCREMENT on this key is not in the spec; rowids of deleted rows may be reused"
        ));
    }
    for option in &table.options {
        warnings.push(format!(
            "`{t}`: the table option {option} is not in the spec"
        ));
    }
    for fk in table.foreign_keys.iter().filter(|k| k.deferrable) {
        warnings.push(format!(
            "`{t}`: the foreign key ({}) is DEFERRABLE, which the spec cannot declare; it becomes an immediate one",
            fk.columns.join(", ")
        ));
    }
    if table.primary_key_name.is_some() {
        warnings.push(format!(
            "`{t}`: the primary key's constraint name is not in the spec"
        ));
    }
    // Constraints written after the last one that only a table-level entry can
    // express are written per column, like litemodel's own DDL does.
    let table_level_only = |c: &(ConstraintRef, bool)| match c.0 {
        ConstraintRef::Unique(i) => {
            table.uniques[i].name.is_some() || table.uniques[i].columns.len() != 1
        }
        ConstraintRef::ForeignKey(i) => {
            table.foreign_keys[i].name.is_some() || table.foreign_keys[i].columns.len() != 1
        }
        ConstraintRef::Check(_) => true,
        ConstraintRef::PrimaryKey => false,
    };
    let tail_from = table
        .constraint_order
        .iter()
        .rposition(table_level_only)
        .map_or(0, |i| i + 1);
    let in_tail = |wanted: ConstraintRef| {
        table
            .constraint_order
            .iter()
            .position(|c| c.0 == wanted)
            .is_some_and(|p| p >= tail_from)
    };
    let column_index_name = |c: &str| names::column_index_name(t, c);
    let mut column_entries = section();
    let mut used_indexes: HashSet<usize> = HashSet::new();
    let mut used_uniques: HashSet<usize> = HashSet::new();
    let mut used_keys: HashSet<usize> = HashSet::new();
    let single_pk = table.primary_key.len() == 1;
    if !table.primary_key.is_empty() {
        let declared: Vec<&String> = table
            .columns
            .iter()
            .filter(|c| table.primary_key.contains(&c.name))
            .map(|c| &c.name)
            .collect();
        if declared
            .iter()
            .map(|s| s.as_str())
            .ne(table.primary_key.iter().map(String::as_str))
        {
            warnings.push(format!(
                "`{t}`: the primary key's column order ({}) becomes the columns' order",
                table.primary_key.join(", ")
            ));
        }
    }
    for column in &table.columns {
        let c = &column.name;
        let (ty_name, ty) = match &column.spec_type {
            Some(ty) => (ty.label(), ty.clone()),
            None => {
                let (ty_name, ty) = spec_type(&column.decl_type);
                let emitted = Sqlite.column_type(&ty);
                if emitted != column.decl_type {
                    warnings.push(format!(
                        "`{t}.{c}`: declared type `{}` becomes `{ty_name}`, written `{emitted}`",
                        column.decl_type
                    ));
                }
                (ty_name, ty)
            }
        };
        let mut keys = vec![("type", Value::from(ty_name))];
        if let ColumnType::Enum { name, values } = &ty {
            keys.push(("values", list(values)));
            keys.push(("enum_name", Value::from(name.as_str())));
        }
        if names::is_non_raw_keyword(c) {
            keys.push(("rust_name", Value::from(format!("{c}_"))));
        }
        let is_pk = table.primary_key.iter().any(|p| p.eq_ignore_ascii_case(c));
        if is_pk {
            keys.push(("primary_key", Value::from(true)));
            if autoincrement_key {
                keys.push(("autoincrement", Value::from(true)));
            }
            let rowid_alias = single_pk
                && ty == ColumnType::Integer
                && !table.options.iter().any(|o| o == "WITHOUT");
            if !column.not_null && !rowid_alias {
                warnings.push(format!(
                    "`{t}.{c}`: a primary key column here accepts NULL (an SQLite quirk); the spec makes it NOT NULL"
                ));
            }
        } else if column.not_null {
            keys.push(("nullable", Value::from(false)));
        }
        let unique = table.uniques.iter().enumerate().find(|(i, u)| {
            u.name.is_none()
                && u.columns.len() == 1
                && u.columns[0].eq_ignore_ascii_case(c)
                && in_tail(ConstraintRef::Unique(*i))
        });
        let plain_index = table.indexes.iter().enumerate().find(|(_, ix)| {
            ix.name == column_index_name(c)
                && !ix.partial
                && ix.columns.len() == 1
                && ix.columns[0]
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(c))
        });
        match (unique, plain_index) {
            (Some((u, _)), Some((i, ix))) if !ix.unique => {
                used_uniques.insert(u);
                used_indexes.insert(i);
                keys.push(("unique", Value::from(true)));
                keys.push(("index", Value::from(true)));
                // A UNIQUE constraint plus a plain index: the spec's `unique + index`
                // is one unique index instead.
                warnings.push(format!(
                    "`{t}.{c}`: a UNIQUE constraint and the index `{}` become one unique index",
                    ix.name
                ));
            }
            (Some((u, _)), _) => {
                used_uniques.insert(u);
                keys.push(("unique", Value::from(true)));
            }
            (None, Some((i, ix))) => {
                used_indexes.insert(i);
                if ix.unique {
                    keys.push(("unique", Value::from(true)));
                }
                keys.push(("index", Value::from(true)));
            }
            (None, None) => {}
        }
        if let Some((k, fk)) = table.foreign_keys.iter().enumerate().find(|(k, fk)| {
            fk.name.is_none()
                && fk.columns.len() == 1
                && fk.columns[0].eq_ignore_ascii_case(c)
                && in_tail(ConstraintRef::ForeignKey(*k))
        }) {
            used_keys.insert(k);
            let target = format!(
                "{}.{}",
                fk.table,
                fk.references.first().map_or("", String::as_str)
            );
            keys.push(("foreign_key", Value::from(target)));
            if fk.on_delete != "NO ACTION" {
                keys.push(("on_delete", Value::from(fk.on_delete.as_str())));
            }
            if fk.on_update != "NO ACTION" {
                keys.push(("on_update", Value::from(fk.on_update.as_str())));
            }
        }
        if let Some(default) = &column.default {
            keys.push(("server_default", Value::from(default.as_str())));
        }
        if let Some(collate) = &column.collate {
            warnings.push(format!("`{t}.{c}`: COLLATE {collate} is not in the spec"));
        }
        if column.generated {
            warnings.push(format!(
                "`{t}.{c}`: a generated column; the spec makes it an ordinary column"
            ));
        }
        column_entries.insert(c, Item::Value(Value::InlineTable(inline(keys))));
    }
    out.insert("columns", Item::Table(column_entries));
    if let Some(relationships) = relationships {
        if !relationships.is_empty() {
            let mut entries = section();
            for (name, entry) in relationships {
                entries.insert(name, Item::Value(Value::InlineTable(entry.clone())));
            }
            out.insert("relationships", Item::Table(entries));
        }
    }
    let mut indexes = ArrayOfTables::new();
    for (i, index) in table.indexes.iter().enumerate() {
        if used_indexes.contains(&i) {
            continue;
        }
        let columns: Option<Vec<String>> = index.columns.iter().cloned().collect();
        match columns {
            Some(columns) if !index.partial => {
                let mut entry = section();
                entry.insert("name", toml_edit::value(index.name.as_str()));
                entry.insert("columns", Item::Value(list(&columns)));
                if index.unique {
                    entry.insert("unique", toml_edit::value(true));
                }
                indexes.push(entry);
            }
            _ => warnings.push(format!(
                "`{t}`: index `{}` is partial or indexes an expression, which the spec cannot declare; it is left out (its SQL: {})",
                index.name,
                one_line(&index.sql)
            )),
        }
    }
    let mut uniques = ArrayOfTables::new();
    for (i, unique) in table.uniques.iter().enumerate() {
        if used_uniques.contains(&i) {
            continue;
        }
        let mut entry = section();
        if let Some(name) = &unique.name {
            entry.insert("name", toml_edit::value(name.as_str()));
        }
        entry.insert("columns", Item::Value(list(&unique.columns)));
        uniques.push(entry);
    }
    let mut checks = ArrayOfTables::new();
    for check in &table.checks {
        let mut entry = section();
        if let Some(name) = &check.name {
            entry.insert("name", toml_edit::value(name.as_str()));
        }
        entry.insert("sql", toml_edit::value(check.sql.as_str()));
        checks.push(entry);
    }
    let mut foreign_keys = ArrayOfTables::new();
    for (i, fk) in table.foreign_keys.iter().enumerate() {
        if used_keys.contains(&i) {
            continue;
        }
        let mut entry = section();
        if let Some(name) = &fk.name {
            entry.insert("name", toml_edit::value(name.as_str()));
        }
        let references: Vec<String> = fk
            .references
            .iter()
            .map(|r| format!("{}.{r}", fk.table))
            .collect();
        entry.insert("columns", Item::Value(list(&fk.columns)));
        entry.insert("references", Item::Value(list(&references)));
        if fk.on_delete != "NO ACTION" {
            entry.insert("on_delete", toml_edit::value(fk.on_delete.as_str()));
        }
        if fk.on_update != "NO ACTION" {
            entry.insert("on_update", toml_edit::value(fk.on_update.as_str()));
        }
        foreign_keys.push(entry);
    }
    for (key, entries) in [
        ("indexes", indexes),
        ("unique", uniques),
        ("checks", checks),
        ("foreign_keys", foreign_keys),
    ] {
        if !entries.is_empty() {
            out.insert(key, Item::ArrayOfTables(entries));
        }
    }
    spec_models.insert(model, Item::Table(out));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn singular_names() {
        assert_eq!(singular("users"), "user");
        assert_eq!(singular("categories"), "category");
        assert_eq!(singular("addresses"), "address");
        assert_eq!(singular("status"), "status");
        assert_eq!(model_name("post_tags", &HashSet::new()), "PostTag");
        assert_eq!(model_name("self", &HashSet::new()), "SelfModel");
    }
}
