//! Every relationship kind and loading strategy of the generated library models, on
//! real SQLite files, with the statement counts that are part of the contract.

#[macro_use]
mod common;

use common::library_models::{
    Author, Book, Category, Chapter, Follow, Note, Passport, Person, Tag, User,
};
use common::{library_db, Engine, TestResult};
use litemodel::{Database, Error};

/// `Author::query()` without the eager loading that `books_selectin` and
/// `books_joined` declare.
fn authors() -> litemodel::Query<Author> {
    Author::query()
        .options(Author::BOOKS_SELECTIN.lazyload())
        .options(Author::BOOKS_JOINED.lazyload())
}

/// `authors` authors with `books` books each.
fn authors_with_books(db: &mut Database, authors: usize, books: usize) -> TestResult {
    db.transaction(|s| {
        for a in 0..authors {
            let author = s.add(Author::new(format!("author {a:03}")));
            for b in 0..books {
                s.add(Book::new(format!("book {a:03}-{b:02}")).with_author(author));
            }
        }
        Ok::<_, Error>(())
    })?;
    Ok(())
}

fn select_runs_one_statement_per_parent(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let counter = db.statement_counter();
    let total = counter.assert_statements(101, || -> litemodel::Result<usize> {
        let authors = authors().all(&db)?;
        let mut total = 0;
        for author in &authors {
            total += author.books(&db)?.len();
        }
        Ok(total)
    })?;
    assert_eq!(total, 1000);
    Ok(())
}

fn selectin_runs_two_statements(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let counter = db.statement_counter();
    // The declared `lazy = "selectin"`: Author::query() loads it (and, in the same
    // statement as the authors, the `joined` relationship).
    let total = counter.assert_statements(2, || -> litemodel::Result<usize> {
        let authors = Author::query().all(&db)?;
        let mut total = 0;
        for author in &authors {
            total += author.books_selectin(&db)?.len();
        }
        Ok(total)
    })?;
    assert_eq!(total, 1000);
    // A per-query option does the same for a `select` relationship.
    let titles = counter.assert_statements(2, || -> litemodel::Result<Vec<String>> {
        let authors = authors()
            .options(Author::BOOKS.selectin())
            .filter(Author::NAME.eq("author 007"))
            .all(&db)?;
        Ok(authors[0]
            .books(&db)?
            .iter()
            .map(|b| b.title.clone())
            .collect())
    })?;
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "book 007-00", "in the declared order_by");
    Ok(())
}

fn selectin_chunks_large_parent_sets(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 1200, 1)?;
    let counter = db.statement_counter();
    // 1,200 parents in chunks of 500: three IN-queries.
    let authors = counter.assert_statements(4, || Author::query().all(&db))?;
    let books: usize = authors
        .iter()
        .map(|a| a.books_selectin(&db).map(<[Book]>::len))
        .sum::<litemodel::Result<usize>>()?;
    assert_eq!(books, 1200);
    Ok(())
}

fn joined_runs_one_statement_even_with_limit(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let counter = db.statement_counter();
    // The declared `lazy = "joined"` and the selectin one: remove the latter.
    let total = counter.assert_statements(1, || -> litemodel::Result<usize> {
        let authors = Author::query()
            .options(Author::BOOKS_SELECTIN.lazyload())
            .all(&db)?;
        let mut total = 0;
        for author in &authors {
            total += author.books_joined(&db)?.len();
        }
        assert_eq!(authors.len(), 100);
        Ok(total)
    })?;
    assert_eq!(total, 1000);
    // LIMIT counts parents, not joined rows.
    let page = counter.assert_statements(1, || {
        Author::query()
            .options(Author::BOOKS_SELECTIN.lazyload())
            .order_by(Author::NAME.desc())
            .limit(3)
            .all(&db)
    })?;
    let names: Vec<&str> = page.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["author 099", "author 098", "author 097"]);
    let titles: Vec<&str> = page[0]
        .books_joined(&db)?
        .iter()
        .map(|b| b.title.as_str())
        .collect();
    assert_eq!(titles.len(), 10);
    assert_eq!(titles[0], "book 099-00");
    Ok(())
}

