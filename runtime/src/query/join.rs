//! Joins (`join`, `outerjoin`, along a relationship or on a condition),
//! `select_from`, conditions and sort keys on joined tables, `distinct`.

use super::*;
use crate::expr::CompareOp;
use crate::relation::{ManyToMany, ManyToOne, OneToMany};

/// The joins a [`JoinPath`] adds: one, or two through an association table.
#[derive(Debug, Clone)]
pub struct Joins(pub(crate) Vec<JoinClause>);

/// What [`Query::join`] can follow from model `M`: a relationship constant
/// (`Post::AUTHOR`, `User::POSTS`, `Post::TAGS`).
pub trait JoinPath<M> {
    /// The join clauses, `outer` for `LEFT OUTER JOIN`.
    fn joins(self, outer: bool) -> Joins;
}

fn on(left: (&'static str, &'static str), right: (&'static str, &'static str)) -> Node {
    Node::CompareItems {
        left: Item::Column {
            table: left.0,
            column: left.1,
        },
        op: CompareOp::Eq,
        right: Item::Column {
            table: right.0,
            column: right.1,
        },
    }
}

impl<M: Model, P: Model> JoinPath<M> for ManyToOne<M, P> {
    fn joins(self, outer: bool) -> Joins {
        Joins(vec![JoinClause {
            outer,
            table: P::TABLE,
            on: on((P::TABLE, P::PRIMARY_KEY), (M::TABLE, self.column_name())),
        }])
    }
}

impl<P: Model, C: Model, E> JoinPath<P> for OneToMany<P, C, E> {
    fn joins(self, outer: bool) -> Joins {
        Joins(vec![JoinClause {
            outer,
            table: C::TABLE,
            on: on((C::TABLE, self.fk()), (P::TABLE, P::PRIMARY_KEY)),
        }])
    }
}

impl<M: Model, T: Model, E> JoinPath<M> for ManyToMany<M, T, E> {
    fn joins(self, outer: bool) -> Joins {
        let (table, local, remote) = self.parts();
        Joins(vec![
            JoinClause {
                outer,
                table,
                on: on((table, local), (M::TABLE, M::PRIMARY_KEY)),
            },
            JoinClause {
                outer,
                table: T::TABLE,
                on: on((T::TABLE, T::PRIMARY_KEY), (table, remote)),
            },
        ])
    }
}

impl<M: Model> Query<M> {
    fn add_joins(mut self, joins: Joins) -> Self {
        self.joins.extend(joins.0);
        self
    }

    fn add_join_on<J: Model>(mut self, condition: Expr<J>, outer: bool) -> Self {
        self.joins.push(JoinClause {
            outer,
            table: J::TABLE,
            on: Node::Scoped {
                table: J::TABLE,
                node: Box::new(condition.into_node()),
            },
        });
        self
    }

    /// `JOIN` along a relationship (SQLAlchemy's `query.join(User.posts)`):
    /// `User::query().join(User::POSTS)` runs `SELECT "users"."id", ... FROM
    /// "users" JOIN "posts" ON "posts"."author_id" = "users"."id"`. The rows are
    /// still `M`'s, one per joined row (add [`Query::distinct`] to see each
    /// once); filter and sort on the joined table with
    /// [`Query::filter_joined`] and [`Query::order_by_joined`].
    ///
    /// A table joined twice (a self-referential relationship, two
    /// relationships to one model) needs aliases, which joins do not make:
    /// write that query with `has`/`any` or [`Expr::raw`].
    pub fn join(self, path: impl JoinPath<M>) -> Self {
        self.add_joins(path.joins(false))
    }

    /// `LEFT OUTER JOIN` along a relationship: rows of `M` without related rows
    /// stay, with NULLs for the joined columns.
    pub fn outerjoin(self, path: impl JoinPath<M>) -> Self {
        self.add_joins(path.joins(true))
    }

    /// `JOIN J ON condition`, the joined model being the condition's
    /// (SQLAlchemy's `query.join(Follow, Follow.followed_id == Post.author_id)`):
    ///
    /// ```text
    /// Post::query()
    ///     .join_on(Follow::FOLLOWED_ID.eq_col(Post::AUTHOR_ID))
    ///     .filter_joined(Follow::FOLLOWER_ID.eq(user_id))
    /// ```
    ///
    /// runs `SELECT "posts"."id", ... FROM "posts" JOIN "follows" ON
    /// "follows"."followed_id" = "posts"."author_id" WHERE
    /// "follows"."follower_id" = ?1`. Bare columns of `condition` are `J`'s.
    pub fn join_on<J: Model>(self, condition: Expr<J>) -> Self {
        self.add_join_on(condition, false)
    }

    /// `LEFT OUTER JOIN J ON condition`.
    pub fn outerjoin_on<J: Model>(self, condition: Expr<J>) -> Self {
        self.add_join_on(condition, true)
    }

    /// Starts the FROM at `J`'s table instead of `M`'s (SQLAlchemy's
    /// `select_from`); join `M`'s table after it with [`Query::join_on`]:
    /// `Post::query().select_from::<Follow>().join_on(Post::AUTHOR_ID.eq_col(Follow::FOLLOWED_ID))`
    /// runs `SELECT "posts"."id", ... FROM "follows" JOIN "posts" ON ...`.
    pub fn select_from<J: Model>(mut self) -> Self {
        self.from = Some(J::TABLE);
        self
    }

    /// Keeps the rows matching a condition on a joined model's columns
    /// (AND-ed with earlier filters): `.filter_joined(Follow::FOLLOWER_ID.eq(id))`.
    pub fn filter_joined<J: Model>(mut self, condition: Expr<J>) -> Self {
        self.scoped = true;
        let scoped = Expr::new(Node::Scoped {
            table: J::TABLE,
            node: Box::new(condition.into_node()),
        });
        self.filter(scoped)
    }

    /// Sorts by a joined model's column after any earlier sort keys.
    pub fn order_by_joined<J: Model>(mut self, order: Order<J>) -> Self {
        self.scoped = true;
        self.order.push(order.on_table(J::TABLE));
        self
    }

    /// `SELECT DISTINCT`: each row once (a one-to-many join repeats its parent).
    pub fn distinct(mut self) -> Self {
        self.distinct = true;
        self
    }
}
