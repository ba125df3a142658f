//! The SQLite renderer, statement by statement: exact text and parameter order
//! (and where PostgreSQL's differs, PostgreSQL's).

use rusqlite::types::Value;

use super::*;
use crate::expr::{and_, or_, Column, Expr};
use crate::model::ColumnSet;

struct User;
const ID: Column<User, Option<i64>> = Column::new("id");
const NAME: Column<User, Option<String>> = Column::new("name");
const AGE: Column<User, i64> = Column::new("age");

const USERS: TableDef<'static> = TableDef {
    table: "users",
    columns: &["id", "name", "age"],
    key: "id",
};

fn values(sql: &Sql<'_>) -> Vec<Value> {
    sql.params
        .iter()
        .map(|p| match p {
            Param::Value(v) => (*v).clone(),
            Param::Int(n) => Value::Integer(*n),
            Param::Keys(_) => unreachable!("SQLite binds no arrays"),
        })
        .collect()
}

fn tail<'q>(filter: Option<&'q Expr<User>>, order: &'q [crate::Order<User>]) -> Tail<'q, User> {
    Tail {
        filter: filter.map(Expr::node),
        order,
        limit: None,
        offset: None,
    }
}

#[test]
fn quotes_embedded_quotes() {
    let mut out = String::new();
    Sqlite.push_identifier(&mut out, r#"we"ird"#);
    assert_eq!(out, r#""we""ird""#);
}

#[test]
fn writes_numbers_in_decimal() {
    for n in [0, 7, 10, 99, 100, 12_345, u64::MAX] {
        let mut out = String::new();
        push_decimal(&mut out, n);
        assert_eq!(out, n.to_string());
    }
    let mut out = String::new();
    Sqlite.push_placeholder(&mut out, 12);
    assert_eq!(out, "?12");
}

#[test]
fn update_binds_key_last() {
    assert_eq!(
        Sqlite.update("roles", &["name"], "id"),
        r#"UPDATE "roles" SET "name" = ?1 WHERE "id" = ?2"#
    );
    assert_eq!(
        Sqlite.delete("roles", "id"),
        r#"DELETE FROM "roles" WHERE "id" = ?1"#
    );
}

#[test]
fn model_statements_without_server_defaults() {
    let sql = model_statements(&Sqlite, USERS, &[]);
    assert_eq!(sql.select, r#"SELECT "id", "name", "age" FROM "users""#);
    assert_eq!(
        sql.select_by_key,
        r#"SELECT "id", "name", "age" FROM "users" WHERE "id" = ?1"#
    );
    // No RETURNING on SQLite: the key comes from last_insert_rowid().
    assert_eq!(
        sql.insert,
        r#"INSERT INTO "users" ("name", "age") VALUES (?1, ?2)"#
    );
    assert_eq!(
        sql.insert_with_key,
        r#"INSERT INTO "users" ("name", "age", "id") VALUES (?1, ?2, ?3)"#
    );
    assert_eq!(
        sql.update,
        r#"UPDATE "users" SET "name" = ?1, "age" = ?2 WHERE "id" = ?3"#
    );
    assert_eq!(sql.delete, r#"DELETE FROM "users" WHERE "id" = ?1"#);
}

#[test]
fn model_statements_with_server_defaults() {
    let sql = model_statements(&Sqlite, USERS, &[("age", "18")]);
    assert_eq!(
        sql.insert,
        r#"INSERT INTO "users" ("name", "age") VALUES (?1, COALESCE(?2, 18)) RETURNING "id", "id", "name", "age""#
    );
    assert_eq!(
        sql.insert_with_key,
        r#"INSERT INTO "users" ("name", "age", "id") VALUES (?1, COALESCE(?2, 18), ?3) RETURNING "id", "id", "name", "age""#
    );
    assert_eq!(
        sql.update,
        r#"UPDATE "users" SET "name" = ?1, "age" = COALESCE(?2, "age") WHERE "id" = ?3"#
    );
}

#[test]
fn updates_of_the_changed_columns() {
    let mut age = ColumnSet::new();
    age.insert(1);
    assert_eq!(
        update_changed(&Sqlite, USERS, &[("age", "18")], &age),
        r#"UPDATE "users" SET "age" = COALESCE(?1, "age") WHERE "id" = ?2"#
    );
    let mut name = ColumnSet::new();
    name.insert(0);
    assert_eq!(
        update_changed(&Sqlite, USERS, &[], &name),
        r#"UPDATE "users" SET "name" = ?1 WHERE "id" = ?2"#
    );
    assert_eq!(
        update_changed(&Sqlite, USERS, &[], &ColumnSet::first(2)),
        model_statements(&Sqlite, USERS, &[]).update
    );
}

#[test]
fn expressions_bind_values_in_order() {
    let filter = (NAME.eq("ann") | NAME.like("b%"))
        & !AGE.between(1, 9)
        & AGE.in_([3, 4])
        & NAME.is_not_null()
        & ID.ne(7);
    let sql = select(&Sqlite, "SELECT 1", &tail(Some(&filter), &[]));
    assert_eq!(
        sql.text,
        r#"SELECT 1 WHERE (("name" = ?1 OR "name" LIKE ?2) AND NOT ("age" BETWEEN ?3 AND ?4) AND "age" IN (?5, ?6) AND "name" IS NOT NULL AND "id" <> ?7)"#
    );
    assert_eq!(
        values(&sql),
        [
            Value::Text("ann".into()),
            Value::Text("b%".into()),
            Value::Integer(1),
            Value::Integer(9),
            Value::Integer(3),
            Value::Integer(4),
            Value::Integer(7),
        ]
    );
}

#[test]
fn empty_lists_match_nothing_and_everything() {
    let none = AGE.in_(Vec::<i64>::new());
    let all = and_::<User>([]);
    let any = or_::<User>([]);
    let render = |e: &Expr<User>| select(&Sqlite, "S", &tail(Some(e), &[])).text;
    assert_eq!(render(&none), "S WHERE 1 = 0");
    assert_eq!(render(&all), "S WHERE NOT (1 = 0)");
    assert_eq!(render(&any), "S WHERE 1 = 0");
}

#[test]
fn order_limit_and_offset() {
    let order = [NAME.desc(), ID.asc()];
    let mut t = tail(None, &order);
    t.limit = Some(10);
    t.offset = Some(20);
    let sql = select(&Sqlite, "S", &t);
    assert_eq!(
        sql.text,
        r#"S ORDER BY "name" DESC, "id" ASC LIMIT 10 OFFSET ?1"#
    );
    assert_eq!(values(&sql), [Value::Integer(20)]);
    // An OFFSET alone still needs a LIMIT on SQLite.
    t.limit = None;
    assert_eq!(
        select(&Sqlite, "S", &t).text,
        r#"S ORDER BY "name" DESC, "id" ASC LIMIT -1 OFFSET ?1"#
    );
}

#[test]
fn count_and_exists() {
    let filter = AGE.gt(3);
    let mut t = tail(Some(&filter), &[]);
    assert_eq!(
        count(&Sqlite, "users", &t).text,
        r#"SELECT COUNT(*) FROM "users" WHERE "age" > ?1"#
    );
    assert_eq!(
        exists(&Sqlite, "users", &t).text,
        r#"SELECT EXISTS (SELECT 1 FROM "users" WHERE "age" > ?1)"#
    );
    t.limit = Some(5);
    assert_eq!(
        count(&Sqlite, "users", &t).text,
        r#"SELECT COUNT(*) FROM (SELECT 1 FROM "users" WHERE "age" > ?1 LIMIT 5) AS anon_1"#
    );
}

#[test]
fn bulk_update_and_delete() {
    let filter = AGE.le(3);
    let assignments = [NAME.set("x"), AGE.set(4)];
    let mut t = tail(Some(&filter), &[]);
    let sql = update_where(&Sqlite, ("users", "id"), &assignments, &t);
    assert_eq!(
        sql.text,
        r#"UPDATE "users" SET "name" = ?1, "age" = ?2 WHERE "age" <= ?3"#
    );
    assert_eq!(
        values(&sql),
        [
            Value::Text("x".into()),
            Value::Integer(4),
            Value::Integer(3)
        ]
    );
    t.limit = Some(2);
    assert_eq!(
        delete_where(&Sqlite, ("users", "id"), &t).text,
        r#"DELETE FROM "users" WHERE "id" IN (SELECT "id" FROM "users" WHERE "age" <= ?1 LIMIT 2)"#
    );
}

#[test]
fn relationship_conditions_are_subqueries() {
    let filter: Expr<User> = Expr::new(crate::expr::Node::InSelect {
        column: "id",
        table: "posts",
        select: "user_id",
        filter: Some(Box::new(crate::expr::Node::Null {
            column: "title",
            negated: false,
        })),
    });
    assert_eq!(
        select(&Sqlite, "S", &tail(Some(&filter), &[])).text,
        r#"S WHERE "id" IN (SELECT "user_id" FROM "posts" WHERE "title" IS NULL)"#
    );
}

const POSTS: TableDef<'static> = TableDef {
    table: "posts",
    columns: &["id", "user_id"],
    key: "id",
};

const LIKES: Association<'static> = Association {
    table: "likes",
    local: "user_id",
    remote: "post_id",
};

#[test]
fn joined_loads() {
    let order = [NAME.asc()];
    let inner = || select(&Sqlite, r#"SELECT "id" FROM "users""#, &tail(None, &[]));
    let to_many = Joined {
        related: POSTS,
        via: Via::RelatedColumn("user_id"),
        order: &[("id", true)],
    };
    assert_eq!(
        joined_select(&Sqlite, USERS, inner(), &order, &to_many).text,
        r#"SELECT "users"."id", "users"."name", "users"."age", anon_1."id", anon_1."user_id" FROM (SELECT "id" FROM "users") AS "users" LEFT OUTER JOIN "posts" AS anon_1 ON anon_1."user_id" = "users"."id" ORDER BY "users"."name" ASC, "users"."id", anon_1."id" DESC, anon_1."id""#
    );
    let to_one = Joined {
        related: POSTS,
        via: Via::ParentColumn("post_id"),
        order: &[],
    };
    assert_eq!(
        joined_select(
            &Sqlite,
            USERS,
            inner(),
            &[] as &[crate::Order<User>],
            &to_one
        )
        .text,
        r#"SELECT "users"."id", "users"."name", "users"."age", anon_1."id", anon_1."user_id" FROM (SELECT "id" FROM "users") AS "users" LEFT OUTER JOIN "posts" AS anon_1 ON anon_1."id" = "users"."post_id" ORDER BY "users"."id""#
    );
    let through = Joined {
        related: POSTS,
        via: Via::Association(LIKES),
        order: &[],
    };
    assert_eq!(
        joined_select(
            &Sqlite,
            USERS,
            inner(),
            &[] as &[crate::Order<User>],
            &through
        )
        .text,
        r#"SELECT "users"."id", "users"."name", "users"."age", anon_1."id", anon_1."user_id" FROM (SELECT "id" FROM "users") AS "users" LEFT OUTER JOIN "likes" AS anon_2 ON anon_2."user_id" = "users"."id" LEFT OUTER JOIN "posts" AS anon_1 ON anon_1."id" = anon_2."post_id" ORDER BY "users"."id", anon_1."id""#
    );
    assert_eq!(
        selectin_through(&Sqlite, POSTS, LIKES, &[("user_id", false)], &[7, 9]).text,
        r#"SELECT anon_2."user_id", anon_1."id", anon_1."user_id" FROM "posts" AS anon_1 JOIN "likes" AS anon_2 ON anon_2."post_id" = anon_1."id" WHERE anon_2."user_id" IN (?1, ?2) ORDER BY anon_2."user_id", anon_1."user_id" ASC, anon_1."id""#
    );
}

#[test]
fn association_rows() {
    assert_eq!(
        link_insert(&Sqlite, "likes", "user_id", "post_id"),
        r#"INSERT INTO "likes" ("user_id", "post_id") SELECT ?1, ?2 WHERE NOT EXISTS (SELECT 1 FROM "likes" WHERE "user_id" = ?1 AND "post_id" = ?2)"#
    );
    assert_eq!(
        unlink(&Sqlite, "likes", "user_id", "post_id"),
        r#"DELETE FROM "likes" WHERE "user_id" = ?1 AND "post_id" = ?2"#
    );
    assert_eq!(
        unlink_all(&Sqlite, "likes", "user_id"),
        r#"DELETE FROM "likes" WHERE "user_id" = ?1"#
    );
}

#[test]
fn post_updates() {
    assert_eq!(
        post_update(&Sqlite, "users", "favorite_post_id", "id"),
        r#"UPDATE "users" SET "favorite_post_id" = ?1 WHERE "id" = ?2"#
    );
    assert_eq!(
        post_update(&Postgres, "users", "favorite_post_id", "id"),
        r#"UPDATE "users" SET "favorite_post_id" = $1 WHERE "id" = $2"#
    );
    assert_eq!(
        post_update_clear(&Sqlite, "users", "favorite_post_id", "id"),
        r#"UPDATE "users" SET "favorite_post_id" = NULL WHERE "id" = ?1"#
    );
    assert_eq!(
        post_update_clear(&Postgres, "users", "favorite_post_id", "id"),
        r#"UPDATE "users" SET "favorite_post_id" = NULL WHERE "id" = $1"#
    );
}

#[test]
fn transactions_and_catalog() {
    let d = Sqlite;
    assert_eq!(d.begin_write(), "BEGIN IMMEDIATE");
    assert_eq!([d.commit(), d.rollback()], ["COMMIT", "ROLLBACK"]);
    assert_eq!(
        [
            d.flush_savepoint(),
            d.release_flush_savepoint(),
            d.rollback_to_flush_savepoint()
        ],
        [
            "SAVEPOINT litemodel_flush",
            "RELEASE litemodel_flush",
            "ROLLBACK TO litemodel_flush"
        ]
    );
    assert_eq!(d.connection_setup(), ["PRAGMA foreign_keys = ON"]);
    assert_eq!(d.file_setup(), ["PRAGMA journal_mode = WAL"]);
    assert_eq!(
        d.defer_foreign_keys(),
        Some("PRAGMA defer_foreign_keys = ON")
    );
    assert_eq!(d.drop_table("users"), r#"DROP TABLE IF EXISTS "users""#);
    assert_eq!(d.ping(), "SELECT 1");
    assert_eq!(
        d.table_exists(),
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1 COLLATE NOCASE"
    );
}

#[test]
fn migration_bookkeeping() {
    let d = Sqlite;
    assert_eq!(
        d.select_applied("litemodel_migrations"),
        "SELECT version, name, checksum, applied_at FROM litemodel_migrations ORDER BY version"
    );
    assert_eq!(
        d.insert_applied("litemodel_migrations"),
        "INSERT INTO litemodel_migrations (version, name, checksum) VALUES (?1, ?2, ?3)"
    );
    assert_eq!(
        d.delete_applied("litemodel_migrations"),
        "DELETE FROM litemodel_migrations WHERE version = ?1"
    );
    assert_eq!(
        d.count_rows(r#"we"ird"#),
        r#"SELECT count(*) FROM "we""ird""#
    );
    assert_eq!(
        d.create_version_table("v"),
        "CREATE TABLE IF NOT EXISTS v (\n\tversion INTEGER NOT NULL, \n\tname TEXT NOT NULL, \n\tchecksum TEXT NOT NULL, \n\tapplied_at TEXT DEFAULT CURRENT_TIMESTAMP NOT NULL, \n\tPRIMARY KEY (version)\n)"
    );
}

#[test]
fn rebuild_copies_are_recognized() {
    let prefix = crate::migrate::REBUILD_PREFIX;
    assert_eq!(
        Sqlite
            .rebuild_copy_source(
                "-- copy\nINSERT INTO \"_litemodel_new_users\" (id) SELECT id FROM users",
                prefix
            )
            .as_deref(),
        Some("users")
    );
    assert_eq!(
        Sqlite.rebuild_copy_source("INSERT INTO users (id) VALUES (1)", prefix),
        None
    );
}

#[test]
fn relationship_keys_are_a_parameter_each_or_one_array() {
    let keys = [3, 5, 8];
    let filter = ID.in_keys(&keys);
    let base = r#"SELECT "id" FROM "users""#;
    let sqlite = select(&Sqlite, base, &tail(Some(&filter), &[]));
    assert_eq!(
        sqlite.text,
        r#"SELECT "id" FROM "users" WHERE "id" IN (?1, ?2, ?3)"#
    );
    assert_eq!(values(&sqlite), [3, 5, 8].map(Value::Integer));
    // PostgreSQL: one array parameter, the same text for any number of keys.
    for keys in [&keys[..], &keys[..1]] {
        let filter = ID.in_keys(keys);
        let postgres = select(&Postgres, base, &tail(Some(&filter), &[]));
        assert_eq!(
            postgres.text,
            r#"SELECT "id" FROM "users" WHERE "id" = ANY($1)"#
        );
        assert!(matches!(postgres.params.as_slice(), [Param::Keys(k)] if *k == keys));
    }
    let none = ID.in_keys(&[]);
    assert_eq!(
        select(&Postgres, base, &tail(Some(&none), &[])).text,
        r#"SELECT "id" FROM "users" WHERE 1 = 0"#
    );
    let through = selectin_through(&Postgres, POSTS, LIKES, &[], &keys);
    assert_eq!(
        through.text,
        r#"SELECT anon_2."user_id", anon_1."id", anon_1."user_id" FROM "posts" AS anon_1 JOIN "likes" AS anon_2 ON anon_2."post_id" = anon_1."id" WHERE anon_2."user_id" = ANY($1) ORDER BY anon_2."user_id", anon_1."id""#
    );
    assert_eq!(through.params.len(), 1);
}
