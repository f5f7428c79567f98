//! `--map-host PATTERN=IP[:PORT]`: serve a host name from another address.
//!
//! In the spirit of curl's `--resolve`: the rules become Chromium's
//! `--host-resolver-rules`, so a staging server can be scanned under its
//! production names and tests can serve third-party names from loopback.

use std::net::IpAddr;

use crate::error::CaptureFailure;

/// One host mapping.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostMapping {
    /// A host name, optionally with a leading `*.` or `*` wildcard.
    pub pattern: String,
    /// Where to send connections for it.
    pub address: IpAddr,
    /// The port to connect to instead of the URL's, when given.
    pub port: Option<u16>,
}

impl HostMapping {
    /// Parses `PATTERN=IP[:PORT]` (IPv6 addresses in brackets when a port
    /// follows: `[::1]:8080`).
    pub fn parse(rule: &str) -> Result<Self, CaptureFailure> {
        let bad = |why: &str| CaptureFailure::Options(format!("--map-host {rule:?}: {why}"));
        let (pattern, target) = rule
            .split_once('=')
            .ok_or_else(|| bad("expected PATTERN=IP[:PORT]"))?;
        let pattern = pattern.trim().to_ascii_lowercase();
        let valid_pattern = !pattern.is_empty()
            && pattern.len() <= 253
            && pattern
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '*' | '_'));
        if !valid_pattern {
            return Err(bad("the pattern must be a host name, optionally with *"));
        }
        let target = target.trim();
        let (address, port) = if let Some(rest) = target.strip_prefix('[') {
            let (ip, after) = rest.split_once(']').ok_or_else(|| bad("unclosed '['"))?;
            let port = match after.strip_prefix(':') {
                Some(port) => Some(port.parse::<u16>().map_err(|_| bad("invalid port"))?),
                None if after.is_empty() => None,
                None => return Err(bad("unexpected text after ']'")),
            };
            (
                ip.parse::<IpAddr>()
                    .map_err(|_| bad("invalid IP address"))?,
                port,
            )
        } else if let Ok(ip) = target.parse::<IpAddr>() {
            (ip, None)
        } else {
            let (ip, port) = target
                .rsplit_once(':')
                .ok_or_else(|| bad("invalid IP address"))?;
            (
                ip.parse::<IpAddr>()
                    .map_err(|_| bad("invalid IP address"))?,
                Some(port.parse::<u16>().map_err(|_| bad("invalid port"))?),
            )
        };
        Ok(Self {
            pattern,
            address,
            port,
        })
    }

    /// The rule in Chromium's host-resolver-rules syntax.
    pub fn to_chromium_rule(&self) -> String {
        let address = match self.address {
            IpAddr::V4(ip) => ip.to_string(),
            IpAddr::V6(ip) => format!("[{ip}]"),
        };
        match self.port {
            Some(port) => format!("MAP {} {address}:{port}", self.pattern),
            None => format!("MAP {} {address}", self.pattern),
        }
    }
}

/// The value of Chromium's `--host-resolver-rules` for a set of mappings.
pub fn host_resolver_rules(mappings: &[HostMapping]) -> String {
    mappings
        .iter()
        .map(HostMapping::to_chromium_rule)
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_ip_and_port_forms() {
        let rule = HostMapping::parse("cdn.tracker.test=127.0.0.1:8080").unwrap();
        assert_eq!(
            rule.to_chromium_rule(),
            "MAP cdn.tracker.test 127.0.0.1:8080"
        );
        let rule = HostMapping::parse("*.Example.com=10.0.0.1").unwrap();
        assert_eq!(rule.to_chromium_rule(), "MAP *.example.com 10.0.0.1");
        let rule = HostMapping::parse("a.test=[::1]:99").unwrap();
        assert_eq!(rule.to_chromium_rule(), "MAP a.test [::1]:99");
        let rule = HostMapping::parse("a.test=::1").unwrap();
        assert_eq!(rule.to_chromium_rule(), "MAP a.test [::1]");
    }

    #[test]
    fn rejects_rules_that_could_inject_other_rules() {
        assert!(HostMapping::parse("a.test, MAP * 1.2.3.4=127.0.0.1").is_err());
        assert!(HostMapping::parse("a.test=127.0.0.1, MAP *").is_err());
        assert!(HostMapping::parse("a.test").is_err());
        assert!(HostMapping::parse("a.test=127.0.0.1:99999").is_err());
    }
}
