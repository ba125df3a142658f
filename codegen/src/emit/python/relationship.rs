//! The relationships of a class: `db.relationship(...)` with its backref and
//! the options SQLAlchemy cannot infer from the foreign keys.

use std::collections::BTreeSet;

use super::{attribute, column_path, py_str};
use crate::model::{Cascade, Direction, Lazy, Relationship, Schema};

pub(super) fn relationship_call(
    schema: &Schema,
    owner: usize,
    relationship: &Relationship,
) -> String {
    let target = &schema.models[relationship.target];
    let mut args = vec![py_str(&super::class_name(target))];
    if let Some(secondary) = &relationship.secondary {
        let association = &schema.models[secondary.model];
        args.push(format!("secondary={}", py_str(&association.table)));
    }
    args.extend(join_args(schema, owner, relationship));
    if let Some(back) = &relationship.back {
        let other = target.relationships.iter().find(|r| r.name == *back);
        match other {
            Some(other) if other.from_backref => {
                let options = backref_options(schema, relationship.target, other);
                if options.is_empty() {
                    args.push(format!("backref={}", py_str(back)));
                } else {
                    args.push(format!(
                        "backref=db.backref({}, {})",
                        py_str(back),
                        options.join(", ")
                    ));
                }
            }
            _ => args.push(format!("back_populates={}", py_str(back))),
        }
    }
    args.extend(loading_args(schema, owner, relationship));
    if let Some(doc) = &relationship.doc {
        args.push(format!("doc={}", py_str(doc)));
    }
    format!("db.relationship({})", args.join(", "))
}

/// The options of a backref-created relationship that SQLAlchemy would not
/// give it by itself.
fn backref_options(schema: &Schema, owner: usize, relationship: &Relationship) -> Vec<String> {
    let mut options = Vec::new();
    if let Some(remote) = remote_side(schema, owner, relationship) {
        options.push(remote);
    }
    options.extend(loading_args(schema, owner, relationship));
    options
}

/// `secondary` joins, `foreign_keys` and `remote_side`: how the relationship
/// finds its rows, where SQLAlchemy cannot tell from the foreign keys alone.
fn join_args(schema: &Schema, owner: usize, relationship: &Relationship) -> Vec<String> {
    let mut args = Vec::new();
    if let Some(secondary) = &relationship.secondary {
        let association = &schema.models[secondary.model];
        let local = &association.foreign_keys[secondary.local_key];
        let remote = &association.foreign_keys[secondary.remote_key];
        let keys_to = |model: usize| {
            association
                .foreign_keys
                .iter()
                .filter(|k| k.target == model)
                .count()
        };
        if keys_to(local.target) > 1 || keys_to(remote.target) > 1 {
            args.push(format!(
                "primaryjoin={}",
                py_str(&join_condition(schema, secondary.model, local))
            ));
            args.push(format!(
                "secondaryjoin={}",
                py_str(&join_condition(schema, secondary.model, remote))
            ));
        }
        return args;
    }
    if let Some((holder, key)) = relationship.foreign_key {
        let holder_model = &schema.models[holder];
        let fk = &holder_model.foreign_keys[key];
        // SQLAlchemy needs `foreign_keys` when more than one key links the
        // two tables, either way round (`users.favorite_post_id` and
        // `posts.author_id`).
        let back = if fk.target == holder {
            0
        } else {
            schema.models[fk.target]
                .foreign_keys
                .iter()
                .filter(|k| k.target == holder)
                .count()
        };
        let ambiguous = holder_model
            .foreign_keys
            .iter()
            .filter(|k| k.target == fk.target)
            .count()
            + back
            > 1;
        if ambiguous {
            let columns: Vec<String> = fk
                .columns
                .iter()
                .map(|&c| column_path(holder_model, c))
                .collect();
            args.push(format!(
                "foreign_keys={}",
                py_str(&format!("[{}]", columns.join(", ")))
            ));
        }
    }
    if let Some(remote) = remote_side(schema, owner, relationship) {
        args.push(remote);
    }
    args
}

/// `Target.id == Association.target_id`, for `primaryjoin`/`secondaryjoin`.
fn join_condition(schema: &Schema, holder: usize, key: &crate::model::ForeignKey) -> String {
    let holder_model = &schema.models[holder];
    let target = &schema.models[key.target];
    let parts: Vec<String> = key
        .columns
        .iter()
        .zip(&key.target_columns)
        .map(|(&local, &remote)| {
            format!(
                "{} == {}",
                column_path(target, remote),
                column_path(holder_model, local)
            )
        })
        .collect();
    if parts.len() == 1 {
        parts.concat()
    } else {
        format!("and_({})", parts.join(", "))
    }
}