fn dynamic_runs_one_statement_per_query(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let author = Author::query()
        .options(Author::BOOKS_SELECTIN.lazyload())
        .options(Author::BOOKS_JOINED.lazyload())
        .filter(Author::NAME.eq("author 042"))
        .one(&db)?;
    let counter = db.statement_counter();
    let count = counter.assert_statements(1, || author.books_dynamic().count(&db))?;
    assert_eq!(count, 10);
    let last = counter.assert_statements(1, || {
        author
            .books_write_only()
            .order_by(Book::TITLE.desc())
            .limit(1)
            .one(&db)
    })?;
    assert_eq!(last.title, "book 042-09");
    // As in SQLAlchemy, `order_by` on a dynamic relationship adds to its declared
    // `order_by` (title) rather than replacing it.
    let first = author
        .books_dynamic()
        .order_by(Book::ID.desc())
        .limit(1)
        .one(&db)?;
    assert_eq!(first.title, "book 042-00");
    // write_only: never an implicit load, only the explicit query.
    let written = counter.assert_statements(1, || author.books_write_only().count(&db))?;
    assert_eq!(written, 10);
    Ok(())
}

fn noload_never_loads(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let counter = db.statement_counter();
    let empty = counter.assert_statements(1, || -> litemodel::Result<usize> {
        let authors = Author::query()
            .options(Author::BOOKS_SELECTIN.noload())
            .options(Author::BOOKS_JOINED.noload())
            .all(&db)?;
        let mut total = 0;
        for author in &authors {
            total += author.books_noload(&db)?.len();
        }
        Ok(total)
    })?;
    assert_eq!(empty, 0);
    Ok(())
}

fn raise_runs_one_statement_and_errors_on_access(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    authors_with_books(&mut db, 100, 10)?;
    let counter = db.statement_counter();
    let authors = counter.assert_statements(1, || {
        Author::query()
            .options(Author::BOOKS_SELECTIN.noload())
            .options(Author::BOOKS_JOINED.noload())
            .all(&db)
    })?;
    let error = counter.assert_statements(0, || authors[0].books_raise(&db).err());
    let message = error
        .ok_or("reading a raise relationship must fail")?
        .to_string();
    assert!(message.contains("books_raise"), "{message}");
    assert!(
        message.contains("Author::BOOKS_RAISE.selectin()"),
        "{message}"
    );
    // Loaded by the query, it reads fine.
    let author = Author::query()
        .options(Author::BOOKS_RAISE.selectin())
        .filter(Author::NAME.eq("author 001"))
        .one(&db)?;
    assert_eq!(author.books_raise(&db)?.len(), 10);
    // raiseload on a `select` relationship.
    let author = Author::query()
        .options(Author::BOOKS.raiseload())
        .filter(Author::NAME.eq("author 001"))
        .one(&db)?;
    assert!(matches!(author.books(&db), Err(Error::RaiseLoad { .. })));
    Ok(())
}

fn eager_loading_chains_through_levels(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    db.transaction(|s| {
        for a in 0..5 {
            let author = s.add(Author::new(format!("a{a}")));
            for b in 0..4 {
                let book = s.add(Book::new(format!("b{a}{b}")).with_author(author));
                for c in 0..3 {
                    s.add(Chapter::new(c).with_book(book));
                }
            }
        }
        Ok::<_, Error>(())
    })?;
    let counter = db.statement_counter();
    // authors → books (selectin) → chapters (selectin): three statements in all.
    let chapters = counter.assert_statements(3, || -> litemodel::Result<usize> {
        let authors = Author::query()
            .options(Author::BOOKS_SELECTIN.noload())
            .options(Author::BOOKS_JOINED.noload())
            .options(Author::BOOKS.selectin().then(Book::CHAPTERS.selectin()))
            .all(&db)?;
        let mut chapters = 0;
        for author in &authors {
            for book in author.books(&db)? {
                chapters += book.chapters(&db)?.len();
            }
        }
        Ok(chapters)
    })?;
    assert_eq!(chapters, 60);
    // joined then selectin: one statement for authors and books, one for chapters.
    let chapters = counter.assert_statements(2, || -> litemodel::Result<usize> {
        let authors = Author::query()
            .options(Author::BOOKS_SELECTIN.noload())
            .options(
                Author::BOOKS_JOINED
                    .joined()
                    .then(Book::CHAPTERS.selectin()),
            )
            .all(&db)?;
        let mut chapters = 0;
        for author in &authors {
            for book in author.books_joined(&db)? {
                chapters += book.chapters(&db)?.len();
            }
        }
        Ok(chapters)
    })?;
    assert_eq!(chapters, 60);
    // many-to-one, joined and selectin.
    let names = counter.assert_statements(1, || -> litemodel::Result<Vec<String>> {
        let books = Book::query()
            .options(Book::AUTHOR.joined())
            .limit(4)
            .all(&db)?;
        books
            .iter()
            .map(|b| Ok(b.author(&db)?.map(|a| a.name.clone()).unwrap_or_default()))
            .collect()
    })?;
    assert_eq!(names, ["a0", "a0", "a0", "a0"]);
    counter.assert_statements(2, || -> litemodel::Result<()> {
        let books = Book::query().options(Book::AUTHOR.selectin()).all(&db)?;
        for book in &books {
            assert!(book.author(&db)?.is_some());
        }
        Ok(())
    })?;
    Ok(())
}

