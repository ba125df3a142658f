//! The session's per-model machinery in a derive's expansion: `snapshot` (the
//! columns a change is compared against) and `cascade` / `before_delete` (what
//! a flush does for related objects). Split from `expand.rs`, which writes the
//! rest of the model's items.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::Ident;

use crate::attr::{bare, Kind, ModelDef, RelationshipDef};
use crate::expand::const_ident;

impl ModelDef {
    /// `snapshot`: the columns cloned, the relationship holders left empty (a
    /// loaded collection is not copied when the object is first changed).
    /// Models without relationship fields keep the default, a clone. With it,
    /// `absorb_loaded`: the holders a query loaded on a row the session holds.
    pub(crate) fn snapshot(&self, columns: &[&Ident]) -> Option<TokenStream> {
        let holders: Vec<&Ident> = self
            .relationships
            .iter()
            .filter(|rel| rel.has_field)
            .map(|rel| &rel.name)
            .collect();
        if holders.is_empty() {
            return None;
        }
        let name = &self.ident;
        Some(quote! {
            fn snapshot(&self) -> Self {
                #name {
                    #(#columns: ::core::clone::Clone::clone(&self.#columns),)*
                    #(#holders: ::core::default::Default::default(),)*
                }
            }

            fn absorb_loaded(&mut self, row: Self) {
                #(self.#holders.absorb(row.#holders);)*
            }
        })
    }

    /// `Model::cascade` and `Model::before_delete` for models with collections,
    /// and the save-update cascade of new parents for models with many-to-one
    /// attributes.
    pub(crate) fn cascade_methods(&self) -> Option<TokenStream> {
        let name = &self.ident;
        let collections: Vec<&RelationshipDef> = self
            .relationships
            .iter()
            .filter(|rel| rel.kind != Kind::ManyToOne)
            .collect();
        // Many-to-one attributes with a holder: a new parent set on one is
        // added by the save-update cascade.
        let parents: Vec<&Ident> = self
            .relationships
            .iter()
            .filter(|rel| rel.kind == Kind::ManyToOne && rel.foreign_key.is_some())
            .map(|rel| &rel.name)
            .collect();
        if collections.is_empty() && parents.is_empty() {
            return None;
        }
        // At each flush: appended objects join the session linked to this one;
        // removed ones are deleted (delete-orphan) or unlinked.
        let mut takes = Vec::new();
        let mut handles = Vec::new();
        for rel in collections.iter().filter(|rel| rel.has_field) {
            let field = &rel.name;
            let konst = const_ident(&rel.name);
            if rel.kind == Kind::ManyToMany {
                // Association rows written by the flush, once both sides
                // have ids.
                let changes = format_ident!("{}_changes", bare(&rel.name));
                takes.push(quote! {
                    let #changes = object.#field.take_cascade();
                });
                handles.push(quote! {
                    if let ::core::option::Option::Some(changes) = #changes {
                        changes.apply_links(session, key, #name::#konst);
                    }
                });
                continue;
            }
            let changes = format_ident!("{}_changes", bare(&rel.name));
            takes.push(quote! {
                let #changes = object.#field.take_cascade();
            });
            let (link, unlink) = match (&rel.backref, &rel.foreign_key) {
                (Some(back), _) => {
                    let set = format_ident!("set_{}", bare(back));
                    (
                        quote!(|_, child| child.#set(key)),
                        quote!(|child| child.#set(::litemodel::Link::None)),
                    )
                }
                (None, Some(fk)) => (
                    quote!(|session, child| {
                        child.#fk = session.get(key).and_then(::litemodel::Model::primary_key);
                    }),
                    quote!(|child| child.#fk = ::core::option::Option::None),
                ),
                (None, None) => (quote!(|_, _| {}), quote!(|_| {})),
            };
            let delete_orphans = rel.delete_orphan;
            handles.push(quote! {
                if let ::core::option::Option::Some(changes) = #changes {
                    changes.apply(session, #delete_orphans, #link, #unlink)?;
                }
            });
        }
        let deletes = collections.iter().filter_map(|rel| {
            let konst = const_ident(&rel.name);
            match rel.kind {
                Kind::OneToMany if rel.passive_deletes => None,
                Kind::OneToMany if rel.delete => Some(quote!(#name::#konst.delete_all(db, self)?;)),
                Kind::OneToMany => Some(quote!(#name::#konst.detach_all(db, self)?;)),
                Kind::ManyToMany => Some(quote!(#name::#konst.unlink_all(db, self)?;)),
                Kind::ManyToOne => None,
            }
        });
        for field in &parents {
            let adopt = format_ident!("{}_new", bare(field));
            takes.push(quote! {
                let #adopt = object.#field.take_unsaved();
            });
            handles.push(quote! {
                if let ::core::option::Option::Some(parent) = #adopt {
                    let parent = parent.add_to(session);
                    if let ::core::option::Option::Some(object) = session.get_mut(key) {
                        object.#field.adopt(parent);
                    }
                }
            });
        }
        let parent_cascades = (!parents.is_empty()).then(|| {
            quote! {
                const PARENT_CASCADES: bool = true;

                fn has_unsaved_parents(&self) -> bool {
                    #(self.#parents.has_unsaved())||*
                }
            }
        });
        let cascade = (!takes.is_empty()).then(|| {
            quote! {
                fn cascade(key: ::litemodel::Key<Self>, session: &mut ::litemodel::Session<'_>) -> ::litemodel::Result<()> {
                    let ::core::option::Option::Some(object) = session.get_mut(key) else {
                        return ::core::result::Result::Ok(());
                    };
                    #(#takes)*
                    #(#handles)*
                    ::core::result::Result::Ok(())
                }
            }
        });
        let collection_cascades = (!collections.is_empty()).then(|| {
            quote! {
                const CASCADES: bool = true;

                fn before_delete(&self, db: &::litemodel::Database) -> ::litemodel::Result<()> {
                    #(#deletes)*
                    ::core::result::Result::Ok(())
                }
            }
        });
        Some(quote! {
            #collection_cascades
            #parent_cascades
            #cascade
        })
    }
}
