//! Hand-written models for `post_update` on a one-to-many (SQLAlchemy's
//! `Widget`/`Entry` example of rows that point to each other): `Widget.entries`
//! has `post_update`, so its backref `Entry.widget`, which writes the key, has it
//! too; `Widget.favorite_entry` is a plain many-to-one. `Entry.parent`, with
//! `post_update`, lets an entry point to itself. The DDL is what litemodel
//! generates for the two models of `codegen/tests/fixtures/ok/post_update.toml`,
//! with `entries.parent_id` added.

use litemodel::{Children, ForeignKeySchema, Model, Parent, PostgresSchema, Schema, TableSchema};

/// A row of `widgets`.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "widgets")]
pub struct Widget {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[litemodel(foreign_key)]
    pub favorite_entry_id: Option<i64>,
    #[litemodel(one_to_many, foreign_key = widget_id, backref = widget, post_update)]
    pub entries: Children<Entry>,
    #[litemodel(many_to_one, foreign_key = favorite_entry_id)]
    pub favorite_entry: Parent<Entry>,
}

/// A row of `entries`.
#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "entries")]
pub struct Entry {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    pub name: String,
    #[litemodel(foreign_key)]
    pub widget_id: Option<i64>,
    #[litemodel(foreign_key)]
    pub parent_id: Option<i64>,
    #[litemodel(many_to_one, foreign_key = widget_id, post_update)]
    pub widget: Parent<Widget>,
    #[litemodel(many_to_one, foreign_key = parent_id, post_update)]
    pub parent: Parent<Entry>,
}

/// Both tables; on PostgreSQL the foreign keys of the cycle come after them.
pub static SCHEMA: Schema = Schema {
    tables: &[
        TableSchema {
            name: "entries",
            create: "CREATE TABLE entries (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(50) NOT NULL, \n\twidget_id INTEGER, \n\tparent_id INTEGER, \n\tPRIMARY KEY (id), \n\tCONSTRAINT fk_entries_widget_id FOREIGN KEY(widget_id) REFERENCES widgets (id), \n\tFOREIGN KEY(parent_id) REFERENCES entries (id)\n)",
            indexes: &["CREATE INDEX ix_entries_widget_id ON entries (widget_id)"],
        },
        TableSchema {
            name: "widgets",
            create: "CREATE TABLE widgets (\n\tid INTEGER NOT NULL, \n\tname VARCHAR(50) NOT NULL, \n\tfavorite_entry_id INTEGER, \n\tPRIMARY KEY (id), \n\tCONSTRAINT fk_widgets_favorite_entry_id FOREIGN KEY(favorite_entry_id) REFERENCES entries (id)\n)",
            indexes: &[
                "CREATE INDEX ix_widgets_favorite_entry_id ON widgets (favorite_entry_id)",
            ],
        },
    ],
    postgres: PostgresSchema {
        types: &[],
        tables: &[
            TableSchema {
                name: "widgets",
                create: "CREATE TABLE widgets (\n\tid SERIAL NOT NULL, \n\tname VARCHAR(50) NOT NULL, \n\tfavorite_entry_id INTEGER, \n\tPRIMARY KEY (id)\n)",
                indexes: &[
                    "CREATE INDEX ix_widgets_favorite_entry_id ON widgets (favorite_entry_id)",
                ],
            },
            TableSchema {
                name: "entries",
                create: "CREATE TABLE entries (\n\tid SERIAL NOT NULL, \n\tname VARCHAR(50) NOT NULL, \n\twidget_id INTEGER, \n\tparent_id INTEGER, \n\tPRIMARY KEY (id), \n\tFOREIGN KEY(parent_id) REFERENCES entries (id)\n)",
                indexes: &["CREATE INDEX ix_entries_widget_id ON entries (widget_id)"],
            },
        ],
        foreign_keys: &[
            ForeignKeySchema {
                table: "widgets",
                add: "ALTER TABLE widgets ADD CONSTRAINT fk_widgets_favorite_entry_id FOREIGN KEY(favorite_entry_id) REFERENCES entries (id)",
                drop: Some(
                    "ALTER TABLE widgets DROP CONSTRAINT fk_widgets_favorite_entry_id",
                ),
            },
            ForeignKeySchema {
                table: "entries",
                add: "ALTER TABLE entries ADD CONSTRAINT fk_entries_widget_id FOREIGN KEY(widget_id) REFERENCES widgets (id)",
                drop: Some("ALTER TABLE entries DROP CONSTRAINT fk_entries_widget_id"),
            },
        ],
    },
};
