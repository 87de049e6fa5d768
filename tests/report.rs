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

/// A small well-formedness check: tags nest and close (void and self-closing ones aside),
/// every `&` starts one of the entities the renderer writes, no `<` or `>` stray in text.
fn assert_well_formed(html: &str) {
    let mut open: Vec<String> = Vec::new();
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        let text = &rest[..lt];
        assert!(!text.contains('>'), "stray > in {text:?}");
        for (i, _) in text.match_indices('&') {
            let entity = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| entity.starts_with(e)),
                "bare & in {text:?}"
            );
        }
        let gt = rest[lt..].find('>').expect("tag closes") + lt;
        let tag = &rest[lt + 1..gt];
        assert!(!tag.contains('<'), "< inside a tag: {tag:?}");
        rest = &rest[gt + 1..];
        if tag.starts_with('!') || tag.ends_with('/') {
            continue;
        }
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        if name == "meta" {
            continue;
        }
        if tag.starts_with('/') {
            assert_eq!(
                open.pop().as_deref(),
                Some(name.as_str()),
                "mis-nested </{name}>"
            );
        } else {
            assert_eq!(
                tag.matches('"').count() % 2,
                0,
                "unbalanced quotes in <{tag}>"
            );
            open.push(name);
        }
    }
    assert!(open.is_empty(), "never closed: {open:?}");
}

#[test]
fn html_of_the_fixed_snapshot() {
    let r = report::build(&fixed(), &Options::default());
    let html = text(report::render(&r, Format::Html).expect("renders"));
    assert_well_formed(&html);
    assert!(html.contains("DEMO DATA") && html.contains("<svg"));
    assert_snapshot!("report_html", html);
}

#[test]
fn html_is_self_contained_and_escapes_hostile_names() {
    let r = report::build(&hostile(), &Options::default());
    let html = text(report::render(&r, Format::Html).expect("renders"));
    assert_well_formed(&html);
    assert!(!html.contains("<script"), "a name became markup");
    assert!(
        html.contains(
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot; &#39;too&#39;"
        )
    );
    assert!(
        !html.chars().any(|c| c.is_control() && c != '\n'),
        "control characters"
    );
    for network in ["src=", "href=", "url(", "@import", "<link", "<script"] {
        assert!(
            !html.contains(network),
            "{network} in a report that must open offline"
        );
    }
    // The estimated day is marked in the daily chart.
    assert!(html.contains("(estimated)</title>"));
}

#[test]
fn a_report_after_a_snapshot_is_served_from_the_cache_and_matches_it_to_the_cent() {
    use support::fixture::{demo_items, fetch_range, fixture, last_days};
    let emu = support::Emulator::start();
    let window = last_days(30);
    emu.seed(&fixture(&demo_items(fetch_range(window), None), 5_000));
    let home = support::home::Home::new();
    let span = support::home::window_args(window);
    let span: Vec<&str> = span.iter().map(String::as_str).collect();
    let snapshot = home.snapshot(&emu, &span);
    emu.clear_journal();
    let mut args = vec!["report", "--format", "csv"];
    args.extend_from_slice(&span);
    let out = home.run(&emu, &args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        emu.count("ce", None),
        0,
        "a fresh cache answers: no paid call"
    );
    let mut reader = csv::Reader::from_reader(out.stdout.as_slice());
    let sum: Decimal = reader
        .records()
        .map(|r| r.expect("row")[2].parse::<Decimal>().expect("decimal"))
        .sum();
    let total: Decimal = snapshot["total"]
        .as_str()
        .expect("total")
        .parse()
        .expect("decimal");
    assert_eq!(Money::new(sum).cents(), Money::new(total).cents());
}

