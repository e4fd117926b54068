//! What a workspace move copies and deletes, and in what order: decided from
//! the schema itself (every table with a `workspace_id` column), so a table
//! added by a later migration is moved without anyone remembering it.
//! Plain functions over plain data; The worker's `workspace::moves` runs them against the databases.

use std::collections::BTreeSet;

/// The directory: it says where the workspace lives, it does not move with it.
pub const DIRECTORY_TABLE: &str = "workspace_homes";
/// The move's own cursors (migration 0037), in the destination.
pub const CURSOR_TABLE: &str = "workspace_move_cursors";
/// The table whose `id` is the workspace; copied first, deleted last.
pub const WORKSPACES: &str = "workspaces";

/// One column as `pragma_table_info` describes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    pub name: String,
    pub decl_type: String,
    /// Its place in the primary key (1, 2, …); 0 when not part of it.
    pub pk: u32,
}

/// One table of the schema: its columns and the tables its foreign keys name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableInfo {
    pub name: String,
    pub columns: Vec<Column>,
    pub parents: Vec<String>,
}

/// How one table's rows of a workspace are read, copied and deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TablePlan {
    pub name: String,
    /// The column naming the workspace: `id` in `workspaces`, else `workspace_id`.
    pub scope: String,
    /// The primary key, in key order: the copy walks the table in this order.
    pub key: Vec<String>,
    /// The columns written in the destination: all but an INTEGER key
    /// (a rowid the destination numbers itself, so no id collides).
    pub copied: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Parents before children, `workspaces` first.
    pub copy: Vec<TablePlan>,
    /// Children before parents, `workspaces` last; includes the trigger-kept tables.
    pub delete: Vec<TablePlan>,
}

/// The tables a trigger's body writes other than the table it is on: those
/// the trigger keeps (the search index, the tag list), which rebuild
/// themselves in the destination as the rows they follow are inserted.
pub fn written_by_trigger(on_table: &str, sql: &str) -> Vec<String> {
    let lower = sql.to_ascii_lowercase();
    let body = lower.find("begin").map_or("", |at| &lower[at + 5..]);
    let words: Vec<&str> = body.split(|c: char| c.is_whitespace() || c == '(' || c == ';').filter(|w| !w.is_empty()).collect();
    let mut written = Vec::new();
    for (i, word) in words.iter().enumerate() {
        let target = match *word {
            "into" | "update" => words.get(i + 1),
            "delete" if words.get(i + 1) == Some(&"from") => words.get(i + 2),
            _ => None,
        };
        // `UPDATE OR IGNORE t`: the name follows the conflict clause.
        let target = match target {
            Some(&"or") => words.get(i + 3),
            other => other,
        };
        if let Some(name) = target.map(|t| t.trim_matches(|c| c == '"' || c == '`' || c == '\'' || c == '[' || c == ']')) {
            if name != on_table && !written.iter().any(|w| w == name) {
                written.push(name.to_string());
            }
        }
    }
    written
}

/// The move's plan over the schema. `triggers`: (table it is on, its SQL).
pub fn plan(tables: &[TableInfo], triggers: &[(String, String)]) -> Result<Plan, String> {
    let kept_by_triggers: BTreeSet<String> = triggers.iter().flat_map(|(on, sql)| written_by_trigger(on, sql)).collect();
    let in_scope: Vec<&TableInfo> = tables
        .iter()
        .filter(|t| t.name != DIRECTORY_TABLE && t.name != CURSOR_TABLE && !t.name.starts_with("sqlite_") && !t.name.starts_with("_cf_"))
        .filter(|t| t.name == WORKSPACES || t.columns.iter().any(|c| c.name == "workspace_id"))
        .collect();
    if !in_scope.iter().any(|t| t.name == WORKSPACES) {
        return Err("the schema has no workspaces table".into());
    }
    let ordered = parents_first(&in_scope)?;
    let plans: Vec<TablePlan> = ordered.iter().map(|t| table_plan(t)).collect();
    let copy = plans.iter().filter(|p| !kept_by_triggers.contains(&p.name)).cloned().collect();
    let delete = plans.into_iter().rev().collect();
    Ok(Plan { copy, delete })
}

fn table_plan(table: &TableInfo) -> TablePlan {
    let mut key: Vec<&Column> = table.columns.iter().filter(|c| c.pk > 0).collect();
    key.sort_by_key(|c| c.pk);
    let rowid_key = key.len() == 1 && key[0].decl_type.eq_ignore_ascii_case("integer");
    let copied = table.columns.iter().filter(|c| !(rowid_key && c.pk == 1)).map(|c| c.name.clone()).collect();
    let key = if key.is_empty() { vec!["rowid".to_string()] } else { key.iter().map(|c| c.name.clone()).collect() };
    let scope = if table.name == WORKSPACES { "id" } else { "workspace_id" };
    TablePlan { name: table.name.clone(), scope: scope.into(), key, copied }
}

/// `workspaces` first, then every table after the tables its foreign keys
/// name (among those moved), ties by name so every step plans the same.
fn parents_first<'a>(tables: &[&'a TableInfo]) -> Result<Vec<&'a TableInfo>, String> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut placed: Vec<&TableInfo> = Vec::new();
    let mut left: Vec<&TableInfo> = tables.to_vec();
    left.sort_by(|a, b| (a.name != WORKSPACES, &a.name).cmp(&(b.name != WORKSPACES, &b.name)));
    while !left.is_empty() {
        let ready = left.iter().position(|t| {
            t.parents.iter().all(|p| p == &t.name || !names.contains(p.as_str()) || placed.iter().any(|q| &q.name == p))
        });
        let Some(at) = ready else {
            return Err(format!("foreign keys form a cycle among {:?}", left.iter().map(|t| &t.name).collect::<Vec<_>>()));
        };
        placed.push(left.remove(at));
    }
    Ok(placed)
}

/// A copy cursor: the last chunk a table has had copied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub table: String,
    pub chunk: u32,
    /// The JSON array of the chunk's last key.
    pub after_key: String,
    pub done: bool,
}

/// The next chunk to copy: its table, the key it starts after (none: from
/// the start) and its number. `None`: every table is copied.
pub fn next_chunk<'p>(plan: &'p Plan, cursors: &[Cursor]) -> Option<(&'p TablePlan, Option<String>, u32)> {
    plan.copy.iter().find_map(|table| match cursors.iter().find(|c| c.table == table.name) {
        None => Some((table, None, 1)),
        Some(cursor) if cursor.done => None,
        Some(cursor) => Some((table, Some(cursor.after_key.clone()), cursor.chunk + 1)),
    })
}

#[cfg(test)]
#[path = "move_plan_tests.rs"]
mod tests;
