//! The report as a PDF a manager can read and print: A4 pages, DejaVu Sans embedded (and
//! subset) so no system font and no external program is needed, the same charts as the HTML
//! report, and tables that break across pages with their header repeated — a long service list
//! never runs off the page.
//!
//! Layout happens first, into pages of plain drawing operations ([`Op`]), so pagination is
//! decided (and testable) before a byte of PDF is written; [`emit`] then only draws. krilla
//! does text shaping and font subsetting but no layout, which is why the paginator is here.

use krilla::Document as Pdf;
use krilla::color::rgb;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::Metadata;
use krilla::num::NormalizedF32;
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};

use super::RenderError;
use super::chart::{Anchor, Chart, FONT_SIZE, Shape};
use super::document::{Block, Document, Span, Table};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans-Bold.ttf");

/// A4 in points.
const PAGE_W: f32 = 595.0;
const PAGE_H: f32 = 842.0;
const MARGIN: f32 = 48.0;
const CONTENT_W: f32 = PAGE_W - 2.0 * MARGIN;
/// Where content stops; the page footer sits below.
const BOTTOM: f32 = PAGE_H - MARGIN;

const BODY: f32 = 9.0;
const ROW: f32 = 14.0;
/// Each further line of a wrapped cell.
const LINE: f32 = 11.0;
/// Lines a text cell wraps to before it is cut.
const CELL_LINES: usize = 3;
const CELL_PAD: f32 = 4.0;
/// The narrowest a text column is squeezed to before its cells are cut short.
const MIN_TEXT_COLUMN: f32 = 48.0;

type Rgb = (u8, u8, u8);
const INK: Rgb = (0x1a, 0x1a, 0x1a);
const GREY: Rgb = (0x55, 0x55, 0x55);
const RULE: Rgb = (0xdd, 0xdd, 0xdd);
const HEADER_FILL: Rgb = (0xf0, 0xf0, 0xf0);
const WARN_FILL: Rgb = (0xff, 0xf3, 0xcd);
const OVER: Rgb = (0xb0, 0x00, 0x20);

/// One drawing operation on a page, in points from the top left.
#[derive(Debug, Clone, PartialEq)]
pub enum Op {
    /// `y` is the baseline.
    Text {
        x: f32,
        y: f32,
        size: f32,
        bold: bool,
        colour: Rgb,
        text: String,
    },
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        colour: Rgb,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
        colour: Rgb,
        width: f32,
    },
}

/// Text widths from the embedded fonts' advances, so columns align and long names are cut
/// where they really reach the edge.
struct Metrics {
    regular: ttf_parser::Face<'static>,
    bold: ttf_parser::Face<'static>,
}

impl Metrics {
    fn load() -> Result<Metrics, RenderError> {
        let parse = |bytes: &'static [u8]| {
            ttf_parser::Face::parse(bytes, 0).map_err(|e| RenderError::Encode {
                format: "pdf",
                why: format!("embedded font: {e}"),
            })
        };
        Ok(Metrics {
            regular: parse(REGULAR)?,
            bold: parse(BOLD)?,
        })
    }

    fn width(&self, text: &str, size: f32, bold: bool) -> f32 {
        let face = if bold { &self.bold } else { &self.regular };
        let units: u32 = text
            .chars()
            .map(|c| {
                let glyph = face.glyph_index(c).unwrap_or(ttf_parser::GlyphId(0));
                u32::from(face.glyph_hor_advance(glyph).unwrap_or(0))
            })
            .sum();
        units as f32 * size / f32::from(face.units_per_em())
    }

    /// `text` cut with an ellipsis to fit `max` points.
    fn fit(&self, text: &str, size: f32, bold: bool, max: f32) -> String {
        if self.width(text, size, bold) <= max {
            return text.to_string();
        }
        let room = max - self.width("…", size, bold);
        let mut out = String::new();
        let mut used = 0.0;
        for c in text.chars() {
            let w = self.width(c.encode_utf8(&mut [0; 4]), size, bold);
            if used + w > room {
                break;
            }
            used += w;
            out.push(c);
        }
        out.push('…');
        out
    }

    /// `text` broken into lines of at most `max` points, at spaces (a word longer than a line
    /// is cut).
    fn wrap(&self, text: &str, size: f32, bold: bool, max: f32) -> Vec<String> {
        let mut lines = Vec::new();
        let mut line = String::new();
        for word in text.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if self.width(&candidate, size, bold) <= max || line.is_empty() {
                line = candidate;
            } else {
                lines.push(std::mem::take(&mut line));
                line = word.to_string();
            }
        }
        lines.push(line);
        lines
            .into_iter()
            .map(|l| self.fit(&l, size, bold, max))
            .collect()
    }
}

