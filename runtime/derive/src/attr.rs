//! The `#[litemodel(...)]` attribute language, parsed into a checked [`ModelDef`].
//!
//! Every error is a `syn::Error` at the span of the attribute or field it is
//! about; errors of one struct are collected and reported together.

use proc_macro2::{Span, TokenStream};
use syn::meta::ParseNestedMeta;
use syn::spanned::Spanned;
use syn::{
    Attribute, Data, DeriveInput, Fields, GenericArgument, Ident, LitStr, PathArguments, Type,
};

/// One model: the struct, its columns and its relationships, in declaration order.
pub struct ModelDef {
    pub ident: Ident,
    pub table: String,
    /// The fields `Debug` shows (`repr(...)`), else the primary key columns.
    pub repr: Vec<Ident>,
    /// No `repr(...)` was given: `Debug` prints the key as Flask-SQLAlchemy's
    /// default `__repr__` does (`<Follow 1, 2>`, values through `str()`).
    pub repr_is_key: bool,
    /// The `#[litemodel(rowid)]` field of a model without one integer primary key.
    pub rowid: Option<Ident>,
    /// The `#[litemodel(explicit_nulls)]` field (`litemodel::ExplicitNulls`): the
    /// columns `set_null` marked to be stored as NULL despite their `default`.
    pub explicit_nulls: Option<Ident>,
    pub columns: Vec<ColumnDef>,
    pub relationships: Vec<RelationshipDef>,
}

pub struct ColumnDef {
    pub field: Ident,
    pub ty: Type,
    /// The type inside `Option<...>`, or the field's type.
    pub base: Type,
    pub nullable: bool,
    pub column: String,
    pub primary_key: bool,
    pub foreign_key: bool,
    pub default: Option<TokenStream>,
    pub server_default: Option<LitStr>,
    pub onupdate: Option<TokenStream>,
    /// `sql_type = "INTEGER"`: the PostgreSQL type of a key column of a model
    /// identified by its rowid (a foreign key field is an `Option<i64>`
    /// whatever the column's width).
    pub sql_type: Option<String>,
}

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    ManyToOne,
    OneToMany,
    ManyToMany,
}

/// A relationship's `lazy` mode: the one definition the generator and the
/// runtime share.
pub use litemodel_core::Lazy;

pub struct RelationshipDef {
    /// The relationship's name: its field, or the name a struct attribute gives it.
    pub name: Ident,
    /// Whether the relationship keeps its objects in the field `name`.
    pub has_field: bool,
    pub kind: Kind,
    pub target: Type,
    /// The foreign key field: on this struct for many-to-one, on the target otherwise.
    pub foreign_key: Option<Ident>,
    /// The target's many-to-one back to this model, whose setter links a child.
    pub backref: Option<Ident>,
    pub lazy: Lazy,
    /// `(column, descending)`, from `order_by = "-timestamp, name"`.
    pub order_by: Vec<(String, bool)>,
    /// The association table and its columns pointing here and at the target.
    pub secondary: Option<(LitStr, LitStr, LitStr)>,
    pub uselist: bool,
    pub delete: bool,
    pub delete_orphan: bool,
    pub passive_deletes: bool,
    /// `post_update`: on a many-to-one, the session writes the foreign key
    /// with an UPDATE after the INSERTs (and clears it before the DELETEs);
    /// on a one-to-many, its `backref` must have it.
    pub post_update: bool,
    pub doc: Option<String>,
}

/// Collects errors so one expansion reports all of them.
#[derive(Default)]
struct Errors(Option<syn::Error>);

impl Errors {
    fn push(&mut self, error: syn::Error) {
        match &mut self.0 {
            Some(all) => all.combine(error),
            None => self.0 = Some(error),
        }
    }

    fn finish(self) -> syn::Result<()> {
        self.0.map_or(Ok(()), Err)
    }
}

fn is_litemodel(attr: &Attribute) -> bool {
    attr.path().is_ident("litemodel")
}

/// The field name as written, without `r#`.
pub fn bare(ident: &Ident) -> String {
    let name = ident.to_string();
    name.strip_prefix("r#").map_or(name.clone(), str::to_owned)
}

/// The tokens of an attribute value up to the next top-level comma
/// (`default = litemodel::types::now()`), kept as written.
fn expression(meta: &ParseNestedMeta<'_>) -> syn::Result<TokenStream> {
    let input = meta.value()?;
    let mut tokens = TokenStream::new();
    while !input.is_empty() && !input.peek(syn::Token![,]) {
        let tree: proc_macro2::TokenTree = input.parse()?;
        tokens.extend([tree]);
    }
    if tokens.is_empty() {
        return Err(meta.error("expected an expression after `=`"));
    }
    Ok(tokens)
}

