//! An exclusive lock beside a file that several awsdash processes update (the API meter, the
//! alert state): read, change and write it back while holding the lock, and no update is
//! lost to another process's write.

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

/// An exclusive lock on `<file>.lock` — a file of its own, because the data file is replaced
/// by rename and a lock on a replaced inode would lock nothing. Released on drop.
pub struct FileLock(fs::File);

impl FileLock {
    /// Waits for the lock beside `data`, creating its directory (0700) and the lock file (0600)
    /// when missing.
    pub fn beside(data: &Path) -> io::Result<FileLock> {
        let mut name = data.as_os_str().to_owned();
        name.push(".lock");
        let path = PathBuf::from(name);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            crate::cache::create_private_dir(dir)?;
        }
        let mut options = fs::OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        {
            use std::os::unix::fs::OpenOptionsExt;
            options.mode(0o600);
        }
        let file = options.open(&path)?;
        file.lock()?;
        Ok(FileLock(file))
    }
}

impl Drop for FileLock {
    fn drop(&mut self) {
        let _ = self.0.unlock();
    }
}
