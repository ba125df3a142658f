//! Backrefs and `back_populates`: the other side of a relationship.

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::model::*;
use crate::spec::Sp;

use super::{Declared, Validator};

impl<'s> Validator<'s, '_> {
    /// Adds the other side of every `backref` and checks every `back_populates` pair.
    pub(super) fn backrefs(&mut self, declared: &[Declared]) {
        for d in declared {
            let spec = &self.spec.models[d.model];
            let rel = self.models[d.model].relationships[d.position].clone();
            let Some(rel_spec) = spec.relationships.iter().find(|r| r.name.value == rel.name)
            else {
                continue;
            };
            if let Some(backref) = &rel_spec.backref {
                self.add_backref(d.model, &rel, backref);
            } else if let Some(back) = &rel_spec.back_populates {
                self.check_back_populates(d.model, &rel, back);
            }
        }
    }

    fn add_backref(&mut self, m: usize, rel: &Relationship, backref: &Sp<String>) {
        let target = rel.target;
        if !self.check_accessor_name(backref) {
            return;
        }
        let target_model = &self.models[target];
        let collides_column = target_model
            .columns
            .iter()
            .find(|c| c.name == backref.value || c.field == backref.value);
        let collides_rel = target_model
            .relationships
            .iter()
            .find(|r| r.name == backref.value);
        if collides_column.is_some() || collides_rel.is_some() {
            let what = if collides_column.is_some() {
                "column"
            } else {
                "relationship"
            };
            let mut d = Diagnostic::error(
                format!(
                    "backref `{}` collides with the {what} `{}.{}`",
                    backref.value, target_model.name, backref.value
                ),
                backref.span.clone(),
                format!(
                    "`{}` already has a {what} `{}`",
                    target_model.name, backref.value
                ),
            );
            if let Some(column) = collides_column {
                if let Some(spec_col) = self.spec.models[target]
                    .columns
                    .iter()
                    .find(|c| c.name.value == column.name)
                {
                    d = d.with_secondary(spec_col.name.span.clone(), "column defined here");
                }
            } else if let Some(spec_rel) = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == backref.value)
            {
                d = d.with_secondary(spec_rel.name.span.clone(), "relationship defined here");
            }
            self.error(d.with_help("choose another `backref` name"));
            return;
        }
        let (direction, uselist) = match rel.direction {
            Direction::OneToMany => (Direction::ManyToOne, false),
            Direction::ManyToOne => (Direction::OneToMany, true),
            Direction::ManyToMany => (Direction::ManyToMany, true),
        };
        let secondary = rel.secondary.as_ref().map(|s| Secondary {
            model: s.model,
            local_key: s.remote_key,
            remote_key: s.local_key,
        });
        self.models[target].relationships.push(Relationship {
            name: backref.value.clone(),
            target: m,
            direction,
            foreign_key: rel.foreign_key,
            secondary,
            uselist,
            lazy: Lazy::Select,
            order_by: Vec::new(),
            cascade: Cascade::DEFAULT,
            passive_deletes: false,
            back: Some(rel.name.clone()),
            from_backref: true,
            doc: None,
            attributes: Vec::new(),
            serialize: false,
        });
    }

    fn check_back_populates(&mut self, m: usize, rel: &Relationship, back: &Sp<String>) {
        let target = rel.target;
        let model_name = self.models[m].name.clone();
        let target_model = &self.models[target];
        let Some(other) = target_model
            .relationships
            .iter()
            .find(|r| r.name == back.value && !r.from_backref)
        else {
            let mut d = Diagnostic::error(
                format!(
                    "`back_populates` names `{}.{}`, which is not a relationship",
                    target_model.name, back.value
                ),
                back.span.clone(),
                "no such relationship",
            );
            let names: Vec<&str> = target_model
                .relationships
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            // The other side may already name this one: then that is the one meant.
            let naming_us = target_model.relationships.iter().find(|r| {
                r.target == m && !r.from_backref && r.back.as_deref() == Some(rel.name.as_str())
            });
            d = match naming_us.map(|r| r.name.as_str()).or_else(|| did_you_mean(&back.value, names.iter().copied())) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "declare `{}` on `{}` with `back_populates = \"{}\"`, or use `backref` to create it",
                    back.value, target_model.name, rel.name
                )),
            };
            self.error(d);
            return;
        };
        if other.target != m {
            let other_target = self.models[other.target].name.clone();
            let mut d = Diagnostic::error(
                format!(
                    "`back_populates` names `{}.{}`, which relates to `{other_target}`, not `{model_name}`",
                    target_model.name, back.value
                ),
                back.span.clone(),
                format!("not a relationship to `{model_name}`"),
            );
            if let Some(span) = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == back.value)
                .map(|r| r.name.span.clone())
            {
                d = d.with_secondary(span, format!("relates to `{other_target}`"));
            }
            let pointing_back: Vec<&str> = target_model
                .relationships
                .iter()
                .filter(|r| r.target == m && !r.from_backref)
                .map(|r| r.name.as_str())
                .collect();
            d = match pointing_back.as_slice() {
                [one] => d.with_help(format!("did you mean `back_populates = \"{one}\"`?")),
                _ => d.with_help(format!(
                    "name the relationship of `{}` that points back at `{model_name}`",
                    target_model.name
                )),
            };
            self.error(d);
            return;
        }
        let other_names_nothing = other.back.as_ref().is_some_and(|name| {
            !self.models[m]
                .relationships
                .iter()
                .any(|r| &r.name == name && !r.from_backref)
        });
        if other_names_nothing {
            // The other side's `back_populates` is wrong and reported from there.
            return;
        }
        let consistent = other.back.as_deref() == Some(rel.name.as_str());
        if !consistent {
            let other_span = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == back.value)
                .map(|r| r.name.span.clone());
            let mut d = Diagnostic::error(
                format!(
                    "`{model_name}.{}` and `{}.{}` do not name each other",
                    rel.name, target_model.name, back.value
                ),
                back.span.clone(),
                "one side of the pair",
            );
            if let Some(span) = other_span {
                d = d.with_secondary(span, "the other side");
            }
            self.error(d.with_help(format!(
                "set `back_populates = \"{}\"` on `{}.{}` (and `model = \"{model_name}\"`)",
                rel.name, target_model.name, back.value
            )));
            return;
        }
        if other.foreign_key != rel.foreign_key
            || other.secondary.as_ref().map(|s| s.model) != rel.secondary.as_ref().map(|s| s.model)
        {
            self.error(
                Diagnostic::error(
                    format!(
                        "`{model_name}.{}` and `{}.{}` use different foreign keys",
                        rel.name, target_model.name, back.value
                    ),
                    back.span.clone(),
                    "mismatched pair",
                )
                .with_help("give both sides the same `foreign_keys`"),
            );
        }
    }
}