fn string(meta: &ParseNestedMeta<'_>) -> syn::Result<LitStr> {
    meta.value()?.parse::<LitStr>()
}

fn ident(meta: &ParseNestedMeta<'_>) -> syn::Result<Ident> {
    let input = meta.value()?;
    input.call(Ident::parse_any_ident)
}

trait ParseAnyIdent {
    fn parse_any_ident(input: syn::parse::ParseStream<'_>) -> syn::Result<Ident>;
}

impl ParseAnyIdent for Ident {
    /// A field name, keywords included (`r#type`).
    fn parse_any_ident(input: syn::parse::ParseStream<'_>) -> syn::Result<Ident> {
        use syn::ext::IdentExt;
        Ident::parse_any(input)
    }
}

fn boolean(meta: &ParseNestedMeta<'_>) -> syn::Result<bool> {
    Ok(meta.value()?.parse::<syn::LitBool>()?.value)
}

fn unknown(meta: &ParseNestedMeta<'_>, place: &str, expected: &str) -> syn::Error {
    let name = meta
        .path
        .get_ident()
        .map_or_else(|| "?".to_owned(), Ident::to_string);
    meta.error(format!(
        "unknown litemodel attribute `{name}` on {place}; expected one of: {expected}"
    ))
}

/// `Option<T>` gives `Some(T)`.
fn option_inner(ty: &Type) -> Option<&Type> {
    generic_of(ty, "Option")
}

/// `Wrapper<T>` (last path segment named `wrapper`) gives `Some(T)`.
fn generic_of<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match args.args.first()? {
        GenericArgument::Type(inner) if args.args.len() == 1 => Some(inner),
        _ => None,
    }
}

fn parse_order_by(text: &LitStr) -> syn::Result<Vec<(String, bool)>> {
    let mut order = Vec::new();
    for part in text.value().split(',').map(str::trim) {
        let (column, descending) = match part.strip_prefix('-') {
            Some(column) => (column.trim(), true),
            None => (part, false),
        };
        if column.is_empty() {
            return Err(syn::Error::new(
                text.span(),
                "`order_by` expects column names separated by commas, `-name` for descending",
            ));
        }
        order.push((column.to_owned(), descending));
    }
    Ok(order)
}

/// Options shared by field and struct relationships.
struct RelationshipOptions {
    kind: Kind,
    model: Option<Type>,
    foreign_key: Option<Ident>,
    backref: Option<Ident>,
    lazy: Option<(Lazy, Span)>,
    order_by: Vec<(String, bool)>,
    secondary: Option<LitStr>,
    local: Option<LitStr>,
    remote: Option<LitStr>,
    uselist: bool,
    delete: bool,
    delete_orphan: bool,
    passive_deletes: bool,
    post_update: Option<Span>,
    doc: Option<String>,
}

const RELATIONSHIP_KEYS: &str = "model, foreign_key, backref, lazy, order_by, secondary, local, remote, uselist, delete, delete_orphan, passive_deletes, post_update, doc";

impl RelationshipOptions {
    fn new(kind: Kind) -> Self {
        RelationshipOptions {
            kind,
            model: None,
            foreign_key: None,
            backref: None,
            lazy: None,
            order_by: Vec::new(),
            secondary: None,
            local: None,
            remote: None,
            uselist: true,
            delete: false,
            delete_orphan: false,
            passive_deletes: false,
            post_update: None,
            doc: None,
        }
    }

    /// One `key = value` or flag inside a relationship attribute.
    fn parse(&mut self, meta: &ParseNestedMeta<'_>) -> syn::Result<()> {
        let path = &meta.path;
        if path.is_ident("model") {
            self.model = Some(meta.value()?.parse()?);
        } else if path.is_ident("foreign_key") {
            self.foreign_key = Some(ident(meta)?);
        } else if path.is_ident("backref") {
            self.backref = Some(ident(meta)?);
        } else if path.is_ident("lazy") {
            let text = string(meta)?;
            let lazy = Lazy::parse(&text.value()).ok_or_else(|| {
                let names: Vec<String> = Lazy::ALL
                    .iter()
                    .map(|(name, _)| format!("\"{name}\""))
                    .collect();
                syn::Error::new(
                    text.span(),
                    format!("`lazy` expects one of {}", names.join(", ")),
                )
            })?;
            self.lazy = Some((lazy, text.span()));
        } else if path.is_ident("order_by") {
            self.order_by = parse_order_by(&string(meta)?)?;
        } else if path.is_ident("secondary") {
            self.secondary = Some(string(meta)?);
        } else if path.is_ident("local") {
            self.local = Some(string(meta)?);
        } else if path.is_ident("remote") {
            self.remote = Some(string(meta)?);
        } else if path.is_ident("uselist") {
            self.uselist = boolean(meta)?;
        } else if path.is_ident("delete") {
            self.delete = true;
        } else if path.is_ident("delete_orphan") {
            self.delete_orphan = true;
        } else if path.is_ident("passive_deletes") {
            self.passive_deletes = true;
        } else if path.is_ident("post_update") {
            self.post_update = Some(path.span());
        } else if path.is_ident("doc") {
            self.doc = Some(string(meta)?.value());
        } else {
            return Err(unknown(meta, "a relationship", RELATIONSHIP_KEYS));
        }
        Ok(())
    }

