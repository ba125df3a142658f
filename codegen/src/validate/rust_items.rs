//! `derive`, `attributes`, `serde` and `serialize`: what the generated structs and
//! fields carry beyond their own items. Each entry must be Rust the generator can
//! place (a trait path, an outer attribute), must not repeat what the generated
//! code writes itself, and `Eq`/`Hash` only where every column type has them.

use crate::diagnostics::Diagnostic;
use crate::model::*;
use crate::spec::{ModelSpec, Sp};

use super::Validator;

/// What the generated struct derives or implements itself, whatever the spec says.
const OWN_TRAITS: &[(&str, &str)] = &[
    ("Clone", "the generated struct derives it"),
    ("PartialEq", "the generated struct derives it"),
    ("Model", "the generated struct derives it"),
    (
        "Default",
        "the generated struct derives it, or `#[derive(Model)]` writes it with the columns' defaults",
    ),
    ("Debug", "`#[derive(Model)]` writes it: the Python repr, `<User 'john'>`"),
];

/// The column type that keeps a model from deriving `Eq` or `Hash`, in prose.
fn without_eq_and_hash(column: &Column) -> Option<&'static str> {
    if column.rust_type.is_some() {
        return None;
    }
    match column.ty {
        ColumnType::Float => Some("a `float` (`f64`)"),
        ColumnType::Numeric { .. } => {
            Some("a `numeric` (`Decimal`, whose `1.0` and `1.00` differ in scale)")
        }
        ColumnType::Json => Some("a `json` (`serde_json::Value`, which may hold floats)"),
        _ => None,
    }
}

/// The last segment of a path as written (`std::hash::Hash` → `Hash`).
fn last_segment(path: &str) -> &str {
    path.rsplit("::").next().unwrap_or(path).trim()
}

/// Whether `text` is one or more outer attributes (`#[...]`).
pub(crate) fn is_outer_attributes(text: &str) -> bool {
    let parsed = syn::parse::Parser::parse_str(syn::Attribute::parse_outer, text);
    matches!(parsed, Ok(attributes) if !attributes.is_empty())
}

/// Whether `text` is a Rust path (`Hash`, `serde::Serialize`).
fn is_path(text: &str) -> bool {
    syn::parse_str::<syn::Path>(text).is_ok()
}

impl Validator<'_, '_> {
    /// Reads the Rust items of every model, its columns and its relationships.
    pub(super) fn rust_items(&mut self) {
        for m in 0..self.spec.models.len() {
            let spec = &self.spec.models[m];
            let derives = self.derives(m, spec);
            let attributes =
                self.attributes(&spec.attributes, &format!("model `{}`", spec.name.value));
            let serde = spec.serde.as_ref().is_some_and(|s| s.value);
            self.models[m].rust = RustItems {
                derives,
                attributes,
                serde,
            };
            self.explicit_null_names(m, spec);
            // Only the entries that say something: a spec may have 100,000 columns.
            for column in spec.columns.iter().filter(|c| !c.attributes.is_empty()) {
                let owner = format!("column `{}.{}`", spec.name.value, column.name.value);
                let attributes = self.attributes(&column.attributes, &owner);
                if let Some(c) = self.find_column(m, &column.name.value) {
                    self.models[m].columns[c].attributes = attributes;
                }
            }
            for relationship in spec
                .relationships
                .iter()
                .filter(|r| !r.attributes.is_empty() || r.serialize.is_some())
            {
                let owner = format!(
                    "relationship `{}.{}`",
                    spec.name.value, relationship.name.value
                );
                let mut attributes = self.attributes(&relationship.attributes, &owner);
                let mut serialize = self.serialize(spec, relationship);
                let Some(r) = self.models[m]
                    .relationships
                    .iter()
                    .position(|r| !r.from_backref && r.name == relationship.name.value)
                else {
                    continue;
                };
                let rel = &self.models[m].relationships[r];
                if !rel.holds_objects() {
                    let lazy = rel.lazy.as_str();
                    let written = relationship
                        .attributes
                        .first()
                        .map(|a| (a.span.clone(), "attributes"))
                        .into_iter()
                        .chain(
                            relationship
                                .serialize
                                .as_ref()
                                .filter(|s| s.value)
                                .map(|s| (s.span.clone(), "serialize")),
                        );
                    let written: Vec<_> = written.collect();
                    for (span, key) in written {
                        self.error(
                            Diagnostic::error(
                                format!("{owner} is a query (`lazy = \"{lazy}\"`): it has no field for `{key}`"),
                                span,
                                "no field",
                            )
                            .with_help("remove it, or give the relationship a loading `lazy` mode such as `\"select\"`"),
                        );
                    }
                    attributes.clear();
                    serialize = false;
                }
                let rel = &mut self.models[m].relationships[r];
                rel.attributes = attributes;
                rel.serialize = serialize;
            }
        }
    }

