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
    "renamed_from",
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
    "renamed_from",
    "rust_type",
    "default_factory",
    "onupdate",
    "autoincrement",
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
        // A table declared twice makes every key in its second copy a duplicate too;
        // the first diagnostic says it all.
        let mut repeated_sections: Vec<Span> = Vec::new();
        for error in errors {
            let span = error.span().unwrap_or(0..0);
            let message = error.message().trim_end();
            if message.starts_with("duplicate key") {
                if repeated_sections.iter().any(|s| s.contains(&span.start)) {
                    continue;
                }
                let (diagnostic, section) = duplicate_key(source, span);
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

fn first_line(message: &str) -> &str {
    message.lines().next().unwrap_or(message)
}

const TOML_HELP: &str = "the spec must be valid TOML; see https://toml.io for the syntax";

fn syntax_error(source: &str, message: &str, span: Span) -> Diagnostic {
    let rest_of_line = source
        .get(span.start..)
        .and_then(|rest| rest.lines().next())
        .unwrap_or("");
    let before = source.get(..span.start).unwrap_or("");
    let line_before = before.rsplit('\n').next().unwrap_or("");
    // toml reports `key =` with nothing after it as an unquoted string.
    if line_before.trim_end().ends_with('=')
        && (rest_of_line.trim().is_empty() || rest_of_line.trim_start().starts_with('#'))
    {
        let key = line_before.trim_end().trim_end_matches('=').trim();
        return Diagnostic::error(
            format!("invalid TOML: `{key}` has no value"),
            span,
            "expected a value after `=`",
        )
        .with_help(format!(
            "write a value, for example `{key} = \"...\"`, or remove the line"
        ));
    }
    let mut diagnostic =
        Diagnostic::error(format!("invalid TOML: {message}"), span.clone(), "here");
    if message.starts_with("string values must be quoted") {
        let word = source.get(span).unwrap_or("").trim();
        if !word.is_empty() {
            return diagnostic
                .with_help(format!("put the text in quotes: `\"{word}\"`"))
                .with_note(TOML_HELP);
        }
    }
    diagnostic = diagnostic.with_help(TOML_HELP);
    diagnostic
}

/// The diagnostic for toml's bare "duplicate key", naming what was declared twice and
/// where it was first; plus the span of the repeated section when a whole table header
/// was repeated.
fn duplicate_key(source: &str, span: Span) -> (Diagnostic, Option<Span>) {
    let lines = toml_lines(source);
    let here = lines
        .iter()
        .rposition(|line| line.start <= span.start)
        .unwrap_or(0);
    let key_text = unquote(source.get(span.clone()).unwrap_or("").trim());
    let note = "TOML allows each key, and each `[table]` header, only once";
    let Some(line) = lines.get(here) else {
        return (
            Diagnostic::error("invalid TOML: duplicate key", span, "declared again here")
                .with_note(note),
            None,
        );
    };
    if let Some(header) = &line.header {
        let first = lines[..here]
            .iter()
            .find(|l| l.header.as_ref() == Some(header) && !l.array);
        let section_end = lines[here + 1..]
            .iter()
            .find(|l| l.header.is_some())
            .map_or(source.len(), |l| l.start);
        let (message, help) = match header.as_slice() {
            [models, name] if models == "models" => (
                format!("model `{name}` is declared twice"),
                format!("give the second model another name, or merge the two `[models.{name}]` tables into one"),
            ),
            _ => (
                format!("table `[{}]` is declared twice", header.join(".")),
                format!("merge the two `[{}]` tables into one", header.join(".")),
            ),
        };
        let mut d = Diagnostic::error(message, span, "declared again here");
        if let Some(first) = first {
            d = d.with_secondary(first.text_span.clone(), "first declared here");
        }
        return (
            d.with_help(help).with_note(note),
            Some(line.start..section_end),
        );
    }
    // A key inside a section: its full path is the section's, the line's dotted key,
    // and (inside an inline table) the key itself.
    let section: Vec<String> = lines[..here]
        .iter()
        .rev()
        .find_map(|l| l.header.clone())
        .unwrap_or_default();
    let in_line_key = line
        .key_span
        .as_ref()
        .is_some_and(|k| k.contains(&span.start));
    let mut path = section.clone();
    path.extend(line.key.iter().cloned());
    let first = if in_line_key {
        let section_start = lines[..here]
            .iter()
            .rposition(|l| l.header.is_some())
            .map_or(0, |i| i + 1);
        lines[section_start..here]
            .iter()
            .find(|l| l.header.is_none() && l.key == line.key)
            .and_then(|l| l.key_span.clone())
    } else {
        path.push(key_text.clone());
        find_inline_key(source, line.start..span.start, &key_text)
    };
    let (message, help) = match path
        .iter()
        .map(String::as_str)
        .collect::<Vec<_>>()
        .as_slice()
    {
        ["models", name] => (
            format!("model `{name}` is declared twice"),
            "give the second model another name, or remove it".to_owned(),
        ),
        ["models", model, "columns", column] => (
            format!("column `{column}` is declared twice in model `{model}`"),
            "remove one of them, or rename it".to_owned(),
        ),
        ["models", model, "relationships", relationship] => (
            format!("relationship `{relationship}` is declared twice in model `{model}`"),
            "remove one of them, or rename it".to_owned(),
        ),
        ["models", model, "columns", column, key] => (
            format!("key `{key}` is set twice in column `{model}.{column}`"),
            "keep one of the two".to_owned(),
        ),
        ["models", model, "relationships", relationship, key] => (
            format!("key `{key}` is set twice in relationship `{model}.{relationship}`"),
            "keep one of the two".to_owned(),
        ),
        ["models", model, key] => (
            format!("key `{key}` is set twice in model `{model}`"),
            "keep one of the two".to_owned(),
        ),
        _ => (
            format!("key `{}` is set twice", path.join(".")),
            "keep one of the two".to_owned(),
        ),
    };
    let mut d = Diagnostic::error(message, span, "declared again here");
    if let Some(first) = first {
        d = d.with_secondary(first, "first declared here");
    }
    (d.with_help(help).with_note(note), None)
}

/// One line of a TOML file as far as locating keys needs: its table header, or the
/// dotted key before its `=`. Multi-line strings are not tracked; this only improves
/// messages, it never decides whether the spec is valid.
struct TomlLine {
    start: usize,
    header: Option<Vec<String>>,
    array: bool,
    /// The trimmed text of a header line.
    text_span: Span,
    key: Vec<String>,
    key_span: Option<Span>,
}

fn toml_lines(source: &str) -> Vec<TomlLine> {
    let mut lines = Vec::new();
    let mut start = 0;
    for raw in source.split_inclusive('\n') {
        let text = raw.trim_end();
        let indent = text.len() - text.trim_start().len();
        let trimmed = text.trim_start();
        let mut line = TomlLine {
            start,
            header: None,
            array: false,
            text_span: start + indent..start + text.len(),
            key: Vec::new(),
            key_span: None,
        };
        if let Some(inner) = trimmed.strip_prefix('[') {
            let array = inner.starts_with('[');
            let inner = inner.trim_start_matches('[');
            let close = outside_quotes(inner, ']').unwrap_or(inner.len());
            line.header = Some(split_dotted(&inner[..close]));
            line.array = array;
            line.text_span = start + indent..start + indent + close + if array { 4 } else { 2 };
        } else if !trimmed.starts_with('#') {
            if let Some(eq) = outside_quotes(trimmed, '=') {
                let key = trimmed[..eq].trim_end();
                line.key = split_dotted(key);
                line.key_span = Some(start + indent..start + indent + key.len());
            }
        }
        lines.push(line);
        start += raw.len();
    }
    lines
}

/// The position of `wanted` in `text`, skipping quoted parts.
fn outside_quotes(text: &str, wanted: char) -> Option<usize> {
    let mut quote = None;
    for (i, c) in text.char_indices() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => {}
            None if c == '"' || c == '\'' => quote = Some(c),
            None if c == wanted => return Some(i),
            None => {}
        }
    }
    None
}

