use chrono::TimeZone;

use super::*;

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0)
        .single()
        .expect("valid time")
}

fn paid(pages: u64) -> Action {
    Action::PaidCall {
        operation: "ce:GetCostAndUsage".into(),
        pages,
        cost: Money::from_units(pages as i64, 2),
    }
}

fn log_in(dir: &tempfile::TempDir) -> AuditLog {
    AuditLog::new(dir.path().join("data").join(FILE_NAME))
}

#[tokio::test]
async fn the_file_is_private_and_each_line_parses_back() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = log_in(&dir);
    log.record(paid(3), Outcome::Ok, at(2, 9))
        .await
        .expect("recorded");
    log.record(
        Action::BudgetEdit {
            who: "arn:aws:iam::123456789012:user/ana".into(),
            budget: "monthly".into(),
            before: "1000.00 USD".into(),
            after: "1200.00 USD".into(),
        },
        Outcome::Ok,
        at(2, 10),
    )
    .await
    .expect("recorded");
    let path = dir.path().join("data").join(FILE_NAME);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("file").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let text = std::fs::read_to_string(&path).expect("read");
    assert_eq!(text.lines().count(), 2);
    for raw in text.lines() {
        let value: serde_json::Value = serde_json::from_str(raw).expect("a JSON line");
        assert!(value["action"].is_string(), "{raw}");
    }
    let lines = log.read(at(1, 0).date_naive(), at(2, 0).date_naive()).await;
    let lines = lines.expect("read back");
    assert_eq!(lines[0].action, paid(3));
    assert!(text.contains("\"cost\":\"0.03\""), "{text}");
    assert_eq!(lines[1].result, Outcome::Ok);
}

#[tokio::test]
async fn since_keeps_the_lines_of_that_day_and_later() {
    let dir = tempfile::tempdir().expect("temp dir");
    let log = log_in(&dir);
    for day in [1, 3, 5] {
        log.record(paid(1), Outcome::Ok, at(day, 23))
            .await
            .expect("recorded");
    }
    let lines = log
        .read(at(3, 0).date_naive(), at(5, 0).date_naive())
        .await
        .expect("read");
    let days: Vec<u32> = lines.iter().map(|l| chrono::Datelike::day(&l.at)).collect();
    assert_eq!(days, vec![3, 5]);
}

#[test]
fn parallel_appends_never_interleave() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    let long = "x".repeat(20_000);
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let path = path.clone();
            let long = long.clone();
            std::thread::spawn(move || {
                for i in 0..25 {
                    let line = Line {
                        at: at(1, 0),
                        by: format!("t{t}"),
                        action: Action::Delivery {
                            what: Delivered::Alert,
                            sink: long.clone(),
                            id: format!("{t}-{i}"),
                        },
                        result: Outcome::Ok,
                    };
                    file::append(&path, &line).expect("appended");
                }
            })
        })
        .collect();
    for t in threads {
        t.join().expect("thread");
    }
    let lines = file::read(&path).expect("read");
    assert_eq!(lines.len(), 200, "every line parses whole");
}

#[test]
fn a_torn_line_is_skipped_not_fatal() {
    let dir = tempfile::tempdir().expect("temp dir");
    let path = dir.path().join(FILE_NAME);
    let line = Line {
        at: at(1, 0),
        by: "h:1".into(),
        action: paid(1),
        result: Outcome::Failed,
    };
    file::append(&path, &line).expect("appended");
    std::fs::OpenOptions::new()
        .append(true)
        .open(&path)
        .and_then(|mut f| std::io::Write::write_all(&mut f, b"{\"at\":\n"))
        .expect("torn");
    assert_eq!(file::read(&path).expect("read"), vec![line]);
}