fn many_to_many_links_loads_and_queries(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let author = s.add(Author::new("ann"));
    let rust = s.add(Book::new("Rust").with_author(author));
    let sql = s.add(Book::new("SQL").with_author(author));
    let [fast, safe] = [s.add(Tag::new("fast")), s.add(Tag::new("safe"))];
    s.commit()?;
    s[rust].link_tags(&s, &s[fast])?;
    s[rust].link_tags(&s, &s[safe])?;
    s[rust].link_tags(&s, &s[safe])?; // twice is once
    s[sql].link_tags(&s, &s[safe])?;
    s.commit()?;

    let book = Book::query().filter(Book::TITLE.eq("Rust")).one(&s)?;
    let tags: Vec<&str> = book.tags(&s)?.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["fast", "safe"]);
    let tag = Tag::query().filter(Tag::NAME.eq("safe")).one(&s)?;
    assert_eq!(tag.books(&s)?.len(), 2, "the backref side");
    // selectin and joined over the association table.
    let counter = s.database().statement_counter();
    counter.assert_statements(2, || -> litemodel::Result<()> {
        let books = Book::query()
            .options(Book::TAGS.selectin())
            .order_by(Book::TITLE.asc())
            .all(&s)?;
        assert_eq!(books[0].tags(&s)?.len(), 2);
        assert_eq!(books[1].tags(&s)?.len(), 1);
        Ok(())
    })?;
    counter.assert_statements(1, || -> litemodel::Result<()> {
        let books = Book::query()
            .options(Book::TAGS.joined())
            .order_by(Book::TITLE.asc())
            .all(&s)?;
        assert_eq!(books[0].tags(&s)?.len(), 2);
        assert_eq!(books[1].tags(&s)?.len(), 1);
        Ok(())
    })?;
    // Books with a tag named "fast" (SQLAlchemy's Book.tags.any(...)).
    let fast_books = Book::query()
        .filter(Book::TAGS.any(Tag::NAME.eq("fast")))
        .all(&s)?;
    assert_eq!(format!("{fast_books:?}"), "[<Book 'Rust'>]");

    s[rust].unlink_tags(&s, &s[fast])?;
    s.commit()?;
    let book = Book::query().filter(Book::TITLE.eq("Rust")).one(&s)?;
    assert_eq!(book.tags(&s)?.len(), 1);
    // Deleting a book deletes its association rows, not the tags.
    s.delete(&book)?;
    s.commit()?;
    let links = common::query_i64(s.database(), "SELECT count(*) FROM book_tags")?;
    assert_eq!(links, 1);
    assert_eq!(Tag::query().count(&s)?, 2);
    Ok(())
}

