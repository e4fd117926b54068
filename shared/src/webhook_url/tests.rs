use super::*;
use UrlPolicy::{AllowLocalhost, PublicHttpsOnly};

const BOTH: [UrlPolicy; 2] = [PublicHttpsOnly, AllowLocalhost];

fn refused(text: &str, policy: UrlPolicy) -> UrlError {
    match WebhookUrl::parse(text, policy) {
        Ok(url) => panic!("{text} was allowed under {policy:?} as {}", url.as_str()),
        Err(error) => error,
    }
}

fn allowed(text: &str, policy: UrlPolicy) -> String {
    WebhookUrl::parse(text, policy).unwrap_or_else(|e| panic!("{text} was refused under {policy:?}: {e}")).as_str().to_string()
}

/// Every spelling of a loopback, private or otherwise internal address that
/// the WHATWG parser accepts.
const INTERNAL: &[&str] = &[
    // 127.0.0.1 in every IPv4 notation, percent-encoded and full-width too
    "https://127.0.0.1/", "https://0x7f000001/", "https://2130706433/", "https://127.1/", "https://0177.0.0.1/",
    "https://0x7f.0.0.1/", "https://0x7F.1/", "https://017700000001/", "https://127.0.1/", "https://%31%32%37.0.0.1/",
    "https://１２７.０.０.１/", "https://127。0。0。1/", "https://127.255.255.254:8443/x",
    // IPv6 loopback, unspecified, link-local, unique local, site-local, multicast
    "https://[::1]/", "https://[0:0:0:0:0:0:0:1]/", "https://[::]/", "https://[fe80::1]/", "https://[fc00::1]/",
    "https://[fd12:3456:789a::1]/", "https://[fec0::1]/", "https://[ff02::1]/", "https://[ff0e::1]/",
    // IPv6 forms that embed a private IPv4 address
    "https://[::ffff:127.0.0.1]/", "https://[::ffff:7f00:1]/", "https://[::ffff:a9fe:a9fe]/", "https://[::127.0.0.1]/",
    "https://[::a00:1]/", "https://[64:ff9b::10.0.0.1]/", "https://[64:ff9b::7f00:1]/", "https://[2002:7f00:1::]/",
    "https://[2002:a9fe:a9fe::1]/", "https://[2002:c0a8:101::]/",
    // IPv6 special ranges
    "https://[2001:db8::1]/", "https://[2001::1]/", "https://[2001:2::1]/", "https://[3fff::1]/", "https://[64:ff9b:1::1]/",
    "https://[100::1]/", "https://[::ffff:0:7f00:1]/", "https://[4000::1]/",
    // private, CGNAT, link-local (cloud metadata), unspecified, broadcast, multicast, reserved
    "https://10.0.0.1/", "https://10.255.255.255/", "https://012.0.0.1/", "https://167772161/", "https://172.16.0.1/",
    "https://172.31.255.255/", "https://192.168.1.1/", "https://0xc0a80101/", "https://100.64.0.1/", "https://100.127.255.255/",
    "https://169.254.169.254/latest/meta-data/", "https://0xa9fea9fe/", "https://0.0.0.0/", "https://0/", "https://0.1.2.3/",
    "https://255.255.255.255/", "https://224.0.0.1/", "https://239.255.255.250/", "https://240.0.0.1/",
    // documentation, benchmarking, IETF protocol assignments, 6to4 relay
    "https://192.0.2.1/", "https://198.51.100.7/", "https://203.0.113.9/", "https://198.18.0.1/", "https://198.19.255.255/",
    "https://192.0.0.8/", "https://192.88.99.1/",
    // names for this machine or a private network, any case, trailing dots
    "https://localhost/", "https://LOCALHOST/", "https://localhost./", "https://localhost../", "https://api.localhost/",
    "https://ⓛⓞⓒⓐⓛⓗⓞⓢⓣ/", "https://printer.local/", "https://PRINTER.LOCAL./", "https://metadata.google.internal/",
    "https://db.internal./", "https://router.home.arpa/", "https://intranet/", "https://metadata/",
];

