//! Column types in Rust: the field type of each spec type, the generated enums,
//! and the values fields start with (literal `default`s,
//! `default_factory` and `onupdate`).
//!
//! Every type named here is stored as SQLAlchemy stores the column type on SQLite;
//! the conversions live in the runtime's `litemodel::types`.

use std::collections::BTreeSet;

use heck::ToUpperCamelCase;
use proc_macro2::{Ident, Literal as TokenLiteral, Span, TokenStream};
use quote::{format_ident, quote};

use crate::model::{Column, ColumnType, Generated, Literal, Schema};
use crate::names;

pub(super) enum BaseKind {
    Integer,
    Float,
    Bool,
    String,
    Bytes,
    Other,
}

pub(super) fn base_type_kind(ty: &ColumnType) -> BaseKind {
    match ty {
        ColumnType::Integer | ColumnType::SmallInteger | ColumnType::BigInteger => {
            BaseKind::Integer
        }
        ColumnType::Boolean => BaseKind::Bool,
        ColumnType::Float => BaseKind::Float,
        ColumnType::Blob => BaseKind::Bytes,
        ColumnType::String { .. } | ColumnType::Text => BaseKind::String,
        ColumnType::Numeric { .. }
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::DateTime { .. }
        | ColumnType::Json
        | ColumnType::Uuid
        | ColumnType::Enum { .. } => BaseKind::Other,
    }
}

/// The runtime items (re-exported at `litemodel::`) a column's type names.
pub(super) fn type_imports(column: &Column, imports: &mut BTreeSet<&'static str>) {
    if column.rust_type.is_some() {
        return;
    }
    match &column.ty {
        ColumnType::Numeric { .. } => {
            imports.insert("Decimal");
        }
        ColumnType::Date => {
            imports.insert("NaiveDate");
        }
        ColumnType::Time => {
            imports.insert("NaiveTime");
        }
        ColumnType::DateTime { timezone } => {
            if *timezone {
                imports.extend(["DateTime", "Utc"]);
            } else {
                imports.insert("NaiveDateTime");
            }
            // A literal default is built from its date.
            if column.default.is_some() {
                imports.insert("NaiveDate");
            }
        }
        ColumnType::Json => {
            imports.insert("JsonValue");
        }
        ColumnType::Uuid => {
            imports.insert("Uuid");
        }
        _ => {}
    }
}

