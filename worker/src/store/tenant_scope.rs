//! Every statement on `Store` names its workspace: a native test reads the
//! store's sources and fails on a tenant statement without a workspace
//! argument, one that a bound store checks (`Store::for_workspace`) before
//! it runs the statement. Statements that reach across workspaces belong on
//! `CrossWorkspace`.

use leadsbot_shared::workspace_id::workspace_arguments;

/// Every file of the store, as compiled (`mod.rs` holds no statements).
const SOURCES: &[(&str, &str)] = &[
    ("campaigns.rs", include_str!("campaigns.rs")),
    ("capture.rs", include_str!("capture.rs")),
    ("capture_urls.rs", include_str!("capture_urls.rs")),
    ("cross_workspace.rs", include_str!("cross_workspace.rs")),
    ("databases.rs", include_str!("databases.rs")),
    ("deliveries.rs", include_str!("deliveries.rs")),
    ("delivery_history.rs", include_str!("delivery_history.rs")),
    ("directory.rs", include_str!("directory.rs")),
    ("email_renormalisations.rs", include_str!("email_renormalisations.rs")),
    ("endpoints.rs", include_str!("endpoints.rs")),
    ("erasure.rs", include_str!("erasure.rs")),
    ("events.rs", include_str!("events.rs")),
    ("exports.rs", include_str!("exports.rs")),
    ("filter_choices.rs", include_str!("filter_choices.rs")),
    ("follow_up_firing.rs", include_str!("follow_up_firing.rs")),
    ("follow_ups.rs", include_str!("follow_ups.rs")),
    ("inbox.rs", include_str!("inbox.rs")),
    ("integrations.rs", include_str!("integrations.rs")),
    ("job_status.rs", include_str!("job_status.rs")),
    ("keys.rs", include_str!("keys.rs")),
    ("leads.rs", include_str!("leads.rs")),
    ("member_mail.rs", include_str!("member_mail.rs")),
    ("members.rs", include_str!("members.rs")),
    ("moves.rs", include_str!("moves.rs")),
    ("notes.rs", include_str!("notes.rs")),
    ("recovery.rs", include_str!("recovery.rs")),
    ("rejections.rs", include_str!("rejections.rs")),
    ("retention.rs", include_str!("retention.rs")),
    ("run_actions.rs", include_str!("run_actions.rs")),
    ("sealed.rs", include_str!("sealed.rs")),
    ("sessions.rs", include_str!("sessions.rs")),
    ("summaries.rs", include_str!("summaries.rs")),
    ("suppressions.rs", include_str!("suppressions.rs")),
    ("sweep_cursors.rs", include_str!("sweep_cursors.rs")),
    ("tenant_scope.rs", include_str!("tenant_scope.rs")),
    ("telegram_updates.rs", include_str!("telegram_updates.rs")),
    ("workflow_runs.rs", include_str!("workflow_runs.rs")),
    ("workflows.rs", include_str!("workflows.rs")),
    ("workspaces.rs", include_str!("workspaces.rs")),
];

/// Statements in `impl Store` whose scope the check cannot see in their
/// literal, as `file:function`, each with how it is scoped.
const SCOPED_ELSEWHERE: &[&str] = &[
    // `held_of_campaign`, a `format!` placeholder, is `workspace_id = ?1 AND ...`.
    "campaigns.rs:held_work_statements",
    // `{condition}` always carries the writer's `workspace_id = ?` guard.
    "capture.rs:store_capture",
    // `USES_ENDPOINT` and `EXISTS` both start `workspace_id = ?1`.
    "endpoints.rs:delete_endpoint_disabling_workflows",
    "workflows.rs:workflows_using_endpoint",
    // `DIGESTS_NAMING` selects ids of the workspace's own events.
    "erasure.rs:erase_lead_statements",
    // `{filtered}` is `lead_filter`, scoped by the workspace it is given.
    "exports.rs:custom_keys",
    // `MISSING_EVENTS` and `FAILED_SINCE` are scoped by `?1`.
    "recovery.rs:recover_missing",
    // `{pending}` is `WHERE workspace_id = ? AND run_id = ? ...`.
    "run_actions.rs:run_action_settled_statements",
    // `COLUMNS` names `workspace_id`, bound from the row.
    "workflows.rs:insert_workflow",
    "campaigns.rs:insert_campaign",
];

/// The bodies of `impl Store { ... }` blocks in `source`.
fn store_blocks(source: &str) -> Vec<&str> {
    let mut blocks = Vec::new();
    let mut rest = source;
    while let Some(at) = rest.find("\nimpl Store {") {
        let body = &rest[at + "\nimpl Store {".len()..];
        let end = block_end(body);
        blocks.push(&body[..end]);
        rest = &body[end..];
    }
    blocks
}

