use super::*;

fn col(name: &str, decl_type: &str, pk: u32) -> Column {
    Column { name: name.into(), decl_type: decl_type.into(), pk }
}

fn table(name: &str, columns: Vec<Column>, parents: &[&str]) -> TableInfo {
    TableInfo { name: name.into(), columns, parents: parents.iter().map(|p| p.to_string()).collect() }
}

fn scoped(name: &str, parents: &[&str]) -> TableInfo {
    table(name, vec![col("id", "TEXT", 1), col("workspace_id", "TEXT", 0), col("body", "TEXT", 0)], parents)
}

// The triggers as migrations 0012, 0015, 0018 and 0027 write them (shortened bodies).
const FTS_INSERT: &str = "CREATE TRIGGER leads_fts_after_insert AFTER INSERT ON leads BEGIN
  INSERT INTO leads_fts (rowid, email) VALUES (NEW.rowid, NEW.email);
END";
const FTS_UPDATE: &str = "CREATE TRIGGER leads_fts_after_update AFTER UPDATE OF email, name ON leads
WHEN OLD.email IS NOT NEW.email BEGIN
  UPDATE leads_fts SET email = NEW.email WHERE rowid = NEW.rowid;
END";
const FTS_DELETE: &str = "CREATE TRIGGER leads_fts_after_delete AFTER DELETE ON leads BEGIN
  DELETE FROM leads_fts WHERE rowid = OLD.rowid;
END";
const TAGS: &str = "CREATE TRIGGER workspace_tags_after_insert AFTER INSERT ON leads
WHEN NEW.tags <> '[]' AND json_valid(NEW.tags) BEGIN
  INSERT OR IGNORE INTO workspace_tags (workspace_id, tag)
    SELECT NEW.workspace_id, value FROM json_each(NEW.tags) WHERE type = 'text';
END";
const DELIVERY_LEAD: &str = "CREATE TRIGGER deliveries_lead_after_insert AFTER INSERT ON deliveries
WHEN NEW.lead_id IS NULL
BEGIN
  UPDATE deliveries SET lead_id = (SELECT e.lead_id FROM events e WHERE e.id = NEW.event_id) WHERE id = NEW.id;
END";

fn triggers() -> Vec<(String, String)> {
    [("leads", FTS_INSERT), ("leads", FTS_UPDATE), ("leads", FTS_DELETE), ("leads", TAGS), ("deliveries", DELIVERY_LEAD)]
        .iter()
        .map(|(on, sql)| (on.to_string(), sql.to_string()))
        .collect()
}

fn schema() -> Vec<TableInfo> {
    vec![
        scoped("api_keys", &["workspaces"]),
        table("delivery_attempts", vec![col("id", "INTEGER", 1), col("workspace_id", "TEXT", 0), col("delivery_id", "TEXT", 0)], &["deliveries"]),
        scoped("deliveries", &[]),
        table("email_suppressions", vec![col("workspace_id", "TEXT", 1), col("address_hash", "TEXT", 2), col("reason", "TEXT", 0)], &[]),
        scoped("lead_status_changes", &["leads"]),
        scoped("leads", &["workspaces"]),
        table("leads_fts", vec![col("email", "", 0)], &[]),
        table("leads_fts_data", vec![col("id", "INTEGER", 1), col("block", "BLOB", 0)], &[]),
        table("sweep_cursors", vec![col("name", "TEXT", 1), col("cursor", "TEXT", 0)], &[]),
        table("telegram_updates", vec![col("workspace_id", "TEXT", 1), col("update_id", "INTEGER", 2)], &[]),
        table(DIRECTORY_TABLE, vec![col("workspace_id", "TEXT", 1), col("database", "TEXT", 0)], &[]),
        table(CURSOR_TABLE, vec![col("move_id", "TEXT", 1), col("workspace_id", "TEXT", 0)], &[]),
        table("workspace_tags", vec![col("workspace_id", "TEXT", 1), col("tag", "TEXT", 2)], &[]),
        table("workspaces", vec![col("id", "TEXT", 1), col("name", "TEXT", 0)], &[]),
    ]
}

fn names(plans: &[TablePlan]) -> Vec<&str> {
    plans.iter().map(|p| p.name.as_str()).collect()
}