/// Pages being filled, top to bottom.
struct Pager<'m> {
    metrics: &'m Metrics,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Pager<'_> {
    fn ops(&mut self) -> &mut Vec<Op> {
        if self.pages.is_empty() {
            self.pages.push(Vec::new());
        }
        let last = self.pages.len() - 1;
        &mut self.pages[last]
    }

    fn new_page(&mut self) {
        self.pages.push(Vec::new());
        self.y = MARGIN;
    }

    /// Starts a new page unless `height` more points fit on this one; true if it did.
    fn room_for(&mut self, height: f32) -> bool {
        if self.y + height > BOTTOM && self.y > MARGIN {
            self.new_page();
            return true;
        }
        false
    }

    fn text(&mut self, x: f32, size: f32, bold: bool, colour: Rgb, text: &str) {
        let y = self.y + size;
        self.ops().push(Op::Text {
            x,
            y,
            size,
            bold,
            colour,
            text: text.to_string(),
        });
    }

    fn paragraph(&mut self, text: &str, size: f32, bold: bool, colour: Rgb) {
        for line in self.metrics.wrap(text, size, bold, CONTENT_W) {
            self.room_for(size * 1.4);
            self.text(MARGIN, size, bold, colour, &line);
            self.y += size * 1.4;
        }
    }

    /// Bold and plain runs on one wrapped paragraph: each span wraps on its own line when the
    /// whole does not fit, which keeps the code small for the one-sentence texts reports have.
    fn spans(&mut self, spans: &[Span]) {
        let whole: String = spans.iter().map(|s| s.text.as_str()).collect();
        let fits = self.metrics.width(&whole, BODY, true) <= CONTENT_W;
        if !fits {
            for s in spans {
                self.paragraph(&s.text, BODY, s.strong, INK);
            }
            return;
        }
        self.room_for(BODY * 1.4);
        let mut x = MARGIN;
        for s in spans {
            self.text(x, BODY, s.strong, INK, &s.text);
            x += self.metrics.width(&s.text, BODY, s.strong);
        }
        self.y += BODY * 1.4;
    }

    fn heading(&mut self, text: &str) {
        // Keep a heading with the first lines of what follows it.
        self.y += 8.0;
        self.room_for(13.0 * 1.6 + 4.0 * ROW);
        self.text(MARGIN, 13.0, true, INK, text);
        self.y += 13.0 * 1.3;
        let y = self.y;
        self.ops().push(Op::Line {
            x1: MARGIN,
            y1: y,
            x2: MARGIN + CONTENT_W,
            y2: y,
            colour: RULE,
            width: 0.8,
        });
        self.y += 6.0;
    }

    fn chart(&mut self, chart: &Chart) {
        let d = chart.draw();
        let (dw, dh) = (d.width as f32, d.height as f32);
        let mut scale = CONTENT_W / dw;
        if dh * scale > BOTTOM - MARGIN {
            scale = (BOTTOM - MARGIN) / dh;
        }
        self.room_for(dh * scale);
        let (x0, y0) = (MARGIN, self.y);
        let at = |x: f64, y: f64| (x0 + x as f32 * scale, y0 + y as f32 * scale);
        let size = FONT_SIZE as f32 * scale;
        for shape in &d.shapes {
            let op = match shape {
                Shape::Rect {
                    x, y, w, h, colour, ..
                } => {
                    let (x, y) = at(*x, *y);
                    Op::Rect {
                        x,
                        y,
                        w: *w as f32 * scale,
                        h: *h as f32 * scale,
                        colour: colour.rgb(),
                    }
                }
                Shape::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    colour,
                } => {
                    let ((x1, y1), (x2, y2)) = (at(*x1, *y1), at(*x2, *y2));
                    Op::Line {
                        x1,
                        y1,
                        x2,
                        y2,
                        colour: colour.rgb(),
                        width: 2.0 * scale,
                    }
                }
                Shape::Text { x, y, anchor, text } => {
                    let (mut x, y) = at(*x, *y);
                    if *anchor == Anchor::End {
                        x -= self.metrics.width(text, size, false);
                    }
                    Op::Text {
                        x,
                        y,
                        size,
                        bold: false,
                        colour: INK,
                        text: text.clone(),
                    }
                }
            };
            self.ops().push(op);
        }
        self.y += dh * scale + 6.0;
    }

    /// Column widths: numbers keep their natural width; text columns share what is left,
    /// and the first takes any slack so the table spans the page.
    fn widths(&self, t: &Table) -> Vec<f32> {
        let natural: Vec<f32> = t
            .columns
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let header = self.metrics.width(&c.title, BODY, true);
                let cells = t
                    .rows
                    .iter()
                    .filter_map(|r| r.get(i))
                    .map(|cell| self.metrics.width(&cell.text, BODY, cell.strong))
                    .fold(0.0_f32, f32::max);
                header.max(cells) + 2.0 * CELL_PAD
            })
            .collect();
        let numbers: f32 = natural
            .iter()
            .zip(&t.columns)
            .filter(|(_, c)| c.numeric)
            .map(|(w, _)| *w)
            .sum();
        let texts: f32 = natural.iter().sum::<f32>() - numbers;
        let room = (CONTENT_W - numbers).max(0.0);
        let squeeze = if texts > room && texts > 0.0 {
            room / texts
        } else {
            1.0
        };
        let mut widths: Vec<f32> = natural
            .iter()
            .zip(&t.columns)
            .map(|(w, c)| {
                if c.numeric {
                    *w
                } else {
                    (w * squeeze).max(MIN_TEXT_COLUMN)
                }
            })
            .collect();
        let slack = CONTENT_W - widths.iter().sum::<f32>();
        if slack > 0.0
            && let Some(first) = widths.first_mut()
        {
            *first += slack;
        }
        widths
    }

    fn table_header(&mut self, t: &Table, widths: &[f32]) {
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: widths.iter().sum(),
            h: ROW,
            colour: HEADER_FILL,
        });
        let header = self.layout_row(
            widths,
            t.columns
                .iter()
                .map(|c| (c.title.as_str(), true, INK, c.numeric)),
        );
        self.row(widths, header);
    }

    /// Each cell's lines: numbers on one line, text wrapped to at most [`CELL_LINES`] (the
    /// last cut with an ellipsis), so a long name or alert stays readable in its column.
    fn cell_lines(&self, text: &str, bold: bool, right: bool, width: f32) -> Vec<String> {
        let room = width - 2.0 * CELL_PAD;
        if right {
            return vec![self.metrics.fit(text, BODY, bold, room)];
        }
        let mut lines = self.metrics.wrap(text, BODY, bold, room);
        if lines.len() > CELL_LINES {
            let rest = lines.split_off(CELL_LINES - 1).join(" ");
            lines.push(self.metrics.fit(&rest, BODY, bold, room - 0.01));
            if let Some(last) = lines.last_mut()
                && !last.ends_with('…')
            {
                *last = self.metrics.fit(&format!("{last}…"), BODY, bold, room);
            }
        }
        lines
    }

    /// One row of cells: (text, bold, colour, right-aligned), laid out but not placed.
    fn layout_row<'t>(
        &self,
        widths: &[f32],
        cells: impl Iterator<Item = (&'t str, bool, Rgb, bool)>,
    ) -> Vec<(Vec<String>, bool, Rgb, bool)> {
        cells
            .zip(widths)
            .map(|((text, bold, colour, right), w)| {
                (self.cell_lines(text, bold, right, *w), bold, colour, right)
            })
            .collect()
    }

    fn row_height(row: &[(Vec<String>, bool, Rgb, bool)]) -> f32 {
        let lines = row.iter().map(|c| c.0.len()).max().unwrap_or(1).max(1);
        ROW + (lines - 1) as f32 * LINE
    }

    /// Draws a laid-out row at the cursor.
    fn row(&mut self, widths: &[f32], row: Vec<(Vec<String>, bool, Rgb, bool)>) {
        let height = Self::row_height(&row);
        let mut x = MARGIN;
        let first = self.y + ROW - (ROW - BODY) / 2.0 - 1.5;
        for ((lines, bold, colour, right), w) in row.into_iter().zip(widths) {
            for (i, line) in lines.into_iter().enumerate() {
                let tx = if right {
                    x + w - CELL_PAD - self.metrics.width(&line, BODY, bold)
                } else {
                    x + CELL_PAD
                };
                self.ops().push(Op::Text {
                    x: tx,
                    y: first + i as f32 * LINE,
                    size: BODY,
                    bold,
                    colour,
                    text: line,
                });
            }
            x += w;
        }
        self.y += height;
    }

    /// The table, continued on as many pages as it needs, its header on each.
    fn table(&mut self, t: &Table, heading: &str) {
        let widths = self.widths(t);
        // A header with fewer than three rows under it starts on the next page instead.
        self.room_for(ROW * (1 + t.rows.len().min(3)) as f32);
        self.table_header(t, &widths);
        for cells in &t.rows {
            let row = self.layout_row(
                &widths,
                cells.iter().zip(&t.columns).map(|(c, col)| {
                    let colour = if c.strong { OVER } else { INK };
                    (c.text.as_str(), c.strong, colour, col.numeric)
                }),
            );
            if self.room_for(Self::row_height(&row)) {
                self.text(MARGIN, BODY, false, GREY, &format!("{heading} (continued)"));
                self.y += BODY * 1.6;
                self.table_header(t, &widths);
            }
            self.row(&widths, row);
            let y = self.y;
            self.ops().push(Op::Line {
                x1: MARGIN,
                y1: y,
                x2: MARGIN + widths.iter().sum::<f32>(),
                y2: y,
                colour: RULE,
                width: 0.4,
            });
        }
        self.y += 6.0;
    }

    fn warning(&mut self, text: &str) {
        let lines = self.metrics.wrap(text, 10.0, true, CONTENT_W - 12.0);
        let h = lines.len() as f32 * 14.0 + 8.0;
        self.room_for(h);
        let y = self.y;
        self.ops().push(Op::Rect {
            x: MARGIN,
            y,
            w: CONTENT_W,
            h,
            colour: WARN_FILL,
        });
        self.y += 4.0;
        for line in lines {
            let y = self.y + 10.0;
            self.ops().push(Op::Text {
                x: MARGIN + 6.0,
                y,
                size: 10.0,
                bold: true,
                colour: INK,
                text: line,
            });
            self.y += 14.0;
        }
        self.y += 10.0;
    }
}

