//! Lead search: what a user types into the search box, turned into an FTS5
//! query that cannot be broken. Every word is quoted as an FTS5 string (a
//! `"` inside is doubled), so `AND`, `OR`, `NOT`, `NEAR`, `*`, `^`, `:`,
//! parentheses and column filters in the input are searched as text, never
//! read as operators. Each word is a prefix (`"ada"*`), so results follow
//! the typing; words must all match (FTS5's implicit AND). A word with
//! punctuation (`ada@exa`) is a phrase: its parts in order, the last a prefix.

/// At most this many words are searched; the rest of the input is ignored,
/// so no query costs more than a bounded number of index lookups.
pub const MAX_WORDS: usize = 8;

/// A search as an FTS5 MATCH expression. Private, so only `parse` makes one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery(String);

impl SearchQuery {
    /// `None` when the input holds no letter or digit: nothing can match it
    /// (the index keeps only words), and the caller decides what that means.
    pub fn parse(input: &str) -> Option<Self> {
        let words: Vec<String> = input
            .split(|c: char| c.is_whitespace() || c.is_control())
            .filter(|word| word.chars().any(char::is_alphanumeric))
            .take(MAX_WORDS)
            .map(|word| format!("\"{}\"*", word.replace('"', "\"\"")))
            .collect();
        (!words.is_empty()).then(|| Self(words.join(" ")))
    }

    /// The expression to bind to `leads_fts MATCH ?`.
    pub fn as_fts5(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fts(input: &str) -> Option<String> {
        SearchQuery::parse(input).map(|q| q.as_fts5().to_string())
    }

    #[test]
    fn each_word_is_a_quoted_prefix() {
        assert_eq!(fts("ada").as_deref(), Some("\"ada\"*"));
        assert_eq!(fts("  Ada   Love ").as_deref(), Some("\"Ada\"* \"Love\"*"));
        assert_eq!(fts("ada@exa").as_deref(), Some("\"ada@exa\"*"));
    }

    #[test]
    fn operators_are_searched_as_text() {
        assert_eq!(fts("a OR b").as_deref(), Some("\"a\"* \"OR\"* \"b\"*"));
        assert_eq!(fts("NEAR(a b)").as_deref(), Some("\"NEAR(a\"* \"b)\"*"));
        assert_eq!(fts("email:ada -x ^y").as_deref(), Some("\"email:ada\"* \"-x\"* \"^y\"*"));
        assert_eq!(fts("say \"hi\"").as_deref(), Some("\"say\"* \"\"\"hi\"\"\"*"));
        assert_eq!(fts("\"unclosed").as_deref(), Some("\"\"\"unclosed\"*"));
    }

    #[test]
    fn every_quote_inside_a_word_is_doubled() {
        for input in ["\"", "a\"b", "\"\"\"x", "x\"\"", "\u{0}a\"\u{7}"] {
            let expr = fts(input).unwrap_or_default();
            for term in expr.split(' ').filter(|t| !t.is_empty()) {
                let inner = term.strip_prefix('"').and_then(|t| t.strip_suffix("\"*")).expect("quoted prefix term");
                assert!(!inner.replace("\"\"", "").contains('"'), "{input:?} gave {expr:?}");
            }
        }
    }

    #[test]
    fn input_without_letters_or_digits_is_no_search() {
        for input in ["", "   ", "\"", "@@ --", "* ( ) :", "\u{0}\t\n"] {
            assert_eq!(fts(input), None, "{input:?}");
        }
    }

    #[test]
    fn control_characters_separate_words() {
        assert_eq!(fts("ada\u{0}love").as_deref(), Some("\"ada\"* \"love\"*"));
    }

    #[test]
    fn unicode_words_are_kept() {
        assert_eq!(fts("Crème Ωμέγα 東京").as_deref(), Some("\"Crème\"* \"Ωμέγα\"* \"東京\"*"));
    }

    #[test]
    fn at_most_max_words_are_searched() {
        let many = (0..20).map(|i| format!("w{i}")).collect::<Vec<_>>().join(" ");
        assert_eq!(fts(&many).map(|e| e.split(' ').count()), Some(MAX_WORDS));
    }
}
