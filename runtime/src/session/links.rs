//! Links between objects of one session: foreign keys filled from parents
//! during a flush.

use super::*;
use crate::relation::ManyToMany;

/// The stores of a session other than the one being flushed, for resolving
/// links between objects.
pub(super) struct LinkCtx<'a> {
    pub(super) session: SessionId,
    pub(super) stores: &'a [Option<Box<dyn Store>>],
    pub(super) types: &'a IdMap<TypeId, usize>,
    /// The last parent of another model found with an id: (model, entry
    /// index, id). The other stores do not change while the context lives,
    /// and the children of one flush mostly share their parents.
    last: Cell<Option<(TypeId, u32, i64)>>,
}

impl<'a> LinkCtx<'a> {
    pub(super) fn new(
        session: SessionId,
        stores: &'a [Option<Box<dyn Store>>],
        types: &'a IdMap<TypeId, usize>,
    ) -> Self {
        LinkCtx {
            session,
            stores,
            types,
            last: Cell::new(None),
        }
    }

    /// Where entry `index` of the model `type_id` (not the one being
    /// flushed) stands.
    #[inline]
    pub(super) fn slot(&self, type_id: TypeId, index: u32) -> Slot {
        if let Some((last_type, last_index, id)) = self.last.get() {
            if last_type == type_id && last_index == index {
                return Slot::Id(id);
            }
        }
        self.look_up(type_id, index)
    }

    /// Whether entry `index` of the model `type_id` (not the one being
    /// flushed) was inserted by this flush.
    fn fresh(&self, type_id: TypeId, index: u32) -> bool {
        self.types
            .get(&type_id)
            .and_then(|&position| self.stores.get(position))
            .and_then(Option::as_ref)
            .is_some_and(|store| store.fresh(index))
    }

    /// [`LinkCtx::slot`] past its cache of the last parent.
    #[inline(never)]
    fn look_up(&self, type_id: TypeId, index: u32) -> Slot {
        let slot = self
            .types
            .get(&type_id)
            .and_then(|&position| self.stores.get(position))
            .and_then(Option::as_ref)
            .map_or(Slot::Missing, |store| store.slot(index));
        if let Slot::Id(id) = slot {
            self.last.set(Some((type_id, index, id)));
        }
        slot
    }
}

/// Fills foreign keys from linked parents during a flush; generated
/// `Model::link_parents` calls [`Links::link`] once per many-to-one
/// relationship.
pub struct Links<'a> {
    pub(super) mode: LinkMode<'a>,
    pub(super) table: &'static str,
    pub(super) waiting: bool,
    pub(super) changes: bool,
}

pub(super) enum LinkMode<'a> {
    /// Resolves parents into ids. With `undo`, writes them into the key
    /// fields, first recording each field's value there (one per `link`
    /// call) so that a failed flush can put them back; without, only probes.
    ///
    /// With `deferred` (an INSERT, with the object's entry index), a
    /// `post_update` link to a parent new in this flush leaves its key NULL
    /// and is recorded there instead of making the object wait.
    Resolve {
        ctx: &'a LinkCtx<'a>,
        current: &'a dyn Slots,
        current_type: TypeId,
        undo: Option<&'a mut Vec<Option<i64>>>,
        deferred: Option<(&'a mut Vec<PostUpdate>, u32)>,
    },
    /// Puts recorded values back into the key fields, in `link` call order.
    Restore {
        values: &'a [Option<i64>],
        next: usize,
    },
    /// Sets the `post_update` key in `column` to `id` (after its UPDATE).
    Assign {
        column: &'static str,
        id: Option<i64>,
    },
    /// Collects the `post_update` columns whose key is not NULL (cleared
    /// before a DELETE).
    Posted { columns: &'a mut Vec<&'static str> },
}

/// A foreign key a flush inserted NULL and writes with an UPDATE once the
/// INSERTs are done (a `post_update` link to a parent new in the flush).
#[derive(Clone, Copy, Debug)]
pub(super) struct PostUpdate {
    /// The child's entry index in its store.
    pub(super) child: u32,
    pub(super) relation: &'static str,
    pub(super) column: &'static str,
    pub(super) parent_type: TypeId,
    pub(super) parent: u32,
}

impl<'a> Links<'a> {
    fn with_mode(table: &'static str, mode: LinkMode<'a>) -> Self {
        Links {
            mode,
            table,
            waiting: false,
            changes: false,
        }
    }

    pub(super) fn restore(table: &'static str, values: &'a [Option<i64>]) -> Self {
        Self::with_mode(table, LinkMode::Restore { values, next: 0 })
    }

