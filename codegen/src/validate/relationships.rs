//! Relationships: their targets, the foreign key path they follow, loading and cascades.

use std::collections::HashMap;

use crate::diagnostics::{did_you_mean, Diagnostic, Span};
use crate::model::*;
use crate::names;
use crate::spec::{ModelSpec, RelationshipSpec, Sp};

use super::{Declared, Validator};

const CASCADE_OPTIONS: &[&str] = &[
    "all",
    "save-update",
    "merge",
    "expunge",
    "delete",
    "delete-orphan",
    "refresh-expire",
];

/// The comma-separated parts of a string value, trimmed, each with its own span when
/// the string is written plainly (no escapes), else with the whole value's span.
fn comma_separated(value: &Sp<String>) -> impl Iterator<Item = (&str, Span)> {
    // A basic or literal string without escapes spans its text plus two quotes.
    let plain = value.span.len() == value.value.len() + 2;
    let mut offset = 0;
    value.value.split(',').filter_map(move |raw| {
        let start = offset + (raw.len() - raw.trim_start().len());
        offset += raw.len() + 1;
        let part = raw.trim();
        if part.is_empty() {
            return None;
        }
        let span = if plain {
            let at = value.span.start + 1 + start;
            at..at + part.len()
        } else {
            value.span.clone()
        };
        Some((part, span))
    })
}

