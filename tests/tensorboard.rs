//! TensorBoard over lsgan's event files, with TensorBoard's own code (the `tensorboard`
//! package from PyPI, 2.21, in the project's Python environment: scripts/python-env.sh,
//! which scripts/test.sh runs):
//! - its reader (EventAccumulator) finds every number of every metrics.jsonl line under its
//!   group's tag at its iteration, once, also after the run was killed and resumed (one
//!   continuous curve), the pictures of each sample interval decoded, and the options as
//!   text;
//! - its server, started on 127.0.0.1 over the folder of a small comparison that then trains
//!   with `--jobs 2`, shows the runs' curves growing while they train; it lists the four
//!   runs, their curves and pictures, and their options as hyperparameters (the
//!   HParams plugin) through its HTTP data API, and its page, loaded in headless Chromium,
//!   renders (the screenshot is not blank);
//! - an event file made unwritable, or one on a full disk, costs the run its events and
//!   nothing else: one line of warning, the same metrics as a run without events.

mod common;
mod record;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use common::tensorboard::{
    assert_scalars_are_the_metrics, event_files, logged_iterations, project_python, read_events,
};
use common::{
    chromium, colours_in, in_private_namespace, lsgan, metrics_log, ring_comparison_of_two_losses,
    send, succeeded, wait_for,
};
use lsgan::train::checkpoint::Checkpoint;

/// A quick ring run's flags: small networks, one thread (reproducible), a picture every 100
/// iterations.
fn ring_flags(iterations: u64) -> Vec<String> {
    format!(
        "--data ring --iters {iterations} --log-every 50 --checkpoint-every 200 --sample-every 100 \
         --gen-width 32 --critic-width 32 --eval-samples 200 --batch-size 64 --threads 1 --quiet"
    )
    .split_whitespace()
    .map(String::from)
    .collect()
}

/// Starts `lsgan train` on the ring into `run` and waits until it has logged `lines` lines
/// and written its event file.
fn start_training(run: &Path, flags: &[String], lines: usize) -> Child {
    let mut child = lsgan()
        .args(["train", "--out", run.to_str().unwrap()])
        .args(flags)
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let log = run.join("metrics.jsonl");
    wait_for(&mut child, &log);
    let deadline = Instant::now() + Duration::from_secs(120);
    while std::fs::read_to_string(&log).unwrap().lines().count() < lines
        || event_files(run).is_empty()
    {
        assert!(Instant::now() < deadline, "{lines} lines did not come");
        assert!(
            child.try_wait().unwrap().is_none(),
            "training ended too soon"
        );
        std::thread::sleep(Duration::from_millis(2));
    }
    child
}

#[test]
fn a_killed_and_resumed_run_shows_one_continuous_curve_of_every_logged_number() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let flags = ring_flags(1500);
    // Killed after its checkpoint of iteration 200 at the earliest, with lines logged past it.
    let mut child = start_training(&run, &flags, 7);
    send("-KILL", &child);
    child.wait().unwrap();
    let resumed_at = Checkpoint::read(&run.join("checkpoint.safetensors"))
        .and_then(|checkpoint| checkpoint.iteration())
        .unwrap();
    let before = read_events(&[&run]);
    let steps_before: Vec<u64> = before[run.to_str().unwrap()]["scalars"]["losses/penalty"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p[0].as_u64().unwrap())
        .collect();
    assert!(
        steps_before.last() > Some(&resumed_at),
        "lines logged past the checkpoint of {resumed_at}, to be cut: {steps_before:?}"
    );
    succeeded(
        lsgan()
            .args(["resume", run.to_str().unwrap(), "--quiet"])
            .output()
            .unwrap(),
    );

    let events = read_events(&[&run]);
    let events = &events[run.to_str().unwrap()];
    assert_eq!(
        logged_iterations(&run),
        (1..=30).map(|i| i * 50).collect::<Vec<u64>>()
    );
    assert_scalars_are_the_metrics(&run, events);
    assert_eq!(event_files(&run).len(), 2, "one file per process");

    let pictures = events["images"]["pictures/critic_landscape"]
        .as_array()
        .unwrap();
    let steps: Vec<u64> = pictures.iter().map(|p| p[0].as_u64().unwrap()).collect();
    assert_eq!(steps, (1..=15).map(|i| i * 100).collect::<Vec<u64>>());
    for picture in pictures {
        assert_eq!(picture[1], picture[3], "decoded width: {picture}");
        assert_eq!(picture[2], picture[4], "decoded height: {picture}");
        assert!(picture[1].as_u64().unwrap() >= 400, "{picture}");
    }
    let options = events["texts"]["options"].as_array().unwrap();
    let steps: Vec<u64> = options.iter().map(|t| t[0].as_u64().unwrap()).collect();
    assert_eq!(steps, [0, resumed_at], "the options of each start");
    assert!(
        options[0][1].as_str().unwrap().contains("data = \"ring\""),
        "{options:?}"
    );
    // The HParams plugin's record: the options as hyperparameters, and a finished run.
    let hparams = &events["hparams"];
    assert_eq!(hparams["start"]["loss"], "lsgan", "{hparams}");
    assert_eq!(hparams["start"]["iters"], 1500.0, "{hparams}");
    assert_eq!(hparams["start"]["tensorboard"], true, "{hparams}");
    assert_eq!(hparams["end_status"], 1, "STATUS_SUCCESS: {hparams}");

    // A new run over the folder (--force) starts its curves afresh.
    succeeded(
        lsgan()
            .args(["train", "--force", "--out", run.to_str().unwrap()])
            .args(ring_flags(100))
            .output()
            .unwrap(),
    );
    assert_eq!(event_files(&run).len(), 1);
    let events = read_events(&[&run]);
    assert_scalars_are_the_metrics(&run, &events[run.to_str().unwrap()]);
}

