//! Writing one model's objects: INSERT, UPDATE and DELETE in a flush, and
//! keeping or undoing what the flush did.

use super::*;

/// The index of the first entry from `from` on that `wanted` picks: a plain
/// scan, so that a flush passes over the objects it has nothing to do for in
/// a few instructions each.
#[inline]
fn next_in<M>(
    entries: &[Option<Entry<M>>],
    from: usize,
    wanted: impl Fn(&Entry<M>) -> bool,
) -> Option<usize> {
    let rest = entries.get(from..)?;
    rest.iter()
        .position(|e| e.as_ref().is_some_and(&wanted))
        .map(|at| from + at)
}

impl<M: Model> Store for TypedStore<M> {
    fn table(&self) -> &'static str {
        M::TABLE
    }

    fn slot(&self, index: u32) -> Slot {
        Slots::slot(self, index)
    }

    fn fresh(&self, index: u32) -> bool {
        Slots::fresh(self, index)
    }

    fn write_post_updates(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<()> {
        self.post_updates_after_inserts(db, ctx, tx)
    }

    fn clear_post_updates(&mut self, db: &Database, tx: &mut FlushTx) -> Result<()> {
        self.post_updates_before_deletes(db, tx)
    }

    fn insert_ready(
        &mut self,
        db: &Database,
        ctx: &LinkCtx<'_>,
        tx: &mut FlushTx,
    ) -> Result<(usize, usize)> {
        let (mut inserted, mut waiting) = (0, 0);
        let mut cached = None;
        // Out of `self` for the loop: `link` reads `self` while it records.
        let mut undo = std::mem::take(&mut self.undo);
        // Only models with `post_update` links defer any (a constant: the
        // others pay nothing per object for them).
        let mut deferred = if M::POST_UPDATES {
            std::mem::take(&mut self.post_updates)
        } else {
            Vec::new()
        };
        // Room for a backup of every object added since the last flush (each
        // has at most one per flush), so a big batch does not grow it by
        // copies; the foreign keys' undo values get theirs after the first
        // insert shows how many an object records.
        let added = self.entries.len().saturating_sub(self.flushed);
        self.flush_backup.reserve(added);
        let mut sized_undo = false;
        let mut next = 0;
        while let Some(index) = next_in(&self.entries, next, |e| e.state == State::New) {
            next = index + 1;
            // The entry stays in place: links to other objects of the model
            // read the entries around it.
            let (before, rest) = self.entries.split_at_mut(index);
            let Some((Some(entry), after)) = rest.split_first_mut() else {
                continue;
            };
            let around = EntriesAround {
                before: &*before,
                after: &*after,
            };
            // Models that read server defaults back change more than their
            // keys: keep a whole copy of those.
            let whole =
                (!M::SERVER_DEFAULTS.is_empty() || M::INSERT_DEFAULTS).then(|| entry.clone());
            let key = entry.value.primary_key();
            let start = undo.len();
            let posted = if M::POST_UPDATES { deferred.len() } else { 0 };
            let defer = M::POST_UPDATES.then_some((&mut deferred, index_u32(index)));
            let result =
                Self::link_among(&around, ctx, entry, Some(&mut undo), defer).and_then(|links| {
                    if links.waiting {
                        return Ok(false);
                    }
                    entry.value.apply_defaults();
                    Self::insert(db, entry, tx, &mut cached).map(|()| true)
                });
            let backup = match result {
                Ok(true) => match whole {
                    Some(before) => Backup::Whole(Box::new(before)),
                    None => Backup::Inserted {
                        key,
                        undo: start..undo.len(),
                    },
                },
                Ok(false) => {
                    // A parent is not inserted yet: leave the object as it was.
                    let _ = entry
                        .value
                        .link_parents(&mut Links::restore(M::TABLE, &undo[start..]));
                    undo.truncate(start);
                    deferred.truncate(posted);
                    waiting += 1;
                    continue;
                }
                Err(err) => {
                    match whole {
                        Some(before) => *entry = before,
                        None => Self::undo_insert(entry, key, &undo[start..]),
                    }
                    undo.truncate(start);
                    deferred.truncate(posted);
                    self.undo = undo;
                    if M::POST_UPDATES {
                        self.post_updates = deferred;
                    }
                    return Err(err);
                }
            };
            if !sized_undo {
                sized_undo = true;
                undo.reserve((undo.len() - start) * added);
            }
            inserted += 1;
            self.identity_stale.set(true);
            self.flush_backup.push((index_u32(index), backup));
        }
        self.undo = undo;
        if M::POST_UPDATES {
            self.post_updates = deferred;
        }
        Ok((inserted, waiting))
    }

    fn update_dirty(&mut self, db: &Database, ctx: &LinkCtx<'_>, tx: &mut FlushTx) -> Result<()> {
        let mut cached = None;
        let mut undo = std::mem::take(&mut self.undo);
        // Whether the identity follows the key columns (composite keys on
        // PostgreSQL): the same for every object.
        let rekeys = crate::sql::computes_identity(db.dialect(), M::PRIMARY_KEY);
        let mut next = 0;
        // Objects this flush inserted are written as they are.
        let dirty = |e: &Entry<M>| e.state == State::Persistent && !e.fresh;
        while let Some(index) = next_in(&self.entries, next, dirty) {
            next = index + 1;
            // In place, as in `insert_ready`.
            let (before, rest) = self.entries.split_at_mut(index);
            let Some((Some(entry), after)) = rest.split_first_mut() else {
                continue;
            };
            let around = EntriesAround {
                before: &*before,
                after: &*after,
            };
            let probe = match Self::link_among(&around, ctx, entry, None, None) {
                Ok(probe) => probe,
                Err(err) => {
                    self.undo = undo;
                    return Err(err);
                }
            };
            // The columns that differ from the row as the session knows it;
            // `None`: the row is unknown (added by value), write every column.
            let known = match entry.sync {
                Sync::Unknown => None,
                _ if !entry.changed() => Some(ColumnSet::new()),
                _ => entry
                    .snapshot
                    .as_deref()
                    .map(|before| entry.value.changed_columns(before)),
            };
            if !probe.changes && known.as_ref().is_some_and(ColumnSet::is_empty) {
                if entry.sync == Sync::Touched {
                    // Borrowed mutably but left as it was.
                    entry.mark_clean();
                }
                continue;
            }
            let unknown = known.is_none();
            // `onupdate` columns change more than the foreign keys, and an
            // object added by value may turn out new and be inserted (defaults
            // applied, server defaults read back): keep a whole copy of those.
            // So do objects whose identity follows their key columns (it
            // changes with them).
            let whole = (M::ON_UPDATE
                || rekeys
                || (unknown && (!M::SERVER_DEFAULTS.is_empty() || M::INSERT_DEFAULTS)))
                .then(|| entry.clone());
            let before_id = entry.value.primary_key();
            let sync = entry.sync;
            let snapshot = entry.snapshot.take();
            // What the changed columns are counted from: the snapshot, or for a
            // clean object whose parents got new ids, the object as it is.
            let clean_base = (sync == Sync::Clean).then(|| entry.value.clone());
            let start = undo.len();
            let written = if probe.changes {
                Self::link_among(&around, ctx, entry, Some(&mut undo), None).map(drop)
            } else {
                Ok(())
            }
            .and_then(|()| {
                let id = entry
                    .value
                    .primary_key()
                    .ok_or_else(|| Error::not_persistent(M::TABLE))?;
                // Kept to undo `before_update` should the row be missing.
                let unwritten = (unknown && M::ON_UPDATE).then(|| entry.value.clone());
                entry.value.before_update();
                let columns = if unknown {
                    None
                } else if !probe.changes && !M::ON_UPDATE {
                    // Neither the links nor `before_update` changed a column:
                    // the columns counted above.
                    known
                } else {
                    clean_base
                        .as_ref()
                        .or(snapshot.as_deref())
                        .map(|before| entry.value.changed_columns(before))
                };
                if columns.as_ref().is_some_and(ColumnSet::is_empty) {
                    entry.mark_clean();
                    return Ok(());
                }
                if Self::update(db, entry, id, columns, rekeys, tx, &mut cached)? {
                    return Ok(());
                }
                // Added by value with an id the table does not hold: an INSERT
                // under that id, as a new object is inserted (SQLAlchemy's
                // `add` of an object with its key): defaults applied, no
                // `onupdate`, server defaults read back.
                if let Some(before) = unwritten {
                    entry.value = before;
                }
                entry.value.apply_defaults();
                Self::insert(db, entry, tx, &mut None)
            });
            let backup = match written {
                Ok(()) => match whole {
                    Some(before) => Backup::Whole(Box::new(before)),
                    None => Backup::Updated {
                        sync,
                        snapshot,
                        undo: start..undo.len(),
                    },
                },
                Err(err) => {
                    match whole {
                        Some(before) => *entry = before,
                        None => Self::undo_update(entry, sync, snapshot, &undo[start..]),
                    }
                    undo.truncate(start);
                    self.undo = undo;
                    return Err(err);
                }
            };
            if entry.value.primary_key() != before_id {
                self.identity_stale.set(true);
            }
            self.flush_backup.push((index_u32(index), backup));
        }
        self.undo = undo;
        Ok(())
    }

    fn delete_marked(&mut self, db: &Database, tx: &mut FlushTx) -> Result<()> {
        let mut next = 0;
        while let Some(index) = next_in(&self.entries, next, |e| e.state == State::Deleted) {
            next = index + 1;
            let Some(entry) = self.entries[index].as_ref() else {
                continue;
            };
            let before = entry.clone();
            if let Some(id) = entry.value.primary_key() {
                tx.ensure(db)?;
                if !tx.deferred_foreign_keys {
                    // Rows deleted together may reference each other; check
                    // the foreign keys at COMMIT instead of per statement.
                    if let Some(defer) = db.dialect().defer_foreign_keys() {
                        db.execute(defer, None)?;
                    }
                    tx.deferred_foreign_keys = true;
                }
                // Children and association rows first (cascades).
                entry.value.before_delete(db)?;
                let mut stmt = db.prepare_model::<M>(ModelStatement::Delete)?;
                stmt.bind_int(1, id)?;
                db.note(&stmt);
                stmt.execute()?;
                self.identity().remove(&id);
            }
            if let Some(entry) = self.entries[index].as_mut() {
                entry.state = State::Gone;
            }
            self.flush_backup
                .push((index_u32(index), Backup::Whole(Box::new(before))));
        }
        Ok(())
    }

    fn len(&self) -> usize {
        self.entries.len()
    }

    fn cascade_jobs(&self, session: SessionId) -> Vec<CascadeJob> {
        if !M::CASCADES && !M::PARENT_CASCADES {
            return Vec::new();
        }
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                e.as_ref().is_some_and(|e| {
                    matches!(e.state, State::New | State::Persistent)
                        && (M::CASCADES || e.value.has_unsaved_parents())
                })
            })
            .map(|(index, _)| {
                let key = Key::<M> {
                    index: index_u32(index),
                    session,
                    marker: PhantomData,
                };
                Box::new(move |s: &mut Session<'_>| M::cascade(key, s)) as CascadeJob
            })
            .collect()
    }

    fn abort_flush(&mut self) {
        self.post_updates.clear();
        let backups = std::mem::take(&mut self.flush_backup);
        for (index, backup) in backups.into_iter().rev() {
            self.restore(index, backup);
        }
        self.rebuild_identity();
    }

    fn finish_flush(&mut self) {
        let entries = self.entries.len();
        self.flushed = entries;
        if self.tx_backed.len() < entries {
            self.tx_backed.resize(entries, false);
        }
        let mut backups = std::mem::take(&mut self.flush_backup);
        // Keep the oldest backup of each entry: how it was before the
        // transaction. In a transaction's first flush every one is kept and
        // nothing moves.
        backups.retain(|(index, _)| {
            let i = *index as usize;
            if let Some(Some(now)) = self.entries.get_mut(i) {
                now.fresh = false;
            }
            match self.tx_backed.get_mut(i) {
                Some(backed) if !*backed => {
                    *backed = true;
                    true
                }
                _ => false,
            }
        });
        if self.tx_backup.is_empty() {
            self.tx_backup = backups;
        } else {
            self.tx_backup.append(&mut backups);
        }
    }

    fn abort_transaction(&mut self) {
        self.abort_flush();
        self.tx_backed.clear();
        let backups = std::mem::take(&mut self.tx_backup);
        // Oldest last, so that it wins should an entry have two.
        for (index, backup) in backups.into_iter().rev() {
            self.restore(index, backup);
        }
        self.undo.clear();
        self.rebuild_identity();
    }

    fn finish_transaction(&mut self) {
        self.flush_backup.clear();
        self.tx_backup.clear();
        self.tx_backed.clear();
        self.undo.clear();
    }
}
