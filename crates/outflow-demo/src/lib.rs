//! outflow's built-in demo: four pages written by us, served on loopback by
//! outflow itself, each showing one thing outflow finds.
//!
//! | page | what it shows |
//! | --- | --- |
//! | `chat.lumina-ai.test/login.html` | an obfuscated login script that fingerprints the device and, only for visitors who look Chinese, sends the hashed phone number and the fingerprint to a China Mobile identity host (`wap.cmpassport.com`) |
//! | `shop.fernbrook-outdoor.test/checkout.html` | a Magecart-style skimmer from a look-alike domain that sends the checkout form's fields, the card among them, by image beacon |
//! | `news.brightpost.test/newsletter.html` | a third-party pixel that sends the SHA-256 of the e-mail address on blur, before submission |
//! | `www.quietgarden.test/index.html` | a clean control page: first-party analytics and a chart on a canvas |
//!
//! Every host name is served by [`DemoSite`] on 127.0.0.1; the scan maps
//! them all there with Chromium's host-resolver rules, so the demo never
//! touches the network.

mod server;

pub use server::{DemoSite, ServerError};

include!(concat!(env!("OUT_DIR"), "/site_files.rs"));

/// One page of the demo and the personas it is visited as.
#[derive(Debug, Clone, Copy)]
pub struct DemoPage {
    /// A short name for reports and tests.
    pub name: &'static str,
    /// The page's URL (its host is served by [`DemoSite`]).
    pub url: &'static str,
    /// The personas to visit it as (built-in persona names).
    pub personas: &'static [&'static str],
    /// What the page demonstrates, in one sentence.
    pub story: &'static str,
}

/// The demo's pages, in the order the demo visits them.
pub const PAGES: &[DemoPage] = &[
    DemoPage {
        name: "chat-login",
        url: "http://chat.lumina-ai.test/login.html",
        personas: &["us", "cn"],
        story: "An AI chat site's obfuscated login code fingerprints the device and reaches a \
                China Mobile identity host, only for visitors who look Chinese.",
    },
    DemoPage {
        name: "shop-checkout",
        url: "http://shop.fernbrook-outdoor.test/checkout.html",
        personas: &["us"],
        story: "A shop's checkout carries a skimmer from a look-alike domain that sends the \
                form's fields, the card's number, expiry and security code among them, as \
                they are typed, key by key, by image beacon.",
    },
    DemoPage {
        name: "newsletter",
        url: "http://news.brightpost.test/newsletter.html",
        personas: &["us"],
        story: "A newsletter sign-up whose third-party pixel sends the e-mail address's \
                SHA-256 on blur, before submission.",
    },
    DemoPage {
        name: "control",
        url: "http://www.quietgarden.test/index.html",
        personas: &["us"],
        story: "A clean page: first-party analytics and a chart on a canvas.",
    },
];

/// The file served for `host` and `path` (`/` serves `index.html`).
pub fn site_file(host: &str, path: &str) -> Option<&'static [u8]> {
    let path = path.split(['?', '#']).next().unwrap_or("");
    let path = if path.ends_with('/') {
        format!("{path}index.html")
    } else {
        path.to_string()
    };
    let key = format!("{}{}", host.to_ascii_lowercase(), path);
    SITE_FILES
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, bytes)| *bytes)
}