    fn finish(
        self,
        name: Ident,
        target: Type,
        has_field: bool,
        span: Span,
    ) -> syn::Result<RelationshipDef> {
        let lazy = self.lazy.map_or(Lazy::Select, |(lazy, _)| lazy);
        let lazy_span = self.lazy.map_or(span, |(_, span)| span);
        match self.kind {
            Kind::ManyToOne if !has_field => {
                return Err(syn::Error::new(
                    span,
                    "a `many_to_one` relationship is a field: `#[litemodel(many_to_one, foreign_key = ...)] name: Parent<T>`",
                ));
            }
            Kind::ManyToOne if lazy.is_query() => {
                return Err(syn::Error::new(
                    lazy_span,
                    "a `many_to_one` relationship cannot be `lazy = \"dynamic\"` or `\"write_only\"`",
                ));
            }
            Kind::ManyToOne | Kind::OneToMany if self.foreign_key.is_none() => {
                return Err(syn::Error::new(
                    span,
                    "this relationship needs `foreign_key = <field>`: the field holding the parent's key",
                ));
            }
            Kind::OneToMany | Kind::ManyToMany if has_field == lazy.is_query() => {
                let message = if has_field {
                    "a `dynamic` or `write_only` relationship keeps no objects: declare it on the struct, `#[litemodel(one_to_many(name, model = T, ...))]`"
                } else {
                    "a relationship declared on the struct must be `lazy = \"dynamic\"` or `\"write_only\"`; give it a `Children<T>` field instead"
                };
                return Err(syn::Error::new(lazy_span, message));
            }
            _ => {}
        }
        match (self.kind, self.post_update) {
            (Kind::ManyToMany, Some(at)) => {
                return Err(syn::Error::new(
                    at,
                    "`post_update` applies to a `many_to_one` or `one_to_many`: a `many_to_many` association row is written once both sides have ids",
                ));
            }
            (Kind::OneToMany, Some(at)) if self.backref.is_none() => {
                return Err(syn::Error::new(
                    at,
                    "`post_update` on a `one_to_many` is carried out by the children's `many_to_one`: name it with `backref = <field>` and give it `post_update`",
                ));
            }
            _ => {}
        }
        let secondary = match (self.kind, self.secondary, self.local, self.remote) {
            (Kind::ManyToMany, Some(table), Some(local), Some(remote)) => {
                Some((table, local, remote))
            }
            (Kind::ManyToMany, ..) => {
                return Err(syn::Error::new(
                    span,
                    "a `many_to_many` relationship needs `secondary = \"table\"`, `local = \"column\"` and `remote = \"column\"`",
                ));
            }
            _ => None,
        };
        Ok(RelationshipDef {
            name,
            has_field,
            kind: self.kind,
            target,
            foreign_key: self.foreign_key,
            backref: self.backref,
            lazy,
            order_by: self.order_by,
            secondary,
            uselist: self.uselist,
            delete: self.delete,
            delete_orphan: self.delete_orphan,
            passive_deletes: self.passive_deletes,
            post_update: self.post_update.is_some(),
            doc: self.doc,
        })
    }
}

fn relationship_kind(meta: &ParseNestedMeta<'_>) -> Option<Kind> {
    let path = &meta.path;
    if path.is_ident("many_to_one") {
        Some(Kind::ManyToOne)
    } else if path.is_ident("one_to_many") {
        Some(Kind::OneToMany)
    } else if path.is_ident("many_to_many") {
        Some(Kind::ManyToMany)
    } else {
        None
    }
}

const STRUCT_KEYS: &str = "table, repr(...), one_to_many(...), many_to_many(...)";
const FIELD_KEYS: &str = "primary_key, rowid, explicit_nulls, foreign_key, column, default, server_default, onupdate, sql_type, many_to_one, one_to_many, many_to_many";

