//! The SQL of a workspace move (`workspace::moves` drives it): the schema
//! read generically, a workspace's rows read, copied and deleted one bounded
//! chunk at a time, the copy cursors (in the destination) and the move's
//! state in the directory. Every row statement is scoped to the workspace.

use super::{number, text, wrote, CrossWorkspace};
use crate::error::{ApiError, ApiResult};
use leadsbot_shared::move_plan::{Column, Cursor, TableInfo, TablePlan};
use serde::Deserialize;
use serde_json::{Map, Value};
use wasm_bindgen::JsValue;

/// One row as D1 returns it: column → value.
pub type Row = Map<String, Value>;

#[derive(Deserialize)]
struct ColumnRow {
    table_name: String,
    column_name: String,
    decl_type: Option<String>,
    pk: f64,
}

#[derive(Deserialize)]
struct ParentRow {
    table_name: String,
    parent: String,
}

#[derive(Deserialize)]
struct TriggerRow {
    tbl_name: String,
    sql: Option<String>,
}

#[derive(Deserialize)]
struct CursorRow {
    table_name: String,
    chunk: f64,
    after_key: String,
    done: f64,
}

#[derive(Deserialize)]
struct Total {
    n: Option<f64>,
}

/// The tables the schema lists, but the runtime's own (`_cf_…`, `sqlite_…`).
const OWN_TABLES: &str = "m.type = 'table' AND m.name NOT LIKE 'sqlite\\_%' ESCAPE '\\' AND m.name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND m.name <> 'd1_migrations'";

