//! `lsgan compare --slurm`: the array script's contract without Slurm (task k trains run k,
//! resubmission lists only the unfinished runs, the collection job summarises), then a real
//! one-node Slurm cluster (`scripts/slurm-cluster.sh`, Debian's slurmctld, slurmd and munge,
//! started here as root): a ring comparison submitted with `--slurm --submit`, one array
//! task's process killed mid-run, the same command resubmitting only that run, which
//! resumes; the collected summary equals that of the same comparison trained locally, and
//! each run's TensorBoard curves are its metrics.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use common::tensorboard::{assert_scalars_are_the_metrics, read_events};
use common::{lsgan, read_json, succeeded, without_timings_and_paths};

/// A small ring comparison's flags (one thread: the same numbers in every process).
fn comparison(out: &Path, iters: u64, extra: &[&str]) -> Command {
    let mut command = lsgan();
    command
        .args([
            "compare",
            "--data",
            "ring",
            "--losses",
            "lsgan,gan",
            "--seeds",
        ])
        .args(["2", "--iters", &iters.to_string(), "--log-every", "50"])
        .args([
            "--checkpoint-every",
            "50",
            "--gen-width",
            "64",
            "--critic-width",
            "64",
        ])
        .args([
            "--eval-samples",
            "500",
            "--threads",
            "1",
            "--quiet",
            "--out",
        ])
        .arg(out)
        .args(extra);
    command
}

fn run_names() -> Vec<&'static str> {
    vec!["lsgan-seed0", "lsgan-seed1", "gan-seed0", "gan-seed1"]
}

/// The run folders listed in an array script's RUNS, in order.
fn listed_runs(script: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(script).unwrap();
    let start = text.find("RUNS=(\n").expect("a RUNS list") + "RUNS=(\n".len();
    let end = start + text[start..].find(")\n").unwrap();
    text[start..end]
        .lines()
        .map(|line| line.trim().rsplit('/').next().unwrap().to_string())
        .collect()
}

/// Runs task `task` of an array script as Slurm would, with bash.
fn run_task(script: &Path, task: usize, cwd: &Path) -> Output {
    Command::new("bash")
        .arg(script)
        .env("SLURM_ARRAY_TASK_ID", task.to_string())
        .current_dir(cwd)
        .output()
        .unwrap()
}

fn finished(out: &Path, name: &str) -> bool {
    out.join("runs")
        .join(name)
        .join("final_metrics.json")
        .is_file()
}

#[test]
fn task_k_trains_run_k_and_a_resubmission_lists_only_unfinished_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let written = succeeded(
        comparison(&out, 60, &["--slurm", "--sbatch", "--partition=debug"])
            .current_dir(dir.path())
            .output()
            .unwrap(),
    );
    let said = String::from_utf8_lossy(&written.stdout);
    assert!(said.contains("4 of 4 runs to train"), "{said}");
    let first = out.join("slurm/array-1.sh");
    let script = std::fs::read_to_string(&first).unwrap();
    assert!(script.contains("#SBATCH --array=0-3\n"), "{script}");
    assert!(script.contains("#SBATCH --partition=debug\n"), "{script}");
    assert_eq!(listed_runs(&first), run_names());
    let collect = std::fs::read_to_string(out.join("slurm/collect-1.sh")).unwrap();
    let command = collect.lines().last().unwrap();
    assert!(
        command.starts_with("exec ") && command.ends_with(" --collect"),
        "{command}"
    );
    for flag in ["--slurm", "--sbatch", "--partition"] {
        assert!(!command.contains(flag), "{command}");
    }

    // Task 1 trains run 1 (lsgan, seed 1) and nothing else.
    succeeded(run_task(&first, 1, dir.path()));
    let done: Vec<bool> = run_names().iter().map(|n| finished(&out, n)).collect();
    assert_eq!(done, [false, true, false, false]);
    // A task whose run has finished leaves it alone.
    let again = succeeded(run_task(&first, 1, dir.path()));
    assert!(String::from_utf8_lossy(&again.stdout).contains("finished already"));

    // The collection refuses while runs are unfinished, naming them (exit 1).
    let early = comparison(&out, 60, &["--collect"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(early.status.code(), Some(1));
    let message = String::from_utf8_lossy(&early.stderr);
    assert!(
        message.contains("3 of 4 runs have not finished"),
        "{message}"
    );
    assert!(!out.join("summary.json").exists());

    // Resubmission: only the three unfinished runs, task k the k-th of them.
    succeeded(
        comparison(&out, 60, &["--slurm"])
            .current_dir(dir.path())
            .output()
            .unwrap(),
    );
    let second = out.join("slurm/array-2.sh");
    assert_eq!(
        listed_runs(&second),
        ["lsgan-seed0", "gan-seed0", "gan-seed1"]
    );
    assert!(std::fs::read_to_string(&second)
        .unwrap()
        .contains("#SBATCH --array=0-2\n"));
    for task in 0..3 {
        succeeded(run_task(&second, task, dir.path()));
    }
    let collected = Command::new("bash")
        .arg(out.join("slurm/collect-2.sh"))
        .current_dir(dir.path())
        .output()
        .unwrap();
    succeeded(collected);

    // Every run finished: a third call has nothing to submit and summarises here.
    let third = succeeded(
        comparison(&out, 60, &["--slurm"])
            .current_dir(dir.path())
            .output()
            .unwrap(),
    );
    assert!(String::from_utf8_lossy(&third.stderr).contains("every run has finished"));
    assert!(!out.join("slurm/array-3.sh").exists());

    let local = dir.path().join("local");
    succeeded(comparison(&local, 60, &[]).output().unwrap());
    assert_eq!(
        without_timings_and_paths(read_json(&out.join("summary.json"))),
        without_timings_and_paths(read_json(&local.join("summary.json")))
    );
}

#[test]
fn slurm_flags_are_refused_in_one_line_where_they_do_not_apply() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    for (extra, named) in [
        (vec!["--submit"], "--slurm"),
        (vec!["--slurm", "--force"], "--force"),
        (vec!["--slurm", "--collect"], "--collect"),
    ] {
        let output = comparison(&out, 60, &extra).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{extra:?}");
        let message = String::from_utf8_lossy(&output.stderr);
        assert!(message.contains(named), "{extra:?}: {message}");
    }
    assert!(!out.join("runs").exists(), "nothing was written");
}

