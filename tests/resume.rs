//! Checkpoints and `lsgan resume`: a run stopped by Ctrl-C (SIGINT: checkpoint, exit 130) or
//! killed outright (SIGKILL: the last periodic checkpoint survives) and then resumed ends with
//! the same metrics.jsonl and the same weights, byte for byte, as a run never interrupted.

mod common;

use std::path::Path;

use common::succeeded as finished;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Small nets; enough iterations that the signal lands mid-run.
const RUN: &[&str] = &[
    "--data",
    "ring",
    "--iters",
    "600",
    "--log-every",
    "50",
    "--checkpoint-every",
    "100",
    "--gen-width",
    "32",
    "--critic-width",
    "32",
    "--eval-samples",
    "200",
    "--batch-size",
    "64",
    "--ema-decay",
    "0.9",
    "--threads",
    "1",
    "--quiet",
];

fn lsgan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lsgan"))
}

fn start_training(out: &Path) -> Child {
    lsgan()
        .arg("train")
        .arg("--out")
        .arg(out)
        .args(RUN)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lsgan binary starts")
}

fn train_uninterrupted(out: &Path) {
    finished(
        start_training(out)
            .wait_with_output()
            .expect("training runs"),
    );
}

fn resume(out: &Path) {
    finished(
        lsgan()
            .arg("resume")
            .arg(out)
            .arg("--quiet")
            .output()
            .expect("resume runs"),
    );
}

/// Waits until `file` exists (and, for metrics.jsonl, has a line), or the child exits.
fn wait_for(child: &mut Child, file: &Path) {
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let ready = std::fs::read_to_string(file).is_ok_and(|text| !text.is_empty())
            || (file.extension().is_some_and(|e| e == "safetensors") && file.exists());
        if ready {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!(
                "training ended ({status}) before {} appeared",
                file.display()
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("{} did not appear within 120 s", file.display());
}

fn send(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

fn metrics_log(run: &Path) -> String {
    std::fs::read_to_string(run.join("metrics.jsonl")).expect("metrics.jsonl")
}

fn assert_same_run(resumed: &Path, reference: &Path) {
    let (got, want) = (metrics_log(resumed), metrics_log(reference));
    assert_eq!(want.lines().count(), 12);
    assert_eq!(got, want, "metrics.jsonl differs after resume");
    common::assert_same_files(
        resumed,
        reference,
        &[
            "generator.safetensors",
            "critic.safetensors",
            "generator_ema.safetensors",
        ],
    );
}

#[test]
fn ctrl_c_checkpoints_and_resume_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    train_uninterrupted(&reference);

    let run = dir.path().join("interrupted");
    let mut child = start_training(&run);
    wait_for(&mut child, &run.join("metrics.jsonl"));
    send("-INT", &child);
    let output = child.wait_with_output().unwrap();
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{message}");
    assert!(message.contains("lsgan resume"), "{message}");
    assert!(
        !run.join("final_metrics.json").exists(),
        "an interrupted run must not look finished"
    );
    let logged = metrics_log(&run).lines().count();
    assert!(
        (1..12).contains(&logged),
        "{logged} lines before the interrupt"
    );

    resume(&run);
    assert_same_run(&run, &reference);
}

#[test]
fn sigkill_loses_at_most_one_interval_and_resume_matches() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    train_uninterrupted(&reference);

    let run = dir.path().join("killed");
    let mut child = start_training(&run);
    wait_for(&mut child, &run.join("checkpoint.safetensors"));
    // Let it run on past the checkpoint, so the log holds lines the checkpoint has not seen.
    std::thread::sleep(Duration::from_millis(300));
    send("-KILL", &child);
    let status = child.wait().unwrap();
    assert_eq!(status.code(), None, "killed by a signal");

    resume(&run);
    assert_same_run(&run, &reference);
}

#[test]
fn resume_extends_a_finished_run_and_refuses_when_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_uninterrupted(&run);
    let output = lsgan()
        .args(["resume", run.to_str().unwrap(), "--quiet"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--iters"));

    finished(
        lsgan()
            .args(["resume", run.to_str().unwrap(), "--iters", "700", "--quiet"])
            .output()
            .unwrap(),
    );
    let log = metrics_log(&run);
    assert_eq!(log.lines().count(), 14);
    assert!(log.lines().last().unwrap().contains("\"iteration\":700"));

    let missing = dir.path().join("no-run");
    let output = lsgan()
        .args(["resume", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no-run"));
}
