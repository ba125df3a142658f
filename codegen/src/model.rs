//! The checked model: what `validate` produces and every emitter consumes.
//!
//! Everything here is resolved: references are indices into [`Schema::models`] and
//! [`Model::columns`], names are final, and no spans remain. An emitter never has to
//! look anything up by name or report an error.

/// A validated spec: the models in declaration order plus the `[database]` settings.
#[derive(Debug, Clone, PartialEq)]
pub struct Schema {
    /// The `[database]` table.
    pub database: Database,
    /// Models in the order the spec declares them.
    pub models: Vec<Model>,
}

/// Settings from the spec's `[database]` table.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Database {
    /// Default database file for the CLI's `create-all`/`drop-all` (relative to the spec).
    pub path: Option<String>,
}

/// One model: a Rust struct and the SQL table behind it.
#[derive(Debug, Clone, PartialEq)]
pub struct Model {
    /// The model's name as written in the spec (`User`); also the Rust type name.
    pub name: String,
    /// The SQL table name.
    pub table: String,
    /// Documentation from the spec's `doc` key.
    pub doc: Option<String>,
    /// Columns in declaration order.
    pub columns: Vec<Column>,
    /// Indices into `columns` of the primary key, in declaration order.
    pub primary_key: Vec<usize>,
    /// Columns shown by the generated `Debug` (the Python `__repr__` analog).
    pub repr: Vec<usize>,
    /// Foreign keys declared on this table (single-column ones from `foreign_key`,
    /// composite ones from `[[models.X.foreign_keys]]`).
    pub foreign_keys: Vec<ForeignKey>,
    /// Composite unique constraints (`[[models.X.unique]]`).
    pub unique_constraints: Vec<UniqueConstraint>,
    /// Composite indexes (`[[models.X.indexes]]`).
    pub indexes: Vec<Index>,
    /// Table-level CHECK constraints.
    pub checks: Vec<Check>,
    /// Relationships, declared ones first, then backrefs created by other models.
    pub relationships: Vec<Relationship>,
}

/// One column.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// SQL column name.
    pub name: String,
    /// Rust field name, already a valid identifier (keywords are emitted as `r#kw`).
    pub field: String,
    /// Column type.
    pub ty: ColumnType,
    /// Part of the primary key.
    pub primary_key: bool,
    /// Accepts NULL.
    pub nullable: bool,
    /// `unique = true`.
    pub unique: bool,
    /// `index = true`.
    pub index: bool,
    /// Client-side literal default, applied by the runtime on insert.
    pub default: Option<Literal>,
    /// SQL text of a server-side default (`DEFAULT ...` in the DDL).
    pub server_default: Option<String>,
    /// Documentation from the spec's `doc` key.
    pub doc: Option<String>,
}

/// Column types of the spec.
#[derive(Debug, Clone, PartialEq)]
pub enum ColumnType {
    /// `integer`
    Integer,
    /// `small_integer`
    SmallInteger,
    /// `big_integer`
    BigInteger,
    /// `boolean`
    Boolean,
    /// `float`
    Float,
    /// `numeric(p, s)` or plain `numeric`.
    Numeric {
        /// Total digits.
        precision: Option<u32>,
        /// Digits after the decimal point.
        scale: Option<u32>,
    },
    /// `string(n)` or plain `string`.
    String {
        /// Maximum length, if any.
        length: Option<u32>,
    },
    /// `text`
    Text,
    /// `blob`
    Blob,
    /// `date`
    Date,
    /// `time`
    Time,
    /// `datetime`, or `datetime(timezone)` when `timezone` is set.
    DateTime {
        /// Timezone-aware.
        timezone: bool,
    },
    /// `json`
    Json,
    /// `uuid`
    Uuid,
    /// `enum` with its labels.
    Enum {
        /// The enum's name (the Rust type name and SQLAlchemy's `name=`).
        name: String,
        /// The labels, in declaration order.
        values: Vec<String>,
    },
}

impl ColumnType {
    /// True for the integer family.
    pub fn is_integer(&self) -> bool {
        matches!(
            self,
            ColumnType::Integer | ColumnType::SmallInteger | ColumnType::BigInteger
        )
    }
}

/// A literal default value.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// An integer.
    Integer(i64),
    /// A float.
    Float(f64),
    /// A boolean.
    Boolean(bool),
    /// A string.
    String(String),
}

/// A foreign key constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct ForeignKey {
    /// Optional constraint name.
    pub name: Option<String>,
    /// Indices into the owning model's columns.
    pub columns: Vec<usize>,
    /// Index of the referenced model.
    pub target: usize,
    /// Indices into the referenced model's columns.
    pub target_columns: Vec<usize>,
    /// `ON DELETE` action, upper case.
    pub on_delete: Option<String>,
    /// `ON UPDATE` action, upper case.
    pub on_update: Option<String>,
    /// Declared as a table-level (composite) constraint rather than on a column.
    pub table_level: bool,
}