/// The document laid out on pages, each with its footer ("page i of n").
pub fn paginate(doc: &Document) -> Result<Vec<Vec<Op>>, RenderError> {
    let metrics = Metrics::load()?;
    let mut p = Pager {
        metrics: &metrics,
        pages: vec![Vec::new()],
        y: MARGIN,
    };
    p.paragraph(&doc.title, 18.0, true, INK);
    p.y += 4.0;
    for w in &doc.warnings {
        p.warning(w);
    }
    for line in &doc.about {
        p.paragraph(line, BODY, false, GREY);
    }
    for s in &doc.sections {
        p.heading(&s.heading);
        for block in &s.blocks {
            match block {
                Block::Chart { chart, caption } => {
                    p.chart(chart);
                    if let Some(c) = caption {
                        p.paragraph(c, 8.0, false, GREY);
                    }
                }
                Block::Table(t) => p.table(t, &s.heading),
                Block::Text(spans) => p.spans(spans),
                Block::Note(n) => p.paragraph(n, BODY, false, GREY),
                Block::Bullets(items) => {
                    for i in items {
                        p.paragraph(&format!("• {i}"), BODY, false, INK);
                    }
                }
            }
        }
    }
    p.y += 8.0;
    p.paragraph(&doc.footer, 8.0, false, GREY);
    let count = p.pages.len();
    for (i, page) in p.pages.iter_mut().enumerate() {
        let label = format!("{} · page {} of {count}", doc.title, i + 1);
        let x = PAGE_W - MARGIN - metrics.width(&label, 8.0, false);
        page.push(Op::Text {
            x,
            y: PAGE_H - MARGIN / 2.0,
            size: 8.0,
            bold: false,
            colour: GREY,
            text: label,
        });
    }
    Ok(p.pages)
}

