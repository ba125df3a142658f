//! What the Rust generator and the runtime support today, checked before Rust is
//! emitted.
//!
//! Validation accepts the whole spec language (the DDL covers all of it); some
//! features are not generated as Rust yet. Rather than emit code that does not
//! compile, `litemodel generate` and `Builder` report them here, with the spec's spans.

use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::model::{ColumnType, Schema};
use crate::spec::Spec;

/// Method names the generator gives every model.
const GENERATED_METHODS: &[&str] = &["new", "query", "get"];

/// Records an error for every part of `schema` the Rust generator cannot emit yet.
pub fn check(spec: &Spec, schema: &Schema, diags: &mut Diagnostics) {
    for (m, model) in schema.models.iter().enumerate() {
        let Some(model_spec) = spec.models.get(m) else {
            continue;
        };
        let rowid = model.identified_by_rowid();
        if let Some(column) = model.columns.iter().find(|c| rowid && c.field == "rowid") {
            diags.push(
                Diagnostic::error(
                    format!(
                        "model `{}` has a column `{}` whose field is `rowid`, where its generated code keeps SQLite's rowid",
                        model.name, column.name
                    ),
                    model_spec.name.span.clone(),
                    "`rowid` is taken",
                )
                .with_help("set `rust_name` on that column")
                .with_note("a model whose primary key is not one integer column is identified by SQLite's rowid"),
            );
        }
        for column in &model.repr {
            if matches!(model.columns[*column].ty, ColumnType::Blob) {
                let span = model_spec
                    .repr
                    .iter()
                    .find(|r| r.value == model.columns[*column].name)
                    .map_or(model_spec.name.span.clone(), |r| r.span.clone());
                diags.push(
                    Diagnostic::error("a `blob` column cannot be shown in `repr`", span, "a blob")
                        .with_help("show a text or number column instead"),
                );
            }
        }
        for rel in &model.relationships {
            let span = relationship_span(spec, schema, m, &rel.name);
            if GENERATED_METHODS.contains(&rel.name.as_str()) {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "relationship `{}.{}` has the name of a generated method",
                            model.name, rel.name
                        ),
                        span.clone(),
                        "collides with the generated method",
                    )
                    .with_help(format!(
                        "rename it; every model gets `{}`",
                        GENERATED_METHODS.join("` and `")
                    )),
                );
                continue;
            }
            let unsupported = if key_reference(schema, rel) {
                None
            } else {
                Some("relationships over a composite foreign key, or one that does not reference an integer primary key")
            };
            if let Some(what) = unsupported {
                diags.push(
                    Diagnostic::error(
                        format!(
                            "the Rust generator does not support {what} yet (`{}.{}`)",
                            model.name, rel.name
                        ),
                        span,
                        "not supported for Rust yet",
                    )
                    .with_help(
                        "point the foreign key at the other model's integer primary key (`id`)",
                    )
                    .with_note("`litemodel ddl` and `create-all` support this spec already"),
                );
            }
        }
    }
}

/// The foreign keys of a relationship are single columns referencing an integer
/// primary key (the runtime links objects by that key).
fn key_reference(schema: &Schema, rel: &crate::model::Relationship) -> bool {
    let references_integer_key = |owner: usize, key: usize| {
        let fk = &schema.models[owner].foreign_keys[key];
        let target = &schema.models[fk.target];
        fk.columns.len() == 1
            && target.primary_key == fk.target_columns
            && !target.identified_by_rowid()
    };
    match (&rel.secondary, rel.foreign_key) {
        (Some(secondary), _) => {
            references_integer_key(secondary.model, secondary.local_key)
                && references_integer_key(secondary.model, secondary.remote_key)
        }
        (None, Some((owner, key))) => references_integer_key(owner, key),
        (None, None) => false,
    }
}

/// Where a relationship was declared: its key, or the `backref` that created it.
fn relationship_span(spec: &Spec, schema: &Schema, m: usize, name: &str) -> Span {
    if let Some(declared) = spec
        .models
        .get(m)
        .and_then(|model| model.relationships.iter().find(|r| r.name.value == name))
    {
        return declared.name.span.clone();
    }
    for model in &spec.models {
        for rel in &model.relationships {
            if let Some(backref) = &rel.backref {
                let targets_m = rel.model.as_ref().is_some_and(|target| {
                    schema.models.get(m).is_some_and(|t| t.name == target.value)
                });
                if backref.value == name && targets_m {
                    return backref.span.clone();
                }
            }
        }
    }
    spec.models
        .get(m)
        .map_or(0..0, |model| model.name.span.clone())
}
