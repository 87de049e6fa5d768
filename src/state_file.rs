//! The small JSON state files that processes on one machine share (what alerts were said and
//! what waits to be sent; which reports went out this period): read whole, changed under a
//! lock file beside them, written atomically. A file of another format, or one that does
//! not parse, is an error and never a fresh start, since starting over would send again what
//! was already sent.

use std::io;
use std::path::Path;

use serde::Serialize;
use serde::de::DeserializeOwned;

/// The contents of one kind of state file.
pub trait StateFile: Default + Serialize + DeserializeOwned {
    /// The format this build reads and writes.
    const FORMAT: u64;
    /// What the file holds, in the error a person reads ("alert state").
    const WHAT: &'static str;

    fn format(&self) -> u64;
    fn set_format(&mut self, format: u64);
}

/// The file at `path`, or an empty one when there is none yet.
pub fn load<T: StateFile>(path: &Path) -> io::Result<T> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(T::default()),
        Err(e) => return Err(e),
    };
    match serde_json::from_slice::<T>(&bytes) {
        Ok(file) if file.format() == T::FORMAT => Ok(file),
        Ok(file) => Err(io::Error::other(format!(
            "{} has format {}, expected {}",
            path.display(),
            file.format(),
            T::FORMAT
        ))),
        Err(e) => Err(io::Error::other(format!(
            "{} is not readable {} ({e}); move it away to start afresh",
            path.display(),
            T::WHAT
        ))),
    }
}

/// Applies `change` to the file at `path` with no other process changing it meanwhile.
pub fn update<T: StateFile, R>(
    path: &Path,
    change: impl FnOnce(&mut T) -> io::Result<R>,
) -> io::Result<R> {
    let _lock = crate::lockfile::FileLock::beside(path)?;
    let mut file: T = load(path)?;
    file.set_format(T::FORMAT);
    let out = change(&mut file)?;
    let bytes = serde_json::to_vec_pretty(&file).map_err(io::Error::other)?;
    crate::cache::write_atomic(path, &bytes)?;
    Ok(out)
}
