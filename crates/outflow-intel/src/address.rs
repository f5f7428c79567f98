//! Which addresses have no public owner: loopback, private, link-local and
//! the other special-purpose ranges (RFC 6890 and its IPv6 counterparts).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The kind of an IP address, for attribution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AddressScope {
    /// Routed on the public internet: may have an owner and a country.
    Public,
    /// This machine (127.0.0.0/8, ::1).
    Loopback,
    /// A private network (10/8, 172.16/12, 192.168/16, fc00::/7).
    Private,
    /// Carrier-grade NAT space (100.64/10).
    SharedAddressSpace,
    /// Link-local (169.254/16, fe80::/10).
    LinkLocal,
    /// Unspecified (0.0.0.0/8, ::).
    Unspecified,
    /// Multicast or broadcast.
    Multicast,
    /// Reserved for documentation (192.0.2/24, 198.51.100/24, 203.0.113/24,
    /// 2001:db8::/32) or other special purposes (240/4, 198.18/15).
    Reserved,
}

impl AddressScope {
    /// Why an address of this kind has no owner, as a note for readers.
    pub fn note(self) -> Option<&'static str> {
        Some(match self {
            AddressScope::Public => return None,
            AddressScope::Loopback => "loopback address: this machine, no public owner",
            AddressScope::Private => {
                "private address (RFC 1918 / RFC 4193): a local network, no public owner"
            }
            AddressScope::SharedAddressSpace => {
                "shared address space (RFC 6598, carrier-grade NAT): no public owner"
            }
            AddressScope::LinkLocal => "link-local address: the local link, no public owner",
            AddressScope::Unspecified => "unspecified address: no owner",
            AddressScope::Multicast => "multicast or broadcast address: no single owner",
            AddressScope::Reserved => {
                "reserved or documentation address: not routed on the internet"
            }
        })
    }
}

/// Classifies an address. IPv4-mapped IPv6 addresses are classified as
/// their IPv4 address.
pub fn classify(ip: IpAddr) -> AddressScope {
    match ip {
        IpAddr::V4(v4) => classify_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => classify_v4(v4),
            None => classify_v6(v6),
        },
    }
}

fn classify_v4(ip: Ipv4Addr) -> AddressScope {
    let [a, b, c, _] = ip.octets();
    match (a, b, c) {
        (127, _, _) => AddressScope::Loopback,
        (10, _, _) | (172, 16..=31, _) | (192, 168, _) => AddressScope::Private,
        (100, 64..=127, _) => AddressScope::SharedAddressSpace,
        (169, 254, _) => AddressScope::LinkLocal,
        (0, _, _) => AddressScope::Unspecified,
        (224..=239, _, _) | (255, 255, 255) => AddressScope::Multicast,
        (192, 0, 2)
        | (198, 51, 100)
        | (203, 0, 113)
        | (198, 18..=19, _)
        | (192, 0, 0)
        | (240..=255, _, _) => AddressScope::Reserved,
        _ => AddressScope::Public,
    }
}

fn classify_v6(ip: Ipv6Addr) -> AddressScope {
    let segments = ip.segments();
    if ip.is_loopback() {
        AddressScope::Loopback
    } else if ip.is_unspecified() {
        AddressScope::Unspecified
    } else if segments[0] & 0xfe00 == 0xfc00 {
        AddressScope::Private
    } else if segments[0] & 0xffc0 == 0xfe80 {
        AddressScope::LinkLocal
    } else if segments[0] & 0xff00 == 0xff00 {
        AddressScope::Multicast
    } else if segments[0] == 0x2001 && segments[1] == 0x0db8 {
        AddressScope::Reserved
    } else {
        AddressScope::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(ip: &str) -> AddressScope {
        classify(ip.parse().unwrap())
    }

    #[test]
    fn special_ranges() {
        assert_eq!(scope("127.0.0.1"), AddressScope::Loopback);
        assert_eq!(scope("::1"), AddressScope::Loopback);
        assert_eq!(scope("10.0.0.1"), AddressScope::Private);
        assert_eq!(scope("172.31.255.255"), AddressScope::Private);
        assert_eq!(scope("172.32.0.1"), AddressScope::Public);
        assert_eq!(scope("192.168.1.1"), AddressScope::Private);
        assert_eq!(scope("fd12:3456::1"), AddressScope::Private);
        assert_eq!(scope("::ffff:192.168.0.1"), AddressScope::Private);
        assert_eq!(scope("100.64.0.1"), AddressScope::SharedAddressSpace);
        assert_eq!(scope("169.254.1.1"), AddressScope::LinkLocal);
        assert_eq!(scope("fe80::1"), AddressScope::LinkLocal);
        assert_eq!(scope("0.0.0.0"), AddressScope::Unspecified);
        assert_eq!(scope("::"), AddressScope::Unspecified);
        assert_eq!(scope("239.1.1.1"), AddressScope::Multicast);
        assert_eq!(scope("2001:db8::1"), AddressScope::Reserved);
        assert_eq!(scope("8.8.8.8"), AddressScope::Public);
        assert_eq!(scope("2409:8000::1"), AddressScope::Public);
    }
}
