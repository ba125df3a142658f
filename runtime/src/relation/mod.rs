//! Relationships: the handles the generator emits for each relationship of the spec
//! ([`ManyToOne`], [`OneToMany`], [`ManyToMany`]) and the holders of loaded related
//! objects ([`Parent`], [`Children`]).
//!
//! A spec relationship `users = relationship('User', backref='role')` gives the
//! child a [`Parent`] field (`user.role`) and a [`ManyToOne`] constant
//! (`User::ROLE`); the parent gets a [`OneToMany`] constant (`Role::USERS`) and
//! either a query accessor (`lazy = "dynamic"`/`"write_only"`) or a [`Children`]
//! field loaded on first access or eagerly by the query.

use std::any::TypeId;
use std::cell::{Cell, OnceCell};
use std::collections::HashMap;
use std::fmt;
use std::marker::PhantomData;
use std::sync::{Mutex, OnceLock};

use rusqlite::types::Value;

use crate::conn::sqlite::StatementId;
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
    query: impl Fn() -> Query<T>,
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
        _ => {
            let Some(id) = owner.primary_key() else {
                return Ok(&[]);
            };
            // The same statement for every owner: one of the connection's
            // fixed statements, no query built or rendered.
            let db = conn.database();
            let key = (TypeId::of::<O>(), StatementId::Children(name));
            let text = || lazy_load_text::<O, T>(db, name, id, &query);
            if let Some(mut stmt) = db.prepare_fixed(key, T::TABLE, text)? {
                stmt.bind_int(1, id)?;
                let mut rows = Query::<T>::read_all(db, &mut stmt)?;
                drop(stmt);
                conn.use_identity(&mut rows);
                return Ok(children.fill(rows));
            }
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

/// The text of the lazy load of `O`'s relationship `name` (`query()` for the
/// owner with key `id`), when it is the same for every owner (see
/// `Query::fixed_text`); rendered once per relationship and kept for the
/// life of the program, as the model statements are.
fn lazy_load_text<O: Model, T: Model>(
    db: &crate::Database,
    name: &'static str,
    id: i64,
    query: &impl Fn() -> Query<T>,
) -> Option<&'static str> {
    type Texts = HashMap<(TypeId, &'static str, crate::Engine), Option<&'static str>>;
    static TEXTS: OnceLock<Mutex<Texts>> = OnceLock::new();
    let texts = TEXTS.get_or_init(Default::default);
    // A poisoned lock only means another thread panicked while inserting.
    let mut texts = texts
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    *texts
        .entry((TypeId::of::<O>(), name, db.engine()))
        .or_insert_with(|| {
            query()
                .fixed_text(db, id)
                .map(|text| &*Box::leak(text.into_boxed_str()))
        })
}

/// `Owner::NAME`, the generated constant of a relationship.
fn const_name(owner: &str, name: &str) -> String {
    format!("{owner}::{}", name.to_uppercase())
}
