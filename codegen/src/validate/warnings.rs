//! Warnings: what is valid but likely unintended.

use std::collections::{BTreeMap, HashSet};

use crate::diagnostics::Diagnostic;

use super::Validator;

fn find_path(
    graph: &BTreeMap<usize, Vec<(usize, String)>>,
    from: usize,
    to: usize,
) -> Option<Vec<usize>> {
    let mut stack = vec![(from, vec![from])];
    let mut seen = HashSet::new();
    while let Some((node, path)) = stack.pop() {
        if node == to {
            return Some(path);
        }
        if !seen.insert(node) {
            continue;
        }
        for (next, _) in graph.get(&node).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(*next);
            stack.push((*next, longer));
        }
    }
    None
}

impl<'s> Validator<'s, '_> {
    pub(super) fn warnings(&mut self) {
        // Foreign key columns without an index: joins and cascades scan the table.
        for m in 0..self.models.len() {
            for k in 0..self.models[m].foreign_keys.len() {
                let model = &self.models[m];
                let fk = &model.foreign_keys[k];
                let leading = fk.columns[0];
                let indexed = model.primary_key.first() == Some(&leading)
                    || (fk.columns.len() == 1
                        && (model.columns[leading].index || model.columns[leading].unique))
                    || model
                        .indexes
                        .iter()
                        .any(|i| i.columns.first() == Some(&leading))
                    || model
                        .unique_constraints
                        .iter()
                        .any(|u| u.columns.first() == Some(&leading));
                if !indexed {
                    let column = &model.columns[leading];
                    let target = &self.models[fk.target];
                    let d = Diagnostic::warning(
                        format!("foreign key column `{}.{}` has no index", model.table, column.name),
                        self.fk_spans[m][k].clone(),
                        "not indexed",
                    )
                    .with_help(format!("add `index = true` to `{}`", column.name))
                    .with_note(format!(
                        "without an index, loading a `{}`'s `{}` rows and deleting a `{}` scan the whole `{}` table",
                        target.name, model.name, target.name, model.table
                    ));
                    self.diags.push(d);
                }
            }
        }
        // An unnamed foreign key between tables of a cycle: on PostgreSQL it is
        // added after the tables, and SQLAlchemy's drop_all() can drop it first
        // only by name.
        let on_cycle = crate::emit::sql::tables_on_cycles(&self.models);
        for (m, model) in self.models.iter().enumerate() {
            if !on_cycle[m] {
                continue;
            }
            for (k, fk) in model.foreign_keys.iter().enumerate() {
                if fk.name.is_some() || fk.target == m {
                    continue;
                }
                let columns: Vec<&str> = fk
                    .columns
                    .iter()
                    .map(|&c| model.columns[c].name.as_str())
                    .collect();
                let target = &self.models[fk.target];
                let d = Diagnostic::warning(
                    format!(
                        "foreign key `{}.{}` -> `{}` has no name, and `{}` is in a cycle of foreign keys",
                        model.table,
                        columns.join(", "),
                        target.table,
                        model.table
                    ),
                    self.fk_spans[m][k].clone(),
                    "unnamed",
                )
                .with_help(format!(
                    "declare it in a `[[models.{}.foreign_keys]]` table with `name = \"fk_{}_{}\"`",
                    model.name,
                    model.table,
                    columns.join("_")
                ))
                .with_note(
                    "on PostgreSQL the tables of a cycle are created without their foreign keys, which are added after them; \
                     SQLAlchemy's `drop_all()` must drop them first, by name, and refuses the schema when one it needs has none \
                     (litemodel drops it by the name PostgreSQL gave it)",
                );
                self.diags.push(d);
            }
        }
        // Eager loading in a cycle loads the whole graph on every query.
        let mut eager: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
        for (m, model) in self.models.iter().enumerate() {
            for rel in &model.relationships {
                if rel.lazy.is_eager() {
                    eager
                        .entry(m)
                        .or_default()
                        .push((rel.target, rel.name.clone()));
                }
            }
        }
        let mut reported = HashSet::new();
        for (&start, edges) in &eager {
            for (next, name) in edges {
                if let Some(path) = find_path(&eager, *next, start) {
                    let mut cycle = vec![self.models[start].name.clone()];
                    cycle.extend(path.iter().map(|&p| self.models[p].name.clone()));
                    let mut key: Vec<usize> = path.clone();
                    key.push(start);
                    key.sort_unstable();
                    key.dedup();
                    if !reported.insert(key) {
                        continue;
                    }
                    let span = self.spec.models[start]
                        .relationships
                        .iter()
                        .find(|r| &r.name.value == name)
                        .and_then(|r| r.lazy.as_ref().map(|l| l.span.clone()))
                        .unwrap_or(self.spec.models[start].name.span.clone());
                    self.diags.push(
                        Diagnostic::warning(
                            format!("relationships are loaded eagerly in a cycle: {}", cycle.join(" -> ")),
                            span,
                            "eager loading here",
                        )
                        .with_help("make one side of the cycle lazy (`lazy = \"select\"`), and eager-load per query where needed"),
                    );
                }
            }
        }
    }
}
