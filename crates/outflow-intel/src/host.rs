//! Turning what a user or a page gives (a host, a URL, `host:port`, an IP
//! literal, an internationalised name) into the form lookups compare: a
//! lower-case punycode host name or an IP address.

use std::borrow::Cow;
use std::net::IpAddr;

/// Inputs longer than this are rejected before any parsing: no host name
/// is longer than 253 bytes, and a URL's host comes early.
pub const MAX_INPUT_BYTES: usize = 8 * 1024;

/// What an input names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// A host name, lower case and punycode.
    Host(Cow<'a, str>),
    /// An IP address.
    Ip(IpAddr),
}

/// Why an input names no host.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidTarget(pub String);

/// Parses a host, `host:port`, a URL or an IP literal (bracketed or not).
/// Names already in canonical form are borrowed, so the common case does
/// not allocate.
pub fn parse_target(input: &str) -> Result<Target<'_>, InvalidTarget> {
    if input.len() > MAX_INPUT_BYTES {
        return Err(InvalidTarget(format!(
            "input of {} bytes is too long",
            input.len()
        )));
    }
    let input = input.trim();
    if input.is_empty() {
        return Err(InvalidTarget("empty input".into()));
    }
    // Most inputs are plain host names already in canonical form: one
    // byte scan settles them without URL or IP parsing.
    if is_canonical_name(input) {
        return Ok(Target::Host(Cow::Borrowed(input)));
    }
    if input.contains("://") {
        return parse_url(input);
    }
    if let Ok(ip) = input.parse::<IpAddr>() {
        return Ok(Target::Ip(ip));
    }
    let authority = input.split(['/', '?', '#']).next().unwrap_or_default();
    let authority = authority.rsplit('@').next().unwrap_or_default();
    if let Some(rest) = authority.strip_prefix('[') {
        let inner = rest.split(']').next().unwrap_or_default();
        return inner
            .parse::<IpAddr>()
            .map(Target::Ip)
            .map_err(|_| InvalidTarget(format!("{inner:?} is not an IPv6 address")));
    }
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.bytes().all(|b| b.is_ascii_digit()) => host,
        Some(_) => return Err(InvalidTarget(format!("{authority:?} is not a host name"))),
        None => authority,
    };
    let host = host.strip_suffix('.').unwrap_or(host);
    if is_canonical_name(host) {
        return Ok(Target::Host(Cow::Borrowed(host)));
    }
    parse_host(host).map(|target| match target {
        Target::Host(name) => Target::Host(Cow::Owned(name.into_owned())),
        Target::Ip(ip) => Target::Ip(ip),
    })
}

fn parse_url(input: &str) -> Result<Target<'static>, InvalidTarget> {
    let url =
        url::Url::parse(input).map_err(|error| InvalidTarget(format!("not a URL: {error}")))?;
    match url.host() {
        Some(url::Host::Domain(domain)) => {
            let domain = domain.strip_suffix('.').unwrap_or(domain);
            if crate::validate::is_domain(domain) {
                Ok(Target::Host(Cow::Owned(domain.to_owned())))
            } else {
                Err(InvalidTarget(format!("{domain:?} is not a host name")))
            }
        }
        Some(url::Host::Ipv4(ip)) => Ok(Target::Ip(IpAddr::V4(ip))),
        Some(url::Host::Ipv6(ip)) => Ok(Target::Ip(IpAddr::V6(ip))),
        None => Err(InvalidTarget("the URL has no host".into())),
    }
}

/// The WHATWG host parser: IDNA to punycode, lower case, and the numeric
/// IPv4 forms browsers accept (`0x7f.1`).
fn parse_host(host: &str) -> Result<Target<'static>, InvalidTarget> {
    match url::Host::parse(host) {
        Ok(url::Host::Domain(domain)) if crate::validate::is_domain(&domain) => {
            Ok(Target::Host(Cow::Owned(domain)))
        }
        Ok(url::Host::Domain(domain)) => {
            Err(InvalidTarget(format!("{domain:?} is not a host name")))
        }
        Ok(url::Host::Ipv4(ip)) => Ok(Target::Ip(IpAddr::V4(ip))),
        Ok(url::Host::Ipv6(ip)) => Ok(Target::Ip(IpAddr::V6(ip))),
        Err(error) => Err(InvalidTarget(format!(
            "{host:?} is not a host name: {error}"
        ))),
    }
}

