//! The repository holds only the project: no run folder, no run output and no log is
//! tracked by git (outside tests/fixtures/ and tests/golden/, whose run files are test data).
//! `.gitignore` keeps them out; this test fails when one slips in anyway (`git add -f`, a
//! run folder written under another name than runs/).

mod common;

use std::collections::BTreeSet;

/// Folders whose run files are test data, tracked on purpose.
const TEST_DATA: &[&str] = &["tests/fixtures/", "tests/golden/"];

/// Files only a run writes (docs/RUN-FOLDER.md).
const RUN_OUTPUTS: &[&str] = &[
    "metrics.jsonl",
    "final_metrics.json",
    "image_metrics.json",
    "checkpoint.safetensors",
    "checkpoint.previous.safetensors",
    "critic.safetensors",
    "generator.safetensors",
    "generator_ema.safetensors",
    "summary.json",
];

/// The tracked paths that are run outputs or logs, each with the reason.
fn offending(paths: &[&str]) -> Vec<String> {
    let mut found = Vec::new();
    let mut run_folders = BTreeSet::new();
    for path in paths {
        if TEST_DATA.iter().any(|prefix| path.starts_with(prefix)) {
            continue;
        }
        let name = path.rsplit('/').next().unwrap_or(path);
        if name.ends_with(".log") {
            found.push(format!("{path}: a log"));
        } else if RUN_OUTPUTS.contains(&name) {
            found.push(format!("{path}: a run output"));
            let folder = path.rsplit_once('/').map_or("", |(folder, _)| folder);
            run_folders.insert(folder.to_string());
        }
    }
    for folder in run_folders {
        let config = if folder.is_empty() {
            "config.toml".to_string()
        } else {
            format!("{folder}/config.toml")
        };
        if paths.contains(&config.as_str()) {
            found.push(format!("{folder}/: a whole run folder"));
        }
    }
    found
}

#[test]
fn the_rule_finds_run_folders_outputs_and_logs() {
    let paths = [
        "src/lib.rs",
        "b.log",
        "r/config.toml",
        "r/metrics.jsonl",
        "r/critic.safetensors",
        "docs/ring-lsgan.png",
        "tests/golden/ring/metrics.jsonl",
        "tests/fixtures/run-2a728e4/checkpoint.safetensors",
        "scripts/logs/x.log",
    ];
    assert_eq!(
        offending(&paths),
        [
            "b.log: a log",
            "r/metrics.jsonl: a run output",
            "r/critic.safetensors: a run output",
            "scripts/logs/x.log: a log",
            "r/: a whole run folder",
        ]
    );
    assert!(offending(&["src/lib.rs", "docs/ring-lsgan.png", "Cargo.toml"]).is_empty());
}

#[test]
fn git_tracks_no_run_output_or_log() {
    let paths = common::tracked_files();
    let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
    let found = offending(&paths);
    assert!(
        found.is_empty(),
        "tracked run outputs or logs (git rm them; .gitignore keeps them out):\n{}",
        found.join("\n")
    );
}
