//! The report as one self-contained HTML file: inline CSS, inline SVG charts (daily cost with
//! estimated days marked, top services, budgets), no script and no URL, so it opens offline,
//! in a mail client or printed. Every name is HTML-escaped, in text and in attributes alike.

use std::fmt::Write;

use super::chart::{Anchor, Chart, FONT_SIZE, Shape};
use super::document::{Block, Document, Span, Table};

const STYLE: &str = "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;\
padding:0 1rem;color:#1a1a1a}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem;\
border-bottom:1px solid #ccc}table{border-collapse:collapse;width:100%}th,td{padding:.25rem .5rem;\
border-bottom:1px solid #eee;text-align:left}td.n,th.n{text-align:right;font-variant-numeric:\
tabular-nums}.warn{background:#fff3cd;padding:.5rem;border:1px solid #e0c000;font-weight:bold}\
.over{color:#b00020;font-weight:bold}.meta{color:#555}svg{max-width:100%;height:auto}\
thead{display:table-header-group}tr{break-inside:avoid}\
@media print{body{margin:0;max-width:none}h2{break-after:avoid}}";

/// `text` safe in HTML text and in quoted attributes (control characters removed too).
fn esc(text: &str) -> String {
    let clean = crate::text::clean(text);
    let mut out = String::with_capacity(clean.len());
    for c in clean.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
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
                format!("<strong>{}</strong>", esc(&s.text))
            } else {
                esc(&s.text)
            }
        })
        .collect()
}

fn table(out: &mut String, t: &Table) {
    let class = |numeric: bool| if numeric { " class=\"n\"" } else { "" };
    out.push_str("<table><thead><tr>");
    for c in &t.columns {
        let _ = write!(out, "<th{}>{}</th>", class(c.numeric), esc(&c.title));
    }
    out.push_str("</tr></thead><tbody>");
    for row in &t.rows {
        out.push_str("<tr>");
        for (cell, column) in row.iter().zip(&t.columns) {
            let text = if cell.strong {
                format!("<span class=\"over\">{}</span>", esc(&cell.text))
            } else {
                esc(&cell.text)
            };
            let _ = write!(out, "<td{}>{text}</td>", class(column.numeric));
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table>\n");
}

/// The chart as inline SVG.
fn svg(chart: &Chart) -> String {
    let d = chart.draw();
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{}\">",
        d.width,
        d.height,
        esc(d.label)
    );
    for shape in &d.shapes {
        match shape {
            Shape::Rect {
                x,
                y,
                w,
                h,
                colour,
                title,
            } => {
                let _ = write!(
                    svg,
                    "<rect x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\" fill=\"{}\">",
                    colour.hex()
                );
                if let Some(t) = title {
                    let _ = write!(svg, "<title>{}</title>", esc(t));
                }
                svg.push_str("</rect>");
            }
            Shape::Line {
                x1,
                y1,
                x2,
                y2,
                colour,
            } => {
                let _ = write!(
                    svg,
                    "<line x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\" stroke=\"{}\" stroke-width=\"2\"/>",
                    colour.hex()
                );
            }
            Shape::Text { x, y, anchor, text } => {
                let anchor = match anchor {
                    Anchor::Start => "",
                    Anchor::End => " text-anchor=\"end\"",
                };
                let _ = write!(
                    svg,
                    "<text x=\"{x:.1}\" y=\"{y:.1}\" font-size=\"{FONT_SIZE}\"{anchor}>{}</text>",
                    esc(text)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

pub fn render(doc: &Document) -> String {
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{STYLE}</style></head><body>\n<h1>{}</h1>\n",
        esc(&doc.title),
        esc(&doc.title)
    );
    for w in &doc.warnings {
        let _ = writeln!(out, "<p class=\"warn\">{}</p>", esc(w));
    }
    for line in &doc.about {
        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(line));
    }
    for s in &doc.sections {
        let _ = writeln!(out, "<h2>{}</h2>", esc(&s.heading));
        for block in &s.blocks {
            match block {
                Block::Chart { chart, caption } => {
                    out.push_str(&svg(chart));
                    out.push('\n');
                    if let Some(c) = caption {
                        let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(c));
                    }
                }
                Block::Table(t) => table(&mut out, t),
                Block::Text(s) => {
                    let _ = writeln!(out, "<p>{}</p>", spans(s));
                }
                Block::Note(n) => {
                    let _ = writeln!(out, "<p class=\"meta\">{}</p>", esc(n));
                }
                Block::Bullets(items) => {
                    out.push_str("<ul>");
                    for i in items {
                        let _ = write!(out, "<li>{}</li>", esc(i));
                    }
                    out.push_str("</ul>\n");
                }
            }
        }
    }
    let _ = writeln!(
        out,
        "<p class=\"meta\">{}</p>\n</body></html>",
        esc(&doc.footer)
    );
    out
}