fn quoted(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

fn list(names: &[String]) -> String {
    names.iter().map(|n| quoted(n)).collect::<Vec<_>>().join(", ")
}

fn placeholders(n: usize) -> String {
    vec!["?"; n].join(", ")
}

/// A value read from D1, to bind again.
fn bind(value: &Value) -> JsValue {
    match value {
        Value::Null => JsValue::NULL,
        Value::Bool(b) => JsValue::from_bool(*b),
        Value::Number(n) => n.as_f64().map_or(JsValue::NULL, JsValue::from_f64),
        Value::String(s) => JsValue::from_str(s),
        other => JsValue::from_str(&other.to_string()),
    }
}

impl CrossWorkspace {
    /// Every table with its columns and the tables its foreign keys name.
    pub async fn schema_tables(&self) -> ApiResult<Vec<TableInfo>> {
        let columns: Vec<ColumnRow> = self
            .all(&format!("SELECT m.name AS table_name, p.name AS column_name, p.type AS decl_type, p.pk AS pk FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE {OWN_TABLES} ORDER BY m.name, p.cid"), &[])
            .await?;
        let parents: Vec<ParentRow> = self.all(&format!("SELECT m.name AS table_name, f.\"table\" AS parent FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) f WHERE {OWN_TABLES}"), &[]).await?;
        let mut tables: Vec<TableInfo> = Vec::new();
        for row in columns {
            let column = Column { name: row.column_name, decl_type: row.decl_type.unwrap_or_default(), pk: row.pk as u32 };
            match tables.last_mut() {
                Some(table) if table.name == row.table_name => table.columns.push(column),
                _ => tables.push(TableInfo { name: row.table_name, columns: vec![column], parents: Vec::new() }),
            }
        }
        for row in parents {
            if let Some(table) = tables.iter_mut().find(|t| t.name == row.table_name) {
                table.parents.push(row.parent);
            }
        }
        Ok(tables)
    }

    /// Every trigger: (the table it is on, its SQL).
    pub async fn schema_triggers(&self) -> ApiResult<Vec<(String, String)>> {
        let rows: Vec<TriggerRow> = self.all("SELECT tbl_name, sql FROM sqlite_master WHERE type = 'trigger'", &[]).await?;
        Ok(rows.into_iter().map(|r| (r.tbl_name, r.sql.unwrap_or_default())).collect())
    }

    /// Up to `limit` of the workspace's rows of `table`, in key order, after `after_key` (a JSON array).
    pub async fn workspace_rows(&self, table: &TablePlan, workspace_id: &str, after_key: Option<&str>, limit: usize) -> ApiResult<Vec<Row>> {
        let mut args = vec![text(workspace_id)];
        let mut sql = format!("SELECT {}, * FROM {} WHERE {} = ?", list(&table.key), quoted(&table.name), quoted(&table.scope));
        if let Some(after) = after_key {
            let key: Vec<Value> = serde_json::from_str(after).map_err(|e| ApiError::internal("move cursor", e))?;
            sql += &format!(" AND ({}) > ({})", list(&table.key), placeholders(key.len()));
            args.extend(key.iter().map(bind));
        }
        sql += &format!(" ORDER BY {} LIMIT ?", list(&table.key));
        args.push(number(limit as i64));
        self.all(&sql, &args).await
    }

    /// Writes one chunk in this (the destination) database with its cursor,
    /// in one batch. The cursor goes first and takes a new chunk number: the
    /// same chunk written twice fails, and its rows with it.
    pub async fn copy_chunk(&self, table: &TablePlan, workspace_id: &str, move_id: &str, cursor: &Cursor, rows: &[Row]) -> ApiResult<()> {
        let count = rows.len() as i64;
        let mut statements = vec![self.statement(
            "INSERT INTO workspace_move_cursors (move_id, workspace_id, table_name, chunk, after_key, rows, done) VALUES (?, ?, ?, ?, ?, ?, ?)",
            &[text(move_id), text(workspace_id), text(&cursor.table), number(cursor.chunk.into()), text(&cursor.after_key), number(count), number(cursor.done.into())],
        )?];
        let insert = format!("INSERT OR IGNORE INTO {} ({}) VALUES ({})", quoted(&table.name), list(&table.copied), placeholders(table.copied.len()));
        for row in rows {
            if row.get(&table.scope).and_then(Value::as_str) != Some(workspace_id) {
                return Err(ApiError::internal("move", format!("a row of {} outside the workspace", table.name)));
            }
            let args: Vec<JsValue> = table.copied.iter().map(|c| bind(row.get(c).unwrap_or(&Value::Null))).collect();
            statements.push(self.statement(&insert, &args)?);
        }
        self.batch(statements).await?;
        Ok(())
    }

    /// Each table's last copy chunk of a move.
    pub async fn move_cursors(&self, move_id: &str, workspace_id: &str) -> ApiResult<Vec<Cursor>> {
        let rows: Vec<CursorRow> = self
            .all(
                "SELECT table_name, chunk, after_key, done FROM workspace_move_cursors c WHERE move_id = ? AND workspace_id = ?
                   AND chunk = (SELECT max(chunk) FROM workspace_move_cursors l WHERE l.move_id = c.move_id AND l.table_name = c.table_name)",
                &[text(move_id), text(workspace_id)],
            )
            .await?;
        Ok(rows.into_iter().map(|r| Cursor { table: r.table_name, chunk: r.chunk as u32, after_key: r.after_key, done: r.done != 0.0 }).collect())
    }

    /// How many rows a move has copied here so far.
    pub async fn move_rows_copied(&self, move_id: &str, workspace_id: &str) -> ApiResult<u64> {
        let total: Option<Total> = self.first("SELECT sum(rows) AS n FROM workspace_move_cursors WHERE move_id = ? AND workspace_id = ?", &[text(move_id), text(workspace_id)]).await?;
        Ok(total.and_then(|t| t.n).unwrap_or(0.0) as u64)
    }

    pub async fn forget_move_cursors(&self, move_id: &str, workspace_id: &str) -> ApiResult<()> {
        self.run("DELETE FROM workspace_move_cursors WHERE move_id = ? AND workspace_id = ?", &[text(move_id), text(workspace_id)]).await?;
        Ok(())
    }

    /// Deletes up to `limit` of the workspace's rows of `table`; whether it deleted any.
    pub async fn delete_workspace_rows(&self, table: &TablePlan, workspace_id: &str, limit: usize) -> ApiResult<bool> {
        let (name, scope, key) = (quoted(&table.name), quoted(&table.scope), list(&table.key));
        let sql = format!("DELETE FROM {name} WHERE {scope} = ? AND ({key}) IN (SELECT {key} FROM {name} WHERE {scope} = ? LIMIT ?)");
        let result = self.statement(&sql, &[text(workspace_id), text(workspace_id), number(limit as i64)])?.run().await.map_err(|e| ApiError::internal("d1 run", e))?;
        Ok(wrote(&result))
    }
}

/// The move's state in the directory (`workspace_homes`, in `DB`): each
/// change is conditional on the move it belongs to, so a stale step changes nothing.
impl CrossWorkspace {
    /// Freezes a workspace at rest in `from`; false if it is not (moved or moving meanwhile).
    pub async fn freeze_for_move(&self, workspace_id: &str, from: &str, to: &str, state: &str) -> ApiResult<bool> {
        self.run(
            "UPDATE workspace_homes SET moving_to = ?, move_state = ? WHERE workspace_id = ? AND database = ? AND moving_to IS NULL
               AND (move_state IS NULL OR json_extract(move_state, '$.phase') = 'done')",
            &[text(to), text(state), text(workspace_id), text(from)],
        )
        .await
        .map(|changed| changed > 0)
    }

    pub async fn record_move_state(&self, workspace_id: &str, move_id: &str, state: &str) -> ApiResult<bool> {
        self.run("UPDATE workspace_homes SET move_state = ? WHERE workspace_id = ? AND json_extract(move_state, '$.id') = ?", &[text(state), text(workspace_id), text(move_id)])
            .await
            .map(|changed| changed > 0)
    }

    /// The flip: the workspace lives in `to` from now on, unfrozen.
    pub async fn flip_move(&self, workspace_id: &str, move_id: &str, to: &str, state: &str) -> ApiResult<bool> {
        self.run(
            "UPDATE workspace_homes SET database = ?, moving_to = NULL, move_state = ? WHERE workspace_id = ? AND moving_to = ? AND json_extract(move_state, '$.id') = ?",
            &[text(to), text(state), text(workspace_id), text(to), text(move_id)],
        )
        .await
        .map(|changed| changed > 0)
    }

    /// The states of the moves under way (the directory's `workspace_homes_moving` index).
    pub async fn moves_under_way(&self) -> ApiResult<Vec<String>> {
        #[derive(Deserialize)]
        struct Moving {
            move_state: String,
        }
        let rows: Vec<Moving> = self
            .all("SELECT move_state FROM workspace_homes WHERE move_state IS NOT NULL AND json_extract(move_state, '$.phase') <> 'done'", &[])
            .await?;
        Ok(rows.into_iter().map(|r| r.move_state).collect())
    }

    /// Undoes a freeze nothing has been copied under (its first step could not be sent).
    pub async fn unfreeze_unstarted_move(&self, workspace_id: &str, move_id: &str) -> ApiResult<()> {
        self.run(
            "UPDATE workspace_homes SET moving_to = NULL, move_state = NULL WHERE workspace_id = ? AND json_extract(move_state, '$.id') = ? AND json_extract(move_state, '$.phase') = 'settling'",
            &[text(workspace_id), text(move_id)],
        )
        .await?;
        Ok(())
    }
}
