//! Loading strategies chosen per query: SQLAlchemy's `options(selectinload(...))`.
//!
//! `Role::query().options(Role::USERS.selectin().then(User::POSTS.joined()))` loads
//! the roles, then every role's users with one more SELECT, and every user's posts
//! joined into that SELECT. A relationship's declared `lazy = "joined"` or
//! `"selectin"` is the default its model's `query()` starts with.

use std::sync::Arc;

use crate::conn::RawRow;
use crate::database::Database;
use crate::error::Result;
use crate::idmap::{IdMap, IdSet};
use crate::model::{table_def, Model, Row};
use crate::query::{run_loads, Query};
use crate::relation::{Children, LoadOptions, ManyToMany, ManyToOne, Mark, OneToMany, Populated};
use crate::sql::{Association, Joined, Via};

/// How a query loads one relationship.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// On first access, with one SELECT per object (`lazyload`).
    Lazy,
    /// In the query's own statement, through a LEFT OUTER JOIN (`joinedload`).
    Joined,
    /// With one more SELECT ... WHERE key IN (...) for all objects (`selectinload`).
    Selectin,
    /// Never: it reads as empty (`noload`).
    Noload,
    /// Reading it is an error (`raiseload`).
    Raise,
}

/// A loading option for one relationship of `M`, given to
/// [`Query::options`]. Build it from a relationship constant:
/// `Role::USERS.selectin()`, `User::ROLE.joined()`, `Post::TAGS.noload()`.
pub struct Load<M> {
    strategy: Strategy,
    plan: Arc<dyn Plan<M> + Send + Sync>,
}

impl<M> Clone for Load<M> {
    fn clone(&self) -> Self {
        Load {
            strategy: self.strategy,
            plan: Arc::clone(&self.plan),
        }
    }
}

impl<M> std::fmt::Debug for Load<M> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Load({} {:?})", self.plan.path(), self.strategy)
    }
}

impl<M> Load<M> {
    /// The strategy.
    pub fn strategy(&self) -> Strategy {
        self.strategy
    }

    /// `Model.relationship`.
    pub fn relationship(&self) -> String {
        self.plan.path()
    }

    pub(crate) fn plan(&self) -> &(dyn Plan<M> + Send + Sync) {
        &*self.plan
    }
}

/// A loading option under construction, with options for the next level:
/// `Role::USERS.selectin().then(User::POSTS.selectin())`.
pub struct RelationLoad<M, T> {
    strategy: Strategy,
    relation: Relation<M, T>,
    nested: Vec<Load<T>>,
}

enum Relation<M, T> {
    ToOne(ManyToOne<M, T>),
    ToMany(OneToMany<M, T>),
    Through(ManyToMany<M, T>),
}

impl<M, T> RelationLoad<M, T> {
    /// Also applies `option` to the related objects this option loads (eager loading
    /// of the next level: roles → users → posts).
    pub fn then(mut self, option: impl Into<Load<T>>) -> Self {
        self.nested.push(option.into());
        self
    }
}

impl<M: Model, T: Model> From<RelationLoad<M, T>> for Load<M> {
    fn from(load: RelationLoad<M, T>) -> Self {
        let plan: Arc<dyn Plan<M> + Send + Sync> = match load.relation {
            Relation::ToOne(relation) => Arc::new(ToOne {
                relation,
                nested: load.nested,
            }),
            Relation::ToMany(relation) => Arc::new(ToMany {
                relation,
                nested: load.nested,
            }),
            Relation::Through(relation) => Arc::new(Through {
                relation,
                nested: load.nested,
            }),
        };
        Load {
            strategy: load.strategy,
            plan,
        }
    }
}

