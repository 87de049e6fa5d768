//! The report's charts as plain geometry — rectangles, lines and labels in a box whose origin
//! is the top left — drawn by the HTML renderer as inline SVG and by the PDF renderer with PDF
//! paths. One layout for both, so the printed and the mailed chart are the same chart.
//!
//! Floats only place marks; every amount printed on a chart was formatted from the exact
//! decimal before it got here.

use chrono::NaiveDate;

#[derive(Debug, Clone, PartialEq)]
pub enum Chart {
    /// One bar per day, estimated days grey.
    Daily { days: Vec<DayBar>, peak: String },
    /// Horizontal bars with an optional limit marker (budgets) or none (services).
    Bars(Vec<Bar>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct DayBar {
    pub date: NaiveDate,
    pub value: f64,
    /// The exact amount, for a tooltip.
    pub label: String,
    pub estimated: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Bar {
    pub name: String,
    pub value: f64,
    pub limit: Option<f64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Colour {
    /// Actual cost.
    Cost,
    /// Still estimated by AWS.
    Estimated,
    /// A budget's limit.
    Limit,
}

impl Colour {
    pub fn rgb(self) -> (u8, u8, u8) {
        match self {
            Colour::Cost => (0x1f, 0x77, 0xb4),
            Colour::Estimated => (0x9e, 0x9e, 0x9e),
            Colour::Limit => (0xb0, 0x00, 0x20),
        }
    }

    pub fn hex(self) -> String {
        let (r, g, b) = self.rgb();
        format!("#{r:02x}{g:02x}{b:02x}")
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Anchor {
    Start,
    End,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    Rect {
        x: f64,
        y: f64,
        w: f64,
        h: f64,
        colour: Colour,
        /// What the mark is, for a tooltip or a screen reader.
        title: Option<String>,
    },
    Line {
        x1: f64,
        y1: f64,
        x2: f64,
        y2: f64,
        colour: Colour,
    },
    /// A label; `y` is its baseline.
    Text {
        x: f64,
        y: f64,
        anchor: Anchor,
        text: String,
    },
}

/// A chart laid out in a `width` × `height` box.
#[derive(Debug, Clone, PartialEq)]
pub struct Drawing {
    pub width: f64,
    pub height: f64,
    pub shapes: Vec<Shape>,
    pub label: &'static str,
}

/// The size of every label, in the drawing's units.
pub const FONT_SIZE: f64 = 11.0;
/// Longest bar label, in characters, before an ellipsis.
const NAME_CHARS: usize = 40;

impl Chart {
    pub fn draw(&self) -> Drawing {
        match self {
            Chart::Daily { days, peak } => daily(days, peak),
            Chart::Bars(bars) => horizontal(bars),
        }
    }
}

fn daily(days: &[DayBar], peak: &str) -> Drawing {
    let (w, h, pad) = (720.0_f64, 200.0_f64, 24.0_f64);
    let max = days.iter().map(|d| d.value).fold(0.0_f64, f64::max);
    let n = days.len().max(1) as f64;
    let bar = (w - 2.0 * pad) / n;
    let mut shapes = Vec::with_capacity(days.len() + 3);
    for (i, d) in days.iter().enumerate() {
        let value = d.value.max(0.0);
        let bh = if max > 0.0 {
            (h - 2.0 * pad) * value / max
        } else {
            0.0
        };
        let mark = if d.estimated { " (estimated)" } else { "" };
        shapes.push(Shape::Rect {
            x: pad + i as f64 * bar,
            y: h - pad - bh,
            w: (bar - 1.0).max(0.5),
            h: bh,
            colour: if d.estimated {
                Colour::Estimated
            } else {
                Colour::Cost
            },
            title: Some(format!("{} {}{mark}", d.date, d.label)),
        });
    }
    if let (Some(first), Some(last)) = (days.first(), days.last()) {
        shapes.push(Shape::Text {
            x: pad,
            y: h - 6.0,
            anchor: Anchor::Start,
            text: first.date.to_string(),
        });
        shapes.push(Shape::Text {
            x: w - pad,
            y: h - 6.0,
            anchor: Anchor::End,
            text: last.date.to_string(),
        });
    }
    shapes.push(Shape::Text {
        x: pad,
        y: 14.0,
        anchor: Anchor::Start,
        text: peak.to_string(),
    });
    Drawing {
        width: w,
        height: h,
        shapes,
        label: "Daily cost",
    }
}

fn horizontal(bars: &[Bar]) -> Drawing {
    let (w, row, label) = (720.0_f64, 22.0_f64, 260.0_f64);
    let h = row * bars.len() as f64 + 4.0;
    let max = bars
        .iter()
        .map(|b| b.value.max(b.limit.unwrap_or(0.0)))
        .fold(0.0_f64, f64::max);
    let scale = |v: f64| {
        if max > 0.0 {
            (w - label - 10.0) * v.max(0.0) / max
        } else {
            0.0
        }
    };
    let mut shapes = Vec::with_capacity(bars.len() * 3);
    for (i, b) in bars.iter().enumerate() {
        let y = i as f64 * row + 2.0;
        shapes.push(Shape::Text {
            x: 0.0,
            y: y + 14.0,
            anchor: Anchor::Start,
            text: crate::text::truncate(&b.name, NAME_CHARS, "…"),
        });
        shapes.push(Shape::Rect {
            x: label,
            y,
            w: scale(b.value),
            h: row - 6.0,
            colour: Colour::Cost,
            title: None,
        });
        if let Some(l) = b.limit {
            let x = label + scale(l);
            shapes.push(Shape::Line {
                x1: x,
                y1: y,
                x2: x,
                y2: y + row - 4.0,
                colour: Colour::Limit,
            });
        }
    }
    Drawing {
        width: w,
        height: h,
        shapes,
        label: "Bar chart",
    }
}
