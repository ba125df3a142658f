//! From the spec as written to the checked [`Schema`]: every name resolved, every
//! rule of the spec enforced, every problem recorded with its span.

use std::collections::{BTreeMap, HashMap, HashSet};

use crate::diagnostics::{did_you_mean, Diagnostic, Diagnostics, Span};
use crate::model::*;
use crate::names;
use crate::spec::{ColumnSpec, LiteralSpec, ModelSpec, RelationshipSpec, Sp, Spec};

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

const REFERENTIAL_ACTIONS: &[&str] = &[
    "CASCADE",
    "SET NULL",
    "SET DEFAULT",
    "RESTRICT",
    "NO ACTION",
];

const CASCADE_OPTIONS: &[&str] = &[
    "all",
    "save-update",
    "merge",
    "expunge",
    "delete",
    "delete-orphan",
    "refresh-expire",
];

/// Checks `spec` and builds the [`Schema`]; `None` when any error was recorded.
pub fn validate(spec: &Spec, diags: &mut Diagnostics) -> Option<Schema> {
    let errors_before = diags.error_count();
    let mut v = Validator {
        spec,
        diags,
        models: Vec::new(),
        fk_spans: Vec::new(),
        broken_fk: vec![false; spec.models.len()],
        index_spans: vec![Vec::new(); spec.models.len()],
        model_index: HashMap::new(),
        table_index: HashMap::new(),
    };
    v.models_and_tables();
    for m in 0..spec.models.len() {
        v.columns(m);
    }
    for m in 0..spec.models.len() {
        v.foreign_keys(m);
        v.constraints(m);
    }
    v.index_names();
    v.enum_names();
    let declared = v.relationships();
    v.backrefs(&declared);
    v.warnings();
    let models = v.models;
    let database = Database {
        path: spec.database.path.as_ref().map(|p| p.value.clone()),
    };
    if diags.error_count() > errors_before {
        return None;
    }
    Some(Schema { database, models })
}

struct Validator<'s, 'd> {
    spec: &'s Spec,
    diags: &'d mut Diagnostics,
    models: Vec<Model>,
    /// Per model, per foreign key: where it was declared.
    fk_spans: Vec<Vec<Span>>,
    /// Per model: a foreign key could not be resolved (already reported), so a
    /// relationship that finds no key path may just be missing that one.
    broken_fk: Vec<bool>,
    /// Per model, per entry of `indexes`: its `name`, or the entry when it has none.
    index_spans: Vec<Vec<Span>>,
    model_index: HashMap<&'s str, usize>,
    /// Lower-cased table name → model (SQLite names are case-insensitive).
    table_index: HashMap<String, usize>,
}

/// A declared relationship after resolution, kept for the backref pass.
struct Declared {
    model: usize,
    position: usize,
}

