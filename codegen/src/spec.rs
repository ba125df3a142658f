//! The spec as written: `models.toml` read into types that keep every span.
//!
//! This stage only checks the *shape* of the file (TOML syntax, known keys, value
//! kinds). What the values mean — whether a type exists, a reference resolves — is
//! `validate`'s job. Errors are collected, never returned early, so one run reports
//! every mistake in the file.

use std::borrow::Cow;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};

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
    /// `backref = "role"`
    pub backref: Option<Sp<String>>,
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

const ROOT_KEYS: &[&str] = &["database", "models"];
const DATABASE_KEYS: &[&str] = &["path"];
const MODEL_KEYS: &[&str] = &[
    "table",
    "doc",
    "repr",
    "columns",
    "relationships",
    "indexes",
    "unique",
    "checks",
    "foreign_keys",
];
/// Keys of a column table.
pub const COLUMN_KEYS: &[&str] = &[
    "type",
    "values",
    "enum_name",
    "primary_key",
    "nullable",
    "unique",
    "index",
    "foreign_key",
    "on_delete",
    "on_update",
    "default",
    "server_default",
    "doc",
    "rust_name",
];
/// Keys of a relationship table.
pub const RELATIONSHIP_KEYS: &[&str] = &[
    "model",
    "backref",
    "back_populates",
    "lazy",
    "uselist",
    "secondary",
    "foreign_keys",
    "order_by",
    "cascade",
    "passive_deletes",
    "doc",
];
const INDEX_KEYS: &[&str] = &["name", "columns", "unique"];
const UNIQUE_KEYS: &[&str] = &["name", "columns"];
const CHECK_KEYS: &[&str] = &["name", "sql"];
const FOREIGN_KEY_KEYS: &[&str] = &["name", "columns", "references", "on_delete", "on_update"];

/// Reads `source` into a [`Spec`], recording every problem in `diags`.
///
/// Returns `None` only when the text is not valid TOML; shape errors still return the
/// parts that could be read so that validation can report more.
pub fn parse(source: &str, diags: &mut Diagnostics) -> Option<Spec> {
    let (root, errors) = DeTable::parse_recoverable(source);
    if !errors.is_empty() {
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim_end().to_owned();
            diags.push(
                Diagnostic::error(
                    format!("invalid TOML: {}", first_line(&message)),
                    span,
                    "here",
                )
                .with_help("the spec must be valid TOML; see https://toml.io for the syntax"),
            );
        }
        return None;
    }
    let mut reader = Reader { diags };
    Some(reader.root(root.get_ref()))
}

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Spanned<DeValue<'i>>);

struct Reader<'d> {
    diags: &'d mut Diagnostics,
}

