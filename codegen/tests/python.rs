//! The Flask-SQLAlchemy module (`litemodel generate --lang python`) of every
//! valid fixture and of the top-level models.toml, held as snapshots. What
//! SQLAlchemy makes of them is checked in `codegen/cli/tests/python_models.rs`.

mod common;

use std::fs;
use std::path::PathBuf;

use common::workspace_root;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// (snapshot name, spec path) of every spec that must validate: the list of
/// `ddl.rs`, and the spec of the Python emitter's edge cases.
fn valid_specs() -> Result<Vec<(String, PathBuf)>, std::io::Error> {
    let root = workspace_root();
    let mut specs = vec![
        ("models".to_owned(), root.join("models.toml")),
        (
            "python_edge_cases".to_owned(),
            root.join("tests/sqlalchemy/python_edge_cases.toml"),
        ),
    ];
    for dir in [
        root.join("tests/fixtures/ok"),
        root.join("codegen/tests/fixtures/ok"),
        root.join("runtime/tests/common"),
        root.join("runtime/tests/types_common"),
    ] {
        let mut files: Vec<PathBuf> = fs::read_dir(&dir)?
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        files.sort();
        for file in files {
            let stem = file
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            specs.push((stem, file));
        }
    }
    Ok(specs)
}

fn python_of(path: &PathBuf) -> Result<String, String> {
    let source = fs::read_to_string(path).map_err(|e| e.to_string())?;
    let checked = litemodel_codegen::check(&path.display().to_string(), &source)
        .map_err(|d| d.render(false))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    Ok(litemodel_codegen::python(&checked.schema, &file_name))
}

#[test]
fn python_snapshots() -> TestResult {
    let specs = valid_specs()?;
    assert!(specs.len() >= 8, "the fixtures were found");
    for (name, path) in specs {
        insta::assert_snapshot!(format!("python_{name}"), python_of(&path)?);
    }
    Ok(())
}

#[test]
fn python_is_deterministic() -> TestResult {
    let path = workspace_root().join("models.toml");
    assert_eq!(python_of(&path)?, python_of(&path)?);
    Ok(())
}

/// What a reader of the generated module sees for the showcase's relationships:
/// the spec's options, in SQLAlchemy's words.
#[test]
fn showcase_relationships_read_like_flask_sqlalchemy() -> TestResult {
    let python = python_of(&workspace_root().join("models.toml"))?;
    for line in [
        "    users = db.relationship('User', backref='role', lazy='dynamic')",
        "    posts = db.relationship('Post', backref='author', order_by='Post.timestamp.desc()', doc=\"The user's posts, newest first.\")",
        "    followed = db.relationship('Follow', foreign_keys='[Follow.follower_id]', backref=db.backref('follower', lazy='joined'), lazy='dynamic', cascade='all, delete-orphan')",
        "    profile = db.relationship('Profile', backref='user', uselist=False, lazy='noload')",
        "    comments = db.relationship('Comment', lazy='write_only', overlaps='author')",
        "    tags = db.relationship('Tag', secondary='post_tags', backref='posts', lazy='selectin', order_by='Tag.name')",
        "    replies = db.relationship('Comment', backref=db.backref('parent', remote_side='[Comment.id]'), lazy='raise')",
        "    views = db.Column(db.Integer, nullable=False, default=0, server_default=db.text('0'))",
        "    public_id = db.Column(db.Uuid, nullable=False, unique=True, default=uuid.uuid4)",
        "        return f'<Post {self.title!r}>'",
    ] {
        assert!(python.contains(line), "missing:\n{line}\nin:\n{python}");
    }
    Ok(())
}
