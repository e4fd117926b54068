//! A workspace's id, and which arguments of a SQL statement name one.
//!
//! A store bound to one workspace (the worker's `Store::for_workspace`) runs
//! only statements whose workspace arguments are that workspace's id:
//! `workspace_arguments` finds them in the statement's text, so the check
//! lives in the one place every statement is prepared, not in each query.

use crate::ids::{is_sortable_id, IdKind};
use std::fmt;

/// A workspace id in the one shape LeadsBot issues (`ws_` + 26 Crockford
/// characters): made only by parsing, so holding one means it was checked.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct WorkspaceId(String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotAWorkspaceId;

impl WorkspaceId {
    pub fn parse(text: &str) -> Result<Self, NotAWorkspaceId> {
        match is_sortable_id(IdKind::Workspace, text) {
            true => Ok(Self(text.to_string())),
            false => Err(NotAWorkspaceId),
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for WorkspaceId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for WorkspaceId {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A statement that names a workspace other than the one its store is bound
/// to: `named` is what it gave (`None`: not text).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OtherWorkspace {
    pub named: Option<String>,
}

/// Whether `sql` names no workspace but `bound`: each of its workspace
/// arguments (`workspace_arguments`), read with `argument`, must be `bound`'s id.
pub fn names_only(bound: &WorkspaceId, sql: &str, argument: impl Fn(usize) -> Option<String>) -> Result<(), OtherWorkspace> {
    for index in workspace_arguments(sql) {
        let named = argument(index);
        if named.as_deref() != Some(bound.as_str()) {
            return Err(OtherWorkspace { named });
        }
    }
    Ok(())
}

/// The 0-based indexes of the arguments that `sql` binds to a workspace:
/// those compared with a `workspace_id` column (`workspace_id = ?`,
/// `l.workspace_id = ?2`) and those inserted into one
/// (`INSERT INTO t (…, workspace_id, …) VALUES (…, ?2, …)` or `SELECT …, ?2, …`).
/// Placeholders are numbered as SQLite numbers them: `?N` is N, a bare `?`
/// one more than the largest so far. Text inside quotes is skipped.
pub fn workspace_arguments(sql: &str) -> Vec<usize> {
    let tokens = tokens(sql);
    let mut found = Vec::new();
    for (at, token) in tokens.iter().enumerate() {
        // `workspace_id = ?N`, either way round.
        if let Token::Placeholder(index) = token {
            let before = at.checked_sub(2).map(|b| (&tokens[b], &tokens[b + 1]));
            let after = tokens.get(at + 1).zip(tokens.get(at + 2));
            let names_workspace = |t: &Token| matches!(t, Token::Word(w) if is_workspace_column(w));
            let compared = matches!(before, Some((w, Token::Symbol('='))) if names_workspace(w))
                || matches!(after, Some((Token::Symbol('='), w)) if names_workspace(w));
            if compared {
                found.push(*index);
            }
        }
    }
    found.extend(inserted_workspace(&tokens));
    found.sort_unstable();
    found.dedup();
    found
}

fn is_workspace_column(word: &str) -> bool {
    word.rsplit('.').next().is_some_and(|column| column.eq_ignore_ascii_case("workspace_id"))
}

/// In `INSERT … (columns) VALUES (values)` or `INSERT … (columns) SELECT values`,
/// the placeholder in the `workspace_id` column's place.
fn inserted_workspace(tokens: &[Token]) -> Option<usize> {
    let insert = tokens.iter().position(|t| t.is_word("INSERT"))?;
    let open = insert + tokens[insert..].iter().position(|t| matches!(t, Token::Symbol('(')))?;
    let columns = list_at(tokens, open)?;
    let column = columns.iter().position(|item| matches!(item.as_slice(), [Token::Word(w)] if is_workspace_column(w)))?;
    let after_columns = open + columns.iter().map(|c| c.len() + 1).sum::<usize>() + 1;
    let values = match tokens.get(after_columns)? {
        t if t.is_word("VALUES") => list_at(tokens, after_columns + 1)?,
        t if t.is_word("SELECT") => select_list(&tokens[after_columns + 1..]),
        _ => return None,
    };
    match values.get(column)?.as_slice() {
        [Token::Placeholder(index)] => Some(*index),
        _ => None,
    }
}

/// The comma-separated items of the parenthesised list opening at `open`.
fn list_at(tokens: &[Token], open: usize) -> Option<Vec<Vec<Token>>> {
    if !matches!(tokens.get(open)?, Token::Symbol('(')) {
        return None;
    }
    let mut items = vec![Vec::new()];
    let mut depth = 0;
    for token in &tokens[open + 1..] {
        match token {
            Token::Symbol('(') => depth += 1,
            Token::Symbol(')') if depth == 0 => return Some(items),
            Token::Symbol(')') => depth -= 1,
            Token::Symbol(',') if depth == 0 => {
                items.push(Vec::new());
                continue;
            }
            _ => {}
        }
        items.last_mut()?.push(token.clone());
    }
    None
}

/// The items of a `SELECT` list, up to its `FROM`, `WHERE` or end.
fn select_list(tokens: &[Token]) -> Vec<Vec<Token>> {
    let mut items = vec![Vec::new()];
    let mut depth = 0;
    for token in tokens {
        match token {
            Token::Word(w) if depth == 0 && ["FROM", "WHERE"].iter().any(|k| w.eq_ignore_ascii_case(k)) => break,
            Token::Symbol('(') => depth += 1,
            Token::Symbol(')') => depth -= 1,
            Token::Symbol(',') if depth == 0 => {
                items.push(Vec::new());
                continue;
            }
            _ => {}
        }
        if let Some(item) = items.last_mut() {
            item.push(token.clone());
        }
    }
    items
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Word(String),
    /// A placeholder's 0-based argument index.
    Placeholder(usize),
    Symbol(char),
}

impl Token {
    fn is_word(&self, keyword: &str) -> bool {
        matches!(self, Token::Word(w) if w.eq_ignore_ascii_case(keyword))
    }
}

fn tokens(sql: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut largest = 0usize;
    let mut chars = sql.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\'' | '"' | '`' => {
                // A quoted string or name: skipped whole ('' inside is two quotes in a row).
                for inner in chars.by_ref() {
                    if inner == c {
                        break;
                    }
                }
            }
            '?' => {
                let mut digits = String::new();
                while let Some(d) = chars.peek().filter(|d| d.is_ascii_digit()) {
                    digits.push(*d);
                    chars.next();
                }
                let number = digits.parse::<usize>().unwrap_or(largest + 1);
                largest = largest.max(number);
                tokens.push(Token::Placeholder(number.saturating_sub(1)));
            }
            c if c.is_alphanumeric() || c == '_' || c == '.' => {
                let mut word = c.to_string();
                while let Some(w) = chars.peek().filter(|w| w.is_alphanumeric() || **w == '_' || **w == '.') {
                    word.push(*w);
                    chars.next();
                }
                tokens.push(Token::Word(word));
            }
            c if c.is_whitespace() => {}
            c => tokens.push(Token::Symbol(c)),
        }
    }
    tokens
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_workspace_id_is_the_shape_leadsbot_issues() {
        let id = "ws_01HGW2N7EB0000000000000000";
        assert_eq!(WorkspaceId::parse(id).map(|w| w.to_string()), Ok(id.to_string()));
        for bad in ["", "ws_", "ws_1", "lead_01HGW2N7EB0000000000000000", "ws_01HGW2N7EB000000000000000U", "ws_01HGW2N7EB0000000000000000 "] {
            assert_eq!(WorkspaceId::parse(bad), Err(NotAWorkspaceId), "{bad:?}");
        }
    }

    #[test]
    fn comparisons_with_the_column_name_their_arguments() {
        assert_eq!(workspace_arguments("SELECT * FROM leads WHERE workspace_id = ? AND id = ?"), vec![0]);
        assert_eq!(workspace_arguments("SELECT * FROM leads WHERE id = ? AND workspace_id = ?"), vec![1]);
        assert_eq!(workspace_arguments("SELECT 1 FROM leads l WHERE l.workspace_id = ?2 AND l.id = ?1"), vec![1]);
        assert_eq!(workspace_arguments("DELETE FROM x WHERE ?3 = workspace_id"), vec![2]);
        assert_eq!(workspace_arguments("UPDATE t SET a = ?5 WHERE workspace_id = ? AND b = ?"), vec![5]);
        assert_eq!(workspace_arguments("SELECT 1 FROM a WHERE a.workspace_id = ?1 UNION SELECT 1 FROM b WHERE b.workspace_id = ?1"), vec![0]);
    }

    #[test]
    fn inserts_name_the_argument_in_the_columns_place() {
        assert_eq!(workspace_arguments("INSERT INTO lead_notes (id, workspace_id, lead_id) VALUES (?1, ?2, ?3)"), vec![1]);
        assert_eq!(workspace_arguments("INSERT INTO lead_notes (id, workspace_id, body) SELECT ?1, ?2, ?3 WHERE EXISTS (SELECT 1 FROM leads WHERE workspace_id = ?2)"), vec![1]);
        assert_eq!(workspace_arguments("INSERT OR IGNORE INTO t (workspace_id, n) VALUES (?, lower(?))"), vec![0]);
        // A workspace column filled by an expression names no argument of its own.
        assert_eq!(workspace_arguments("INSERT INTO t (workspace_id, n) VALUES ((SELECT workspace_id FROM leads WHERE id = ?1), ?2)"), Vec::<usize>::new());
    }

    #[test]
    fn a_bound_store_runs_statements_naming_its_workspace_only() {
        let bound = WorkspaceId::parse("ws_01HGW2N7EB0000000000000000").unwrap();
        let other = "ws_01HGW2N7EB0000000000000001";
        let sql = "SELECT * FROM leads WHERE workspace_id = ?1 AND id = ?2";
        let args = |values: [&str; 2]| {
            let values: Vec<String> = values.iter().map(|v| v.to_string()).collect();
            move |i: usize| values.get(i).cloned()
        };
        assert_eq!(names_only(&bound, sql, args([bound.as_str(), "lead_1"])), Ok(()));
        assert_eq!(names_only(&bound, sql, args([other, "lead_1"])), Err(OtherWorkspace { named: Some(other.into()) }));
        assert_eq!(names_only(&bound, sql, |_| None), Err(OtherWorkspace { named: None }), "a missing or non-text argument is not the workspace");
        // Other arguments may hold anything, another workspace's id included (a lead's message can).
        assert_eq!(names_only(&bound, "INSERT INTO leads (workspace_id, message) VALUES (?1, ?2)", args([bound.as_str(), other])), Ok(()));
        assert_eq!(names_only(&bound, "SELECT 1 FROM workspaces WHERE id = ?", args([other, ""])), Ok(()), "no workspace argument, nothing to check");
    }

    #[test]
    fn quoted_text_and_other_columns_are_not_workspaces() {
        assert_eq!(workspace_arguments("SELECT 'workspace_id = ?' FROM t WHERE id = ?"), Vec::<usize>::new());
        assert_eq!(workspace_arguments("SELECT * FROM t WHERE other_workspace_id = ?"), Vec::<usize>::new());
        assert_eq!(workspace_arguments("SELECT * FROM workspaces WHERE id = ?"), Vec::<usize>::new());
    }
}
