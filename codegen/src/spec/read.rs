//! Reading the TOML tables of a spec into its types: the known keys of each table,
//! each model, column and relationship.

use std::borrow::Cow;

use toml::de::{DeTable, DeValue};
use toml::Spanned;

use crate::diagnostics::{Diagnostic, Diagnostics, Span};

use super::values::Section;
use super::{
    BackrefOptions, CheckSpec, ColumnSpec, ForeignKeySpec, IndexSpec, LiteralSpec, ModelSpec,
    RelationshipSpec, Sp, Spec, UniqueSpec,
};

const ROOT_KEYS: &[&str] = &["database", "models"];
const DATABASE_KEYS: &[&str] = &["path", "url"];
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
    "derive",
    "attributes",
    "serde",
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
    "attributes",
];
/// The keys of a `backref = { ... }` table.
pub const BACKREF_KEYS: &[&str] = &["name", "lazy", "uselist", "doc"];

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
    "post_update",
    "doc",
    "attributes",
    "serialize",
];
const INDEX_KEYS: &[&str] = &["name", "columns", "unique"];
const UNIQUE_KEYS: &[&str] = &["name", "columns"];
const CHECK_KEYS: &[&str] = &["name", "sql"];
const FOREIGN_KEY_KEYS: &[&str] = &["name", "columns", "references", "on_delete", "on_update"];

type Entry<'a, 'i> = (&'a Spanned<Cow<'i, str>>, &'a Spanned<DeValue<'i>>);

pub(super) struct Reader<'d> {
    pub(super) diags: &'d mut Diagnostics,
}

impl Reader<'_> {
    pub(super) fn root(&mut self, root: &DeTable<'_>) -> Spec {
        let mut spec = Spec::default();
        let root = self.check_keys(root, ROOT_KEYS, "at the top level of the spec");
        if let Some(value) = root.get("database") {
            let help = "write a `[database]` table with `path = \"data.sqlite\"` under it";
            if let Some(table) = self.expect_table(value, "`database`", help) {
                let table = self.check_keys(table, DATABASE_KEYS, "in `[database]`");
                spec.database.path = self.string(&table, "path");
                spec.database.url = self.string(&table, "url");
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
            derive: self.string_or_list(&table, "derive"),
            attributes: self.string_or_list(&table, "attributes"),
            serde: self.boolean(&table, "serde"),
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
            attributes: Vec::new(),
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
        column.attributes = self.string_or_list(&table, "attributes");
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
            backref_options: BackrefOptions::default(),
            back_populates: None,
            lazy: None,
            uselist: None,
            secondary: None,
            foreign_keys: Vec::new(),
            order_by: Vec::new(),
            cascade: None,
            passive_deletes: None,
            post_update: None,
            doc: None,
            attributes: Vec::new(),
            serialize: None,
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
        self.backref(&table, model, &mut relationship);
        relationship.back_populates = self.string(&table, "back_populates");
        relationship.lazy = self.string(&table, "lazy");
        relationship.uselist = self.boolean(&table, "uselist");
        relationship.secondary = self.string(&table, "secondary");
        relationship.foreign_keys = self.string_or_list(&table, "foreign_keys");
        relationship.order_by = self.string_or_list(&table, "order_by");
        relationship.cascade = self.string(&table, "cascade");
        relationship.passive_deletes = self.boolean(&table, "passive_deletes");
        relationship.post_update = self.boolean(&table, "post_update");
        relationship.doc = self.string(&table, "doc");
        relationship.attributes = self.string_or_list(&table, "attributes");
        relationship.serialize = self.boolean(&table, "serialize");
        Some(relationship)
    }

    /// `backref = "name"`, or `backref = { name = "name", lazy = ..., uselist = ...,
    /// doc = ... }` (SQLAlchemy's `db.backref(...)`).
    fn backref(
        &mut self,
        table: &Section<'_, '_>,
        model: &str,
        relationship: &mut RelationshipSpec,
    ) {
        let Some(value) = table.get("backref") else {
            return;
        };
        let DeValue::Table(options) = value.get_ref() else {
            relationship.backref = self.string(table, "backref");
            return;
        };
        let what = format!("in the `backref` of `{model}.{}`", relationship.name.value);
        let options = self.check_keys(options, BACKREF_KEYS, &what);
        relationship.backref = self.string(&options, "name");
        if relationship.backref.is_none() && options.get("name").is_none() {
            self.diags.push(
                Diagnostic::error(
                    format!(
                        "the `backref` table of `{model}.{}` has no `name`",
                        relationship.name.value
                    ),
                    value.span(),
                    "missing `name`",
                )
                .with_help("name the relationship it creates, for example `backref = { name = \"author\", lazy = \"joined\" }`"),
            );
        }
        relationship.backref_options = BackrefOptions {
            lazy: self.string(&options, "lazy"),
            uselist: self.boolean(&options, "uselist"),
            doc: self.string(&options, "doc"),
        };
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
}