impl<'s> Validator<'s, '_> {
    pub(super) fn relationships(&mut self) -> Vec<Declared> {
        let mut declared = Vec::new();
        for m in 0..self.spec.models.len() {
            let spec: &'s ModelSpec = &self.spec.models[m];
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for relationship in &spec.relationships {
                let name = &relationship.name;
                if let Some(first) = seen.get(name.value.as_str()) {
                    self.error(
                        Diagnostic::error(
                            format!(
                                "duplicate relationship `{}` on model `{}`",
                                name.value, spec.name.value
                            ),
                            name.span.clone(),
                            "duplicate relationship",
                        )
                        .with_secondary(first.clone(), "first defined here"),
                    );
                    continue;
                }
                seen.insert(name.value.as_str(), name.span.clone());
                if let Some(column) = spec.columns.iter().find(|c| {
                    c.name.value == name.value
                        || c.rust_name.as_ref().is_some_and(|r| r.value == name.value)
                }) {
                    self.error(
                        Diagnostic::error(
                            format!("relationship `{}` has the same name as a column of model `{}`", name.value, spec.name.value),
                            name.span.clone(),
                            "relationship",
                        )
                        .with_secondary(column.name.span.clone(), "column defined here")
                        .with_help("rename the relationship; by convention the column is `role_id` and the relationship `role`"),
                    );
                    continue;
                }
                if !self.check_accessor_name(name) {
                    continue;
                }
                if let Some(built) = self.relationship(m, relationship) {
                    self.models[m].relationships.push(built);
                    declared.push(Declared {
                        model: m,
                        position: self.models[m].relationships.len() - 1,
                    });
                }
            }
        }
        declared
    }

    pub(super) fn check_accessor_name(&mut self, name: &Sp<String>) -> bool {
        if names::is_identifier_shape(&name.value) && !names::is_non_raw_keyword(&name.value) {
            return true;
        }
        self.error(
            Diagnostic::error(
                format!(
                    "relationship name `{}` is not a valid Rust method name",
                    name.value
                ),
                name.span.clone(),
                "not a Rust identifier",
            )
            .with_help("use a snake_case name such as `users` or `author`"),
        );
        false
    }

    /// The mode a `lazy = "..."` names (`select` when absent); an unknown one is
    /// reported, with SQLAlchemy's spellings of the same modes as suggestions.
    pub(super) fn lazy_mode(&mut self, lazy: Option<&Sp<String>>) -> Lazy {
        match lazy {
            None => Lazy::Select,
            Some(lazy) => match Lazy::ALL.iter().find(|(name, _)| *name == lazy.value) {
                Some((_, mode)) => *mode,
                None => {
                    let mut d = Diagnostic::error(
                        format!("invalid lazy mode `{}`", lazy.value),
                        lazy.span.clone(),
                        "unknown loading strategy",
                    );
                    let sqlalchemy_alias = match lazy.value.as_str() {
                        "True" | "true" => Some("select"),
                        "False" | "false" => Some("joined"),
                        "subquery" => Some("selectin"),
                        "immediate" => Some("selectin"),
                        _ => None,
                    };
                    d = match sqlalchemy_alias
                        .or_else(|| did_you_mean(&lazy.value, Lazy::ALL.iter().map(|(n, _)| *n)))
                    {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    };
                    self.error(d.with_note(format!(
                        "the modes are {}",
                        Lazy::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    )));
                    Lazy::Select
                }
            },
        }
    }

    fn relationship(&mut self, m: usize, spec: &'s RelationshipSpec) -> Option<Relationship> {
        let model_name = self.models[m].name.clone();
        let lazy = self.lazy_mode(spec.lazy.as_ref());
        let cascade = self.cascade(&spec.cascade);
        let target_spec = spec.model.as_ref()?;
        let Some(&target) = self.model_index.get(target_spec.value.as_str()) else {
            let mut d = Diagnostic::error(
                format!(
                    "relationship `{model_name}.{}` refers to an unknown model `{}`",
                    spec.name.value, target_spec.value
                ),
                target_spec.span.clone(),
                "no such model",
            );
            let names: Vec<&str> = if self.diags.is_past_rendering() {
                Vec::new()
            } else {
                self.spec
                    .models
                    .iter()
                    .map(|m| m.name.value.as_str())
                    .collect()
            };
            if let Some(s) = did_you_mean(&target_spec.value, names.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else if let Some(&by_table) = self.table_index.get(&target_spec.value.to_lowercase())
            {
                d = d.with_help(format!(
                    "`{}` is a table; name its model: `model = \"{}\"`",
                    target_spec.value, self.models[by_table].name
                ));
            }
            self.error(d);
            return None;
        };
        if spec.backref.is_some() && spec.back_populates.is_some() {
            let span = spec
                .back_populates
                .as_ref()
                .map_or(0..0, |b| b.span.clone());
            self.error(
                Diagnostic::error("`backref` and `back_populates` cannot be used together", span, "choose one")
                    .with_help("`backref` creates the other side; `back_populates` names one you declared yourself"),
            );
        }
        let (direction, foreign_key, secondary) = self.link(m, target, spec)?;
        let uselist = match (&spec.uselist, direction) {
            (Some(u), _) => u.value,
            (None, Direction::ManyToOne) => false,
            (None, _) => true,
        };
        if let Some(u) = &spec.uselist {
            if u.value && direction == Direction::ManyToOne {
                self.error(
                    Diagnostic::error(
                        format!("`{model_name}.{}` is many-to-one and cannot be a list", spec.name.value),
                        u.span.clone(),
                        "`uselist = true` on a many-to-one",
                    )
                    .with_help("the foreign key is on this side, so there is at most one related object; remove `uselist`"),
                );
            }
        }
        if matches!(lazy, Lazy::Dynamic | Lazy::WriteOnly) && !uselist {
            let span = spec
                .lazy
                .as_ref()
                .map_or(spec.name.span.clone(), |l| l.span.clone());
            self.error(
                Diagnostic::error(
                    format!("`lazy = \"{}\"` needs a collection, but `{model_name}.{}` holds one object", lazy.as_str(), spec.name.value),
                    span,
                    "not a collection",
                )
                .with_help("use `lazy = \"select\"` (or `joined`/`selectin`) for a single related object"),
            );
        }
        if cascade.delete_orphan && direction != Direction::OneToMany {
            let span = spec.cascade.as_ref().map_or(spec.name.span.clone(), |c| {
                comma_separated(c)
                    .find(|(part, _)| *part == "delete-orphan")
                    .map_or(c.span.clone(), |(_, span)| span)
            });
            self.error(
                Diagnostic::error(
                    format!(
                        "`delete-orphan` cascade on `{model_name}.{}`, which is not one-to-many",
                        spec.name.value
                    ),
                    span,
                    "delete-orphan here",
                )
                .with_help("put `delete-orphan` on the one-to-many side (the parent's collection)"),
            );
        }
        if let Some(passive) = &spec.passive_deletes {
            if passive.value && direction != Direction::OneToMany {
                self.error(
                    Diagnostic::error(
                        "`passive_deletes` only applies to a one-to-many relationship",
                        passive.span.clone(),
                        "not one-to-many",
                    )
                    .with_help("set it on the parent's collection"),
                );
            }
        }
        let post_update = self.post_update(m, spec, direction, foreign_key);
        let mut order_by = Vec::new();
        for item in &spec.order_by {
            let text = item.value.trim();
            let (column, descending) = if let Some(rest) = text.strip_prefix('-') {
                (rest.trim(), true)
            } else if let Some(rest) = text
                .strip_suffix(" desc")
                .or_else(|| text.strip_suffix(" DESC"))
            {
                (rest.trim(), true)
            } else if let Some(rest) = text
                .strip_suffix(" asc")
                .or_else(|| text.strip_suffix(" ASC"))
            {
                (rest.trim(), false)
            } else {
                (text, false)
            };
            match self.find_column(target, column) {
                Some(c) => order_by.push((c, descending)),
                None => {
                    let d = self.unknown_column(
                        target,
                        &Sp {
                            value: column.to_owned(),
                            span: item.span.clone(),
                        },
                        "`order_by` names",
                    );
                    self.error(d.with_note("`order_by` names columns of the related model; prefix with `-` for descending"));
                }
            }
        }
        Some(Relationship {
            name: spec.name.value.clone(),
            target,
            direction,
            foreign_key,
            secondary,
            uselist,
            lazy,
            order_by,
            cascade,
            passive_deletes: spec.passive_deletes.as_ref().is_some_and(|p| p.value),
            post_update,
            back: spec
                .backref
                .as_ref()
                .or(spec.back_populates.as_ref())
                .map(|b| b.value.clone()),
            from_backref: false,
            doc: spec.doc.as_ref().map(|d| d.value.clone()),
            attributes: Vec::new(),
            serialize: false,
        })
    }

    /// Whether `post_update = true` is asked for and fits: a many-to-one or
    /// one-to-many whose foreign key columns can hold NULL (the row is
    /// inserted with the key NULL, then updated).
    fn post_update(
        &mut self,
        m: usize,
        spec: &RelationshipSpec,
        direction: Direction,
        foreign_key: Option<(usize, usize)>,
    ) -> bool {
        let Some(flag) = spec.post_update.as_ref().filter(|p| p.value) else {
            return false;
        };
        let model_name = self.models[m].name.clone();
        let Some((owner, key)) = foreign_key.filter(|_| direction != Direction::ManyToMany) else {
            self.error(
                Diagnostic::error(
                    format!(
                        "`post_update` on `{model_name}.{}`, which is many-to-many",
                        spec.name.value
                    ),
                    flag.span.clone(),
                    "not a foreign key of either side",
                )
                .with_help(
                    "an association row is written once both sides have ids: remove `post_update`",
                ),
            );
            return false;
        };
        let owner_model = &self.models[owner];
        let not_null: Vec<usize> = owner_model.foreign_keys[key]
            .columns
            .iter()
            .copied()
            .filter(|&c| !owner_model.columns[c].nullable)
            .collect();
        let Some(&first) = not_null.first() else {
            return true;
        };
        let column = &owner_model.columns[first];
        let why = if column.primary_key {
            "is part of the primary key"
        } else {
            "is `nullable = false`"
        };
        let mut d = Diagnostic::error(
            format!(
                "`post_update` on `{model_name}.{}` needs a foreign key that can be NULL, but `{}.{}` {why}",
                spec.name.value, owner_model.table, column.name
            ),
            flag.span.clone(),
            "post_update here",
        );
        if let Some(spec_column) = self.spec.models[owner]
            .columns
            .iter()
            .find(|c| c.name.value == column.name)
        {
            d = d.with_secondary(spec_column.name.span.clone(), "the foreign key column");
        }
        let help = if column.primary_key {
            "the row is inserted with the key NULL and updated afterwards: follow a foreign key outside the primary key, or remove `post_update`".to_owned()
        } else {
            format!(
                "the row is inserted with the key NULL and updated afterwards: make `{}` nullable, or remove `post_update`",
                column.name
            )
        };
        self.error(d.with_help(help));
        false
    }

    /// Gives `post_update` to both sides of a pair when one asks for it: the
    /// session links a row through its many-to-one side, so a one-to-many's
    /// `post_update` needs one on the children's model.
    pub(super) fn post_update_pairs(&mut self, declared: &[Declared]) {
        for d in declared {
            let rel = &self.models[d.model].relationships[d.position];
            if !rel.post_update {
                continue;
            }
            let (name, target, direction, foreign_key) =
                (rel.name.clone(), rel.target, rel.direction, rel.foreign_key);
            let model_name = self.models[d.model].name.clone();
            let target_model = &mut self.models[target];
            let paired = target_model.relationships.iter_mut().find(|other| {
                other.target == d.model
                    && other.foreign_key == foreign_key
                    && other.direction != direction
            });
            match paired {
                Some(other) => other.post_update = true,
                None if direction == Direction::OneToMany => {
                    let target_name = target_model.name.clone();
                    let span = self.spec.models[d.model]
                        .relationships
                        .iter()
                        .find(|r| r.name.value == name)
                        .and_then(|r| r.post_update.as_ref())
                        .map_or(0..0, |p| p.span.clone());
                    self.error(
                        Diagnostic::error(
                            format!(
                                "`post_update` on the one-to-many `{model_name}.{name}` needs the many-to-one side on `{target_name}`"
                            ),
                            span,
                            "no many-to-one to update through",
                        )
                        .with_help(format!(
                            "add `backref = \"...\"` to `{model_name}.{name}` (or declare the other side with `back_populates`), or set `post_update` on the many-to-one instead"
                        )),
                    );
                }
                None => {}
            }
        }
    }

    /// Finds the foreign key path of a relationship from `m` to `target`.
    #[allow(clippy::type_complexity)] // a private helper's tuple of three results
    fn link(
        &mut self,
        m: usize,
        target: usize,
        spec: &RelationshipSpec,
    ) -> Option<(Direction, Option<(usize, usize)>, Option<Secondary>)> {
        let model_name = self.models[m].name.clone();
        let target_name = self.models[target].name.clone();
        let wanted = |fk: &ForeignKey, owner: &Model| -> bool {
            spec.foreign_keys.is_empty()
                || spec.foreign_keys.iter().any(|name| {
                    let column = name.value.rsplit('.').next().unwrap_or(&name.value);
                    fk.columns.iter().any(|&c| {
                        owner.columns[c].name == column || owner.columns[c].field == column
                    })
                })
        };
        if let Some(secondary) = &spec.secondary {
            let by_table = self
                .table_index
                .get(&secondary.value.to_lowercase())
                .copied();
            let Some(assoc) =
                by_table.or_else(|| self.model_index.get(secondary.value.as_str()).copied())
            else {
                let mut d = Diagnostic::error(
                    format!("`secondary` names an unknown table `{}`", secondary.value),
                    secondary.span.clone(),
                    "no such table",
                );
                // Only tables that could link two models are worth suggesting.
                let tables: Vec<String> = self
                    .models
                    .iter()
                    .filter(|m| m.foreign_keys.len() >= 2)
                    .map(|m| m.table.clone())
                    .collect();
                if let Some(s) = did_you_mean(&secondary.value, tables.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_help(
                        "declare the association table as a model with a foreign key to each side",
                    );
                }
                self.error(d);
                return None;
            };
            let assoc_model = &self.models[assoc];
            let to_local: Vec<usize> = (0..assoc_model.foreign_keys.len())
                .filter(|&k| {
                    assoc_model.foreign_keys[k].target == m
                        && wanted(&assoc_model.foreign_keys[k], assoc_model)
                })
                .collect();
            let to_remote: Vec<usize> = (0..assoc_model.foreign_keys.len())
                .filter(|&k| {
                    assoc_model.foreign_keys[k].target == target
                        && (m != target || !to_local.contains(&k))
                })
                .collect();
            if to_local.len() != 1 || to_remote.len() != 1 {
                if self.broken_fk[assoc] {
                    return None;
                }
                let problem = if to_local.is_empty() || to_remote.is_empty() {
                    "has no foreign key"
                } else {
                    "has several foreign keys"
                };
                let side = if to_local.len() != 1 {
                    &model_name
                } else {
                    &target_name
                };
                self.error(
                    Diagnostic::error(
                        format!("association table `{}` {problem} to `{side}` for relationship `{model_name}.{}`", assoc_model.table, spec.name.value),
                        secondary.span.clone(),
                        "cannot link through this table",
                    )
                    .with_help(format!(
                        "give `{}` exactly one foreign key to each side, or name the one pointing at `{model_name}` with `foreign_keys = [\"column\"]`",
                        assoc_model.table
                    )),
                );
                return None;
            }
            return Some((
                Direction::ManyToMany,
                None,
                Some(Secondary {
                    model: assoc,
                    local_key: to_local[0],
                    remote_key: to_remote[0],
                }),
            ));
        }
        // One-to-many candidates: keys on the target pointing here; many-to-one: keys here
        // pointing at the target. A self-referential key counts once, as one-to-many.
        let mut candidates: Vec<(Direction, usize, usize)> = Vec::new();
        for (k, fk) in self.models[target].foreign_keys.iter().enumerate() {
            if fk.target == m && wanted(fk, &self.models[target]) {
                candidates.push((Direction::OneToMany, target, k));
            }
        }
        if m != target {
            for (k, fk) in self.models[m].foreign_keys.iter().enumerate() {
                if fk.target == target && wanted(fk, &self.models[m]) {
                    candidates.push((Direction::ManyToOne, m, k));
                }
            }
        }
        match candidates.as_slice() {
            [(direction, owner, key)] => Some((*direction, Some((*owner, *key)), None)),
            [] if self.broken_fk[m] || self.broken_fk[target] => None,
            [] => {
                let span = spec
                    .model
                    .as_ref()
                    .map_or(spec.name.span.clone(), |s| s.span.clone());
                let mut d = Diagnostic::error(
                    format!("no foreign key links `{model_name}` and `{target_name}` for relationship `{model_name}.{}`", spec.name.value),
                    span,
                    "no foreign key path",
                );
                if spec.foreign_keys.is_empty() {
                    d = d.with_help(format!(
                        "add a column with `foreign_key = \"{}.{}\"` to `{target_name}`, or `secondary = \"table\"` for many-to-many",
                        self.models[m].table,
                        self.models[m].primary_key.first().map_or("id", |&c| self.models[m].columns[c].name.as_str())
                    ));
                } else {
                    d = d.with_help(
                        "`foreign_keys` must name a foreign key column between the two models",
                    );
                }
                self.error(d);
                None
            }
            several => {
                let span = spec
                    .model
                    .as_ref()
                    .map_or(spec.name.span.clone(), |s| s.span.clone());
                let mut d = Diagnostic::error(
                    format!("ambiguous relationship `{model_name}.{}`: {} foreign keys link `{model_name}` and `{target_name}`", spec.name.value, several.len()),
                    span,
                    "which foreign key?",
                );
                let mut columns = Vec::new();
                for (_, owner, key) in several {
                    let fk = &self.models[*owner].foreign_keys[*key];
                    let names: Vec<&str> = fk
                        .columns
                        .iter()
                        .map(|&c| self.models[*owner].columns[c].name.as_str())
                        .collect();
                    columns.push(format!("\"{}\"", names.join(", ")));
                    d = d.with_secondary(
                        self.fk_spans[*owner][*key].clone(),
                        format!("`{}.{}`", self.models[*owner].table, names.join(", ")),
                    );
                }
                self.error(d.with_help(format!(
                    "say which one with `foreign_keys = [{}]`",
                    columns.first().cloned().unwrap_or_default()
                )));
                None
            }
        }
    }

    fn cascade(&mut self, value: &Option<Sp<String>>) -> Cascade {
        let Some(value) = value else {
            return Cascade::DEFAULT;
        };
        let mut cascade = Cascade::default();
        for (part, span) in comma_separated(value) {
            match part {
                "all" => {
                    cascade.save_update = true;
                    cascade.merge = true;
                    cascade.refresh_expire = true;
                    cascade.expunge = true;
                    cascade.delete = true;
                }
                "save-update" => cascade.save_update = true,
                "merge" => cascade.merge = true,
                "expunge" => cascade.expunge = true,
                "delete" => cascade.delete = true,
                "delete-orphan" => cascade.delete_orphan = true,
                "refresh-expire" => cascade.refresh_expire = true,
                other => {
                    let mut d = Diagnostic::error(
                        format!("invalid cascade option `{other}`"),
                        span,
                        "unknown cascade option",
                    );
                    let normalized = other.replace('_', "-");
                    d = match did_you_mean(&normalized, CASCADE_OPTIONS.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    };
                    self.error(d.with_note(format!(
                        "the options are {}, separated by commas",
                        CASCADE_OPTIONS.join(", ")
                    )));
                }
            }
        }
        cascade
    }
}
