//! Relationships: the handles the generator emits for each relationship of the spec
//! ([`ManyToOne`], [`OneToMany`], [`ManyToMany`]) and the holders of loaded related
//! objects ([`Parent`], [`Children`]).
//!
//! A spec relationship `users = relationship('User', backref='role')` gives the
//! child a [`Parent`] field (`user.role`) and a [`ManyToOne`] constant
//! (`User::ROLE`); the parent gets a [`OneToMany`] constant (`Role::USERS`) and
//! either a query accessor (`lazy = "dynamic"`/`"write_only"`) or a [`Children`]
//! field loaded on first access or eagerly by the query.

use std::cell::{Cell, OnceCell};
use std::fmt;
use std::marker::PhantomData;

use rusqlite::types::Value;

use crate::database::Executor;
use crate::error::{Error, Result};
use crate::expr::{Column, CompareOp, Expr, Node, Order};
use crate::model::Model;
use crate::query::{FilterBy, Query};
use crate::session::Key;

mod descriptors;
mod holders;
mod many_to_many;

pub use descriptors::{ManyToOne, OneToMany};

pub(crate) use holders::ParentState;
pub use holders::{Adopt, Cascade, ChildOps, Children, Link, Parent};
pub use many_to_many::ManyToMany;

pub use litemodel_core::Lazy;

/// The population marker of a relationship that fills a collection on the model
/// (every `lazy` but `dynamic` and `write_only`): loading options apply.
#[derive(Debug, Clone, Copy)]
pub enum Populated {}

/// The population marker of a `lazy = "dynamic"` or `"write_only"` relationship:
/// its accessor is a query and nothing is loaded into the model, so the constant
/// has no loading options (SQLAlchemy: "does not support object population -
/// eager loading cannot be applied").
#[derive(Debug, Clone, Copy)]
pub enum QueryOnly {}

/// Implemented by [`Populated`] only: a relationship constant takes loading
/// options (`selectin()`, `joined()`, ...) when its marker implements it.
#[diagnostic::on_unimplemented(
    message = "a `lazy = \"dynamic\"` or `\"write_only\"` relationship does not support object population - eager loading cannot be applied",
    label = "this relationship is a query, not a loaded collection",
    note = "query it through its accessor (`user.followed().all(&db)`) or declare another `lazy` in the spec"
)]
pub trait LoadOptions {}

impl LoadOptions for Populated {}

/// What a query said about a relationship it did not load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Mark {
    /// Follow the relationship's own `lazy`.
    #[default]
    Default,
    /// `raiseload`: reading it is an error.
    Raise,
    /// `noload`: it reads as empty.
    Noload,
}

fn order_of<C>(order: &'static [(&'static str, bool)]) -> impl Iterator<Item = Order<C>> {
    order.iter().map(|&(column, descending)| {
        let column: Column<C, ()> = Column::new(column);
        if descending {
            column.desc()
        } else {
            column.asc()
        }
    })
}

fn key_is<M>(column: &'static str, key: i64) -> Expr<M> {
    Expr::new(Node::Compare {
        column,
        op: CompareOp::Eq,
        value: Value::Integer(key),
    })
}

/// The collection `slot` of `owner`: already loaded, or per the query's mark or the
/// declared `lazy`, an error (`raise`), empty (`noload`, an unsaved owner) or loaded
/// with `query` and cached.
fn load_collection<'a, O: Model, T: Model, E: Executor>(
    slot: Option<fn(&O) -> &Children<T>>,
    lazy: Lazy,
    (owner_model, name): (&'static str, &'static str),
    owner: &'a O,
    conn: &E,
    query: impl FnOnce() -> Query<T>,
) -> Result<&'a [T]> {
    let Some(slot) = slot else {
        return Ok(&[]);
    };
    let children = slot(owner);
    if let Some(loaded) = children.loaded() {
        return Ok(loaded);
    }
    match children.effective(lazy) {
        Lazy::Raise => Err(Error::RaiseLoad {
            relationship: name,
            option: format!("{}.selectin()", const_name(owner_model, name)),
        }),
        Lazy::Noload => Ok(&[]),
        _ if owner.primary_key().is_none() => Ok(&[]),
        _ => {
            let query = query();
            // The path only matters to the query's own loading options.
            let mut path = if query.has_loads() {
                vec![format!("{owner_model}.{name}")]
            } else {
                Vec::new()
            };
            let rows = query.fetch_on_path(conn, &mut path)?;
            Ok(children.fill(rows))
        }
    }
}

/// `Owner::NAME`, the generated constant of a relationship.
fn const_name(owner: &str, name: &str) -> String {
    format!("{owner}::{}", name.to_uppercase())
}
