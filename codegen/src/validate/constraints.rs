//! Indexes, unique constraints and checks over a model's columns.

use crate::diagnostics::{Diagnostic, Span};
use crate::model::*;
use crate::spec::Sp;

use super::{sql_fragment_problem, Validator};

impl<'s> Validator<'s, '_> {
    pub(super) fn constraints(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        for unique in &spec.unique {
            let columns = self.column_list(m, &unique.columns, &unique.span, "a unique constraint");
            self.models[m].unique_constraints.push(UniqueConstraint {
                name: unique.name.as_ref().map(|n| n.value.clone()),
                columns,
            });
        }
        for index in &spec.indexes {
            let columns = self.column_list(m, &index.columns, &index.span, "an index");
            if columns.len() != index.columns.len() {
                // A column is unknown (reported); a name made of the others could
                // collide with a real index and raise a second, misleading error.
                continue;
            }
            let name = index.name.as_ref().map_or_else(
                || {
                    let mut name = format!("ix_{}", self.models[m].table);
                    for &c in &columns {
                        name.push('_');
                        name.push_str(&self.models[m].columns[c].name);
                    }
                    name
                },
                |n| n.value.clone(),
            );
            self.index_spans[m].push(
                index
                    .name
                    .as_ref()
                    .map_or(index.span.clone(), |n| n.span.clone()),
            );
            self.models[m].indexes.push(Index {
                name,
                columns,
                unique: index.unique.as_ref().is_some_and(|u| u.value),
            });
        }
        for check in &spec.checks {
            let problem = check
                .sql
                .as_ref()
                .and_then(|sql| sql_fragment_problem(&sql.value, true));
            match &check.sql {
                Some(sql) if problem.is_some() => self.error(
                    Diagnostic::error(
                        "a check constraint's `sql` must be one SQL condition",
                        sql.span.clone(),
                        problem.unwrap_or_default(),
                    )
                    .with_help("write the condition only, for example `sql = \"price >= 0\"`")
                    .with_note("the text goes into `CHECK (...)` as written, so it may not end the constraint or the statement"),
                ),
                Some(sql) if !sql.value.trim().is_empty() => self.models[m].checks.push(Check {
                    name: check.name.as_ref().map(|n| n.value.clone()),
                    sql: sql.value.clone(),
                }),
                _ => self.error(
                    Diagnostic::error(
                        "a check constraint needs `sql`",
                        check.span.clone(),
                        "missing `sql`",
                    )
                    .with_help("write the condition, for example `sql = \"price >= 0\"`"),
                ),
            }
        }
    }

    fn column_list(
        &mut self,
        m: usize,
        columns: &[Sp<String>],
        span: &Span,
        what: &str,
    ) -> Vec<usize> {
        if columns.is_empty() {
            self.error(
                Diagnostic::error(
                    format!("{what} needs `columns`"),
                    span.clone(),
                    "no columns",
                )
                .with_help("list them: `columns = [\"a\", \"b\"]`"),
            );
        }
        let mut result = Vec::new();
        for c in columns {
            match self.find_column(m, &c.value) {
                Some(i) => result.push(i),
                None => {
                    let d = self.unknown_column(m, c, &format!("{what} names"));
                    self.error(d);
                }
            }
        }
        result
    }
}
