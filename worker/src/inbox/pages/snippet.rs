//! What a list row shows of a lead's message: a short snippet, around the
//! first search match when there is one, with the search's words marked,
//! and the lead's age in words. Pure text functions; the page escapes.

/// How much of the message a row shows, in characters.
const SNIPPET_CHARS: usize = 140;
/// Characters kept before the first match.
const LEAD_IN_CHARS: usize = 40;

/// The snippet as pieces, each marked or not (a match of a search word's start).
pub fn snippet(message: &str, search: &str) -> Vec<(String, bool)> {
    let words = search_words(search);
    let text: Vec<char> = message.split_whitespace().collect::<Vec<_>>().join(" ").chars().collect();
    let lower: Vec<char> = text.iter().map(|c| c.to_lowercase().next().unwrap_or(*c)).collect();
    let marks = match_marks(&lower, &words);
    let first = marks.iter().position(|m| *m).unwrap_or(0);
    let start = first.saturating_sub(LEAD_IN_CHARS).min(text.len());
    let end = (start + SNIPPET_CHARS).min(text.len());
    let mut pieces: Vec<(String, bool)> = Vec::new();
    if start > 0 {
        pieces.push(("…".into(), false));
    }
    for i in start..end {
        match pieces.last_mut() {
            Some((piece, marked)) if *marked == marks[i] && !(piece == "…" && i == start) => piece.push(text[i]),
            _ => pieces.push((text[i].to_string(), marks[i])),
        }
    }
    if end < text.len() {
        pieces.push(("…".into(), false));
    }
    pieces
}

/// The search's words, lowercased, as the index matches them (by prefix).
fn search_words(search: &str) -> Vec<Vec<char>> {
    search
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| w.chars().map(|c| c.to_lowercase().next().unwrap_or(c)).collect())
        .collect()
}

/// For each character: whether it is part of a word that starts with a search word.
fn match_marks(lower: &[char], words: &[Vec<char>]) -> Vec<bool> {
    let mut marks = vec![false; lower.len()];
    for i in 0..lower.len() {
        let word_start = lower[i].is_alphanumeric() && (i == 0 || !lower[i - 1].is_alphanumeric());
        if !word_start {
            continue;
        }
        if let Some(word) = words.iter().find(|w| lower[i..].starts_with(w)) {
            marks[i..i + word.len()].iter_mut().for_each(|m| *m = true);
        }
    }
    marks
}

/// `just now`, `5 min ago`, `3 h ago`, `2 d ago`: how long ago `then` was at `now` (unix ms).
pub fn age(then: i64, now: i64) -> String {
    let minutes = (now - then).max(0) / 60_000;
    match minutes {
        0 => "just now".into(),
        m if m < 60 => format!("{m} min ago"),
        m if m < 48 * 60 => format!("{} h ago", m / 60),
        m => format!("{} d ago", m / (24 * 60)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(pieces: &[(String, bool)]) -> Vec<&str> {
        pieces.iter().filter(|(_, m)| *m).map(|(p, _)| p.as_str()).collect()
    }

    #[test]
    fn marks_word_starts_that_match_the_search() {
        let pieces = snippet("Need a QUOTE for a wall; quoted twice, requote", "quote wal");
        assert_eq!(marked(&pieces), vec!["QUOTE", "wal", "quote"], "prefixes of words, any case, never mid-word");
        let text: String = pieces.iter().map(|(p, _)| p.as_str()).collect();
        assert_eq!(text, "Need a QUOTE for a wall; quoted twice, requote");
        assert!(marked(&snippet("no match here", "zebra")).is_empty());
        assert_eq!(snippet("", "x"), Vec::<(String, bool)>::new());
    }

    #[test]
    fn a_long_message_is_cut_around_the_first_match() {
        let message = format!("{} needle {}", "a ".repeat(100), "b ".repeat(100));
        let pieces = snippet(&message, "needle");
        assert_eq!(pieces.first().unwrap().0, "…");
        assert_eq!(pieces.last().unwrap().0, "…");
        assert_eq!(marked(&pieces), vec!["needle"]);
        let shown: usize = pieces.iter().map(|(p, _)| p.chars().count()).sum();
        assert!(shown <= SNIPPET_CHARS + 2);
        let plain = snippet(&"word ".repeat(60), "");
        assert_eq!(plain.first().unwrap().0.chars().next(), Some('w'), "no search: from the start");
    }

    #[test]
    fn ages_in_words() {
        let now = 10 * 86_400_000;
        assert_eq!(age(now - 30_000, now), "just now");
        assert_eq!(age(now - 5 * 60_000, now), "5 min ago");
        assert_eq!(age(now - 3 * 3_600_000, now), "3 h ago");
        assert_eq!(age(now - 3 * 86_400_000, now), "3 d ago");
        assert_eq!(age(now + 5_000, now), "just now", "a clock a little ahead is not the future");
    }
}
