//! What the Rust generator and the runtime support today, checked before Rust is
//! emitted.
//!
//! Validation accepts the whole spec language (the DDL covers all of it); some
//! features are not generated as Rust yet. Rather than emit code that does not
//! compile, `litemodel generate` and `Builder` report them here, with the spec's spans.

use crate::diagnostics::{Diagnostic, Diagnostics, Span};
use crate::model::{ColumnType, Direction, Lazy, Schema};
use crate::spec::Spec;

/// Method names the generator gives every model.
const GENERATED_METHODS: &[&str] = &["new", "query"];

/// Records an error for every part of `schema` the Rust generator cannot emit yet.
pub fn check(spec: &Spec, schema: &Schema, diags: &mut Diagnostics) {
    for (m, model) in schema.models.iter().enumerate() {
        let Some(model_spec) = spec.models.get(m) else {
            continue;
        };
        let single_integer_key =
            model.primary_key.len() == 1 && model.columns[model.primary_key[0]].ty.is_integer();
        if !single_integer_key {
            diags.push(
                Diagnostic::error(
                    format!(
                        "the Rust generator needs one integer primary key, but `{}` has {}",
                        model.name,
                        describe_key(schema, m)
                    ),
                    model_spec.name.span.clone(),
                    "not supported for Rust yet",
                )
                .with_help("use `id = { type = \"integer\", primary_key = true }` and a `[[models.X.unique]]` constraint for the other key")
                .with_note("`litemodel ddl` and `create-all` support this model already"),
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
            let unsupported = if rel.direction == Direction::ManyToMany {
                Some("many-to-many relationships (`secondary`)".to_owned())
            } else if rel.target == m {
                Some("self-referential relationships".to_owned())
            } else if rel.direction == Direction::OneToMany && !rel.uselist {
                Some("one-to-one relationships (`uselist = false`)".to_owned())
            } else if rel.direction == Direction::OneToMany
                && !matches!(rel.lazy, Lazy::Select | Lazy::Dynamic)
            {
                Some(format!("`lazy = \"{}\"`", rel.lazy.as_str()))
            } else if rel.direction == Direction::ManyToOne && rel.lazy != Lazy::Select {
                Some(format!(
                    "`lazy = \"{}\"` on a many-to-one",
                    rel.lazy.as_str()
                ))
            } else if !key_reference(schema, rel) {
                Some("relationships over a composite or non-primary-key foreign key".to_owned())
            } else {
                None
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
                    .with_help("use a one-to-many with `lazy = \"select\"` or `\"dynamic\"` and its many-to-one backref for now")
                    .with_note("`litemodel ddl` and `create-all` support this spec already"),
                );
            }
        }
    }
}

fn describe_key(schema: &Schema, m: usize) -> String {
    let model = &schema.models[m];
    match model.primary_key.as_slice() {
        [] => "none".to_owned(),
        [single] => format!(
            "`{}` of type `{}`",
            model.columns[*single].name,
            crate::validate::type_label(&model.columns[*single].ty)
        ),
        several => format!("a composite key of {} columns", several.len()),
    }
}

/// The foreign key of a one-to-many/many-to-one is one column referencing the other
/// model's integer primary key.
fn key_reference(schema: &Schema, rel: &crate::model::Relationship) -> bool {
    let Some((owner, key)) = rel.foreign_key else {
        return false;
    };
    let fk = &schema.models[owner].foreign_keys[key];
    let target = &schema.models[fk.target];
    fk.columns.len() == 1 && target.primary_key == fk.target_columns
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