fn self_referential_tree(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let root = s.add(Category::new("root"));
    let science = s.add(Category::new("science").with_parent(root));
    s.add(Category::new("physics").with_parent(science));
    s.add(Category::new("arts").with_parent(root));
    s.commit()?;
    let root = Category::query()
        .filter(Category::PARENT_ID.is_null())
        .one(&s)?;
    let children: Vec<&str> = root.children(&s)?.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(children, ["arts", "science"]);
    let physics = Category::query()
        .filter(Category::NAME.eq("physics"))
        .one(&s)?;
    let parent = physics.parent(&s)?.ok_or("physics has a parent")?;
    assert_eq!(parent.name, "science");
    let grandparent = parent.parent(&s)?.ok_or("science has a parent")?;
    assert_eq!(grandparent.name, "root");
    // `delete` cascade down the tree.
    s.delete(&root)?;
    s.commit()?;
    assert_eq!(Category::query().count(&s)?, 0);
    Ok(())
}

fn one_to_one_is_an_option(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let ann = s.add(Person::new("ann"));
    s.add(Person::new("bob"));
    s.add(Passport::new("X123").with_holder(ann));
    s.commit()?;
    let people = Person::query().order_by(Person::NAME.asc()).all(&s)?;
    assert_eq!(
        people[0].passport(&s)?.map(|p| p.number.as_str()),
        Some("X123")
    );
    assert!(people[1].passport(&s)?.is_none());
    let passport = Passport::query().one(&s)?;
    assert_eq!(passport.holder(&s)?.map(|p| p.name.as_str()), Some("ann"));
    Ok(())
}

/// The session identifies a composite-key row by SQLite's rowid, or on
/// PostgreSQL by its packed key columns (more in `composite_keys.rs`).
fn association_object_and_joins_along_relationships(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let [ann, bob, cat, dan] = ["ann", "bob", "cat", "dan"].map(|name| s.add(User::new(name)));
    // A follow is an object of its own: composite primary key and a column.
    s.add(
        Follow {
            since: 2024,
            ..Follow::default()
        }
        .with_follower(ann)
        .with_followed(bob),
    );
    s.add(
        Follow {
            since: 2025,
            ..Follow::default()
        }
        .with_follower(ann)
        .with_followed(cat),
    );
    s.add(Follow::default().with_follower(bob).with_followed(dan));
    for (user, body) in [
        (bob, "bob 1"),
        (bob, "bob 2"),
        (cat, "cat 1"),
        (dan, "dan 1"),
        (ann, "ann 1"),
    ] {
        s.add(Note::new(body).with_user(user));
    }
    s.commit()?;

    let ann_user = User::query().filter(User::NAME.eq("ann")).one(&s)?;
    assert_eq!(ann_user.following().count(&s)?, 2);
    let since: Vec<i32> = ann_user
        .following()
        .order_by(Follow::SINCE.asc())
        .all(&s)?
        .iter()
        .map(|f| f.since)
        .collect();
    assert_eq!(since, [2024, 2025]);
    let bob_user = User::query().filter(User::NAME.eq("bob")).one(&s)?;
    assert_eq!(bob_user.followers().count(&s)?, 1);

    // "Notes by the users ann follows", along relationships, without SQL:
    // Note.user.has(User.followers.any(Follow.follower_id == ann.id)).
    let followed_notes = Note::query()
        .filter(
            Note::USER
                .has(User::FOLLOWERS.any(Follow::FOLLOWER_ID.eq(ann_user.id.unwrap_or_default()))),
        )
        .order_by(Note::BODY.asc())
        .all(&s)?;
    assert_eq!(
        format!("{followed_notes:?}"),
        "[<Note 'bob 1'>, <Note 'bob 2'>, <Note 'cat 1'>]"
    );

    // `get` takes the composite primary key as a tuple.
    let (ann_id, bob_id) = (
        ann_user.id.unwrap_or_default(),
        bob_user.id.unwrap_or_default(),
    );
    let follow = Follow::get(&s, (ann_id, bob_id))?.ok_or("ann follows bob")?;
    assert_eq!(follow.since, 2024);
    assert!(Follow::get(&s, (bob_id, ann_id))?.is_none());
    assert_eq!(
        User::get(&s, ann_id)?.map(|u| u.name),
        Some("ann".to_owned())
    );

    // An association object updates and deletes by its identity.
    let mut follow = ann_user
        .following()
        .order_by(Follow::SINCE.asc())
        .first(&s)?
        .ok_or("a follow")?;
    follow.since = 2020;
    s.add(follow.clone());
    s.commit()?;
    assert_eq!(Follow::query().filter(Follow::SINCE.eq(2020)).count(&s)?, 1);
    s.delete(&follow)?;
    s.commit()?;
    assert_eq!(Follow::query().count(&s)?, 2);
    let _ = dan;
    Ok(())
}

