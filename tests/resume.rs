//! Every way a training run can stop, and `lsgan resume` after it. A run stopped by SIGINT
//! or SIGTERM (checkpoint, exit 130 or 143), killed outright at random moments (SIGKILL: the
//! last checkpoint survives), or whose latest checkpoint was damaged (named; the previous one
//! is used when asked), and then resumed, ends with the same metrics.jsonl and weights, byte
//! for byte, as a run never interrupted. A run that diverges stops naming the iteration and
//! the quantity and keeps its last good checkpoint; a second process cannot write a run
//! folder in use. Each test adds its row to RELIABILITY.md (see tests/record).

mod common;
mod record;

use std::path::Path;
use std::process::{Child, Output, Stdio};
use std::time::Instant;

use common::{
    lsgan, metrics_log, run_flags_for, send, succeeded, wait_for, CHECKPOINT_EVERY, ITERATIONS,
    LOG_EVERY,
};
use lsgan::train::checkpoint::Checkpoint;
use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

fn start_training(out: &Path) -> Child {
    start_training_for(out, ITERATIONS)
}

fn start_training_for(out: &Path, iterations: u64) -> Child {
    lsgan()
        .arg("train")
        .arg("--out")
        .arg(out)
        .args(run_flags_for(iterations))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the lsgan binary starts")
}

fn train_uninterrupted(out: &Path) {
    succeeded(
        start_training(out)
            .wait_with_output()
            .expect("training runs"),
    );
}

fn resume(out: &Path, flags: &[&str]) -> Output {
    lsgan()
        .arg("resume")
        .arg(out)
        .arg("--quiet")
        .args(flags)
        .output()
        .expect("resume runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_same_run(resumed: &Path, reference: &Path) {
    let (got, want) = (metrics_log(resumed), metrics_log(reference));
    assert_eq!(want.lines().count() as u64, ITERATIONS / LOG_EVERY);
    assert_eq!(got, want, "metrics.jsonl differs after resume");
    // The training seconds continue across the stop: one curve, never running backwards.
    let seconds = common::logged_seconds(resumed);
    assert!(
        seconds.windows(2).all(|pair| pair[0] <= pair[1]),
        "{seconds:?}"
    );
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

/// The iteration of the run's latest checkpoint, if it has one.
fn checkpoint_iteration(run: &Path) -> Option<u64> {
    let path = run.join("checkpoint.safetensors");
    path.exists().then(|| {
        Checkpoint::read(&path)
            .and_then(|c| c.iteration())
            .unwrap_or_else(|e| panic!("{e}"))
    })
}

/// The last iteration metrics.jsonl records whole (0 when none).
fn last_logged_iteration(run: &Path) -> u64 {
    let text = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap_or_default();
    text.lines()
        .filter_map(|line| serde_json::from_str::<serde_json::Value>(line).ok())
        .filter_map(|record| record["iteration"].as_u64())
        .max()
        .unwrap_or(0)
}

#[test]
fn sigint_and_sigterm_checkpoint_and_resume_matches_an_uninterrupted_run() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    train_uninterrupted(&reference);

    for (signal, name, exit_code) in [("-INT", "SIGINT", 130), ("-TERM", "SIGTERM", 143)] {
        let run = dir.path().join(name);
        let mut child = start_training(&run);
        wait_for(&mut child, &run.join("metrics.jsonl"));
        send(signal, &child);
        let output = child.wait_with_output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(exit_code), "{message}");
        assert!(message.contains(name), "{message}");
        assert!(message.contains("lsgan resume"), "{message}");
        assert!(
            !run.join("final_metrics.json").exists(),
            "an interrupted run must not look finished"
        );
        // The checkpoint is of the step the signal interrupted: nothing is lost.
        let stopped_at = checkpoint_iteration(&run).expect("a checkpoint on stopping");
        assert!(stopped_at >= last_logged_iteration(&run) && stopped_at < ITERATIONS);
        assert!(
            message.contains(&format!("iteration {stopped_at}")),
            "{message}"
        );

        succeeded(resume(&run, &[]));
        assert_same_run(&run, &reference);
    }
    record::record(
        "signals",
        "SIGINT (Ctrl-C) or SIGTERM during training",
        "each signal once, after the first log line (tests/resume.rs)",
        2,
        "checkpoint of the interrupted step, exit 130 / 143 naming `lsgan resume`; the resumed \
         run equals an uninterrupted one byte for byte (metrics.jsonl but for its wall-clock \
         seconds)",
    );
}