macro_rules! strategies {
    ($kind:ident, $variant:ident) => {
        impl<M: Model, T: Model> $kind<M, T> {
            fn option(self, strategy: Strategy) -> RelationLoad<M, T> {
                RelationLoad {
                    strategy,
                    relation: Relation::$variant(self),
                    nested: Vec::new(),
                }
            }
        }
        strategies!(@methods $kind, []);
    };
    ($kind:ident, $variant:ident, population) => {
        impl<M: Model, T: Model, E> $kind<M, T, E> {
            fn option(self, strategy: Strategy) -> RelationLoad<M, T>
            where
                E: LoadOptions,
            {
                RelationLoad {
                    strategy,
                    relation: Relation::$variant(self.with_population::<Populated>()),
                    nested: Vec::new(),
                }
            }
        }
        strategies!(@methods $kind, [E]);
    };
    (@methods $kind:ident, [$($population:ident)?]) => {
        impl<M: Model, T: Model $(, $population)?> $kind<M, T $(, $population)?> {
            /// Load with the query, in the same statement (`joinedload`).
            pub fn joined(self) -> RelationLoad<M, T>
            $(where
                $population: LoadOptions,)?
            {
                self.option(Strategy::Joined)
            }

            /// Load with the query, with one more SELECT for all objects (`selectinload`).
            pub fn selectin(self) -> RelationLoad<M, T>
            $(where
                $population: LoadOptions,)?
            {
                self.option(Strategy::Selectin)
            }

            /// Load on first access (`lazyload`), whatever the declared `lazy`.
            pub fn lazyload(self) -> RelationLoad<M, T>
            $(where
                $population: LoadOptions,)?
            {
                self.option(Strategy::Lazy)
            }

            /// Never load: reads as empty (`noload`).
            pub fn noload(self) -> RelationLoad<M, T>
            $(where
                $population: LoadOptions,)?
            {
                self.option(Strategy::Noload)
            }

            /// Make reading it without loading it an error (`raiseload`).
            pub fn raiseload(self) -> RelationLoad<M, T>
            $(where
                $population: LoadOptions,)?
            {
                self.option(Strategy::Raise)
            }
        }
    };
}
strategies!(ManyToOne, ToOne);
strategies!(OneToMany, ToMany, population);
strategies!(ManyToMany, Through, population);

/// What a loading option does, for one kind of relationship (its [`Join`]
/// side decodes joined loading).
pub(crate) trait Plan<M>: Join<M> {
    /// `Model.relationship`.
    fn path(&self) -> String;
    /// Loads the relationship of every object with SELECT ... IN.
    fn selectin(&self, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()>;
    /// Records a `noload`/`raiseload`/`lazyload` choice on every object.
    fn mark(&self, objects: &[M], mark: Mark);
    /// The relationship as the SQL seam joins it.
    fn joined(&self) -> Joined<'static>;
}

/// Joined loading: the related rows after the query's columns.
pub(crate) trait Join<M> {
    /// Collects the related objects row by row; `dedup` when other joins of
    /// the statement repeat each related row (several `joined` options).
    fn start(&self, dedup: bool) -> Box<dyn JoinRows<M> + '_>;
}

/// The related objects of a joined query, collected per parent object.
pub(crate) trait JoinRows<M> {
    /// Reads the related object at `offset` of `row`, which belongs to object `index`.
    fn row(&mut self, row: RawRow<'_>, offset: usize, index: usize) -> Result<()>;
    /// Hands the related objects to their parents (after loading the next level).
    fn finish(self: Box<Self>, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()>;
}

/// SQLAlchemy's `selectinload` chunk size.
const CHUNK: usize = 500;

fn key_index<T: Model>() -> usize {
    T::COLUMNS
        .iter()
        .position(|c| *c == T::PRIMARY_KEY)
        .unwrap_or(0)
}

/// Reads the object of `T` at `offset`, or `None` for the NULLs of an outer join.
fn decode_at<T: Model>(row: RawRow<'_>, offset: usize) -> Result<Option<T>> {
    let key = row.key(offset + key_index::<T>(), T::TABLE)?;
    if key.is_none() {
        return Ok(None);
    }
    T::from_row(&Row::at::<T>(row, offset).with_key(key)).map(Some)
}

/// Hands each object its group of related objects (an empty one when it has none).
fn distribute<O: Model, T: Clone + Send + 'static>(
    slot: Option<fn(&O) -> &Children<T>>,
    objects: &[O],
    mut groups: IdMap<i64, Vec<T>>,
) {
    let Some(slot) = slot else {
        return;
    };
    for object in objects {
        let related = object
            .primary_key()
            .and_then(|k| groups.remove(&k))
            .unwrap_or_default();
        slot(object).fill(related);
    }
}

/// Runs `each` on every object's relationship holder (`Parent` or `Children`).
fn for_each_slot<O, H>(slot: Option<fn(&O) -> &H>, objects: &[O], each: impl Fn(&H)) {
    if let Some(slot) = slot {
        for object in objects {
            each(slot(object));
        }
    }
}

fn distinct_keys(keys: impl Iterator<Item = Option<i64>>) -> Vec<i64> {
    let mut seen = IdSet::default();
    keys.flatten().filter(|k| seen.insert(*k)).collect()
}

// ---- many-to-one -------------------------------------------------------------------

struct ToOne<M, P> {
    relation: ManyToOne<M, P>,
    nested: Vec<Load<P>>,
}

impl<M: Model, P: Model> Plan<M> for ToOne<M, P> {
    fn path(&self) -> String {
        self.relation.path()
    }