    pub(super) fn assign(table: &'static str, column: &'static str, id: Option<i64>) -> Self {
        Self::with_mode(table, LinkMode::Assign { column, id })
    }

    pub(super) fn posted(table: &'static str, columns: &'a mut Vec<&'static str>) -> Self {
        Self::with_mode(table, LinkMode::Posted { columns })
    }
}

impl Links<'_> {
    /// Resolves `parent` (the attribute of `relation`) into the foreign-key
    /// field `key`.
    ///
    /// # Errors
    ///
    /// [`Error::UnsavedParent`] when the parent has no id and is not
    /// pending in this session.
    #[inline]
    pub fn link<M, P: Model>(
        &mut self,
        relation: ManyToOne<M, P>,
        parent: &Parent<P>,
        key: &mut Option<i64>,
    ) -> Result<()> {
        let (ctx, current, current_type, apply, deferred) = match &mut self.mode {
            LinkMode::Restore { values, next } => {
                if let Some(&value) = values.get(*next) {
                    *key = value;
                }
                *next += 1;
                return Ok(());
            }
            LinkMode::Assign { column, id } => {
                if relation.is_post_update() && relation.column_name() == *column {
                    *key = *id;
                }
                return Ok(());
            }
            LinkMode::Posted { columns } => {
                if relation.is_post_update() && key.is_some() {
                    columns.push(relation.column_name());
                }
                return Ok(());
            }
            LinkMode::Resolve {
                ctx,
                current,
                current_type,
                undo,
                deferred,
            } => {
                let apply = match undo {
                    Some(undo) => {
                        undo.push(*key);
                        true
                    }
                    None => false,
                };
                let deferred = match deferred {
                    Some((list, child)) if relation.is_post_update() => Some((&mut **list, *child)),
                    _ => None,
                };
                (*ctx, *current, *current_type, apply, deferred)
            }
        };
        let table = self.table;
        let unsaved = || Error::UnsavedParent {
            table,
            relation: relation.name(),
        };
        let session_key = match parent.state() {
            ParentState::Column => return Ok(()),
            ParentState::Unsaved => return Err(unsaved()),
            ParentState::Pending(session_key) => session_key,
        };
        if session_key.session != ctx.session {
            // A key from another (or rolled back) session: trust an id that
            // was already filled in, otherwise there is nothing to go on.
            return if key.is_some() {
                Ok(())
            } else {
                Err(unsaved())
            };
        }
        let type_id = TypeId::of::<P>();
        let slot = if type_id == current_type {
            current.slot(session_key.index)
        } else {
            ctx.slot(type_id, session_key.index)
        };
        if let Some((list, child)) = deferred {
            // A parent new in this flush (pending, or inserted by it): the
            // key is written by an UPDATE after the INSERTs, whatever order
            // they ran in.
            let new_parent = match slot {
                Slot::Pending => true,
                Slot::Id(_) if type_id == current_type => current.fresh(session_key.index),
                Slot::Id(_) => ctx.fresh(type_id, session_key.index),
                // The object itself (a row that points to itself): it has
                // its id once inserted.
                Slot::Missing => type_id == current_type && session_key.index == child,
            };
            if new_parent {
                *key = None;
                list.push(PostUpdate {
                    child,
                    relation: relation.name(),
                    column: relation.column_name(),
                    parent_type: type_id,
                    parent: session_key.index,
                });
                return Ok(());
            }
        }
        match slot {
            Slot::Id(id) => {
                if *key != Some(id) {
                    self.changes = true;
                    if apply {
                        *key = Some(id);
                    }
                }
                Ok(())
            }
            Slot::Pending => {
                self.waiting = true;
                Ok(())
            }
            Slot::Missing => Err(unsaved()),
        }
    }
}

pub(super) struct LinkOutcome {
    pub(super) waiting: bool,
    pub(super) changes: bool,
}

/// One side of a many-to-one association row waiting for a flush.
#[derive(Clone, Copy, Debug)]
pub(crate) enum LinkSide {
    /// A saved row.
    Id(i64),
    /// A session object, maybe not inserted yet: its id is read at flush.
    Object {
        type_id: TypeId,
        table: &'static str,
        index: u32,
    },
}

impl LinkSide {
    pub(crate) fn of_key<M: Model>(key: Key<M>) -> Self {
        LinkSide::Object {
            type_id: TypeId::of::<M>(),
            table: M::TABLE,
            index: key.index,
        }
    }
}

