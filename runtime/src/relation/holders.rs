//! The holders of loaded related objects inside a model: [`Parent`] and
//! [`Children`], and what a many-to-one attribute can be set to ([`Link`]).

use super::*;

/// What a many-to-one attribute can be set to.
#[derive(Debug, Clone)]
pub enum Link<P> {
    /// An object held by the session under this key, saved or still pending:
    /// the foreign key is filled when the session flushes.
    Key(Key<P>),
    /// A loaded object: its primary key is copied now.
    Object(P),
    /// No parent: the foreign key becomes NULL.
    None,
}

impl<P> From<Key<P>> for Link<P> {
    fn from(key: Key<P>) -> Self {
        Link::Key(key)
    }
}

impl<P: Clone> From<&P> for Link<P> {
    fn from(object: &P) -> Self {
        Link::Object(object.clone())
    }
}

/// Where a [`Parent`]'s foreign key comes from.
pub(crate) enum ParentState<P> {
    /// The foreign-key column alone says who the parent is.
    Column,
    /// A session object, maybe not inserted yet.
    Pending(Key<P>),
    /// An object that has no id and is not in a session: flushing fails.
    Unsaved,
}

impl<P> Clone for ParentState<P> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<P> Copy for ParentState<P> {}

/// The many-to-one attribute of a child (`user.role`): loads the parent on
/// first access and keeps it; can point at an object still pending in the
/// session.
///
/// Equality ignores it and `Debug` hides it, so it never affects dirty
/// checking or the model's repr. Like SQLAlchemy, the loaded parent is not
/// refreshed when the foreign-key field is assigned directly; use the
/// generated `set_*` method, or [`Parent::reset`].
pub struct Parent<P> {
    /// A session object, maybe not inserted yet (`ParentState::Pending`).
    pending: Option<Key<P>>,
    // Empty until there is more to keep than the foreign-key column and the
    // pending key tell (an unsaved parent, a loaded one, a loading mark): most
    // rows a query reads carry only this pointer-sized cell. Boxed, which also
    // lets a model be its own parent (a tree).
    inner: OnceCell<Box<ParentInner<P>>>,
}

struct ParentInner<P> {
    /// An object without id outside any session (`ParentState::Unsaved`).
    unsaved: bool,
    cache: OnceCell<Option<P>>,
    mark: Cell<Mark>,
}

impl<P> Default for ParentInner<P> {
    fn default() -> Self {
        ParentInner {
            unsaved: false,
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
        }
    }
}

impl<P: Clone> Clone for ParentInner<P> {
    fn clone(&self) -> Self {
        ParentInner {
            unsaved: self.unsaved,
            cache: self.cache.clone(),
            mark: self.mark.clone(),
        }
    }
}

impl<P> Default for Parent<P> {
    fn default() -> Self {
        Parent {
            pending: None,
            inner: OnceCell::new(),
        }
    }
}

impl<P: Clone> Clone for Parent<P> {
    fn clone(&self) -> Self {
        Parent {
            pending: self.pending,
            inner: self.inner.clone(),
        }
    }
}

impl<P> PartialEq for Parent<P> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<P> fmt::Debug for Parent<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Parent(..)")
    }
}

impl<P> Parent<P> {
    /// The state, created on first use.
    fn inner(&self) -> &ParentInner<P> {
        self.inner.get_or_init(Box::default)
    }

    fn inner_mut(&mut self) -> &mut ParentInner<P> {
        if self.inner.get().is_none() {
            self.inner = OnceCell::from(Box::default());
        }
        match self.inner.get_mut() {
            Some(inner) => inner,
            // Unreachable: filled just above.
            None => unreachable!("Parent state was just created"),
        }
    }

    /// The loaded parent, if it was loaded: `Some(None)` for "loaded, there is none".
    pub(crate) fn cached(&self) -> Option<Option<&P>> {
        if self.pending.is_some() {
            return None;
        }
        self.inner.get()?.cache.get().map(Option::as_ref)
    }