fn fill(colour: Rgb) -> Fill {
    Fill {
        paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
        opacity: NormalizedF32::ONE,
        rule: Default::default(),
    }
}

fn encode_error(why: impl std::fmt::Display) -> RenderError {
    RenderError::Encode {
        format: "pdf",
        why: why.to_string(),
    }
}

/// The pages drawn into a PDF.
fn emit(title: &str, pages: &[Vec<Op>]) -> Result<Vec<u8>, RenderError> {
    let font = |bytes: &'static [u8]| {
        Font::new(bytes.into(), 0).ok_or_else(|| encode_error("the embedded font does not load"))
    };
    let (regular, bold) = (font(REGULAR)?, font(BOLD)?);
    let mut pdf = Pdf::new();
    pdf.set_metadata(
        Metadata::new()
            .title(title.to_string())
            .creator("awsdash".to_string()),
    );
    let settings =
        PageSettings::from_wh(PAGE_W, PAGE_H).ok_or_else(|| encode_error("page size"))?;
    for ops in pages {
        let mut page = pdf.start_page_with(settings.clone());
        let mut surface = page.surface();
        for op in ops {
            match op {
                Op::Text {
                    x,
                    y,
                    size,
                    bold: b,
                    colour,
                    text,
                } => {
                    surface.set_stroke(None);
                    surface.set_fill(Some(fill(*colour)));
                    let f = if *b { bold.clone() } else { regular.clone() };
                    surface.draw_text(
                        Point::from_xy(*x, *y),
                        f,
                        *size,
                        text,
                        false,
                        TextDirection::Auto,
                    );
                }
                Op::Rect { x, y, w, h, colour } => {
                    // A zero-height bar (a day that cost nothing) has no area to draw.
                    let Some(rect) = Rect::from_xywh(*x, *y, *w, *h) else {
                        continue;
                    };
                    let mut path = PathBuilder::new();
                    path.push_rect(rect);
                    if let Some(path) = path.finish() {
                        surface.set_stroke(None);
                        surface.set_fill(Some(fill(*colour)));
                        surface.draw_path(&path);
                    }
                }
                Op::Line {
                    x1,
                    y1,
                    x2,
                    y2,
                    colour,
                    width,
                } => {
                    let mut path = PathBuilder::new();
                    path.move_to(*x1, *y1);
                    path.line_to(*x2, *y2);
                    if let Some(path) = path.finish() {
                        surface.set_fill(None);
                        surface.set_stroke(Some(Stroke {
                            paint: rgb::Color::new(colour.0, colour.1, colour.2).into(),
                            width: *width,
                            ..Default::default()
                        }));
                        surface.draw_path(&path);
                    }
                }
            }
        }
        surface.finish();
        page.finish();
    }
    pdf.finish().map_err(|e| encode_error(format!("{e:?}")))
}

pub fn render(doc: &Document) -> Result<Vec<u8>, RenderError> {
    emit(&doc.title, &paginate(doc)?)
}

#[cfg(test)]
mod tests;