/// Where the block opened just before `body` closes, skipping strings,
/// characters and comments.
fn block_end(body: &str) -> usize {
    let bytes = body.as_bytes();
    let (mut depth, mut i) = (1, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => i = string_end(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = body[i..].find('\n').map_or(bytes.len(), |n| i + n),
            b'\'' if bytes.get(i + 2) == Some(&b'\'') => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\\') => i += 3,
            b'{' => depth += 1,
            b'}' => {
                depth -= 1;
                if depth == 0 {
                    return i;
                }
            }
            _ => {}
        }
        i += 1;
    }
    bytes.len()
}

/// The index of the quote closing the string opened at `start`.
fn string_end(bytes: &[u8], start: usize) -> usize {
    let mut i = start + 1;
    while i < bytes.len() && bytes[i] != b'"' {
        i += if bytes[i] == b'\\' { 2 } else { 1 };
    }
    i
}

/// Each SQL statement literal in `block`, with the function it is in.
fn statements(block: &str) -> Vec<(String, &str)> {
    let (bytes, mut found, mut i) = (block.as_bytes(), Vec::new(), 0);
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i);
                let literal = &block[i + 1..end.min(bytes.len())];
                let sql = ["SELECT ", "INSERT ", "UPDATE ", "DELETE ", "WITH "].iter().any(|k| literal.trim_start().starts_with(k));
                if sql {
                    let function = block[..i].rsplit("fn ").next().unwrap_or("").split(|c: char| !c.is_alphanumeric() && c != '_').next().unwrap_or("");
                    found.push((function.to_string(), literal));
                }
                i = end;
            }
            b'/' if bytes.get(i + 1) == Some(&b'/') => i = block[i..].find('\n').map_or(bytes.len(), |n| i + n),
            _ => {}
        }
        i += 1;
    }
    found
}

/// Whether a statement is scoped: an argument of it is compared with or
/// written to a `workspace_id` column (`workspace_arguments`, the arguments a
/// bound store checks before it runs the statement), or it is on the
/// `workspaces` table (whose `id` is the workspace's).
fn scoped(sql: &str) -> bool {
    let sql = sql.split_whitespace().collect::<Vec<_>>().join(" ");
    !workspace_arguments(&sql).is_empty() || sql.starts_with("INSERT INTO workspaces ") || (sql.contains(" workspaces ") && sql.contains("WHERE id = ?"))
}

/// The `file:function` of every unscoped statement on `Store`.
fn unscoped() -> Vec<String> {
    let mut found = Vec::new();
    for (file, source) in SOURCES {
        for block in store_blocks(source) {
            for (function, sql) in statements(block) {
                let at = format!("{file}:{function}");
                if !scoped(sql) && !SCOPED_ELSEWHERE.contains(&at.as_str()) {
                    found.push(at);
                }
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_statement_on_store_names_its_workspace() {
        assert_eq!(unscoped(), Vec::<String>::new(), "scope these by workspace_id, or move them to CrossWorkspace");
    }

    #[test]
    fn the_check_reads_every_file_of_the_store() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/store");
        let mut on_disk: Vec<String> = std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()?.file_name().into_string().ok()).filter(|n| n.ends_with(".rs") && n != "mod.rs").collect();
        on_disk.sort();
        let mut listed: Vec<String> = SOURCES.iter().map(|(file, _)| file.to_string()).collect();
        listed.sort();
        assert_eq!(listed, on_disk);
    }

    #[test]
    fn the_check_finds_an_unscoped_statement() {
        let source = "\nimpl Store {\n    pub async fn leak(&self) {\n        self.all(\"SELECT * FROM leads WHERE id = ?\", &[]).await\n    }\n}\n\nimpl CrossWorkspace {\n    fn fine(&self) { self.run(\"DELETE FROM leads\") }\n}\n";
        let found: Vec<_> = store_blocks(source).into_iter().flat_map(statements).filter(|(_, sql)| !scoped(sql)).map(|(f, _)| f).collect();
        assert_eq!(found, vec!["leak".to_string()]);
        assert!(scoped("SELECT * FROM leads WHERE workspace_id = ? AND id = ?"));
        assert!(scoped("UPDATE workspaces SET name = ? WHERE id = ?"));
    }

    #[test]
    fn the_allow_list_names_only_statements_that_exist() {
        let all: Vec<String> = SOURCES.iter().flat_map(|(file, source)| store_blocks(source).into_iter().flat_map(statements).map(move |(f, _)| format!("{file}:{f}"))).collect();
        for allowed in SCOPED_ELSEWHERE {
            assert!(all.iter().any(|at| at == allowed), "{allowed} is allowed but has no statement");
        }
    }
}
