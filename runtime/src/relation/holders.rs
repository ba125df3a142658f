//! The holders of loaded related objects inside a model: [`Parent`] and
//! [`Children`], and what a many-to-one attribute can be set to ([`Link`]).

use std::any::Any;

use super::*;
use crate::session::{LinkSide, Session};

/// What a many-to-one attribute can be set to.
#[derive(Debug, Clone)]
pub enum Link<P> {
    /// An object held by the session under this key, saved or still pending:
    /// the foreign key is filled when the session flushes.
    Key(Key<P>),
    /// An object: a loaded one's primary key is copied now; a new one is
    /// added to the session at the next flush and its key filled in then.
    Object(P),
    /// No parent: the foreign key becomes NULL.
    None,
}

impl<P> From<Key<P>> for Link<P> {
    fn from(key: Key<P>) -> Self {
        Link::Key(key)
    }
}

/// An object by value (`user.with_role(Role::new("Admin"))`): a saved one is
/// linked by its id; a new one is added to the session with the child at the
/// next flush and inserted first (the save-update cascade).
impl<P: Model> From<P> for Link<P> {
    fn from(object: P) -> Self {
        Link::Object(object)
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

/// A loaded relationship value with its type erased.
///
/// [`Parent`] and [`Children`] keep what they load behind this trait instead of
/// as `P` / `Vec<C>`, so that a model's type does not contain the types of the
/// models it relates to. Otherwise rustc's drop check and auto-trait
/// evaluation follow `Children<Next>` from struct to struct, and a chain of a
/// few dozen related models overflows the recursion limit (E0320). The price
/// is one downcast (a type-id comparison) per access.
trait Erased: Any + Send {
    fn clone_box(&self) -> Box<dyn Erased>;
    fn as_any(&self) -> &dyn Any;
    fn as_any_mut(&mut self) -> &mut dyn Any;
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
}

impl<T: Any + Clone + Send> Erased for T {
    fn clone_box(&self) -> Box<dyn Erased> {
        Box::new(self.clone())
    }
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
}

impl dyn Erased {
    // Called on the trait object, never on the `Box`: `Box<dyn Erased>` is
    // `Erased` itself (it is `Clone`), and its own `as_any` would not downcast.
    fn get<T: 'static>(&self) -> Option<&T> {
        self.as_any().downcast_ref()
    }

    fn get_mut<T: 'static>(&mut self) -> Option<&mut T> {
        self.as_any_mut().downcast_mut()
    }
}

impl Clone for Box<dyn Erased> {
    fn clone(&self) -> Self {
        (**self).clone_box()
    }
}

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
    // rows a query reads carry only this pointer-sized cell.
    inner: OnceCell<Box<ParentInner>>,
}

// Most rows read never get an inner: dropping is a test of one pointer, inline.
impl<P> Drop for Parent<P> {
    #[inline]
    fn drop(&mut self) {
        if let Some(inner) = self.inner.take() {
            drop_inner(inner);
        }
    }
}

#[inline(never)]
fn drop_inner(inner: Box<ParentInner>) {
    drop(inner);
}

#[derive(Clone)]
struct ParentInner {
    /// An object without id outside any session (`ParentState::Unsaved`), an
    /// `Unsaved<P>` (see [`Erased`]): the session adds it at the next flush
    /// (the save-update cascade).
    unsaved: Option<Box<dyn Erased>>,
    /// The loaded parent, an `Option<P>` (see [`Erased`]).
    cache: OnceCell<Box<dyn Erased>>,
    mark: Cell<Mark>,
}

impl Default for ParentInner {
    fn default() -> Self {
        ParentInner {
            unsaved: None,
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
        }
    }
}

impl ParentInner {
    fn cached<P: 'static>(&self) -> Option<Option<&P>> {
        let erased = self.cache.get()?;
        erased.get::<Option<P>>().map(Option::as_ref)
    }

    fn unsaved<P: 'static>(&self) -> Option<&P> {
        let erased = self.unsaved.as_deref()?;
        erased.get::<Unsaved<P>>().map(|unsaved| &unsaved.object)
    }
}