impl Reader<'_> {
    fn root(&mut self, root: &DeTable<'_>) -> Spec {
        let mut spec = Spec::default();
        self.check_keys(root, ROOT_KEYS, "at the top level of the spec");
        if let Some(value) = root.get("database") {
            if let Some(table) = self.expect_table(value, "`database`") {
                self.check_keys(table, DATABASE_KEYS, "in `[database]`");
                spec.database.path = self.string(table, "path");
            }
        }
        match root.get("models") {
            Some(value) => {
                if let Some(models) = self.expect_table(value, "`models`") {
                    for (name, value) in models.iter() {
                        if let Some(model) = self.model((name, value)) {
                            spec.models.push(model);
                        }
                    }
                }
            }
            None => self.diags.push(
                Diagnostic::error(
                    "the spec declares no models",
                    0..0,
                    "expected `[models.Name]`",
                )
                .with_help(
                    "declare a model with a `[models.User]` table and its `[models.User.columns]`",
                ),
            ),
        }
        spec
    }

    fn model(&mut self, (name, value): Entry<'_, '_>) -> Option<ModelSpec> {
        let name = Sp::new(name.get_ref().to_string(), name.span());
        let what = format!("model `{}`", name.value);
        let table = self.expect_table(value, &what)?;
        self.check_keys(table, MODEL_KEYS, &format!("in {what}"));
        let mut model = ModelSpec {
            table: self.string(table, "table"),
            doc: self.string(table, "doc"),
            repr: self.string_or_list(table, "repr"),
            columns: Vec::new(),
            relationships: Vec::new(),
            indexes: Vec::new(),
            unique: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            name,
        };
        if let Some(value) = table.get("columns") {
            if let Some(columns) = self.expect_table(value, &format!("`columns` of {what}")) {
                for entry in columns.iter() {
                    if let Some(column) = self.column(&model.name.value, entry) {
                        model.columns.push(column);
                    }
                }
            }
        }
        if let Some(value) = table.get("relationships") {
            let kind = format!("`relationships` of {what}");
            if let Some(relationships) = self.expect_table(value, &kind) {
                for entry in relationships.iter() {
                    if let Some(relationship) = self.relationship(&model.name.value, entry) {
                        model.relationships.push(relationship);
                    }
                }
            }
        }
        for (entry, span) in self.array_of_tables(table, "indexes", INDEX_KEYS, &what) {
            model.indexes.push(IndexSpec {
                span,
                name: self.string(entry, "name"),
                columns: self.string_list(entry, "columns"),
                unique: self.boolean(entry, "unique"),
            });
        }
        for (entry, span) in self.array_of_tables(table, "unique", UNIQUE_KEYS, &what) {
            model.unique.push(UniqueSpec {
                span,
                name: self.string(entry, "name"),
                columns: self.string_list(entry, "columns"),
            });
        }
        for (entry, span) in self.array_of_tables(table, "checks", CHECK_KEYS, &what) {
            model.checks.push(CheckSpec {
                span,
                name: self.string(entry, "name"),
                sql: self.string(entry, "sql"),
            });
        }
        for (entry, span) in self.array_of_tables(table, "foreign_keys", FOREIGN_KEY_KEYS, &what) {
            model.foreign_keys.push(ForeignKeySpec {
                span,
                name: self.string(entry, "name"),
                columns: self.string_list(entry, "columns"),
                references: self.string_list(entry, "references"),
                on_delete: self.string(entry, "on_delete"),
                on_update: self.string(entry, "on_update"),
            });
        }
        Some(model)
    }

    fn column(&mut self, model: &str, (name, value): Entry<'_, '_>) -> Option<ColumnSpec> {
        let name = Sp::new(name.get_ref().to_string(), name.span());
        let mut column = ColumnSpec {
            name,
            ty: None,
            values: None,
            enum_name: None,
            primary_key: None,
            nullable: None,
            unique: None,
            index: None,
            foreign_key: None,
            on_delete: None,
            on_update: None,
            default: None,
            server_default: None,
            doc: None,
            rust_name: None,
        };
        match value.get_ref() {
            // Shorthand: `name = "string(64)"`.
            DeValue::String(ty) => {
                column.ty = Some(Sp::new(ty.to_string(), value.span()));
                return Some(column);
            }
            DeValue::Table(_) => {}
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "column `{model}.{}` must be a table or a type string, found {}",
                            column.name.value,
                            other.type_str()
                        ),
                        value.span(),
                        "expected a table or a string",
                    )
                    .with_help(format!(
                        "write `{} = {{ type = \"integer\" }}` or `{} = \"integer\"`",
                        column.name.value, column.name.value
                    )),
                );
                return None;
            }
        }
        let table = value.get_ref().as_table()?;
        let what = format!("in column `{model}.{}`", column.name.value);
        self.check_keys(table, COLUMN_KEYS, &what);
        column.ty = self.string(table, "type");
        if column.ty.is_none() {
            self.diags.push(
                Diagnostic::error(
                    format!("column `{model}.{}` has no `type`", column.name.value),
                    value.span(),
                    "missing `type`",
                )
                .with_help(
                    "add a type, for example `type = \"integer\"` or `type = \"string(64)\"`",
                ),
            );
        }
        if let Some(list) = table.get("values") {
            let items = self.string_list(table, "values");
            column.values = Some(Sp::new(items, list.span()));
        }
        column.enum_name = self.string(table, "enum_name");
        column.primary_key = self.boolean(table, "primary_key");
        column.nullable = self.boolean(table, "nullable");
        column.unique = self.boolean(table, "unique");
        column.index = self.boolean(table, "index");
        column.foreign_key = self.string(table, "foreign_key");
        column.on_delete = self.string(table, "on_delete");
        column.on_update = self.string(table, "on_update");
        column.server_default = self.string(table, "server_default");
        column.doc = self.string(table, "doc");
        column.rust_name = self.string(table, "rust_name");
        if let Some(value) = table.get("default") {
            let literal = match value.get_ref() {
                DeValue::String(s) => Some(LiteralSpec::String(s.to_string())),
                DeValue::Boolean(b) => Some(LiteralSpec::Boolean(*b)),
                DeValue::Integer(i) => match i64::from_str_radix(i.as_str(), i.radix()) {
                    Ok(number) => Some(LiteralSpec::Integer(number)),
                    Err(_) => {
                        self.diags.push(Diagnostic::error(
                            "`default` integer does not fit in 64 bits",
                            value.span(),
                            "out of range",
                        ));
                        None
                    }
                },
                DeValue::Float(f) => match f.as_str().replace('_', "").parse::<f64>() {
                    Ok(number) => Some(LiteralSpec::Float(number)),
                    Err(_) => None,
                },
                other => {
                    self.diags.push(
                        Diagnostic::error(
                            format!(
                                "`default` must be a string, number or boolean, found {}",
                                other.type_str()
                            ),
                            value.span(),
                            "unsupported default",
                        )
                        .with_help(
                            "use `server_default = \"SQL\"` for a default computed by the database",
                        ),
                    );
                    None
                }
            };
            column.default = literal.map(|literal| Sp::new(literal, value.span()));
        }
        Some(column)
    }

    fn relationship(
        &mut self,
        model: &str,
        (name, value): Entry<'_, '_>,
    ) -> Option<RelationshipSpec> {
        let name = Sp::new(name.get_ref().to_string(), name.span());
        let mut relationship = RelationshipSpec {
            name,
            model: None,
            backref: None,
            back_populates: None,
            lazy: None,
            uselist: None,
            secondary: None,
            foreign_keys: Vec::new(),
            order_by: Vec::new(),
            cascade: None,
            passive_deletes: None,
            doc: None,
        };
        match value.get_ref() {
            // Shorthand: `users = "User"`.
            DeValue::String(target) => {
                relationship.model = Some(Sp::new(target.to_string(), value.span()));
                return Some(relationship);
            }
            DeValue::Table(_) => {}
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!(
                            "relationship `{model}.{}` must be a table, found {}",
                            relationship.name.value,
                            other.type_str()
                        ),
                        value.span(),
                        "expected a table",
                    )
                    .with_help(format!(
                        "write `{} = {{ model = \"Other\" }}`",
                        relationship.name.value
                    )),
                );
                return None;
            }
        }
        let table = value.get_ref().as_table()?;
        let what = format!("in relationship `{model}.{}`", relationship.name.value);
        self.check_keys(table, RELATIONSHIP_KEYS, &what);
        relationship.model = self.string(table, "model");
        if relationship.model.is_none() {
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "relationship `{model}.{}` has no `model`",
                        relationship.name.value
                    ),
                    value.span(),
                    "missing `model`",
                )
                .with_help("name the related model, for example `model = \"User\"`"),
            );
        }
        relationship.backref = self.string(table, "backref");
        relationship.back_populates = self.string(table, "back_populates");
        relationship.lazy = self.string(table, "lazy");
        relationship.uselist = self.boolean(table, "uselist");
        relationship.secondary = self.string(table, "secondary");
        relationship.foreign_keys = self.string_or_list(table, "foreign_keys");
        relationship.order_by = self.string_or_list(table, "order_by");
        relationship.cascade = self.string(table, "cascade");
        relationship.passive_deletes = self.boolean(table, "passive_deletes");
        relationship.doc = self.string(table, "doc");
        Some(relationship)
    }

    /// The tables of `[[parent.key]]`, each checked for unknown keys.
    fn array_of_tables<'t, 'i>(
        &mut self,
        parent: &'t DeTable<'i>,
        key: &str,
        allowed: &[&str],
        owner: &str,
    ) -> Vec<(&'t DeTable<'i>, Span)> {
        let Some(value) = parent.get(key) else {
            return Vec::new();
        };
        let DeValue::Array(items) = value.get_ref() else {
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "`{key}` of {owner} must be an array of tables, found {}",
                        value.get_ref().type_str()
                    ),
                    value.span(),
                    "expected an array of tables",
                )
                .with_help(format!(
                    "write each entry as a `[[models.Name.{key}]]` table"
                )),
            );
            return Vec::new();
        };
        let mut tables = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::Table(table) => {
                    self.check_keys(
                        table,
                        allowed,
                        &format!("in an entry of `{key}` of {owner}"),
                    );
                    tables.push((table, item.span()));
                }
                other => self.diags.push(Diagnostic::error(
                    format!(
                        "entries of `{key}` must be tables, found {}",
                        other.type_str()
                    ),
                    item.span(),
                    "expected a table",
                )),
            }
        }
        tables
    }

    fn check_keys(&mut self, table: &DeTable<'_>, allowed: &[&str], place: &str) {
        for key in table.keys() {
            let name = key.get_ref();
            if allowed.contains(&name.as_ref()) {
                continue;
            }
            let mut diagnostic = Diagnostic::error(
                format!("unknown key `{name}` {place}"),
                key.span(),
                "unknown key",
            );
            diagnostic = match did_you_mean(name, allowed.iter().copied()) {
                Some(suggestion) => diagnostic.with_help(format!("did you mean `{suggestion}`?")),
                None => diagnostic.with_note(format!(
                    "the keys allowed here are {}",
                    allowed
                        .iter()
                        .map(|k| format!("`{k}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                )),
            };
            self.diags.push(diagnostic);
        }
    }

    fn expect_table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.diags.push(Diagnostic::error(
                    format!("{what} must be a table, found {}", other.type_str()),
                    value.span(),
                    "expected a table",
                ));
                None
            }
        }
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str) -> Option<Sp<String>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
            other => {
                self.wrong_kind(key, "a string", other.type_str(), value.span());
                None
            }
        }
    }

    fn boolean(&mut self, table: &DeTable<'_>, key: &str) -> Option<Sp<bool>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::Boolean(b) => Some(Sp::new(*b, value.span())),
            DeValue::String(s) if matches!(s.as_ref(), "true" | "false") => {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` must be a boolean, found a string"),
                        value.span(),
                        "a string",
                    )
                    .with_help(format!("remove the quotes: `{key} = {s}`")),
                );
                None
            }
            other => {
                self.wrong_kind(
                    key,
                    "a boolean (`true` or `false`)",
                    other.type_str(),
                    value.span(),
                );
                None
            }
        }
    }

    fn string_list(&mut self, table: &DeTable<'_>, key: &str) -> Vec<Sp<String>> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::Array(items) => self.strings_of(key, items.iter()),
            other => {
                self.wrong_kind(key, "an array of strings", other.type_str(), value.span());
                Vec::new()
            }
        }
    }

    fn string_or_list(&mut self, table: &DeTable<'_>, key: &str) -> Vec<Sp<String>> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::String(s) => vec![Sp::new(s.to_string(), value.span())],
            DeValue::Array(items) => self.strings_of(key, items.iter()),
            other => {
                self.wrong_kind(
                    key,
                    "a string or an array of strings",
                    other.type_str(),
                    value.span(),
                );
                Vec::new()
            }
        }
    }

    fn strings_of<'a, 'i: 'a>(
        &mut self,
        key: &str,
        items: impl Iterator<Item = &'a Spanned<DeValue<'i>>>,
    ) -> Vec<Sp<String>> {
        let mut strings = Vec::new();
        for item in items {
            match item.get_ref() {
                DeValue::String(s) => strings.push(Sp::new(s.to_string(), item.span())),
                other => self.wrong_kind(key, "strings", other.type_str(), item.span()),
            }
        }
        strings
    }

    fn wrong_kind(&mut self, key: &str, expected: &str, found: &str, span: Span) {
        self.diags.push(Diagnostic::error(
            format!("`{key}` must be {expected}, found {found}"),
            span,
            format!("expected {expected}"),
        ));
    }
}
