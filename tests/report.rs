//! `awsdash report`: the model from a fixed demo snapshot pinned as Markdown (insta), the CSV
//! read back with the `csv` crate, a saved `snapshot --json` rendered with no AWS at all.

mod support;

use awsdash::model::{CubeBuilder, FilterSet, Money, Preset, Query, Section, Snapshot};
use awsdash::report::{self, Format, Options};
use chrono::{DateTime, NaiveDate, Utc};
use insta::assert_snapshot;
use rust_decimal::Decimal;

fn now() -> DateTime<Utc> {
    "2026-11-25T16:40:00Z".parse().expect("time")
}

fn query() -> Query {
    Query {
        window: Preset::Days30.window(now().date_naive()),
        filters: FilterSet::default(),
    }
}

/// The demo account on 25 November 2026 with every analysis section.
fn fixed() -> Snapshot {
    let wants = awsdash::poller::Wants::new(&["team".to_string()]).with(&Section::ALL);
    let demo = awsdash::source::demo::DemoSource {
        exclude_credits: false,
    };
    awsdash::poller::demo_snapshot(
        &demo,
        &query(),
        &awsdash::config::AlertsConfig::default(),
        &wants,
        now(),
    )
}

fn money(text: &str) -> Money {
    text.parse().expect("amount")
}

/// Names a spreadsheet would run, HTML would execute, a terminal would obey, and credits.
const HOSTILE: [&str; 7] = [
    "=HYPERLINK(\"http://evil\")",
    "+1+2",
    "-2+3",
    "@SUM(A1)",
    "\tTabbed",
    "<script>alert(1)</script> & \"quotes\" 'too'",
    "Evil\u{1b}[2J\u{7}Name\r\nX|pipe",
];

fn hostile() -> Snapshot {
    let mut s = fixed();
    let range = s.query.fetch_range(s.today);
    let mut b = CubeBuilder::new(range);
    for (i, day) in range.iter_days().enumerate() {
        b.add(day, "Amazon EC2", "us-east-1", money("40.005"));
        for (j, name) in HOSTILE.iter().enumerate() {
            b.add(
                day,
                name,
                "=cmd|' /C calc'!A0",
                money(&format!("{}.01", i + j)),
            );
        }
        b.add(day, "Credits", "global", money("-12.50"));
    }
    b.mark_estimated(s.today);
    s.cube = Some(b.build());
    s
}

fn text(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes).expect("UTF-8")
}

#[test]
fn markdown_of_the_fixed_snapshot() {
    let r = report::build(&fixed(), &Options::default());
    let md = text(report::render(&r, Format::Md).expect("renders"));
    assert!(md.contains("DEMO DATA"));
    assert_snapshot!("report_markdown", md);
}

#[test]
fn markdown_escapes_hostile_names() {
    let r = report::build(&hostile(), &Options::default());
    let md = text(report::render(&r, Format::Md).expect("renders"));
    assert!(!md.chars().any(|c| c.is_control() && c != '\n'), "{md:?}");
    assert!(!md.contains("<script>"), "{md}");
    // Every table row keeps its column count: no name ended a cell.
    for line in md
        .lines()
        .filter(|l| l.starts_with("| ") && l.contains("script"))
    {
        assert_eq!(line.matches(" | ").count(), 3, "{line}");
    }
}

#[test]
fn csv_reads_back_neutralised_exact_and_summing_to_the_total() {
    let s = hostile();
    let r = report::build(&s, &Options::default());
    let bytes = report::render(&r, Format::Csv).expect("renders");
    let mut reader = csv::Reader::from_reader(bytes.as_slice());
    let header: Vec<String> = reader
        .headers()
        .expect("header")
        .iter()
        .map(String::from)
        .collect();
    assert_eq!(header, report::csv::COLUMNS);
    let mut sum = Decimal::ZERO;
    let mut credits = 0;
    let mut rows = 0;
    for record in reader.records() {
        let record = record.expect("a row");
        rows += 1;
        let cost: Decimal = record[2].parse().expect("BilledCost is a plain decimal");
        sum += cost;
        assert!(record[0].ends_with("T00:00:00Z") && record[1].ends_with("T00:00:00Z"));
        for cell in [&record[4], &record[5]] {
            assert!(
                !cell.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']),
                "{cell:?} would run as a formula"
            );
            assert!(!cell.chars().any(char::is_control), "{cell:?}");
        }
        if &record[4] == "Credits" {
            credits += 1;
            assert_eq!(&record[2], "-12.5", "credits stay negative numbers");
        }
    }
    assert_eq!(credits, s.query.window.days());
    assert_eq!(rows, r.cells.len());
    let total = r.total.expect("total");
    assert_eq!(Money::new(sum).cents(), total.cents());
    assert_eq!(Money::new(sum), total, "exact, not only to the cent");

    let raw = text(report::csv::render(&r, true).expect("renders"));
    assert!(
        raw.contains(",@SUM(A1),"),
        "--csv-raw leaves formulas alone"
    );
}

#[test]
fn a_saved_snapshot_gives_the_same_report() {
    for s in [fixed(), hostile()] {
        let saved = awsdash::output::json::render(&s);
        let back = report::saved::snapshot_from_json(saved.as_bytes()).expect("reads back");
        let options = Options::default();
        let (live, from) = (report::build(&s, &options), report::build(&back, &options));
        assert_eq!(live, from);
        assert_eq!(live.cells, from.cells);
    }
}

#[test]
fn an_older_snapshot_file_is_refused_with_a_reason() {
    let mut v = awsdash::output::json::to_value(&fixed());
    v.as_object_mut().expect("object").remove("cube");
    let err = report::saved::snapshot_from_json(v.to_string().as_bytes()).expect_err("refused");
    assert!(err.to_string().contains("snapshot --json"), "{err}");
}

#[test]
fn report_from_a_file_needs_no_aws() {
    let home = tempfile::tempdir().expect("home");
    let saved = home.path().join("snapshot.json");
    std::fs::write(&saved, awsdash::output::json::render(&hostile())).expect("write");
    let saved = saved.to_str().expect("path");
    for format in ["md", "json", "csv"] {
        let out_file = home.path().join(format!("report.{format}"));
        // Any AWS call would go to a closed port on loopback and fail.
        let out = support::process::awsdash(home.path())
            .args([
                "report",
                "--endpoint-url",
                "http://127.0.0.1:9",
                "--from",
                saved,
            ])
            .args([
                "--format",
                format,
                "--out",
                out_file.to_str().expect("path"),
            ])
            .output()
            .expect("runs");
        assert!(
            out.status.success(),
            "{format}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let written = std::fs::read_to_string(&out_file).expect("the report file");
        assert!(written.contains("Amazon EC2"), "{format}");
    }
    let out = support::process::awsdash(home.path())
        .args(["report", "--from", saved, "--format", "md", "--csv-raw"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn day_lines_mark_estimated_days() {
    let r = report::build(&hostile(), &Options::default());
    let today: NaiveDate = now().date_naive();
    assert_eq!(r.about.estimated_days, [today]);
    assert!(r.daily.iter().any(|d| d.date == today && d.estimated));
}