/// A new parent object set on a child (`user.with_role(Role::new(..))`), with
/// the way to add it to a session: a function pointer taken where it was set,
/// where its type is known, as [`ChildOps`] is (the child's cascade code does
/// not instantiate the session's code for its parent's model).
struct Unsaved<P> {
    object: P,
    add: fn(&mut Session<'_>, P) -> Key<P>,
}

impl<P: Clone> Clone for Unsaved<P> {
    fn clone(&self) -> Self {
        Unsaved {
            object: self.object.clone(),
            add: self.add,
        }
    }
}

/// A new parent taken out of a [`Parent`] by the generated cascade code, to be
/// added to the session.
#[doc(hidden)]
pub struct Adopt<P> {
    object: P,
    add: fn(&mut Session<'_>, P) -> Key<P>,
}

impl<P> Adopt<P> {
    /// Adds the parent to `session` (`session.add(parent)`) and returns its key.
    pub fn add_to(self, session: &mut Session<'_>) -> Key<P> {
        (self.add)(session, self.object)
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

impl<P> Clone for Parent<P> {
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

/// Equality ignores the holder, so a model whose columns are `Eq` can be too.
impl<P> Eq for Parent<P> {}

/// Hashing ignores the holder, as equality does.
impl<P> std::hash::Hash for Parent<P> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl<P> fmt::Debug for Parent<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Parent(..)")
    }
}

impl<P> Parent<P> {
    /// The state, created on first use.
    fn inner(&self) -> &ParentInner {
        self.inner.get_or_init(Box::default)
    }

