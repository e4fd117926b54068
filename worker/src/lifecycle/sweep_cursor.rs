//! How a cron sweep that covers workspaces walks all of them, fairly: each
//! tick reads a bounded page of workspaces after the sweep's cursor (kept in
//! D1, `store::sweep_cursors`), does a bounded share of work for each, and
//! moves the cursor past the last one it finished; past the last workspace
//! it wraps around to the first. A workspace with a backlog gets one share
//! per visit, so it never holds back the workspaces after it, and none is
//! out of reach however many there are.

/// The cursor the next tick starts after, given the cursor this tick started
/// after (`previous`), the ids of the page it read (in cursor order, at most
/// `limit`) and how many of them it finished (it stops early when its work
/// budget is spent). `None` starts the next tick at the first workspace.
pub fn next_cursor<'a>(previous: Option<&'a str>, page: &[&'a str], limit: u32, finished: usize) -> Option<&'a str> {
    let finished = finished.min(page.len());
    let reached_the_end = page.len() < limit as usize;
    if finished == page.len() && reached_the_end {
        return None;
    }
    match finished {
        0 => previous,
        n => Some(page[n - 1]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_page_finished_moves_the_cursor_to_its_last_workspace() {
        assert_eq!(next_cursor(None, &["a", "b", "c"], 3, 3), Some("c"));
        assert_eq!(next_cursor(Some("c"), &["d", "e", "f"], 3, 3), Some("f"));
    }

    #[test]
    fn a_short_page_finished_wraps_around_to_the_first_workspace() {
        assert_eq!(next_cursor(Some("f"), &["g"], 3, 1), None);
        assert_eq!(next_cursor(Some("g"), &[], 3, 0), None, "nothing after the cursor (the last workspaces went)");
        assert_eq!(next_cursor(None, &["a", "b"], 3, 2), None, "fewer workspaces than a page: every tick sees them all");
        assert_eq!(next_cursor(None, &[], 3, 0), None);
    }

    #[test]
    fn a_tick_that_spent_its_budget_resumes_after_the_last_workspace_it_finished() {
        assert_eq!(next_cursor(Some("c"), &["d", "e", "f"], 3, 1), Some("d"));
        assert_eq!(next_cursor(Some("f"), &["g", "h"], 3, 1), Some("g"), "not wrapped: h is still to do");
        assert_eq!(next_cursor(Some("c"), &["d", "e", "f"], 3, 0), Some("c"), "nothing finished: same place");
        assert_eq!(next_cursor(None, &["a", "b"], 3, 0), None);
    }

    #[test]
    fn finishing_more_than_the_page_is_finishing_the_page() {
        assert_eq!(next_cursor(None, &["a", "b", "c"], 3, 7), Some("c"));
    }

    /// Walking 10 workspaces 3 at a time reaches every one and comes back to the first.
    #[test]
    fn repeated_ticks_reach_every_workspace_and_wrap() {
        let all: Vec<String> = (0..10).map(|i| format!("ws{i:02}")).collect();
        let (mut cursor, mut seen) = (None::<String>, Vec::new());
        for _ in 0..5 {
            let page: Vec<&str> = all.iter().map(String::as_str).filter(|id| cursor.as_deref().is_none_or(|c| *id > c)).take(3).collect();
            seen.extend(page.iter().map(|s| s.to_string()));
            cursor = next_cursor(cursor.as_deref(), &page, 3, page.len()).map(str::to_owned);
        }
        assert_eq!(seen[..10], all[..]);
        assert_eq!(seen[10..], all[..3], "after the short page, the walk starts over");
    }
}