/// `remote_side` of a self-referential many-to-one: the referenced key columns.
fn remote_side(schema: &Schema, owner: usize, relationship: &Relationship) -> Option<String> {
    if relationship.direction != Direction::ManyToOne || relationship.target != owner {
        return None;
    }
    let (holder, key) = relationship.foreign_key?;
    let fk = &schema.models[holder].foreign_keys[key];
    let target = &schema.models[fk.target];
    let columns: Vec<String> = fk
        .target_columns
        .iter()
        .map(|&c| column_path(target, c))
        .collect();
    Some(format!(
        "remote_side={}",
        py_str(&format!("[{}]", columns.join(", ")))
    ))
}

/// `uselist`, `lazy`, `cascade`, `passive_deletes`, `post_update`, `order_by`,
/// `overlaps`.
fn loading_args(schema: &Schema, owner: usize, relationship: &Relationship) -> Vec<String> {
    let mut args = Vec::new();
    let natural_list = relationship.direction != Direction::ManyToOne;
    if relationship.uselist != natural_list {
        args.push(format!(
            "uselist={}",
            if relationship.uselist {
                "True"
            } else {
                "False"
            }
        ));
    }
    if relationship.lazy != Lazy::Select {
        args.push(format!("lazy={}", py_str(relationship.lazy.as_str())));
    }
    if relationship.cascade != Cascade::DEFAULT {
        args.push(format!(
            "cascade={}",
            py_str(&cascade(relationship.cascade))
        ));
    }
    if relationship.passive_deletes {
        args.push("passive_deletes=True".into());
    }
    // Declared on one side is enough for SQLAlchemy; the backref it creates
    // carries it in the model only for the Rust session.
    if relationship.post_update && !relationship.from_backref {
        args.push("post_update=True".into());
    }
    if !relationship.order_by.is_empty() {
        let target = &schema.models[relationship.target];
        let terms: Vec<String> = relationship
            .order_by
            .iter()
            .map(|&(c, descending)| {
                let path = column_path(target, c);
                if descending {
                    format!("{path}.desc()")
                } else {
                    path
                }
            })
            .collect();
        let text = if terms.len() == 1 {
            terms.concat()
        } else {
            format!("[{}]", terms.join(", "))
        };
        args.push(format!("order_by={}", py_str(&text)));
    }
    let overlaps = overlapping(schema, owner, relationship);
    if !overlaps.is_empty() {
        let names: Vec<&str> = overlaps.iter().map(String::as_str).collect();
        args.push(format!("overlaps={}", py_str(&names.join(", "))));
    }
    args
}

fn cascade(cascade: Cascade) -> String {
    let everything = cascade.save_update
        && cascade.merge
        && cascade.expunge
        && cascade.delete
        && cascade.refresh_expire;
    let mut parts = Vec::new();
    if everything {
        parts.push("all");
    } else {
        for (on, name) in [
            (cascade.save_update, "save-update"),
            (cascade.merge, "merge"),
            (cascade.expunge, "expunge"),
            (cascade.delete, "delete"),
            (cascade.refresh_expire, "refresh-expire"),
        ] {
            if on {
                parts.push(name);
            }
        }
    }
    if cascade.delete_orphan {
        parts.push("delete-orphan");
    }
    if parts.is_empty() {
        "none".into()
    } else {
        parts.join(", ")
    }
}

/// The foreign keys a relationship writes: `(model, key index)`.
fn links(relationship: &Relationship) -> Vec<(usize, usize)> {
    match (&relationship.secondary, relationship.foreign_key) {
        (Some(secondary), _) => vec![
            (secondary.model, secondary.local_key),
            (secondary.model, secondary.remote_key),
        ],
        (None, Some(link)) => vec![link],
        (None, None) => Vec::new(),
    }
}

/// The other relationships that write a foreign key this one writes and are not
/// its other side: SQLAlchemy warns about each pair unless `overlaps` names it.
fn overlapping(schema: &Schema, owner: usize, relationship: &Relationship) -> BTreeSet<String> {
    let mine = links(relationship);
    let mut out = BTreeSet::new();
    for (index, model) in schema.models.iter().enumerate() {
        for other in &model.relationships {
            let same = index == owner && other.name == relationship.name;
            let pair = (index == relationship.target
                && relationship.back.as_deref() == Some(other.name.as_str()))
                || (other.target == owner && other.back.as_deref() == Some(&relationship.name));
            if same || pair {
                continue;
            }
            if links(other).iter().any(|link| mine.contains(link)) {
                out.insert(attribute(&other.name));
            }
        }
    }
    out
}