/// A TensorBoard server, stopped when dropped.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A port nobody listens on now.
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn get_json(url: &str) -> Option<Value> {
    let mut response = ureq::get(url).call().ok()?;
    let text = response.body_mut().read_to_string().ok()?;
    serde_json::from_str(&text).ok()
}

#[test]
fn tensorboard_serves_a_comparisons_runs_as_they_train_and_its_page_renders() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("comparison");
    std::fs::create_dir_all(&out).unwrap();
    // The server first, over the comparison's empty folder, re-reading it every second.
    let port = free_port();
    let _server = Server(
        Command::new(project_python())
            .args(["-m", "tensorboard.main", "--host", "127.0.0.1", "--port"])
            .arg(port.to_string())
            .args(["--reload_interval", "1", "--logdir"])
            .arg(&out)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let base = format!("http://127.0.0.1:{port}");
    let names = [
        "lsgan-seed0",
        "lsgan-seed1",
        "wgan-gp-seed0",
        "wgan-gp-seed1",
    ];
    let runs: Vec<String> = names.iter().map(|name| format!("runs/{name}")).collect();
    let lines = 20;
    let points_of = |run: &str| -> Vec<u64> {
        let url =
            format!("{base}/data/plugin/scalars/scalars?run={run}&tag=losses/critic_objective");
        get_json(&url)
            .and_then(|points| points.as_array().cloned())
            .unwrap_or_default()
            .iter()
            .map(|p| p[1].as_u64().unwrap())
            .collect()
    };
    // Then the comparison; while it trains, the server's curves grow.
    let mut comparison = ring_comparison_of_two_losses(&out)
        .args(["--jobs", "2", "--iters", "1000", "--log-every", "50"])
        .args(["--sample-every", "100", "--gen-width", "32"])
        .args(["--critic-width", "32", "--batch-size", "64"])
        .args(["--eval-samples", "200", "--threads", "1"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut seen_growing = Vec::new();
    while comparison.try_wait().unwrap().is_none() {
        for run in &runs {
            let count = points_of(run).len();
            if count > 0 && count < lines && !seen_growing.contains(run) {
                seen_growing.push(run.clone());
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    succeeded(comparison.wait_with_output().unwrap());
    // All four, in every trial here; two of them (WGAN-GP's five critic steps take longest)
    // leave room for a loaded machine.
    assert!(
        seen_growing.len() >= 2,
        "curves seen part-way while the comparison trained: {seen_growing:?}"
    );
    // Once it has finished, every run's whole curve.
    let deadline = Instant::now() + Duration::from_secs(120);
    while !runs.iter().all(|run| points_of(run).len() == lines) {
        assert!(
            Instant::now() < deadline,
            "TensorBoard did not read the whole curves"
        );
        std::thread::sleep(Duration::from_millis(250));
    }
    let tags = get_json(&format!("{base}/data/plugin/scalars/tags")).unwrap();
    let listed = get_json(&format!("{base}/data/runs")).unwrap();
    let mut listed: Vec<String> = serde_json::from_value(listed).unwrap();
    listed.sort();
    assert_eq!(listed, runs);
    let images = get_json(&format!("{base}/data/plugin/images/tags")).unwrap();
    for (name, run) in names.iter().zip(&runs) {
        for tag in [
            "losses/penalty",
            "quality/high_quality_share",
            "diagnostics/gradient_norm_real/mean",
        ] {
            assert!(tags[run][tag].is_object(), "{run}: {tag} missing: {tags}");
        }
        assert!(
            images[run]["pictures/critic_landscape"].is_object(),
            "{images}"
        );
        let steps = points_of(run);
        assert_eq!(
            steps,
            logged_iterations(&out.join("runs").join(name)),
            "{run}"
        );
    }

    // The HParams plugin: each run's options as hyperparameters, the runs told apart by loss.
    let experiment: Value = {
        let mut response = ureq::post(format!("{base}/data/plugin/hparams/experiment"))
            .header("Content-Type", "application/json")
            .send(r#"{"experimentName": ""}"#)
            .unwrap();
        serde_json::from_str(&response.body_mut().read_to_string().unwrap()).unwrap()
    };
    let info = |name: &str| {
        experiment["hparamInfos"]
            .as_array()
            .unwrap()
            .iter()
            .find(|info| info["name"] == name)
            .cloned()
            .unwrap_or_else(|| panic!("no hyperparameter {name}: {experiment}"))
    };
    let mut losses: Vec<String> = serde_json::from_value(info("loss")["domainDiscrete"].clone())
        .unwrap_or_else(|e| panic!("{e}: {experiment}"));
    losses.sort();
    assert_eq!(losses, ["lsgan", "wgan-gp"]);
    assert_eq!(info("seed")["type"], "DATA_TYPE_FLOAT64", "{experiment}");
    assert!(info("lr_critic")["type"] == "DATA_TYPE_FLOAT64");

    let screenshot = dir.path().join("tensorboard.png");
    let flag = format!("--screenshot={}", screenshot.display());
    chromium(
        &format!("{base}/#scalars"),
        (1400, 900),
        &["--virtual-time-budget=20000", &flag],
    );
    let colours = colours_in(&screenshot);
    assert!(
        colours > 50,
        "TensorBoard's page with its runs and charts, not blank: {colours} colours"
    );
}

/// The lines of a finished training's stderr that warn about the event file.
fn event_warnings(child: Child) -> (std::process::ExitStatus, Vec<String>) {
    let output = child.wait_with_output().unwrap();
    let warnings = String::from_utf8_lossy(&output.stderr)
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .map(String::from)
        .collect();
    (output.status, warnings)
}

/// Asserts that the run in `run` finished whole, with the metrics of `reference`, after one
/// warning about its events.
fn assert_only_events_lost(
    run: &Path,
    reference: &Path,
    status: std::process::ExitStatus,
    warnings: &[String],
) {
    assert!(status.success(), "training went on: {status}, {warnings:?}");
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("tfevents") && warnings[0].contains("no longer written"),
        "{warnings:?}"
    );
    assert_eq!(
        metrics_log(run),
        metrics_log(reference),
        "the same training"
    );
    for file in [
        "final_metrics.json",
        "critic_landscape.png",
        "samples/iter_001500.png",
    ] {
        assert!(run.join(file).is_file(), "{file}");
    }
}

#[test]
fn an_unwritable_or_full_event_file_costs_the_run_its_events_and_nothing_else() {
    let dir = tempfile::tempdir().unwrap();
    let flags = ring_flags(1500);
    let reference = dir.path().join("reference");
    succeeded(
        lsgan()
            .args([
                "train",
                "--tensorboard",
                "false",
                "--out",
                reference.to_str().unwrap(),
            ])
            .args(&flags)
            .output()
            .unwrap(),
    );
    assert!(
        event_files(&reference).is_empty(),
        "--tensorboard false writes none"
    );

    // Unwritable: the event file replaced by a folder of its name while the run trains.
    let run = dir.path().join("unwritable");
    let child = start_training(&run, &flags, 2);
    let events = event_files(&run).pop().unwrap();
    std::fs::remove_file(&events).unwrap();
    std::fs::create_dir(&events).unwrap();
    let (status, warnings) = event_warnings(child);
    assert_only_events_lost(&run, &reference, status, &warnings);

    // Full: /dev/full mounted over the event file (in a private user and mount namespace, as
    // tests/disk_full.rs mounts its small disk), so that its next write fails with ENOSPC.
    if std::env::var_os("LSGAN_SKIP_DISK_FULL").is_some() {
        eprintln!("the full event file skipped: LSGAN_SKIP_DISK_FULL is set");
        return;
    }
    let run = dir.path().join("full");
    let script = r#"
        run=$1; lsgan=$2; shift 2
        "$lsgan" train --out "$run" "$@" 2> "$run.err" &
        pid=$!
        until [ "$(cat "$run/metrics.jsonl" 2>/dev/null | wc -l)" -ge 2 ]; do
            kill -0 "$pid" 2>/dev/null || exit 91
            sleep 0.002
        done
        mount --bind /dev/full "$run"/events.out.tfevents.* || exit 90
        wait "$pid"
    "#;
    let output = in_private_namespace(script)
        .arg(&run)
        .arg(env!("CARGO_BIN_EXE_lsgan"))
        .args(&flags)
        .output()
        .expect("`unshare` runs (set LSGAN_SKIP_DISK_FULL=1 on a machine without it)");
    let stderr = std::fs::read_to_string(dir.path().join("full.err")).unwrap_or_default();
    let warnings: Vec<String> = stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .map(String::from)
        .collect();
    assert!(
        warnings
            .iter()
            .all(|w| w.contains("No space left on device")),
        "{warnings:?}"
    );
    assert_only_events_lost(&run, &reference, output.status, &warnings);
    record::record(
        "event-file",
        "TensorBoard's event file unwritable or on a full disk during training",
        "the event file replaced by a folder of its name, and /dev/full mounted over it (ENOSPC), \
         after 2 log lines of a 1,500-iteration ring run (tests/tensorboard.rs)",
        2,
        "one line of warning naming the file and the reason; the run went on to the end with \
         exit 0 and the same metrics.jsonl, pictures and results as a run without events",
    );
}
