//! Columns: names, Rust field names and types, defaults, generated values.

use std::collections::HashMap;

use crate::diagnostics::{did_you_mean, Diagnostic, Span};
use crate::model::*;
use crate::names;
use crate::spec::ColumnSpec;

use super::{sql_fragment_problem, Validator};

impl<'s> Validator<'s, '_> {
    pub(super) fn columns(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        let model_name = spec.name.value.clone();
        if spec.columns.is_empty() {
            if spec.columns_incomplete {
                return;
            }
            self.error(
                Diagnostic::error(
                    format!("model `{model_name}` has no columns"),
                    spec.name.span.clone(),
                    "no columns",
                )
                .with_help(format!(
                    "add a `[models.{model_name}.columns]` table, for example `id = {{ type = \"integer\", primary_key = true }}`"
                )),
            );
            return;
        }
        let mut seen_sql: HashMap<String, Span> = HashMap::new();
        let mut seen_field: HashMap<String, Span> = HashMap::new();
        for column in &spec.columns {
            let lower = column.name.value.to_lowercase();
            if let Some(first) = seen_sql.get(&lower) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "duplicate column `{}` in model `{model_name}`",
                            column.name.value
                        ),
                        column.name.span.clone(),
                        "duplicate column",
                    )
                    .with_secondary(first.clone(), "first defined here")
                    .with_note("SQLite column names are case-insensitive")
                    .with_help("rename one of the columns"),
                );
            } else {
                seen_sql.insert(lower, column.name.span.clone());
            }
            let built = self.column(&model_name, column);
            if let Some(first) = seen_field.get(&built.field) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "two columns of model `{model_name}` become the Rust field `{}`",
                            built.field
                        ),
                        column.name.span.clone(),
                        "same Rust field name",
                    )
                    .with_secondary(first.clone(), "also this column")
                    .with_help("set `rust_name` on one of them"),
                );
            } else {
                seen_field.insert(built.field.clone(), column.name.span.clone());
            }
            self.models[m].columns.push(built);
        }
        let primary_key: Vec<usize> = (0..self.models[m].columns.len())
            .filter(|&c| self.models[m].columns[c].primary_key)
            .collect();
        if primary_key.is_empty() && !spec.columns_incomplete {
            let first = &spec.columns[0];
            self.error(
                Diagnostic::error(
                    format!("model `{model_name}` has no primary key"),
                    spec.name.span.clone(),
                    "no column has `primary_key = true`",
                )
                .with_help(format!(
                    "add `primary_key = true` to the column that identifies a row (`{} = {{ ..., primary_key = true }}`), or add `id = {{ type = \"integer\", primary_key = true }}`",
                    first.name.value
                ))
                .with_note("SQLAlchemy maps no table without a primary key, and neither does litemodel"),
            );
        }
        if primary_key.len() > 1 {
            if let Some(flag) = spec
                .columns
                .iter()
                .find_map(|c| c.autoincrement.as_ref().filter(|a| a.value))
            {
                self.error(
                    Diagnostic::error(
                        format!("`autoincrement` needs a single-column primary key, but `{model_name}` has a composite one"),
                        flag.span.clone(),
                        "composite primary key",
                    )
                    .with_note("SQLite accepts AUTOINCREMENT only on an INTEGER PRIMARY KEY"),
                );
            }
        }
        self.models[m].primary_key = primary_key;
        self.column_lookup[m] = super::ColumnLookup::of(&self.models[m]);
        // repr
        let mut repr = Vec::new();
        for item in &spec.repr {
            match self.find_column(m, &item.value) {
                Some(c) => repr.push(c),
                None => {
                    let d = self.unknown_column(m, item, "`repr` names");
                    self.error(d);
                }
            }
        }
        self.models[m].repr = repr;
    }

    fn column(&mut self, model: &str, spec: &ColumnSpec) -> Column {
        let name = &spec.name;
        let primary_key = spec.primary_key.as_ref().is_some_and(|p| p.value);
        let ty = self.column_type(model, spec);
        let nullable = match &spec.nullable {
            Some(n) if n.value && primary_key => {
                self.error(
                    Diagnostic::error(
                        format!(
                            "primary key column `{model}.{}` cannot be nullable",
                            name.value
                        ),
                        n.span.clone(),
                        "nullable primary key",
                    )
                    .with_help("remove `nullable = true`; primary key columns are NOT NULL"),
                );
                false
            }
            Some(n) => n.value,
            None => !primary_key,
        };
        let field = self.field_name(spec);
        let default = spec
            .default
            .as_ref()
            .and_then(|d| self.literal(model, spec, &ty, d));
        if let Some(values) = &spec.values {
            if !matches!(ty, ColumnType::Enum { .. }) && spec.ty.is_some() {
                self.error(
                    Diagnostic::error(
                        format!("`values` is only allowed on `enum` columns, but `{model}.{}` is not one", name.value),
                        values.span.clone(),
                        "not an enum column",
                    )
                    .with_help("set `type = \"enum\"` or remove `values`"),
                );
            }
        }
        if let Some(server_default) = &spec.server_default {
            if server_default.value.trim().is_empty() {
                self.error(
                    Diagnostic::error("`server_default` is empty", server_default.span.clone(), "empty SQL")
                        .with_help("write the SQL the database should use, for example `server_default = \"0\"`"),
                );
            } else if let Some(problem) = sql_fragment_problem(&server_default.value, false) {
                self.error(
                    Diagnostic::error(
                        format!("`server_default` of `{model}.{}` must be one SQL value or expression", name.value),
                        server_default.span.clone(),
                        problem,
                    )
                    .with_help("write a literal (`\"0\"`, `\"'text'\"`), a keyword (`\"CURRENT_TIMESTAMP\"`) or an expression in parentheses")
                    .with_note("the text goes into the DDL as written, so it may not end the column definition or the statement"),
                );
            }
        }
        let rust_type = self.rust_type(model, spec);
        let default_factory = self.generated(model, spec, &ty, "default_factory");
        let onupdate = self.generated(model, spec, &ty, "onupdate");
        let autoincrement = self.autoincrement(model, spec, &ty, primary_key);
        Column {
            name: name.value.clone(),
            field,
            ty,
            primary_key,
            nullable,
            unique: spec.unique.as_ref().is_some_and(|u| u.value),
            index: spec.index.as_ref().is_some_and(|i| i.value),
            default,
            server_default: spec.server_default.as_ref().map(|s| s.value.clone()),
            doc: spec.doc.as_ref().map(|d| d.value.clone()),
            renamed_from: self.renamed_from(
                "column",
                &format!("{model}.{}", name.value),
                &name.value,
                &spec.renamed_from,
            ),
            rust_type,
            default_factory,
            onupdate,
            autoincrement,
            attributes: Vec::new(),
        }
    }

    /// `rust_type = "crate::Money"`: a Rust path, not on key columns, without a literal
    /// `default` (the generator cannot build the user's type from it).
    fn rust_type(&mut self, model: &str, spec: &ColumnSpec) -> Option<String> {
        let rust_type = spec.rust_type.as_ref()?;
        let path = rust_type.value.trim();
        let segments_ok = path
            .trim_start_matches("::")
            .split("::")
            .all(|segment| names::is_identifier_shape(segment.trim()));
        if path.is_empty() || !segments_ok {
            self.error(
                Diagnostic::error(
                    format!("`rust_type` `{path}` is not a Rust type path"),
                    rust_type.span.clone(),
                    "not a type path",
                )
                .with_help("name the type by its path, for example `rust_type = \"crate::Money\"`"),
            );
            return None;
        }
        let conflict = if spec.primary_key.as_ref().is_some_and(|p| p.value) {
            Some("a primary key column")
        } else if spec.foreign_key.is_some() {
            Some("a foreign key column")
        } else if spec.default.is_some() {
            Some("a column with a literal `default`")
        } else if spec.default_factory.is_some() || spec.onupdate.is_some() {
            Some("a column with a generated value")
        } else {
            None
        };
        if let Some(what) = conflict {
            self.error(
                Diagnostic::error(
                    format!(
                        "`rust_type` is not supported on {what} (`{model}.{}`)",
                        spec.name.value
                    ),
                    rust_type.span.clone(),
                    "not allowed here",
                )
                .with_help("give the field your type's value in your own constructor instead"),
            );
            return None;
        }
        Some(path.to_owned())
    }

    /// `default_factory` / `onupdate`: `now` on date and time columns, `uuid4` on `uuid`.
    fn generated(
        &mut self,
        model: &str,
        spec: &ColumnSpec,
        ty: &ColumnType,
        key: &str,
    ) -> Option<Generated> {
        let value = if key == "onupdate" {
            spec.onupdate.as_ref()?
        } else {
            spec.default_factory.as_ref()?
        };
        let Some(&(_, generated)) = Generated::ALL.iter().find(|(name, _)| *name == value.value)
        else {
            let names: Vec<&str> = Generated::ALL.iter().map(|(name, _)| *name).collect();
            let d = Diagnostic::error(
                format!("unknown `{key}` `{}`", value.value),
                value.span.clone(),
                "unknown generator",
            );
            let d = match did_you_mean(&value.value, names.iter().copied()) {
                Some(name) => d.with_help(format!("did you mean `{name}`?")),
                None => d,
            };
            self.error(d.with_note(format!("the generators are {}", names.join(", "))));
            return None;
        };
        let fits = match generated {
            Generated::Now => matches!(
                ty,
                ColumnType::Date | ColumnType::Time | ColumnType::DateTime { .. }
            ),
            Generated::Uuid4 => matches!(ty, ColumnType::Uuid) && key == "default_factory",
        };
        if !fits {
            self.error(
                Diagnostic::error(
                    format!(
                        "`{key} = \"{}\"` does not fit column `{model}.{}` of type `{}`",
                        value.value,
                        spec.name.value,
                        ty.label()
                    ),
                    value.span.clone(),
                    "wrong type for this generator",
                )
                .with_help("`now` fills `date`, `time` and `datetime` columns; `uuid4` (only as `default_factory`) fills `uuid` columns"),
            );
            return None;
        }
        if key == "default_factory" {
            if let Some(default) = &spec.default {
                self.error(
                    Diagnostic::error(
                        format!(
                            "column `{model}.{}` has both `default` and `default_factory`",
                            spec.name.value
                        ),
                        value.span.clone(),
                        "second default",
                    )
                    .with_secondary(default.span.clone(), "literal default here")
                    .with_help("keep one of them"),
                );
                return None;
            }
        }
        Some(generated)
    }

    /// `autoincrement = true`: only on an `integer` primary key (SQLite allows the
    /// keyword only on `INTEGER PRIMARY KEY`).
    fn autoincrement(
        &mut self,
        model: &str,
        spec: &ColumnSpec,
        ty: &ColumnType,
        primary_key: bool,
    ) -> bool {
        let Some(flag) = &spec.autoincrement else {
            return false;
        };
        if flag.value && !(primary_key && *ty == ColumnType::Integer) {
            self.error(
                Diagnostic::error(
                    format!(
                        "`autoincrement` needs an `integer` primary key, but `{model}.{}` is {}",
                        spec.name.value,
                        if primary_key {
                            format!("of type `{}`", ty.label())
                        } else {
                            "not a primary key".to_owned()
                        }
                    ),
                    flag.span.clone(),
                    "not an integer primary key",
                )
                .with_note("SQLite accepts AUTOINCREMENT only on an INTEGER PRIMARY KEY"),
            );
            return false;
        }
        flag.value
    }

    fn field_name(&mut self, spec: &ColumnSpec) -> String {
        if let Some(rust_name) = &spec.rust_name {
            let ok = names::is_identifier_shape(&rust_name.value)
                && !names::is_non_raw_keyword(&rust_name.value);
            if !ok {
                self.error(
                    Diagnostic::error(
                        format!(
                            "`rust_name` `{}` is not a valid Rust field name",
                            rust_name.value
                        ),
                        rust_name.span.clone(),
                        "not a Rust identifier",
                    )
                    .with_help("use a snake_case identifier, for example `rust_name = \"kind\"`"),
                );
            }
            return rust_name.value.clone();
        }
        let name = &spec.name;
        if names::is_non_raw_keyword(&name.value) {
            self.error(
                Diagnostic::error(
                    format!("column name `{}` cannot be a Rust field name", name.value),
                    name.span.clone(),
                    "reserved in Rust, even as `r#`",
                )
                .with_help(format!(
                    "keep the SQL name and set a Rust name: `{} = {{ ..., rust_name = \"{}_\" }}`",
                    name.value,
                    name.value.to_lowercase()
                )),
            );
            return format!("{}_", name.value.to_lowercase());
        }
        if names::is_identifier_shape(&name.value) {
            return name.value.clone();
        }
        // `"my col"` → `my_col`: the field name is derived, the SQL name is kept.
        let derived = heck::ToSnakeCase::to_snake_case(name.value.as_str());
        if names::is_identifier_shape(&derived) && !names::is_non_raw_keyword(&derived) {
            return derived;
        }
        self.error(
            Diagnostic::error(
                format!("column name `{}` has no Rust field name", name.value),
                name.span.clone(),
                "not a Rust identifier",
            )
            .with_help(format!(
                "keep the SQL name and set a Rust name: `\"{}\" = {{ ..., rust_name = \"value\" }}`",
                name.value
            )),
        );
        "invalid".to_owned()
    }
}
