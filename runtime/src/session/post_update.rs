//! SQLAlchemy's `post_update=True`: foreign keys written by an UPDATE of their
//! own after a flush's INSERTs, and cleared by one before its DELETEs, so that
//! rows referencing each other can be inserted and deleted by one flush.
//!
//! The INSERTs leave such a key NULL when its parent is new in the flush (see
//! [`LinkMode::Resolve`]); [`TypedStore::post_updates_after_inserts`] then
//! writes it, once every INSERT has run. Statements, per flush:
//!
//! - one `UPDATE <table> SET <fk> = ? WHERE <key> = ?` per new object whose
//!   `post_update` parent is new in the same flush (whichever model's INSERTs
//!   run first); a parent that had an id before the flush is written by the
//!   INSERT, as without `post_update`;
//! - one `UPDATE <table> SET <fk> = NULL WHERE <key> = ?` per deleted object
//!   whose `post_update` key is not NULL, before the first DELETE.

use super::*;

impl<M: Model> TypedStore<M> {
    /// Runs the UPDATEs of the `post_update` keys this flush inserted NULL,
    /// and sets each key in its object. An object stays clean: it now
    /// matches its row. Undoing the flush puts the key back with the rest of
    /// the INSERT's backup (the value recorded before the INSERT).
    pub(super) fn post_updates_after_inserts(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<()> {
        if self.post_updates.is_empty() {
            return Ok(());
        }
        let posts = std::mem::take(&mut self.post_updates);
        for post in &posts {
            let parent = if post.parent_type == TypeId::of::<M>() {
                Slots::slot(self, post.parent)
            } else {
                ctx.slot(post.parent_type, post.parent)
            };
            // Every INSERT has run: a parent without id was expunged.
            let Slot::Id(parent_id) = parent else {
                return Err(Error::UnsavedParent {
                    table: M::TABLE,
                    relation: post.relation,
                });
            };
            let Some(entry) = self
                .entries
                .get_mut(post.child as usize)
                .and_then(Option::as_mut)
            else {
                continue;
            };
            let child_id = entry
                .value
                .primary_key()
                .ok_or(Error::NotPersistent { table: M::TABLE })?;
            tx.ensure(db)?;
            let sql = crate::sql::post_update(db.dialect(), M::TABLE, post.column, M::PRIMARY_KEY);
            db.execute_with(&sql, M::TABLE, &[parent_id, child_id])?;
            // Only assigns the field: it cannot fail.
            let _ = entry.value.link_parents(&mut Links::assign(
                M::TABLE,
                post.column,
                Some(parent_id),
            ));
        }
        Ok(())
    }

    /// Clears the `post_update` keys of the objects marked for deletion
    /// (those that are not NULL), one UPDATE each, before any DELETE of the
    /// flush: the row then references nothing its DELETE could wait on. The
    /// objects keep their values, as deleted objects do.
    pub(super) fn post_updates_before_deletes(
        &mut self,
        db: &Database,
        tx: &mut FlushTx,
    ) -> Result<()> {
        if !M::POST_UPDATES {
            return Ok(());
        }
        let mut columns = Vec::new();
        for entry in self.entries.iter_mut().flatten() {
            if entry.state != State::Deleted {
                continue;
            }
            let Some(id) = entry.value.primary_key() else {
                continue;
            };
            columns.clear();
            entry
                .value
                .link_parents(&mut Links::posted(M::TABLE, &mut columns))?;
            for column in &columns {
                tx.ensure(db)?;
                let sql =
                    crate::sql::post_update_clear(db.dialect(), M::TABLE, column, M::PRIMARY_KEY);
                db.execute_with(&sql, M::TABLE, &[id])?;
            }
        }
        Ok(())
    }
}
