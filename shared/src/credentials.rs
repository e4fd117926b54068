//! Credentials that name their workspace: `<prefix>_<workspace id>_<secret>`.
//!
//! A request then finds its workspace (and, once workspaces are spread over
//! several databases, its database) from the credential alone, and looks the
//! credential up inside that workspace only. Credentials made before this
//! carry no workspace (`<prefix>_<secret>`); they keep working through the
//! one lookup that is not scoped, by secret alone (the directory of old
//! credentials), until they are rotated.

use crate::encoding::{base62, is_base62};
use crate::ids::{is_sortable_id, IdKind};

/// The kinds of credential that name their workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CredentialKind {
    /// `lb_sk_…`: 256 random bits.
    ApiKey,
    /// `cap_…` (old ones also `wh_…`): 128 random bits; the id is the capability.
    CaptureUrl,
    /// `lbs_…`: an inbox session's cookie, 128 random bits.
    Session,
    /// `lbl_…`: a one-time inbox link, 128 random bits or (emailed) a 160-bit MAC.
    Link,
}

/// Where a credential is looked up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Home<'a> {
    /// A new credential: in the workspace it names, and nowhere else.
    Workspace(&'a str),
    /// An old one (no workspace inside): by its secret alone, across workspaces.
    Directory,
}

/// Characters of a workspace id (`ws_` + 26 of Crockford base32).
const WORKSPACE_ID_CHARS: usize = 29;

impl CredentialKind {
    fn prefix(self) -> &'static str {
        match self {
            Self::ApiKey => "lb_sk",
            Self::CaptureUrl => "cap",
            Self::Session => "lbs",
            Self::Link => "lbl",
        }
    }

    /// Prefixes only old credentials have (capture URLs were first `wh_…`).
    fn legacy_prefixes(self) -> &'static [&'static str] {
        match self {
            Self::CaptureUrl => &["wh"],
            _ => &[],
        }
    }

    /// The secret part's exact shapes (base62 of the random bytes, or an emailed link's hex MAC).
    fn secret_fits(self, secret: &str) -> bool {
        let lengths: &[usize] = match self {
            Self::ApiKey => &[48],
            Self::CaptureUrl | Self::Session => &[24],
            Self::Link => &[24, 40],
        };
        lengths.contains(&secret.len()) && is_base62(secret)
    }
}

/// A new credential of `kind` naming `workspace_id`, around an already made secret part.
pub fn named(kind: CredentialKind, workspace_id: &str, secret: &str) -> String {
    format!("{}_{workspace_id}_{secret}", kind.prefix())
}

/// A new credential of `kind` for `workspace_id`, its secret from `random`.
pub fn issue(kind: CredentialKind, workspace_id: &str, random: &[u8]) -> String {
    named(kind, workspace_id, &base62(random))
}

/// Where `text` is looked up, if it has one of the exact shapes of `kind`:
/// `None` for anything else, which cannot be a credential and costs no read.
pub fn home(kind: CredentialKind, text: &str) -> Option<Home<'_>> {
    let rest = text.strip_prefix(kind.prefix()).and_then(|r| r.strip_prefix('_')).unwrap_or_default();
    let workspace_id = rest.get(..WORKSPACE_ID_CHARS).filter(|ws| is_sortable_id(IdKind::Workspace, ws));
    let secret = rest.get(WORKSPACE_ID_CHARS..).and_then(|r| r.strip_prefix('_'));
    match (workspace_id, secret) {
        (Some(workspace_id), Some(secret)) if kind.secret_fits(secret) => Some(Home::Workspace(workspace_id)),
        _ => legacy(kind, text).then_some(Home::Directory),
    }
}

/// True when `text` has the shape of a credential of `kind` made before they named their workspace.
fn legacy(kind: CredentialKind, text: &str) -> bool {
    std::iter::once(kind.prefix()).chain(kind.legacy_prefixes().iter().copied()).any(|prefix| {
        text.strip_prefix(prefix).and_then(|r| r.strip_prefix('_')).is_some_and(|secret| kind.secret_fits(secret))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::sortable_id;
    use CredentialKind::*;

    fn workspace(seed: u8) -> String {
        sortable_id(IdKind::Workspace, 1_700_000_000_000, [seed; 10])
    }

    #[test]
    fn new_credentials_name_their_workspace() {
        let ws = workspace(1);
        for (kind, bytes, start) in [(ApiKey, 32, "lb_sk_ws_"), (CaptureUrl, 16, "cap_ws_"), (Session, 16, "lbs_ws_"), (Link, 16, "lbl_ws_")] {
            let credential = issue(kind, &ws, &vec![7; bytes]);
            assert!(credential.starts_with(start), "{credential}");
            assert_eq!(home(kind, &credential), Some(Home::Workspace(ws.as_str())), "{credential}");
        }
        let emailed = named(Link, &ws, &"ab12".repeat(10));
        assert_eq!(home(Link, &emailed), Some(Home::Workspace(ws.as_str())));
    }

    #[test]
    fn old_credentials_are_found_through_the_directory() {
        for (kind, old) in [
            (ApiKey, format!("lb_sk_{}", base62(&[3; 32]))),
            (CaptureUrl, format!("cap_{}", base62(&[3; 16]))),
            (CaptureUrl, format!("wh_{}", base62(&[3; 16]))),
            (Session, format!("lbs_{}", base62(&[3; 16]))),
            (Link, format!("lbl_{}", base62(&[3; 16]))),
            (Link, format!("lbl_{}", "0f".repeat(20))),
        ] {
            assert_eq!(home(kind, &old), Some(Home::Directory), "{old}");
        }
    }

    #[test]
    fn only_the_exact_shapes_count() {
        let ws = workspace(1);
        let key = issue(ApiKey, &ws, &[7; 32]);
        let secret = &key[key.len() - 48..];
        for bad in [
            String::new(),
            "lb_sk_".into(),
            format!("lb_sk_{ws}"),
            format!("lb_sk_{ws}_"),
            format!("lb_sk_{ws}_{}", &secret[1..]),
            format!("lb_sk_{ws}_{secret}x"),
            format!("lb_sk_{ws}_{}!", &secret[1..]),
            format!("lb_sk_{ws}{secret}"),
            format!("lb_sk_{}_{secret}", ws.to_lowercase()),
            format!("lb_sk_ws_nope_{secret}"),
            format!("lb_sk_lead_{}_{secret}", &ws[3..]),
            format!("lb_sk_{ws}_{ws}_{secret}"),
            format!("pk_{ws}_{secret}"),
            format!("lb_sk_{}", &secret[1..]),
            format!("wh_{ws}_{}", base62(&[7; 16])),
            format!("lb_sk_{}é_{secret}", &ws[..28]),
        ] {
            assert_eq!(home(ApiKey, &bad), None, "{bad}");
            assert_eq!(home(CaptureUrl, &bad), None, "{bad}");
        }
        assert_eq!(home(Session, &key), None, "a key is no session");
        assert_eq!(home(ApiKey, &issue(Session, &ws, &[7; 16])), None, "nor a session a key");
        assert_eq!(home(Session, &format!("lbs_{ws}_{}", "0f".repeat(20))), None, "only links are MACs");
    }
}
