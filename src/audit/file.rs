//! The audit file: appended whole lines under the lock beside it, read back line by line.

use std::fs;
use std::io::{self, Write};
use std::path::Path;

use super::Line;

/// Appends `line` as one JSON line. The lock makes the append of a whole line atomic against
/// other awsdash processes (O_APPEND alone does not promise that for every file system); the
/// file is created 0600 because it names people and accounts.
pub fn append(path: &Path, line: &Line) -> io::Result<()> {
    let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
    bytes.push(b'\n');
    let _guard = crate::lockfile::FileLock::beside(path)?;
    let mut options = fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(path)?;
    file.write_all(&bytes)?;
    file.flush()
}

/// Every line that parses; a missing file is an empty log. A line that does not parse (cut
/// short by a full disk, edited by hand) is skipped and logged rather than hiding the rest.
pub fn read(path: &Path) -> io::Result<Vec<Line>> {
    let text = match fs::read_to_string(path) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut lines = Vec::new();
    for (n, raw) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        match serde_json::from_str::<Line>(raw) {
            Ok(line) => lines.push(line),
            Err(e) => {
                tracing::warn!(path = %path.display(), line = n + 1, "skipping an audit line that does not parse: {e}")
            }
        }
    }
    Ok(lines)
}
