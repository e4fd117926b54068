use super::*;
use crate::auth::key_hash;
use leadsbot_shared::ids::{api_key, public_token, sortable_id};

const NOW: i64 = 1_800_000_000_000;

fn workspace_id(seed: u8) -> String {
    sortable_id(IdKind::Workspace, 1_700_000_000_000, [seed; 10])
}

fn workspace(token: &str, origins: &str) -> WorkspaceRow {
    WorkspaceRow {
        id: workspace_id(1),
        name: "W".into(),
        allowed_origins: origins.into(),
        public_token_hash: key_hash(token),
        public_token_prefix: "pk_".into(),
        inbound_secret_sealed: "current".into(),
        previous_public_token_hash: None,
        previous_public_token_expires_at: None,
        previous_inbound_secret_sealed: None,
        previous_inbound_secret_expires_at: None,
        created_at: 0,
        updated_at: 0,
        lead_retention_days: None,
        timezone: "UTC".into(),
        digest_hour: 8,
    }
}

fn key(workspace_id: &str, scopes: &str) -> KeyRow {
    KeyRow {
        id: "key_1".into(),
        workspace_id: workspace_id.into(),
        name: "k".into(),
        key_hash: "h".into(),
        prefix: "lb_sk_".into(),
        last4: "abcd".into(),
        scopes: scopes.into(),
        created_at: 0,
        last_used_at: None,
        revoked_at: None,
    }
}

#[test]
fn credentials_that_cannot_be_valid_are_refused_by_shape() {
    let ws = workspace_id(1);
    let token = Credential::PublicToken(public_token(&ws, [2; 16]));
    assert_eq!(require("ws_nope", &token, None, NOW), Err(Refusal::NoSuchWorkspace));
    assert_eq!(require(&workspace_id(9), &token, None, NOW), Err(Refusal::NoSuchWorkspace), "a token names its workspace");
    let garbage = Credential::PublicToken("pk_garbage".into());
    assert!(matches!(require(&ws, &garbage, None, NOW), Err(Refusal::Malformed(_))));
    let short_key = Credential::ApiKey("lb_sk_nope".into());
    assert!(matches!(require(&ws, &short_key, None, NOW), Err(Refusal::Malformed(_))));
    let others = Credential::ApiKey(api_key(&workspace_id(9), [5; 32]));
    assert_eq!(require(&ws, &others, None, NOW), Err(Refusal::NoSuchWorkspace), "a key names its workspace");
    let stale = Credential::Signature { timestamp: "1".into(), signature: "ab".repeat(32) };
    assert_eq!(require(&ws, &stale, None, NOW), Err(Refusal::Signature(SignatureError::StaleTimestamp)));
    let short_sig = Credential::Signature { timestamp: (NOW / 1000).to_string(), signature: "abcd".into() };
    assert_eq!(require(&ws, &short_sig, None, NOW), Err(Refusal::Signature(SignatureError::Mismatch)));
}

#[test]
fn well_shaped_credentials_become_requirements() {
    let ws = workspace_id(1);
    let secret = api_key(&ws, [5; 32]);
    let required = require(&ws, &Credential::ApiKey(secret.clone()), None, NOW).unwrap();
    assert_eq!(required.proof, Proof::ApiKey { key_hash: key_hash(&secret), scope: Scope::Write, old: false });
    let old = format!("lb_sk_{}", &secret[secret.len() - 48..]);
    let required = require(&ws, &Credential::ApiKey(old.clone()), None, NOW).unwrap();
    assert_eq!(required.proof, Proof::ApiKey { key_hash: key_hash(&old), scope: Scope::Write, old: true }, "made before keys named their workspace");
    let token = public_token(&ws, [2; 16]);
    let required = require(&ws, &Credential::PublicToken(token.clone()), Some("https://a.example"), NOW).unwrap();
    assert_eq!(required.proof, Proof::PublicToken { token_hash: key_hash(&token), origin: Some("https://a.example".into()), now: NOW });
}