#[test]
fn sigkill_at_random_moments_every_resume_succeeds_and_matches() {
    let trials = record::trials("LSGAN_KILL_TRIALS", 20);
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    let mut child = start_training(&reference);
    wait_for(&mut child, &reference.join("config.toml"));
    let started = Instant::now();
    succeeded(child.wait_with_output().unwrap());
    let training = started.elapsed();

    let mut rng = ChaCha8Rng::seed_from_u64(7);
    let (mut before_first_checkpoint, mut partial_files, mut torn_logs) = (0, 0, 0);
    let (mut finished_first, mut writing_results) = (0, 0);
    let mut most_lost = 0;
    for trial in 0..trials {
        let run = dir.path().join(format!("trial-{trial}"));
        let mut child = start_training(&run);
        // A random moment after the run folder exists, before training would end.
        wait_for(&mut child, &run.join("config.toml"));
        let fraction = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64;
        let delay = training.mul_f64(0.8 * fraction);
        std::thread::sleep(delay);
        send("-KILL", &child);
        let status = child.wait().unwrap();
        if status.success() || run.join("final_metrics.json").exists() {
            // The run ended (its results written, final_metrics.json last) before the signal.
            finished_first += 1;
            assert_same_run(&run, &reference);
            continue;
        }
        assert_eq!(status.code(), None, "trial {trial}: killed by the signal");

        let checkpoint = checkpoint_iteration(&run);
        let reached = last_logged_iteration(&run);
        let lost = reached.saturating_sub(checkpoint.unwrap_or(0));
        assert!(
            lost <= CHECKPOINT_EVERY,
            "trial {trial}: logged up to {reached}, checkpoint at {checkpoint:?}"
        );
        most_lost = most_lost.max(lost);
        before_first_checkpoint += usize::from(checkpoint.is_none());
        writing_results += usize::from(checkpoint == Some(ITERATIONS));
        partial_files += usize::from(run.join("partial-checkpoint.safetensors").exists());
        torn_logs += usize::from(
            std::fs::read_to_string(run.join("metrics.jsonl"))
                .is_ok_and(|t| !t.is_empty() && !t.ends_with('\n')),
        );

        let output = resume(&run, &[]);
        assert!(
            output.status.success(),
            "trial {trial} (killed after {delay:?}): resume failed: {}",
            stderr(&output)
        );
        assert_same_run(&run, &reference);
    }
    record::record(
        "sigkill",
        "SIGKILL at a random moment of training, then `lsgan resume`",
        &format!(
            "delay uniform in 0–80% of a {:.1} s run, checkpoint every {CHECKPOINT_EVERY} \
             iterations (tests/resume.rs)",
            training.as_secs_f64()
        ),
        trials,
        &format!(
            "every resume succeeded and equalled the uninterrupted run byte for byte \
             (metrics.jsonl but for its wall-clock seconds); at most {most_lost} logged iterations were redone (interval {CHECKPOINT_EVERY}); {before_first_checkpoint} \
             kills before the first checkpoint (resume started again from 0), {partial_files} \
             during a checkpoint write, {torn_logs} mid-way through a log line, \
             {writing_results} after the last step while the results were written (resume \
             wrote them); {finished_first} runs had finished before the signal"
        ),
    );
}

/// Flips one bit of `file` at `offset` bytes from its end.
fn flip_bit_from_end(file: &Path, offset: usize) {
    let mut bytes = std::fs::read(file).unwrap();
    let at = bytes.len() - offset;
    bytes[at] ^= 0x10;
    std::fs::write(file, bytes).unwrap();
}

#[test]
fn a_damaged_checkpoint_is_named_and_the_previous_one_is_used_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let reference = dir.path().join("reference");
    train_uninterrupted(&reference);

    let run = dir.path().join("damaged");
    let mut child = start_training(&run);
    wait_for(&mut child, &run.join("checkpoint.previous.safetensors"));
    send("-KILL", &child);
    child.wait().unwrap();
    let latest = run.join("checkpoint.safetensors");
    // A bit flipped in a weight: the file still parses, only the checksum tells.
    flip_bit_from_end(&latest, 100);

    let refused = resume(&run, &[]);
    let message = stderr(&refused);
    assert_eq!(refused.status.code(), Some(2), "{message}");
    assert!(message.contains(&latest.display().to_string()), "{message}");
    assert!(message.contains("does not match its checksum"), "{message}");
    assert!(message.contains("--previous-checkpoint"), "{message}");
    assert_eq!(
        message.lines().count(),
        2,
        "one line after `resuming`: {message}"
    );

    succeeded(resume(&run, &["--previous-checkpoint"]));
    assert!(
        run.join("checkpoint.damaged.safetensors").exists(),
        "the damaged checkpoint is set aside, not deleted"
    );
    assert_same_run(&run, &reference);

    let none = dir.path().join("no-previous");
    std::fs::create_dir(&none).unwrap();
    std::fs::copy(run.join("config.toml"), none.join("config.toml")).unwrap();
    let refused = resume(&none, &["--previous-checkpoint"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr(&refused).contains("no previous checkpoint"));
    record::record(
        "damaged-checkpoint",
        "Latest checkpoint damaged after writing (a bit flipped in a weight)",
        "`lsgan resume`, then `lsgan resume --previous-checkpoint` (tests/resume.rs; \
         tests/checkpoint_fuzz.rs flips, truncates and extends checkpoints at random)",
        1,
        "refused with exit 2 naming the file and the checksum mismatch and suggesting \
         --previous-checkpoint; with it, the run resumed from the previous checkpoint and \
         equalled the uninterrupted run; the damaged file was kept aside",
    );
}