    fn selectin(&self, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()> {
        let (Some(slot), Some(key_of)) = (self.relation.slot(), self.relation.key_of()) else {
            return Ok(());
        };
        let keys = distinct_keys(objects.iter().map(key_of));
        let mut parents: IdMap<i64, P> =
            IdMap::with_capacity_and_hasher(keys.len(), Default::default());
        for chunk in keys.chunks(CHUNK) {
            let key = crate::Column::<P, i64>::new(P::PRIMARY_KEY);
            let mut query = Query::<P>::new().filter(key.in_keys(chunk));
            for option in &self.nested {
                query = query.options(option.clone());
            }
            for parent in query.fetch_on_path(db, path)? {
                if let Some(id) = parent.primary_key() {
                    parents.insert(id, parent);
                }
            }
        }
        for object in objects {
            let parent = key_of(object).and_then(|k| parents.get(&k)).cloned();
            slot(object).fill(parent);
        }
        Ok(())
    }

    fn mark(&self, objects: &[M], mark: Mark) {
        for_each_slot(self.relation.slot(), objects, |holder| {
            holder.set_mark(mark)
        });
    }

    fn joined(&self) -> Joined<'static> {
        Joined {
            related: table_def::<P>(),
            via: Via::ParentColumn(self.relation.column_name()),
            order: &[],
        }
    }
}

impl<M: Model, P: Model> Join<M> for ToOne<M, P> {
    fn start(&self, dedup: bool) -> Box<dyn JoinRows<M> + '_> {
        Box::new(ToOneRows {
            plan: self,
            parents: Vec::new(),
            seen: dedup.then(IdSet::default),
        })
    }
}

struct ToOneRows<'a, M, P> {
    plan: &'a ToOne<M, P>,
    parents: Vec<(usize, P)>,
    /// The objects whose parent is read, when rows repeat.
    seen: Option<IdSet<usize>>,
}

impl<M: Model, P: Model> JoinRows<M> for ToOneRows<'_, M, P> {
    fn row(&mut self, row: RawRow<'_>, offset: usize, index: usize) -> Result<()> {
        if let Some(seen) = &mut self.seen {
            if !seen.insert(index) {
                return Ok(());
            }
        }
        if let Some(parent) = decode_at::<P>(row, offset)? {
            self.parents.push((index, parent));
        }
        Ok(())
    }

    fn finish(self: Box<Self>, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()> {
        let Some(slot) = self.plan.relation.slot() else {
            return Ok(());
        };
        let (indexes, parents): (Vec<usize>, Vec<P>) = self.parents.into_iter().unzip();
        run_loads(db, &parents, &self.plan.nested, path)?;
        let mut by_object: IdMap<usize, P> = indexes.into_iter().zip(parents).collect();
        for (index, object) in objects.iter().enumerate() {
            slot(object).fill(by_object.remove(&index));
        }
        Ok(())
    }
}

// ---- one-to-many ---------------------------------------------------------------------

