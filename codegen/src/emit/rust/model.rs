//! One model: its struct, fields and `#[litemodel(...)]` attributes. What the
//! attributes mean, and the items `#[derive(Model)]` writes from them, is the
//! derive's business (`runtime/derive`).

use std::collections::BTreeSet;

use proc_macro2::TokenStream;
use quote::quote;

use super::types::{base_type, generated_value, initial_value, type_imports};
use super::{doc_attr, field_ident, type_ident};
use crate::model::{Column, Direction, Lazy, Model, Relationship, Schema};

/// The struct of model `index`.
pub(super) fn emit(
    schema: &Schema,
    index: usize,
    imports: &mut BTreeSet<&'static str>,
) -> TokenStream {
    ModelEmitter {
        schema,
        model: &schema.models[index],
        index,
    }
    .emit(imports)
}

struct ModelEmitter<'a> {
    schema: &'a Schema,
    model: &'a Model,
    index: usize,
}

impl ModelEmitter<'_> {
    fn emit(&self, imports: &mut BTreeSet<&'static str>) -> TokenStream {
        imports.insert("Model");
        for column in &self.model.columns {
            type_imports(column, imports);
        }
        let name = type_ident(&self.model.name);
        let struct_doc = match &self.model.doc {
            Some(doc) => doc_attr(doc),
            None => doc_attr(&format!("A row of `{}`.", self.model.table)),
        };
        let table = &self.model.table;
        let repr = if self.model.repr.is_empty() {
            TokenStream::new()
        } else {
            let fields = self
                .model
                .repr
                .iter()
                .map(|&c| field_ident(&self.model.columns[c].field));
            quote!(, repr(#(#fields),*))
        };
        let query_relationships = self
            .model
            .relationships
            .iter()
            .filter(|rel| !rel.holds_objects())
            .map(|rel| {
                let kind = kind_ident(rel);
                let rel_name = field_ident(&rel.name);
                let target = type_ident(&self.schema.models[rel.target].name);
                let options = self.relationship_options(rel);
                quote!(#[litemodel(#kind(#rel_name, model = #target #(, #options)*))])
            });

        let rowid_field = if self.model.identified_by_rowid() {
            let doc = doc_attr(
                "SQLite's rowid: how the session identifies a row of a table whose primary key\nis not one integer column; `None` until the row is inserted.",
            );
            let skip = self.serde_skip();
            quote! { #doc #[litemodel(rowid)] #skip pub rowid: Option<i64>, }
        } else {
            TokenStream::new()
        };
        let explicit_nulls = if self.has_insert_defaults() {
            imports.insert("ExplicitNulls");
            let doc = doc_attr(
                "The columns `set_null` marked to be stored as NULL despite their `default`.",
            );
            let skip = self.serde_skip();
            quote! { #doc #[litemodel(explicit_nulls)] #skip pub explicit_nulls: ExplicitNulls, }
        } else {
            TokenStream::new()
        };
        let column_fields = self
            .model
            .columns
            .iter()
            .map(|column| self.column_field(column));
        let relationship_fields: Vec<TokenStream> = self
            .model
            .relationships
            .iter()
            .filter(|rel| rel.holds_objects())
            .map(|rel| {
                let field = field_ident(&rel.name);
                let target = type_ident(&self.schema.models[rel.target].name);
                let doc = doc_attr(&self.relationship_doc(rel));
                let kind = kind_ident(rel);
                let options = self.relationship_options(rel);
                let holder = if rel.direction == Direction::ManyToOne {
                    imports.insert("Parent");
                    quote!(Parent)
                } else {
                    imports.insert("Children");
                    quote!(Children)
                };
                let serde = if !self.model.rust.serde {
                    TokenStream::new()
                } else if rel.serialize {
                    quote!(#[serde(skip_deserializing)])
                } else {
                    quote!(#[serde(skip)])
                };
                let attributes = user_attributes(&rel.attributes);
                quote! {
                    #doc
                    #[litemodel(#kind #(, #options)*)]
                    #serde
                    #attributes
                    pub #field: #holder<#target>,
                }
            })
            .collect();

        // The `default` of a column whose field is not an `Option` must hold in
        // `Model::default()` too (`..Default::default()`): the derive writes
        // `Default` for a model with any. Other defaults are applied at INSERT.
        let default = if self
            .model
            .columns
            .iter()
            .any(|c| self.default_of(c).is_some() && !self.is_option_field(c))
        {
            TokenStream::new()
        } else {
            quote!(Default,)
        };
        let extra = self.model.rust.derives.iter().map(|path| {
            // Validation checked the path.
            syn::parse_str::<syn::Path>(path).map_or_else(|_| TokenStream::new(), |p| quote!(, #p))
        });
        let (serde_derives, serde_attr) = if self.model.rust.serde {
            (
                quote!(, litemodel::serde::Serialize, litemodel::serde::Deserialize),
                quote!(#[serde(crate = "litemodel::serde", deny_unknown_fields)]),
            )
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        let attributes = user_attributes(&self.model.rust.attributes);
        quote! {
            #struct_doc
            #[derive(Clone, PartialEq, #default Model #(#extra)* #serde_derives)]
            #serde_attr
            #attributes
            #[litemodel(table = #table #repr)]
            #(#query_relationships)*
            pub struct #name {
                #rowid_field
                #explicit_nulls
                #(#column_fields)*
                #(#relationship_fields)*
            }
        }
    }

    fn column_field(&self, column: &Column) -> TokenStream {
        let field = field_ident(&column.field);
        let ty = self.field_type(column);
        let doc = match (&column.doc, self.is_integer_key(column)) {
            (Some(doc), _) => doc_attr(doc),
            (None, true) => doc_attr("Primary key; `None` until the row is inserted."),
            (None, false) => TokenStream::new(),
        };
        let mut options = Vec::new();
        if column.primary_key {
            options.push(quote!(primary_key));
        }
        if self.is_key_reference(column) {
            options.push(quote!(foreign_key));
        }
        if column.primary_key && self.model.identified_by_rowid() {
            // Where there is no rowid (PostgreSQL), the runtime identifies the
            // row by its key columns packed into one integer: it needs their
            // widths, which a foreign key's `Option<i64>` does not tell.
            use crate::emit::sql::Dialect as _;
            let sql_type = crate::emit::sql::Postgresql.column_type(&column.ty);
            options.push(quote!(sql_type = #sql_type));
        }
        if column.name != column.field.trim_start_matches("r#") {
            let name = &column.name;
            options.push(quote!(column = #name));
        }
        if let Some(value) = self.default_of(column) {
            options.push(quote!(default = #value));
        }
        if let Some(sql) = &column.server_default {
            // The runtime writes it into INSERTs on either engine.
            let sql = crate::emit::sql::portable_server_default(&column.ty, sql);
            options.push(quote!(server_default = #sql));
        }
        if let Some(generated) = column.onupdate {
            let value = generated_value(&column.ty, generated);
            options.push(quote!(onupdate = #value));
        }
        let attr = if options.is_empty() {
            TokenStream::new()
        } else {
            quote!(#[litemodel(#(#options),*)])
        };
        // serde names a field by its column, as the spec does (`r#type` is
        // `type` without a rename).
        let rename =
            if self.model.rust.serde && column.name != column.field.trim_start_matches("r#") {
                let name = &column.name;
                quote!(#[serde(rename = #name)])
            } else {
                TokenStream::new()
            };
        let attributes = user_attributes(&column.attributes);
        quote! { #doc #attr #rename #attributes pub #field: #ty, }
    }

    /// `#[serde(skip)]` for session bookkeeping, on a model with serde.
    fn serde_skip(&self) -> TokenStream {
        if self.model.rust.serde {
            quote!(#[serde(skip)])
        } else {
            TokenStream::new()
        }
    }

    /// The value a new object's field starts with: the spec's `default` or
    /// `default_factory`, for columns the constructor does not leave `None`.
    fn default_of(&self, column: &Column) -> Option<TokenStream> {
        if self.is_integer_key(column) || self.is_key_reference(column) {
            return None;
        }
        initial_value(column)
    }

    /// `foreign_key = ..., lazy = "...", ...`: what the derive needs beyond the field.
    fn relationship_options(&self, rel: &Relationship) -> Vec<TokenStream> {
        let mut options = Vec::new();
        let target_model = &self.schema.models[rel.target];
        match rel.direction {
            Direction::ManyToOne | Direction::OneToMany => {
                let fk = field_ident(&self.foreign_key_column(rel).field);
                options.push(quote!(foreign_key = #fk));
            }
            Direction::ManyToMany => {
                if let Some(secondary) = &rel.secondary {
                    let assoc = &self.schema.models[secondary.model];
                    let column_of =
                        |key: usize| &assoc.columns[assoc.foreign_keys[key].columns[0]].name;
                    let table = &assoc.table;
                    let local = column_of(secondary.local_key);
                    let remote = column_of(secondary.remote_key);
                    options.push(quote!(secondary = #table));
                    options.push(quote!(local = #local));
                    options.push(quote!(remote = #remote));
                }
            }
        }
        if rel.direction == Direction::OneToMany && rel.holds_objects() {
            if let Some(back) = self.back_relationship(rel) {
                let back = field_ident(&back.name);
                options.push(quote!(backref = #back));
                // The derive checks that the backref posts its update too.
                if rel.post_update {
                    options.push(quote!(post_update));
                }
            }
        }
        if rel.direction == Direction::ManyToOne && rel.post_update {
            options.push(quote!(post_update));
        }
        if rel.lazy != Lazy::Select {
            let lazy = rel.lazy.as_str();
            options.push(quote!(lazy = #lazy));
        }
        if !rel.order_by.is_empty() {
            let order: Vec<String> = rel
                .order_by
                .iter()
                .map(|&(c, descending)| {
                    let column = &target_model.columns[c].name;
                    if descending {
                        format!("-{column}")
                    } else {
                        column.clone()
                    }
                })
                .collect();
            let order = order.join(", ");
            options.push(quote!(order_by = #order));
        }
        if rel.direction != Direction::ManyToOne && !rel.uselist {
            options.push(quote!(uselist = false));
        }
        if rel.direction == Direction::OneToMany {
            if rel.passive_deletes {
                options.push(quote!(passive_deletes));
            } else if rel.cascade.delete {
                options.push(quote!(delete));
            }
            if rel.cascade.delete_orphan && rel.holds_objects() {
                options.push(quote!(delete_orphan));
            }
        }
        if let (Some(doc), false) = (&rel.doc, rel.holds_objects()) {
            options.push(quote!(doc = #doc));
        }
        options
    }

    /// The target's many-to-one back to this model through the same key, whose
    /// setter links an appended child.
    fn back_relationship(&self, rel: &Relationship) -> Option<&Relationship> {
        self.schema.models[rel.target]
            .relationships
            .iter()
            .find(|r| {
                r.direction == Direction::ManyToOne
                    && r.target == self.index
                    && r.foreign_key == rel.foreign_key
            })
    }

    /// Whether the column's field is an `Option`: nullable, a key the database
    /// fills, or a value the INSERT fills (a `default_factory`, or a
    /// `server_default` without `default`), `None` until then.
    fn is_option_field(&self, column: &Column) -> bool {
        column.nullable
            || self.is_integer_key(column)
            || self.is_key_reference(column)
            || column.default_factory.is_some()
            || (column.default.is_none() && column.server_default.is_some())
    }

    /// Whether a column's `default` is applied at INSERT to a `None` field
    /// (which `set_null` can prevent): the model then has `explicit_nulls`.
    fn has_insert_defaults(&self) -> bool {
        self.model
            .columns
            .iter()
            .any(|c| self.default_of(c).is_some() && self.is_option_field(c))
    }

    /// The integer primary key that is the model's identity (`Option<i64>`).
    fn is_integer_key(&self, column: &Column) -> bool {
        column.primary_key && !self.model.identified_by_rowid()
    }

    /// The foreign key column on the child side of a one-to-many/many-to-one.
    fn foreign_key_column(&self, rel: &Relationship) -> &Column {
        let (owner, key) = rel.foreign_key.unwrap_or((self.index, 0));
        let owner = &self.schema.models[owner];
        let column = owner.foreign_keys[key].columns[0];
        &owner.columns[column]
    }

    /// The field type: the integer primary key and foreign keys to one are
    /// `Option<i64>` (unknown until flush), others follow the column type and nullability.
    fn field_type(&self, column: &Column) -> TokenStream {
        if self.is_integer_key(column) || self.is_key_reference(column) {
            return quote!(Option<i64>);
        }
        let base = base_type(column);
        if self.is_option_field(column) {
            quote!(Option<#base>)
        } else {
            base
        }
    }

    /// A single-column foreign key to another model's integer primary key.
    fn is_key_reference(&self, column: &Column) -> bool {
        let Some(c) = self
            .model
            .columns
            .iter()
            .position(|c| c.name == column.name)
        else {
            return false;
        };
        self.model.foreign_keys.iter().any(|fk| {
            fk.columns == [c] && {
                let target = &self.schema.models[fk.target];
                !target.identified_by_rowid() && target.primary_key == fk.target_columns
            }
        })
    }

    fn relationship_doc(&self, rel: &Relationship) -> String {
        if let Some(doc) = &rel.doc {
            return doc.clone();
        }
        let target = &self.schema.models[rel.target].name;
        match (rel.direction, rel.lazy, rel.from_backref, &rel.back) {
            (Direction::ManyToOne, _, true, Some(back)) => {
                format!("The `{}` backref of `{target}.{back}`.", rel.name)
            }
            (Direction::ManyToOne, ..) => {
                format!("The related `{target}`, loaded on first access.")
            }
            (_, lazy, ..) => format!(
                "`{}.{}` (`lazy = \"{}\"`).",
                self.model.name,
                rel.name,
                lazy.as_str()
            ),
        }
    }
}

/// The spec's `attributes` of an item, as tokens (validation checked they parse).
fn user_attributes(attributes: &[String]) -> TokenStream {
    attributes
        .iter()
        .filter_map(|text| text.parse::<TokenStream>().ok())
        .collect()
}

fn kind_ident(rel: &Relationship) -> TokenStream {
    match rel.direction {
        Direction::ManyToOne => quote!(many_to_one),
        Direction::OneToMany => quote!(one_to_many),
        Direction::ManyToMany => quote!(many_to_many),
    }
}