#[test]
fn a_diverging_run_names_iteration_and_quantity_and_keeps_the_last_good_checkpoint() {
    let dir = tempfile::tempdir().unwrap();
    let mut trials = 0;
    for loss in ["lsgan", "wgan-gp", "gan"] {
        let run = dir.path().join(loss);
        let output = lsgan()
            .args(["train", "--out", run.to_str().unwrap(), "--loss", loss])
            .args(run_flags_for(100))
            .output()
            .unwrap();
        succeeded(output);
        let good = std::fs::read(run.join("checkpoint.safetensors")).unwrap();
        // An absurd critic learning rate, then continue to 200 iterations.
        let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
        let absurd: String = config
            .lines()
            .map(|line| {
                if line.starts_with("lr_critic") {
                    "lr_critic = 1e30".to_string()
                } else {
                    line.to_string()
                }
            })
            .collect::<Vec<_>>()
            .join("\n");
        std::fs::write(run.join("config.toml"), &absurd).unwrap();
        let diverged = resume(&run, &["--iters", "200"]);
        let message = stderr(&diverged);
        assert_eq!(diverged.status.code(), Some(1), "{loss}: {message}");
        assert!(
            message.contains("diverged at iteration 101")
                && (message.contains("NaN") || message.contains("inf"))
                && message.contains("objective")
                && message.contains("--lr-critic")
                && message.contains("checkpoint, of iteration 100"),
            "{loss}: {message}"
        );
        assert!(
            std::fs::read(run.join("checkpoint.safetensors")).unwrap() == good,
            "{loss}: the last good checkpoint was replaced"
        );
        // As the message says: fix the setting and resume from the good checkpoint.
        std::fs::write(run.join("config.toml"), &config).unwrap();
        succeeded(resume(&run, &["--iters", "200"]));
        assert_eq!(checkpoint_iteration(&run), Some(200));
        trials += 1;
    }
    record::record(
        "divergence",
        "Training diverges (NaN or infinity in an objective)",
        "lr_critic set to 1e30 mid-run for LS-GAN, WGAN-GP and GAN (tests/resume.rs)",
        trials,
        "stopped with exit 1 naming the iteration and the quantity, suggesting lower learning \
         rates; the last good checkpoint was kept byte for byte, and resuming from it after \
         fixing config.toml finished the run",
    );
}

#[test]
fn a_second_process_cannot_write_a_run_folder_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("busy");
    // Long enough to outlast the attempts below.
    let mut child = start_training_for(&run, 100_000);
    wait_for(&mut child, &run.join("metrics.jsonl"));
    let pid = child.id().to_string();
    let mut refusals = 0;
    let folder = run.to_str().unwrap();
    for (attempt, expected) in [
        (
            vec!["train", "--out", folder, "--quiet"],
            "already holds a run",
        ),
        (
            vec!["train", "--out", folder, "--force", "--quiet"],
            "another lsgan process",
        ),
        (vec!["resume", folder, "--quiet"], "another lsgan process"),
    ] {
        let output = lsgan().args(&attempt).output().unwrap();
        let message = stderr(&output);
        assert_eq!(output.status.code(), Some(2), "{attempt:?}: {message}");
        assert!(message.contains(expected), "{attempt:?}: {message}");
        if expected.contains("process") {
            assert!(message.contains(&pid), "{attempt:?}: {message}");
        }
        refusals += 1;
    }
    assert!(child.try_wait().unwrap().is_none(), "the first run goes on");
    // A killed process holds no lock: the folder can be resumed at once.
    send("-KILL", &child);
    child.wait().unwrap();
    let next = checkpoint_iteration(&run).unwrap_or(0) + LOG_EVERY;
    succeeded(resume(&run, &["--iters", &next.to_string()]));
    record::record(
        "lock",
        "A second process writes a run folder in use",
        "`lsgan train`, `lsgan train --force` and `lsgan resume` on a folder being trained \
         into (tests/resume.rs)",
        refusals,
        "refused with exit 2: without --force because the folder holds a run, with --force \
         and on resume naming the other process; the running training went on; after it was \
         killed the folder resumed at once (the lock dies with its process)",
    );
}

#[test]
fn resume_extends_a_finished_run_and_refuses_when_nothing_is_left() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    train_uninterrupted(&run);
    let output = resume(&run, &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--iters"));

    succeeded(resume(&run, &["--iters", "500"]));
    let log = metrics_log(&run);
    assert_eq!(log.lines().count(), 25);
    assert!(log.lines().last().unwrap().contains("\"iteration\":500"));

    let missing = dir.path().join("no-run");
    let output = lsgan()
        .args(["resume", missing.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("no-run"));
}
