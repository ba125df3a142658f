//! The spec as written: `models.toml` read into types that keep every span.
//!
//! This stage only checks the *shape* of the file (TOML syntax, known keys, value
//! kinds). What the values mean — whether a type exists, a reference resolves — is
//! `validate`'s job. Errors are collected, never returned early, so one run reports
//! every mistake in the file.
//!
//! The types are here; `read` walks the tables into them with the typed getters of
//! `values`, and `syntax` words the errors of a file that is not valid TOML.

mod read;
mod syntax;
mod values;

use toml::de::DeTable;

use crate::diagnostics::{Diagnostics, Span};

use read::Reader;
pub use read::{COLUMN_KEYS, RELATIONSHIP_KEYS};
use syntax::{duplicate_key, first_line, syntax_error, toml_lines};

/// A value and where it was written.
#[derive(Debug, Clone, PartialEq)]
pub struct Sp<T> {
    /// The value.
    pub value: T,
    /// Its byte range in the spec.
    pub span: Span,
}

impl<T> Sp<T> {
    fn new(value: T, span: Span) -> Self {
        Sp { value, span }
    }
}

/// The whole file.
#[derive(Debug, Clone, Default)]
pub struct Spec {
    /// `[database]`
    pub database: DatabaseSpec,
    /// `[models.*]`, in file order.
    pub models: Vec<ModelSpec>,
}

/// `[database]`
#[derive(Debug, Clone, Default)]
pub struct DatabaseSpec {
    /// `path = "data.sqlite"`
    pub path: Option<Sp<String>>,
    /// `url = "postgresql://app@localhost/app"`
    pub url: Option<Sp<String>>,
}

/// `[models.Name]`
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// The key after `models.`.
    pub name: Sp<String>,
    /// `table = "users"`
    pub table: Option<Sp<String>>,
    /// `doc = "..."`
    pub doc: Option<Sp<String>>,
    /// `renamed_from = "old_table"`: the table's previous name, for migrations.
    pub renamed_from: Option<Sp<String>>,
    /// `repr = "username"` or `repr = ["a", "b"]`
    pub repr: Vec<Sp<String>>,
    /// `[models.Name.columns]`
    pub columns: Vec<ColumnSpec>,
    /// `[models.Name.relationships]`
    pub relationships: Vec<RelationshipSpec>,
    /// `[[models.Name.indexes]]`
    pub indexes: Vec<IndexSpec>,
    /// `[[models.Name.unique]]`
    pub unique: Vec<UniqueSpec>,
    /// `[[models.Name.checks]]`
    pub checks: Vec<CheckSpec>,
    /// `[[models.Name.foreign_keys]]`
    pub foreign_keys: Vec<ForeignKeySpec>,
    /// `derive = ["Hash", "Eq"]`: traits the generated struct derives besides its own.
    pub derive: Vec<Sp<String>>,
    /// `attributes = ["#[serde(rename_all = \"camelCase\")]"]` on the generated struct.
    pub attributes: Vec<Sp<String>>,
    /// `serde = true`: `Serialize`/`Deserialize` of the model's columns.
    pub serde: Option<Sp<bool>>,
    /// Some column (or the `columns` table itself) could not be read and an error says
    /// so already; validation then skips the checks that would only repeat it ("no
    /// columns", "no primary key").
    pub columns_incomplete: bool,
}

/// One entry of `[models.Name.columns]`.
#[derive(Debug, Clone)]
pub struct ColumnSpec {
    /// The column's SQL name (the key).
    pub name: Sp<String>,
    /// `type = "string(64)"` (or the shorthand `name = "string(64)"`).
    pub ty: Option<Sp<String>>,
    /// `values = ["a", "b"]` for `enum`.
    pub values: Option<Sp<Vec<Sp<String>>>>,
    /// `enum_name = "Mood"` for `enum`.
    pub enum_name: Option<Sp<String>>,
    /// `primary_key = true`
    pub primary_key: Option<Sp<bool>>,
    /// `nullable = false`
    pub nullable: Option<Sp<bool>>,
    /// `unique = true`
    pub unique: Option<Sp<bool>>,
    /// `index = true`
    pub index: Option<Sp<bool>>,
    /// `foreign_key = "roles.id"`
    pub foreign_key: Option<Sp<String>>,
    /// `on_delete = "CASCADE"`
    pub on_delete: Option<Sp<String>>,
    /// `on_update = "CASCADE"`
    pub on_update: Option<Sp<String>>,
    /// `default = <literal>`
    pub default: Option<Sp<LiteralSpec>>,
    /// `server_default = "SQL"`
    pub server_default: Option<Sp<String>>,
    /// `doc = "..."`
    pub doc: Option<Sp<String>>,
    /// `rust_name = "kind"`
    pub rust_name: Option<Sp<String>>,
    /// `renamed_from = "old_name"`: the column's previous name, for migrations.
    pub renamed_from: Option<Sp<String>>,
    /// `rust_type = "crate::Money"`
    pub rust_type: Option<Sp<String>>,
    /// `default_factory = "now"`
    pub default_factory: Option<Sp<String>>,
    /// `onupdate = "now"`
    pub onupdate: Option<Sp<String>>,
    /// `autoincrement = true`
    pub autoincrement: Option<Sp<bool>>,
    /// `attributes = ["#[serde(rename = \"userName\")]"]` on the generated field.
    pub attributes: Vec<Sp<String>>,
}

/// A literal `default`.
#[derive(Debug, Clone, PartialEq)]
pub enum LiteralSpec {
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
}