    /// A model whose nullable columns have defaults gets the field
    /// `explicit_nulls` and the methods `set_null`/`with_null`: no column may
    /// take those names.
    fn explicit_null_names(&mut self, m: usize, spec: &ModelSpec) {
        let model = &self.models[m];
        let has_insert_defaults = model.columns.iter().any(|c| {
            !c.primary_key
                && (c.default.is_some() || c.default_factory.is_some())
                && (c.nullable || c.default_factory.is_some())
        });
        if !has_insert_defaults {
            return;
        }
        let clashes: Vec<(String, String)> = model
            .columns
            .iter()
            .filter_map(|c| {
                let field = c.field.trim_start_matches("r#");
                match field {
                    "explicit_nulls" => {
                        Some((c.name.clone(), "the field `explicit_nulls`".to_owned()))
                    }
                    "null" => Some((c.name.clone(), "the method `with_null`".to_owned())),
                    _ => None,
                }
            })
            .collect();
        for (column, what) in clashes {
            let span = spec
                .columns
                .iter()
                .find(|c| c.name.value == column)
                .map_or(spec.name.span.clone(), |c| c.name.span.clone());
            self.error(
                Diagnostic::error(
                    format!(
                        "column `{}.{column}` takes the name of {what}, which the generated code of `{}` has",
                        spec.name.value, spec.name.value
                    ),
                    span,
                    "name taken",
                )
                .with_note("a model with a nullable column that has a `default` keeps its explicit NULLs in `explicit_nulls`, set by `set_null`/`with_null`")
                .with_help(format!("keep the column name and give the field another one: `rust_name = \"{column}_value\"`")),
            );
        }
    }

    fn derives(&mut self, m: usize, spec: &ModelSpec) -> Vec<String> {
        let mut derives = Vec::new();
        for entry in &spec.derive {
            let path = entry.value.trim();
            if !is_path(path) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "`derive` entry `{}` of model `{}` is not a Rust path",
                            entry.value, spec.name.value
                        ),
                        entry.span.clone(),
                        "not a trait path",
                    )
                    .with_help("name a derivable trait, for example `\"Hash\"` or `\"serde::Serialize\"`; put other attributes in `attributes`"),
                );
                continue;
            }
            let name = last_segment(path);
            if let Some((_, why)) = OWN_TRAITS.iter().find(|(own, _)| *own == name) {
                self.error(
                    Diagnostic::error(
                        format!("model `{}` cannot derive `{name}` again", spec.name.value),
                        entry.span.clone(),
                        "already there",
                    )
                    .with_note(*why)
                    .with_help(format!("remove `\"{}\"` from `derive`", entry.value)),
                );
                continue;
            }
            let serde = spec.serde.as_ref().is_some_and(|s| s.value);
            if serde && matches!(name, "Serialize" | "Deserialize") {
                self.error(
                    Diagnostic::error(
                        format!("model `{}` derives `{name}` twice", spec.name.value),
                        entry.span.clone(),
                        "already derived by `serde = true`",
                    )
                    .with_help(format!("remove `\"{}\"` from `derive`", entry.value)),
                );
                continue;
            }
            if matches!(name, "Eq" | "Hash") {
                if let Some(column) = self.models[m]
                    .columns
                    .iter()
                    .find(|c| without_eq_and_hash(c).is_some())
                {
                    let kind = without_eq_and_hash(column).unwrap_or_default();
                    self.error(
                        Diagnostic::error(
                            format!(
                                "model `{}` cannot derive `{name}`: column `{}` is {kind}",
                                spec.name.value, column.name
                            ),
                            entry.span.clone(),
                            "not for these column types",
                        )
                        .with_note("`Eq` and `Hash` need every field to have them; `float`, `numeric` and `json` columns do not")
                        .with_help(format!("remove `\"{}\"`, or give the column a `rust_type` that implements it", entry.value)),
                    );
                    continue;
                }
            }
            derives.push(path.to_owned());
        }
        derives
    }

    fn attributes(&mut self, entries: &[Sp<String>], owner: &str) -> Vec<String> {
        let mut attributes = Vec::new();
        for entry in entries {
            if is_outer_attributes(&entry.value) {
                attributes.push(entry.value.trim().to_owned());
            } else {
                self.error(
                    Diagnostic::error(
                        format!("`attributes` entry of {owner} is not a Rust attribute"),
                        entry.span.clone(),
                        "expected `#[...]`",
                    )
                    .with_help("write the attribute as in Rust source, for example `'#[serde(rename = \"userName\")]'`"),
                );
            }
        }
        attributes
    }

    /// `serialize = true` needs serde on the model and on the related model.
    fn serialize(
        &mut self,
        spec: &ModelSpec,
        relationship: &crate::spec::RelationshipSpec,
    ) -> bool {
        let Some(serialize) = relationship.serialize.as_ref().filter(|s| s.value) else {
            return false;
        };
        let has_serde = |model: &ModelSpec| model.serde.as_ref().is_some_and(|s| s.value);
        let target = relationship
            .model
            .as_ref()
            .and_then(|t| self.model_index.get(t.value.as_str()).copied());
        let missing = if has_serde(spec) {
            target
                .filter(|&t| !has_serde(&self.spec.models[t]))
                .map(|t| self.spec.models[t].name.value.clone())
        } else {
            Some(spec.name.value.clone())
        };
        if let Some(model) = missing {
            self.error(
                Diagnostic::error(
                    format!(
                        "relationship `{}.{}` has `serialize = true`, but model `{model}` has no `serde = true`",
                        spec.name.value, relationship.name.value
                    ),
                    serialize.span.clone(),
                    "needs serde on both models",
                )
                .with_help(format!("add `serde = true` to `[models.{model}]`")),
            );
            return false;
        }
        true
    }
}