fn split_dotted(key: &str) -> Vec<String> {
    let mut parts = Vec::new();
    let mut rest = key;
    while let Some(dot) = outside_quotes(rest, '.') {
        parts.push(unquote(rest[..dot].trim()));
        rest = &rest[dot + 1..];
    }
    parts.push(unquote(rest.trim()));
    parts
}

fn unquote(key: &str) -> String {
    key.strip_prefix('"')
        .and_then(|k| k.strip_suffix('"'))
        .or_else(|| key.strip_prefix('\'').and_then(|k| k.strip_suffix('\'')))
        .unwrap_or(key)
        .to_owned()
}

/// The span of `key =` in `range` of an inline table, its first definition.
fn find_inline_key(source: &str, range: Span, key: &str) -> Option<Span> {
    // An empty key (`"" = 1`) matches everywhere and would never advance.
    if key.is_empty() {
        return None;
    }
    let text = source.get(range.clone())?;
    let mut from = 0;
    while let Some(found) = text[from..].find(key) {
        let at = from + found;
        let before = text[..at].trim_end().chars().last();
        let after = text[at + key.len()..].trim_start();
        if matches!(before, Some('{' | ',')) && after.starts_with('=') {
            return Some(range.start + at..range.start + at + key.len());
        }
        from = at + key.len();
    }
    None
}

