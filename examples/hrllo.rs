//! The seed application, in Rust. `hrllo` is the seed's own name for its
//! Flask module (`hrllo.py`, with `data.sqlite` beside it); this example runs
//! the seed's shell sessions against `examples/data.sqlite` and prints, line
//! for line, what the Python shell prints for them.
//!
//! Run it with `cargo run --example hrllo`. Each Python line is printed where
//! the Rust code below it does the same thing, and the output is held equal
//! to the real Flask-SQLAlchemy's, recorded in
//! `tests/sqlalchemy/seed_transcript.txt` (`tests/seed_transcript.rs`).
//!
//! - (1)-(5): the models of the top-level `models.toml`, where `Role.users`
//!   is `lazy = "dynamic"`: a query, still open to `order_by`.
//! - (6)/(7): `examples/seed_select.toml`, the same models with the default
//!   `lazy = "select"`: the loaded list. Where Python raises `AttributeError`
//!   on its `order_by`, Rust does not compile; the example prints the
//!   compiler's message that the compile-fail test holds.
//! - Then, beyond the seed and marked so, the book's own session (the Admin,
//!   Moderator and User roles; john, susan and david).
//!
//! `build.rs` generates both models from their specs; `is_administrator()` is
//! the application's own code, in `src/app.rs`.

use std::error::Error;
use std::path::Path;

use litemodel::Database;

/// What rustc says to `order_by` on a loaded list, as the compile-fail test
/// holds it (its case orders a blog author's posts, `author.posts(&db)?`).
const ORDER_BY_ON_A_LOADED_LIST: &str =
    include_str!("../runtime/tests/ui/select_relationship_has_no_order_by.stderr");

fn main() {
    if let Err(error) = run() {
        eprintln!("error: {error}");
        std::process::exit(1);
    }
}

fn run() -> Result<(), Box<dyn Error>> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/data.sqlite");
    dynamic_steps(&path)?;
    select_steps(&path)?;
    beyond_the_seed(&path)?;
    Ok(())
}

/// (1)-(5): `users = db.relationship('User', backref='role', lazy='dynamic')`.
fn dynamic_steps(path: &Path) -> Result<(), Box<dyn Error>> {
    use litemodel_workspace::models::{Role, User, SCHEMA};

    println!("# (1)-(5) hrllo, users with lazy='dynamic': flask shell on a new data.sqlite");
    shell("from hrllo import db, Role, User");
    let mut db = new_database(path)?;
    shell("db.create_all()");
    db.create_all(&SCHEMA)?;

    // SQLALCHEMY_COMMIT_ON_TEARDOWN = True: what is left uncommitted when the
    // session ends (with the shell's app context) is committed, not rolled
    // back. `db.transaction(|session| ...)` is the scoped form.
    let mut session = db.session().commit_on_drop();
    shell("obs_role = Role(name='Observer')");
    // Added at once: the users link to it by its session key, before it has an id.
    let obs_role = session.add(Role::new("Observer"));
    shell("user_fred = User(username='fred', role=obs_role)");
    let user_fred = User::new("fred").with_role(obs_role);
    shell("user_steve = User(username='steve', role=obs_role)");
    let user_steve = User::new("steve").with_role(obs_role);
    shell("db.session.add_all([obs_role, user_fred, user_steve])");
    session.add_all([user_fred, user_steve]);
    shell("db.session.commit()");
    // Inserts the role first, then the users with its id as their role_id.
    session.commit()?;

    shell("obs_role.users.order_by(User.username).all()");
    let users = session[obs_role]
        .users()
        .order_by(User::USERNAME.asc())
        .all(&session)?;
    println!("{users:?}");
    Ok(())
}

/// (6)/(7): `users = db.relationship('User', backref='role')`, the default
/// `lazy='select'`.
fn select_steps(path: &Path) -> Result<(), Box<dyn Error>> {
    use litemodel_workspace::seed_select::{Role, User, SCHEMA};

    println!(
        "# (6)/(7) hrllo, users with the default lazy='select': flask shell on a new data.sqlite"
    );
    shell("from hrllo import db, Role, User");
    let mut db = new_database(path)?;
    shell("db.create_all()");
    db.create_all(&SCHEMA)?;

    let mut session = db.session().commit_on_drop();
    shell("obs_role = Role(name='Observer')");
    let obs_role = session.add(Role::new("Observer"));
    shell("user_fred = User(username='fred', role=obs_role)");
    let user_fred = User::new("fred").with_role(obs_role);
    shell("user_steve = User(username='steve', role=obs_role)");
    let user_steve = User::new("steve").with_role(obs_role);
    shell("db.session.add_all([obs_role, user_fred, user_steve])");
    session.add_all([user_fred, user_steve]);
    shell("db.session.commit()");
    session.commit()?;

    shell("obs_role.users");
    // The loaded list, a `&[User]`: one SELECT on first access, then cached.
    println!("{:?}", session[obs_role].users(&session)?);

    shell("obs_role.users.order_by(User.username).all()");
    // `session[obs_role].users(&session)?.order_by(User::USERNAME.asc())`
    // does not compile: a slice has no `order_by`.
    println!(
        "In Rust this line does not compile \
         (runtime/tests/ui/select_relationship_has_no_order_by.stderr):"
    );
    println!("{}", ORDER_BY_ON_A_LOADED_LIST.trim_end());
    Ok(())
}

