//! Enrolled voice profiles: `<home>/speakers/<name>.json`.
//!
//! A voiceprint is personal data: the directory is created owner-only (0700)
//! and each profile is written owner-only (0600) through a temporary file and
//! a rename, so a profile is never half-written and never readable by others,
//! even for a moment. `forget` deletes the file.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::SpeakerError;

/// A stored profile.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Profile {
    /// The person's name, as given.
    pub name: String,
    /// L2-normalised mean GE2E embedding of the enrollment audio.
    pub embedding: Vec<f32>,
    /// Seconds of audio it was made from.
    pub audio_s: f64,
    /// The files it was made from (names only).
    pub files: Vec<String>,
}

/// The profiles directory under the data home.
pub fn dir(home: &Path) -> PathBuf {
    home.join("speakers")
}

fn file_err(path: &Path) -> impl FnOnce(std::io::Error) -> SpeakerError + '_ {
    move |e| SpeakerError::File {
        path: path.to_owned(),
        message: e.to_string(),
    }
}

/// A file name for `name`: letters, digits and `-` kept, the rest `_`.
fn file_for(home: &Path, name: &str) -> PathBuf {
    let slug: String = name
        .trim()
        .to_lowercase()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || c == '-' {
                c
            } else {
                '_'
            }
        })
        .collect();
    dir(home).join(format!("{slug}.json"))
}

/// Stores (or replaces) `profile`, owner-only. Returns its path.
pub fn save(home: &Path, profile: &Profile) -> Result<PathBuf, SpeakerError> {
    if profile.name.trim().is_empty() {
        return Err(SpeakerError::File {
            path: dir(home),
            message: "a profile needs a name".into(),
        });
    }
    let d = dir(home);
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&d)
        .map_err(file_err(&d))?;
    // An existing directory keeps its mode: make sure it is owner-only.
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o700)).map_err(file_err(&d))?;
    let path = file_for(home, &profile.name);
    let tmp = path.with_extension("json.tmp");
    let json = serde_json::to_vec(profile).map_err(|e| SpeakerError::File {
        path: path.clone(),
        message: e.to_string(),
    })?;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(file_err(&tmp))?;
    f.write_all(&json).map_err(file_err(&tmp))?;
    f.sync_all().map_err(file_err(&tmp))?;
    std::fs::rename(&tmp, &path).map_err(file_err(&path))?;
    Ok(path)
}

/// All stored profiles, sorted by name (unreadable files are skipped).
pub fn list(home: &Path) -> Vec<Profile> {
    let Ok(entries) = std::fs::read_dir(dir(home)) else {
        return Vec::new();
    };
    let mut out: Vec<Profile> = entries
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
        .filter_map(|e| serde_json::from_slice(&std::fs::read(e.path()).ok()?).ok())
        .collect();
    out.sort_by_key(|p: &Profile| p.name.to_lowercase());
    out
}

/// Deletes the profile called `name` (case-insensitive).
pub fn forget(home: &Path, name: &str) -> Result<(), SpeakerError> {
    let path = file_for(home, name);
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Err(SpeakerError::UnknownProfile {
            name: name.to_string(),
        }),
        Err(e) => Err(file_err(&path)(e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_are_owner_only_and_can_be_forgotten() {
        let home = tempfile::tempdir().unwrap();
        let p = Profile {
            name: "Priya".into(),
            embedding: vec![0.6, 0.8],
            audio_s: 3.0,
            files: vec!["priya.wav".into()],
        };
        let path = save(home.path(), &p).unwrap();
        let mode = std::fs::metadata(&path).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let mode = std::fs::metadata(dir(home.path()))
            .unwrap()
            .permissions()
            .mode()
            & 0o777;
        assert_eq!(mode, 0o700);
        let listed = list(home.path());
        assert_eq!(listed.len(), 1);
        assert_eq!(listed[0].embedding, vec![0.6, 0.8]);
        forget(home.path(), "priya").unwrap();
        assert!(list(home.path()).is_empty());
        let err = forget(home.path(), "Priya").unwrap_err().to_string();
        assert!(err.contains("blameless speakers list"), "{err}");
    }
}
