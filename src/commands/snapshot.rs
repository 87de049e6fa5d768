//! `awsdash snapshot`: fetch once, print to stdout, exit.

use std::io::{IsTerminal, Write};

use chrono::Utc;

use crate::cli::SnapshotArgs;
use crate::error::AppError;
use crate::output;
use crate::settings::Settings;

pub async fn run(settings: &Settings, args: &SnapshotArgs) -> Result<(), AppError> {
    let stdout = std::io::stdout();
    let format = args.format(stdout.is_terminal()).map_err(AppError::Usage)?;
    // Rust quietly discards writes to a closed stdout; find out before anything is paid for.
    if !stdout_is_open() {
        return Err(AppError::Other(
            "stdout is closed: there is nowhere to print the snapshot".into(),
        ));
    }
    let include = args.include().map_err(AppError::Usage)?;
    let mut wants = crate::poller::Wants::new(&settings.view.tag_keys).with(&include);
    if let Some(key) = &args.tag_key {
        wants.tag_key = Some(key.clone());
    }
    let fetched = super::fetch_once(settings, &wants, Utc::now()).await?;
    super::say_failures(&fetched);
    let snapshot = fetched.snapshot_or_exit()?;
    if snapshot.stale {
        let age = snapshot
            .freshness
            .cost_explorer
            .map(|t| (Utc::now() - t).num_minutes());
        if let Some(minutes) = age {
            eprintln!(
                "awsdash: printing the cached snapshot (STALE, Cost Explorer data from {minutes} min ago)"
            );
        }
    } else if snapshot.cube.is_none() {
        eprintln!(
            "awsdash: no Cost Explorer data to show (none cached yet); printing what the other sources returned"
        );
    }
    if snapshot.is_demo() && format != output::Format::Json {
        eprintln!("awsdash: showing DEMO data (generated; not a real AWS account)");
    }
    let text = output::render(snapshot, format);
    let mut lock = stdout.lock();
    let written = lock.write_all(text.as_bytes()).and_then(|_| lock.flush());
    let firing = snapshot.alerts.len();
    match (written, fetched.worst()) {
        // Each failure was said above; only its exit code is left to give.
        (_, Some(worst)) => Err(AppError::Reported(worst.code())),
        (Ok(()), None) if args.fail_on_alert && firing > 0 => Err(AppError::AlertsFire(firing)),
        (Ok(()), None) => Ok(()),
        // A closed pipe (`| head`) is the reader's choice, not our failure.
        (Err(e), None) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        (Err(e), None) => Err(AppError::Other(format!("cannot write to stdout: {e}"))),
    }
}

/// Whether the user gave us a stdout at all. `awsdash snapshot >&-` closes it, and Rust's
/// runtime then quietly reopens descriptor 1 on `/dev/null` before `main` — read-write, where
/// a shell's `> /dev/null` opens it write-only. So "closed" is: not open, or `/dev/null`
/// opened read-write.
fn stdout_is_open() -> bool {
    use std::os::unix::fs::MetadataExt;
    let fd = libc::STDOUT_FILENO;
    // SAFETY: F_GETFL only reads the descriptor's flags; it touches no memory of ours.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags == -1 {
        return false;
    }
    if flags & libc::O_ACCMODE != libc::O_RDWR {
        return true;
    }
    let mut stat = std::mem::MaybeUninit::<libc::stat>::uninit();
    // SAFETY: fstat writes a `stat` into the buffer we own, and we read it only on success.
    let stat = unsafe {
        if libc::fstat(fd, stat.as_mut_ptr()) != 0 {
            return true;
        }
        stat.assume_init()
    };
    let null = std::fs::metadata("/dev/null").map(|m| m.rdev());
    let is_char = stat.st_mode & libc::S_IFMT == libc::S_IFCHR;
    !(is_char && null.is_ok_and(|rdev| rdev == stat.st_rdev))
}
