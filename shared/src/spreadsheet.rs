//! The spreadsheet-formula guard for exported cells (CSV injection).
//!
//! A spreadsheet reads a cell as a formula when it starts with `=`, `+`, `-`
//! or `@`. Which character ends a cell depends on the reader: `,` in most
//! locales, `;` where the list separator is `;` (German, French, …), a tab
//! when the file is pasted or read as tab-separated, and a line break when a
//! reader does not honour quotes. Spreadsheets also skip leading spaces of
//! any kind. So a formula character is neutralised (a `'` put before it,
//! which makes the cell text) wherever any reader could start a cell with
//! it: first in the value, or first after one of those separators, with
//! spaces and quotes before it skipped.

use std::borrow::Cow;

/// Characters a spreadsheet reads as the start of a formula.
fn is_formula_start(c: char) -> bool {
    matches!(c, '=' | '+' | '-' | '@')
}

/// Characters that end a cell for some reader in some locale.
fn is_separator(c: char) -> bool {
    matches!(c, ',' | ';' | '\t' | '\n' | '\r')
}

/// Characters skipped before a cell's content: every Unicode space (tab,
/// CR, no-break and the typographic ones), the invisible zero-width ones,
/// and quotes (a reader that does not honour quoting keeps them in front).
fn is_skipped(c: char) -> bool {
    c.is_whitespace() || matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '"')
}

/// The value with a `'` before every formula character that could start a
/// cell; borrowed when there is none.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    let mut out: Option<String> = None;
    let mut at_cell_start = true;
    for (index, c) in value.char_indices() {
        if at_cell_start && is_formula_start(c) {
            out.get_or_insert_with(|| value[..index].to_string()).push('\'');
        }
        if let Some(out) = out.as_mut() {
            out.push(c);
        }
        at_cell_start = is_separator(c) || (at_cell_start && is_skipped(c));
    }
    match out {
        Some(owned) => Cow::Owned(owned),
        None => Cow::Borrowed(value),
    }
}

#[cfg(test)]
mod tests {
    use super::neutralise;

    #[test]
    fn a_formula_character_first_in_the_cell_is_quoted() {
        for (given, shown) in [("=1+1", "'=1+1"), ("+x", "'+x"), ("-y", "'-y"), ("@z", "'@z"), ("+49 30 1234567", "'+49 30 1234567")] {
            assert_eq!(neutralise(given), shown);
        }
    }

    #[test]
    fn spaces_of_any_kind_and_quotes_before_it_are_skipped() {
        for (given, shown) in [
            (" =1", " '=1"),
            ("\t=1", "\t'=1"),
            ("\r\n@x", "\r\n'@x"),
            ("\u{00A0}=1", "\u{00A0}'=1"),
            ("\u{2003}\u{3000}-1", "\u{2003}\u{3000}'-1"),
            ("\u{200B}\u{FEFF}+1", "\u{200B}\u{FEFF}'+1"),
            ("\"=1", "\"'=1"),
        ] {
            assert_eq!(neutralise(given), shown, "{given:?}");
        }
    }

    #[test]
    fn a_formula_character_after_any_locales_separator_is_quoted() {
        for (given, shown) in [
            ("x;=1+1;y", "x;'=1+1;y"),
            ("x,=1", "x,'=1"),
            ("x\t=1", "x\t'=1"),
            ("a\n-b", "a\n'-b"),
            ("a\r+b", "a\r'+b"),
            ("Doe, \u{00A0}@me", "Doe, \u{00A0}'@me"),
            ("vip;=cmd;eu", "vip;'=cmd;eu"),
            ("x;\"=1", "x;\"'=1"),
            ("=a;=b,=c", "'=a;'=b,'=c"),
        ] {
            assert_eq!(neutralise(given), shown, "{given:?}");
        }
    }

    #[test]
    fn text_that_cannot_start_a_formula_is_left_alone() {
        for plain in ["", "a=b", "1-2", "ada@example.com", "'quoted", "Doe, Jane", "x; y", "Zoë 😀", "a - b", "x\t1"] {
            assert_eq!(neutralise(plain), plain);
            assert!(matches!(neutralise(plain), std::borrow::Cow::Borrowed(_)));
        }
    }
}
