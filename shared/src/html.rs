//! Text for Telegram's HTML parse mode: the one escaper, and a string that
//! never grows past Telegram's limit nor cuts an entity in half.

/// Escapes the three characters Telegram's HTML mode reads as markup.
pub fn escape(text: &str) -> String {
    let mut out = Bounded::new(usize::MAX);
    out.push_escaped(text);
    out.out
}

/// A string that refuses to grow past a character budget.
pub struct Bounded {
    pub out: String,
    chars: usize,
    limit: usize,
}

impl Bounded {
    pub fn new(limit: usize) -> Self {
        Self { out: String::new(), chars: 0, limit }
    }

    /// Appends all of `markup` or nothing (a half tag would break parsing).
    pub fn push_markup(&mut self, markup: &str) -> bool {
        let n = markup.chars().count();
        if self.chars.saturating_add(n) > self.limit {
            return false;
        }
        self.out.push_str(markup);
        self.chars += n;
        true
    }

    /// Escapes `<`, `>` and `&` one character at a time, stopping (with an
    /// ellipsis) before the budget, so an entity is never cut in half.
    /// False once the budget is spent.
    pub fn push_escaped(&mut self, value: &str) -> bool {
        let mut buf = [0u8; 4];
        for c in value.chars() {
            let unit: &str = match c {
                '<' => "&lt;",
                '>' => "&gt;",
                '&' => "&amp;",
                c => c.encode_utf8(&mut buf),
            };
            // Keep one character for the ellipsis.
            if self.chars.saturating_add(unit.chars().count() + 1) > self.limit {
                self.push_markup("…");
                return false;
            }
            self.push_markup(unit);
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_stops_whole_at_the_limit() {
        assert_eq!(escape("<b>&\"'</b>"), "&lt;b&gt;&amp;\"'&lt;/b&gt;");
        let mut text = Bounded::new(8);
        assert!(!text.push_escaped("&&&"));
        assert_eq!(text.out, "&amp;…");
        assert!(!text.push_markup("<b>x</b>"));
    }
}
