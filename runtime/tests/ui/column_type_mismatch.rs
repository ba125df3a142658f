// Columns are typed by their Rust field type: a username is text.
#[allow(dead_code)]
#[path = "../common/seed_models.rs"]
mod seed_models;

use seed_models::User;

fn main() {
    let _query = User::query().filter(User::USERNAME.eq(5));
}
