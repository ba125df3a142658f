//! The items of one relationship: its constant (`User::ROLE`), its accessor
//! (`role.users(&db)`, or the query of a dynamic relationship) and the
//! many-to-many link methods.

use heck::ToUpperCamelCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{const_ident, doc};
use crate::attr::{bare, Kind, Lazy, ModelDef, RelationshipDef};

impl ModelDef {
    pub(super) fn relationship_const(&self, rel: &RelationshipDef) -> TokenStream {
        let name = &self.ident;
        let owner = self.name();
        let attr = bare(&rel.name);
        let konst = const_ident(&rel.name);
        let field = &rel.name;
        let target = &rel.target;
        let lazy = lazy_tokens(rel.lazy);
        let order = rel
            .order_by
            .iter()
            .map(|(column, descending)| quote!((#column, #descending)));
        let with_order = if rel.order_by.is_empty() {
            TokenStream::new()
        } else {
            quote!(.with_order(&[#(#order),*]))
        };
        let with_lazy = if rel.lazy == Lazy::Select {
            TokenStream::new()
        } else {
            quote!(.with_lazy(#lazy))
        };
        let with_slot = if rel.has_field {
            quote!(.with_slot(|o: &#name| &o.#field))
        } else {
            TokenStream::new()
        };
        // `dynamic`/`write_only`: a query accessor, so no loading options (a
        // `selectin()` on it does not compile).
        let (population, query_only) = if rel.lazy.is_query() {
            (quote!(, ::litemodel::QueryOnly), quote!(.query_only()))
        } else {
            (TokenStream::new(), TokenStream::new())
        };
        let doc = doc(&format!(
            "The `{attr}` relationship, for queries and loading options."
        ));
        match (rel.kind, &rel.foreign_key, &rel.secondary) {
            (Kind::ManyToOne, Some(fk), _) => {
                let fk_column = self.column_of(fk);
                let post_update = if rel.post_update {
                    quote!(.with_post_update())
                } else {
                    TokenStream::new()
                };
                quote! {
                    #doc
                    pub const #konst: ::litemodel::ManyToOne<#name, #target> =
                        ::litemodel::ManyToOne::new(#attr, #fk_column)
                            .with_access(#owner, |o: &#name| &o.#field, |o: &#name| o.#fk, #lazy)
                            #post_update;
                }
            }
            (Kind::OneToMany, Some(fk), _) => {
                let fk_const = const_ident(fk);
                quote! {
                    #doc
                    pub const #konst: ::litemodel::OneToMany<#name, #target #population> =
                        ::litemodel::OneToMany::new(#owner, #attr, <#target>::#fk_const.name(), |c: &#target| c.#fk, <#target>::query)
                            #with_slot #with_lazy #with_order #query_only;
                }
            }
            (Kind::ManyToMany, _, Some((table, local, remote))) => quote! {
                #doc
                pub const #konst: ::litemodel::ManyToMany<#name, #target #population> =
                    ::litemodel::ManyToMany::new(#owner, #attr, #table, #local, #remote, <#target>::query)
                        #with_slot #with_lazy #with_order #query_only;
            },
            // `attr::parse` requires these options.
            _ => TokenStream::new(),
        }
    }

    /// For a `one_to_many` with `post_update`: a check, when the crate
    /// compiles, that its backref (the children's many-to-one, which writes
    /// the key) posts its update too. A free item, so it is always evaluated.
    pub(super) fn post_update_check(&self, rel: &RelationshipDef) -> TokenStream {
        let (Kind::OneToMany, true, Some(back)) = (rel.kind, rel.post_update, &rel.backref) else {
            return TokenStream::new();
        };
        let target = &rel.target;
        let back_const = const_ident(back);
        let message = format!(
            "`{}.{}` has `post_update`: its backref `{}` needs `post_update` too",
            self.name(),
            bare(&rel.name),
            bare(back)
        );
        quote! {
            const _: () = ::core::assert!(<#target>::#back_const.is_post_update(), #message);
        }
    }

    pub(super) fn accessor(&self, rel: &RelationshipDef) -> TokenStream {
        let name = &self.ident;
        let method = &rel.name;
        let konst = const_ident(&rel.name);
        let target = &rel.target;
        let attr = bare(&rel.name);
        let described = rel
            .doc
            .clone()
            .unwrap_or_else(|| format!("`{}.{attr}`.", self.name()));
        match rel.kind {
            Kind::ManyToOne => {
                let Some(fk) = &rel.foreign_key else {
                    return TokenStream::new();
                };
                let set = format_ident!("set_{}", attr);
                let with = format_ident!("with_{}", attr);
                let singular = self.singular();
                let getter_doc = doc(&format!(
                    "The {singular}'s `{attr}`, loaded on first access and cached (or by the query)."
                ));
                let set_doc = doc(&format!(
                    "Sets `{attr}`: a session key (saved or pending) or a loaded object."
                ));
                let with_doc = doc(&format!(
                    "`{}({attr}=...)`: this {singular} with `{attr}` set.",
                    self.name()
                ));
                quote! {
                    #getter_doc
                    pub fn #method<'a, E: ::litemodel::Executor>(&'a self, conn: &'a E) -> ::litemodel::Result<::core::option::Option<&'a #target>> {
                        #name::#konst.load(self, conn)
                    }

                    #set_doc
                    pub fn #set(&mut self, #method: impl ::core::convert::Into<::litemodel::Link<#target>>) {
                        self.#method.set(#method.into(), &mut self.#fk);
                    }

                    #with_doc
                    pub fn #with(mut self, #method: impl ::core::convert::Into<::litemodel::Link<#target>>) -> Self {
                        self.#set(#method);
                        self
                    }
                }
            }
            _ if !rel.has_field => {
                let doc = doc(&format!(
                    "{described} A query (`lazy = \"{}\"`): refine it, then run it.",
                    rel.lazy.as_str()
                ));
                let links = self.link_methods(rel);
                quote! {
                    #doc
                    pub fn #method(&self) -> ::litemodel::Query<#target> {
                        #name::#konst.query(self)
                    }

                    #links
                }
            }
            _ => {
                let how = match rel.lazy.as_str() {
                    "joined" | "selectin" => format!(
                        "Loaded by the query (`lazy = \"{}\"`), or with one SELECT on first access.",
                        rel.lazy.as_str()
                    ),
                    "raise" => "Loaded only by a query option such as `selectin()`: reading it unloaded is an error (`lazy = \"raise\"`).".to_owned(),
                    "noload" => "Never loaded implicitly: empty unless a query option loads it (`lazy = \"noload\"`).".to_owned(),
                    _ => "Loaded with one SELECT on first access, then cached.".to_owned(),
                };
                let doc = doc(&format!("{described} {how}"));
                if rel.uselist {
                    let links = self.link_methods(rel);
                    quote! {
                        #doc
                        pub fn #method<E: ::litemodel::Executor>(&self, conn: &E) -> ::litemodel::Result<&[#target]> {
                            #name::#konst.load(self, conn)
                        }

                        #links
                    }
                } else {
                    quote! {
                        #doc
                        pub fn #method<E: ::litemodel::Executor>(&self, conn: &E) -> ::litemodel::Result<::core::option::Option<&#target>> {
                            #name::#konst.load_one(self, conn)
                        }
                    }
                }
            }
        }
    }

    /// `link_<rel>`/`unlink_<rel>` for many-to-many relationships.
    pub(super) fn link_methods(&self, rel: &RelationshipDef) -> TokenStream {
        if rel.kind != Kind::ManyToMany {
            return TokenStream::new();
        }
        let name = &self.ident;
        let konst = const_ident(&rel.name);
        let target = &rel.target;
        let attr = bare(&rel.name);
        let link = format_ident!("link_{}", attr);
        let unlink = format_ident!("unlink_{}", attr);
        let link_doc = doc(&format!(
            "Writes the association row that puts `other` in `{attr}` (`{attr}.append(other)`)."
        ));
        let unlink_doc = doc(&format!(
            "Deletes the association row that puts `other` in `{attr}` (`{attr}.remove(other)`)."
        ));
        quote! {
            #link_doc
            pub fn #link<E: ::litemodel::Executor>(&self, conn: &E, other: &#target) -> ::litemodel::Result<()> {
                #name::#konst.link(conn, self, other)
            }

            #unlink_doc
            pub fn #unlink<E: ::litemodel::Executor>(&self, conn: &E, other: &#target) -> ::litemodel::Result<()> {
                #name::#konst.unlink(conn, self, other)
            }
        }
    }
}

fn lazy_tokens(lazy: Lazy) -> TokenStream {
    let variant = format_ident!("{}", lazy.as_str().to_upper_camel_case());
    quote!(::litemodel::Lazy::#variant)
}