    /// Stores an eagerly loaded parent (ignored when one is loaded already).
    pub(crate) fn fill(&self, parent: Option<P>) {
        let _ = self.inner().cache.set(parent);
    }

    pub(crate) fn mark(&self) -> Mark {
        self.inner
            .get()
            .map_or(Mark::Default, |inner| inner.mark.get())
    }

    pub(crate) fn set_mark(&self, mark: Mark) {
        if mark != Mark::Default || self.inner.get().is_some() {
            self.inner().mark.set(mark);
        }
    }
}

impl<P: Model> Parent<P> {
    /// The parent, loaded with one SELECT by primary key on first access and
    /// cached; a pending parent is read from the session passed as `conn`.
    ///
    /// # Errors
    ///
    /// As for [`Query::get`].
    pub fn get<'a, E: Executor>(&'a self, conn: &'a E, key: Option<i64>) -> Result<Option<&'a P>> {
        if let ParentState::Pending(session_key) = self.state() {
            if let Some(object) = conn.session_object(session_key) {
                return Ok(Some(object));
            }
        }
        if let Some(cached) = self.inner.get().and_then(|inner| inner.cache.get()) {
            return Ok(cached.as_ref());
        }
        let Some(id) = key else {
            return Ok(None);
        };
        let loaded = Query::<P>::new().get(conn, id)?;
        Ok(self.inner().cache.get_or_init(|| loaded).as_ref())
    }

    /// Points the relationship at `link`, updating `key` (the foreign-key
    /// field) when the parent's id is already known.
    pub fn set(&mut self, link: Link<P>, key: &mut Option<i64>) {
        self.pending = None;
        if let Some(inner) = self.inner.get_mut() {
            inner.cache = OnceCell::new();
            inner.unsaved = false;
        }
        match link {
            Link::Key(session_key) => self.pending = Some(session_key),
            Link::Object(object) => match object.primary_key() {
                Some(id) => {
                    *key = Some(id);
                    self.inner_mut().cache = OnceCell::from(Some(object));
                }
                None => self.inner_mut().unsaved = true,
            },
            Link::None => *key = None,
        }
    }

    /// Forgets the loaded parent; the next access loads it again.
    pub fn reset(&mut self) {
        if let Some(inner) = self.inner.get_mut() {
            inner.cache = OnceCell::new();
        }
    }

    /// The session key of a pending parent, if the relationship holds one.
    pub fn pending_key(&self) -> Option<Key<P>> {
        self.pending
    }

    pub(crate) fn state(&self) -> ParentState<P> {
        match self.pending {
            Some(key) => ParentState::Pending(key),
            None if self.inner.get().is_some_and(|inner| inner.unsaved) => ParentState::Unsaved,
            None => ParentState::Column,
        }
    }
}

/// A collection of related objects (`role.users`, `post.tags`) held by the parent:
/// loaded on first access with one SELECT, or eagerly by the query, then cached.
///
/// The accessor returns a slice, so there is no `order_by` on it: ordering
/// belongs to the query (`lazy = "dynamic"`) or to the relationship's
/// `order_by`. Objects [`append`](Children::append)ed here are added to the
/// session with their parent (the `save-update` cascade); objects
/// [`remove`](Children::remove)d are deleted on flush under `delete-orphan`, or
/// unlinked (foreign key set to NULL) otherwise. Equality ignores it and `Debug`
/// hides it.
pub struct Children<C> {
    cache: OnceCell<Vec<C>>,
    mark: Cell<Mark>,
    /// Appended and removed objects waiting for the next flush; boxed, as
    /// most loaded objects never have any.
    changes: Option<Box<ChildChanges<C>>>,
}

struct ChildChanges<C> {
    pending: Vec<C>,
    removed: Vec<C>,
}