/// The entries of `INTERNAL` the dev switch lets through, as written.
const DEV_LITERALS: [&str; 3] = ["https://127.0.0.1/", "https://localhost/", "https://LOCALHOST/"];

/// `INTERNAL` with what `policy` deliberately allows left out.
fn internal_under(policy: UrlPolicy) -> impl Iterator<Item = &'static str> {
    INTERNAL.iter().copied().filter(move |t| policy == PublicHttpsOnly || !DEV_LITERALS.contains(t))
}

#[test]
fn internal_hosts_are_refused_in_every_notation_under_both_policies() {
    for policy in BOTH {
        for text in internal_under(policy) {
            assert_eq!(refused(text, policy).code(), "private_host", "{text}");
        }
    }
}

#[test]
fn the_same_hosts_over_http_are_refused_too() {
    for policy in BOTH {
        for text in internal_under(policy) {
            let http = text.replacen("https://", "http://", 1);
            let error = refused(&http, policy);
            assert!(matches!(error.code(), "private_host" | "https_required"), "{http}: {error}");
        }
    }
}

#[test]
fn refusals_say_what_the_host_is() {
    let metadata = refused("https://169.254.169.254/latest/meta-data/", PublicHttpsOnly).to_string();
    assert_eq!(metadata, "url host 169.254.169.254 is a link-local address (169.254.0.0/16); receivers must be on the public internet");
    let hex = refused("https://0x7f000001/", PublicHttpsOnly).to_string();
    assert!(hex.contains("127.0.0.1 is a loopback address (127.0.0.0/8)"), "{hex}");
    let mapped = refused("https://[::ffff:7f00:1]/", PublicHttpsOnly).to_string();
    assert!(mapped.contains("[::ffff:127.0.0.1] embeds 127.0.0.1, a loopback address"), "{mapped}");
    assert!(refused("https://100.64.0.1/", PublicHttpsOnly).to_string().contains("carrier-grade NAT"));
    assert!(refused("https://printer.local./", PublicHttpsOnly).to_string().contains("printer.local. is a private name (*.local"));
    assert!(refused("https://[fc00::1]/", PublicHttpsOnly).to_string().contains("unique local"));
}

#[test]
fn credentials_are_refused_wherever_the_host_is() {
    for policy in BOTH {
        for text in ["https://user:pass@hooks.example.com/", "https://user@hooks.example.com/", "https://:pass@hooks.example.com/", "http://user:pw@127.0.0.1:9000/"] {
            assert_eq!(refused(text, policy).code(), "credentials_in_url", "{text}");
        }
    }
    // `127.0.0.1@` is a user name: the host is the public one, and refused for the credential.
    assert_eq!(refused("https://127.0.0.1@hooks.example.com/", AllowLocalhost).code(), "credentials_in_url");
}

#[test]
fn only_https_and_only_absolute_urls() {
    for policy in BOTH {
        for text in ["http://hooks.example.com/x", "ftp://hooks.example.com/", "ws://hooks.example.com/", "wss://hooks.example.com/", "file:///etc/passwd", "gopher://hooks.example.com/", "javascript:alert(1)", "data:text/plain,hi"] {
            assert_eq!(refused(text, policy).code(), "https_required", "{text}");
        }
        for text in ["", "not a url", "/relative/path", "https://", "https://exa mple.com/", "https://[::1/", "https://1.2.3.4.5/", "https://256.0.0.1/"] {
            assert_eq!(refused(text, policy).code(), "invalid_url", "{text}");
        }
        let long = format!("https://hooks.example.com/{}", "a".repeat(2000));
        assert_eq!(refused(&long, policy).code(), "too_long");
    }
}

