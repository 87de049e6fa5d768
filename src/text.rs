//! Text from outside the process — service names, tag values, account names, AWS's error
//! messages — made safe for a terminal, and measured as a terminal shows it.
//!
//! A service name or an error message is data, and data may hold ESC, BEL, CR or LF: printed
//! as they are they would move the cursor, ring the bell, rewrite a line or start an escape
//! sequence. Every text output passes such text through [`clean`] (JSON needs not: its
//! encoder escapes them). Columns are measured in display cells, not characters: an emoji
//! takes two cells and a combining mark none.

use std::borrow::Cow;

use unicode_width::{UnicodeWidthChar, UnicodeWidthStr};

/// What a removed control character is shown as.
pub const REPLACEMENT: char = '\u{fffd}';

/// Characters no text from outside may carry to a terminal: C0 and C1 controls and DEL, and
/// the bidirectional overrides and isolates that can make text read other than it is.
fn is_hostile(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each hostile character replaced by U+FFFD (visible, one cell wide), borrowed
/// when there is none.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hostile) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| if is_hostile(c) { REPLACEMENT } else { c })
            .collect(),
    )
}

/// Like [`clean`] but keeps line breaks: for our own multi-line messages on stderr, whose
/// outside parts (AWS's words, names) were cleaned where they entered.
pub fn clean_lines(text: &str) -> Cow<'_, str> {
    if !text.chars().any(|c| c != '\n' && is_hostile(c)) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .map(|c| {
                if c != '\n' && is_hostile(c) {
                    REPLACEMENT
                } else {
                    c
                }
            })
            .collect(),
    )
}

/// Cells `text` takes on a terminal (after [`clean`]).
pub fn width(text: &str) -> usize {
    clean(text).width()
}

/// `text` cleaned and cut to at most `max` cells, ending in `ellipsis` when cut. A wide
/// character that would straddle the edge is left out rather than cut in half.
pub fn truncate(text: &str, max: usize, ellipsis: &str) -> String {
    let text = clean(text);
    if text.width() <= max {
        return text.into_owned();
    }
    let ellipsis_w = ellipsis.width();
    if max < ellipsis_w {
        return String::new();
    }
    let budget = max - ellipsis_w;
    let mut out = String::with_capacity(text.len());
    let mut used = 0;
    for c in text.chars() {
        let w = c.width().unwrap_or(0);
        if used + w > budget {
            break;
        }
        used += w;
        out.push(c);
    }
    out.push_str(ellipsis);
    out
}

/// `text` cleaned, cut and padded to exactly `cells` cells, left-aligned.
pub fn left(text: &str, cells: usize, ellipsis: &str) -> String {
    let t = truncate(text, cells, ellipsis);
    let pad = cells.saturating_sub(t.width());
    format!("{t}{}", " ".repeat(pad))
}

/// `text` cleaned, cut and padded to exactly `cells` cells, right-aligned.
pub fn right(text: &str, cells: usize, ellipsis: &str) -> String {
    let t = truncate(text, cells, ellipsis);
    let pad = cells.saturating_sub(t.width());
    format!("{}{t}", " ".repeat(pad))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_never_survive() {
        let hostile = "Amazon\u{1b}[2JEC2\u{7}\r\nx\u{9b}31m\u{202e}evil";
        let safe = clean(hostile);
        assert!(!safe.chars().any(is_hostile), "{safe:?}");
        assert_eq!(safe.chars().filter(|c| *c == REPLACEMENT).count(), 6);
        assert!(safe.contains("Amazon") && safe.contains("[2JEC2"));
        assert!(matches!(clean("AWS Lambda"), Cow::Borrowed(_)));
        assert_eq!(
            clean_lines("line one\nline\u{1b}two"),
            "line one\nline\u{fffd}two"
        );
    }

    #[test]
    fn widths_count_cells_not_characters() {
        assert_eq!(width("abc"), 3);
        assert_eq!(width("📦 S3"), 5);
        assert_eq!(width("e\u{301}"), 1, "a combining accent takes no cell");
        assert_eq!(
            width("a\u{1b}b"),
            3,
            "a control shows as one replacement cell"
        );
    }

    #[test]
    fn cutting_and_padding_keep_columns_aligned() {
        assert_eq!(truncate("abcdef", 4, "…"), "abc…");
        assert_eq!(truncate("abcdef", 0, "…"), "");
        assert_eq!(truncate("ab", 4, "…"), "ab");
        // Two-cell characters: never more cells than asked, never half a character.
        assert_eq!(truncate("📦📦📦", 4, "…"), "📦…");
        assert_eq!(width(&truncate("📦📦📦", 4, "…")), 3);
        for text in [
            "📦📦 box",
            "plain name",
            "a\u{1b}[31mred",
            "日本語のサービス",
        ] {
            for cells in 0..12 {
                assert_eq!(left(text, cells, "…").width(), cells, "{text:?} in {cells}");
                assert_eq!(
                    right(text, cells, "~").width(),
                    cells,
                    "{text:?} in {cells}"
                );
            }
        }
        assert_eq!(left("ab", 4, "…"), "ab  ");
        assert_eq!(right("ab", 4, "…"), "  ab");
    }
}