impl<C: Clone> Clone for ChildChanges<C> {
    fn clone(&self) -> Self {
        ChildChanges {
            pending: self.pending.clone(),
            removed: self.removed.clone(),
        }
    }
}

impl<C> Default for Children<C> {
    fn default() -> Self {
        Children {
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
            changes: None,
        }
    }
}

impl<C: Clone> Clone for Children<C> {
    fn clone(&self) -> Self {
        Children {
            cache: self.cache.clone(),
            mark: self.mark.clone(),
            changes: self.changes.clone(),
        }
    }
}

impl<C> PartialEq for Children<C> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl<C> fmt::Debug for Children<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Children(..)")
    }
}

impl<C> Children<C> {
    /// The loaded collection, if it was loaded.
    pub fn loaded(&self) -> Option<&[C]> {
        self.cache.get().map(Vec::as_slice)
    }

    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.cache.get().is_some()
    }

    /// Forgets the loaded collection; the next access loads it again.
    pub fn reset(&mut self) {
        self.cache = OnceCell::new();
    }

    /// Adds a new related object: it is added to the session together with the
    /// parent (or at the next flush, if the parent is in the session already), with
    /// its foreign key pointing at the parent (`role.users.append(user)`).
    pub fn append(&mut self, child: C) {
        self.changes_mut().pending.push(child);
    }

    fn changes_mut(&mut self) -> &mut ChildChanges<C> {
        self.changes.get_or_insert_with(|| {
            Box::new(ChildChanges {
                pending: Vec::new(),
                removed: Vec::new(),
            })
        })
    }

    /// Removes the loaded related objects matching `which` from the collection
    /// (`role.users.remove(user)`): on the next flush they are deleted under a
    /// `delete-orphan` cascade, or unlinked (foreign key NULL) otherwise. Returns
    /// how many were removed; an unloaded collection removes nothing.
    pub fn remove(&mut self, which: impl Fn(&C) -> bool) -> usize {
        let Some(loaded) = self.cache.get_mut() else {
            return 0;
        };
        let (gone, kept): (Vec<C>, Vec<C>) = loaded.drain(..).partition(|child| which(child));
        *loaded = kept;
        let count = gone.len();
        if count > 0 {
            self.changes_mut().removed.extend(gone);
        }
        count
    }

    /// The objects [`append`](Children::append)ed since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_pending(&mut self) -> Vec<C> {
        self.changes
            .as_mut()
            .map(|changes| std::mem::take(&mut changes.pending))
            .unwrap_or_default()
    }

    /// The objects [`remove`](Children::remove)d since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_removed(&mut self) -> Vec<C> {
        self.changes
            .as_mut()
            .map(|changes| std::mem::take(&mut changes.removed))
            .unwrap_or_default()
    }

    /// Stores an eagerly loaded collection and returns it (keeps one that is loaded
    /// already).
    pub(crate) fn fill(&self, children: Vec<C>) -> &[C] {
        self.cache.get_or_init(|| children)
    }

    pub(crate) fn set_mark(&self, mark: Mark) {
        self.mark.set(mark);
    }

    /// The strategy for an unloaded access: the query's mark, else `declared`.
    pub(crate) fn effective(&self, declared: Lazy) -> Lazy {
        match self.mark.get() {
            Mark::Raise => Lazy::Raise,
            Mark::Noload => Lazy::Noload,
            Mark::Default => declared,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Node {
        _parent: Parent<Node>,
    }

    #[test]
    fn a_parent_costs_three_words() {
        // Every row of a child model carries one: a pending key (16 bytes,
        // `None` in the session id's niche) and one pointer for the rest.
        assert_eq!(std::mem::size_of::<Option<Key<Node>>>(), 16);
        assert_eq!(std::mem::size_of::<Parent<Node>>(), 24);
    }

    #[test]
    fn children_cost_five_words() {
        // A loaded list and its mark; appended and removed objects are boxed.
        assert_eq!(std::mem::size_of::<Children<Node>>(), 40);
    }
}
