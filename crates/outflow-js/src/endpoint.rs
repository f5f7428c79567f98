//! Deciding whether a computed string names a destination, and which.
//!
//! A value is an endpoint when it starts with an `http(s)`/`ws(s)` URL or
//! `//host`, is a bare host name under a known public suffix, a bare IP
//! address, or, when it flows into a sink, a relative URL. URLs inside
//! longer strings (HTML snippets, CSS `url(…)`) are found too. As in
//! jsluice, a value must start with known text: a URL made only of unknown
//! parts says nothing and is dropped, and `data:`, `blob:`, `javascript:`,
//! `about:`, `mailto:` and `tel:` values are not destinations.

use std::net::{Ipv4Addr, Ipv6Addr};

use outflow_model::{EndpointKind, Sink};

use outflow_js_value::value::{PartialString, Piece, UNKNOWN_PART};

/// A destination recognised in a value.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recognised {
    /// The value, with unknown parts as `{*}`.
    pub value: String,
    /// Its kind.
    pub kind: EndpointKind,
    /// The host, lower-cased, when known.
    pub host: Option<String>,
    /// Whether some parts are unknown.
    pub pattern: bool,
}

/// Longest value reported; longer strings are not URLs anyone types.
const MAX_ENDPOINT_LEN: usize = 4096;

/// File extensions that are also top-level domains: a bare `"app.zip"` or
/// `"main.style"` string is a file name far more often than a host.
const FILE_LIKE_TLDS: [&str; 8] = ["zip", "mov", "style", "map", "js", "css", "json", "md"];

/// The destinations a value names. A value that starts with a URL, host or
/// address gives one; a longer text may give several embedded URLs.
pub fn recognise(value: &PartialString, sink: Option<Sink>) -> Vec<Recognised> {
    let rendered = value.render();
    let text = rendered.trim();
    if text.is_empty() {
        return Vec::new();
    }
    let starts_known =
        matches!(value.pieces().first(), Some(Piece::Known(t)) if !t.trim().is_empty());
    if starts_known && let Some(found) = recognise_start(text, sink) {
        return vec![found];
    }
    embedded_urls(value)
}

fn recognise_start(text: &str, sink: Option<Sink>) -> Option<Recognised> {
    let lower_prefix: String = text
        .chars()
        .take(12)
        .collect::<String>()
        .to_ascii_lowercase();
    for scheme in [
        "data:",
        "blob:",
        "javascript:",
        "about:",
        "mailto:",
        "tel:",
        "chrome:",
        "file:",
    ] {
        if lower_prefix.starts_with(scheme) {
            return None;
        }
    }
    if text.len() > MAX_ENDPOINT_LEN {
        return None;
    }
    let (kind, rest) = if let Some(rest) =
        strip_prefix_ci(text, "https://").or_else(|| strip_prefix_ci(text, "http://"))
    {
        (EndpointKind::Url, rest)
    } else if let Some(rest) =
        strip_prefix_ci(text, "wss://").or_else(|| strip_prefix_ci(text, "ws://"))
    {
        (EndpointKind::WebSocket, rest)
    } else if let Some(rest) = text.strip_prefix("//") {
        (EndpointKind::Url, rest)
    } else {
        return bare(text, sink);
    };
    let kind = match (kind, sink) {
        (EndpointKind::Url, Some(Sink::EventSource)) => EndpointKind::EventSource,
        (kind, _) => kind,
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = host_of(host_port);
    let pattern = text.contains(UNKNOWN_PART);
    match host {
        HostPart::Known(host) => Some(Recognised {
            value: text.to_owned(),
            kind,
            host: Some(host),
            pattern,
        }),
        HostPart::Partial(suffix) => Some(Recognised {
            value: text.to_owned(),
            kind,
            host: suffix,
            pattern: true,
        }),
        HostPart::Invalid => None,
    }
}

enum HostPart {
    /// A complete host name or address.
    Known(String),
    /// A host with unknown parts; the known registrable suffix if any.
    Partial(Option<String>),
    Invalid,
}

fn host_of(host_port: &str) -> HostPart {
    if let Some(inner) = host_port.strip_prefix('[') {
        let address = inner.split(']').next().unwrap_or_default();
        return match address.parse::<Ipv6Addr>() {
            Ok(ip) => HostPart::Known(ip.to_string()),
            Err(_) => HostPart::Invalid,
        };
    }
    let host = match host_port.rsplit_once(':') {
        Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) || port == UNKNOWN_PART => h,
        _ => host_port,
    };
    if host.contains(UNKNOWN_PART) {
        if host.replace(UNKNOWN_PART, "").trim_matches('.').is_empty() {
            // "https://{*}/collect": the host is unknown but the path is not.
            return HostPart::Partial(None);
        }
        // "{*}.cmpassport.com": keep the known suffix after the last unknown
        // part when it is a domain.
        let suffix = host.rsplit(UNKNOWN_PART).next().unwrap_or_default();
        let suffix = suffix
            .strip_prefix('.')
            .unwrap_or_default()
            .to_ascii_lowercase();
        return HostPart::Partial(is_domain(&suffix).then_some(suffix));
    }
    let host = host.trim_end_matches('.').to_ascii_lowercase();
    if host.parse::<Ipv4Addr>().is_ok() || is_hostname(&host) {
        HostPart::Known(host)
    } else {
        HostPart::Invalid
    }
}