#[test]
fn triggers_name_the_tables_they_keep_but_not_their_own() {
    assert_eq!(written_by_trigger("leads", FTS_INSERT), ["leads_fts"]);
    assert_eq!(written_by_trigger("leads", FTS_UPDATE), ["leads_fts"], "`UPDATE OF` in the head is not a write");
    assert_eq!(written_by_trigger("leads", FTS_DELETE), ["leads_fts"]);
    assert_eq!(written_by_trigger("leads", TAGS), ["workspace_tags"]);
    assert!(written_by_trigger("deliveries", DELIVERY_LEAD).is_empty(), "a trigger fixing its own row keeps no other table");
}

#[test]
fn every_table_naming_a_workspace_moves_and_nothing_else() {
    let plan = plan(&schema(), &triggers()).unwrap();
    assert_eq!(names(&plan.copy), ["workspaces", "api_keys", "deliveries", "delivery_attempts", "email_suppressions", "leads", "lead_status_changes", "telegram_updates"]);
    // Deleted: the same and the tag list the triggers kept, children first.
    let mut deleted = names(&plan.delete);
    assert_eq!(deleted.first(), Some(&"workspace_tags"));
    assert_eq!(deleted.last(), Some(&"workspaces"));
    deleted.sort();
    assert_eq!(deleted, ["api_keys", "deliveries", "delivery_attempts", "email_suppressions", "lead_status_changes", "leads", "telegram_updates", "workspace_tags", "workspaces"]);
}

#[test]
fn parents_come_before_children_in_the_copy_and_after_them_in_the_delete() {
    let plan = plan(&schema(), &triggers()).unwrap();
    let at = |list: &[TablePlan], name: &str| list.iter().position(|p| p.name == name).unwrap();
    for (parent, child) in [("leads", "lead_status_changes"), ("deliveries", "delivery_attempts"), ("workspaces", "leads")] {
        assert!(at(&plan.copy, parent) < at(&plan.copy, child), "{parent} copied before {child}");
        assert!(at(&plan.delete, parent) > at(&plan.delete, child), "{child} deleted before {parent}");
    }
}

#[test]
fn integer_keys_are_left_for_the_destination_to_number() {
    let plan = plan(&schema(), &triggers()).unwrap();
    let attempts = plan.copy.iter().find(|p| p.name == "delivery_attempts").unwrap();
    assert_eq!(attempts.key, ["id"], "the source's id still orders the walk");
    assert_eq!(attempts.copied, ["workspace_id", "delivery_id"]);
    let updates = plan.copy.iter().find(|p| p.name == "telegram_updates").unwrap();
    assert_eq!(updates.copied, ["workspace_id", "update_id"], "an integer in a composite key is data");
    let suppressions = plan.copy.iter().find(|p| p.name == "email_suppressions").unwrap();
    assert_eq!(suppressions.key, ["workspace_id", "address_hash"]);
    assert_eq!(plan.copy[0].scope, "id");
    assert_eq!(plan.copy[1].scope, "workspace_id");
}

#[test]
fn a_foreign_key_cycle_or_no_workspaces_table_is_refused() {
    let cycle = vec![scoped("workspaces", &[]), scoped("a", &["b"]), scoped("b", &["a"])];
    assert!(plan(&cycle, &[]).is_err());
    assert!(plan(&[scoped("leads", &[])], &[]).is_err());
    let self_parent = vec![scoped("workspaces", &[]), scoped("a", &["a"])];
    assert!(plan(&self_parent, &[]).is_ok(), "a table naming itself orders nothing");
}

#[test]
fn the_copy_resumes_after_the_last_recorded_chunk() {
    let plan = plan(&schema(), &triggers()).unwrap();
    let (first, after, chunk) = next_chunk(&plan, &[]).unwrap();
    assert_eq!((first.name.as_str(), after, chunk), ("workspaces", None, 1));
    let cursor = |table: &str, chunk, done| Cursor { table: table.into(), chunk, after_key: format!("[\"{table}-{chunk}\"]"), done };
    let (next, after, chunk) = next_chunk(&plan, &[cursor("workspaces", 1, true), cursor("api_keys", 3, false)]).unwrap();
    assert_eq!((next.name.as_str(), after.as_deref(), chunk), ("api_keys", Some("[\"api_keys-3\"]"), 4));
    let all_done: Vec<Cursor> = plan.copy.iter().map(|p| cursor(&p.name, 1, true)).collect();
    assert!(next_chunk(&plan, &all_done).is_none());
}
