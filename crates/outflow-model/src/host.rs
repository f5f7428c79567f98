//! The one way outflow turns a URL into a host: the key of attributions,
//! flows, destinations and policy lists, so that every stage names a host
//! the same way; and into an origin, as a Content-Security-Policy source
//! names it.

/// The host of a URL as outflow keys it: lower-case, punycode for
/// internationalised names, without a trailing dot, without userinfo or
/// port, and IPv6 addresses without their brackets (`::1`, as the
/// addresses a browser records are written). `None` for URLs without a
/// host (`data:`, `blob:`, relative paths, unparseable text).
pub fn host_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    match parsed.host()? {
        // Non-special schemes keep their host's case: lower it here.
        url::Host::Domain(domain) => {
            let domain = domain.trim_end_matches('.').to_ascii_lowercase();
            (!domain.is_empty()).then_some(domain)
        }
        url::Host::Ipv4(ip) => Some(ip.to_string()),
        url::Host::Ipv6(ip) => Some(ip.to_string()),
    }
}

/// The origin of a URL with a host as a CSP source writes it:
/// `scheme://host[:port]`, the host lower-case and an IPv6 address in
/// brackets, the port only when not the scheme's default. `None` for URLs
/// without a host.
pub fn origin_of(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url).ok()?;
    let host = parsed.host_str()?.to_ascii_lowercase();
    Some(match parsed.port() {
        Some(port) => format!("{}://{host}:{port}", parsed.scheme()),
        None => format!("{}://{host}", parsed.scheme()),
    })
}

#[cfg(test)]
mod tests {
    use super::{host_of, origin_of};

    #[test]
    fn origins_keep_scheme_port_and_brackets() {
        assert_eq!(
            origin_of("https://user@Shop.Example:8443/pay").as_deref(),
            Some("https://shop.example:8443")
        );
        assert_eq!(
            origin_of("https://shop.example:443/").as_deref(),
            Some("https://shop.example")
        );
        assert_eq!(
            origin_of("ws://[::1]:9000/socket").as_deref(),
            Some("ws://[::1]:9000")
        );
        assert_eq!(origin_of("data:text/plain,x"), None);
    }

    #[test]
    fn ipv6_hosts_lose_their_brackets() {
        assert_eq!(host_of("http://[::1]:8080/x").as_deref(), Some("::1"));
        assert_eq!(
            host_of("https://[2001:DB8:0:0::1]/").as_deref(),
            Some("2001:db8::1")
        );
        assert_eq!(
            host_of("wss://[fe80::1]/socket").as_deref(),
            Some("fe80::1")
        );
    }

    #[test]
    fn trailing_dots_are_dropped() {
        assert_eq!(
            host_of("https://shop.example./pay").as_deref(),
            Some("shop.example")
        );
        assert_eq!(
            host_of("https://shop.example../").as_deref(),
            Some("shop.example")
        );
    }

    #[test]
    fn hosts_are_lower_case() {
        assert_eq!(
            host_of("HTTPS://Shop.EXAMPLE/Path").as_deref(),
            Some("shop.example")
        );
        // The URL parser lowers only special schemes' hosts.
        assert_eq!(
            host_of("custom://Cdn.Example/lib.js").as_deref(),
            Some("cdn.example")
        );
    }

    #[test]
    fn userinfo_and_ports_are_not_part_of_the_host() {
        assert_eq!(
            host_of("https://user:secret@shop.example:8443/").as_deref(),
            Some("shop.example")
        );
        assert_eq!(
            host_of("http://evil.test@shop.example/").as_deref(),
            Some("shop.example")
        );
        assert_eq!(
            host_of("http://127.0.0.1:3000/").as_deref(),
            Some("127.0.0.1")
        );
    }

    #[test]
    fn internationalised_names_are_punycode() {
        assert_eq!(
            host_of("https://bücher.example/").as_deref(),
            Some("xn--bcher-kva.example")
        );
        assert_eq!(
            host_of("https://BÜCHER.example./").as_deref(),
            Some("xn--bcher-kva.example")
        );
    }

    #[test]
    fn urls_without_a_host_have_none() {
        for url in [
            "data:text/javascript,1",
            "blob:https://shop.example/1234",
            "/relative/path",
            "",
            "not a url",
            "about:blank",
        ] {
            assert_eq!(host_of(url), None, "{url}");
        }
    }
}
