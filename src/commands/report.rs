//! `awsdash report`: one report from a fresh-enough snapshot (the cache answers when it can,
//! so a report costs no paid call then) or from a saved `snapshot --json` (no AWS at all).

use std::io::{IsTerminal, Write};
use std::path::Path;

use chrono::Utc;

use crate::cli::{ReportAction, ReportArgs};
use crate::error::AppError;
use crate::model::Snapshot;
use crate::report::{self, Format, Options};
use crate::schedule::run::COLLECT_POLICY;
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: &ReportArgs) -> Result<(), AppError> {
    if let Some(ReportAction::Run { name }) = &args.action {
        return run_named(settings, args, name).await;
    }
    if args.csv_raw && args.format != Format::Csv {
        return Err(AppError::Usage(format!(
            "--csv-raw applies to --format csv, not --format {}",
            args.format.name()
        )));
    }
    if args.format == Format::Pdf && args.out.is_none() && std::io::stdout().is_terminal() {
        return Err(AppError::Usage(
            "a PDF is binary and would garble the terminal: write it with --out FILE (or redirect stdout)".into(),
        ));
    }
    let (snapshot, worst) = match &args.from {
        Some(path) => (saved(path)?, None),
        None => live(settings, args).await?,
    };
    if snapshot.is_demo() {
        eprintln!("awsdash: the report shows DEMO data (generated; not a real AWS account)");
    }
    let options = Options {
        metric: settings.view.metric,
        top: usize::from(args.top),
    };
    let model = report::build(&snapshot, &options);
    let bytes = match args.format {
        Format::Csv => report::csv::render(&model, args.csv_raw),
        format => report::render(&model, format),
    }
    .map_err(|e| AppError::Other(e.to_string()))?;
    match &args.out {
        Some(path) => write_file(path, &bytes)?,
        None => {
            let mut out = std::io::stdout().lock();
            match out.write_all(&bytes).and_then(|()| out.flush()) {
                Ok(()) => {}
                // A closed pipe (`| head`) is the reader's choice, not our failure.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(e) => return Err(AppError::Other(format!("cannot write to stdout: {e}"))),
            }
        }
    }
    match worst {
        Some(code) => Err(AppError::Reported(code)),
        None => Ok(()),
    }
}

fn saved(path: &Path) -> Result<Snapshot, AppError> {
    let bytes = std::fs::read(path)
        .map_err(|e| AppError::Usage(format!("cannot read {}: {e}", path.display())))?;
    report::saved::snapshot_from_json(&bytes)
        .map_err(|e| AppError::Usage(format!("{}: {e}", path.display())))
}

/// The snapshot as `snapshot` fetches it, and the exit code of its worst failure: a report of
/// what did arrive is still written (its "could not be fetched" section says what is missing).
async fn live(settings: &Settings, args: &ReportArgs) -> Result<(Snapshot, Option<u8>), AppError> {
    let include = match &args.include {
        None => Vec::new(),
        Some(list) => crate::model::Section::parse_list(list)
            .map_err(|e| AppError::Usage(format!("--include: {e}")))?,
    };
    let mut wants = crate::poller::Wants::new(&settings.view.tag_keys).with(&include);
    if let Some(key) = &args.tag_key {
        wants.tag_key = Some(key.clone());
    }
    let fetched = super::fetch_once(settings, &wants, Utc::now()).await?;
    super::say_failures(&fetched);
    let snapshot = fetched.snapshot_or_exit()?.clone();
    Ok((snapshot, fetched.worst().map(AppError::code)))
}

/// Writes beside the target and renames, so a failed run never leaves half a report where
/// the last good one was.
fn write_file(path: &Path, bytes: &[u8]) -> Result<(), AppError> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = std::path::PathBuf::from(tmp);
    let fail = |e: std::io::Error| AppError::Other(format!("cannot write {}: {e}", path.display()));
    std::fs::write(&tmp, bytes).map_err(fail)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// `report run NAME`: the scheduled report sent now, through the collector's own code; exit 4
/// when a sink did not take it.
async fn run_named(settings: &Settings, args: &ReportArgs, name: &str) -> Result<(), AppError> {
    if args.from.is_some() {
        return Err(AppError::Usage(
            "report run sends from a live snapshot; --from is for one report on stdout".into(),
        ));
    }
    let Some(scheduler) = super::schedule::scheduler(settings).await? else {
        return Err(AppError::Usage(
            "no [[report]] in the config (see config.example.toml)".into(),
        ));
    };
    if !settings.reports.iter().any(|r| r.name == name) {
        // Said before anything is fetched.
        let known: Vec<String> = settings
            .reports
            .iter()
            .map(|r| format!("{:?}", r.name))
            .collect();
        return Err(AppError::Usage(format!(
            "no [[report]] named {name:?}; there are {}",
            known.join(", ")
        )));
    }
    let (snapshot, _) = live(settings, args).await?;
    let sent = scheduler
        .run_now(name, &snapshot, Utc::now(), &COLLECT_POLICY)
        .await?;
    for s in &sent {
        eprintln!("awsdash: {}", super::schedule::describe(s));
    }
    let failed = sent.iter().filter(|s| s.result.is_err()).count();
    match failed {
        0 => Ok(()),
        n => Err(AppError::Unavailable(format!(
            "report {name:?}: {n} of {} sink(s) did not take it",
            sent.len()
        ))),
    }
}
