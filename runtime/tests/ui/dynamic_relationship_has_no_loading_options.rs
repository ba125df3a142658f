// `lazy = "dynamic"` makes `role.users()` a query: nothing is loaded into the
// role, so there is no eager loading to ask for (SQLAlchemy raises "'Role.users'
// does not support object population - eager loading cannot be applied").
#[allow(dead_code)]
#[path = "../common/seed_models.rs"]
mod seed_models;

use seed_models::Role;

fn main() {
    let _roles = Role::query().options(Role::USERS.selectin());
}
