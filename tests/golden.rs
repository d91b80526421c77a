//! Outputs byte-identical to the recorded ones: a 300-iteration ring run, a 200-iteration
//! MNIST run and a two-run ring comparison, each from a config file in `tests/golden/` that
//! pins every option (so a later change of a default does not move them), on the CPU with
//! one thread. What is compared: `metrics.jsonl` as written, `final_metrics.json` and
//! `summary.json` less their timings and paths, and the MD5 of every weights file.
//!
//! The files under `tests/golden/<name>/` were recorded from the binary before the
//! restructuring of issue 16 (main at 2a728e4); `compare/summary.json` was recorded again
//! when each run's entry gained its budget and critic steps (issue 17), every number in it
//! unchanged. A change that means to alter training
//! records them again with `LSGAN_RECORD_GOLDEN=1 cargo test --release --test golden` and
//! says so in its commit; libtorch's CPU kernels differ between processor families, so the
//! numbers hold on the machine kind they were recorded on (the project's CI machine).

mod common;

use std::path::{Path, PathBuf};

use md5::{Digest, Md5};

use common::{lsgan, read_json, succeeded, without_timings_and_paths};

fn golden(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/golden")
        .join(name)
}

fn normalised_json(path: &Path) -> String {
    serde_json::to_string_pretty(&without_timings_and_paths(read_json(path))).unwrap() + "\n"
}

/// "MD5  file" for each weights file of the run folder, sorted by name.
fn weight_checksums(run: &Path) -> String {
    let mut names: Vec<String> = std::fs::read_dir(run)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".safetensors") && !name.starts_with("checkpoint"))
        .collect();
    names.sort();
    names
        .iter()
        .map(|name| {
            let bytes = std::fs::read(run.join(name)).unwrap();
            let digest: String = Md5::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect();
            format!("{digest}  {name}\n")
        })
        .collect()
}

/// Compares `got` with the golden file `name/file`, or records it when
/// `LSGAN_RECORD_GOLDEN` is set.
fn check(name: &str, file: &str, got: &str) {
    let path = golden(name).join(file);
    if std::env::var_os("LSGAN_RECORD_GOLDEN").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert!(
        got == want,
        "{name}/{file} differs from the recorded output; first differing line: {:?} vs {:?}",
        got.lines().zip(want.lines()).find(|(a, b)| a != b),
        want.lines().count()
    );
}

/// Trains the run pinned by `tests/golden/<name>.toml` and checks its outputs.
fn check_run(name: &str, extra: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join(name);
    let config = golden(&format!("{name}.toml"));
    let mut args = vec![
        "train".to_string(),
        "--config".into(),
        config.display().to_string(),
        "--out".into(),
        run.display().to_string(),
        "--quiet".into(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    succeeded(lsgan().args(&args).output().unwrap());
    check(name, "metrics.jsonl", &common::metrics_log(&run));
    check(
        name,
        "final_metrics.json",
        &normalised_json(&run.join("final_metrics.json")),
    );
    check(name, "weights.md5", &weight_checksums(&run));
}

#[test]
fn a_ring_run_reproduces_its_recorded_outputs() {
    check_run("ring", &[]);
}

#[test]
fn an_mnist_run_reproduces_its_recorded_outputs() {
    check_run("mnist", &["--data-dir", &common::shared_data_dir()]);
}

#[test]
fn a_comparison_reproduces_its_recorded_summary() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("compare");
    let config = golden("compare.toml");
    succeeded(
        lsgan()
            .args(["compare", "--config"])
            .arg(&config)
            .args([
                "--losses",
                "lsgan,wgan-gp",
                "--seeds",
                "1",
                "--quiet",
                "--out",
            ])
            .arg(&out)
            .output()
            .unwrap(),
    );
    check(
        "compare",
        "summary.json",
        &normalised_json(&out.join("summary.json")),
    );
    for run in ["lsgan-seed0", "wgan-gp-seed0"] {
        check(
            "compare",
            &format!("{run}.weights.md5"),
            &weight_checksums(&out.join("runs").join(run)),
        );
    }
}
