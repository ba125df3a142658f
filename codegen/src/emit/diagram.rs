//! Diagrams of the models and their relationships: a Mermaid `erDiagram` (GitHub
//! renders it in Markdown) and a Graphviz digraph.
//!
//! One entity per model with its columns, and one line per foreign key, labelled
//! with the relationships that follow it (or its columns when none does). Pure and
//! deterministic, like every emitter.

use crate::model::{Direction, ForeignKey, Model, Schema};

/// The Mermaid `erDiagram` of `schema`.
pub fn mermaid(schema: &Schema) -> String {
    let mut out = String::from("erDiagram\n");
    for model in &schema.models {
        out.push_str(&format!("    {} {{\n", model.name));
        for (c, column) in model.columns.iter().enumerate() {
            let mut keys = Vec::new();
            if column.primary_key {
                keys.push("PK");
            }
            if model.foreign_keys.iter().any(|fk| fk.columns.contains(&c)) {
                keys.push("FK");
            }
            if column.unique {
                keys.push("UK");
            }
            let mut line = format!(
                "        {} {}",
                mermaid_type(&column.ty.label()),
                mermaid_name(&column.name)
            );
            if !keys.is_empty() {
                line.push(' ');
                line.push_str(&keys.join(", "));
            }
            if !column.nullable && !column.primary_key {
                line.push_str(" \"not null\"");
            }
            out.push_str(&line);
            out.push('\n');
        }
        out.push_str("    }\n");
    }
    for (m, model) in schema.models.iter().enumerate() {
        for (k, fk) in model.foreign_keys.iter().enumerate() {
            let parent = &schema.models[fk.target];
            let required = fk.columns.iter().all(|&c| !model.columns[c].nullable);
            let one = unique_key(model, fk);
            let left = if required { "||" } else { "|o" };
            let right = if one { "o|" } else { "o{" };
            out.push_str(&format!(
                "    {} {left}--{right} {} : \"{}\"\n",
                parent.name,
                model.name,
                label(schema, m, k).replace('"', "'")
            ));
        }
    }
    out
}

/// The Graphviz DOT digraph of `schema`: an arrow from each model holding a foreign
/// key to the model it references.
pub fn dot(schema: &Schema) -> String {
    let mut out = String::from(
        "digraph models {\n    rankdir=LR;\n    node [shape=plain, fontname=\"Helvetica\"];\n    edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for model in &schema.models {
        let mut rows = format!(
            "<tr><td bgcolor=\"lightgrey\"><b>{}</b> ({})</td></tr>",
            html(&model.name),
            html(&model.table)
        );
        for (c, column) in model.columns.iter().enumerate() {
            let mut keys = Vec::new();
            if column.primary_key {
                keys.push("PK");
            }
            if model.foreign_keys.iter().any(|fk| fk.columns.contains(&c)) {
                keys.push("FK");
            }
            if column.unique {
                keys.push("UK");
            }
            let null = if column.nullable { "" } else { " not null" };
            let keys = if keys.is_empty() {
                String::new()
            } else {
                format!(" {}", keys.join(" "))
            };
            rows.push_str(&format!(
                "<tr><td align=\"left\">{}: {}{null}{keys}</td></tr>",
                html(&column.name),
                html(&column.ty.label())
            ));
        }
        out.push_str(&format!(
            "    {} [label=<<table border=\"0\" cellborder=\"1\" cellspacing=\"0\">{rows}</table>>];\n",
            dot_id(&model.name)
        ));
    }
    for (m, model) in schema.models.iter().enumerate() {
        for (k, fk) in model.foreign_keys.iter().enumerate() {
            out.push_str(&format!(
                "    {} -> {} [label=\"{}\"];\n",
                dot_id(&model.name),
                dot_id(&schema.models[fk.target].name),
                label(schema, m, k)
                    .replace('\\', "\\\\")
                    .replace('"', "\\\"")
            ));
        }
    }
    out.push_str("}\n");
    out
}

/// The names of the relationships that follow foreign key `k` of model `m` (both
/// sides, and many-to-many ones through it), else its columns.
fn label(schema: &Schema, m: usize, k: usize) -> String {
    let mut names = Vec::new();
    for owner in &schema.models {
        for rel in &owner.relationships {
            let follows = match rel.direction {
                Direction::OneToMany | Direction::ManyToOne => rel.foreign_key == Some((m, k)),
                Direction::ManyToMany => rel
                    .secondary
                    .as_ref()
                    .is_some_and(|s| s.model == m && s.local_key == k),
            };
            if follows {
                names.push(format!("{}.{}", owner.name, rel.name));
            }
        }
    }
    if names.is_empty() {
        let model = &schema.models[m];
        let fk = &model.foreign_keys[k];
        fk.columns
            .iter()
            .map(|&c| model.columns[c].name.clone())
            .collect::<Vec<_>>()
            .join(", ")
    } else {
        names.join(", ")
    }
}

/// True when the foreign key's columns are unique in their table: one-to-one.
fn unique_key(model: &Model, fk: &ForeignKey) -> bool {
    let same = |columns: &[usize]| {
        let mut a = columns.to_vec();
        let mut b = fk.columns.clone();
        a.sort_unstable();
        b.sort_unstable();
        a == b
    };
    (fk.columns.len() == 1 && model.columns[fk.columns[0]].unique)
        || same(&model.primary_key)
        || model.unique_constraints.iter().any(|u| same(&u.columns))
        || model.indexes.iter().any(|i| i.unique && same(&i.columns))
}

/// Mermaid attribute types allow letters, digits, `-`, `_`, `()` and `[]`.
fn mermaid_type(label: &str) -> String {
    label
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| if c == ',' { '-' } else { c })
        .collect()
}

/// Mermaid attribute names: a column name, with other characters made `_`.
fn mermaid_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '_' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect()
}

fn dot_id(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\\\""))
}

fn html(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