/// Beyond the seed: the book's own shell session, on the dynamic models.
fn beyond_the_seed(path: &Path) -> Result<(), Box<dyn Error>> {
    use litemodel_workspace::models::{Role, User, SCHEMA};

    println!(
        "# Beyond the seed: the book's session (Admin, Moderator, User; john, susan, david), \
         lazy='dynamic', on a new data.sqlite"
    );
    shell("from hrllo import db, Role, User");
    let mut db = new_database(path)?;
    shell("db.create_all()");
    db.create_all(&SCHEMA)?;

    // The scoped form of SQLALCHEMY_COMMIT_ON_TEARDOWN: commits what is left
    // when the closure returns Ok, rolls back when it returns Err.
    db.transaction(|session| -> litemodel::Result<()> {
        shell("admin_role = Role(name='Admin')");
        let admin_role = session.add(Role::new("Admin"));
        shell("mod_role = Role(name='Moderator')");
        let mod_role = session.add(Role::new("Moderator"));
        shell("user_role = Role(name='User')");
        let user_role = session.add(Role::new("User"));
        shell("user_john = User(username='john', role=admin_role)");
        let user_john = User::new("john").with_role(admin_role);
        shell("user_susan = User(username='susan', role=user_role)");
        let user_susan = User::new("susan").with_role(user_role);
        shell("user_david = User(username='david', role=user_role)");
        let user_david = User::new("david").with_role(user_role);
        shell("print(admin_role.id)");
        println!("{}", show_id(session[admin_role].id));
        shell("db.session.add_all([admin_role, mod_role, user_role, user_john, user_susan, user_david])");
        // The roles are in already, added where they were made.
        let user_john = session.add_all([user_john, user_susan, user_david])[0];
        shell("db.session.commit()");
        session.commit()?;
        shell("print(admin_role.id)");
        println!("{}", show_id(session[admin_role].id));
        shell("print(user_john.role_id)");
        println!("{}", show_id(session[user_john].role_id));

        shell("admin_role.name = 'Administrator'");
        session[admin_role].name = Some("Administrator".into());
        shell("db.session.delete(mod_role)");
        session.delete(mod_role)?;
        shell("db.session.commit()");
        session.commit()?;

        shell("Role.query.all()");
        println!("{:?}", Role::query().all(session)?);
        shell("User.query.filter_by(role=user_role).all()");
        let users = User::query()
            .filter_by(User::ROLE, &session[user_role])
            .all(session)?;
        println!("{users:?}");
        shell("user_role.users.order_by(User.username).all()");
        let users = session[user_role]
            .users()
            .order_by(User::USERNAME.asc())
            .all(session)?;
        println!("{users:?}");
        shell("user_role.users.count()");
        println!("{}", session[user_role].users().count(session)?);
        // The application's own method (src/app.rs), not generated.
        shell("user_john.is_administrator()");
        let is_administrator = session[user_john].is_administrator(session)?;
        println!("{}", python_bool(is_administrator));
        Ok(())
    })?;
    Ok(())
}

/// Each session starts from a new file, as the seed's do.
fn new_database(path: &Path) -> Result<Database, Box<dyn Error>> {
    for suffix in ["", "-wal", "-shm"] {
        let mut file = path.as_os_str().to_owned();
        file.push(suffix);
        match std::fs::remove_file(&file) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e.into()),
            _ => {}
        }
    }
    Ok(Database::open(path)?)
}

fn shell(line: &str) {
    println!(">>> {line}");
}

fn show_id(id: Option<i64>) -> String {
    id.map_or_else(|| "None".to_owned(), |id| id.to_string())
}

fn python_bool(value: bool) -> &'static str {
    if value {
        "True"
    } else {
        "False"
    }
}