fn save_update_cascade_adds_appended_children(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let mut author = Author::new("ann");
    author.books.append(Book::new("first"));
    author.books.append(Book::new("second"));
    let key = s.add(author);
    s.commit()?;
    let books = Book::query()
        .filter(Book::AUTHOR_ID.eq(s[key].id.unwrap_or_default()))
        .count(&s)?;
    assert_eq!(books, 2, "adding the author added its new books");
    // Appending to an author already in the session: added at the next flush.
    s[key].books.append(Book::new("third"));
    s.commit()?;
    assert_eq!(Book::query().count(&s)?, 3);
    Ok(())
}

fn delete_cascade_and_delete_orphan(engine: Engine) -> TestResult {
    let (_dir, mut db) = library_db(engine)?;
    db.transaction(|s| {
        let ann = s.add(Author::new("ann"));
        for title in ["a", "b", "c"] {
            let book = s.add(Book::new(title).with_author(ann));
            s.add(Chapter::new(1).with_book(book));
        }
        let bob = s.add(Author::new("bob"));
        s.add(Book::new("kept").with_author(bob));
        Ok::<_, Error>(())
    })?;
    let mut s = db.session();
    // delete-orphan: removing a book from its author's collection deletes it.
    let mut ann = Author::query().filter(Author::NAME.eq("ann")).one(&s)?;
    ann.books(&s)?;
    assert_eq!(ann.books.remove(|b| b.title == "a"), 1);
    s.add(ann.clone());
    s.commit()?;
    assert_eq!(Book::query().filter(Book::TITLE.eq("a")).count(&s)?, 0);
    // The database removed its chapter (ON DELETE CASCADE, passive_deletes).
    assert_eq!(Chapter::query().count(&s)?, 2);

    // delete: deleting the author deletes its books; passive_deletes leaves their
    // chapters to the database's ON DELETE CASCADE.
    s.delete(&ann)?;
    s.commit()?;
    let titles: Vec<String> = Book::query()
        .all(&s)?
        .into_iter()
        .map(|b| b.title)
        .collect();
    assert_eq!(titles, ["kept"]);
    assert_eq!(Chapter::query().count(&s)?, 0);
    assert_eq!(Author::query().count(&s)?, 1);
    Ok(())
}

fn back_populates_pairs_both_sides(engine: Engine) -> TestResult {
    use common::library_models::{Shelf, Volume};
    let (_dir, mut db) = library_db(engine)?;
    let mut s = db.session();
    let shelf = s.add(Shelf::new("A"));
    for number in 1..=3 {
        s.add(Volume::new(number).with_shelf(shelf));
    }
    s.commit()?;
    let shelf = Shelf::query().one(&s)?;
    let numbers: Vec<i32> = shelf.volumes(&s)?.iter().map(|v| v.number).collect();
    assert_eq!(numbers, [3, 2, 1], "order_by = \"-number\"");
    // Volume.shelf is `lazy = "joined"`: loaded with the volumes, one statement.
    let counter = s.database().statement_counter();
    let labels = counter.assert_statements(1, || -> litemodel::Result<Vec<String>> {
        Volume::query()
            .all(&s)?
            .iter()
            .map(|v| {
                Ok(v.shelf(&s)?
                    .map(|shelf| shelf.label.clone())
                    .unwrap_or_default())
            })
            .collect()
    })?;
    assert_eq!(labels, ["A", "A", "A"]);
    Ok(())
}

engines!(
    select_runs_one_statement_per_parent,
    selectin_runs_two_statements,
    selectin_chunks_large_parent_sets,
    joined_runs_one_statement_even_with_limit,
    dynamic_runs_one_statement_per_query,
    noload_never_loads,
    raise_runs_one_statement_and_errors_on_access,
    eager_loading_chains_through_levels,
    many_to_many_links_loads_and_queries,
    self_referential_tree,
    one_to_one_is_an_option,
    save_update_cascade_adds_appended_children,
    delete_cascade_and_delete_orphan,
    back_populates_pairs_both_sides,
    association_object_and_joins_along_relationships,
);