/// A value that is not an absolute URL: a bare host, an address, or a
/// relative URL given to a sink.
fn bare(text: &str, sink: Option<Sink>) -> Option<Recognised> {
    if !text.contains(UNKNOWN_PART) {
        let lower = text.to_ascii_lowercase();
        if lower.parse::<Ipv4Addr>().is_ok() {
            return Some(Recognised {
                value: text.to_owned(),
                kind: EndpointKind::Ip,
                host: Some(lower),
                pattern: false,
            });
        }
        if text.contains(':')
            && let Ok(ip) = text.parse::<Ipv6Addr>()
        {
            return Some(Recognised {
                value: text.to_owned(),
                kind: EndpointKind::Ip,
                host: Some(ip.to_string()),
                pattern: false,
            });
        }
        if is_domain(&lower) {
            return Some(Recognised {
                value: text.to_owned(),
                kind: EndpointKind::Host,
                host: Some(lower),
                pattern: false,
            });
        }
    }
    let sink = sink?;
    if matches!(sink, Sink::PostMessage)
        || text == "*"
        || text.starts_with('#')
        || text.chars().any(char::is_whitespace)
    {
        return None;
    }
    Some(Recognised {
        value: text.to_owned(),
        kind: EndpointKind::Path,
        host: None,
        pattern: text.contains(UNKNOWN_PART),
    })
}

/// `http(s)://` and `ws(s)://` URLs inside a longer text.
fn embedded_urls(value: &PartialString) -> Vec<Recognised> {
    let mut found = Vec::new();
    for piece in value.pieces() {
        let Piece::Known(text) = piece else { continue };
        let mut from = 0;
        while let Some(at) = text[from..].find("://") {
            let scheme_end = from + at;
            // After the last character that is not a letter (which may
            // be several bytes long: the next one starts after it).
            let scheme_start = text[..scheme_end]
                .char_indices()
                .rfind(|(_, c)| !c.is_ascii_alphabetic())
                .map_or(0, |(i, c)| i + c.len_utf8());
            let scheme = text[scheme_start..scheme_end].to_ascii_lowercase();
            from = scheme_end + 3;
            if !matches!(scheme.as_str(), "http" | "https" | "ws" | "wss") {
                continue;
            }
            let end = text[scheme_end..]
                .find(|c: char| {
                    c.is_whitespace() || matches!(c, '"' | '\'' | '<' | '>' | ')' | '`' | '\\')
                })
                .map_or(text.len(), |i| scheme_end + i);
            // Prose around a URL: "see https://x.example/a." ends the
            // sentence, not the URL.
            let url = text[scheme_start..end].trim_end_matches(['.', ',', ';', ':', '!', '?']);
            if let Some(r) = recognise_start(url, None) {
                found.push(r);
            }
            from = end.max(from);
            if found.len() >= 64 {
                return found;
            }
        }
    }
    found
}

fn strip_prefix_ci<'t>(text: &'t str, prefix: &str) -> Option<&'t str> {
    let head = text.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &text[prefix.len()..])
}

