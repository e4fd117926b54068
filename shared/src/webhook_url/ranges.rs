//! Which IP addresses are on the public internet. IPv4 is a deny-list of the
//! IANA special-purpose ranges that are not globally reachable (plus multicast
//! and the reserved 240/4); IPv6 is an allow-list of global unicast
//! (2000::/3) minus its special ranges, with every form that embeds an IPv4
//! address (mapped, compatible, NAT64, 6to4) judged by the address it embeds.

use std::net::{Ipv4Addr, Ipv6Addr};

/// A range an address was refused for, named for the error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Range {
    pub cidr: &'static str,
    pub kind: &'static str,
}

const fn range(cidr: &'static str, kind: &'static str) -> Range {
    Range { cidr, kind }
}

const IPV4: [(Ipv4Addr, u32, Range); 15] = [
    (Ipv4Addr::new(0, 0, 0, 0), 8, range("0.0.0.0/8", "unspecified (\"this network\")")),
    (Ipv4Addr::new(10, 0, 0, 0), 8, range("10.0.0.0/8", "private")),
    (Ipv4Addr::new(100, 64, 0, 0), 10, range("100.64.0.0/10", "carrier-grade NAT (shared)")),
    (Ipv4Addr::new(127, 0, 0, 0), 8, range("127.0.0.0/8", "loopback")),
    (Ipv4Addr::new(169, 254, 0, 0), 16, range("169.254.0.0/16", "link-local")),
    (Ipv4Addr::new(172, 16, 0, 0), 12, range("172.16.0.0/12", "private")),
    (Ipv4Addr::new(192, 0, 0, 0), 24, range("192.0.0.0/24", "IETF protocol assignment")),
    (Ipv4Addr::new(192, 0, 2, 0), 24, range("192.0.2.0/24", "documentation")),
    (Ipv4Addr::new(192, 88, 99, 0), 24, range("192.88.99.0/24", "reserved (6to4 relay)")),
    (Ipv4Addr::new(192, 168, 0, 0), 16, range("192.168.0.0/16", "private")),
    (Ipv4Addr::new(198, 18, 0, 0), 15, range("198.18.0.0/15", "benchmarking")),
    (Ipv4Addr::new(198, 51, 100, 0), 24, range("198.51.100.0/24", "documentation")),
    (Ipv4Addr::new(203, 0, 113, 0), 24, range("203.0.113.0/24", "documentation")),
    (Ipv4Addr::new(224, 0, 0, 0), 4, range("224.0.0.0/4", "multicast")),
    (Ipv4Addr::new(240, 0, 0, 0), 4, range("240.0.0.0/4", "reserved or broadcast")),
];

/// Named IPv6 ranges, checked before the global-unicast allow-list so the
/// message says what the address is rather than only what it is not.
const IPV6: [(Ipv6Addr, u32, Range); 12] = [
    (Ipv6Addr::UNSPECIFIED, 128, range("::/128", "unspecified")),
    (Ipv6Addr::LOCALHOST, 128, range("::1/128", "loopback")),
    (Ipv6Addr::new(0x64, 0xff9b, 1, 0, 0, 0, 0, 0), 48, range("64:ff9b:1::/48", "local-use NAT64")),
    (Ipv6Addr::new(0x100, 0, 0, 0, 0, 0, 0, 0), 64, range("100::/64", "discard-only")),
    (Ipv6Addr::new(0x2001, 0xdb8, 0, 0, 0, 0, 0, 0), 32, range("2001:db8::/32", "documentation")),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 32, range("2001::/32", "Teredo tunnelling")),
    (Ipv6Addr::new(0x2001, 0, 0, 0, 0, 0, 0, 0), 23, range("2001::/23", "IETF protocol assignment")),
    (Ipv6Addr::new(0x3fff, 0, 0, 0, 0, 0, 0, 0), 20, range("3fff::/20", "documentation")),
    (Ipv6Addr::new(0xfc00, 0, 0, 0, 0, 0, 0, 0), 7, range("fc00::/7", "unique local (private)")),
    (Ipv6Addr::new(0xfe80, 0, 0, 0, 0, 0, 0, 0), 10, range("fe80::/10", "link-local")),
    (Ipv6Addr::new(0xfec0, 0, 0, 0, 0, 0, 0, 0), 10, range("fec0::/10", "site-local (private)")),
    (Ipv6Addr::new(0xff00, 0, 0, 0, 0, 0, 0, 0), 8, range("ff00::/8", "multicast")),
];

const NOT_GLOBAL_UNICAST: Range = range("outside 2000::/3", "reserved (not global unicast)");

/// Why an IPv6 address is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ipv6Refusal {
    Range(Range),
    /// It embeds an IPv4 address that is itself refused.
    Embeds(Ipv4Addr, Range),
}

fn in_prefix(address: u128, network: u128, prefix: u32, bits: u32) -> bool {
    prefix == 0 || address >> (bits - prefix) == network >> (bits - prefix)
}

/// The range that keeps an IPv4 address off the public internet, if any.
pub fn refused_ipv4(address: Ipv4Addr) -> Option<Range> {
    let bits = u128::from(u32::from(address));
    IPV4.iter().find(|(net, prefix, _)| in_prefix(bits, u128::from(u32::from(*net)), *prefix, 32)).map(|(_, _, r)| *r)
}

/// The IPv4 address an IPv6 address stands for, in the forms that carry one:
/// IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), NAT64
/// (64:ff9b::a.b.c.d) and 6to4 (2002:aabb:ccdd::).
pub fn embedded_ipv4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let bits = u128::from(address);
    let low32 = Ipv4Addr::from(bits as u32);
    match address.segments() {
        [0, 0, 0, 0, 0, 0xffff, _, _] | [0, 0, 0, 0, 0, 0, _, _] => Some(low32),
        [0x64, 0xff9b, 0, 0, 0, 0, _, _] => Some(low32),
        [0x2002, high, low, ..] => Some(Ipv4Addr::from((u32::from(high) << 16) | u32::from(low))),
        _ => None,
    }
}

/// Why an IPv6 address is not on the public internet, if it is not.
pub fn refused_ipv6(address: Ipv6Addr) -> Option<Ipv6Refusal> {
    let bits = u128::from(address);
    if let Some((_, _, named)) = IPV6.iter().find(|(net, prefix, _)| in_prefix(bits, u128::from(*net), *prefix, 128)) {
        return Some(Ipv6Refusal::Range(*named));
    }
    if let Some(v4) = embedded_ipv4(address) {
        if let Some(inner) = refused_ipv4(v4) {
            return Some(Ipv6Refusal::Embeds(v4, inner));
        }
        // Mapped and NAT64 forms of a public address reach that address.
        if matches!(address.segments(), [0, 0, 0, 0, 0, 0xffff, _, _] | [0x64, 0xff9b, ..]) {
            return None;
        }
    }
    let global_unicast = in_prefix(bits, 0x2000 << 112, 3, 128);
    (!global_unicast).then_some(Ipv6Refusal::Range(NOT_GLOBAL_UNICAST))
}