struct ToMany<P, C> {
    relation: OneToMany<P, C>,
    nested: Vec<Load<C>>,
}

impl<P: Model, C: Model> ToMany<P, C> {
    fn distribute(&self, objects: &[P], groups: IdMap<i64, Vec<C>>) {
        distribute(self.relation.slot(), objects, groups);
    }
}

impl<P: Model, C: Model> Plan<P> for ToMany<P, C> {
    fn path(&self) -> String {
        self.relation.path()
    }

    fn selectin(&self, db: &Database, objects: &[P], path: &mut Vec<String>) -> Result<()> {
        if self.relation.slot().is_none() {
            return Ok(());
        }
        let keys = distinct_keys(objects.iter().map(Model::primary_key));
        let child_key = self.relation.child_key();
        let mut groups: IdMap<i64, Vec<C>> =
            IdMap::with_capacity_and_hasher(keys.len(), Default::default());
        for chunk in keys.chunks(CHUNK) {
            let fk = crate::Column::<C, i64>::new(self.relation.fk());
            let mut query = self
                .relation
                .ordered(self.relation.base().filter(fk.in_keys(chunk)));
            for option in &self.nested {
                query = query.options(option.clone());
            }
            let children = query.fetch_on_path(db, path)?;
            // The children of one object (a loaded `role.users`) are its group
            // as read: no object moved again.
            let first = children.first().and_then(&child_key);
            if let Some(parent) = first.filter(|_| children.iter().all(|c| child_key(c) == first)) {
                match groups.get_mut(&parent) {
                    Some(group) => group.extend(children),
                    None => {
                        groups.insert(parent, children);
                    }
                }
                continue;
            }
            for child in children {
                if let Some(parent) = child_key(&child) {
                    groups.entry(parent).or_default().push(child);
                }
            }
        }
        self.distribute(objects, groups);
        Ok(())
    }

    fn mark(&self, objects: &[P], mark: Mark) {
        for_each_slot(self.relation.slot(), objects, |holder| {
            holder.set_mark(mark)
        });
    }

    fn joined(&self) -> Joined<'static> {
        Joined {
            related: table_def::<C>(),
            via: Via::RelatedColumn(self.relation.fk()),
            order: self.relation.order(),
        }
    }
}

impl<P: Model, C: Model> Join<P> for ToMany<P, C> {
    fn start(&self, dedup: bool) -> Box<dyn JoinRows<P> + '_> {
        Box::new(CollectionRows::new(
            self.relation.slot(),
            &self.nested,
            dedup,
        ))
    }
}

/// The related objects of a to-many joined load (one-to-many or many-to-many),
/// read row by row into their parent's group and handed over at the end.
struct CollectionRows<'a, M, T> {
    slot: Option<fn(&M) -> &Children<T>>,
    nested: &'a [Load<T>],
    /// The related objects read for the objects before `index`, by object.
    groups: Vec<Vec<T>>,
    /// Those of object `index`: the rows of one object come one after another.
    current: Vec<T>,
    index: usize,
    /// Where `T`'s primary key is among its columns.
    key_index: usize,
    /// (object, related key) pairs read, when rows repeat.
    seen: Option<IdSet<(usize, i64)>>,
}

impl<'a, M, T: Model> CollectionRows<'a, M, T> {
    fn new(slot: Option<fn(&M) -> &Children<T>>, nested: &'a [Load<T>], dedup: bool) -> Self {
        CollectionRows {
            slot,
            nested,
            groups: Vec::new(),
            current: Vec::new(),
            index: 0,
            key_index: key_index::<T>(),
            seen: dedup.then(IdSet::default),
        }
    }

    /// Every group, one per object up to the last one read.
    fn into_groups(mut self) -> Vec<Vec<T>> {
        if !self.current.is_empty() {
            self.groups.resize_with(self.index, Vec::new);
            self.groups.push(self.current);
        }
        self.groups
    }
}