/// A composite unique constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct UniqueConstraint {
    /// Optional constraint name.
    pub name: Option<String>,
    /// Indices into the model's columns.
    pub columns: Vec<usize>,
}

/// A composite index.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    /// Index name (defaulted to SQLAlchemy's `ix_<table>_<col>_<col>` when not given).
    pub name: String,
    /// Indices into the model's columns.
    pub columns: Vec<usize>,
    /// A unique index.
    pub unique: bool,
}

/// A CHECK constraint.
#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    /// Optional constraint name.
    pub name: Option<String>,
    /// The SQL expression.
    pub sql: String,
}

/// How the two sides of a relationship are linked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// The target's foreign key points at this model (`role.users`).
    OneToMany,
    /// This model's foreign key points at the target (`user.role`).
    ManyToOne,
    /// Linked through an association table (`secondary`).
    ManyToMany,
}

/// SQLAlchemy's loader strategies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lazy {
    /// Load on first access with one SELECT (the default).
    Select,
    /// The accessor returns a query.
    Dynamic,
    /// Loaded with the parent through a LEFT OUTER JOIN.
    Joined,
    /// Loaded for all parents at once with `WHERE key IN (...)`.
    Selectin,
    /// Access without loading is an error.
    Raise,
    /// Never loaded.
    Noload,
    /// Append/remove and an explicit query only.
    WriteOnly,
}

impl Lazy {
    /// Every mode with its spec spelling.
    pub const ALL: [(&'static str, Lazy); 7] = [
        ("select", Lazy::Select),
        ("dynamic", Lazy::Dynamic),
        ("joined", Lazy::Joined),
        ("selectin", Lazy::Selectin),
        ("raise", Lazy::Raise),
        ("noload", Lazy::Noload),
        ("write_only", Lazy::WriteOnly),
    ];

    /// The spelling used in the spec.
    pub fn as_str(self) -> &'static str {
        Lazy::ALL
            .iter()
            .find(|(_, lazy)| *lazy == self)
            .map_or("select", |(name, _)| name)
    }

    /// Loaded together with its parent.
    pub fn is_eager(self) -> bool {
        matches!(self, Lazy::Joined | Lazy::Selectin)
    }
}

/// SQLAlchemy's cascade options, expanded (`all` is already spelled out).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Cascade {
    /// `save-update`
    pub save_update: bool,
    /// `merge`
    pub merge: bool,
    /// `expunge`
    pub expunge: bool,
    /// `delete`
    pub delete: bool,
    /// `delete-orphan`
    pub delete_orphan: bool,
    /// `refresh-expire`
    pub refresh_expire: bool,
}

impl Cascade {
    /// SQLAlchemy's default: `save-update, merge`.
    pub const DEFAULT: Cascade = Cascade {
        save_update: true,
        merge: true,
        expunge: false,
        delete: false,
        delete_orphan: false,
        refresh_expire: false,
    };
}

/// The association table of a many-to-many relationship.
#[derive(Debug, Clone, PartialEq)]
pub struct Secondary {
    /// Index of the model that owns the association table.
    pub model: usize,
    /// Index into `model.foreign_keys` of the key pointing at the relationship's owner.
    pub local_key: usize,
    /// Index into `model.foreign_keys` of the key pointing at the target.
    pub remote_key: usize,
}

/// A relationship between two models.
#[derive(Debug, Clone, PartialEq)]
pub struct Relationship {
    /// Accessor name on the owning model.
    pub name: String,
    /// Index of the target model.
    pub target: usize,
    /// How the two sides are linked.
    pub direction: Direction,
    /// For one-to-many and many-to-one: the model that holds the foreign key and the
    /// index of that key in its `foreign_keys`.
    pub foreign_key: Option<(usize, usize)>,
    /// For many-to-many: the association table.
    pub secondary: Option<Secondary>,
    /// A collection (`true`) or a single object.
    pub uselist: bool,
    /// Loader strategy.
    pub lazy: Lazy,
    /// Default ordering of a collection: (column index on the target, descending).
    pub order_by: Vec<(usize, bool)>,
    /// Cascade options.
    pub cascade: Cascade,
    /// Leave deletes of children to the database's `ON DELETE`.
    pub passive_deletes: bool,
    /// The relationship on the target that is this one's other side, if any.
    pub back: Option<String>,
    /// Created by a `backref` on the target rather than declared here.
    pub from_backref: bool,
    /// Documentation from the spec's `doc` key.
    pub doc: Option<String>,
}
