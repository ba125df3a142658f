//! Column types and default values as written in the spec.

use std::collections::HashMap;

use crate::diagnostics::{did_you_mean, Diagnostic, Span};
use crate::model::*;
use crate::spec::{ColumnSpec, LiteralSpec, Sp};

use super::Validator;

/// Type names accepted in `type = "..."` (parameters aside).
const TYPE_NAMES: &[&str] = &[
    "integer",
    "small_integer",
    "big_integer",
    "boolean",
    "float",
    "numeric",
    "string",
    "text",
    "blob",
    "date",
    "time",
    "datetime",
    "json",
    "uuid",
    "enum",
];

/// Spellings from other tools, mapped to ours for a precise "did you mean".
const TYPE_ALIASES: &[(&str, &str)] = &[
    ("int", "integer"),
    ("int32", "integer"),
    ("i32", "integer"),
    ("smallint", "small_integer"),
    ("i16", "small_integer"),
    ("bigint", "big_integer"),
    ("int64", "big_integer"),
    ("i64", "big_integer"),
    ("bool", "boolean"),
    ("real", "float"),
    ("double", "float"),
    ("f64", "float"),
    ("decimal", "numeric"),
    ("varchar", "string"),
    ("str", "string"),
    ("char", "string"),
    ("unicode", "string"),
    ("largebinary", "blob"),
    ("bytes", "blob"),
    ("binary", "blob"),
    ("timestamp", "datetime"),
];

