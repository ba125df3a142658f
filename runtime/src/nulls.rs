//! Explicit NULLs: the columns of an object that an INSERT writes as NULL even
//! though the spec gives them a `default` (SQLAlchemy's `column=null()`).

/// The columns of one object marked to be stored as NULL despite their
/// `default`, kept in a field the generator adds to models with such columns
/// (`explicit_nulls`). Fill it with the generated `with_null`/`set_null`:
///
/// ```
/// use litemodel::{ExplicitNulls, Model};
///
/// #[derive(Clone, PartialEq, Default, Model)]
/// #[litemodel(table = "posts")]
/// pub struct Post {
///     #[litemodel(explicit_nulls)]
///     pub explicit_nulls: ExplicitNulls,
///     #[litemodel(primary_key)]
///     pub id: Option<i64>,
///     #[litemodel(default = String::from("draft"))]
///     pub status: Option<String>,
/// }
///
/// // `status` left `None` gets its default at INSERT (the flush calls
/// // `apply_defaults`),
/// let mut post = Post::new();
/// post.apply_defaults();
/// assert_eq!(post.status.as_deref(), Some("draft"));
/// // unless it is marked: this one is stored as NULL.
/// let mut post = Post::new().with_null(Post::STATUS);
/// post.apply_defaults();
/// assert_eq!(post.status, None);
/// ```
///
/// Equality and hashing ignore it; serde skips it.
#[derive(Clone, Default)]
pub struct ExplicitNulls {
    columns: Vec<&'static str>,
}

impl ExplicitNulls {
    /// Marks `column` (its SQL name) to be stored as NULL.
    pub fn insert(&mut self, column: &'static str) {
        if !self.contains(column) {
            self.columns.push(column);
        }
    }

    /// Whether `column` is marked.
    pub fn contains(&self, column: &str) -> bool {
        self.columns.contains(&column)
    }

    /// Unmarks `column`: its `default` applies again when it is `None`.
    pub fn remove(&mut self, column: &str) {
        self.columns.retain(|c| *c != column);
    }
}

impl PartialEq for ExplicitNulls {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl Eq for ExplicitNulls {}

impl std::hash::Hash for ExplicitNulls {
    fn hash<H: std::hash::Hasher>(&self, _: &mut H) {}
}

impl std::fmt::Debug for ExplicitNulls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_set().entries(&self.columns).finish()
    }
}
