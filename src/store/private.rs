//! Owner-only data: who else on this machine can read a recording?
//!
//! Nobody: every directory blameless creates is 0700 and every file 0600,
//! whatever umask the user runs it with. The binary sets the process umask
//! to 077 before it does anything ([`owner_only_from_now_on`]), so files
//! made by libraries (tantivy's segments, pip's downloads) are covered too.
//! Data from before that (or copied in by hand) is tightened by
//! `blameless recover` ([`tighten`]).

use std::fs;
use std::io;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::Path;

/// Makes every file and directory this process creates from now on
/// owner-only (umask 077). Process-wide: call it first thing in `main`.
pub fn owner_only_from_now_on() {
    // SAFETY: umask only changes this process's file-creation mask; it has
    // no memory-safety preconditions and cannot fail.
    unsafe {
        libc::umask(0o077);
    }
}

/// The user this process acts as.
fn effective_uid() -> u32 {
    // SAFETY: geteuid has no preconditions and cannot fail.
    unsafe { libc::geteuid() }
}

/// Takes group and other permissions away from `root` and everything under
/// it that this user owns (symbolic links are not followed, nor changed;
/// what belongs to another user, such as a shared models directory, is left
/// as it is). Returns how many entries were changed; a missing `root`
/// changes nothing.
pub fn tighten(root: &Path) -> io::Result<usize> {
    let metadata = match fs::symlink_metadata(root) {
        Ok(m) => m,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(e),
    };
    let mut changed = 0;
    if metadata.file_type().is_symlink() {
        return Ok(0);
    }
    let mode = metadata.permissions().mode();
    if mode & 0o077 != 0 && metadata.uid() == effective_uid() {
        fs::set_permissions(root, fs::Permissions::from_mode(mode & 0o7700))?;
        changed += 1;
    }
    if metadata.is_dir() {
        for entry in fs::read_dir(root)? {
            changed += tighten(&entry?.path())?;
        }
    }
    Ok(changed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tighten_removes_group_and_other_bits_only() {
        let home = tempfile::tempdir().unwrap();
        let dir = home.path().join("meetings");
        fs::create_dir(&dir).unwrap();
        fs::set_permissions(&dir, fs::Permissions::from_mode(0o755)).unwrap();
        let file = dir.join("turns.jsonl");
        fs::write(&file, b"{}\n").unwrap();
        fs::set_permissions(&file, fs::Permissions::from_mode(0o644)).unwrap();
        let outside = home.path().join("elsewhere");
        fs::write(&outside, b"x").unwrap();
        fs::set_permissions(&outside, fs::Permissions::from_mode(0o644)).unwrap();
        std::os::unix::fs::symlink(&outside, dir.join("link")).unwrap();

        assert_eq!(tighten(&dir).unwrap(), 2);
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&file), 0o600);
        assert_eq!(mode(&outside), 0o644, "a link's target is not changed");
        assert_eq!(tighten(&dir).unwrap(), 0, "a second pass changes nothing");
        assert_eq!(tighten(&home.path().join("missing")).unwrap(), 0);
    }
}
