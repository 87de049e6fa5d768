//! A directory sink: the report file written into a folder (a synced share, a web root, a
//! place a cron job picks up) — atomically (a temporary file, then a rename, so a reader never
//! sees half a report) and private (0600: cost numbers are not for every local user).

use std::path::Path;

use super::SendError;
use super::report::ReportFile;

/// Writes `file` into `dir` under its own name, creating `dir` (0700) when missing.
pub(super) fn write(sink: &str, dir: &Path, file: &ReportFile) -> Result<(), SendError> {
    let bare = Path::new(&file.name)
        .file_name()
        .is_some_and(|n| *n == *file.name)
        && !file.name.starts_with('.');
    if !bare {
        return Err(SendError::Permanent(format!(
            "sink {sink:?}: {:?} is not a plain file name",
            file.name
        )));
    }
    // Worth trying again after the next snapshot: a permission or a full disk is fixed
    // outside awsdash, within the period.
    crate::cache::write_atomic(&dir.join(&file.name), &file.bytes).map_err(|e| {
        SendError::Transient {
            retry_after: None,
            why: format!("sink {sink:?}: cannot write into {}: {e}", dir.display()),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alerts::sinks::report::tests::delivery;

    #[test]
    fn the_file_lands_whole_and_private() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("reports/weekly");
        let file = delivery().file;
        write("out", &dir, &file).expect("written");
        let path = dir.join(&file.name);
        assert_eq!(std::fs::read(&path).expect("read"), file.bytes);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        let leftovers: Vec<_> = std::fs::read_dir(&dir).expect("dir").collect();
        assert_eq!(leftovers.len(), 1, "no temporary file left");
        for bad in ["../x.html", "a/b.html", ".hidden", ""] {
            let mut f = file.clone();
            f.name = bad.into();
            assert!(
                matches!(write("out", &dir, &f), Err(SendError::Permanent(_))),
                "{bad}"
            );
        }
    }
}
