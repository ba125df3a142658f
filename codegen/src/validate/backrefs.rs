//! Backrefs and `back_populates`: the other side of a relationship.

use crate::diagnostics::{did_you_mean, Diagnostic};
use crate::model::*;
use crate::spec::{BackrefOptions, Sp};

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
                self.add_backref(d.model, &rel, backref, &rel_spec.backref_options);
            } else if let Some(back) = &rel_spec.back_populates {
                self.check_back_populates(d.model, &rel, back);
            }
        }
    }

    fn add_backref(
        &mut self,
        m: usize,
        rel: &Relationship,
        backref: &Sp<String>,
        options: &BackrefOptions,
    ) {
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
        let Some((lazy, uselist)) =
            self.backref_options(m, rel, backref, options, direction, uselist)
        else {
            return;
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
            lazy,
            order_by: Vec::new(),
            cascade: Cascade::DEFAULT,
            passive_deletes: false,
            // The many-to-one side is the one the session links.
            post_update: rel.post_update,
            back: Some(rel.name.clone()),
            from_backref: true,
            doc: options.doc.as_ref().map(|doc| doc.value.clone()),
            attributes: Vec::new(),
            serialize: false,
        });
    }

    /// The `lazy` and `uselist` of a backref created as `direction` (a list when
    /// `uselist`), from its `backref = { ... }` options; `None` after an error.
    fn backref_options(
        &mut self,
        m: usize,
        rel: &Relationship,
        backref: &Sp<String>,
        options: &BackrefOptions,
        direction: Direction,
        uselist: bool,
    ) -> Option<(Lazy, bool)> {
        let lazy = self.lazy_mode(options.lazy.as_ref());
        let target_name = self.models[rel.target].name.clone();
        let model_name = self.models[m].name.clone();
        let mut uselist_ok = uselist;
        if let Some(u) = &options.uselist {
            match direction {
                Direction::OneToMany => uselist_ok = u.value,
                _ if u.value != uselist => {
                    let what = if direction == Direction::ManyToOne {
                        "many-to-one and holds one object"
                    } else {
                        "many-to-many and holds a list"
                    };
                    self.error(
                        Diagnostic::error(
                            format!(
                                "backref `{target_name}.{}` is {what}; `uselist = {}` does not apply",
                                backref.value, u.value
                            ),
                            u.span.clone(),
                            "`uselist` of this backref",
                        )
                        .with_help(format!(
                            "remove `uselist`; only the collection side of `{model_name}.{}` can be one object",
                            rel.name
                        )),
                    );
                    return None;
                }
                _ => {}
            }
        }
        if lazy.is_query() && !uselist_ok {
            let span = options
                .lazy
                .as_ref()
                .map_or(backref.span.clone(), |l| l.span.clone());
            self.error(
                Diagnostic::error(
                    format!(
                        "`lazy = \"{}\"` needs a collection, but backref `{target_name}.{}` holds one object",
                        lazy.as_str(),
                        backref.value
                    ),
                    span,
                    "not a collection",
                )
                .with_help("use `lazy = \"select\"` (or `joined`/`selectin`) for a single related object"),
            );
            return None;
        }
        Some((lazy, uselist_ok))
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