/// Parses and checks the struct and its `#[litemodel(...)]` attributes.
pub fn parse(input: &DeriveInput) -> syn::Result<ModelDef> {
    let mut errors = Errors::default();
    if !input.generics.params.is_empty() {
        errors.push(syn::Error::new(
            input.generics.span(),
            "a litemodel model cannot have generic parameters",
        ));
    }
    let Data::Struct(data) = &input.data else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Model)]` expects a struct with named fields",
        ));
    };
    let Fields::Named(fields) = &data.fields else {
        return Err(syn::Error::new(
            input.ident.span(),
            "`#[derive(Model)]` expects a struct with named fields",
        ));
    };

    let mut table = None;
    let mut repr = Vec::new();
    let mut struct_relationships = Vec::new();
    for attr in input.attrs.iter().filter(|a| is_litemodel(a)) {
        let parsed = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident("table") {
                table = Some(string(&meta)?.value());
            } else if meta.path.is_ident("repr") {
                meta.parse_nested_meta(|field| {
                    match field.path.get_ident() {
                        Some(ident) => repr.push(ident.clone()),
                        None => return Err(field.error("`repr(...)` expects field names")),
                    }
                    Ok(())
                })?;
            } else if let Some(kind) = relationship_kind(&meta) {
                let span = meta.path.span();
                let mut options = RelationshipOptions::new(kind);
                let mut name = None;
                meta.parse_nested_meta(|inner| {
                    if name.is_none() && inner.input.is_empty() || name.is_none() && inner.input.peek(syn::Token![,]) {
                        if let Some(ident) = inner.path.get_ident() {
                            name = Some(ident.clone());
                            return Ok(());
                        }
                    }
                    options.parse(&inner)
                })?;
                let Some(name) = name else {
                    return Err(syn::Error::new(
                        span,
                        "a relationship declared on the struct starts with its name: `one_to_many(name, model = T, ...)`",
                    ));
                };
                let Some(target) = options.model.take() else {
                    return Err(syn::Error::new(span, "this relationship needs `model = <the related model>`"));
                };
                struct_relationships.push(options.finish(name, target, false, span)?);
            } else {
                return Err(unknown(&meta, "a model struct", STRUCT_KEYS));
            }
            Ok(())
        });
        if let Err(error) = parsed {
            errors.push(error);
        }
    }
    let table = table.unwrap_or_else(|| {
        errors.push(syn::Error::new(
            input.ident.span(),
            "a model needs its table: `#[litemodel(table = \"...\")]`",
        ));
        String::new()
    });

    let mut columns = Vec::new();
    let mut relationships = Vec::new();
    let mut rowid = None;
    let mut explicit_nulls = None;
    for field in &fields.named {
        let Some(ident) = field.ident.clone() else {
            continue;
        };
        match parse_field(&ident, field) {
            Ok(FieldDef::Column(column)) => columns.push(*column),
            Ok(FieldDef::Relationship(rel)) => relationships.push(*rel),
            Ok(FieldDef::Rowid) => rowid = Some(ident),
            Ok(FieldDef::ExplicitNulls) => explicit_nulls = Some(ident),
            Err(error) => errors.push(error),
        }
    }
    relationships.extend(struct_relationships);

    let keys: Vec<&ColumnDef> = columns.iter().filter(|c| c.primary_key).collect();
    if rowid.is_none() {
        match keys.as_slice() {
            [key] if is_option_i64(&key.ty) => {}
            _ => errors.push(syn::Error::new(
                input.ident.span(),
                "a model needs one `#[litemodel(primary_key)]` field of type `Option<i64>`, or a `#[litemodel(rowid)] rowid: Option<i64>` field beside its key columns",
            )),
        }
    }
    for shown in &repr {
        if !columns.iter().any(|c| c.field == *shown) {
            errors.push(syn::Error::new(
                shown.span(),
                format!("`repr` names `{shown}`, which is not a column field of this struct"),
            ));
        }
    }
    for rel in &relationships {
        if rel.kind != Kind::ManyToOne {
            continue;
        }
        if let Some(fk) = &rel.foreign_key {
            if !columns.iter().any(|c| c.field == *fk) {
                errors.push(syn::Error::new(
                    fk.span(),
                    format!("`foreign_key = {fk}` names no column field of this struct"),
                ));
            }
        }
    }
    errors.finish()?;
    let repr_is_key = repr.is_empty();
    let repr = if repr_is_key {
        keys.iter().map(|c| c.field.clone()).collect()
    } else {
        repr
    };
    Ok(ModelDef {
        ident: input.ident.clone(),
        table,
        repr,
        repr_is_key,
        rowid,
        explicit_nulls,
        columns,
        relationships,
    })
}