/// The Rust type of a column's non-null value: the spec's `rust_type`, or the type's
/// own (`integer` is `i32`, `numeric` a `Decimal`, `enum` its generated enum, ...).
pub(super) fn base_type(column: &Column) -> TokenStream {
    if let Some(path) = &column.rust_type {
        // Validation checked the path; an unparsable one is kept as tokens for rustc.
        return match syn::parse_str::<syn::Type>(path) {
            Ok(ty) => quote!(#ty),
            Err(_) => path.parse().unwrap_or_else(|_| quote!(())),
        };
    }
    match &column.ty {
        ColumnType::Integer => quote!(i32),
        ColumnType::SmallInteger => quote!(i16),
        ColumnType::BigInteger => quote!(i64),
        ColumnType::Boolean => quote!(bool),
        ColumnType::Float => quote!(f64),
        ColumnType::Numeric { .. } => quote!(Decimal),
        ColumnType::String { .. } | ColumnType::Text => quote!(String),
        ColumnType::Blob => quote!(Vec<u8>),
        ColumnType::Date => quote!(NaiveDate),
        ColumnType::Time => quote!(NaiveTime),
        ColumnType::DateTime { timezone: false } => quote!(NaiveDateTime),
        ColumnType::DateTime { timezone: true } => quote!(DateTime<Utc>),
        ColumnType::Json => quote!(JsonValue),
        ColumnType::Uuid => quote!(Uuid),
        ColumnType::Enum { name, .. } => {
            let name = Ident::new(name, Span::call_site());
            quote!(#name)
        }
    }
}

/// The value a new object's field starts with, of the column's base type: its
/// literal `default` or its `default_factory`; `None` when the constructor takes it.
pub(super) fn initial_value(column: &Column) -> Option<TokenStream> {
    if let Some(generated) = column.default_factory {
        return Some(generated_value(&column.ty, generated));
    }
    column
        .default
        .as_ref()
        .map(|default| default_value(column, default))
}

/// `litemodel::types::now()` and friends, for `default_factory` and `onupdate`.
pub(super) fn generated_value(ty: &ColumnType, generated: Generated) -> TokenStream {
    match (generated, ty) {
        (Generated::Uuid4, _) => quote!(litemodel::types::uuid4()),
        (Generated::Now, ColumnType::Date) => quote!(litemodel::types::today()),
        (Generated::Now, ColumnType::Time) => quote!(litemodel::types::time_now()),
        (Generated::Now, ColumnType::DateTime { timezone: true }) => {
            quote!(litemodel::types::now_utc())
        }
        (Generated::Now, _) => quote!(litemodel::types::now()),
    }
}

/// A column's literal `default` as a Rust expression of its base type. Validation
/// checked that the literal is a value of the type; the `unwrap_or_default()`s on
/// the date constructors are never reached.
fn default_value(column: &Column, default: &Literal) -> TokenStream {
    let date = |(y, m, d): (i32, u32, u32)| {
        let (y, m, d) = (
            TokenLiteral::i32_unsuffixed(y),
            TokenLiteral::u32_unsuffixed(m),
            TokenLiteral::u32_unsuffixed(d),
        );
        quote!(NaiveDate::from_ymd_opt(#y, #m, #d))
    };
    let time = |(h, mi, s, us): (u32, u32, u32, u32)| {
        let [h, mi, s, us] = [h, mi, s, us].map(TokenLiteral::u32_unsuffixed);
        (
            quote!(NaiveTime::from_hms_micro_opt(#h, #mi, #s, #us)),
            quote!(and_hms_micro_opt(#h, #mi, #s, #us)),
        )
    };
    match (&column.ty, default) {
        (ColumnType::Enum { name, values }, Literal::String(label)) => {
            let ty = Ident::new(name, Span::call_site());
            let variants = variant_names(values);
            let index = values.iter().position(|v| v == label).unwrap_or(0);
            let variant = &variants[index];
            quote!(#ty::#variant)
        }
        (ColumnType::Numeric { .. }, literal) => {
            let (mantissa, scale) = literal.as_decimal().unwrap_or((0, 0));
            if scale == 0 {
                match i64::try_from(mantissa) {
                    Ok(whole) => {
                        let lit = TokenLiteral::i64_unsuffixed(whole);
                        quote!(Decimal::from(#lit))
                    }
                    Err(_) => {
                        let lit = TokenLiteral::i128_unsuffixed(mantissa);
                        quote!(Decimal::from_i128_with_scale(#lit, 0))
                    }
                }
            } else {
                let mantissa = TokenLiteral::i128_unsuffixed(mantissa);
                let scale = TokenLiteral::u32_unsuffixed(scale);
                quote!(Decimal::from_i128_with_scale(#mantissa, #scale))
            }
        }
        (ColumnType::Date, literal) => {
            let value = date(literal.as_date().unwrap_or((1970, 1, 1)));
            quote!(#value.unwrap_or_default())
        }
        (ColumnType::Time, literal) => {
            let (value, _) = time(literal.as_time().unwrap_or((0, 0, 0, 0)));
            quote!(#value.unwrap_or_default())
        }
        (ColumnType::DateTime { timezone }, literal) => {
            let (d, t) = literal
                .as_datetime()
                .unwrap_or(((1970, 1, 1), (0, 0, 0, 0)));
            let d = date(d);
            let (_, and_time) = time(t);
            if *timezone {
                quote!(#d.and_then(|date| date.#and_time).map(|datetime| datetime.and_utc()).unwrap_or_default())
            } else {
                quote!(#d.and_then(|date| date.#and_time).unwrap_or_default())
            }
        }
        (ColumnType::Uuid, literal) => {
            let hex = format!("0x{:032x}", literal.as_uuid().unwrap_or(0));
            let lit: TokenStream = hex.parse().unwrap_or_else(|_| quote!(0));
            quote!(Uuid::from_u128(#lit))
        }
        (_, Literal::Integer(i)) => match base_type_kind(&column.ty) {
            BaseKind::Float => {
                let lit = TokenLiteral::f64_unsuffixed(*i as f64);
                quote!(#lit)
            }
            BaseKind::String => {
                let text = i.to_string();
                quote!(String::from(#text))
            }
            _ => {
                let lit = TokenLiteral::i64_unsuffixed(*i);
                quote!(#lit)
            }
        },
        (_, Literal::Float(f)) => {
            let lit = TokenLiteral::f64_unsuffixed(*f);
            quote!(#lit)
        }
        (_, Literal::Boolean(b)) => quote!(#b),
        (_, Literal::String(s)) => quote!(String::from(#s)),
    }
}

// ---- generated enums -------------------------------------------------------------------

/// The variant of each label: UpperCamelCase, made a valid and distinct identifier.
fn variant_names(values: &[String]) -> Vec<Ident> {
    let mut taken = BTreeSet::new();
    values
        .iter()
        .map(|label| {
            let mut name = label.to_upper_camel_case();
            if name.is_empty() {
                name = "Empty".to_owned();
            }
            if !names::is_identifier_shape(&name) || name.starts_with('_') {
                name = format!("V{name}");
            }
            if !names::is_identifier_shape(&name) {
                name = format!("V{}", taken.len());
            }
            if names::is_rust_keyword(&name) {
                name.push('_');
            }
            let base = name.clone();
            let mut n = 2;
            while !taken.insert(name.clone()) {
                name = format!("{base}{n}");
                n += 1;
            }
            format_ident!("{}", name)
        })
        .collect()
}

/// One Rust enum per distinct enum type of the schema, in first-use order.
pub(super) fn enum_definitions(
    schema: &Schema,
    imports: &mut BTreeSet<&'static str>,
) -> Vec<TokenStream> {
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    for model in &schema.models {
        for column in &model.columns {
            let ColumnType::Enum { name, values } = &column.ty else {
                continue;
            };
            if column.rust_type.is_some() || !seen.insert(name.clone()) {
                continue;
            }
            imports.extend([
                "ColumnError",
                "ColumnValue",
                "FromColumn",
                "Repr",
                "ToColumn",
            ]);
            // serde for an enum a serde model uses.
            let serde = schema.models.iter().any(|m| {
                m.rust.serde && m.columns.iter().any(|c| {
                    c.rust_type.is_none()
                        && matches!(&c.ty, ColumnType::Enum { name: other, .. } if other == name)
                })
            });
            items.push(enum_definition(
                name,
                values,
                &model.table,
                &column.name,
                serde,
            ));
        }
    }
    items
}

fn enum_definition(
    name: &str,
    values: &[String],
    table: &str,
    column: &str,
    serde: bool,
) -> TokenStream {
    let ty = Ident::new(name, Span::call_site());
    let variants = variant_names(values);
    let doc = format!(" The labels of `{table}.{column}`, stored as their text.");
    let variant_docs: Vec<TokenStream> = values
        .iter()
        .map(|label| {
            let doc = format!(" `{label}`");
            if serde {
                quote!(#[doc = #doc] #[serde(rename = #label)])
            } else {
                quote!(#[doc = #doc])
            }
        })
        .collect();
    let (serde_derives, serde_attr) = if serde {
        (
            quote!(, litemodel::serde::Serialize, litemodel::serde::Deserialize),
            quote!(#[serde(crate = "litemodel::serde")]),
        )
    } else {
        (TokenStream::new(), TokenStream::new())
    };
    let first = variants.iter().take(1);
    let rest = variants.iter().skip(1);
    let first_doc = variant_docs.iter().take(1);
    let rest_doc = variant_docs.iter().skip(1);
    let count = TokenLiteral::usize_unsuffixed(values.len());
    let expected = format!("a `{name}` label");
    quote! {
        #[doc = #doc]
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default #serde_derives)]
        #serde_attr
        pub enum #ty {
            #(#first_doc #[default] #first,)*
            #(#rest_doc #rest,)*
        }

        impl #ty {
            /// Every label, in the spec's order.
            pub const ALL: [#ty; #count] = [#(#ty::#variants),*];

            /// The label, as stored.
            pub fn as_str(self) -> &'static str {
                match self {
                    #(#ty::#variants => #values,)*
                }
            }
        }

        impl fmt::Display for #ty {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ToColumn for #ty {
            fn to_column(&self) -> Result<ColumnValue<'_>, ColumnError> {
                Ok(ColumnValue::from(self.as_str()))
            }
        }

        impl FromColumn for #ty {
            fn from_column(value: ColumnValue<'_>) -> Result<Self, ColumnError> {
                let label = value.expect_text(#expected)?;
                #ty::ALL
                    .into_iter()
                    .find(|variant| variant.as_str() == label)
                    .ok_or_else(|| ColumnError::unknown_label(#name, label))
            }
        }

        impl Repr for #ty {
            fn fmt_repr(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                self.as_str().fmt_repr(f)
            }
        }
    }
}
