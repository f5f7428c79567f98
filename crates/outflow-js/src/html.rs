//! Scripts and references in an HTML document.
//!
//! Tokenised with html5gum (a WHATWG-compliant tokenizer) switching into
//! script and raw-text states as a browser does, so a `</div>` inside a
//! script's string does not end it and a `<script>` inside a comment is not
//! one. Script bodies are returned as byte ranges of the document, so that
//! their findings are located in the document itself.

use html5gum::{DefaultEmitter, Token, Tokenizer};
use outflow_model::Sink;

/// An inline script block: byte range of its body, and whether it is a
/// module.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineScript {
    /// Byte range of the body in the document.
    pub range: (u32, u32),
    /// `type="module"`.
    pub module: bool,
}

/// An attribute that makes the browser fetch or navigate to a URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    /// The attribute value.
    pub url: String,
    /// How the browser uses it.
    pub sink: Sink,
    /// Byte range of the tag.
    pub range: (u32, u32),
}

/// What a document holds.
#[derive(Debug, Default)]
pub struct HtmlParts {
    /// Inline scripts, in document order.
    pub scripts: Vec<InlineScript>,
    /// External scripts, frames, images, form targets and preconnects.
    pub references: Vec<Reference>,
}

/// `type` values that make a `<script>` JavaScript.
fn is_javascript_type(value: &str) -> bool {
    let value = value.trim().to_ascii_lowercase();
    value.is_empty()
        || value == "module"
        || value.ends_with("javascript")
        || value.ends_with("ecmascript")
        || value == "text/jscript"
        || value == "text/livescript"
}

/// Splits a document into its inline scripts and URL references.
pub fn extract(document: &str) -> HtmlParts {
    let mut emitter = DefaultEmitter::<usize>::new_with_span();
    emitter.naively_switch_states(true);
    let mut parts = HtmlParts::default();
    let mut open_script: Option<(usize, bool)> = None;
    for token in Tokenizer::new_with_emitter(document, emitter) {
        let Ok(token) = token;
        match token {
            Token::StartTag(tag) => {
                let name = String::from_utf8_lossy(&tag.name).to_ascii_lowercase();
                let attribute = |key: &str| {
                    tag.attributes
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(key.as_bytes()))
                        .map(|(_, v)| String::from_utf8_lossy(&v.value).trim().to_owned())
                };
                let range = (tag.span.start as u32, tag.span.end as u32);
                let mut reference = |url: Option<String>, sink: Sink| {
                    if let Some(url) = url.filter(|u| !u.is_empty()) {
                        parts.references.push(Reference { url, sink, range });
                    }
                };
                match name.as_str() {
                    "script" => {
                        let kind = attribute("type").unwrap_or_default();
                        if let Some(src) = attribute("src") {
                            reference(Some(src), Sink::HtmlReference);
                        } else if is_javascript_type(&kind) && !tag.self_closing {
                            open_script = Some((tag.span.end, kind.eq_ignore_ascii_case("module")));
                        }
                    }
                    "iframe" | "frame" | "img" | "embed" | "source" | "audio" | "video"
                    | "track" => reference(attribute("src"), Sink::HtmlReference),
                    "object" => reference(attribute("data"), Sink::HtmlReference),
                    "form" => reference(attribute("action"), Sink::FormAction),
                    "link" => {
                        let rel = attribute("rel").unwrap_or_default().to_ascii_lowercase();
                        let fetched = [
                            "stylesheet",
                            "preconnect",
                            "dns-prefetch",
                            "preload",
                            "prefetch",
                            "modulepreload",
                            "icon",
                            "manifest",
                        ];
                        if rel.split_whitespace().any(|r| fetched.contains(&r)) {
                            reference(attribute("href"), Sink::HtmlReference);
                        }
                    }
                    _ => {}
                }
            }
            Token::EndTag(tag) => {
                if tag.name.eq_ignore_ascii_case(b"script")
                    && let Some((start, module)) = open_script.take()
                {
                    parts.scripts.push(InlineScript {
                        range: (start as u32, tag.span.start as u32),
                        module,
                    });
                }
            }
            _ => {}
        }
    }
    // A script left open runs to the end of the document.
    if let Some((start, module)) = open_script {
        parts.scripts.push(InlineScript {
            range: (start as u32, document.len() as u32),
            module,
        });
    }
    parts
}

/// Whether bytes look like an HTML document rather than a script.
pub fn looks_like_html(text: &str) -> bool {
    let head = text.trim_start_matches('\u{feff}').trim_start();
    let head: String = head
        .chars()
        .take(64)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("<!doctype html")
        || head.starts_with("<html")
        || head.starts_with("<head")
        || head.starts_with("<script")
        || head.starts_with("<!--") && text.contains("<script")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_and_external_scripts() {
        let html = r#"<html><head><script src="https://cdn.example.com/a.js"></script>
<script>var s = "</div>"; fetch("https://x.example.org/c");</script>
<!-- <script>fake()</script> -->
<script type="application/ld+json">{"a": 1}</script>
<script type="module">import("./m.js")</script>
<iframe src="https://frame.example.net/"></iframe><form action="/login"></form></head></html>"#;
        let parts = extract(html);
        assert_eq!(parts.scripts.len(), 2);
        let first = &html[parts.scripts[0].range.0 as usize..parts.scripts[0].range.1 as usize];
        assert_eq!(
            first,
            r#"var s = "</div>"; fetch("https://x.example.org/c");"#
        );
        assert!(parts.scripts[1].module);
        let urls: Vec<&str> = parts.references.iter().map(|r| r.url.as_str()).collect();
        assert_eq!(
            urls,
            vec![
                "https://cdn.example.com/a.js",
                "https://frame.example.net/",
                "/login"
            ]
        );
    }

    #[test]
    fn detection() {
        assert!(looks_like_html("<!DOCTYPE html><p>"));
        assert!(!looks_like_html("var a = '<html>';"));
    }
}
