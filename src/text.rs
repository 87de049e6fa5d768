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

/// `text` cleaned and broken at spaces into lines of at most `cells` cells, so a caller can
/// indent every line alike (ratatui's own wrapping cannot hang an indent). A word wider than
/// `cells` is cut into pieces.
pub fn wrap(text: &str, cells: usize) -> Vec<String> {
    let cells = cells.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in clean(text).split(' ').filter(|w| !w.is_empty()) {
        let mut word = word.to_owned();
        loop {
            let gap = usize::from(!line.is_empty());
            if line.width() + gap + word.width() <= cells {
                if gap == 1 {
                    line.push(' ');
                }
                line.push_str(&word);
                break;
            }
            if !line.is_empty() {
                lines.push(std::mem::take(&mut line));
                continue;
            }
            // Alone on its line and still too wide: take what fits (at least one char).
            let head = truncate(&word, cells, "");
            let head = if head.is_empty() {
                word.chars().take(1).collect()
            } else {
                head
            };
            word = word[head.len()..].to_owned();
            lines.push(head);
            if word.is_empty() {
                break;
            }
        }
    }
    if !line.is_empty() || lines.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_cuts_only_overlong_words() {
        assert_eq!(
            wrap("AWS Lambda $518 on Nov 21, mostly us-east-1", 16),
            ["AWS Lambda $518", "on Nov 21,", "mostly us-east-1"]
        );
        assert_eq!(wrap("abcdefghij xy", 4), ["abcd", "efgh", "ij", "xy"]);
        assert_eq!(wrap("", 10), [""]);
        assert_eq!(wrap("日本語", 3), ["日", "本", "語"]);
        for line in wrap("a\u{1b}[2J b", 80) {
            assert!(!line.contains('\u{1b}'));
        }
    }

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