/// An association row to write (`insert`) or delete at the next flush: a
/// many-to-many `append` or `remove` (SQLAlchemy's `post.tags.append(tag)`).
#[derive(Clone, Copy, Debug)]
pub(super) struct PendingLink {
    pub(super) table: &'static str,
    pub(super) local: &'static str,
    pub(super) remote: &'static str,
    pub(super) owner: LinkSide,
    pub(super) target: LinkSide,
    pub(super) insert: bool,
}

impl LinkCtx<'_> {
    /// The id of one side of an association row; every pending object has
    /// been inserted by the time the rows are written.
    fn id_of(&self, side: LinkSide) -> Result<i64> {
        let (type_id, table, index) = match side {
            LinkSide::Id(id) => return Ok(id),
            LinkSide::Object {
                type_id,
                table,
                index,
            } => (type_id, table, index),
        };
        match self.slot(type_id, index) {
            Slot::Id(id) => Ok(id),
            // Expunged (or never inserted): there is no row to link.
            Slot::Pending | Slot::Missing => Err(Error::NotPersistent { table }),
        }
    }

    /// Writes `link`'s association row (INSERT unless linked already) or
    /// deletes it.
    pub(super) fn write_link(
        &self,
        db: &Database,
        tx: &mut FlushTx,
        link: &PendingLink,
    ) -> Result<()> {
        let owner = self.id_of(link.owner)?;
        let target = self.id_of(link.target)?;
        tx.ensure(db)?;
        let d = db.dialect();
        let sql = if link.insert {
            crate::sql::link_insert(d, link.table, link.local, link.remote)
        } else {
            crate::sql::unlink(d, link.table, link.local, link.remote)
        };
        db.execute_with(&sql, link.table, &[owner, target])?;
        Ok(())
    }
}

impl Session<'_> {
    /// Puts `target` in `owner`'s many-to-many collection `relation`
    /// (SQLAlchemy's `post.tags.append(tag)`): the association row is
    /// written by the next flush, once both sides have ids, so either may be
    /// a pending object (by key). Linking twice is once.
    ///
    /// ```ignore
    /// // generated models with `tags = { model = "Tag", secondary = "post_tags" }`
    /// let post = session.add(Post::new("hello"));
    /// let rust = session.add(Tag::new("rust"));
    /// session.link(Post::TAGS, post, rust)?;
    /// session.commit()?; // BEGIN, INSERT posts, INSERT tags, INSERT post_tags, COMMIT
    /// ```
    ///
    /// # Errors
    ///
    /// [`Error::InvalidKey`] for a key of another session,
    /// [`Error::NotPersistent`] for an object (not a key) without id: add it
    /// and link its key.
    pub fn link<M: Model, T: Model, E>(
        &mut self,
        relation: ManyToMany<M, T, E>,
        owner: impl Target<Model = M>,
        target: impl Target<Model = T>,
    ) -> Result<()> {
        self.queue_link(relation, owner, target, true)
    }

    /// Takes `target` out of `owner`'s many-to-many collection `relation`
    /// (`post.tags.remove(tag)`): the association row is deleted by the next
    /// flush.
    ///
    /// # Errors
    ///
    /// As for [`Session::link`].
    pub fn unlink<M: Model, T: Model, E>(
        &mut self,
        relation: ManyToMany<M, T, E>,
        owner: impl Target<Model = M>,
        target: impl Target<Model = T>,
    ) -> Result<()> {
        self.queue_link(relation, owner, target, false)
    }

    fn queue_link<M: Model, T: Model, E>(
        &mut self,
        relation: ManyToMany<M, T, E>,
        owner: impl Target<Model = M>,
        target: impl Target<Model = T>,
        insert: bool,
    ) -> Result<()> {
        let owner = self.link_side(owner)?;
        let target = self.link_side(target)?;
        self.push_link(relation.parts(), owner, target, insert);
        Ok(())
    }

    fn link_side<T: Target>(&self, target: T) -> Result<LinkSide> {
        let table = T::Model::TABLE;
        match target.into_target() {
            TargetKind::Key(key) => match self.get(key) {
                Some(_) => Ok(LinkSide::of_key(key)),
                None => Err(Error::InvalidKey { table }),
            },
            TargetKind::Object(object) => object
                .primary_key()
                .map(LinkSide::Id)
                .ok_or(Error::NotPersistent { table }),
        }
    }

    /// Queues an association row of `(table, local, remote)` for the next
    /// flush.
    pub(crate) fn push_link(
        &mut self,
        (table, local, remote): (&'static str, &'static str, &'static str),
        owner: LinkSide,
        target: LinkSide,
        insert: bool,
    ) {
        self.links.push(PendingLink {
            table,
            local,
            remote,
            owner,
            target,
            insert,
        });
    }
}
