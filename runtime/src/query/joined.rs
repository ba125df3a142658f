//! Several `joined` loading options in one statement (SQLAlchemy's several
//! LEFT OUTER JOINs): `Post::query().options(Post::AUTHOR.joined()).options(Post::COMMENTS.joined())`.

use super::*;

impl<M: Model> Query<M> {
    /// One statement: the query's rows as a subquery, LEFT OUTER JOINed with
    /// the related rows of every option. Two to-many joins multiply each
    /// other's rows (as in SQLAlchemy); each related object is kept once.
    pub(super) fn fetch_joined_many(
        &self,
        db: &Database,
        limit: Option<u64>,
        loads: &[&Load<M>],
        path: &mut Vec<String>,
    ) -> Result<Vec<M>> {
        let d = db.dialect();
        let (tree, outer_order);
        let (inner, order) = if self.is_scoped() {
            (tree, outer_order) = self.joined_inner(limit);
            (crate::sql::select_tree(d, &tree), outer_order.as_slice())
        } else {
            (self.select_sql(db, limit), self.order.as_slice())
        };
        let joins: Vec<_> = loads.iter().map(|load| load.plan().joined()).collect();
        let sql = crate::sql::joined_select_many(d, table_def::<M>(), inner, order, &joins);
        let key_index = M::COLUMNS
            .iter()
            .position(|c| *c == M::PRIMARY_KEY)
            .unwrap_or(0);
        let mut offsets = Vec::with_capacity(joins.len());
        let mut offset = M::COLUMNS.len();
        for join in &joins {
            offsets.push(offset);
            offset += join.related.columns.len();
        }
        let mut related: Vec<_> = loads.iter().map(|load| load.plan().start(true)).collect();
        let mut objects: Vec<M> = Vec::new();
        {
            let mut stmt = db.prepare_bound(&sql, M::TABLE)?;
            let mut rows = stmt.query()?;
            let mut last_key = None;
            while let Some(row) = rows.next()? {
                let key = row.key(key_index, M::TABLE)?;
                if objects.is_empty() || key != last_key {
                    M::push_row(&Row::new::<M>(row).with_key(key), &mut objects)?;
                    last_key = key;
                }
                for (rows_of, &offset) in related.iter_mut().zip(&offsets) {
                    rows_of.row(row, offset, objects.len() - 1)?;
                }
            }
        }
        for (rows_of, load) in related.into_iter().zip(loads) {
            path.push(load.relationship());
            let finished = rows_of.finish(db, &objects, path);
            path.pop();
            finished?;
        }
        Ok(objects)
    }
}
