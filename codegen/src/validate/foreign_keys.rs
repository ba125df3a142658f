//! Foreign keys: their references resolved, their types and actions checked.

use crate::diagnostics::{did_you_mean, Diagnostic, Span};
use crate::model::*;
use crate::spec::Sp;

use super::Validator;

const REFERENTIAL_ACTIONS: &[&str] = &[
    "CASCADE",
    "SET NULL",
    "SET DEFAULT",
    "RESTRICT",
    "NO ACTION",
];

/// Types that store the same kind of value, for foreign key compatibility.
fn type_family(ty: &ColumnType) -> String {
    match ty {
        ColumnType::String { .. } | ColumnType::Text => "string".to_owned(),
        ColumnType::Numeric { .. } => "numeric".to_owned(),
        ColumnType::Enum { name, .. } => format!("enum {name}"),
        ColumnType::DateTime { .. } => "datetime".to_owned(),
        other => other.label(),
    }
}

/// `1 column`, `2 columns`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

impl<'s> Validator<'s, '_> {
    pub(super) fn foreign_keys(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        // Table-level ones first: SQLAlchemy emits explicit constraints before the
        // column-level ones.
        for fk in &spec.foreign_keys {
            let mut columns = Vec::new();
            for c in &fk.columns {
                match self.find_column(m, &c.value) {
                    Some(i) => columns.push(i),
                    None => {
                        let d = self.unknown_column(m, c, "a foreign key names");
                        self.error(d);
                        self.broken_fk[m] = true;
                    }
                }
            }
            if fk.columns.is_empty() || fk.columns.len() != fk.references.len() {
                self.error(
                    Diagnostic::error(
                        "a composite foreign key needs as many `references` as `columns`",
                        fk.span.clone(),
                        format!(
                            "{}, {}",
                            plural(fk.columns.len(), "column"),
                            plural(fk.references.len(), "reference")
                        ),
                    )
                    .with_help("write `columns = [\"a\", \"b\"]` and `references = [\"other.x\", \"other.y\"]`"),
                );
                self.broken_fk[m] = true;
                continue;
            }
            let mut target: Option<(usize, Span)> = None;
            let mut target_columns = Vec::new();
            let mut one_table = true;
            for reference in &fk.references {
                if let Some((t, c)) = self.resolve_reference(reference) {
                    if let Some((first, first_span)) = &target {
                        if *first != t && one_table {
                            one_table = false;
                            let first_table = self.models[*first].table.clone();
                            self.error(
                                Diagnostic::error(
                                    "all `references` of a foreign key must name the same table",
                                    reference.span.clone(),
                                    format!("not `{first_table}`"),
                                )
                                .with_secondary(first_span.clone(), format!("`{first_table}` here"))
                                .with_help("a foreign key points at one table; declare one foreign key per table"),
                            );
                        }
                    } else {
                        target = Some((t, reference.span.clone()));
                    }
                    target_columns.push(c);
                } else {
                    self.broken_fk[m] = true;
                }
            }
            if !one_table {
                continue;
            }
            let target = target.map(|(t, _)| t);
            let (on_delete, on_update) = (self.action(&fk.on_delete), self.action(&fk.on_update));
            if let Some(target) = target {
                if !columns.is_empty()
                    && columns.len() == fk.columns.len()
                    && columns.len() == target_columns.len()
                {
                    self.check_fk_types(m, &columns, target, &target_columns, &fk.references);
                    self.check_fk_target_unique(target, &target_columns, &fk.span);
                    let span = fk.on_delete.as_ref().map_or(&fk.span, |a| &a.span);
                    self.check_set_null(m, &columns, on_delete.as_deref(), span);
                    self.models[m].foreign_keys.push(ForeignKey {
                        name: fk.name.as_ref().map(|n| n.value.clone()),
                        columns,
                        target,
                        target_columns,
                        on_delete,
                        on_update,
                        table_level: true,
                    });
                    self.fk_spans[m].push(fk.span.clone());
                }
            }
        }
        for (c, column) in spec.columns.iter().enumerate() {
            if column.foreign_key.is_none() {
                for (key, value) in [
                    ("on_delete", &column.on_delete),
                    ("on_update", &column.on_update),
                ] {
                    if let Some(value) = value {
                        self.error(
                            Diagnostic::error(
                                format!("`{key}` needs a `foreign_key` on the same column"),
                                value.span.clone(),
                                "no foreign key here",
                            )
                            .with_help("add `foreign_key = \"table.column\"` or remove this key"),
                        );
                    }
                }
            }
            let Some(reference) = &column.foreign_key else {
                continue;
            };
            let on_delete = self.action(&column.on_delete);
            let on_update = self.action(&column.on_update);
            let Some((target, target_column)) = self.resolve_reference(reference) else {
                self.broken_fk[m] = true;
                continue;
            };
            self.check_fk_types(
                m,
                &[c],
                target,
                &[target_column],
                std::slice::from_ref(reference),
            );
            self.check_fk_target_unique(target, &[target_column], &reference.span);
            let span = column
                .on_delete
                .as_ref()
                .map_or(&reference.span, |a| &a.span);
            self.check_set_null(m, &[c], on_delete.as_deref(), span);
            self.models[m].foreign_keys.push(ForeignKey {
                name: None,
                columns: vec![c],
                target,
                target_columns: vec![target_column],
                on_delete,
                on_update,
                table_level: false,
            });
            self.fk_spans[m].push(reference.span.clone());
        }
    }

    /// Resolves `table.column` to (model, column).
    fn resolve_reference(&mut self, reference: &Sp<String>) -> Option<(usize, usize)> {
        let Some((table, column)) = reference.value.rsplit_once('.') else {
            self.error(
                Diagnostic::error(
                    format!(
                        "foreign key `{}` must be written `table.column`",
                        reference.value
                    ),
                    reference.span.clone(),
                    "expected `table.column`",
                )
                .with_help("for example `foreign_key = \"roles.id\"`"),
            );
            return None;
        };
        let Some(&target) = self.table_index.get(&table.to_lowercase()) else {
            let mut d = Diagnostic::error(
                format!(
                    "foreign key `{}` references an unknown table `{table}`",
                    reference.value
                ),
                reference.span.clone(),
                "no such table",
            );
            if let Some(&model) = self.model_index.get(table) {
                d = d.with_help(format!(
                    "`{table}` is a model; foreign keys name its table: `{}.{column}`",
                    self.models[model].table
                ));
            } else if !self.diags.is_past_rendering() {
                let tables: Vec<String> = self.models.iter().map(|m| m.table.clone()).collect();
                d = match did_you_mean(table, tables.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}.{column}`?")),
                    None => d.with_note(format!(
                        "the tables are {}",
                        tables
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
            }
            self.error(d);
            return None;
        };
        match self.find_column(target, column) {
            Some(c) => Some((target, c)),
            None => {
                let table_name = self.models[target].table.clone();
                let mut d = Diagnostic::error(
                    format!("foreign key `{}` references an unknown column `{column}` of table `{table_name}`", reference.value),
                    reference.span.clone(),
                    "no such column",
                );
                let columns: Vec<&str> = if self.diags.is_past_rendering() {
                    Vec::new()
                } else {
                    self.models[target]
                        .columns
                        .iter()
                        .map(|c| c.name.as_str())
                        .collect()
                };
                if let Some(s) = did_you_mean(column, columns) {
                    d = d.with_help(format!("did you mean `{table_name}.{s}`?"));
                }
                self.error(d);
                None
            }
        }
    }

    fn check_fk_types(
        &mut self,
        m: usize,
        columns: &[usize],
        target: usize,
        target_columns: &[usize],
        spans: &[Sp<String>],
    ) {
        for (i, (&c, &t)) in columns.iter().zip(target_columns).enumerate() {
            let local = &self.models[m].columns[c];
            let remote = &self.models[target].columns[t];
            if type_family(&local.ty) != type_family(&remote.ty) {
                let span = spans
                    .get(i)
                    .or(spans.first())
                    .map_or(0..0, |s| s.span.clone());
                let d = Diagnostic::error(
                    format!(
                        "foreign key column `{}.{}` is `{}` but it references `{}.{}` of type `{}`",
                        self.models[m].table,
                        local.name,
                        local.ty.label(),
                        self.models[target].table,
                        remote.name,
                        remote.ty.label()
                    ),
                    span,
                    "types differ",
                )
                .with_help(format!(
                    "declare `{}` with `type = \"{}\"`",
                    local.name,
                    remote.ty.label()
                ));
                self.error(d);
            }
        }
    }

    fn check_fk_target_unique(&mut self, target: usize, target_columns: &[usize], span: &Span) {
        let model = &self.models[target];
        let mut wanted: Vec<usize> = target_columns.to_vec();
        wanted.sort_unstable();
        let mut pk = model.primary_key.clone();
        pk.sort_unstable();
        let single_unique = target_columns.len() == 1 && model.columns[target_columns[0]].unique;
        let composite_unique = self.spec.models[target].unique.iter().any(|u| {
            let mut cols: Vec<usize> = u
                .columns
                .iter()
                .filter_map(|c| self.find_column(target, &c.value))
                .collect();
            cols.sort_unstable();
            cols == wanted
        });
        if pk != wanted && !single_unique && !composite_unique {
            let names: Vec<&str> = target_columns
                .iter()
                .map(|&c| model.columns[c].name.as_str())
                .collect();
            self.error(
                Diagnostic::error(
                    format!(
                        "foreign key references `{}({})`, which is neither its primary key nor unique",
                        model.table,
                        names.join(", ")
                    ),
                    span.clone(),
                    "not a key of the referenced table",
                )
                .with_help("reference the primary key, or mark the referenced column `unique = true`")
                .with_note("SQLite rejects every insert into a table whose foreign key points at a non-unique column"),
            );
        }
    }

    fn check_set_null(
        &mut self,
        m: usize,
        columns: &[usize],
        on_delete: Option<&str>,
        span: &Span,
    ) {
        if on_delete != Some("SET NULL") {
            return;
        }
        for &c in columns {
            let column = &self.models[m].columns[c];
            if !column.nullable {
                let mut d = Diagnostic::error(
                    format!(
                        "`on_delete = \"SET NULL\"` on column `{}.{}`, which is NOT NULL",
                        self.models[m].table, column.name
                    ),
                    span.clone(),
                    "cannot set the column to NULL",
                );
                let spec = &self.spec.models[m].columns[c];
                d = match (&spec.nullable, &spec.primary_key) {
                    (Some(n), _) => d.with_secondary(n.span.clone(), "NOT NULL here"),
                    (None, Some(p)) => {
                        d.with_secondary(p.span.clone(), "a primary key is NOT NULL")
                    }
                    _ => d,
                };
                self.error(d.with_help(
                    "make the column nullable, or use `on_delete = \"CASCADE\"` to delete the rows instead",
                ));
            }
        }
    }

    fn action(&mut self, value: &Option<Sp<String>>) -> Option<String> {
        let value = value.as_ref()?;
        let upper = value
            .value
            .trim()
            .to_uppercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if REFERENTIAL_ACTIONS.contains(&upper.as_str()) {
            return Some(upper);
        }
        let mut d = Diagnostic::error(
            format!("unknown referential action `{}`", value.value),
            value.span.clone(),
            "unknown action",
        );
        d = match did_you_mean(&upper, REFERENTIAL_ACTIONS.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_note(format!(
                "the actions are {}",
                REFERENTIAL_ACTIONS.join(", ")
            )),
        };
        self.error(d);
        None
    }
}
