// `lazy = "select"` loads the collection: it is a slice, not a query, so
// there is nothing to order (Flask-SQLAlchemy raises AttributeError here).
#[allow(dead_code)]
#[path = "../common/blog_models.rs"]
mod blog_models;

use blog_models::{Author, Post};

fn main() -> litemodel::Result<()> {
    let db = litemodel::Database::open_in_memory()?;
    let author = Author::new("ann");
    let _sorted = author.posts(&db)?.order_by(Post::TITLE.asc());
    Ok(())
}