/// Starts the local one-node cluster (installing Slurm and munge if needed).
fn start_cluster() {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/slurm-cluster.sh");
    let output = Command::new("bash")
        .arg(&script)
        .arg("start")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{} start failed (it needs root and Debian's packages): {}{}",
        script.display(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The job ids of the last submission in `out` (array, collection).
fn last_submission(out: &Path) -> (String, String) {
    let text = std::fs::read_to_string(out.join("slurm/submissions.jsonl")).unwrap();
    let record: serde_json::Value = serde_json::from_str(text.lines().last().unwrap()).unwrap();
    let id = |key: &str| record[key].as_str().unwrap().to_string();
    (id("array_job"), id("collect_job"))
}

/// Waits until job `id` has left the queue.
fn wait_for_job(id: &str, deadline: Instant) {
    while Instant::now() < deadline {
        let queued = Command::new("squeue")
            .args(["-h", "-j", id])
            .output()
            .unwrap();
        if String::from_utf8_lossy(&queued.stdout).trim().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(500));
    }
    panic!("Slurm job {id} still queued at the deadline");
}

/// Waits until `run` has written its first checkpoint, and returns the process training it.
fn trainer_of(run: &Path, deadline: Instant) -> u32 {
    while Instant::now() < deadline {
        let claim = std::fs::read_to_string(run.join("lsgan.claim")).unwrap_or_default();
        let pid = claim
            .lines()
            .find_map(|line| line.strip_prefix("pid="))
            .and_then(|pid| pid.parse().ok());
        if let (Some(pid), true) = (pid, run.join("checkpoint.safetensors").is_file()) {
            return pid;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("{} wrote no checkpoint in time", run.display());
}

#[test]
fn a_comparison_on_a_real_slurm_matches_the_local_one_after_a_killed_task_is_resubmitted() {
    start_cluster();
    let dir = tempfile::tempdir().unwrap();
    let out: PathBuf = dir.path().join("cmp");
    let deadline = Instant::now() + Duration::from_secs(600);
    let submit = || {
        let output = comparison(&out, 400, &["--slurm", "--submit"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        succeeded(output)
    };
    let said = submit();
    assert!(String::from_utf8_lossy(&said.stdout).contains("submitted array job"));
    let (array, collect) = last_submission(&out);

    // Kill the process of task 0 (as the kernel's OOM killer would): no last checkpoint.
    let run = out.join("runs/lsgan-seed0");
    let pid = trainer_of(&run, deadline);
    let killed = Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    wait_for_job(&array, deadline);
    wait_for_job(&collect, deadline);
    assert!(!finished(&out, "lsgan-seed0"));
    assert!(
        !out.join("summary.json").exists(),
        "collected with a run missing"
    );
    let log =
        std::fs::read_to_string(out.join(format!("slurm/logs/collect-1_{collect}.out"))).unwrap();
    assert!(log.contains("1 of 4 runs have not finished"), "{log}");

    // The same command resubmits only the killed run, which resumes from its checkpoint.
    submit();
    let (array, collect) = last_submission(&out);
    assert_eq!(listed_runs(&out.join("slurm/array-2.sh")), ["lsgan-seed0"]);
    wait_for_job(&array, deadline);
    wait_for_job(&collect, deadline);
    let task = std::fs::read_to_string(out.join("slurm/logs/array-2_0.out")).unwrap();
    assert!(task.contains("resuming"), "{task}");
    assert!(
        out.join("summary.json").is_file(),
        "the collection job summarised"
    );
    assert!(out.join("report.html").is_file());

    let local = dir.path().join("local");
    succeeded(comparison(&local, 400, &["--jobs", "2"]).output().unwrap());
    assert_eq!(
        without_timings_and_paths(read_json(&out.join("summary.json"))),
        without_timings_and_paths(read_json(&local.join("summary.json")))
    );

    // Each run's TensorBoard curves, TensorBoard's reader says, are its metrics.jsonl: the
    // killed and resubmitted run's too, one curve across its two processes.
    let folders: Vec<PathBuf> = run_names()
        .iter()
        .map(|name| out.join("runs").join(name))
        .collect();
    let paths: Vec<&Path> = folders.iter().map(PathBuf::as_path).collect();
    let events = read_events(&paths);
    for folder in &folders {
        assert_scalars_are_the_metrics(folder, &events[folder.to_str().unwrap()]);
    }
}