fn is_option_i64(ty: &Type) -> bool {
    option_inner(ty).is_some_and(|inner| matches!(inner, Type::Path(p) if p.path.is_ident("i64")))
}

enum FieldDef {
    Column(Box<ColumnDef>),
    Relationship(Box<RelationshipDef>),
    Rowid,
    ExplicitNulls,
}

fn parse_field(ident: &Ident, field: &syn::Field) -> syn::Result<FieldDef> {
    let mut column = ColumnDef {
        field: ident.clone(),
        ty: field.ty.clone(),
        base: option_inner(&field.ty).unwrap_or(&field.ty).clone(),
        nullable: option_inner(&field.ty).is_some(),
        column: bare(ident),
        primary_key: false,
        foreign_key: false,
        default: None,
        server_default: None,
        onupdate: None,
        sql_type: None,
    };
    let mut relationship: Option<RelationshipOptions> = None;
    let mut kind_span = field.span();
    let mut is_rowid = false;
    let mut is_explicit_nulls = false;
    for attr in field.attrs.iter().filter(|a| is_litemodel(a)) {
        attr.parse_nested_meta(|meta| {
            if let Some(options) = &mut relationship {
                return options.parse(&meta);
            }
            let path = &meta.path;
            if let Some(kind) = relationship_kind(&meta) {
                relationship = Some(RelationshipOptions::new(kind));
                kind_span = path.span();
            } else if path.is_ident("primary_key") {
                column.primary_key = true;
            } else if path.is_ident("rowid") {
                is_rowid = true;
            } else if path.is_ident("explicit_nulls") {
                is_explicit_nulls = true;
            } else if path.is_ident("foreign_key") {
                column.foreign_key = true;
            } else if path.is_ident("column") {
                column.column = string(&meta)?.value();
            } else if path.is_ident("default") {
                column.default = Some(expression(&meta)?);
            } else if path.is_ident("server_default") {
                column.server_default = Some(string(&meta)?);
            } else if path.is_ident("onupdate") {
                column.onupdate = Some(expression(&meta)?);
            } else if path.is_ident("sql_type") {
                column.sql_type = Some(string(&meta)?.value());
            } else {
                return Err(unknown(&meta, "a field", FIELD_KEYS));
            }
            Ok(())
        })?;
    }
    if is_rowid {
        if !is_option_i64(&field.ty) || ident != "rowid" {
            return Err(syn::Error::new(
                field.span(),
                "`#[litemodel(rowid)]` expects the field `rowid: Option<i64>`",
            ));
        }
        return Ok(FieldDef::Rowid);
    }
    if is_explicit_nulls {
        let named = matches!(&field.ty, Type::Path(p)
            if p.path.segments.last().is_some_and(|s| s.ident == "ExplicitNulls" && s.arguments.is_empty()));
        if !named {
            return Err(syn::Error::new(
                field.ty.span(),
                "`#[litemodel(explicit_nulls)]` expects a field of type `litemodel::ExplicitNulls`",
            ));
        }
        return Ok(FieldDef::ExplicitNulls);
    }
    let Some(options) = relationship else {
        if column.sql_type.is_some() && !column.primary_key {
            return Err(syn::Error::new(
                field.span(),
                "`sql_type` is for the key columns of a model with a `rowid` field: add `primary_key`",
            ));
        }
        if column.foreign_key && !is_option_i64(&field.ty) {
            return Err(syn::Error::new(
                field.ty.span(),
                "a `#[litemodel(foreign_key)]` field holds a parent's key: `Option<i64>`",
            ));
        }
        return Ok(FieldDef::Column(Box::new(column)));
    };
    let (wrapper, expected) = match options.kind {
        Kind::ManyToOne => (
            "Parent",
            "`many_to_one` expects a field of type `Parent<T>`",
        ),
        _ => (
            "Children",
            "this relationship expects a field of type `Children<T>`",
        ),
    };
    let Some(target) = generic_of(&field.ty, wrapper) else {
        return Err(syn::Error::new(field.ty.span(), expected));
    };
    if options.model.is_some() {
        return Err(syn::Error::new(
            field.span(),
            "`model` is the field's type parameter here: remove `model = ...`",
        ));
    }
    options
        .finish(ident.clone(), target.clone(), true, kind_span)
        .map(|rel| FieldDef::Relationship(Box::new(rel)))
}