/// `report run NAME` sends a `[[report]]` now through the collector's code: with the demo
/// account and a dir sink, the file lands in the folder, in the report's own format; a name
/// the config lacks is a usage error said before anything is fetched.
#[test]
fn report_run_sends_the_named_report_to_its_sinks_now() {
    let home = tempfile::tempdir().expect("home");
    let folder = home.path().join("reports");
    let config = home.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[[alerts.sink]]\nname = \"share\"\nkind = \"dir\"\npath = {:?}\n\n\
             [[report]]\nname = \"weekly summary\"\nevery = \"weekly\"\nat = \"08:00\"\n\
             format = \"md\"\nto = [\"share\"]\n",
            folder.to_str().expect("path")
        ),
    )
    .expect("config");
    let config = config.to_str().expect("path");
    let run = |name: &str| {
        support::process::awsdash(home.path())
            .args(["report", "--demo", "--config", config, "run", name])
            .output()
            .expect("runs")
    };
    let out = run("weekly summary");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    assert!(
        stderr.contains("report \"weekly summary\" sent to share"),
        "{stderr}"
    );
    let files: Vec<_> = std::fs::read_dir(&folder)
        .expect("the folder")
        .map(|e| e.expect("entry").path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    let text = std::fs::read_to_string(&files[0]).expect("the report");
    assert!(text.contains("DEMO") || text.contains("demo"), "{text}");
    assert!(text.contains('|'), "a Markdown table: {text}");

    let out = run("monthly");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("no [[report]] named \"monthly\""),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The fixed demo snapshot with 120 services, so the service table outgrows one A4 page.
fn many_services() -> Snapshot {
    let mut s = fixed();
    let range = s.query.fetch_range(s.today);
    let mut b = CubeBuilder::new(range);
    for day in range.iter_days() {
        for i in 0..120 {
            b.add(
                day,
                &format!("Service number {i:03}"),
                "eu-west-1",
                money(&format!("{}.0{}", i + 1, i % 10)),
            );
        }
    }
    s.cube = Some(b.build());
    s
}

/// Every page's text, read back from the PDF by a PDF parser.
fn pdf_pages(bytes: &[u8]) -> Vec<String> {
    assert!(bytes.starts_with(b"%PDF-"), "not a PDF");
    let pdf = lopdf::Document::load_mem(bytes).expect("lopdf parses the file");
    let pages: Vec<u32> = pdf.get_pages().keys().copied().collect();
    pages
        .iter()
        .map(|n| pdf.extract_text(&[*n]).expect("text of a page"))
        .collect()
}

#[test]
fn pdf_shows_the_totals_and_every_service_across_pages_with_the_header_repeated() {
    let options = Options {
        top: 200,
        ..Options::default()
    };
    let r = report::build(&many_services(), &options);
    let total = r.total.expect("a total");
    let pages = pdf_pages(&report::render(&r, Format::Pdf).expect("renders"));
    let all = pages.join("\n");
    let shown_total = awsdash::model::money::money(total, &r.about.currency);
    assert!(
        all.contains(&shown_total),
        "the total {shown_total} to the cent"
    );
    assert!(all.contains("DEMO DATA"));
    for i in 0..120 {
        let name = format!("Service number {i:03}");
        let row = r
            .services
            .as_ref()
            .and_then(|s| s.rows.iter().find(|l| l.name == name))
            .expect("a row per service");
        let cost = awsdash::model::money::money(row.cost, &r.about.currency);
        // lopdf gives each drawn text a line of its own: a row is its name, then its cost.
        assert!(
            pages.iter().any(|p| {
                let lines: Vec<&str> = p.lines().map(str::trim).collect();
                lines.windows(2).any(|w| w[0] == name && w[1] == cost)
            }),
            "{name} followed by {cost}"
        );
    }
    let continued: Vec<&String> = pages
        .iter()
        .filter(|p| p.contains("Top services (continued)"))
        .collect();
    assert!(
        continued.len() >= 2,
        "120 services run over at least two more pages"
    );
    for p in continued {
        assert!(
            p.contains("Service") && p.contains("Share"),
            "header repeated: {p}"
        );
    }
    assert!(pages.last().is_some_and(|p| p.contains(&format!(
        "page {} of {}",
        pages.len(),
        pages.len()
    ))));
}

#[test]
fn pdf_draws_the_charts_and_keeps_control_characters_out() {
    let r = report::build(&hostile(), &Options::default());
    let bytes = report::render(&r, Format::Pdf).expect("renders");
    let pages = pdf_pages(&bytes);
    let all = pages.join("\n");
    assert!(all.contains("Daily cost") && all.contains("peak "), "{all}");
    assert!(!all.contains('\u{1b}') && !all.contains('\u{7}'), "{all:?}");
    assert!(
        all.contains("<script>alert(1)</script>"),
        "names shown as text"
    );
    let pdf = lopdf::Document::load_mem(&bytes).expect("parses");
    let fills: usize = pdf
        .get_pages()
        .values()
        .map(|page| {
            let content = pdf.get_page_content(*page);
            let ops = lopdf::content::Content::decode(&content).expect("operators");
            ops.operations.iter().filter(|o| o.operator == "f").count()
        })
        .sum();
    let days = r.daily.len();
    assert!(
        fills >= days,
        "the daily chart's {days} bars are drawn: {fills} filled shapes"
    );
}

#[test]
fn pdf_of_a_saved_snapshot_is_written_by_the_cli_without_aws() {
    let home = tempfile::tempdir().expect("home");
    let saved = home.path().join("snapshot.json");
    std::fs::write(&saved, awsdash::output::json::render(&fixed())).expect("write");
    let out_file = home.path().join("report.pdf");
    let out = support::process::awsdash(home.path())
        .args([
            "report",
            "--endpoint-url",
            "http://127.0.0.1:9",
            "--format",
            "pdf",
        ])
        .arg("--from")
        .arg(&saved)
        .arg("--out")
        .arg(&out_file)
        .output()
        .expect("runs");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let pages = pdf_pages(&std::fs::read(&out_file).expect("the file"));
    assert!(pages[0].contains("AWS cost report") && pages[0].contains("DEMO DATA"));
}