/// Already lower-case ASCII with valid labels (at most 253 bytes, labels
/// of 1 to 63 bytes), no punycode label to check, and not possibly a
/// numeric IPv4 form (whose last label is a number): no IDNA pass needed.
/// One pass over the bytes, since it runs on every lookup.
fn is_canonical_name(host: &str) -> bool {
    let bytes = host.as_bytes();
    if bytes.is_empty() || bytes.len() > 253 {
        return false;
    }
    let mut label_start = 0;
    let mut label_numeric = true;
    for (index, &byte) in bytes.iter().enumerate() {
        match byte {
            b'.' => {
                let label = &bytes[label_start..index];
                if label.is_empty() || label.len() > 63 || label.starts_with(b"xn--") {
                    return false;
                }
                label_start = index + 1;
                label_numeric = true;
            }
            b'0'..=b'9' => {}
            b'a'..=b'z' | b'-' | b'_' => label_numeric = false,
            _ => return false,
        }
    }
    let last = &bytes[label_start..];
    !(last.is_empty()
        || last.len() > 63
        || label_numeric
        || last.starts_with(b"0x")
        || last.starts_with(b"xn--"))
}

/// Host names under one another: `suffixes("a.b.c")` yields `a.b.c`,
/// `b.c`, `c`.
pub fn suffixes(host: &str) -> impl Iterator<Item = &str> {
    let mut rest = Some(host);
    std::iter::from_fn(move || {
        let current = rest?;
        rest = current.split_once('.').map(|(_, tail)| tail);
        Some(current)
    })
}

/// The registrable domain (eTLD+1) of a host, by the public suffix list
/// compiled into `psl`. `None` for a public suffix itself or a single
/// label.
pub fn registrable_domain(host: &str) -> Option<&str> {
    let domain = psl::domain(host.as_bytes())?;
    // psl's implicit "*" rule makes `foo.localhost` registrable; only trust
    // suffixes the list knows.
    if !domain.suffix().is_known() {
        return None;
    }
    std::str::from_utf8(domain.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(input: &str) -> String {
        match parse_target(input) {
            Ok(Target::Host(host)) => host.into_owned(),
            other => panic!("{input}: {other:?}"),
        }
    }

    #[test]
    fn hosts_urls_and_ports() {
        assert_eq!(host("WWW.Example.COM"), "www.example.com");
        assert_eq!(host("example.com."), "example.com");
        assert_eq!(host("example.com:8443"), "example.com");
        assert_eq!(
            host("https://user:pw@Login.Example.com:8443/a?b#c"),
            "login.example.com"
        );
        assert_eq!(host("example.com/path?q"), "example.com");
        assert_eq!(host("bücher.de"), "xn--bcher-kva.de");
        assert_eq!(host("https://bücher.de/x"), "xn--bcher-kva.de");
        assert_eq!(host("xn--bcher-kva.de"), "xn--bcher-kva.de");
    }

    #[test]
    fn ip_literals() {
        assert_eq!(
            parse_target("127.0.0.1"),
            Ok(Target::Ip("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            parse_target("[::1]:8080"),
            Ok(Target::Ip("::1".parse().unwrap()))
        );
        assert_eq!(
            parse_target("http://[2001:db8::1]/"),
            Ok(Target::Ip("2001:db8::1".parse().unwrap()))
        );
        assert_eq!(
            parse_target("0x7f.1"),
            Ok(Target::Ip("127.0.0.1".parse().unwrap()))
        );
        assert_eq!(
            parse_target("http://10.1.2.3:80/"),
            Ok(Target::Ip("10.1.2.3".parse().unwrap()))
        );
    }

    #[test]
    fn garbage_is_rejected_not_panicked_on() {
        for input in [
            "",
            "   ",
            "a b",
            "exa mple.com",
            "http://",
            "[zz]",
            "host:port",
            "-.-..",
            &"a".repeat(10_000),
        ] {
            assert!(parse_target(input).is_err(), "{input:?}");
        }
    }

    #[test]
    fn registrable_domains() {
        assert_eq!(
            registrable_domain("a.b.example.co.uk"),
            Some("example.co.uk")
        );
        assert_eq!(
            registrable_domain("www.jegotrip.com.cn"),
            Some("jegotrip.com.cn")
        );
        assert_eq!(registrable_domain("co.uk"), None);
        assert_eq!(registrable_domain("localhost"), None);
        assert_eq!(suffixes("a.b.c").collect::<Vec<_>>(), ["a.b.c", "b.c", "c"]);
    }
}
