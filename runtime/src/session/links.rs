//! Links between objects of one session: foreign keys filled from parents
//! during a flush.

use super::*;

/// The stores of a session other than the one being flushed, for resolving
/// links between objects.
pub(super) struct LinkCtx<'a> {
    pub(super) session: SessionId,
    pub(super) stores: &'a [Option<Box<dyn Store>>],
    pub(super) types: &'a IdMap<TypeId, usize>,
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
    Resolve {
        ctx: &'a LinkCtx<'a>,
        current: &'a dyn Store,
        current_type: TypeId,
        undo: Option<&'a mut Vec<Option<i64>>>,
    },
    /// Puts recorded values back into the key fields, in `link` call order.
    Restore {
        values: &'a [Option<i64>],
        next: usize,
    },
}

impl<'a> Links<'a> {
    pub(super) fn restore(table: &'static str, values: &'a [Option<i64>]) -> Self {
        Links {
            mode: LinkMode::Restore { values, next: 0 },
            table,
            waiting: false,
            changes: false,
        }
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
    pub fn link<M, P: Model>(
        &mut self,
        relation: ManyToOne<M, P>,
        parent: &Parent<P>,
        key: &mut Option<i64>,
    ) -> Result<()> {
        let (ctx, current, current_type, apply) = match &mut self.mode {
            LinkMode::Restore { values, next } => {
                if let Some(&value) = values.get(*next) {
                    *key = value;
                }
                *next += 1;
                return Ok(());
            }
            LinkMode::Resolve {
                ctx,
                current,
                current_type,
                undo,
            } => {
                let apply = match undo {
                    Some(undo) => {
                        undo.push(*key);
                        true
                    }
                    None => false,
                };
                (*ctx, *current, *current_type, apply)
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
            ctx.types
                .get(&type_id)
                .and_then(|&position| ctx.stores.get(position))
                .and_then(Option::as_ref)
                .map_or(Slot::Missing, |store| store.slot(session_key.index))
        };
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