impl<'s> Validator<'s, '_> {
    pub(super) fn column_type(&mut self, model: &str, spec: &ColumnSpec) -> ColumnType {
        let Some(ty) = &spec.ty else {
            return ColumnType::Integer;
        };
        let text = ty.value.trim();
        let (base, args) = match text.find('(') {
            Some(open) if text.ends_with(')') => {
                let args: Vec<&str> = text[open + 1..text.len() - 1]
                    .split(',')
                    .map(str::trim)
                    .collect();
                (text[..open].trim(), Some(args))
            }
            Some(_) => {
                self.error(
                    Diagnostic::error(
                        format!("malformed type `{text}`"),
                        ty.span.clone(),
                        "unbalanced parenthesis",
                    )
                    .with_help("write parameters as `string(64)` or `numeric(10, 2)`"),
                );
                return ColumnType::Integer;
            }
            None => (text, None),
        };
        let lower = base.to_lowercase();
        let bad_args = |v: &mut Self, label: &str, help: &str| {
            v.error(
                Diagnostic::error(
                    format!("invalid parameters for type `{base}`"),
                    ty.span.clone(),
                    label,
                )
                .with_help(help),
            );
        };
        let number = |s: &str| s.parse::<u32>().ok().filter(|n| *n > 0);
        let no_args = |v: &mut Self, t: ColumnType| {
            if args.is_some() {
                v.error(
                    Diagnostic::error(
                        format!("type `{base}` takes no parameters"),
                        ty.span.clone(),
                        "unexpected parameters",
                    )
                    .with_help(format!("write `{base}`")),
                );
            }
            t
        };
        match lower.as_str() {
            "integer" => no_args(self, ColumnType::Integer),
            "small_integer" => no_args(self, ColumnType::SmallInteger),
            "big_integer" => no_args(self, ColumnType::BigInteger),
            "boolean" => no_args(self, ColumnType::Boolean),
            "float" => no_args(self, ColumnType::Float),
            "text" => no_args(self, ColumnType::Text),
            "blob" => no_args(self, ColumnType::Blob),
            "date" => no_args(self, ColumnType::Date),
            "time" => no_args(self, ColumnType::Time),
            "json" => no_args(self, ColumnType::Json),
            "uuid" => no_args(self, ColumnType::Uuid),
            "datetime" => match args.as_deref() {
                None => ColumnType::DateTime { timezone: false },
                Some(["timezone"]) => ColumnType::DateTime { timezone: true },
                Some(_) => {
                    bad_args(
                        self,
                        "expected `timezone` or nothing",
                        "write `datetime`, or `datetime(timezone)` for timezone-aware values",
                    );
                    ColumnType::DateTime { timezone: false }
                }
            },
            "string" => match args.as_deref() {
                None => ColumnType::String { length: None },
                Some([n]) if number(n).is_some() => ColumnType::String { length: number(n) },
                Some(_) => {
                    bad_args(
                        self,
                        "expected a positive length",
                        "write the maximum length, as in `string(64)`, or `string` for no limit",
                    );
                    ColumnType::String { length: None }
                }
            },
            "numeric" => match args.as_deref() {
                None => ColumnType::Numeric {
                    precision: None,
                    scale: None,
                },
                Some([p]) if number(p).is_some() => ColumnType::Numeric {
                    precision: number(p),
                    scale: None,
                },
                Some([p, s]) if number(p).is_some() && s.parse::<u32>().is_ok() => {
                    let precision = number(p);
                    let scale = s.parse::<u32>().ok();
                    if let (Some(p), Some(s)) = (precision, scale) {
                        if s > p {
                            bad_args(
                                self,
                                &format!("scale {s} is larger than precision {p}"),
                                &format!("precision counts all digits and scale those after the point, so scale cannot exceed precision; did you mean `numeric({s}, {p})`?"),
                            );
                        }
                    }
                    ColumnType::Numeric { precision, scale }
                }
                Some(_) => {
                    bad_args(
                        self,
                        "expected a precision and a scale",
                        "write `numeric(10, 2)` for 10 digits, 2 after the point, or `numeric` for no limit",
                    );
                    ColumnType::Numeric {
                        precision: None,
                        scale: None,
                    }
                }
            },
            "enum" => {
                let values: Vec<String> = spec
                    .values
                    .as_ref()
                    .map(|v| v.value.iter().map(|s| s.value.clone()).collect())
                    .unwrap_or_default();
                if values.is_empty() {
                    self.error(
                        Diagnostic::error(
                            format!("enum column `{model}.{}` has no `values`", spec.name.value),
                            spec.values
                                .as_ref()
                                .map_or(ty.span.clone(), |v| v.span.clone()),
                            "no labels",
                        )
                        .with_help("list the labels: `values = [\"draft\", \"published\"]`"),
                    );
                }
                let mut seen: HashMap<&str, Span> = HashMap::new();
                for value in spec.values.iter().flat_map(|v| v.value.iter()) {
                    if let Some(first) = seen.get(value.value.as_str()) {
                        self.error(
                            Diagnostic::error(
                                format!("duplicate enum label `{}`", value.value),
                                value.span.clone(),
                                "duplicate label",
                            )
                            .with_secondary(first.clone(), "first listed here")
                            .with_help("remove one of them"),
                        );
                    } else {
                        seen.insert(value.value.as_str(), value.span.clone());
                    }
                }
                let name = spec.enum_name.as_ref().map_or_else(
                    || {
                        let column =
                            heck::ToUpperCamelCase::to_upper_camel_case(spec.name.value.as_str());
                        format!("{model}{column}")
                    },
                    |n| n.value.clone(),
                );
                ColumnType::Enum { name, values }
            }
            _ => {
                let suggestion = TYPE_ALIASES
                    .iter()
                    .find(|(alias, _)| *alias == lower)
                    .map(|(_, ours)| *ours)
                    .or_else(|| did_you_mean(&lower, TYPE_NAMES.iter().copied()));
                let mut d = Diagnostic::error(
                    format!("unknown column type `{base}`"),
                    ty.span.clone(),
                    "unknown type",
                );
                let params = args.as_ref().map(|a| a.join(", "));
                d = match (suggestion, params) {
                    (Some("string"), None) => d.with_help(
                        "did you mean `string(n)`, for example `string(64)`? (`string(n)` is VARCHAR(n))",
                    ),
                    (Some(s @ ("string" | "numeric")), Some(params)) => {
                        d.with_help(format!("did you mean `{s}({params})`?"))
                    }
                    (Some(s), _) => d.with_help(format!("did you mean `{s}`?")),
                    (None, _) => d,
                };
                self.error(d.with_note(format!("the column types are {}", TYPE_NAMES.join(", "))));
                ColumnType::Integer
            }
        }
    }

    pub(super) fn literal(
        &mut self,
        model: &str,
        spec: &ColumnSpec,
        ty: &ColumnType,
        value: &Sp<LiteralSpec>,
    ) -> Option<Literal> {
        let literal = match &value.value {
            LiteralSpec::Integer(i) => Literal::Integer(*i),
            LiteralSpec::Float(f) => Literal::Float(*f),
            LiteralSpec::Boolean(b) => Literal::Boolean(*b),
            LiteralSpec::String(s) => Literal::String(s.clone()),
        };
        let fits = match (ty, &literal) {
            (t, Literal::Integer(i)) if t.is_integer() => match t {
                ColumnType::SmallInteger => i16::try_from(*i).is_ok(),
                ColumnType::Integer => i32::try_from(*i).is_ok(),
                _ => true,
            },
            (
                ColumnType::Float | ColumnType::Numeric { .. },
                Literal::Integer(_) | Literal::Float(_),
            ) => true,
            (ColumnType::Boolean, Literal::Boolean(_)) => true,
            (ColumnType::Enum { values, .. }, Literal::String(s)) => {
                if !values.contains(s) {
                    let d = Diagnostic::error(
                        format!(
                            "default `{s}` is not a label of enum column `{model}.{}`",
                            spec.name.value
                        ),
                        value.span.clone(),
                        "unknown label",
                    );
                    let d = match did_you_mean(s, values.iter().map(String::as_str)) {
                        Some(label) => d.with_help(format!("did you mean `{label}`?")),
                        None => d.with_note(format!("the labels are {}", values.join(", "))),
                    };
                    self.error(d);
                    return None;
                }
                true
            }
            (ColumnType::String { .. } | ColumnType::Text, Literal::String(_)) => true,
            // Typed in Rust: the text must be a value of the type.
            (ColumnType::Date, Literal::String(_)) => literal.as_date().is_some(),
            (ColumnType::Time, Literal::String(_)) => literal.as_time().is_some(),
            (ColumnType::DateTime { .. }, Literal::String(_)) => literal.as_datetime().is_some(),
            (ColumnType::Uuid, Literal::String(_)) => literal.as_uuid().is_some(),
            (ColumnType::Numeric { .. }, Literal::String(_)) => literal.as_decimal().is_some(),
            _ => false,
        };
        if !fits {
            let expected = match ty {
                t if t.is_integer() => "an integer",
                ColumnType::Float | ColumnType::Numeric { .. } => "a number",
                ColumnType::Boolean => "`true` or `false`",
                ColumnType::Blob | ColumnType::Json => "no literal default for this type",
                ColumnType::Date => "a date string `YYYY-MM-DD`",
                ColumnType::Time => "a time string `HH:MM:SS`",
                ColumnType::DateTime { .. } => "a datetime string `YYYY-MM-DD HH:MM:SS`",
                ColumnType::Uuid => "a UUID string",
                _ => "a string",
            };
            let mut d = Diagnostic::error(
                format!(
                    "default does not fit column `{model}.{}` of type `{}`",
                    spec.name.value,
                    ty.label()
                ),
                value.span.clone(),
                if matches!(ty, ColumnType::Blob | ColumnType::Json) {
                    expected.to_owned()
                } else {
                    format!("expected {expected}")
                },
            );
            let unquoted = match (&literal, ty) {
                (Literal::String(text), t) if t.is_integer() => {
                    text.trim().parse::<i64>().ok().map(|i| i.to_string())
                }
                (Literal::String(text), ColumnType::Float) => text
                    .trim()
                    .parse::<f64>()
                    .ok()
                    .map(|_| text.trim().to_owned()),
                (Literal::String(text), ColumnType::Boolean) => {
                    match text.trim().to_lowercase().as_str() {
                        "true" | "1" => Some("true".to_owned()),
                        "false" | "0" => Some("false".to_owned()),
                        _ => None,
                    }
                }
                (Literal::Integer(1), ColumnType::Boolean) => Some("true".to_owned()),
                (Literal::Integer(0), ColumnType::Boolean) => Some("false".to_owned()),
                _ => None,
            };
            d = match (unquoted, &literal) {
                (Some(fixed), _) => d.with_help(format!("write `default = {fixed}`")),
                (None, Literal::Integer(i)) if ty.is_integer() => d
                    .with_note(format!("{i} does not fit in a `{}` column", ty.label()))
                    .with_help("use a wider type (`integer`, `big_integer`) or a smaller default"),
                (None, _) if matches!(ty, ColumnType::Blob | ColumnType::Json) => d.with_help(
                    "use `server_default = \"SQL\"` for a default computed by the database",
                ),
                (None, _) => d.with_help(format!(
                    "write {expected}, or use `server_default = \"SQL\"` for a default computed by the database"
                )),
            };
            self.error(d);
            return None;
        }
        Some(literal)
    }
}