#[test]
fn public_receivers_are_allowed_and_normalised() {
    for policy in BOTH {
        assert_eq!(allowed("https://hooks.example.com/x", policy), "https://hooks.example.com/x");
        assert_eq!(allowed("  https://HOOKS.Example.COM:8443/in?a=1&b=2 ", policy), "https://hooks.example.com:8443/in?a=1&b=2");
        assert_eq!(allowed("https://hooks.example.com./x", policy), "https://hooks.example.com./x");
        assert_eq!(allowed("https://localhost.example.com/", policy), "https://localhost.example.com/");
        assert_eq!(allowed("https://bücher.example/", policy), "https://xn--bcher-kva.example/");
        assert_eq!(allowed("https://[2606:4700:4700::1111]/x", policy), "https://[2606:4700:4700::1111]/x");
        assert_eq!(allowed("https://[2001:4860:4860::8888]:8443/", policy), "https://[2001:4860:4860::8888]:8443/");
        assert_eq!(allowed("https://[::ffff:8.8.8.8]/", policy), "https://[::ffff:808:808]/");
        assert_eq!(allowed("https://[2002:808:808::1]/", policy), "https://[2002:808:808::1]/");
        assert_eq!(allowed("https://8.8.8.8/", policy), "https://8.8.8.8/");
        assert_eq!(allowed("https://0x08080808/", policy), "https://8.8.8.8/");
        for edge in ["https://11.0.0.1/", "https://172.32.0.1/", "https://172.15.255.255/", "https://100.128.0.1/", "https://100.63.255.255/", "https://169.255.0.1/", "https://192.169.0.1/", "https://223.255.255.255/"] {
            allowed(edge, policy);
        }
    }
}

#[test]
fn the_dev_switch_allows_only_127_0_0_1_and_localhost_as_written() {
    for text in ["http://127.0.0.1:9000/x", "http://localhost:9000/x", "https://127.0.0.1/", "https://localhost:8443/", "http://127.0.0.1", "http://LOCALHOST:1/", "HTTP://127.0.0.1:9000?x", "http://127.0.0.1#f"] {
        allowed(text, AllowLocalhost);
        assert!(WebhookUrl::parse(text, PublicHttpsOnly).is_err(), "{text} under the strict policy");
    }
    assert_eq!(allowed("http://127.0.0.1:9000", AllowLocalhost), "http://127.0.0.1:9000/");
    // Other spellings of this machine, other loopback addresses, and anything private stay refused.
    for text in ["http://0x7f000001:9000/", "http://127.1:9000/", "http://2130706433/", "http://0177.0.0.1/", "http://[::1]:9000/",
        "http://[::ffff:127.0.0.1]/", "http://localhost.:9000/", "http://api.localhost/", "http://127.0.0.2/", "https://127.0.0.2/",
        "http://10.0.0.1/", "http://169.254.169.254/", "http://192.168.1.1/", "http://%31%32%37.0.0.1/"] {
        assert_eq!(refused(text, AllowLocalhost).code(), "private_host", "{text}");
    }
    assert_eq!(refused("http://hooks.example.com/", AllowLocalhost).code(), "https_required");
    assert_eq!(refused("http://127.0.0.1.nip.io/", AllowLocalhost).code(), "https_required");
}

#[test]
fn the_policy_setting_fails_closed() {
    assert_eq!(UrlPolicy::from_setting(Some("allow-localhost")), AllowLocalhost);
    assert_eq!(UrlPolicy::from_setting(Some(" allow-localhost ")), AllowLocalhost);
    for other in [None, Some("https-only"), Some("ALLOW-LOCALHOST"), Some(""), Some("allow-all")] {
        assert_eq!(UrlPolicy::from_setting(other), PublicHttpsOnly, "{other:?}");
    }
}

#[test]
fn refusals_become_422_field_errors_on_url() {
    let error = crate::FieldError::from(&refused("https://[fe80::1]/", PublicHttpsOnly));
    assert_eq!((error.field.as_str(), error.code), ("url", "private_host"));
}
