// A `one_to_many` with `post_update` needs it on its backref, the children's
// `many_to_one` that writes the key: checked when the crate compiles.
use litemodel::{Children, Model, Parent};

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "widgets")]
pub struct Widget {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(one_to_many, foreign_key = widget_id, backref = widget, post_update)]
    pub entries: Children<Entry>,
}

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "entries")]
pub struct Entry {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(foreign_key)]
    pub widget_id: Option<i64>,
    #[litemodel(many_to_one, foreign_key = widget_id)]
    pub widget: Parent<Widget>,
}

fn main() {}
