// `#[derive(Model)]` errors name the attribute and what it expects.
use litemodel::{Children, Model, Parent};

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "authors", colour = "blue")]
pub struct Author {
    #[litemodel(primary_key)]
    pub id: Option<i64>,
    #[litemodel(one_to_many, foreign_key = author_id, lazy = "sometimes")]
    pub posts: Children<Post>,
}

#[derive(Clone, PartialEq, Default, Model)]
pub struct Post {
    pub id: Option<i64>,
    #[litemodel(foreign_key)]
    pub author_id: Option<String>,
    #[litemodel(many_to_one)]
    pub author: Parent<Author>,
}

#[derive(Clone, PartialEq, Default, Model)]
#[litemodel(table = "notes")]
pub struct Note {
    #[litemodel(explicit_nulls)]
    pub nulls: Vec<String>,
    #[litemodel(primary_key)]
    pub id: Option<i64>,
}

fn main() {}