impl<'s> Validator<'s, '_> {
    fn error(&mut self, diagnostic: Diagnostic) {
        self.diags.push(diagnostic);
    }

    // ---- models -------------------------------------------------------------------

    fn models_and_tables(&mut self) {
        for (m, spec) in self.spec.models.iter().enumerate() {
            let name = &spec.name;
            if !names::is_identifier_shape(&name.value) || names::is_rust_keyword(&name.value) {
                self.error(
                    Diagnostic::error(
                        format!("model name `{}` is not a valid Rust type name", name.value),
                        name.span.clone(),
                        "not a Rust identifier",
                    )
                    .with_help(format!(
                        "model names become Rust types; use an UpperCamelCase name such as `{}` and set `table` for the SQL name",
                        suggest_type_name(&name.value)
                    )),
                );
            }
            self.model_index.entry(name.value.as_str()).or_insert(m);
            let table = spec.table.as_ref().map_or_else(
                || names::default_table_name(&name.value),
                |t| t.value.clone(),
            );
            let table_span = spec
                .table
                .as_ref()
                .map_or(name.span.clone(), |t| t.span.clone());
            if table.is_empty() {
                self.error(Diagnostic::error(
                    format!("model `{}` has an empty table name", name.value),
                    table_span.clone(),
                    "empty",
                ));
            }
            if let Some(&other) = self.table_index.get(&table.to_lowercase()) {
                let other_spec = &self.spec.models[other];
                let other_span = other_spec
                    .table
                    .as_ref()
                    .map_or(other_spec.name.span.clone(), |t| t.span.clone());
                self.error(
                    Diagnostic::error(
                        format!(
                            "models `{}` and `{}` both use the table `{table}`",
                            other_spec.name.value, name.value
                        ),
                        table_span.clone(),
                        "duplicate table",
                    )
                    .with_secondary(other_span, "first used here")
                    .with_help("give one of the models another `table` name")
                    .with_note("SQLite table names are case-insensitive"),
                );
            } else {
                self.table_index.insert(table.to_lowercase(), m);
            }
            let renamed_from = self.renamed_from("model", &name.value, &table, &spec.renamed_from);
            self.models.push(Model {
                name: name.value.clone(),
                table,
                doc: spec.doc.as_ref().map(|d| d.value.clone()),
                renamed_from,
                columns: Vec::new(),
                primary_key: Vec::new(),
                repr: Vec::new(),
                foreign_keys: Vec::new(),
                unique_constraints: Vec::new(),
                indexes: Vec::new(),
                checks: Vec::new(),
                relationships: Vec::new(),
            });
            self.fk_spans.push(Vec::new());
        }
    }

    // ---- columns ------------------------------------------------------------------

    fn columns(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        let model_name = spec.name.value.clone();
        if spec.columns.is_empty() {
            if spec.columns_incomplete {
                return;
            }
            self.error(
                Diagnostic::error(
                    format!("model `{model_name}` has no columns"),
                    spec.name.span.clone(),
                    "no columns",
                )
                .with_help(format!(
                    "add a `[models.{model_name}.columns]` table, for example `id = {{ type = \"integer\", primary_key = true }}`"
                )),
            );
            return;
        }
        let mut seen_sql: HashMap<String, Span> = HashMap::new();
        let mut seen_field: HashMap<String, Span> = HashMap::new();
        for column in &spec.columns {
            let lower = column.name.value.to_lowercase();
            if let Some(first) = seen_sql.get(&lower) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "duplicate column `{}` in model `{model_name}`",
                            column.name.value
                        ),
                        column.name.span.clone(),
                        "duplicate column",
                    )
                    .with_secondary(first.clone(), "first defined here")
                    .with_note("SQLite column names are case-insensitive")
                    .with_help("rename one of the columns"),
                );
            } else {
                seen_sql.insert(lower, column.name.span.clone());
            }
            let built = self.column(&model_name, column);
            if let Some(first) = seen_field.get(&built.field) {
                self.error(
                    Diagnostic::error(
                        format!(
                            "two columns of model `{model_name}` become the Rust field `{}`",
                            built.field
                        ),
                        column.name.span.clone(),
                        "same Rust field name",
                    )
                    .with_secondary(first.clone(), "also this column")
                    .with_help("set `rust_name` on one of them"),
                );
            } else {
                seen_field.insert(built.field.clone(), column.name.span.clone());
            }
            self.models[m].columns.push(built);
        }
        let primary_key: Vec<usize> = (0..self.models[m].columns.len())
            .filter(|&c| self.models[m].columns[c].primary_key)
            .collect();
        if primary_key.is_empty() && !spec.columns_incomplete {
            let first = &spec.columns[0];
            self.error(
                Diagnostic::error(
                    format!("model `{model_name}` has no primary key"),
                    spec.name.span.clone(),
                    "no column has `primary_key = true`",
                )
                .with_help(format!(
                    "add `primary_key = true` to the column that identifies a row (`{} = {{ ..., primary_key = true }}`), or add `id = {{ type = \"integer\", primary_key = true }}`",
                    first.name.value
                ))
                .with_note("SQLAlchemy maps no table without a primary key, and neither does litemodel"),
            );
        }
        if primary_key.len() > 1 {
            if let Some(flag) = spec
                .columns
                .iter()
                .find_map(|c| c.autoincrement.as_ref().filter(|a| a.value))
            {
                self.error(
                    Diagnostic::error(
                        format!("`autoincrement` needs a single-column primary key, but `{model_name}` has a composite one"),
                        flag.span.clone(),
                        "composite primary key",
                    )
                    .with_note("SQLite accepts AUTOINCREMENT only on an INTEGER PRIMARY KEY"),
                );
            }
        }
        self.models[m].primary_key = primary_key;
        // repr
        let mut repr = Vec::new();
        for item in &spec.repr {
            match self.find_column(m, &item.value) {
                Some(c) => repr.push(c),
                None => {
                    let d = self.unknown_column(m, item, "`repr` names");
                    self.error(d);
                }
            }
        }
        self.models[m].repr = repr;
    }

    fn column(&mut self, model: &str, spec: &ColumnSpec) -> Column {
        let name = &spec.name;
        let primary_key = spec.primary_key.as_ref().is_some_and(|p| p.value);
        let ty = self.column_type(model, spec);
        let nullable = match &spec.nullable {
            Some(n) if n.value && primary_key => {
                self.error(
                    Diagnostic::error(
                        format!(
                            "primary key column `{model}.{}` cannot be nullable",
                            name.value
                        ),
                        n.span.clone(),
                        "nullable primary key",
                    )
                    .with_help("remove `nullable = true`; primary key columns are NOT NULL"),
                );
                false
            }
            Some(n) => n.value,
            None => !primary_key,
        };
        let field = self.field_name(spec);
        let default = spec
            .default
            .as_ref()
            .and_then(|d| self.literal(model, spec, &ty, d));
        if let Some(values) = &spec.values {
            if !matches!(ty, ColumnType::Enum { .. }) && spec.ty.is_some() {
                self.error(
                    Diagnostic::error(
                        format!("`values` is only allowed on `enum` columns, but `{model}.{}` is not one", name.value),
                        values.span.clone(),
                        "not an enum column",
                    )
                    .with_help("set `type = \"enum\"` or remove `values`"),
                );
            }
        }
        if let Some(server_default) = &spec.server_default {
            if server_default.value.trim().is_empty() {
                self.error(
                    Diagnostic::error("`server_default` is empty", server_default.span.clone(), "empty SQL")
                        .with_help("write the SQL the database should use, for example `server_default = \"0\"`"),
                );
            } else if let Some(problem) = sql_fragment_problem(&server_default.value, false) {
                self.error(
                    Diagnostic::error(
                        format!("`server_default` of `{model}.{}` must be one SQL value or expression", name.value),
                        server_default.span.clone(),
                        problem,
                    )
                    .with_help("write a literal (`\"0\"`, `\"'text'\"`), a keyword (`\"CURRENT_TIMESTAMP\"`) or an expression in parentheses")
                    .with_note("the text goes into the DDL as written, so it may not end the column definition or the statement"),
                );
            }
        }
        let rust_type = self.rust_type(model, spec);
        let default_factory = self.generated(model, spec, &ty, "default_factory");
        let onupdate = self.generated(model, spec, &ty, "onupdate");
        let autoincrement = self.autoincrement(model, spec, &ty, primary_key);
        Column {
            name: name.value.clone(),
            field,
            ty,
            primary_key,
            nullable,
            unique: spec.unique.as_ref().is_some_and(|u| u.value),
            index: spec.index.as_ref().is_some_and(|i| i.value),
            default,
            server_default: spec.server_default.as_ref().map(|s| s.value.clone()),
            doc: spec.doc.as_ref().map(|d| d.value.clone()),
            renamed_from: self.renamed_from(
                "column",
                &format!("{model}.{}", name.value),
                &name.value,
                &spec.renamed_from,
            ),
            rust_type,
            default_factory,
            onupdate,
            autoincrement,
        }
    }

    /// `rust_type = "crate::Money"`: a Rust path, not on key columns, without a literal
    /// `default` (the generator cannot build the user's type from it).
    fn rust_type(&mut self, model: &str, spec: &ColumnSpec) -> Option<String> {
        let rust_type = spec.rust_type.as_ref()?;
        let path = rust_type.value.trim();
        let segments_ok = path
            .trim_start_matches("::")
            .split("::")
            .all(|segment| names::is_identifier_shape(segment.trim()));
        if path.is_empty() || !segments_ok {
            self.error(
                Diagnostic::error(
                    format!("`rust_type` `{path}` is not a Rust type path"),
                    rust_type.span.clone(),
                    "not a type path",
                )
                .with_help("name the type by its path, for example `rust_type = \"crate::Money\"`"),
            );
            return None;
        }
        let conflict = if spec.primary_key.as_ref().is_some_and(|p| p.value) {
            Some("a primary key column")
        } else if spec.foreign_key.is_some() {
            Some("a foreign key column")
        } else if spec.default.is_some() {
            Some("a column with a literal `default`")
        } else if spec.default_factory.is_some() || spec.onupdate.is_some() {
            Some("a column with a generated value")
        } else {
            None
        };
        if let Some(what) = conflict {
            self.error(
                Diagnostic::error(
                    format!(
                        "`rust_type` is not supported on {what} (`{model}.{}`)",
                        spec.name.value
                    ),
                    rust_type.span.clone(),
                    "not allowed here",
                )
                .with_help("give the field your type's value in your own constructor instead"),
            );
            return None;
        }
        Some(path.to_owned())
    }

    /// `default_factory` / `onupdate`: `now` on date and time columns, `uuid4` on `uuid`.
    fn generated(
        &mut self,
        model: &str,
        spec: &ColumnSpec,
        ty: &ColumnType,
        key: &str,
    ) -> Option<Generated> {
        let value = if key == "onupdate" {
            spec.onupdate.as_ref()?
        } else {
            spec.default_factory.as_ref()?
        };
        let Some(&(_, generated)) = Generated::ALL.iter().find(|(name, _)| *name == value.value)
        else {
            let names: Vec<&str> = Generated::ALL.iter().map(|(name, _)| *name).collect();
            let d = Diagnostic::error(
                format!("unknown `{key}` `{}`", value.value),
                value.span.clone(),
                "unknown generator",
            );
            let d = match did_you_mean(&value.value, names.iter().copied()) {
                Some(name) => d.with_help(format!("did you mean `{name}`?")),
                None => d,
            };
            self.error(d.with_note(format!("the generators are {}", names.join(", "))));
            return None;
        };
        let fits = match generated {
            Generated::Now => matches!(
                ty,
                ColumnType::Date | ColumnType::Time | ColumnType::DateTime { .. }
            ),
            Generated::Uuid4 => matches!(ty, ColumnType::Uuid) && key == "default_factory",
        };
        if !fits {
            self.error(
                Diagnostic::error(
                    format!(
                        "`{key} = \"{}\"` does not fit column `{model}.{}` of type `{}`",
                        value.value,
                        spec.name.value,
                        type_label(ty)
                    ),
                    value.span.clone(),
                    "wrong type for this generator",
                )
                .with_help("`now` fills `date`, `time` and `datetime` columns; `uuid4` (only as `default_factory`) fills `uuid` columns"),
            );
            return None;
        }
        if key == "default_factory" {
            if let Some(default) = &spec.default {
                self.error(
                    Diagnostic::error(
                        format!(
                            "column `{model}.{}` has both `default` and `default_factory`",
                            spec.name.value
                        ),
                        value.span.clone(),
                        "second default",
                    )
                    .with_secondary(default.span.clone(), "literal default here")
                    .with_help("keep one of them"),
                );
                return None;
            }
        }
        Some(generated)
    }

    /// `autoincrement = true`: only on an `integer` primary key (SQLite allows the
    /// keyword only on `INTEGER PRIMARY KEY`).
    fn autoincrement(
        &mut self,
        model: &str,
        spec: &ColumnSpec,
        ty: &ColumnType,
        primary_key: bool,
    ) -> bool {
        let Some(flag) = &spec.autoincrement else {
            return false;
        };
        if flag.value && !(primary_key && *ty == ColumnType::Integer) {
            self.error(
                Diagnostic::error(
                    format!(
                        "`autoincrement` needs an `integer` primary key, but `{model}.{}` is {}",
                        spec.name.value,
                        if primary_key {
                            format!("of type `{}`", type_label(ty))
                        } else {
                            "not a primary key".to_owned()
                        }
                    ),
                    flag.span.clone(),
                    "not an integer primary key",
                )
                .with_note("SQLite accepts AUTOINCREMENT only on an INTEGER PRIMARY KEY"),
            );
            return false;
        }
        flag.value
    }

    fn field_name(&mut self, spec: &ColumnSpec) -> String {
        if let Some(rust_name) = &spec.rust_name {
            let ok = names::is_identifier_shape(&rust_name.value)
                && !names::is_non_raw_keyword(&rust_name.value);
            if !ok {
                self.error(
                    Diagnostic::error(
                        format!(
                            "`rust_name` `{}` is not a valid Rust field name",
                            rust_name.value
                        ),
                        rust_name.span.clone(),
                        "not a Rust identifier",
                    )
                    .with_help("use a snake_case identifier, for example `rust_name = \"kind\"`"),
                );
            }
            return rust_name.value.clone();
        }
        let name = &spec.name;
        if names::is_non_raw_keyword(&name.value) {
            self.error(
                Diagnostic::error(
                    format!("column name `{}` cannot be a Rust field name", name.value),
                    name.span.clone(),
                    "reserved in Rust, even as `r#`",
                )
                .with_help(format!(
                    "keep the SQL name and set a Rust name: `{} = {{ ..., rust_name = \"{}_\" }}`",
                    name.value,
                    name.value.to_lowercase()
                )),
            );
            return format!("{}_", name.value.to_lowercase());
        }
        if names::is_identifier_shape(&name.value) {
            return name.value.clone();
        }
        // `"my col"` → `my_col`: the field name is derived, the SQL name is kept.
        let derived = heck::ToSnakeCase::to_snake_case(name.value.as_str());
        if names::is_identifier_shape(&derived) && !names::is_non_raw_keyword(&derived) {
            return derived;
        }
        self.error(
            Diagnostic::error(
                format!("column name `{}` has no Rust field name", name.value),
                name.span.clone(),
                "not a Rust identifier",
            )
            .with_help(format!(
                "keep the SQL name and set a Rust name: `\"{}\" = {{ ..., rust_name = \"value\" }}`",
                name.value
            )),
        );
        "invalid".to_owned()
    }

    fn column_type(&mut self, model: &str, spec: &ColumnSpec) -> ColumnType {
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

    fn literal(
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
                    type_label(ty)
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
                    .with_note(format!("{i} does not fit in a `{}` column", type_label(ty)))
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

    // ---- foreign keys ----------------------------------------------------------------

    fn foreign_keys(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        // Table-level ones first: SQLAlchemy emits explicit constraints before the
        // column-level ones.
        for fk in &spec.foreign_keys {
            let mut columns = Vec::new();
            for c in &fk.columns {
                match self.find_column(m, &c.value) {
                    Some(i) => columns.push(i),
                    None => {
                        let d = self.unknown_column(m, c, "a foreign key names");
                        self.error(d);
                        self.broken_fk[m] = true;
                    }
                }
            }
            if fk.columns.is_empty() || fk.columns.len() != fk.references.len() {
                self.error(
                    Diagnostic::error(
                        "a composite foreign key needs as many `references` as `columns`",
                        fk.span.clone(),
                        format!(
                            "{}, {}",
                            plural(fk.columns.len(), "column"),
                            plural(fk.references.len(), "reference")
                        ),
                    )
                    .with_help("write `columns = [\"a\", \"b\"]` and `references = [\"other.x\", \"other.y\"]`"),
                );
                self.broken_fk[m] = true;
                continue;
            }
            let mut target: Option<(usize, Span)> = None;
            let mut target_columns = Vec::new();
            let mut one_table = true;
            for reference in &fk.references {
                if let Some((t, c)) = self.resolve_reference(reference) {
                    if let Some((first, first_span)) = &target {
                        if *first != t && one_table {
                            one_table = false;
                            let first_table = self.models[*first].table.clone();
                            self.error(
                                Diagnostic::error(
                                    "all `references` of a foreign key must name the same table",
                                    reference.span.clone(),
                                    format!("not `{first_table}`"),
                                )
                                .with_secondary(first_span.clone(), format!("`{first_table}` here"))
                                .with_help("a foreign key points at one table; declare one foreign key per table"),
                            );
                        }
                    } else {
                        target = Some((t, reference.span.clone()));
                    }
                    target_columns.push(c);
                } else {
                    self.broken_fk[m] = true;
                }
            }
            if !one_table {
                continue;
            }
            let target = target.map(|(t, _)| t);
            let (on_delete, on_update) = (self.action(&fk.on_delete), self.action(&fk.on_update));
            if let Some(target) = target {
                if !columns.is_empty()
                    && columns.len() == fk.columns.len()
                    && columns.len() == target_columns.len()
                {
                    self.check_fk_types(m, &columns, target, &target_columns, &fk.references);
                    self.check_fk_target_unique(target, &target_columns, &fk.span);
                    let span = fk.on_delete.as_ref().map_or(&fk.span, |a| &a.span);
                    self.check_set_null(m, &columns, on_delete.as_deref(), span);
                    self.models[m].foreign_keys.push(ForeignKey {
                        name: fk.name.as_ref().map(|n| n.value.clone()),
                        columns,
                        target,
                        target_columns,
                        on_delete,
                        on_update,
                        table_level: true,
                    });
                    self.fk_spans[m].push(fk.span.clone());
                }
            }
        }
        for (c, column) in spec.columns.iter().enumerate() {
            if column.foreign_key.is_none() {
                for (key, value) in [
                    ("on_delete", &column.on_delete),
                    ("on_update", &column.on_update),
                ] {
                    if let Some(value) = value {
                        self.error(
                            Diagnostic::error(
                                format!("`{key}` needs a `foreign_key` on the same column"),
                                value.span.clone(),
                                "no foreign key here",
                            )
                            .with_help("add `foreign_key = \"table.column\"` or remove this key"),
                        );
                    }
                }
            }
            let Some(reference) = &column.foreign_key else {
                continue;
            };
            let on_delete = self.action(&column.on_delete);
            let on_update = self.action(&column.on_update);
            let Some((target, target_column)) = self.resolve_reference(reference) else {
                self.broken_fk[m] = true;
                continue;
            };
            self.check_fk_types(
                m,
                &[c],
                target,
                &[target_column],
                std::slice::from_ref(reference),
            );
            self.check_fk_target_unique(target, &[target_column], &reference.span);
            let span = column
                .on_delete
                .as_ref()
                .map_or(&reference.span, |a| &a.span);
            self.check_set_null(m, &[c], on_delete.as_deref(), span);
            self.models[m].foreign_keys.push(ForeignKey {
                name: None,
                columns: vec![c],
                target,
                target_columns: vec![target_column],
                on_delete,
                on_update,
                table_level: false,
            });
            self.fk_spans[m].push(reference.span.clone());
        }
    }

    /// Resolves `table.column` to (model, column).
    fn resolve_reference(&mut self, reference: &Sp<String>) -> Option<(usize, usize)> {
        let Some((table, column)) = reference.value.rsplit_once('.') else {
            self.error(
                Diagnostic::error(
                    format!(
                        "foreign key `{}` must be written `table.column`",
                        reference.value
                    ),
                    reference.span.clone(),
                    "expected `table.column`",
                )
                .with_help("for example `foreign_key = \"roles.id\"`"),
            );
            return None;
        };
        let Some(&target) = self.table_index.get(&table.to_lowercase()) else {
            let mut d = Diagnostic::error(
                format!(
                    "foreign key `{}` references an unknown table `{table}`",
                    reference.value
                ),
                reference.span.clone(),
                "no such table",
            );
            if let Some(&model) = self.model_index.get(table) {
                d = d.with_help(format!(
                    "`{table}` is a model; foreign keys name its table: `{}.{column}`",
                    self.models[model].table
                ));
            } else {
                let tables: Vec<String> = self.models.iter().map(|m| m.table.clone()).collect();
                d = match did_you_mean(table, tables.iter().map(String::as_str)) {
                    Some(s) => d.with_help(format!("did you mean `{s}.{column}`?")),
                    None => d.with_note(format!(
                        "the tables are {}",
                        tables
                            .iter()
                            .map(|t| format!("`{t}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )),
                };
            }
            self.error(d);
            return None;
        };
        match self.find_column(target, column) {
            Some(c) => Some((target, c)),
            None => {
                let table_name = self.models[target].table.clone();
                let mut d = Diagnostic::error(
                    format!("foreign key `{}` references an unknown column `{column}` of table `{table_name}`", reference.value),
                    reference.span.clone(),
                    "no such column",
                );
                let columns: Vec<String> = self.models[target]
                    .columns
                    .iter()
                    .map(|c| c.name.clone())
                    .collect();
                if let Some(s) = did_you_mean(column, columns.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{table_name}.{s}`?"));
                }
                self.error(d);
                None
            }
        }
    }

    fn check_fk_types(
        &mut self,
        m: usize,
        columns: &[usize],
        target: usize,
        target_columns: &[usize],
        spans: &[Sp<String>],
    ) {
        for (i, (&c, &t)) in columns.iter().zip(target_columns).enumerate() {
            let local = &self.models[m].columns[c];
            let remote = &self.models[target].columns[t];
            if type_family(&local.ty) != type_family(&remote.ty) {
                let span = spans
                    .get(i)
                    .or(spans.first())
                    .map_or(0..0, |s| s.span.clone());
                let d = Diagnostic::error(
                    format!(
                        "foreign key column `{}.{}` is `{}` but it references `{}.{}` of type `{}`",
                        self.models[m].table,
                        local.name,
                        type_label(&local.ty),
                        self.models[target].table,
                        remote.name,
                        type_label(&remote.ty)
                    ),
                    span,
                    "types differ",
                )
                .with_help(format!(
                    "declare `{}` with `type = \"{}\"`",
                    local.name,
                    type_label(&remote.ty)
                ));
                self.error(d);
            }
        }
    }

    fn check_fk_target_unique(&mut self, target: usize, target_columns: &[usize], span: &Span) {
        let model = &self.models[target];
        let mut wanted: Vec<usize> = target_columns.to_vec();
        wanted.sort_unstable();
        let mut pk = model.primary_key.clone();
        pk.sort_unstable();
        let single_unique = target_columns.len() == 1 && model.columns[target_columns[0]].unique;
        let composite_unique = self.spec.models[target].unique.iter().any(|u| {
            let mut cols: Vec<usize> = u
                .columns
                .iter()
                .filter_map(|c| find_column_in(model, &c.value))
                .collect();
            cols.sort_unstable();
            cols == wanted
        });
        if pk != wanted && !single_unique && !composite_unique {
            let names: Vec<&str> = target_columns
                .iter()
                .map(|&c| model.columns[c].name.as_str())
                .collect();
            self.error(
                Diagnostic::error(
                    format!(
                        "foreign key references `{}({})`, which is neither its primary key nor unique",
                        model.table,
                        names.join(", ")
                    ),
                    span.clone(),
                    "not a key of the referenced table",
                )
                .with_help("reference the primary key, or mark the referenced column `unique = true`")
                .with_note("SQLite rejects every insert into a table whose foreign key points at a non-unique column"),
            );
        }
    }

    fn check_set_null(
        &mut self,
        m: usize,
        columns: &[usize],
        on_delete: Option<&str>,
        span: &Span,
    ) {
        if on_delete != Some("SET NULL") {
            return;
        }
        for &c in columns {
            let column = &self.models[m].columns[c];
            if !column.nullable {
                let mut d = Diagnostic::error(
                    format!(
                        "`on_delete = \"SET NULL\"` on column `{}.{}`, which is NOT NULL",
                        self.models[m].table, column.name
                    ),
                    span.clone(),
                    "cannot set the column to NULL",
                );
                let spec = &self.spec.models[m].columns[c];
                d = match (&spec.nullable, &spec.primary_key) {
                    (Some(n), _) => d.with_secondary(n.span.clone(), "NOT NULL here"),
                    (None, Some(p)) => {
                        d.with_secondary(p.span.clone(), "a primary key is NOT NULL")
                    }
                    _ => d,
                };
                self.error(d.with_help(
                    "make the column nullable, or use `on_delete = \"CASCADE\"` to delete the rows instead",
                ));
            }
        }
    }

    fn action(&mut self, value: &Option<Sp<String>>) -> Option<String> {
        let value = value.as_ref()?;
        let upper = value
            .value
            .trim()
            .to_uppercase()
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if REFERENTIAL_ACTIONS.contains(&upper.as_str()) {
            return Some(upper);
        }
        let mut d = Diagnostic::error(
            format!("unknown referential action `{}`", value.value),
            value.span.clone(),
            "unknown action",
        );
        d = match did_you_mean(&upper, REFERENTIAL_ACTIONS.iter().copied()) {
            Some(s) => d.with_help(format!("did you mean `{s}`?")),
            None => d.with_note(format!(
                "the actions are {}",
                REFERENTIAL_ACTIONS.join(", ")
            )),
        };
        self.error(d);
        None
    }

    // ---- indexes, unique constraints, checks -------------------------------------------

    fn constraints(&mut self, m: usize) {
        let spec = &self.spec.models[m];
        for unique in &spec.unique {
            let columns = self.column_list(m, &unique.columns, &unique.span, "a unique constraint");
            self.models[m].unique_constraints.push(UniqueConstraint {
                name: unique.name.as_ref().map(|n| n.value.clone()),
                columns,
            });
        }
        for index in &spec.indexes {
            let columns = self.column_list(m, &index.columns, &index.span, "an index");
            if columns.len() != index.columns.len() {
                // A column is unknown (reported); a name made of the others could
                // collide with a real index and raise a second, misleading error.
                continue;
            }
            let name = index.name.as_ref().map_or_else(
                || {
                    let mut name = format!("ix_{}", self.models[m].table);
                    for &c in &columns {
                        name.push('_');
                        name.push_str(&self.models[m].columns[c].name);
                    }
                    name
                },
                |n| n.value.clone(),
            );
            self.index_spans[m].push(
                index
                    .name
                    .as_ref()
                    .map_or(index.span.clone(), |n| n.span.clone()),
            );
            self.models[m].indexes.push(Index {
                name,
                columns,
                unique: index.unique.as_ref().is_some_and(|u| u.value),
            });
        }
        for check in &spec.checks {
            let problem = check
                .sql
                .as_ref()
                .and_then(|sql| sql_fragment_problem(&sql.value, true));
            match &check.sql {
                Some(sql) if problem.is_some() => self.error(
                    Diagnostic::error(
                        "a check constraint's `sql` must be one SQL condition",
                        sql.span.clone(),
                        problem.unwrap_or_default(),
                    )
                    .with_help("write the condition only, for example `sql = \"price >= 0\"`")
                    .with_note("the text goes into `CHECK (...)` as written, so it may not end the constraint or the statement"),
                ),
                Some(sql) if !sql.value.trim().is_empty() => self.models[m].checks.push(Check {
                    name: check.name.as_ref().map(|n| n.value.clone()),
                    sql: sql.value.clone(),
                }),
                _ => self.error(
                    Diagnostic::error(
                        "a check constraint needs `sql`",
                        check.span.clone(),
                        "missing `sql`",
                    )
                    .with_help("write the condition, for example `sql = \"price >= 0\"`"),
                ),
            }
        }
    }

    fn column_list(
        &mut self,
        m: usize,
        columns: &[Sp<String>],
        span: &Span,
        what: &str,
    ) -> Vec<usize> {
        if columns.is_empty() {
            self.error(
                Diagnostic::error(
                    format!("{what} needs `columns`"),
                    span.clone(),
                    "no columns",
                )
                .with_help("list them: `columns = [\"a\", \"b\"]`"),
            );
        }
        let mut result = Vec::new();
        for c in columns {
            match self.find_column(m, &c.value) {
                Some(i) => result.push(i),
                None => {
                    let d = self.unknown_column(m, c, &format!("{what} names"));
                    self.error(d);
                }
            }
        }
        result
    }

    /// Index names are global to an SQLite database.
    /// Columns that share an `enum_name` share one generated Rust enum, so they must
    /// list the same labels; an enum name must not be a model's name either.
    fn enum_names(&mut self) {
        let mut seen: HashMap<String, (usize, usize)> = HashMap::new();
        for m in 0..self.models.len() {
            for c in 0..self.models[m].columns.len() {
                let ColumnType::Enum { name, values } = &self.models[m].columns[c].ty else {
                    continue;
                };
                let span = self.spec.models[m].columns[c]
                    .enum_name
                    .as_ref()
                    .map_or(self.spec.models[m].columns[c].name.span.clone(), |n| {
                        n.span.clone()
                    });
                if self.model_index.contains_key(name.as_str()) {
                    let d = Diagnostic::error(
                        format!("enum name `{name}` is also the name of a model"),
                        span.clone(),
                        "the generated enum and the model would clash",
                    )
                    .with_help("set another `enum_name` on this column");
                    self.error(d);
                    continue;
                }
                match seen.get(name) {
                    None => {
                        seen.insert(name.clone(), (m, c));
                    }
                    Some(&(first_m, first_c)) => {
                        let ColumnType::Enum {
                            values: first_values,
                            ..
                        } = &self.models[first_m].columns[first_c].ty
                        else {
                            continue;
                        };
                        if first_values != values {
                            let first = &self.models[first_m];
                            let d = Diagnostic::error(
                                format!(
                                    "enum `{name}` is declared with other labels on `{}.{}`",
                                    first.table, first.columns[first_c].name
                                ),
                                span,
                                "different labels",
                            )
                            .with_secondary(
                                self.spec.models[first_m].columns[first_c].name.span.clone(),
                                "first declared here",
                            )
                            .with_help(
                                "give both columns the same `values`, or a different `enum_name`",
                            );
                            self.error(d);
                        }
                    }
                }
            }
        }
    }

    fn index_names(&mut self) {
        // Lower-cased name → (the name as written, where, the column whose
        // `index = true` made it, if one did).
        let mut seen: HashMap<String, (String, Span, Option<String>)> = HashMap::new();
        for m in 0..self.models.len() {
            let model = &self.models[m];
            let spec = &self.spec.models[m];
            let mut names: Vec<(String, Span, Option<String>)> = Vec::new();
            for (c, column) in model.columns.iter().enumerate() {
                if column.index {
                    let span = spec.columns[c]
                        .index
                        .as_ref()
                        .map_or(spec.columns[c].name.span.clone(), |i| i.span.clone());
                    let name = names::column_index_name(&model.table, &column.name);
                    names.push((name, span, Some(format!("{}.{}", model.table, column.name))));
                }
            }
            for (index, span) in model.indexes.iter().zip(&self.index_spans[m]) {
                names.push((index.name.clone(), span.clone(), None));
            }
            for (name, span, column) in names {
                let key = name.to_lowercase();
                if let Some((first_name, first_span, first_column)) = seen.get(&key) {
                    let mut d = Diagnostic::error(
                        format!("index name `{name}` is already used"),
                        span,
                        match &column {
                            Some(c) => format!("`index = true` on `{c}` names its index `{name}`"),
                            None => "duplicate index name".to_owned(),
                        },
                    )
                    .with_secondary(
                        first_span.clone(),
                        match first_column {
                            Some(c) => {
                                format!("`index = true` on `{c}` names its index `{first_name}`")
                            }
                            None => format!("`{first_name}` first used here"),
                        },
                    )
                    .with_help(match (&column, first_column) {
                        (None, _) => "give this index another `name`",
                        (Some(_), None) => "give the other index another `name`",
                        (Some(_), Some(_)) => "rename one of the tables or columns",
                    })
                    .with_note("index names are shared by all tables of an SQLite database");
                    if *first_name != name {
                        d = d.with_note("SQLite index names are case-insensitive");
                    }
                    self.error(d);
                } else {
                    seen.insert(key, (name, span, column));
                }
            }
        }
    }

    // ---- relationships ---------------------------------------------------------------

    fn relationships(&mut self) -> Vec<Declared> {
        let mut declared = Vec::new();
        for m in 0..self.spec.models.len() {
            let spec: &'s ModelSpec = &self.spec.models[m];
            let mut seen: HashMap<&str, Span> = HashMap::new();
            for relationship in &spec.relationships {
                let name = &relationship.name;
                if let Some(first) = seen.get(name.value.as_str()) {
                    self.error(
                        Diagnostic::error(
                            format!(
                                "duplicate relationship `{}` on model `{}`",
                                name.value, spec.name.value
                            ),
                            name.span.clone(),
                            "duplicate relationship",
                        )
                        .with_secondary(first.clone(), "first defined here"),
                    );
                    continue;
                }
                seen.insert(name.value.as_str(), name.span.clone());
                if let Some(column) = spec.columns.iter().find(|c| {
                    c.name.value == name.value
                        || c.rust_name.as_ref().is_some_and(|r| r.value == name.value)
                }) {
                    self.error(
                        Diagnostic::error(
                            format!("relationship `{}` has the same name as a column of model `{}`", name.value, spec.name.value),
                            name.span.clone(),
                            "relationship",
                        )
                        .with_secondary(column.name.span.clone(), "column defined here")
                        .with_help("rename the relationship; by convention the column is `role_id` and the relationship `role`"),
                    );
                    continue;
                }
                if !self.check_accessor_name(name) {
                    continue;
                }
                if let Some(built) = self.relationship(m, relationship) {
                    self.models[m].relationships.push(built);
                    declared.push(Declared {
                        model: m,
                        position: self.models[m].relationships.len() - 1,
                    });
                }
            }
        }
        declared
    }

    fn check_accessor_name(&mut self, name: &Sp<String>) -> bool {
        if names::is_identifier_shape(&name.value) && !names::is_non_raw_keyword(&name.value) {
            return true;
        }
        self.error(
            Diagnostic::error(
                format!(
                    "relationship name `{}` is not a valid Rust method name",
                    name.value
                ),
                name.span.clone(),
                "not a Rust identifier",
            )
            .with_help("use a snake_case name such as `users` or `author`"),
        );
        false
    }

    fn relationship(&mut self, m: usize, spec: &'s RelationshipSpec) -> Option<Relationship> {
        let model_name = self.models[m].name.clone();
        let lazy = match &spec.lazy {
            None => Lazy::Select,
            Some(lazy) => match Lazy::ALL.iter().find(|(name, _)| *name == lazy.value) {
                Some((_, mode)) => *mode,
                None => {
                    let mut d = Diagnostic::error(
                        format!("invalid lazy mode `{}`", lazy.value),
                        lazy.span.clone(),
                        "unknown loading strategy",
                    );
                    let sqlalchemy_alias = match lazy.value.as_str() {
                        "True" | "true" => Some("select"),
                        "False" | "false" => Some("joined"),
                        "subquery" => Some("selectin"),
                        "immediate" => Some("selectin"),
                        _ => None,
                    };
                    d = match sqlalchemy_alias
                        .or_else(|| did_you_mean(&lazy.value, Lazy::ALL.iter().map(|(n, _)| *n)))
                    {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    };
                    self.error(d.with_note(format!(
                        "the modes are {}",
                        Lazy::ALL.iter().map(|(n, _)| *n).collect::<Vec<_>>().join(", ")
                    )));
                    Lazy::Select
                }
            },
        };
        let cascade = self.cascade(&spec.cascade);
        let target_spec = spec.model.as_ref()?;
        let Some(&target) = self.model_index.get(target_spec.value.as_str()) else {
            let mut d = Diagnostic::error(
                format!(
                    "relationship `{model_name}.{}` refers to an unknown model `{}`",
                    spec.name.value, target_spec.value
                ),
                target_spec.span.clone(),
                "no such model",
            );
            let names: Vec<&str> = self
                .spec
                .models
                .iter()
                .map(|m| m.name.value.as_str())
                .collect();
            if let Some(s) = did_you_mean(&target_spec.value, names.iter().copied()) {
                d = d.with_help(format!("did you mean `{s}`?"));
            } else if let Some(&by_table) = self.table_index.get(&target_spec.value.to_lowercase())
            {
                d = d.with_help(format!(
                    "`{}` is a table; name its model: `model = \"{}\"`",
                    target_spec.value, self.models[by_table].name
                ));
            }
            self.error(d);
            return None;
        };
        if spec.backref.is_some() && spec.back_populates.is_some() {
            let span = spec
                .back_populates
                .as_ref()
                .map_or(0..0, |b| b.span.clone());
            self.error(
                Diagnostic::error("`backref` and `back_populates` cannot be used together", span, "choose one")
                    .with_help("`backref` creates the other side; `back_populates` names one you declared yourself"),
            );
        }
        let (direction, foreign_key, secondary) = self.link(m, target, spec)?;
        let uselist = match (&spec.uselist, direction) {
            (Some(u), _) => u.value,
            (None, Direction::ManyToOne) => false,
            (None, _) => true,
        };
        if let Some(u) = &spec.uselist {
            if u.value && direction == Direction::ManyToOne {
                self.error(
                    Diagnostic::error(
                        format!("`{model_name}.{}` is many-to-one and cannot be a list", spec.name.value),
                        u.span.clone(),
                        "`uselist = true` on a many-to-one",
                    )
                    .with_help("the foreign key is on this side, so there is at most one related object; remove `uselist`"),
                );
            }
        }
        if matches!(lazy, Lazy::Dynamic | Lazy::WriteOnly) && !uselist {
            let span = spec
                .lazy
                .as_ref()
                .map_or(spec.name.span.clone(), |l| l.span.clone());
            self.error(
                Diagnostic::error(
                    format!("`lazy = \"{}\"` needs a collection, but `{model_name}.{}` holds one object", lazy.as_str(), spec.name.value),
                    span,
                    "not a collection",
                )
                .with_help("use `lazy = \"select\"` (or `joined`/`selectin`) for a single related object"),
            );
        }
        if cascade.delete_orphan && direction != Direction::OneToMany {
            let span = spec.cascade.as_ref().map_or(spec.name.span.clone(), |c| {
                comma_separated(c)
                    .find(|(part, _)| *part == "delete-orphan")
                    .map_or(c.span.clone(), |(_, span)| span)
            });
            self.error(
                Diagnostic::error(
                    format!(
                        "`delete-orphan` cascade on `{model_name}.{}`, which is not one-to-many",
                        spec.name.value
                    ),
                    span,
                    "delete-orphan here",
                )
                .with_help("put `delete-orphan` on the one-to-many side (the parent's collection)"),
            );
        }
        if let Some(passive) = &spec.passive_deletes {
            if passive.value && direction != Direction::OneToMany {
                self.error(
                    Diagnostic::error(
                        "`passive_deletes` only applies to a one-to-many relationship",
                        passive.span.clone(),
                        "not one-to-many",
                    )
                    .with_help("set it on the parent's collection"),
                );
            }
        }
        let mut order_by = Vec::new();
        for item in &spec.order_by {
            let text = item.value.trim();
            let (column, descending) = if let Some(rest) = text.strip_prefix('-') {
                (rest.trim(), true)
            } else if let Some(rest) = text
                .strip_suffix(" desc")
                .or_else(|| text.strip_suffix(" DESC"))
            {
                (rest.trim(), true)
            } else if let Some(rest) = text
                .strip_suffix(" asc")
                .or_else(|| text.strip_suffix(" ASC"))
            {
                (rest.trim(), false)
            } else {
                (text, false)
            };
            match self.find_column(target, column) {
                Some(c) => order_by.push((c, descending)),
                None => {
                    let d = self.unknown_column(
                        target,
                        &Sp {
                            value: column.to_owned(),
                            span: item.span.clone(),
                        },
                        "`order_by` names",
                    );
                    self.error(d.with_note("`order_by` names columns of the related model; prefix with `-` for descending"));
                }
            }
        }
        Some(Relationship {
            name: spec.name.value.clone(),
            target,
            direction,
            foreign_key,
            secondary,
            uselist,
            lazy,
            order_by,
            cascade,
            passive_deletes: spec.passive_deletes.as_ref().is_some_and(|p| p.value),
            back: spec
                .backref
                .as_ref()
                .or(spec.back_populates.as_ref())
                .map(|b| b.value.clone()),
            from_backref: false,
            doc: spec.doc.as_ref().map(|d| d.value.clone()),
        })
    }

    /// Finds the foreign key path of a relationship from `m` to `target`.
    #[allow(clippy::type_complexity)] // a private helper's tuple of three results
    fn link(
        &mut self,
        m: usize,
        target: usize,
        spec: &RelationshipSpec,
    ) -> Option<(Direction, Option<(usize, usize)>, Option<Secondary>)> {
        let model_name = self.models[m].name.clone();
        let target_name = self.models[target].name.clone();
        let wanted = |fk: &ForeignKey, owner: &Model| -> bool {
            spec.foreign_keys.is_empty()
                || spec.foreign_keys.iter().any(|name| {
                    let column = name.value.rsplit('.').next().unwrap_or(&name.value);
                    fk.columns.iter().any(|&c| {
                        owner.columns[c].name == column || owner.columns[c].field == column
                    })
                })
        };
        if let Some(secondary) = &spec.secondary {
            let by_table = self
                .table_index
                .get(&secondary.value.to_lowercase())
                .copied();
            let Some(assoc) =
                by_table.or_else(|| self.model_index.get(secondary.value.as_str()).copied())
            else {
                let mut d = Diagnostic::error(
                    format!("`secondary` names an unknown table `{}`", secondary.value),
                    secondary.span.clone(),
                    "no such table",
                );
                // Only tables that could link two models are worth suggesting.
                let tables: Vec<String> = self
                    .models
                    .iter()
                    .filter(|m| m.foreign_keys.len() >= 2)
                    .map(|m| m.table.clone())
                    .collect();
                if let Some(s) = did_you_mean(&secondary.value, tables.iter().map(String::as_str)) {
                    d = d.with_help(format!("did you mean `{s}`?"));
                } else {
                    d = d.with_help(
                        "declare the association table as a model with a foreign key to each side",
                    );
                }
                self.error(d);
                return None;
            };
            let assoc_model = &self.models[assoc];
            let to_local: Vec<usize> = (0..assoc_model.foreign_keys.len())
                .filter(|&k| {
                    assoc_model.foreign_keys[k].target == m
                        && wanted(&assoc_model.foreign_keys[k], assoc_model)
                })
                .collect();
            let to_remote: Vec<usize> = (0..assoc_model.foreign_keys.len())
                .filter(|&k| {
                    assoc_model.foreign_keys[k].target == target
                        && (m != target || !to_local.contains(&k))
                })
                .collect();
            if to_local.len() != 1 || to_remote.len() != 1 {
                if self.broken_fk[assoc] {
                    return None;
                }
                let problem = if to_local.is_empty() || to_remote.is_empty() {
                    "has no foreign key"
                } else {
                    "has several foreign keys"
                };
                let side = if to_local.len() != 1 {
                    &model_name
                } else {
                    &target_name
                };
                self.error(
                    Diagnostic::error(
                        format!("association table `{}` {problem} to `{side}` for relationship `{model_name}.{}`", assoc_model.table, spec.name.value),
                        secondary.span.clone(),
                        "cannot link through this table",
                    )
                    .with_help(format!(
                        "give `{}` exactly one foreign key to each side, or name the one pointing at `{model_name}` with `foreign_keys = [\"column\"]`",
                        assoc_model.table
                    )),
                );
                return None;
            }
            return Some((
                Direction::ManyToMany,
                None,
                Some(Secondary {
                    model: assoc,
                    local_key: to_local[0],
                    remote_key: to_remote[0],
                }),
            ));
        }
        // One-to-many candidates: keys on the target pointing here; many-to-one: keys here
        // pointing at the target. A self-referential key counts once, as one-to-many.
        let mut candidates: Vec<(Direction, usize, usize)> = Vec::new();
        for (k, fk) in self.models[target].foreign_keys.iter().enumerate() {
            if fk.target == m && wanted(fk, &self.models[target]) {
                candidates.push((Direction::OneToMany, target, k));
            }
        }
        if m != target {
            for (k, fk) in self.models[m].foreign_keys.iter().enumerate() {
                if fk.target == target && wanted(fk, &self.models[m]) {
                    candidates.push((Direction::ManyToOne, m, k));
                }
            }
        }
        match candidates.as_slice() {
            [(direction, owner, key)] => Some((*direction, Some((*owner, *key)), None)),
            [] if self.broken_fk[m] || self.broken_fk[target] => None,
            [] => {
                let span = spec
                    .model
                    .as_ref()
                    .map_or(spec.name.span.clone(), |s| s.span.clone());
                let mut d = Diagnostic::error(
                    format!("no foreign key links `{model_name}` and `{target_name}` for relationship `{model_name}.{}`", spec.name.value),
                    span,
                    "no foreign key path",
                );
                if spec.foreign_keys.is_empty() {
                    d = d.with_help(format!(
                        "add a column with `foreign_key = \"{}.{}\"` to `{target_name}`, or `secondary = \"table\"` for many-to-many",
                        self.models[m].table,
                        self.models[m].primary_key.first().map_or("id", |&c| self.models[m].columns[c].name.as_str())
                    ));
                } else {
                    d = d.with_help(
                        "`foreign_keys` must name a foreign key column between the two models",
                    );
                }
                self.error(d);
                None
            }
            several => {
                let span = spec
                    .model
                    .as_ref()
                    .map_or(spec.name.span.clone(), |s| s.span.clone());
                let mut d = Diagnostic::error(
                    format!("ambiguous relationship `{model_name}.{}`: {} foreign keys link `{model_name}` and `{target_name}`", spec.name.value, several.len()),
                    span,
                    "which foreign key?",
                );
                let mut columns = Vec::new();
                for (_, owner, key) in several {
                    let fk = &self.models[*owner].foreign_keys[*key];
                    let names: Vec<&str> = fk
                        .columns
                        .iter()
                        .map(|&c| self.models[*owner].columns[c].name.as_str())
                        .collect();
                    columns.push(format!("\"{}\"", names.join(", ")));
                    d = d.with_secondary(
                        self.fk_spans[*owner][*key].clone(),
                        format!("`{}.{}`", self.models[*owner].table, names.join(", ")),
                    );
                }
                self.error(d.with_help(format!(
                    "say which one with `foreign_keys = [{}]`",
                    columns.first().cloned().unwrap_or_default()
                )));
                None
            }
        }
    }

    fn cascade(&mut self, value: &Option<Sp<String>>) -> Cascade {
        let Some(value) = value else {
            return Cascade::DEFAULT;
        };
        let mut cascade = Cascade::default();
        for (part, span) in comma_separated(value) {
            match part {
                "all" => {
                    cascade.save_update = true;
                    cascade.merge = true;
                    cascade.refresh_expire = true;
                    cascade.expunge = true;
                    cascade.delete = true;
                }
                "save-update" => cascade.save_update = true,
                "merge" => cascade.merge = true,
                "expunge" => cascade.expunge = true,
                "delete" => cascade.delete = true,
                "delete-orphan" => cascade.delete_orphan = true,
                "refresh-expire" => cascade.refresh_expire = true,
                other => {
                    let mut d = Diagnostic::error(
                        format!("invalid cascade option `{other}`"),
                        span,
                        "unknown cascade option",
                    );
                    let normalized = other.replace('_', "-");
                    d = match did_you_mean(&normalized, CASCADE_OPTIONS.iter().copied()) {
                        Some(s) => d.with_help(format!("did you mean `{s}`?")),
                        None => d,
                    };
                    self.error(d.with_note(format!(
                        "the options are {}, separated by commas",
                        CASCADE_OPTIONS.join(", ")
                    )));
                }
            }
        }
        cascade
    }

    /// Adds the other side of every `backref` and checks every `back_populates` pair.
    fn backrefs(&mut self, declared: &[Declared]) {
        for d in declared {
            let spec = &self.spec.models[d.model];
            let rel = self.models[d.model].relationships[d.position].clone();
            let Some(rel_spec) = spec.relationships.iter().find(|r| r.name.value == rel.name)
            else {
                continue;
            };
            if let Some(backref) = &rel_spec.backref {
                self.add_backref(d.model, &rel, backref);
            } else if let Some(back) = &rel_spec.back_populates {
                self.check_back_populates(d.model, &rel, back);
            }
        }
    }

    fn add_backref(&mut self, m: usize, rel: &Relationship, backref: &Sp<String>) {
        let target = rel.target;
        if !self.check_accessor_name(backref) {
            return;
        }
        let target_model = &self.models[target];
        let collides_column = target_model
            .columns
            .iter()
            .find(|c| c.name == backref.value || c.field == backref.value);
        let collides_rel = target_model
            .relationships
            .iter()
            .find(|r| r.name == backref.value);
        if collides_column.is_some() || collides_rel.is_some() {
            let what = if collides_column.is_some() {
                "column"
            } else {
                "relationship"
            };
            let mut d = Diagnostic::error(
                format!(
                    "backref `{}` collides with the {what} `{}.{}`",
                    backref.value, target_model.name, backref.value
                ),
                backref.span.clone(),
                format!(
                    "`{}` already has a {what} `{}`",
                    target_model.name, backref.value
                ),
            );
            if let Some(column) = collides_column {
                if let Some(spec_col) = self.spec.models[target]
                    .columns
                    .iter()
                    .find(|c| c.name.value == column.name)
                {
                    d = d.with_secondary(spec_col.name.span.clone(), "column defined here");
                }
            } else if let Some(spec_rel) = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == backref.value)
            {
                d = d.with_secondary(spec_rel.name.span.clone(), "relationship defined here");
            }
            self.error(d.with_help("choose another `backref` name"));
            return;
        }
        let (direction, uselist) = match rel.direction {
            Direction::OneToMany => (Direction::ManyToOne, false),
            Direction::ManyToOne => (Direction::OneToMany, true),
            Direction::ManyToMany => (Direction::ManyToMany, true),
        };
        let secondary = rel.secondary.as_ref().map(|s| Secondary {
            model: s.model,
            local_key: s.remote_key,
            remote_key: s.local_key,
        });
        self.models[target].relationships.push(Relationship {
            name: backref.value.clone(),
            target: m,
            direction,
            foreign_key: rel.foreign_key,
            secondary,
            uselist,
            lazy: Lazy::Select,
            order_by: Vec::new(),
            cascade: Cascade::DEFAULT,
            passive_deletes: false,
            back: Some(rel.name.clone()),
            from_backref: true,
            doc: None,
        });
    }

    fn check_back_populates(&mut self, m: usize, rel: &Relationship, back: &Sp<String>) {
        let target = rel.target;
        let model_name = self.models[m].name.clone();
        let target_model = &self.models[target];
        let Some(other) = target_model
            .relationships
            .iter()
            .find(|r| r.name == back.value && !r.from_backref)
        else {
            let mut d = Diagnostic::error(
                format!(
                    "`back_populates` names `{}.{}`, which is not a relationship",
                    target_model.name, back.value
                ),
                back.span.clone(),
                "no such relationship",
            );
            let names: Vec<&str> = target_model
                .relationships
                .iter()
                .map(|r| r.name.as_str())
                .collect();
            // The other side may already name this one: then that is the one meant.
            let naming_us = target_model.relationships.iter().find(|r| {
                r.target == m && !r.from_backref && r.back.as_deref() == Some(rel.name.as_str())
            });
            d = match naming_us.map(|r| r.name.as_str()).or_else(|| did_you_mean(&back.value, names.iter().copied())) {
                Some(s) => d.with_help(format!("did you mean `{s}`?")),
                None => d.with_help(format!(
                    "declare `{}` on `{}` with `back_populates = \"{}\"`, or use `backref` to create it",
                    back.value, target_model.name, rel.name
                )),
            };
            self.error(d);
            return;
        };
        if other.target != m {
            let other_target = self.models[other.target].name.clone();
            let mut d = Diagnostic::error(
                format!(
                    "`back_populates` names `{}.{}`, which relates to `{other_target}`, not `{model_name}`",
                    target_model.name, back.value
                ),
                back.span.clone(),
                format!("not a relationship to `{model_name}`"),
            );
            if let Some(span) = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == back.value)
                .map(|r| r.name.span.clone())
            {
                d = d.with_secondary(span, format!("relates to `{other_target}`"));
            }
            let pointing_back: Vec<&str> = target_model
                .relationships
                .iter()
                .filter(|r| r.target == m && !r.from_backref)
                .map(|r| r.name.as_str())
                .collect();
            d = match pointing_back.as_slice() {
                [one] => d.with_help(format!("did you mean `back_populates = \"{one}\"`?")),
                _ => d.with_help(format!(
                    "name the relationship of `{}` that points back at `{model_name}`",
                    target_model.name
                )),
            };
            self.error(d);
            return;
        }
        let other_names_nothing = other.back.as_ref().is_some_and(|name| {
            !self.models[m]
                .relationships
                .iter()
                .any(|r| &r.name == name && !r.from_backref)
        });
        if other_names_nothing {
            // The other side's `back_populates` is wrong and reported from there.
            return;
        }
        let consistent = other.back.as_deref() == Some(rel.name.as_str());
        if !consistent {
            let other_span = self.spec.models[target]
                .relationships
                .iter()
                .find(|r| r.name.value == back.value)
                .map(|r| r.name.span.clone());
            let mut d = Diagnostic::error(
                format!(
                    "`{model_name}.{}` and `{}.{}` do not name each other",
                    rel.name, target_model.name, back.value
                ),
                back.span.clone(),
                "one side of the pair",
            );
            if let Some(span) = other_span {
                d = d.with_secondary(span, "the other side");
            }
            self.error(d.with_help(format!(
                "set `back_populates = \"{}\"` on `{}.{}` (and `model = \"{model_name}\"`)",
                rel.name, target_model.name, back.value
            )));
            return;
        }
        if other.foreign_key != rel.foreign_key
            || other.secondary.as_ref().map(|s| s.model) != rel.secondary.as_ref().map(|s| s.model)
        {
            self.error(
                Diagnostic::error(
                    format!(
                        "`{model_name}.{}` and `{}.{}` use different foreign keys",
                        rel.name, target_model.name, back.value
                    ),
                    back.span.clone(),
                    "mismatched pair",
                )
                .with_help("give both sides the same `foreign_keys`"),
            );
        }
    }

    // ---- warnings --------------------------------------------------------------------

    fn warnings(&mut self) {
        // Foreign key columns without an index: joins and cascades scan the table.
        for m in 0..self.models.len() {
            for k in 0..self.models[m].foreign_keys.len() {
                let model = &self.models[m];
                let fk = &model.foreign_keys[k];
                let leading = fk.columns[0];
                let indexed = model.primary_key.first() == Some(&leading)
                    || (fk.columns.len() == 1
                        && (model.columns[leading].index || model.columns[leading].unique))
                    || model
                        .indexes
                        .iter()
                        .any(|i| i.columns.first() == Some(&leading))
                    || model
                        .unique_constraints
                        .iter()
                        .any(|u| u.columns.first() == Some(&leading));
                if !indexed {
                    let column = &model.columns[leading];
                    let target = &self.models[fk.target];
                    let d = Diagnostic::warning(
                        format!("foreign key column `{}.{}` has no index", model.table, column.name),
                        self.fk_spans[m][k].clone(),
                        "not indexed",
                    )
                    .with_help(format!("add `index = true` to `{}`", column.name))
                    .with_note(format!(
                        "without an index, loading a `{}`'s `{}` rows and deleting a `{}` scan the whole `{}` table",
                        target.name, model.name, target.name, model.table
                    ));
                    self.diags.push(d);
                }
            }
        }
        // Eager loading in a cycle loads the whole graph on every query.
        let mut eager: BTreeMap<usize, Vec<(usize, String)>> = BTreeMap::new();
        for (m, model) in self.models.iter().enumerate() {
            for rel in &model.relationships {
                if rel.lazy.is_eager() {
                    eager
                        .entry(m)
                        .or_default()
                        .push((rel.target, rel.name.clone()));
                }
            }
        }
        let mut reported = HashSet::new();
        for (&start, edges) in &eager {
            for (next, name) in edges {
                if let Some(path) = find_path(&eager, *next, start) {
                    let mut cycle = vec![self.models[start].name.clone()];
                    cycle.extend(path.iter().map(|&p| self.models[p].name.clone()));
                    let mut key: Vec<usize> = path.clone();
                    key.push(start);
                    key.sort_unstable();
                    key.dedup();
                    if !reported.insert(key) {
                        continue;
                    }
                    let span = self.spec.models[start]
                        .relationships
                        .iter()
                        .find(|r| &r.name.value == name)
                        .and_then(|r| r.lazy.as_ref().map(|l| l.span.clone()))
                        .unwrap_or(self.spec.models[start].name.span.clone());
                    self.diags.push(
                        Diagnostic::warning(
                            format!("relationships are loaded eagerly in a cycle: {}", cycle.join(" -> ")),
                            span,
                            "eager loading here",
                        )
                        .with_help("make one side of the cycle lazy (`lazy = \"select\"`), and eager-load per query where needed"),
                    );
                }
            }
        }
    }

    // ---- helpers -----------------------------------------------------------------------

    fn find_column(&self, m: usize, name: &str) -> Option<usize> {
        find_column_in(&self.models[m], name)
    }

    fn unknown_column(&self, m: usize, name: &Sp<String>, what: &str) -> Diagnostic {
        let model = &self.models[m];
        let mut d = Diagnostic::error(
            format!(
                "{what} `{}`, which is not a column of model `{}`",
                name.value, model.name
            ),
            name.span.clone(),
            "no such column",
        );
        if let Some(s) = did_you_mean(&name.value, model.columns.iter().map(|c| c.name.as_str())) {
            d = d.with_help(format!("did you mean `{s}`?"));
        } else {
            let all: Vec<String> = model
                .columns
                .iter()
                .map(|c| format!("`{}`", c.name))
                .collect();
            d = d.with_note(format!(
                "the columns of `{}` are {}",
                model.name,
                all.join(", ")
            ));
        }
        d
    }
}

fn find_column_in(model: &Model, name: &str) -> Option<usize> {
    model
        .columns
        .iter()
        .position(|c| c.name == name)
        .or_else(|| model.columns.iter().position(|c| c.field == name))
}

fn find_path(
    graph: &BTreeMap<usize, Vec<(usize, String)>>,
    from: usize,
    to: usize,
) -> Option<Vec<usize>> {
    let mut stack = vec![(from, vec![from])];
    let mut seen = HashSet::new();
    while let Some((node, path)) = stack.pop() {
        if node == to {
            return Some(path);
        }
        if !seen.insert(node) {
            continue;
        }
        for (next, _) in graph.get(&node).into_iter().flatten() {
            let mut longer = path.clone();
            longer.push(*next);
            stack.push((*next, longer));
        }
    }
    None
}

/// Types that store the same kind of value, for foreign key compatibility.
fn type_family(ty: &ColumnType) -> String {
    match ty {
        ColumnType::String { .. } | ColumnType::Text => "string".to_owned(),
        ColumnType::Numeric { .. } => "numeric".to_owned(),
        ColumnType::Enum { name, .. } => format!("enum {name}"),
        ColumnType::DateTime { .. } => "datetime".to_owned(),
        other => type_label(other),
    }
}

/// The spec spelling of a type.
pub fn type_label(ty: &ColumnType) -> String {
    match ty {
        ColumnType::Integer => "integer".into(),
        ColumnType::SmallInteger => "small_integer".into(),
        ColumnType::BigInteger => "big_integer".into(),
        ColumnType::Boolean => "boolean".into(),
        ColumnType::Float => "float".into(),
        ColumnType::Numeric {
            precision: Some(p),
            scale: Some(s),
        } => format!("numeric({p}, {s})"),
        ColumnType::Numeric {
            precision: Some(p),
            scale: None,
        } => format!("numeric({p})"),
        ColumnType::Numeric { .. } => "numeric".into(),
        ColumnType::String { length: Some(n) } => format!("string({n})"),
        ColumnType::String { length: None } => "string".into(),
        ColumnType::Text => "text".into(),
        ColumnType::Blob => "blob".into(),
        ColumnType::Date => "date".into(),
        ColumnType::Time => "time".into(),
        ColumnType::DateTime { timezone: true } => "datetime(timezone)".into(),
        ColumnType::DateTime { timezone: false } => "datetime".into(),
        ColumnType::Json => "json".into(),
        ColumnType::Uuid => "uuid".into(),
        ColumnType::Enum { .. } => "enum".into(),
    }
}

/// The comma-separated parts of a string value, trimmed, each with its own span when
/// the string is written plainly (no escapes), else with the whole value's span.
fn comma_separated(value: &Sp<String>) -> impl Iterator<Item = (&str, Span)> {
    // A basic or literal string without escapes spans its text plus two quotes.
    let plain = value.span.len() == value.value.len() + 2;
    let mut offset = 0;
    value.value.split(',').filter_map(move |raw| {
        let start = offset + (raw.len() - raw.trim_start().len());
        offset += raw.len() + 1;
        let part = raw.trim();
        if part.is_empty() {
            return None;
        }
        let span = if plain {
            let at = value.span.start + 1 + start;
            at..at + part.len()
        } else {
            value.span.clone()
        };
        Some((part, span))
    })
}

/// `1 column`, `2 columns`.
fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

fn suggest_type_name(name: &str) -> String {
    let camel = heck::ToUpperCamelCase::to_upper_camel_case(name);
    if names::is_identifier_shape(&camel) && !names::is_rust_keyword(&camel) {
        camel
    } else {
        "MyModel".to_owned()
    }
}

// ---- renames (read by `litemodel migrate new`) ----------------------------------------

impl Validator<'_, '_> {
    /// A `renamed_from` hint: a name, and not the current one.
    fn renamed_from(
        &mut self,
        kind: &str,
        owner: &str,
        current: &str,
        value: &Option<Sp<String>>,
    ) -> Option<String> {
        let value = value.as_ref()?;
        let old = value.value.trim();
        if old.is_empty() || old.eq_ignore_ascii_case(current) {
            self.error(
                Diagnostic::error(
                    format!("`renamed_from` of {kind} `{owner}` must name its previous name"),
                    value.span.clone(),
                    if old.is_empty() { "empty" } else { "the current name" },
                )
                .with_help(format!(
                    "write the name `{current}` had before (`renamed_from = \"old_name\"`), or remove the key once every database is migrated"
                )),
            );
            return None;
        }
        Some(old.to_owned())
    }
}

/// Why `sql`, written as is into the DDL, could end the clause it belongs to (a
/// column's `DEFAULT`, or `CHECK (...)`): a `;` or comment outside quotes, an
/// unterminated quote, a `)` closing more than it opened, or (where `commas` is false)
/// a `,` outside parentheses. `None` when it stays inside.
fn sql_fragment_problem(sql: &str, commas: bool) -> Option<&'static str> {
    let mut depth = 0usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' | '[' => {
                let close = if c == '[' { ']' } else { c };
                loop {
                    match chars.next() {
                        None => return Some("a quote that is never closed"),
                        // A doubled quote is an escaped one.
                        Some(q) if q == close && c != '[' && chars.peek() == Some(&close) => {
                            chars.next();
                        }
                        Some(q) if q == close => break,
                        Some(_) => {}
                    }
                }
            }
            '(' => depth += 1,
            ')' if depth == 0 => return Some("a `)` that closes the surrounding clause"),
            ')' => depth -= 1,
            ';' => return Some("a `;` ends the statement"),
            '-' if chars.peek() == Some(&'-') => return Some("an SQL comment (`--`)"),
            '/' if chars.peek() == Some(&'*') => return Some("an SQL comment (`/*`)"),
            ',' if depth == 0 && !commas => return Some("a `,` ends the column definition"),
            _ => {}
        }
    }
    (depth > 0).then_some("a `(` that is never closed")
}
