//! Column types in Rust: the field type of each spec type, and literal defaults as
//! Rust expressions.

use proc_macro2::{Literal as TokenLiteral, TokenStream};
use quote::quote;

use crate::model::{Column, ColumnType, Literal};

pub(super) enum BaseKind {
    Integer,
    Float,
    Bool,
    String,
    Bytes,
}

pub(super) fn base_type_kind(ty: &ColumnType) -> BaseKind {
    match ty {
        ColumnType::Integer | ColumnType::SmallInteger | ColumnType::BigInteger => {
            BaseKind::Integer
        }
        ColumnType::Boolean => BaseKind::Bool,
        ColumnType::Float => BaseKind::Float,
        ColumnType::Blob => BaseKind::Bytes,
        // Text in SQLite; the types issue gives the remaining ones their own Rust types.
        ColumnType::String { .. }
        | ColumnType::Text
        | ColumnType::Numeric { .. }
        | ColumnType::Date
        | ColumnType::Time
        | ColumnType::DateTime { .. }
        | ColumnType::Json
        | ColumnType::Uuid
        | ColumnType::Enum { .. } => BaseKind::String,
    }
}

/// The Rust type of a column's non-null value.
pub(super) fn base_type(ty: &ColumnType) -> TokenStream {
    match base_type_kind(ty) {
        BaseKind::Integer => quote!(i64),
        BaseKind::Float => quote!(f64),
        BaseKind::Bool => quote!(bool),
        BaseKind::String => quote!(String),
        BaseKind::Bytes => quote!(Vec<u8>),
    }
}

/// A column's literal `default` as a Rust expression of its base type.
pub(super) fn default_value(column: &Column, default: &Literal) -> TokenStream {
    match (base_type_kind(&column.ty), default) {
        (BaseKind::Integer, Literal::Integer(i)) => {
            let lit = TokenLiteral::i64_unsuffixed(*i);
            quote!(#lit)
        }
        (BaseKind::Float, Literal::Integer(i)) => {
            let lit = TokenLiteral::f64_unsuffixed(*i as f64);
            quote!(#lit)
        }
        (BaseKind::Float, Literal::Float(f)) => {
            let lit = TokenLiteral::f64_unsuffixed(*f);
            quote!(#lit)
        }
        (BaseKind::Bool, Literal::Boolean(b)) => quote!(#b),
        (_, Literal::String(s)) => quote!(String::from(#s)),
        (_, Literal::Integer(i)) => {
            let text = i.to_string();
            quote!(String::from(#text))
        }
        (_, Literal::Float(f)) => {
            let text = f.to_string();
            quote!(String::from(#text))
        }
        (_, Literal::Boolean(b)) => quote!(#b),
    }
}