    fn inner_mut(&mut self) -> &mut ParentInner {
        if self.inner.get().is_none() {
            self.inner = OnceCell::from(Box::default());
        }
        match self.inner.get_mut() {
            Some(inner) => inner,
            // Unreachable: filled just above.
            None => unreachable!("Parent state was just created"),
        }
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

impl<P: Clone + Send + 'static> Parent<P> {
    /// The loaded parent, if it was loaded: `Some(None)` for "loaded, there is none".
    pub(crate) fn cached(&self) -> Option<Option<&P>> {
        if self.pending.is_some() {
            return None;
        }
        self.inner.get()?.cached()
    }

    /// Stores an eagerly loaded parent (ignored when one is loaded already).
    pub(crate) fn fill(&self, parent: Option<P>) {
        let _ = self.inner().cache.set(Box::new(parent));
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
        if let Some(unsaved) = self.inner.get().and_then(|inner| inner.unsaved()) {
            return Ok(Some(unsaved));
        }
        if let Some(cached) = self.inner.get().and_then(|inner| inner.cached()) {
            return Ok(cached);
        }
        let Some(id) = key else {
            return Ok(None);
        };
        let loaded = Query::<P>::new().get(conn, id)?;
        let inner = self.inner();
        let _ = inner.cache.set(Box::new(loaded));
        Ok(inner.cached().flatten())
    }

    /// Points the relationship at `link`, updating `key` (the foreign-key
    /// field) when the parent's id is already known.
    #[inline]
    pub fn set(&mut self, link: Link<P>, key: &mut Option<i64>) {
        self.pending = None;
        if self.inner.get().is_some() {
            self.forget();
        }
        match link {
            Link::Key(session_key) => self.pending = Some(session_key),
            other => self.set_other(other, key),
        }
    }

    #[inline(never)]
    fn forget(&mut self) {
        if let Some(inner) = self.inner.get_mut() {
            inner.cache = OnceCell::new();
            inner.unsaved = None;
        }
    }

    #[inline(never)]
    fn set_other(&mut self, link: Link<P>, key: &mut Option<i64>) {
        match link {
            Link::Key(session_key) => self.pending = Some(session_key),
            Link::Object(object) => match object.primary_key() {
                Some(id) => {
                    *key = Some(id);
                    let cached: Box<dyn Erased> = Box::new(Some(object));
                    self.inner_mut().cache = OnceCell::from(cached);
                }
                None => {
                    let unsaved: Box<dyn Erased> = Box::new(Unsaved {
                        object,
                        add: |session, parent| session.add(parent),
                    });
                    self.inner_mut().unsaved = Some(unsaved);
                }
            },
            Link::None => *key = None,
        }
    }

    /// Takes `other`'s loaded parent when this one has none loaded (a query
    /// read again a row the session holds; for the generated code).
    #[doc(hidden)]
    pub fn absorb(&mut self, mut other: Parent<P>) {
        let loaded = self
            .inner
            .get()
            .is_some_and(|inner| inner.cache.get().is_some());
        if loaded || self.pending.is_some() || self.has_unsaved() {
            return;
        }
        let Some(cache) = other
            .inner
            .take()
            .and_then(|inner| inner.cache.into_inner())
        else {
            return;
        };
        self.inner_mut().cache = OnceCell::from(cache);
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

    /// Whether the relationship holds a new object that is in no session (for
    /// the generated cascade code).
    #[doc(hidden)]
    pub fn has_unsaved(&self) -> bool {
        self.inner
            .get()
            .is_some_and(|inner| inner.unsaved.is_some())
    }

    /// Takes the new object the relationship holds, to be added to the session
    /// by the generated cascade code, which then calls [`Parent::adopt`].
    #[doc(hidden)]
    pub fn take_unsaved(&mut self) -> Option<Adopt<P>> {
        let erased = self.inner.get_mut()?.unsaved.take()?;
        let unsaved = <dyn Erased as Erased>::into_any(erased)
            .downcast::<Unsaved<P>>()
            .ok()?;
        Some(Adopt {
            object: unsaved.object,
            add: unsaved.add,
        })
    }

    /// Points the relationship at the session object `key` (the new parent
    /// the cascade just added).
    #[doc(hidden)]
    pub fn adopt(&mut self, key: Key<P>) {
        self.pending = Some(key);
    }

    pub(crate) fn state(&self) -> ParentState<P> {
        match self.pending {
            Some(key) => ParentState::Pending(key),
            None if self.has_unsaved() => ParentState::Unsaved,
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
    /// The loaded `Vec<C>` (see [`Erased`]).
    cache: OnceCell<Box<dyn Erased>>,
    mark: Cell<Mark>,
    /// Appended and removed objects waiting for the next flush, a
    /// `ChildChanges<C>`; most loaded objects never have any.
    changes: Option<Box<dyn Erased>>,
    marker: PhantomData<fn() -> C>,
}

#[derive(Clone)]
struct ChildChanges<C> {
    pending: Vec<C>,
    removed: Vec<C>,
    ops: ChildOps<C>,
}

/// How a flush hands a collection's appended and removed objects to the session.
///
/// Function pointers taken where an object is appended or removed (in the
/// caller's code, where the child's type is known), so that a model's cascade
/// code does not instantiate the session's code for the models it relates to:
/// otherwise every model of a chain would instantiate the next one's, and
/// rustc's monomorphization would overflow its recursion limit on a long chain.
#[doc(hidden)]
pub struct ChildOps<C> {
    add: fn(&mut Session<'_>, C) -> Key<C>,
    delete: fn(&mut Session<'_>, &C) -> Result<()>,
}

impl<C> Clone for ChildOps<C> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<C> Copy for ChildOps<C> {}

impl<C> ChildOps<C> {
    /// Adds `child` to `session` (`session.add(child)`) and returns its key.
    pub fn add(&self, session: &mut Session<'_>, child: C) -> Key<C> {
        (self.add)(session, child)
    }

    /// Deletes `child` from `session` (`session.delete(&child)`).
    ///
    /// # Errors
    ///
    /// As for [`Session::delete`].
    pub fn delete(&self, session: &mut Session<'_>, child: &C) -> Result<()> {
        (self.delete)(session, child)
    }
}

impl<C: Model> ChildOps<C> {
    fn new() -> Self {
        ChildOps {
            add: |session, child| session.add(child),
            delete: |session, child| session.delete(child),
        }
    }
}

/// The objects appended to and removed from a collection since the last flush,
/// taken by the generated cascade code.
#[doc(hidden)]
pub struct Cascade<C> {
    /// Appended objects.
    pub added: Vec<C>,
    /// Removed objects.
    pub removed: Vec<C>,
    /// How to hand them to the session.
    pub ops: ChildOps<C>,
}

impl<C> Default for Children<C> {
    fn default() -> Self {
        Children {
            cache: OnceCell::new(),
            mark: Cell::new(Mark::Default),
            changes: None,
            marker: PhantomData,
        }
    }
}

impl<C> Clone for Children<C> {
    fn clone(&self) -> Self {
        Children {
            cache: self.cache.clone(),
            mark: self.mark.clone(),
            changes: self.changes.clone(),
            marker: PhantomData,
        }
    }
}

impl<C> PartialEq for Children<C> {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

/// Equality ignores the holder, so a model whose columns are `Eq` can be too.
impl<C> Eq for Children<C> {}

/// Hashing ignores the holder, as equality does.
impl<C> std::hash::Hash for Children<C> {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl<C> fmt::Debug for Children<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Children(..)")
    }
}

impl<C> Children<C> {
    /// Whether the collection has been loaded.
    pub fn is_loaded(&self) -> bool {
        self.cache.get().is_some()
    }

    /// Forgets the loaded collection; the next access loads it again.
    pub fn reset(&mut self) {
        self.cache = OnceCell::new();
    }

    /// Takes `other`'s loaded collection when this one is not loaded (a query
    /// read again a row the session holds; for the generated code).
    #[doc(hidden)]
    pub fn absorb(&mut self, other: Children<C>) {
        if self.cache.get().is_none() {
            if let Some(loaded) = other.cache.into_inner() {
                self.cache = OnceCell::from(loaded);
            }
        }
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

impl<C: Clone + Send + 'static> Children<C> {
    /// The loaded collection, if it was loaded.
    pub fn loaded(&self) -> Option<&[C]> {
        let list = self.cache.get()?.get::<Vec<C>>()?;
        Some(list.as_slice())
    }

    fn take_changes(&mut self, which: impl FnOnce(&mut ChildChanges<C>) -> &mut Vec<C>) -> Vec<C> {
        self.changes
            .as_mut()
            .and_then(|erased| erased.get_mut::<ChildChanges<C>>())
            .map(|changes| std::mem::take(which(changes)))
            .unwrap_or_default()
    }

    /// The objects appended and removed since the last flush, with the way
    /// to hand them to the session (for the generated cascade code).
    #[doc(hidden)]
    pub fn take_cascade(&mut self) -> Option<Cascade<C>> {
        let changes = self.changes.as_mut()?.get_mut::<ChildChanges<C>>()?;
        if changes.pending.is_empty() && changes.removed.is_empty() {
            return None;
        }
        Some(Cascade {
            added: std::mem::take(&mut changes.pending),
            removed: std::mem::take(&mut changes.removed),
            ops: changes.ops,
        })
    }

    /// The objects [`append`](Children::append)ed since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_pending(&mut self) -> Vec<C> {
        self.take_changes(|changes| &mut changes.pending)
    }

    /// The objects [`remove`](Children::remove)d since the last flush (for the
    /// generated cascade code).
    #[doc(hidden)]
    pub fn take_removed(&mut self) -> Vec<C> {
        self.take_changes(|changes| &mut changes.removed)
    }

    /// Stores an eagerly loaded collection and returns it (keeps one that is loaded
    /// already).
    pub(crate) fn fill(&self, children: Vec<C>) -> &[C] {
        let erased = self.cache.get_or_init(|| Box::new(children));
        match erased.get::<Vec<C>>() {
            Some(list) => list,
            // Unreachable: only a `Vec<C>` is ever stored in `cache`.
            None => &[],
        }
    }
}

impl<C: Model> Cascade<C> {
    /// Hands the changes to `session`: each appended object is linked to its
    /// parent (`link`) and added; each removed object that has a row is deleted
    /// when `delete_orphans`, else unlinked (`unlink`) and added.
    ///
    /// # Errors
    ///
    /// As for [`Session::delete`].
    pub fn apply(
        self,
        session: &mut Session<'_>,
        delete_orphans: bool,
        link: impl Fn(&Session<'_>, &mut C),
        unlink: impl Fn(&mut C),
    ) -> Result<()> {
        for mut child in self.added {
            link(session, &mut child);
            self.ops.add(session, child);
        }
        for mut child in self.removed {
            if child.primary_key().is_none() {
                continue;
            }
            if delete_orphans {
                self.ops.delete(session, &child)?;
            } else {
                unlink(&mut child);
                self.ops.add(session, child);
            }
        }
        Ok(())
    }

    /// Hands the changes of a many-to-many collection of the session object
    /// `owner` to `session`: association rows written or deleted at the next
    /// flush. An appended object with an id is linked by it; a new one is
    /// added to the session (the save-update cascade) and linked once it is
    /// inserted.
    pub fn apply_links<M: Model, E>(
        self,
        session: &mut Session<'_>,
        owner: Key<M>,
        relation: ManyToMany<M, C, E>,
    ) {
        let parts = relation.parts();
        let owner = LinkSide::of_key(owner);
        for child in self.added {
            let target = match child.primary_key() {
                Some(id) => LinkSide::Id(id),
                None => LinkSide::of_key(self.ops.add(session, child)),
            };
            session.push_link(parts, owner, target, true);
        }
        for child in self.removed {
            if let Some(id) = child.primary_key() {
                session.push_link(parts, owner, LinkSide::Id(id), false);
            }
        }
    }
}

impl<C: Model> Children<C> {
    /// Adds a related object (`role.users.append(user)`): a new one is added to
    /// the session together with the parent (or at the next flush, if the parent
    /// is in the session already), with its foreign key pointing at the parent.
    /// In a many-to-many collection the next flush writes the association row,
    /// adding the object first if it is new (docs/session.md).
    pub fn append(&mut self, child: C) {
        if let Some(changes) = self.changes_mut() {
            changes.pending.push(child);
        }
    }

    fn changes_mut(&mut self) -> Option<&mut ChildChanges<C>> {
        self.changes
            .get_or_insert_with(|| {
                Box::new(ChildChanges::<C> {
                    pending: Vec::new(),
                    removed: Vec::new(),
                    ops: ChildOps::new(),
                })
            })
            .get_mut()
    }

    /// Removes the loaded related objects matching `which` from the collection
    /// (`role.users.remove(user)`): on the next flush they are deleted under a
    /// `delete-orphan` cascade, or unlinked (foreign key NULL) otherwise. Returns
    /// how many were removed; an unloaded collection removes nothing.
    pub fn remove(&mut self, which: impl Fn(&C) -> bool) -> usize {
        let Some(loaded) = self
            .cache
            .get_mut()
            .and_then(|erased| erased.get_mut::<Vec<C>>())
        else {
            return 0;
        };
        let (gone, kept): (Vec<C>, Vec<C>) = loaded.drain(..).partition(|child| which(child));
        *loaded = kept;
        let count = gone.len();
        if count > 0 {
            if let Some(changes) = self.changes_mut() {
                changes.removed.extend(gone);
            }
        }
        count
    }
}

/// A loaded parent serializes as the object (or `null` when there is none or it
/// is not loaded): for a relationship with `serialize = true` in the spec.
#[cfg(feature = "serde")]
impl<P: serde::Serialize + Clone + Send + 'static> serde::Serialize for Parent<P> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.cached().flatten().serialize(serializer)
    }
}

/// A loaded collection serializes as a list, an unloaded one as `null`: for a
/// relationship with `serialize = true` in the spec.
#[cfg(feature = "serde")]
impl<C: serde::Serialize + Clone + Send + 'static> serde::Serialize for Children<C> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.loaded().serialize(serializer)
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