/// One entry of `[models.Name.relationships]`.
#[derive(Debug, Clone)]
pub struct RelationshipSpec {
    /// The accessor name (the key).
    pub name: Sp<String>,
    /// `model = "User"`
    pub model: Option<Sp<String>>,
    /// `backref = "role"`, or the `name` of `backref = { name = "role", ... }`
    pub backref: Option<Sp<String>>,
    /// The options of `backref = { name = "role", lazy = "joined", uselist = false }`
    /// (SQLAlchemy's `db.backref("role", lazy="joined")`): the created side's.
    pub backref_options: BackrefOptions,
    /// `back_populates = "role"`
    pub back_populates: Option<Sp<String>>,
    /// `lazy = "dynamic"`
    pub lazy: Option<Sp<String>>,
    /// `uselist = false`
    pub uselist: Option<Sp<bool>>,
    /// `secondary = "registrations"`
    pub secondary: Option<Sp<String>>,
    /// `foreign_keys = ["author_id"]`
    pub foreign_keys: Vec<Sp<String>>,
    /// `order_by = "username"` or `["-timestamp", "id"]`
    pub order_by: Vec<Sp<String>>,
    /// `cascade = "all, delete-orphan"`
    pub cascade: Option<Sp<String>>,
    /// `passive_deletes = true`
    pub passive_deletes: Option<Sp<bool>>,
    /// `post_update = true`: the foreign key is written by a second UPDATE
    /// after the INSERTs (and cleared before the DELETEs), which breaks a
    /// cycle of new rows.
    pub post_update: Option<Sp<bool>>,
    /// `doc = "..."`
    pub doc: Option<Sp<String>>,
    /// `attributes = ["#[...]"]` on the generated field.
    pub attributes: Vec<Sp<String>>,
    /// `serialize = true`: serde writes the loaded related objects.
    pub serialize: Option<Sp<bool>>,
}

/// The options a `backref` table gives the relationship it creates.
#[derive(Debug, Clone, Default)]
pub struct BackrefOptions {
    /// `lazy = "joined"`
    pub lazy: Option<Sp<String>>,
    /// `uselist = false`
    pub uselist: Option<Sp<bool>>,
    /// `doc = "..."`
    pub doc: Option<Sp<String>>,
}

/// One `[[models.Name.indexes]]`.
#[derive(Debug, Clone)]
pub struct IndexSpec {
    /// The whole entry.
    pub span: Span,
    /// `name = "ix_..."`
    pub name: Option<Sp<String>>,
    /// `columns = ["a", "b"]`
    pub columns: Vec<Sp<String>>,
    /// `unique = true`
    pub unique: Option<Sp<bool>>,
}

/// One `[[models.Name.unique]]`.
#[derive(Debug, Clone)]
pub struct UniqueSpec {
    /// The whole entry.
    pub span: Span,
    /// `name = "uq_..."`
    pub name: Option<Sp<String>>,
    /// `columns = ["a", "b"]`
    pub columns: Vec<Sp<String>>,
}

/// One `[[models.Name.checks]]`.
#[derive(Debug, Clone)]
pub struct CheckSpec {
    /// The whole entry.
    pub span: Span,
    /// `name = "ck_..."`
    pub name: Option<Sp<String>>,
    /// `sql = "price > 0"`
    pub sql: Option<Sp<String>>,
}

/// One `[[models.Name.foreign_keys]]` (a composite foreign key).
#[derive(Debug, Clone)]
pub struct ForeignKeySpec {
    /// The whole entry.
    pub span: Span,
    /// `name = "fk_..."`
    pub name: Option<Sp<String>>,
    /// `columns = ["a", "b"]`
    pub columns: Vec<Sp<String>>,
    /// `references = ["t.x", "t.y"]`
    pub references: Vec<Sp<String>>,
    /// `on_delete = "CASCADE"`
    pub on_delete: Option<Sp<String>>,
    /// `on_update = "CASCADE"`
    pub on_update: Option<Sp<String>>,
}

/// Reads `source` into a [`Spec`], recording every problem in `diags`.
///
/// Returns `None` only when the text is not valid TOML; shape errors still return the
/// parts that could be read so that validation can report more.
pub fn parse(source: &str, diags: &mut Diagnostics) -> Option<Spec> {
    let (root, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        // A table declared twice makes every key in its second copy a duplicate too;
        // the first diagnostic says it all.
        let mut repeated_sections: Vec<Span> = Vec::new();
        let mut lines = None;
        let mut previous: Option<(Span, &str)> = None;
        for error in &errors {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim_end();
            // An unclosed inline table nested n deep is reported n times, alike.
            if previous.as_ref() == Some(&(span.clone(), message)) {
                continue;
            }
            previous = Some((span.clone(), message));
            if diags.is_past_rendering() {
                // Counted, never shown: a line of commas has millions.
                diags.count_more_errors(1);
                continue;
            }
            if message.starts_with("duplicate key") {
                if repeated_sections.iter().any(|s| s.contains(&span.start)) {
                    continue;
                }
                let lines = lines.get_or_insert_with(|| toml_lines(source));
                let (diagnostic, section) = duplicate_key(source, lines, span);
                repeated_sections.extend(section);
                diags.push(diagnostic);
            } else {
                diags.push(syntax_error(source, first_line(message), span));
            }
        }
        return None;
    }
    let mut reader = Reader { diags };
    Some(reader.root(root.get_ref()))
}
