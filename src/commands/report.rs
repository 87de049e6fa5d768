//! `awsdash report`: one report from a fresh-enough snapshot (the cache answers when it can,
//! so a report costs no paid call then) or from a saved `snapshot --json` (no AWS at all).

use std::io::Write;
use std::path::Path;

use chrono::Utc;

use crate::cli::ReportArgs;
use crate::error::AppError;
use crate::model::Snapshot;
use crate::report::{self, Format, Options};
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: &ReportArgs) -> Result<(), AppError> {
    if args.csv_raw && args.format != Format::Csv {
        return Err(AppError::Usage(format!(
            "--csv-raw applies to --format csv, not --format {}",
            args.format.name()
        )));
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
