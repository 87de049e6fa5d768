use super::*;
use crate::report::document::{Cell, Column, Section};

fn texts(page: &[Op]) -> Vec<&str> {
    page.iter()
        .filter_map(|op| match op {
            Op::Text { text, .. } => Some(text.as_str()),
            _ => None,
        })
        .collect()
}

fn long_table(rows: usize, name: impl Fn(usize) -> String) -> Document {
    let table = Table {
        columns: vec![
            Column {
                title: "Service".into(),
                numeric: false,
            },
            Column {
                title: "Cost".into(),
                numeric: true,
            },
        ],
        rows: (0..rows)
            .map(|i| vec![Cell::from(name(i)), Cell::from(format!("${i}.00"))])
            .collect(),
    };
    Document {
        title: "AWS cost report".into(),
        warnings: vec![],
        about: vec![],
        sections: vec![Section {
            heading: "Top services".into(),
            blocks: vec![Block::Table(table)],
        }],
        footer: "generated".into(),
    }
}

#[test]
fn a_long_table_continues_on_new_pages_with_its_header_and_loses_no_row() {
    let pages = paginate(&long_table(150, |i| format!("service {i}"))).expect("laid out");
    assert!(pages.len() >= 3, "150 rows of 14 pt need 3 A4 pages");
    let mut seen = Vec::new();
    for (n, page) in pages.iter().enumerate() {
        let t = texts(page);
        assert!(
            t.contains(&"Service") && t.contains(&"Cost"),
            "page {} repeats the header",
            n + 1
        );
        if n > 0 {
            assert!(t.contains(&"Top services (continued)"));
        }
        assert!(
            t.contains(&format!("AWS cost report · page {} of {}", n + 1, pages.len()).as_str())
        );
        seen.extend(t.into_iter().filter(|s| s.starts_with("service ")));
        for op in page {
            if let Op::Text { y, text, .. } = op
                && !text.contains("page ")
            {
                assert!(*y <= BOTTOM, "{text:?} at {y} runs past the bottom margin");
            }
        }
    }
    let expected: Vec<String> = (0..150).map(|i| format!("service {i}")).collect();
    assert_eq!(seen, expected, "every row once, in order");
}

#[test]
fn a_name_wider_than_its_column_wraps_then_is_cut_with_an_ellipsis_inside_the_page() {
    let long = "Amazon Elastic Compute Cloud - Compute ".repeat(8);
    let pages = paginate(&long_table(1, |_| long.clone())).expect("laid out");
    let metrics = Metrics::load().expect("fonts");
    let parts: Vec<(f32, f32, String)> = pages[0]
        .iter()
        .filter_map(|op| match op {
            Op::Text {
                x, y, text, size, ..
            } if (*x - MARGIN - CELL_PAD).abs() < 0.01 && text != "Service" => {
                Some((*x + metrics.width(text, *size, false), *y, text.clone()))
            }
            _ => None,
        })
        .collect();
    assert_eq!(parts.len(), CELL_LINES, "{parts:?}");
    assert!(parts.iter().all(|(right, ..)| *right <= MARGIN + CONTENT_W));
    assert!(
        parts.windows(2).all(|w| w[1].1 > w[0].1),
        "one line under the other"
    );
    assert!(parts[CELL_LINES - 1].2.ends_with('…'), "{parts:?}");
    assert!(!parts[0].2.ends_with('…'));
}

#[test]
fn numbers_are_right_aligned_on_one_edge() {
    let pages = paginate(&long_table(3, |i| format!("s{i}"))).expect("laid out");
    let metrics = Metrics::load().expect("fonts");
    let edges: Vec<f32> = pages[0]
        .iter()
        .filter_map(|op| match op {
            Op::Text { x, text, size, .. } if text.starts_with('$') => {
                Some(x + metrics.width(text, *size, false))
            }
            _ => None,
        })
        .collect();
    assert_eq!(edges.len(), 3);
    assert!(
        edges.iter().all(|e| (e - edges[0]).abs() < 0.01),
        "{edges:?}"
    );
}

#[test]
fn the_pdf_embeds_its_font_and_reads_back_as_text() {
    let bytes = render(&long_table(2, |i| format!("service {i}"))).expect("rendered");
    assert!(bytes.starts_with(b"%PDF-"));
    let pdf = lopdf::Document::load_mem(&bytes).expect("a PDF lopdf can parse");
    let text = pdf.extract_text(&[1]).expect("text");
    assert!(text.contains("service 1"), "{text}");
    let embedded = pdf.objects.values().any(|o| {
        o.as_dict()
            .is_ok_and(|d| d.has(b"FontFile2") || d.has(b"FontFile3"))
    });
    assert!(
        embedded,
        "the font program is in the file, not left to the reader's system"
    );
}
