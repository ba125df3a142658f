// `post_update` fits a `many_to_one`, or a `one_to_many` that names the children's
// `many_to_one` with `backref`; not a `many_to_many`.
use litemodel::{Children, Model};

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "widgets")]
pub struct Widget {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(one_to_many, foreign_key = widget_id, post_update)]
    pub entries: Children<Entry>,
    #[litemodel(many_to_many, secondary = "widget_entries", local = "widget_id", remote = "entry_id", post_update)]
    pub pinned: Children<Entry>,
}

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "entries")]
pub struct Entry {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(foreign_key)]
    pub widget_id: Option<i64>,
}

fn main() {}
