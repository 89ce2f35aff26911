//! Who is working on a meeting right now?
//!
//! Each meeting directory has a `lock` file holding the PID of the process
//! that created the meeting. The writer (and `recover`) hold an exclusive
//! advisory lock (`flock`) on it while they work. The kernel releases it when
//! the process dies, even by `kill -9`, so a held lock means a live process.
//! Where the file system does not support `flock`, the PID stands in: the
//! meeting counts as live while `/proc/<pid>` exists.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::Path;

use super::StoreError;

/// Name of the lock file inside a meeting directory.
pub(crate) const LOCK_FILE: &str = "lock";

/// A held lock; released when dropped (or when the process dies).
#[derive(Debug)]
pub(crate) struct MeetingLock {
    /// Kept open: closing the file releases the lock.
    _file: File,
}

/// Whether a lock could be taken.
#[derive(Debug)]
pub(crate) enum TryLock {
    /// We hold it now.
    Acquired(MeetingLock),
    /// Another live process holds it; the PID it wrote, if readable.
    Busy { pid: Option<u32> },
    /// Neither a lock file nor `meeting.json`: not (yet) a meeting.
    NoLockFile,
}

/// Creates the lock file of a brand-new meeting, locks it and writes our PID.
pub(crate) fn create(dir: &Path) -> Result<MeetingLock, StoreError> {
    let path = dir.join(LOCK_FILE);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create_new(true)
        .open(&path)
        .map_err(StoreError::io(&path, "create"))?;
    // Nobody else can know this directory yet, so this only fails where the
    // file system has no flock; then the PID below is the lock.
    let _ = file.try_lock();
    writeln!(file, "{}", std::process::id())
        .and_then(|()| file.sync_all())
        .map_err(StoreError::io(&path, "write"))?;
    Ok(MeetingLock { _file: file })
}

/// Tries to lock an existing meeting for `recover`.
///
/// A missing lock file is created only next to a `meeting.json`: a writer
/// makes its lock before `meeting.json`, so creating one in a directory
/// without it could race with a meeting being created there.
pub(crate) fn try_lock(dir: &Path) -> Result<TryLock, StoreError> {
    let path = dir.join(LOCK_FILE);
    let create = dir.join(super::MEETING_FILE).exists();
    let mut file = match OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .open(&path)
    {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(TryLock::NoLockFile),
        Err(e) => return Err(StoreError::io(&path, "open")(e)),
    };
    let mut text = String::new();
    let pid = file
        .read_to_string(&mut text)
        .ok()
        .and_then(|_| text.trim().parse::<u32>().ok());
    match file.try_lock() {
        Ok(()) => Ok(TryLock::Acquired(MeetingLock { _file: file })),
        Err(std::fs::TryLockError::WouldBlock) => Ok(TryLock::Busy { pid }),
        Err(std::fs::TryLockError::Error(_)) => match pid {
            Some(pid) if pid_is_alive(pid) => Ok(TryLock::Busy { pid: Some(pid) }),
            _ => Ok(TryLock::Acquired(MeetingLock { _file: file })),
        },
    }
}

/// `kill(pid, 0)` without libc: a process is alive while `/proc/<pid>` exists.
fn pid_is_alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_held_lock_is_busy_until_dropped() {
        let dir = tempfile::tempdir().unwrap();
        let lock = create(dir.path()).unwrap();
        match try_lock(dir.path()).unwrap() {
            TryLock::Busy { pid } => assert_eq!(pid, Some(std::process::id())),
            other => panic!("a held lock was taken twice: {other:?}"),
        }
        drop(lock);
        assert!(matches!(
            try_lock(dir.path()).unwrap(),
            TryLock::Acquired(_)
        ));
    }

    #[test]
    fn our_own_pid_is_alive() {
        assert!(pid_is_alive(std::process::id()));
    }
}
