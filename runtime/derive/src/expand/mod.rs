//! The items `#[derive(Model)]` writes for a checked [`ModelDef`]: column and
//! relationship constants, the constructor, `query`/`get`, relationship
//! accessors, `impl Model`, `Debug`, and `Default` when columns have defaults.
//!
//! Paths are absolute (`::litemodel::...`) so the expansion does not depend on
//! the caller's imports.

use heck::{ToShoutySnakeCase, ToSnakeCase};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use syn::{Ident, Type};

use crate::attr::{bare, ColumnDef, Kind, ModelDef};

mod relations;

/// The constant of a column or relationship: its name in SHOUTY_SNAKE_CASE.
pub fn const_ident(field: &Ident) -> Ident {
    let shouty = bare(field).to_shouty_snake_case();
    if shouty.is_empty() || shouty.starts_with(|c: char| c.is_ascii_digit()) {
        format_ident!("COLUMN_{}", shouty)
    } else {
        format_ident!("{}", shouty)
    }
}

/// `name` as a SQL delimited identifier (quotes inside doubled).
fn sql_quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn doc(text: &str) -> TokenStream {
    let text = format!(" {text}");
    quote!(#[doc = #text])
}

impl ModelDef {
    fn name(&self) -> String {
        self.ident.to_string()
    }

    /// `User` → "user", `PostTag` → "post tag": the model in prose.
    fn singular(&self) -> String {
        self.name().to_snake_case().replace('_', " ")
    }

    /// The integer primary key that is the model's identity.
    fn is_identity(&self, column: &ColumnDef) -> bool {
        column.primary_key && self.rowid.is_none()
    }

    fn identity(&self) -> (String, Ident) {
        match &self.rowid {
            Some(rowid) => (self.rowid_descriptor(), rowid.clone()),
            None => {
                let key = self.columns.iter().find(|c| c.primary_key);
                key.map_or_else(
                    || ("rowid".to_owned(), format_ident!("rowid")),
                    |c| (c.column.clone(), c.field.clone()),
                )
            }
        }
    }

    /// The `PRIMARY_KEY` of a model identified by its rowid: `rowid of
    /// "follows" ("follower_id" INTEGER, "followed_id" INTEGER)`, the key
    /// columns with their PostgreSQL types, from which the runtime computes
    /// the identity where there is no rowid (see the runtime's
    /// `sql/identity.rs`). A type is `sql_type`, else the field's: `i16`,
    /// `i32`, `i64` (so a foreign key's `Option<i64>`) are SMALLINT, INTEGER,
    /// BIGINT.
    fn rowid_descriptor(&self) -> String {
        let keys: Vec<String> = self
            .columns
            .iter()
            .filter(|c| c.primary_key)
            .map(|column| {
                let sql_type = column.sql_type.clone().unwrap_or_else(|| {
                    let base = &column.base;
                    match quote!(#base).to_string().as_str() {
                        "i16" => "SMALLINT".to_owned(),
                        "i32" => "INTEGER".to_owned(),
                        "i64" => "BIGINT".to_owned(),
                        "String" => "TEXT".to_owned(),
                        other => other.replace(' ', ""),
                    }
                });
                format!("{} {sql_type}", sql_quoted(&column.column))
            })
            .collect();
        format!("rowid of {} ({})", sql_quoted(&self.table), keys.join(", "))
    }

    fn column_of(&self, field: &Ident) -> &str {
        self.columns
            .iter()
            .find(|c| c.field == *field)
            .map_or("", |c| c.column.as_str())
    }

    /// Every item of the expansion.
    pub fn expand(&self) -> TokenStream {
        let name = &self.ident;
        let column_consts = self.columns.iter().map(|column| {
            let konst = const_ident(&column.field);
            let ty = &column.ty;
            let sql = &column.column;
            quote!(pub const #konst: ::litemodel::Column<#name, #ty> = ::litemodel::Column::new(#sql);)
        });
        let relationship_consts = self
            .relationships
            .iter()
            .map(|rel| self.relationship_const(rel));
        let accessors = self.relationships.iter().map(|rel| self.accessor(rel));
        let post_update_checks = self
            .relationships
            .iter()
            .map(|rel| self.post_update_check(rel));
        let constructor = self.constructor();
        let query = self.query();
        let get = self.get();
        let model_impl = self.model_impl();
        let debug_impl = self.debug_impl();
        let default_impl = self.default_impl();
        quote! {
            #[allow(dead_code, reason = "the derive writes a model's whole API; a crate uses what it needs")]
            impl #name {
                #(#column_consts)*
                #(#relationship_consts)*
                #constructor
                #query
                #get
                #(#accessors)*
            }
            #(#post_update_checks)*
            #model_impl
            #debug_impl
            #default_impl
        }
    }

    /// Whether `new` takes the column: a value the row cannot do without (its
    /// field is not an `Option`, it has no `default`, it is not a key).
    fn is_required(&self, column: &ColumnDef) -> bool {
        !column.nullable
            && column.default.is_none()
            && !self.is_identity(column)
            && !column.foreign_key
    }

    /// The fields every constructor starts from: `None` for optional columns, a
    /// non-`Option` column's `default`, empty relationship holders.
    fn blank_inits(&self, skip_required: bool, sole: Option<&Ident>) -> Vec<TokenStream> {
        let mut inits = Vec::new();
        for field in self.rowid.iter().chain(&self.explicit_nulls) {
            inits.push(quote!(#field: ::core::default::Default::default(),));
        }
        for column in &self.columns {
            if skip_required && (self.is_required(column) || sole == Some(&column.field)) {
                continue;
            }
            let field = &column.field;
            match &column.default {
                Some(value)
                    if !column.nullable && !self.is_identity(column) && !column.foreign_key =>
                {
                    inits.push(quote!(#field: #value,));
                }
                _ => inits.push(quote!(#field: ::core::default::Default::default(),)),
            }
        }
        for rel in self.relationships.iter().filter(|rel| rel.has_field) {
            let field = &rel.name;
            inits.push(quote!(#field: ::core::default::Default::default(),));
        }
        inits
    }

    /// The one column `new` takes of a model that requires none and has only
    /// that column besides its keys, as the seed's `Role(name='Admin')` and
    /// `User(username='john')`: `Role::new("Admin")`.
    fn sole_column(&self) -> Option<&ColumnDef> {
        if self.columns.iter().any(|c| self.is_required(c)) {
            return None;
        }
        let mut others = self
            .columns
            .iter()
            .filter(|c| !self.is_identity(c) && !c.foreign_key && !c.primary_key);
        match (others.next(), others.next()) {
            (Some(only), None) if only.default.is_none() && only.server_default.is_none() => {
                Some(only)
            }
            _ => None,
        }
    }

    /// `new` with the required columns, and a `with_<column>` per other column.
    fn constructor(&self) -> TokenStream {
        let name = &self.ident;
        let mut params = Vec::new();
        let sole = self.sole_column().map(|c| &c.field);
        let mut inits = self.blank_inits(true, sole);
        let mut setters = Vec::new();
        for column in &self.columns {
            let field = &column.field;
            let is_string = matches!(&column.base, Type::Path(p) if p.path.is_ident("String"));
            let base = &column.base;
            let (param_ty, value) = if is_string {
                (
                    quote!(impl ::core::convert::Into<::std::string::String>),
                    quote!(#field.into()),
                )
            } else {
                (quote!(#base), quote!(#field))
            };
            let stored = if column.nullable {
                quote!(::core::option::Option::Some(#value))
            } else {
                value
            };
            if self.is_required(column) || sole == Some(field) {
                params.push(quote!(#field: #param_ty));
                inits.push(quote!(#field: #stored,));
                continue;
            }
            let attr = bare(field);
            let with = format_ident!("with_{}", attr);
            let doc = doc(&format!(
                "`{}({attr}=...)`: this {} with `{attr}` set.",
                self.name(),
                self.singular()
            ));
            setters.push(quote! {
                #doc
                pub fn #with(mut self, #field: #param_ty) -> Self {
                    self.#field = #stored;
                    self
                }
            });
        }
        // Few columns are required (NOT NULL, no default); a wide table of them
        // still mirrors SQLAlchemy's keyword constructor.
        let allow = (params.len() > 7).then(|| quote!(#[allow(clippy::too_many_arguments)]));
        let doc = doc(&format!(
            "A new, unsaved {}: the columns it cannot do without; `with_*` sets the others.",
            self.singular()
        ));
        let nulls = self.null_methods();
        quote! {
            #doc
            #allow
            pub fn new(#(#params),*) -> Self {
                #name { #(#inits)* }
            }

            #(#setters)*
            #nulls
        }
    }

    /// The nullable columns whose `default` applies at INSERT when they are `None`.
    fn insert_defaults(&self) -> impl Iterator<Item = (&ColumnDef, &TokenStream)> {
        self.columns.iter().filter_map(|column| {
            let value = column.default.as_ref()?;
            (column.nullable && !self.is_identity(column) && !column.foreign_key)
                .then_some((column, value))
        })
    }

    /// `set_null`/`with_null` for a model with an `explicit_nulls` field.
    fn null_methods(&self) -> Option<TokenStream> {
        let nulls = self.explicit_nulls.as_ref()?;
        let arms = self.insert_defaults().map(|(column, _)| {
            let field = &column.field;
            let sql = &column.column;
            quote!(#sql => self.#field = ::core::option::Option::None,)
        });
        let set_doc = doc(
            "Stores `column` as NULL: its field becomes `None` and the INSERT does not apply its `default` (SQLAlchemy's `column=null()`).",
        );
        let with_doc = doc("This object with `column` stored as NULL (see `set_null`).");
        Some(quote! {
            #set_doc
            pub fn set_null<T>(&mut self, column: ::litemodel::Column<Self, ::core::option::Option<T>>) {
                match column.name() {
                    #(#arms)*
                    _ => {}
                }
                self.#nulls.insert(column.name());
            }

            #with_doc
            pub fn with_null<T>(mut self, column: ::litemodel::Column<Self, ::core::option::Option<T>>) -> Self {
                self.set_null(column);
                self
            }
        })
    }

    /// `apply_defaults`: the nullable columns' `default`s, run at INSERT.
    fn apply_defaults(&self) -> Option<TokenStream> {
        let sets: Vec<TokenStream> = self
            .insert_defaults()
            .map(|(column, value)| {
                let field = &column.field;
                let sql = &column.column;
                let unmarked = match &self.explicit_nulls {
                    Some(nulls) => quote!(&& !self.#nulls.contains(#sql)),
                    None => TokenStream::new(),
                };
                quote! {
                    if self.#field.is_none() #unmarked {
                        self.#field = ::core::option::Option::Some(#value);
                    }
                }
            })
            .collect();
        if sets.is_empty() {
            return None;
        }
        Some(quote! {
            const INSERT_DEFAULTS: bool = true;

            fn apply_defaults(&mut self) {
                #(#sets)*
            }
        })
    }

    fn query(&self) -> TokenStream {
        let name = &self.ident;
        let defaults: Vec<TokenStream> = self
            .relationships
            .iter()
            .filter_map(|rel| {
                let konst = const_ident(&rel.name);
                match rel.lazy.as_str() {
                    "joined" => Some(quote!(.options(#name::#konst.joined()))),
                    "selectin" => Some(quote!(.options(#name::#konst.selectin()))),
                    _ => None,
                }
            })
            .collect();
        let singular = self.singular();
        let doc = if defaults.is_empty() {
            doc(&format!("Every {singular}: `{}.query`.", self.name()))
        } else {
            doc(&format!(
                "Every {singular}: `{}.query`, with the eager loading its relationships declare.",
                self.name()
            ))
        };
        quote! {
            #doc
            pub fn query() -> ::litemodel::Query<#name> {
                ::litemodel::Query::new() #(#defaults)*
            }
        }
    }

    /// `get(conn, key)`: the row with this primary key; a composite key is a tuple.
    fn get(&self) -> TokenStream {
        let name = &self.ident;
        let singular = self.singular();
        if self.rowid.is_none() {
            // Without eager loading declared, `query()` is a plain query:
            // skip building it.
            let eager = self
                .relationships
                .iter()
                .any(|rel| matches!(rel.lazy.as_str(), "joined" | "selectin"));
            let get_body = if eager {
                quote!(#name::query().get(conn, id))
            } else {
                quote!(::litemodel::__private::get_by_key::<#name, E>(conn, id))
            };
            let doc = doc(&format!(
                "The {singular} with primary key `id`, if any (`{}.query.get(id)`).",
                self.name()
            ));
            return quote! {
                #doc
                pub fn get<E: ::litemodel::Executor>(conn: &E, id: i64) -> ::litemodel::Result<::core::option::Option<#name>> {
                    #get_body
                }
            };
        }
        let keys: Vec<&ColumnDef> = self.columns.iter().filter(|c| c.primary_key).collect();
        let types = keys.iter().map(|c| &c.base);
        let conditions: Vec<TokenStream> = keys
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let konst = const_ident(&column.field);
                if keys.len() == 1 {
                    quote!(#name::#konst.eq(key))
                } else {
                    let index = syn::Index::from(i);
                    quote!(#name::#konst.eq(key.#index))
                }
            })
            .collect();
        let key_ty = if keys.len() == 1 {
            quote!(#(#types)*)
        } else {
            quote!((#(#types),*))
        };
        let names: Vec<&str> = keys.iter().map(|c| c.column.as_str()).collect();
        let doc = doc(&format!(
            "The {singular} with primary key ({}), if any (`{}.query.get(...)`).",
            names.join(", "),
            self.name()
        ));
        quote! {
            #doc
            pub fn get<E: ::litemodel::Executor>(conn: &E, key: #key_ty) -> ::litemodel::Result<::core::option::Option<#name>> {
                #name::query().filter(#(#conditions)&*).one_or_none(conn)
            }
        }
    }

    fn model_impl(&self) -> TokenStream {
        let name = &self.ident;
        let table = &self.table;
        let mut columns: Vec<&str> = Vec::new();
        let mut reads = Vec::new();
        let descriptor = self.rowid.as_ref().map(|_| self.rowid_descriptor());
        if let (Some(rowid), Some(descriptor)) = (&self.rowid, &descriptor) {
            columns.push(descriptor);
            reads.push(quote!(#rowid: row.get_key(0)?,));
        }
        if let Some(nulls) = &self.explicit_nulls {
            reads.push(quote!(#nulls: ::core::default::Default::default(),));
        }
        let offset = columns.len();
        for (i, column) in self.columns.iter().enumerate() {
            columns.push(&column.column);
            let field = &column.field;
            let index = Literal::usize_unsuffixed(i + offset);
            if self.is_identity(column) {
                reads.push(quote!(#field: row.get_key(#index)?,));
            } else {
                reads.push(quote!(#field: row.get(#index)?,));
            }
        }
        let reads_columns: Vec<&Ident> = self
            .rowid
            .iter()
            .chain(&self.explicit_nulls)
            .chain(self.columns.iter().map(|c| &c.field))
            .collect();
        for rel in self.relationships.iter().filter(|rel| rel.has_field) {
            let field = &rel.name;
            reads.push(quote!(#field: ::core::default::Default::default(),));
        }
        let (pk_name, pk_field) = self.identity();
        let binds = self
            .columns
            .iter()
            .filter(|column| !self.is_identity(column))
            .map(|column| {
                let field = &column.field;
                quote!(binder.bind(&self.#field)?;)
            });
        let compares = self
            .columns
            .iter()
            .filter(|column| !self.is_identity(column))
            .enumerate()
            .map(|(i, column)| {
                let field = &column.field;
                let index = Literal::usize_unsuffixed(i);
                quote!(if self.#field != before.#field { changed.insert(#index); })
            })
            .collect::<Vec<_>>();
        let changed_columns = if compares.is_empty() {
            quote! {
                let _ = before;
                ::litemodel::ColumnSet::new()
            }
        } else {
            quote! {
                let mut changed = ::litemodel::ColumnSet::new();
                #(#compares)*
                changed
            }
        };
        let links: Vec<TokenStream> = self
            .relationships
            .iter()
            .filter(|rel| rel.kind == Kind::ManyToOne)
            .filter_map(|rel| {
                let konst = const_ident(&rel.name);
                let field = &rel.name;
                let fk = rel.foreign_key.as_ref()?;
                Some(quote!(links.link(#name::#konst, &self.#field, &mut self.#fk)?;))
            })
            .collect();
        let post_updates = self
            .relationships
            .iter()
            .any(|rel| rel.kind == Kind::ManyToOne && rel.post_update && rel.foreign_key.is_some());
        let link_parents = (!links.is_empty()).then(|| {
            let post_updates = post_updates.then(|| quote!(const POST_UPDATES: bool = true;));
            quote! {
                #post_updates

                fn link_parents(&mut self, links: &mut ::litemodel::Links<'_>) -> ::litemodel::Result<()> {
                    #(#links)*
                    ::core::result::Result::Ok(())
                }
            }
        });
        let snapshot = self.snapshot(&reads_columns);
        let server_defaults = self.server_defaults();
        let before_update = self.before_update();
        let apply_defaults = self.apply_defaults();
        let cascades = self.cascade_methods();
        quote! {
            impl ::litemodel::Model for #name {
                const TABLE: &'static str = #table;
                const COLUMNS: &'static [&'static str] = &[#(#columns),*];
                const PRIMARY_KEY: &'static str = #pk_name;

                fn primary_key(&self) -> ::core::option::Option<i64> {
                    self.#pk_field
                }

                fn set_primary_key(&mut self, key: ::core::option::Option<i64>) {
                    self.#pk_field = key;
                }

                fn from_row(row: &::litemodel::Row<'_>) -> ::litemodel::Result<Self> {
                    ::core::result::Result::Ok(#name {
                        #(#reads)*
                    })
                }

                #[inline]
                fn push_row(
                    row: &::litemodel::Row<'_>,
                    out: &mut ::std::vec::Vec<Self>,
                ) -> ::litemodel::Result<()> {
                    out.push(#name {
                        #(#reads)*
                    });
                    ::core::result::Result::Ok(())
                }

                fn bind(&self, binder: &mut ::litemodel::Binder<'_, '_>) -> ::litemodel::Result<()> {
                    #(#binds)*
                    ::core::result::Result::Ok(())
                }

                fn changed_columns(&self, before: &Self) -> ::litemodel::ColumnSet {
                    #changed_columns
                }

                #link_parents
                #snapshot
                #server_defaults
                #apply_defaults
                #before_update
                #cascades
            }
        }
    }

    /// `SERVER_DEFAULTS` and `read_server_defaults` for the columns with a
    /// `server_default` (other than the primary key).
    fn server_defaults(&self) -> Option<TokenStream> {
        let with_default: Vec<(usize, &ColumnDef)> = self
            .columns
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.primary_key && c.server_default.is_some())
            .collect();
        if with_default.is_empty() {
            return None;
        }
        let entries = with_default.iter().map(|(_, column)| {
            let name = &column.column;
            let sql = &column.server_default;
            quote!((#name, #sql))
        });
        let reads = with_default.iter().map(|(i, column)| {
            let field = &column.field;
            let index = Literal::usize_unsuffixed(*i);
            quote!(self.#field = row.get(#index)?;)
        });
        Some(quote! {
            const SERVER_DEFAULTS: &'static [(&'static str, &'static str)] = &[#(#entries),*];

            fn read_server_defaults(&mut self, row: &::litemodel::Row<'_>) -> ::litemodel::Result<()> {
                #(#reads)*
                ::core::result::Result::Ok(())
            }
        })
    }

    /// `before_update` setting every `onupdate` column.
    fn before_update(&self) -> Option<TokenStream> {
        let sets: Vec<TokenStream> = self
            .columns
            .iter()
            .filter_map(|column| {
                let value = column.onupdate.as_ref()?;
                let field = &column.field;
                Some(if column.nullable {
                    quote!(self.#field = ::core::option::Option::Some(#value);)
                } else {
                    quote!(self.#field = #value;)
                })
            })
            .collect();
        if sets.is_empty() {
            return None;
        }
        Some(quote! {
            const ON_UPDATE: bool = true;

            fn before_update(&mut self) {
                #(#sets)*
            }
        })
    }

    /// `<User 'john'>`: the model's name and its `repr` fields, as Python prints
    /// them. Without `repr(...)`, Flask-SQLAlchemy's default `Model.__repr__`:
    /// `<Follow 1, 2>`, the key values through `str()` joined by `", "`.
    fn debug_impl(&self) -> TokenStream {
        let name = &self.ident;
        let (separator, show) = if self.repr_is_key {
            (", ", quote!(::litemodel::py_str))
        } else {
            (" ", quote!(::litemodel::repr))
        };
        let holes = vec!["{}"; self.repr.len()].join(separator);
        let template = if holes.is_empty() {
            format!("<{}>", self.name())
        } else {
            format!("<{} {holes}>", self.name())
        };
        let fields = &self.repr;
        quote! {
            impl ::core::fmt::Debug for #name {
                fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                    ::core::write!(f, #template #(, #show(&self.#fields))*)
                }
            }
        }
    }

    /// `Default` with the `default` values of the columns whose field is not an
    /// `Option`, when any has one; other fields take their type's default. The
    /// `Option` fields' defaults are applied at INSERT, so `Default` has no side
    /// effects when those are clocks or random ids.
    fn default_impl(&self) -> Option<TokenStream> {
        let needed = self
            .columns
            .iter()
            .any(|c| c.default.is_some() && !c.nullable && !self.is_identity(c) && !c.foreign_key);
        if !needed {
            return None;
        }
        let name = &self.ident;
        let inits = self.blank_inits(false, None);
        Some(quote! {
            impl ::core::default::Default for #name {
                /// A new, unsaved object with the columns' `default` values.
                fn default() -> Self {
                    #name { #(#inits)* }
                }
            }
        })
    }
}
