//! The page shell: head (our CSS and JS files only), the top bar, the
//! keyboard help, and a bare shell for sign-in and error pages.

use crate::auth::Scope;
use crate::inbox::Session;
use maud::{html, Markup, DOCTYPE};

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Nav {
    Inbox,
    Spam,
    Settings,
    Lead,
    Alerts,
}

pub fn page(title: &str, session: &Session, nav: Nav, body: Markup) -> Markup {
    let current = |n: Nav| if n == nav { Some("page") } else { None };
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, Some(&session.csrf)))
            body {
                a.skip href="#main" { "Skip to content" }
                header.top {
                    nav aria-label="Inbox sections" {
                        a.brand href="/app" aria-current=[current(Nav::Inbox)] { "LeadsBot inbox" }
                        a href="/app?status=spam" aria-current=[current(Nav::Spam)] { "Spam" }
                        @if session.member.is_some() { a href="/app/alerts" aria-current=[current(Nav::Alerts)] { "My alerts" } }
                        @if session.can(Scope::Admin) { a href="/app/settings" aria-current=[current(Nav::Settings)] { "Settings" } }
                    }
                    form.signout method="post" action="/app/sign-out" {
                        @if let Some(member) = &session.member {
                            span.who title=(member.email) { (member.name.as_deref().unwrap_or(&member.email)) " · " (member.role.as_str()) }
                        }
                        input type="hidden" name="_csrf" value=(session.csrf);
                        button type="submit" { "Sign out" }
                    }
                }
                main #main tabindex="-1" { (body) }
                footer {
                    details {
                        summary { "Keyboard shortcuts" }
                        dl.keys {
                            dt { kbd { "j" } " / " kbd { "k" } } dd { "next / previous lead" }
                            dt { kbd { "Enter" } } dd { "open the selected lead" }
                            dt { kbd { "e" } } dd { "mark the selected (or open) lead contacted" }
                            dt { kbd { "x" } } dd { "tick the selected lead for a bulk change" }
                            dt { kbd { "/" } } dd { "search" }
                        }
                    }
                }
            }
        }
    }
}

/// Sign-in and error pages: no session, no navigation.
pub fn bare(title: &str, message: &str) -> Markup {
    shell(title, html! { h1 { (title) } p { (message) } p { a href="/app" { "Back to the inbox" } } })
}

pub fn shell(title: &str, body: Markup) -> Markup {
    html! {
        (DOCTYPE)
        html lang="en" {
            (head(title, None))
            body { main #main.narrow { (body) } }
        }
    }
}

fn head(title: &str, csrf: Option<&str>) -> Markup {
    html! {
        head {
            meta charset="utf-8";
            meta name="viewport" content="width=device-width, initial-scale=1";
            meta name="referrer" content="same-origin";
            @if let Some(csrf) = csrf { meta name="csrf-token" content=(csrf); }
            title { (title) " · LeadsBot" }
            link rel="icon" href="/app/static/favicon.svg" type="image/svg+xml";
            link rel="stylesheet" href="/app/static/app.css";
            script src="/app/static/app.js" defer {}
        }
    }
}