type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Spanned<DeValue<'i>>);

/// A table whose keys were checked, with each misspelt key (`nulable`) standing in for
/// the key it was meant to be (`nullable`): the typo is reported once, and the rest of
/// the spec is read as intended instead of raising errors that only repeat it.
struct Section<'t, 'i> {
    table: &'t DeTable<'i>,
    misspelt: Vec<(&'static str, &'t Spanned<DeValue<'i>>)>,
}

impl<'t, 'i> Section<'t, 'i> {
    fn get(&self, key: &str) -> Option<&'t Spanned<DeValue<'i>>> {
        self.table.get(key).or_else(|| {
            self.misspelt
                .iter()
                .find(|(meant, _)| *meant == key)
                .map(|(_, value)| *value)
        })
    }
}

struct Reader<'d> {
    diags: &'d mut Diagnostics,
}

impl Reader<'_> {
    fn root(&mut self, root: &DeTable<'_>) -> Spec {
        let mut spec = Spec::default();
        let root = self.check_keys(root, ROOT_KEYS, "at the top level of the spec");
        if let Some(value) = root.get("database") {
            let help = "write a `[database]` table with `path = \"data.sqlite\"` under it";
            if let Some(table) = self.expect_table(value, "`database`", help) {
                let table = self.check_keys(table, DATABASE_KEYS, "in `[database]`");
                spec.database.path = self.string(&table, "path");
            }
        }
        match root.get("models") {
            Some(value) => {
                let help = "declare each model as a `[models.Name]` table";
                if let Some(models) = self.expect_table(value, "`models`", help) {
                    if models.is_empty() {
                        self.diags.push(
                            Diagnostic::error(
                                "the spec declares no models",
                                value.span(),
                                "no `[models.Name]` table",
                            )
                            .with_help("declare a model with a `[models.User]` table and its `[models.User.columns]`"),
                        );
                    }
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
        let help = format!(
            "declare the model as a table: `[models.{0}]`, with its columns in `[models.{0}.columns]`",
            name.value
        );
        let table = self.expect_table(value, &what, &help)?;
        let table = self.check_keys(table, MODEL_KEYS, &format!("in {what}"));
        let mut model = ModelSpec {
            table: self.string(&table, "table"),
            doc: self.string(&table, "doc"),
            renamed_from: self.string(&table, "renamed_from"),
            repr: self.string_or_list(&table, "repr"),
            columns: Vec::new(),
            relationships: Vec::new(),
            indexes: Vec::new(),
            unique: Vec::new(),
            checks: Vec::new(),
            foreign_keys: Vec::new(),
            columns_incomplete: false,
            name,
        };
        if let Some(value) = table.get("columns") {
            let errors_before = self.diags.error_count();
            let help = format!(
                "write a `[models.{}.columns]` table with one `name = {{ type = \"...\" }}` per column",
                model.name.value
            );
            if let Some(columns) = self.expect_table(value, &format!("`columns` of {what}"), &help)
            {
                for entry in columns.iter() {
                    if let Some(column) = self.column(&model.name.value, entry) {
                        model.columns.push(column);
                    }
                }
            }
            model.columns_incomplete = self.diags.error_count() > errors_before;
        }
        if let Some(value) = table.get("relationships") {
            let kind = format!("`relationships` of {what}");
            let help = format!(
                "write a `[models.{}.relationships]` table with one `name = {{ model = \"Other\" }}` per relationship",
                model.name.value
            );
            if let Some(relationships) = self.expect_table(value, &kind, &help) {
                for entry in relationships.iter() {
                    if let Some(relationship) = self.relationship(&model.name.value, entry) {
                        model.relationships.push(relationship);
                    }
                }
            }
        }
        for (entry, span) in self.array_of_tables(&table, "indexes", INDEX_KEYS, &what) {
            model.indexes.push(IndexSpec {
                span,
                name: self.string(&entry, "name"),
                columns: self.string_list(&entry, "columns"),
                unique: self.boolean(&entry, "unique"),
            });
        }
        for (entry, span) in self.array_of_tables(&table, "unique", UNIQUE_KEYS, &what) {
            model.unique.push(UniqueSpec {
                span,
                name: self.string(&entry, "name"),
                columns: self.string_list(&entry, "columns"),
            });
        }
        for (entry, span) in self.array_of_tables(&table, "checks", CHECK_KEYS, &what) {
            model.checks.push(CheckSpec {
                span,
                name: self.string(&entry, "name"),
                sql: self.string(&entry, "sql"),
            });
        }
        for (entry, span) in self.array_of_tables(&table, "foreign_keys", FOREIGN_KEY_KEYS, &what) {
            model.foreign_keys.push(ForeignKeySpec {
                span,
                name: self.string(&entry, "name"),
                columns: self.string_list(&entry, "columns"),
                references: self.string_list(&entry, "references"),
                on_delete: self.string(&entry, "on_delete"),
                on_update: self.string(&entry, "on_update"),
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
            renamed_from: None,
            rust_type: None,
            default_factory: None,
            onupdate: None,
            autoincrement: None,
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
        let table = self.check_keys(table, COLUMN_KEYS, &what);
        column.ty = self.string(&table, "type");
        if column.ty.is_none() && table.get("type").is_none() {
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
            let items = self.string_list(&table, "values");
            column.values = Some(Sp::new(items, list.span()));
        }
        column.enum_name = self.string(&table, "enum_name");
        column.primary_key = self.boolean(&table, "primary_key");
        column.nullable = self.boolean(&table, "nullable");
        column.unique = self.boolean(&table, "unique");
        column.index = self.boolean(&table, "index");
        column.foreign_key = self.string(&table, "foreign_key");
        column.on_delete = self.string(&table, "on_delete");
        column.on_update = self.string(&table, "on_update");
        column.server_default = self.string(&table, "server_default");
        column.doc = self.string(&table, "doc");
        column.rust_name = self.string(&table, "rust_name");
        column.renamed_from = self.string(&table, "renamed_from");
        column.rust_type = self.string(&table, "rust_type");
        column.default_factory = self.string(&table, "default_factory");
        column.onupdate = self.string(&table, "onupdate");
        column.autoincrement = self.boolean(&table, "autoincrement");
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
        let table = self.check_keys(table, RELATIONSHIP_KEYS, &what);
        relationship.model = self.string(&table, "model");
        if relationship.model.is_none() && table.get("model").is_none() {
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
        relationship.backref = self.string(&table, "backref");
        relationship.back_populates = self.string(&table, "back_populates");
        relationship.lazy = self.string(&table, "lazy");
        relationship.uselist = self.boolean(&table, "uselist");
        relationship.secondary = self.string(&table, "secondary");
        relationship.foreign_keys = self.string_or_list(&table, "foreign_keys");
        relationship.order_by = self.string_or_list(&table, "order_by");
        relationship.cascade = self.string(&table, "cascade");
        relationship.passive_deletes = self.boolean(&table, "passive_deletes");
        relationship.doc = self.string(&table, "doc");
        Some(relationship)
    }

    /// The tables of `[[parent.key]]`, each checked for unknown keys.
    fn array_of_tables<'t, 'i>(
        &mut self,
        parent: &Section<'t, 'i>,
        key: &str,
        allowed: &'static [&'static str],
        owner: &str,
    ) -> Vec<(Section<'t, 'i>, Span)> {
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
                    let section = self.check_keys(
                        table,
                        allowed,
                        &format!("in an entry of `{key}` of {owner}"),
                    );
                    tables.push((section, item.span()));
                }
                other => self.diags.push(
                    Diagnostic::error(
                        format!(
                            "entries of `{key}` must be tables, found {}",
                            other.type_str()
                        ),
                        item.span(),
                        "expected a table",
                    )
                    .with_help(format!(
                        "write each entry as a `[[models.Name.{key}]]` table"
                    )),
                ),
            }
        }
        tables
    }

    /// Reports every key of `table` not in `allowed`, and reads a misspelt key as the
    /// one it was meant to be when that one is not also present.
    fn check_keys<'t, 'i>(
        &mut self,
        table: &'t DeTable<'i>,
        allowed: &'static [&'static str],
        place: &str,
    ) -> Section<'t, 'i> {
        let mut section = Section {
            table,
            misspelt: Vec::new(),
        };
        for (key, value) in table.iter() {
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
                Some(suggestion) => {
                    let taken = table.get(suggestion).is_some()
                        || section.misspelt.iter().any(|(k, _)| *k == suggestion);
                    if !taken {
                        section.misspelt.push((suggestion, value));
                    }
                    diagnostic.with_help(format!("did you mean `{suggestion}`?"))
                }
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
        section
    }

    fn expect_table<'t, 'i>(
        &mut self,
        value: &'t Spanned<DeValue<'i>>,
        what: &str,
        help: &str,
    ) -> Option<&'t DeTable<'i>> {
        match value.get_ref() {
            DeValue::Table(table) => Some(table),
            other => {
                self.diags.push(
                    Diagnostic::error(
                        format!("{what} must be a table, found {}", other.type_str()),
                        value.span(),
                        "expected a table",
                    )
                    .with_help(help),
                );
                None
            }
        }
    }

    fn string(&mut self, table: &Section<'_, '_>, key: &str) -> Option<Sp<String>> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(s) => Some(Sp::new(s.to_string(), value.span())),
            other => {
                self.wrong_kind(key, "a string", other.type_str(), value.span());
                None
            }
        }
    }

    /// A boolean. A quoted `"true"`, or `"yes"`, `1` and the like, is an error that
    /// still reads as the boolean it was meant to be, so that nothing downstream
    /// reports the same mistake again (a "missing" primary key, say).
    fn boolean(&mut self, table: &Section<'_, '_>, key: &str) -> Option<Sp<bool>> {
        let value = table.get(key)?;
        let meant = match value.get_ref() {
            DeValue::Boolean(b) => return Some(Sp::new(*b, value.span())),
            DeValue::String(s) => match s.to_lowercase().as_str() {
                "true" | "yes" | "on" | "1" => Some(true),
                "false" | "no" | "off" | "0" => Some(false),
                _ => None,
            },
            DeValue::Integer(i) => match i.as_str() {
                "1" => Some(true),
                "0" => Some(false),
                _ => None,
            },
            _ => None,
        };
        let found = value.get_ref().type_str();
        match meant {
            Some(b) => {
                let quotes = if found == "string" {
                    ", without quotes"
                } else {
                    ""
                };
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` must be a boolean, found {found}"),
                        value.span(),
                        format!("{found}, not a boolean"),
                    )
                    .with_help(format!("write `{key} = {b}`{quotes}")),
                );
                Some(Sp::new(b, value.span()))
            }
            None => {
                self.wrong_kind(key, "a boolean (`true` or `false`)", found, value.span());
                None
            }
        }
    }

    fn string_list(&mut self, table: &Section<'_, '_>, key: &str) -> Vec<Sp<String>> {
        let Some(value) = table.get(key) else {
            return Vec::new();
        };
        match value.get_ref() {
            DeValue::Array(items) => self.strings_of(key, items.iter()),
            DeValue::String(s) => {
                self.diags.push(
                    Diagnostic::error(
                        format!("`{key}` must be an array of strings, found string"),
                        value.span(),
                        "expected an array",
                    )
                    .with_help(format!("write `{key} = [\"{s}\"]`")),
                );
                vec![Sp::new(s.to_string(), value.span())]
            }
            other => {
                self.wrong_kind(key, "an array of strings", other.type_str(), value.span());
                Vec::new()
            }
        }
    }

    fn string_or_list(&mut self, table: &Section<'_, '_>, key: &str) -> Vec<Sp<String>> {
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
                other => self.diags.push(Diagnostic::error(
                    format!(
                        "the items of `{key}` must be strings, found {}",
                        other.type_str()
                    ),
                    item.span(),
                    "expected a string",
                )),
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
