//! SQL names the database would refuse, or that the runtime could not address: a
//! `sqlite_` prefix on a table or index, a NUL in any name, a rowid name on a model
//! identified by its rowid; and, as warnings, other control characters and names
//! longer than PostgreSQL keeps.

use crate::diagnostics::{Diagnostic, Span};
use crate::names;

use super::Validator;

/// What kind of SQL object a name belongs to, for messages and suggestions.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Object {
    Table,
    Column,
    Index,
    Constraint,
}

impl Object {
    fn noun(self) -> &'static str {
        match self {
            Object::Table => "table",
            Object::Column => "column",
            Object::Index => "index",
            Object::Constraint => "constraint",
        }
    }
}

/// One SQL name of the schema, where the spec writes it (or what makes it), and how
/// to change it.
struct SqlName {
    object: Object,
    name: String,
    span: Span,
    how_to_rename: String,
}

impl<'s> Validator<'s, '_> {
    pub(super) fn sql_names(&mut self) {
        for name in self.all_sql_names() {
            self.sql_name(&name);
        }
        for m in 0..self.models.len() {
            self.rowid_columns(m);
        }
    }

    fn all_sql_names(&self) -> Vec<SqlName> {
        let mut all = Vec::new();
        for (m, model) in self.models.iter().enumerate() {
            let spec = &self.spec.models[m];
            let (table_span, how) = match &spec.table {
                Some(table) => (table.span.clone(), "set another `table` name".to_owned()),
                None => (
                    spec.name.span.clone(),
                    format!(
                        "the table is named after the model; set `table = \"...\"` in `[models.{}]`",
                        spec.name.value
                    ),
                ),
            };
            all.push(SqlName {
                object: Object::Table,
                name: model.table.clone(),
                span: table_span,
                how_to_rename: how,
            });
            for (column, column_spec) in model.columns.iter().zip(&spec.columns) {
                all.push(SqlName {
                    object: Object::Column,
                    name: column.name.clone(),
                    span: column_spec.name.span.clone(),
                    how_to_rename: "rename the column, whose key is its SQL name".to_owned(),
                });
                if column.index {
                    all.push(SqlName {
                        object: Object::Index,
                        name: names::column_index_name(&model.table, &column.name),
                        span: column_spec
                            .index
                            .as_ref()
                            .map_or(column_spec.name.span.clone(), |i| i.span.clone()),
                        how_to_rename: "`index = true` names the index `ix_<table>_<column>`; declare it in `[[models.X.indexes]]` with a `name` instead".to_owned(),
                    });
                }
            }
            for (index, span) in model.indexes.iter().zip(&self.index_spans[m]) {
                all.push(SqlName {
                    object: Object::Index,
                    name: index.name.clone(),
                    span: span.clone(),
                    how_to_rename: "give the index another `name`".to_owned(),
                });
            }
            let constraint_names = spec
                .unique
                .iter()
                .map(|u| &u.name)
                .chain(spec.checks.iter().map(|c| &c.name))
                .chain(spec.foreign_keys.iter().map(|f| &f.name));
            for name in constraint_names.flatten() {
                all.push(SqlName {
                    object: Object::Constraint,
                    name: name.value.clone(),
                    span: name.span.clone(),
                    how_to_rename: "give the constraint another `name`".to_owned(),
                });
            }
        }
        all
    }

    fn sql_name(&mut self, name: &SqlName) {
        let noun = name.object.noun();
        let shown = name.name.escape_debug().to_string();
        if name.name.contains('\0') {
            self.error(
                Diagnostic::error(
                    format!("{noun} name `{shown}` contains a NUL character"),
                    name.span.clone(),
                    "not allowed in an SQL name",
                )
                .with_help(format!("{} (without the NUL)", name.how_to_rename))
                .with_note("SQLite ends a statement at a NUL, and PostgreSQL refuses it"),
            );
            return;
        }
        if let Some(c) = names::control_char(&name.name) {
            // SQLite and PostgreSQL take it (and `introspect` must read such a
            // database back), but nobody means a tab or a newline in a name.
            self.diags.push(
                Diagnostic::warning(
                    format!(
                        "{noun} name `{shown}` contains the control character U+{:04X}",
                        u32::from(c)
                    ),
                    name.span.clone(),
                    "an invisible character",
                )
                .with_help(format!(
                    "{} (without control characters)",
                    name.how_to_rename
                ))
                .with_note(
                    "the database takes it, but it is invisible in every listing and error message",
                ),
            );
        }
        let object = matches!(name.object, Object::Table | Object::Index);
        if object && names::has_reserved_sqlite_prefix(&name.name) {
            let rest = name.name[7..].trim_start_matches('_');
            let suggestion = if rest.is_empty() || names::has_reserved_sqlite_prefix(rest) {
                format!("my_{}", name.name.to_lowercase())
            } else {
                rest.to_owned()
            };
            self.error(
                Diagnostic::error(
                    format!("{noun} name `{shown}` is reserved by SQLite"),
                    name.span.clone(),
                    "starts with `sqlite_`",
                )
                .with_help(format!(
                    "{}, for example `{}`",
                    name.how_to_rename,
                    suggestion.escape_debug()
                ))
                .with_note("SQLite keeps every table and index name starting with `sqlite_` (in any case) for itself"),
            );
            return;
        }
        let bytes = name.name.len();
        if bytes > names::POSTGRES_MAX_NAME_BYTES {
            self.diags.push(
                Diagnostic::warning(
                    format!(
                        "{noun} name `{shown}` is {bytes} bytes long, more than PostgreSQL keeps"
                    ),
                    name.span.clone(),
                    format!("longer than {} bytes", names::POSTGRES_MAX_NAME_BYTES),
                )
                .with_help(format!(
                    "{} (of at most {} bytes)",
                    name.how_to_rename,
                    names::POSTGRES_MAX_NAME_BYTES
                ))
                .with_note("SQLite takes it, but PostgreSQL cuts names to 63 bytes, so this spec would not move there as is"),
            );
        }
    }

    /// A column named like the rowid hides it; on a model the runtime identifies by
    /// its rowid, reads and updates would address that column instead.
    fn rowid_columns(&mut self, m: usize) {
        let model = &self.models[m];
        if !model.identified_by_rowid() {
            return;
        }
        let spec = &self.spec.models[m];
        let found: Vec<(String, Span)> = model
            .columns
            .iter()
            .zip(&spec.columns)
            .filter(|(column, _)| names::is_rowid_name(&column.name))
            .map(|(column, spec)| (column.name.clone(), spec.name.span.clone()))
            .collect();
        let model_name = model.name.clone();
        for (column, span) in found {
            self.error(
                Diagnostic::error(
                    format!("column `{model_name}.{column}` hides SQLite's rowid, which identifies the rows of `{model_name}`"),
                    span,
                    "a name of the rowid",
                )
                .with_help(format!(
                    "rename the column, for example `{} = {{ ... }}` (its key is its SQL name; `rust_name` sets the Rust field), or give `{model_name}` an integer primary key",
                    match column.to_lowercase().as_str() {
                        "rowid" => "row_id",
                        "oid" => "object_id",
                        _ => "row_number",
                    }
                ))
                .with_note("a model whose primary key is not one integer column is read and updated by its rowid, and a column named `rowid`, `oid` or `_rowid_` takes that name over in SQLite"),
            );
        }
    }
}