#[test]
fn api_keys_need_their_workspace_and_scope() {
    let ws = workspace_id(1);
    assert!(matches!(judge_key(&ws, Scope::Write, None), Err(Refusal::Invalid(_))));
    assert_eq!(judge_key(&ws, Scope::Write, Some(&key(&workspace_id(2), "write"))), Err(Refusal::NoSuchWorkspace));
    assert_eq!(judge_key(&ws, Scope::Write, Some(&key(&ws, "read admin"))), Err(Refusal::MissingScope(Scope::Write)));
    assert_eq!(judge_key(&ws, Scope::Write, Some(&key(&ws, "read write"))), Ok(()));
}

#[test]
fn public_tokens_hold_until_their_grace_ends_and_only_from_allowed_origins() {
    let token = public_token(&workspace_id(1), [2; 16]);
    let old = public_token(&workspace_id(1), [3; 16]);
    let mut row = workspace(&token, r#"["https://site.example"]"#);
    let site = Some("https://site.example");
    assert_eq!(judge_token(&key_hash(&token), site, NOW, Some(&row)), Ok(()));
    assert!(matches!(judge_token(&key_hash(&old), site, NOW, Some(&row)), Err(Refusal::Invalid(_))));
    row.previous_public_token_hash = Some(key_hash(&old));
    row.previous_public_token_expires_at = Some(NOW + 1);
    assert_eq!(judge_token(&key_hash(&old), site, NOW, Some(&row)), Ok(()));
    row.previous_public_token_expires_at = Some(NOW);
    assert_eq!(judge_token(&key_hash(&old), site, NOW, Some(&row)), Err(Refusal::TokenExpired));
    let www = judge_token(&key_hash(&token), Some("https://www.site.example"), NOW, Some(&row));
    assert_eq!(www, Err(Refusal::OriginNotAllowed(Some("https://www.site.example".into()))));
    assert_eq!(www.unwrap_err().rejection_reason(), Some("origin_not_allowed"));
    assert_eq!(judge_token(&key_hash(&token), None, NOW, Some(&row)), Err(Refusal::OriginNotAllowed(None)));
    assert!(matches!(judge_token(&key_hash(&token), site, NOW, None), Err(Refusal::Invalid(_))));
}

#[test]
fn an_empty_origin_list_admits_any_origin() {
    assert!(origin_allowed(&[], None));
    let allowed = vec!["https://site.example".to_string()];
    assert!(origin_allowed(&allowed, Some("https://site.example")));
    assert!(!origin_allowed(&allowed, Some("https://site.example.evil.example")));
    assert!(!origin_allowed(&allowed, None));
}

#[test]
fn only_refusals_of_a_genuine_token_are_recorded() {
    assert_eq!(Refusal::TokenExpired.rejection_reason(), Some("token_expired"));
    assert_eq!(Refusal::Invalid("x").rejection_reason(), None);
    assert_eq!(Refusal::Malformed("x").rejection_reason(), None);
    assert_eq!(Refusal::NoSuchWorkspace.rejection_reason(), None);
}

#[test]
fn browsers_and_servers_never_share_idempotency_keys() {
    assert_ne!(WriterClass::Browser.idempotency_scope(), WriterClass::Server.idempotency_scope());
    assert_eq!(Credential::ApiKey(String::new()).class(), WriterClass::Server);
    assert_eq!(Credential::Signature { timestamp: String::new(), signature: String::new() }.class(), WriterClass::Server);
    assert_eq!(Credential::PublicToken(String::new()).class(), WriterClass::Browser);
}

#[test]
fn the_previous_inbound_secret_verifies_only_during_its_grace() {
    let mut row = workspace("t", "[]");
    assert_eq!(inbound_secrets(&row, NOW), vec!["current"]);
    row.previous_inbound_secret_sealed = Some("old".into());
    row.previous_inbound_secret_expires_at = Some(NOW + 1);
    assert_eq!(inbound_secrets(&row, NOW), vec!["current", "old"]);
    row.previous_inbound_secret_expires_at = Some(NOW);
    assert_eq!(inbound_secrets(&row, NOW), vec!["current"]);
}
