//! Raw SQL mapped to models: `User::from_sql(&db, "SELECT ...", params)`.

use rusqlite::types::Value;

use super::*;

/// Objects from a SELECT the program writes (SQLAlchemy's
/// `db.session.query(User).from_statement(text(...))`), for every model:
/// `use litemodel::RawSql;` then
///
/// ```text
/// let users = User::from_sql(&db, "SELECT * FROM users WHERE username LIKE ? ORDER BY id", ["s%"])?;
/// ```
///
/// runs `SELECT "id", "username", "role_id" FROM (SELECT * FROM users WHERE
/// username LIKE ?1 ORDER BY id) AS anon_1`: the columns are taken by name,
/// so the statement may list them in any order, with more besides; each `?`
/// is bound to the next parameter. Relationships are not loaded with the
/// objects (they load on access as declared).
pub trait RawSql: Model {
    /// The objects of the rows `sql` returns.
    ///
    /// # Errors
    ///
    /// [`Error::Sqlite`] when the statement fails or lacks one of the model's
    /// columns (`no such column: role_id`), [`Error::Decode`] for a value that
    /// does not fit its field.
    fn from_sql<E: Executor, V: Into<Value>>(
        conn: &E,
        sql: &str,
        params: impl IntoIterator<Item = V>,
    ) -> Result<Vec<Self>> {
        let values: Vec<Value> = params.into_iter().map(Into::into).collect();
        let db = conn.database();
        let sql = crate::sql::select_raw(db.dialect(), Self::COLUMNS, sql, &values);
        let mut stmt = db.prepare_bound(&sql, Self::TABLE)?;
        let mut rows = stmt.query()?;
        let mut out = Vec::new();
        while let Some(row) = rows.next()? {
            Self::push_row(&Row::new::<Self>(row), &mut out)?;
        }
        conn.use_identity(&mut out);
        Ok(out)
    }
}

impl<M: Model> RawSql for M {}
