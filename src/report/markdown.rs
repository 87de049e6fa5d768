//! The report as GitHub-flavoured Markdown: a job summary (`>> $GITHUB_STEP_SUMMARY`) or a
//! ticket. Tables for every section, top-N plus "other", amounts in cents. Charts have no
//! Markdown form; the tables beside them carry the same numbers.
//!
//! Names come from AWS and from people (tag values): each is escaped so that no name can end a
//! table cell, start a link or inject HTML.

use super::document::{Block, Document, Span, Table};

/// `text` safe inside a Markdown table cell or paragraph.
fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '|' | '\\' | '`' | '*' | '_' | '[' | ']' | '#' | '~' | '!' => {
                out.push('\\');
                out.push(c);
            }
            c => out.push(c),
        }
    }
    out
}

fn spans(spans: &[Span]) -> String {
    spans
        .iter()
        .map(|s| {
            if s.strong {
                format!("**{}**", esc(&s.text))
            } else {
                esc(&s.text)
            }
        })
        .collect()
}

fn table(out: &mut String, t: &Table) {
    let header: Vec<String> = t.columns.iter().map(|c| esc(&c.title)).collect();
    out.push_str(&format!("| {} |\n", header.join(" | ")));
    let rule: Vec<&str> = t
        .columns
        .iter()
        .map(|c| if c.numeric { "---:" } else { "---" })
        .collect();
    out.push_str(&format!("|{}|\n", rule.join("|")));
    for row in &t.rows {
        let cells: Vec<String> = row
            .iter()
            .map(|c| {
                if c.strong {
                    format!("**{}**", esc(&c.text))
                } else {
                    esc(&c.text)
                }
            })
            .collect();
        out.push_str(&format!("| {} |\n", cells.join(" | ")));
    }
}

pub fn render(doc: &Document) -> String {
    let mut out = format!("# {}\n\n", esc(&doc.title));
    for w in &doc.warnings {
        out.push_str(&format!("> **{}**\n>\n", esc(w)));
    }
    for line in &doc.about {
        out.push_str(&format!("> {}\n", esc(line)));
    }
    for s in &doc.sections {
        if s.blocks.iter().all(|b| matches!(b, Block::Chart { .. })) {
            continue;
        }
        out.push_str(&format!("\n## {}\n", esc(&s.heading)));
        for block in &s.blocks {
            match block {
                Block::Chart { .. } => continue,
                Block::Table(t) => {
                    out.push('\n');
                    table(&mut out, t);
                }
                Block::Text(s) => out.push_str(&format!("\n{}\n", spans(s))),
                Block::Note(n) => out.push_str(&format!("\n{}\n", esc(n))),
                Block::Bullets(items) => {
                    out.push('\n');
                    for i in items {
                        out.push_str(&format!("- {}\n", esc(i)));
                    }
                }
            }
        }
    }
    out.push_str(&format!("\n<sup>{}</sup>\n", esc(&doc.footer)));
    out
}
