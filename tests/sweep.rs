//! Sweeps: `lsgan compare --vary … --jobs 2 --time-budget …` trains every (loss, variant,
//! seed) as its own process, each run equal to the same run trained alone; ranks the
//! variants; resumes after an interruption to the summary an uninterrupted sweep writes; and
//! refuses a bad `--vary` or `--rank-by` in one line, exit 2.

mod common;

use std::path::Path;
use std::process::Output;
use std::time::{Duration, Instant};

use common::{lsgan, read_json, send, succeeded, without_timings_and_paths};

/// Tiny ring runs: these check the sweep's plumbing, not quality.
const TINY: &[&str] = &[
    "--data",
    "ring",
    "--gen-width",
    "16",
    "--critic-width",
    "16",
    "--batch-size",
    "32",
    "--eval-samples",
    "200",
    "--log-every",
    "20",
];

fn sweep(out: &Path, iters: &str, extra: &[&str]) -> std::process::Command {
    let mut command = lsgan();
    command
        .args(["compare", "--losses", "lsgan", "--seeds", "2"])
        .args(["--vary", "critic_steps=1,2", "--vary", "margin_scale=0.5,1"])
        .args(["--jobs", "2", "--iters", iters, "--quiet"])
        .args(TINY)
        .args(extra)
        .arg("--out")
        .arg(out);
    command
}

#[test]
fn a_sweep_trains_every_variant_in_parallel_and_ranks_them() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    succeeded(
        sweep(&out, "40", &["--time-budget", "60"])
            .output()
            .unwrap(),
    );
    let summary = read_json(&out.join("summary.json"));
    let runs = summary["runs"].as_array().unwrap();
    let variants: Vec<&str> = runs
        .iter()
        .map(|r| r["variant"].as_str().unwrap())
        .collect();
    assert_eq!(
        variants,
        [
            "critic_steps=1,margin_scale=0.5",
            "critic_steps=1,margin_scale=0.5",
            "critic_steps=1,margin_scale=1",
            "critic_steps=1,margin_scale=1",
            "critic_steps=2,margin_scale=0.5",
            "critic_steps=2,margin_scale=0.5",
            "critic_steps=2,margin_scale=1",
            "critic_steps=2,margin_scale=1",
        ]
    );
    let ranking = &summary["ranking"];
    assert_eq!(
        ranking["by"],
        serde_json::json!(["modes_covered", "high_quality_share"])
    );
    let entries = ranking["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 4);
    for entry in entries {
        let values = entry["values"].as_array().unwrap();
        assert_eq!(values[0]["n"], 2, "{entry}");
        assert!(values[0]["worst"].as_f64().unwrap() <= values[0]["mean"].as_f64().unwrap());
    }
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.contains("<h2>Ranking</h2>"),
        "the report ranks the variants"
    );
    // A run of the sweep equals the same run trained alone (one thread each: 2 jobs on 2 cores).
    let threads = (std::thread::available_parallelism().map_or(1, |n| n.get()) / 2).max(1);
    let alone = dir.path().join("alone");
    succeeded(
        lsgan()
            .args([
                "train",
                "--iters",
                "40",
                "--seed",
                "1",
                "--critic-steps",
                "2",
            ])
            .args(["--margin-scale", "0.5", "--time-budget", "60", "--quiet"])
            .args(["--threads", &threads.to_string()])
            .args(TINY)
            .arg("--out")
            .arg(&alone)
            .output()
            .unwrap(),
    );
    let swept = out.join("runs/lsgan-critic_steps=2,margin_scale=0.5-seed1");
    assert_eq!(common::metrics_log(&swept), common::metrics_log(&alone));
}

#[test]
fn an_interrupted_sweep_resumes_to_the_summary_of_an_uninterrupted_one() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let extra = ["--checkpoint-every", "10"];
    succeeded(sweep(&whole, "400", &extra).output().unwrap());

    let parts = dir.path().join("parts");
    let mut child = sweep(&parts, "400", &extra).spawn().unwrap();
    let first =
        parts.join("runs/lsgan-critic_steps=1,margin_scale=0.5-seed0/checkpoint.safetensors");
    let deadline = Instant::now() + Duration::from_secs(120);
    while !first.exists() {
        assert!(Instant::now() < deadline, "no checkpoint within 120 s");
        assert!(
            child.try_wait().unwrap().is_none(),
            "the sweep ended before its first checkpoint"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    send("-INT", &child);
    let status = child.wait().unwrap();
    assert_eq!(
        status.code(),
        Some(130),
        "compare passes Ctrl-C on and exits 130"
    );
    assert!(
        !parts.join("summary.json").exists(),
        "stopped before every run finished"
    );
    succeeded(sweep(&parts, "400", &extra).output().unwrap());
    assert_eq!(
        without_timings_and_paths(read_json(&parts.join("summary.json"))),
        without_timings_and_paths(read_json(&whole.join("summary.json")))
    );
}

fn refused(args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let output: Output = lsgan()
        .args([
            "compare", "--losses", "lsgan", "--seeds", "1", "--iters", "5",
        ])
        .args(TINY)
        .args(args)
        .arg("--out")
        .arg(dir.path().join("refused"))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    assert!(
        !dir.path().join("refused/runs").exists(),
        "nothing trained: {stderr}"
    );
    stderr
}

#[test]
fn a_bad_vary_or_rank_by_is_refused_in_one_line_naming_it() {
    let unknown = refused(&["--vary", "margn_scale=1,2"]);
    assert!(
        unknown.contains("--vary margn_scale=1,2") && unknown.contains("margin_scale"),
        "{unknown}"
    );
    let value = refused(&["--vary", "critic_steps=1,0"]);
    assert!(
        value.contains("--vary critic_steps=0") && value.contains("at least 1"),
        "{value}"
    );
    let text = refused(&["--vary", "activation=relu,sigmoid"]);
    assert!(text.contains("--vary activation=sigmoid"), "{text}");
    let seed = refused(&["--vary", "seed=1,2"]);
    assert!(seed.contains("--seeds"), "{seed}");
    let shape = refused(&["--vary", "critic_steps"]);
    assert!(shape.contains("KEY=VALUE"), "{shape}");
    let rank = refused(&["--rank-by", "critic_fake_max"]);
    assert!(
        rank.contains("--rank-by") && rank.contains("energy_distance"),
        "{rank}"
    );
}
