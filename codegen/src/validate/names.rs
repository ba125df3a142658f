//! Model, table, enum and index names: unique, well formed, and renames.

use std::collections::HashMap;

use crate::diagnostics::{Diagnostic, Span};
use crate::model::*;
use crate::names;
use crate::spec::Sp;

use super::Validator;

fn suggest_type_name(name: &str) -> String {
    let camel = heck::ToUpperCamelCase::to_upper_camel_case(name);
    if names::is_identifier_shape(&camel) && !names::is_rust_keyword(&camel) {
        camel
    } else {
        "MyModel".to_owned()
    }
}

impl<'s> Validator<'s, '_> {
    pub(super) fn models_and_tables(&mut self) {
        for (m, spec) in self.spec.models.iter().enumerate() {
            let name = &spec.name;
            if !names::is_identifier_shape(&name.value) || names::is_rust_keyword(&name.value) {
                self.error(
                    Diagnostic::error(
                        format!("model name `{}` is not a valid Rust type name", name.value),
                        name.span.clone(),
                        "not a Rust identifier",
                    )
                    .with_help(format!(
                        "model names become Rust types; use an UpperCamelCase name such as `{}` and set `table` for the SQL name",
                        suggest_type_name(&name.value)
                    )),
                );
            }
            self.model_index.entry(name.value.as_str()).or_insert(m);
            let table = spec.table.as_ref().map_or_else(
                || names::default_table_name(&name.value),
                |t| t.value.clone(),
            );
            let table_span = spec
                .table
                .as_ref()
                .map_or(name.span.clone(), |t| t.span.clone());
            if table.is_empty() {
                self.error(Diagnostic::error(
                    format!("model `{}` has an empty table name", name.value),
                    table_span.clone(),
                    "empty",
                ));
            }
            if let Some(&other) = self.table_index.get(&table.to_lowercase()) {
                let other_spec = &self.spec.models[other];
                let other_span = other_spec
                    .table
                    .as_ref()
                    .map_or(other_spec.name.span.clone(), |t| t.span.clone());
                self.error(
                    Diagnostic::error(
                        format!(
                            "models `{}` and `{}` both use the table `{table}`",
                            other_spec.name.value, name.value
                        ),
                        table_span.clone(),
                        "duplicate table",
                    )
                    .with_secondary(other_span, "first used here")
                    .with_help("give one of the models another `table` name")
                    .with_note("SQLite table names are case-insensitive"),
                );
            } else {
                self.table_index.insert(table.to_lowercase(), m);
            }
            let renamed_from = self.renamed_from("model", &name.value, &table, &spec.renamed_from);
            self.models.push(Model {
                name: name.value.clone(),
                table,
                doc: spec.doc.as_ref().map(|d| d.value.clone()),
                renamed_from,
                columns: Vec::new(),
                primary_key: Vec::new(),
                repr: Vec::new(),
                foreign_keys: Vec::new(),
                unique_constraints: Vec::new(),
                indexes: Vec::new(),
                checks: Vec::new(),
                relationships: Vec::new(),
                rust: RustItems::default(),
            });
            self.fk_spans.push(Vec::new());
        }
    }

    /// Index names are global to an SQLite database.
    /// Columns that share an `enum_name` share one generated Rust enum, so they must
    /// list the same labels; an enum name must not be a model's name either.
    pub(super) fn enum_names(&mut self) {
        let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
        for m in 0..self.models.len() {
            for c in 0..self.models[m].columns.len() {
                let ColumnType::Enum { name, values } = &self.models[m].columns[c].ty else {
                    continue;
                };
                let span = self.spec.models[m].columns[c]
                    .enum_name
                    .as_ref()
                    .map_or(self.spec.models[m].columns[c].name.span.clone(), |n| {
                        n.span.clone()
                    });
                if !names::is_identifier_shape(name) || names::is_rust_keyword(name) {
                    let written = self.spec.models[m].columns[c].enum_name.is_some();
                    let d = Diagnostic::error(
                        format!("enum name `{}` is not a valid Rust type name", name.escape_debug()),
                        span.clone(),
                        "not a Rust identifier",
                    )
                    .with_help(if written {
                        format!(
                            "enum names become Rust types; use an UpperCamelCase name such as `{}`",
                            suggest_type_name(name)
                        )
                    } else {
                        "the enum is named after the model and the column; set `enum_name` on this column".to_owned()
                    });
                    self.error(d);
                    continue;
                }
                if self.model_index.contains_key(name.as_str()) {
                    let d = Diagnostic::error(
                        format!("enum name `{name}` is also the name of a model"),
                        span.clone(),
                        "the generated enum and the model would clash",
                    )
                    .with_help("set another `enum_name` on this column");
                    self.error(d);
                    continue;
                }
                match seen.get(name) {
                    None => {
                        seen.insert(name.clone(), (m, c));
                    }
                    Some(&(first_m, first_c)) => {
                        let ColumnType::Enum {
                            values: first_values,
                            ..
                        } = &self.models[first_m].columns[first_c].ty
                        else {
                            continue;
                        };
                        if first_values != values {
                            let first = &self.models[first_m];
                            let d = Diagnostic::error(
                                format!(
                                    "enum `{name}` is declared with other labels on `{}.{}`",
                                    first.table, first.columns[first_c].name
                                ),
                                span,
                                "different labels",
                            )
                            .with_secondary(
                                self.spec.models[first_m].columns[first_c].name.span.clone(),
                                "first declared here",
                            )
                            .with_help(
                                "give both columns the same `values`, or a different `enum_name`",
                            );
                            self.error(d);
                        }
                    }
                }
            }
        }
    }

    pub(super) fn index_names(&mut self) {
        // Lower-cased name → (the name as written, where, the column whose
        // `index = true` made it, if one did).
        let mut seen: HashMap<String, (String, Span, Option<String>)> = HashMap::new();
        for m in 0..self.models.len() {
            let model = &self.models[m];
            let spec = &self.spec.models[m];
            let mut names: Vec<(String, Span, Option<String>)> = Vec::new();
            for (c, column) in model.columns.iter().enumerate() {
                if column.index {
                    let span = spec.columns[c]
                        .index
                        .as_ref()
                        .map_or(spec.columns[c].name.span.clone(), |i| i.span.clone());
                    let name = names::column_index_name(&model.table, &column.name);
                    names.push((name, span, Some(format!("{}.{}", model.table, column.name))));
                }
            }
            for (index, span) in model.indexes.iter().zip(&self.index_spans[m]) {
                names.push((index.name.clone(), span.clone(), None));
            }
            for (name, span, column) in names {
                let key = name.to_lowercase();
                if let Some((first_name, first_span, first_column)) = seen.get(&key) {
                    let mut d = Diagnostic::error(
                        format!("index name `{name}` is already used"),
                        span,
                        match &column {
                            Some(c) => format!("`index = true` on `{c}` names its index `{name}`"),
                            None => "duplicate index name".to_owned(),
                        },
                    )
                    .with_secondary(
                        first_span.clone(),
                        match first_column {
                            Some(c) => {
                                format!("`index = true` on `{c}` names its index `{first_name}`")
                            }
                            None => format!("`{first_name}` first used here"),
                        },
                    )
                    .with_help(match (&column, first_column) {
                        (None, _) => "give this index another `name`",
                        (Some(_), None) => "give the other index another `name`",
                        (Some(_), Some(_)) => "rename one of the tables or columns",
                    })
                    .with_note("index names are shared by all tables of an SQLite database");
                    if *first_name != name {
                        d = d.with_note("SQLite index names are case-insensitive");
                    }
                    self.error(d);
                } else {
                    seen.insert(key, (name, span, column));
                }
            }
        }
    }

    /// A `renamed_from` hint: a name, and not the current one.
    pub(super) fn renamed_from(
        &mut self,
        kind: &str,
        owner: &str,
        current: &str,
        value: &Option<Sp<String>>,
    ) -> Option<String> {
        let value = value.as_ref()?;
        let old = value.value.trim();
        if old.is_empty() || old.eq_ignore_ascii_case(current) {
            self.error(
                Diagnostic::error(
                    format!("`renamed_from` of {kind} `{owner}` must name its previous name"),
                    value.span.clone(),
                    if old.is_empty() { "empty" } else { "the current name" },
                )
                .with_help(format!(
                    "write the name `{current}` had before (`renamed_from = \"old_name\"`), or remove the key once every database is migrated"
                )),
            );
            return None;
        }
        Some(old.to_owned())
    }
}
