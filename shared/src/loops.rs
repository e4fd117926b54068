//! What keeps the service from delivering into itself: a webhook whose URL
//! is one of its own hosts would turn each lead's event into a capture, and
//! so into another lead and another event, without end.
//!
//! - `OwnHosts` says whether a URL's host is the service's own: the host a
//!   request came to, the configured public hosts, the `workers.dev` address;
//!   locally `127.0.0.1` and `localhost` on the serving port only (other
//!   local ports are other programs, such as a developer's receiver).
//! - `is_own_delivery` says whether a capture carries one of our delivery
//!   headers: then it is our own delivery coming back, however it was routed.

use url::{Host, Url};

/// A host of the service: its canonical name and, for loopback, its port.
#[derive(Debug, Clone, PartialEq, Eq)]
struct OwnHost {
    name: String,
    port: Option<u16>,
}

/// The service's own hosts, built per request.
#[derive(Debug, Clone, Default)]
pub struct OwnHosts {
    hosts: Vec<OwnHost>,
    /// The worker's name: `<name>.<account>.workers.dev` is its address there.
    workers_dev_name: String,
}

const LOOPBACK: &str = "loopback";

/// The name a host is compared by: lowercase, no root dot, and every
/// spelling of this machine (`127.0.0.1`, `localhost`, `[::1]`) as one.
fn canonical(host: &Host<&str>) -> String {
    match host {
        Host::Domain(name) => match name.trim_end_matches('.').to_ascii_lowercase() {
            name if name == "localhost" => LOOPBACK.into(),
            name => name,
        },
        Host::Ipv4(address) if address.is_loopback() => LOOPBACK.into(),
        Host::Ipv6(address) if address.is_loopback() => LOOPBACK.into(),
        Host::Ipv4(address) => address.to_string(),
        Host::Ipv6(address) => format!("[{address}]"),
    }
}

/// `host[:port]` as a request's Host or an entry of the configured list.
fn parse_host(text: &str) -> Option<OwnHost> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let url = Url::parse(&format!("http://{text}")).ok()?;
    Some(OwnHost { name: canonical(&url.host()?), port: url.port() })
}

impl OwnHosts {
    /// `serving`: the request's `host[:port]`; `configured`: host names
    /// separated by commas or spaces; `workers_dev_name`: the worker's name.
    pub fn new(serving: Option<&str>, configured: &str, workers_dev_name: &str) -> Self {
        let configured = configured.split([',', ' ']).filter_map(parse_host);
        let hosts = serving.and_then(parse_host).into_iter().chain(configured).collect();
        Self { hosts, workers_dev_name: workers_dev_name.to_ascii_lowercase() }
    }

    /// Whether requests to `url` would reach this service.
    pub fn owns(&self, url: &Url) -> bool {
        let Some(host) = url.host() else { return false };
        let name = canonical(&host);
        let port = url.port_or_known_default();
        let on_workers_dev = name.strip_suffix(".workers.dev").and_then(|rest| rest.split('.').next()) == Some(self.workers_dev_name.as_str());
        on_workers_dev
            || self.hosts.iter().any(|own| {
                // Another port of a public name is still this zone; on this machine it is another program.
                own.name == name && (name != LOOPBACK || own.port.or(Some(80)) == port)
            })
    }
}

/// Our delivery headers: `X-LeadsBot-Delivery` (any value), or a Standard
/// Webhooks `webhook-id` naming one of our jobs (`dlv_…`; other senders use
/// that header too, with their own ids).
pub fn is_own_delivery(leadsbot_delivery: Option<&str>, webhook_id: Option<&str>) -> bool {
    leadsbot_delivery.is_some_and(|v| !v.trim().is_empty()) || webhook_id.is_some_and(|id| id.trim().starts_with("dlv_"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn owns(hosts: &OwnHosts, url: &str) -> bool {
        hosts.owns(&Url::parse(url).unwrap())
    }

    #[test]
    fn the_serving_host_is_ours_on_any_port_and_in_any_spelling() {
        let hosts = OwnHosts::new(Some("leads.example.com"), "", "leadsbot");
        for url in ["https://leads.example.com/api/inbound/w/wh_1/leads", "https://LEADS.example.com./x", "https://leads.example.com:8443/x", "http://leads.example.com/x"] {
            assert!(owns(&hosts, url), "{url}");
        }
        for url in ["https://hooks.example.com/x", "https://x.leads.example.com/x", "https://example.com/x"] {
            assert!(!owns(&hosts, url), "{url}");
        }
    }

    #[test]
    fn configured_hosts_and_the_workers_dev_address_are_ours() {
        let hosts = OwnHosts::new(Some("leads.example.com"), " api.example.org, büro.example ,", "leadsbot");
        assert!(owns(&hosts, "https://api.example.org/api/inbound/x/leads"));
        assert!(owns(&hosts, "https://xn--bro-hoa.example/x"), "compared as IDNA");
        assert!(owns(&hosts, "https://leadsbot.acme.workers.dev/x"));
        assert!(owns(&hosts, "https://LeadsBot.other-account.workers.dev/x"));
        assert!(!owns(&hosts, "https://someone-else.acme.workers.dev/x"));
        assert!(!owns(&hosts, "https://leadsbot.example.com/x"));
    }

    #[test]
    fn locally_only_the_serving_port_is_ours_under_any_loopback_name() {
        let hosts = OwnHosts::new(Some("127.0.0.1:8787"), "", "leadsbot");
        for url in ["http://127.0.0.1:8787/api/inbound/w/wh_1/leads", "http://localhost:8787/x", "http://[::1]:8787/x", "http://LOCALHOST:8787/x"] {
            assert!(owns(&hosts, url), "{url}");
        }
        for url in ["http://127.0.0.1:9000/hook", "http://localhost:9000/hook", "http://127.0.0.1/x"] {
            assert!(!owns(&hosts, url), "{url}");
        }
        let default_port = OwnHosts::new(Some("localhost"), "", "leadsbot");
        assert!(owns(&default_port, "http://127.0.0.1/x") && !owns(&default_port, "https://127.0.0.1/x"));
    }

    #[test]
    fn no_hosts_known_owns_nothing_but_the_workers_dev_address() {
        let hosts = OwnHosts::new(None, "", "leadsbot");
        assert!(!owns(&hosts, "https://hooks.example.com/x"));
        assert!(owns(&hosts, "https://leadsbot.acme.workers.dev/x"));
    }

    #[test]
    fn our_delivery_headers_are_recognised() {
        assert!(is_own_delivery(Some("dlv_01J"), None));
        assert!(is_own_delivery(Some("anything"), None), "the header is ours whatever it says");
        assert!(is_own_delivery(None, Some("dlv_01JABC")));
        assert!(!is_own_delivery(None, Some("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W")), "another sender's Standard Webhooks id");
        assert!(!is_own_delivery(Some(" "), None));
        assert!(!is_own_delivery(None, None));
    }
}