/// A syntactically valid host name (LDH labels, at least one dot, or
/// `localhost`).
fn is_hostname(host: &str) -> bool {
    if host == "localhost" {
        return true;
    }
    host.len() <= 253
        && host.contains('.')
        && host.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_' || !c.is_ascii())
        })
}

/// A bare string that is a domain under a known public suffix, such as
/// `"cmpassport.com"` or `"id.cmpassport.com.cn"`, and not a file name.
fn is_domain(text: &str) -> bool {
    if !is_hostname(text) || text == "localhost" || !text.is_ascii() {
        return false;
    }
    let tld = text.rsplit('.').next().unwrap_or_default();
    if FILE_LIKE_TLDS.contains(&tld) || tld.chars().all(|c| c.is_ascii_digit()) {
        return false;
    }
    match psl::domain(text.as_bytes()) {
        Some(domain) => domain.suffix().is_known(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(text: &str, sink: Option<Sink>) -> Option<Recognised> {
        recognise(&PartialString::known(text), sink)
            .into_iter()
            .next()
    }

    #[test]
    fn absolute_urls() {
        let r = one("https://Passport.CMPassport.com:443/api?x=1", None).unwrap();
        assert_eq!(
            (r.kind, r.host.as_deref()),
            (EndpointKind::Url, Some("passport.cmpassport.com"))
        );
        let r = one("wss://live.example.org/socket", None).unwrap();
        assert_eq!(r.kind, EndpointKind::WebSocket);
        let r = one("//cdn.example.net/x.js", None).unwrap();
        assert_eq!(r.host.as_deref(), Some("cdn.example.net"));
        let r = one("http://[2001:db8::1]:8080/", None).unwrap();
        assert_eq!(r.host.as_deref(), Some("2001:db8::1"));
    }

    #[test]
    fn bare_hosts_need_a_known_suffix() {
        assert_eq!(
            one("cmpassport.com", None).unwrap().kind,
            EndpointKind::Host
        );
        assert_eq!(
            one("gov.com.cn", None).map(|r| r.kind),
            Some(EndpointKind::Host)
        );
        assert!(one("document.cookie", None).is_none());
        assert!(one("main.js", None).is_none());
        assert!(one("archive.zip", None).is_none());
        assert!(one("1.2.3", None).is_none());
    }

    #[test]
    fn addresses() {
        assert_eq!(one("10.0.0.1", None).unwrap().kind, EndpointKind::Ip);
        assert_eq!(one("::1", None).unwrap().kind, EndpointKind::Ip);
    }

    #[test]
    fn non_destinations_are_dropped() {
        for text in [
            "data:image/png;base64,AAAA",
            "javascript:void(0)",
            "mailto:a@b.c",
            "about:blank",
            "hello world",
        ] {
            assert!(one(text, Some(Sink::Fetch)).is_none(), "{text}");
        }
    }

    #[test]
    fn relative_urls_only_in_sinks() {
        assert_eq!(
            one("/api/collect", Some(Sink::Fetch)).unwrap().kind,
            EndpointKind::Path
        );
        assert!(one("/api/collect", None).is_none());
        assert!(one("*", Some(Sink::PostMessage)).is_none());
    }

    #[test]
    fn patterns_keep_known_parts() {
        let mut value = PartialString::known("https://");
        value.push_unknown();
        value.push_known(".cmpassport.com/v1");
        let r = recognise(&value, None).remove(0);
        assert!(r.pattern);
        assert_eq!(r.host.as_deref(), Some("cmpassport.com"));

        let mut only_unknown = PartialString::unknown();
        only_unknown.push_known("/x");
        assert!(recognise(&only_unknown, None).is_empty());
    }

    #[test]
    fn embedded_urls_are_found() {
        let found = recognise(
            &PartialString::known("<img src=\"https://px.example.com/p.gif?a=1\">"),
            None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, "https://px.example.com/p.gif?a=1");
    }

    #[test]
    fn a_multi_byte_character_before_the_scheme_is_stepped_over() {
        // Found by outflow-fuzz: "è" is two bytes; the scheme starts after
        // both.
        let found = recognise(
            &PartialString::known("xè\u{e8}https://a.example.com/x y"),
            None,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].value, "https://a.example.com/x");
        assert!(recognise(&PartialString::known("\u{e8}ttps://l.example.com"), None).is_empty());
    }
}