impl<M: Model, T: Model> JoinRows<M> for CollectionRows<'_, M, T> {
    fn row(&mut self, row: RawRow<'_>, offset: usize, index: usize) -> Result<()> {
        // The key first: NULL for an object without related rows, and a
        // repeated row (several joins) is skipped before it is decoded.
        let Some(key) = row.key(offset + self.key_index, T::TABLE)? else {
            return Ok(());
        };
        if let Some(seen) = &mut self.seen {
            if !seen.insert((index, key)) {
                return Ok(());
            }
        }
        if index != self.index {
            if !self.current.is_empty() {
                self.groups.resize_with(self.index, Vec::new);
                self.groups.push(std::mem::take(&mut self.current));
            }
            self.index = index;
        }
        T::push_row(
            &Row::at::<T>(row, offset).with_key(Some(key)),
            &mut self.current,
        )
    }

    fn finish(self: Box<Self>, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()> {
        let (slot, nested) = (self.slot, self.nested);
        let mut groups = self.into_groups();
        if !nested.is_empty() {
            // The next level loads for all related objects at once.
            let sizes: Vec<usize> = groups.iter().map(Vec::len).collect();
            let all: Vec<T> = groups.into_iter().flatten().collect();
            run_loads(db, &all, nested, path)?;
            let mut all = all.into_iter();
            groups = sizes
                .into_iter()
                .map(|size| all.by_ref().take(size).collect())
                .collect();
        }
        let Some(slot) = slot else {
            return Ok(());
        };
        let mut groups = groups.into_iter();
        for object in objects {
            slot(object).fill(groups.next().unwrap_or_default());
        }
        Ok(())
    }
}

// ---- many-to-many --------------------------------------------------------------------

struct Through<M, T> {
    relation: ManyToMany<M, T>,
    nested: Vec<Load<T>>,
}

impl<M: Model, T: Model> Through<M, T> {
    fn link(&self) -> Association<'static> {
        let (table, local, remote) = self.relation.parts();
        Association {
            table,
            local,
            remote,
        }
    }

    fn distribute(&self, objects: &[M], groups: IdMap<i64, Vec<T>>) {
        distribute(self.relation.slot(), objects, groups);
    }
}

impl<M: Model, T: Model> Plan<M> for Through<M, T> {
    fn path(&self) -> String {
        self.relation.path()
    }

    fn selectin(&self, db: &Database, objects: &[M], path: &mut Vec<String>) -> Result<()> {
        if self.relation.slot().is_none() {
            return Ok(());
        }
        let d = db.dialect();
        let link = self.link();
        let keys = distinct_keys(objects.iter().map(Model::primary_key));
        let mut owners = Vec::new();
        let mut related = Vec::new();
        for chunk in keys.chunks(CHUNK) {
            let sql = crate::sql::selectin_through(
                d,
                table_def::<T>(),
                link,
                self.relation.order(),
                chunk,
            );
            let mut stmt = db.prepare_bound(&sql, T::TABLE)?;
            let mut rows = stmt.query()?;
            while let Some(row) = rows.next()? {
                let owner = row.key(0, link.table)?;
                if let (Some(owner), Some(object)) = (owner, decode_at::<T>(row, 1)?) {
                    owners.push(owner);
                    related.push(object);
                }
            }
        }
        run_loads(db, &related, &self.nested, path)?;
        let mut groups: IdMap<i64, Vec<T>> = IdMap::default();
        for (owner, object) in owners.into_iter().zip(related) {
            groups.entry(owner).or_default().push(object);
        }
        self.distribute(objects, groups);
        Ok(())
    }

    fn mark(&self, objects: &[M], mark: Mark) {
        for_each_slot(self.relation.slot(), objects, |holder| {
            holder.set_mark(mark)
        });
    }

    fn joined(&self) -> Joined<'static> {
        Joined {
            related: table_def::<T>(),
            via: Via::Association(self.link()),
            order: self.relation.order(),
        }
    }
}

impl<M: Model, T: Model> Join<M> for Through<M, T> {
    fn start(&self, dedup: bool) -> Box<dyn JoinRows<M> + '_> {
        Box::new(CollectionRows::new(
            self.relation.slot(),
            &self.nested,
            dedup,
        ))
    }
}
