//! The options' contract: every option in a run's config.toml has its flag (the flags are
//! derived from the same section structs), a run folder written by the binary before the
//! configuration was split into sections (main at 2a728e4, `tests/fixtures/run-2a728e4`)
//! still resumes, reports and samples, and `--time-budget` and `--critic-budget` stop a run
//! at its wall-clock or critic-step budget and finish it there.

mod common;

use std::path::Path;

use common::{lsgan, read_json, succeeded};
use lsgan::train::config::TrainConfig;

fn stdout(args: &[&str]) -> String {
    String::from_utf8(succeeded(lsgan().args(args).output().unwrap()).stdout).unwrap()
}

#[test]
fn every_option_in_a_config_file_has_its_flag_on_train_and_compare() {
    // compare sets the loss and the seed itself: their flags are not shown there.
    let set_by_compare = ["loss", "seed"];
    let keys: Vec<String> = TrainConfig::default()
        .to_toml()
        .lines()
        .filter_map(|line| line.split(" = ").next().map(str::to_string))
        .collect();
    assert!(keys.len() >= 44, "{keys:?}");
    assert!(keys.contains(&"time_budget".to_string()), "{keys:?}");
    for command in ["train", "config", "compare"] {
        let help = stdout(&[command, "--help"]);
        for key in &keys {
            let flag = format!("--{} ", key.replace('_', "-"));
            let flag_with_value = format!("--{} <", key.replace('_', "-"));
            let shown = help
                .lines()
                .map(str::trim_start)
                .any(|line| line.starts_with(&flag) || line.starts_with(&flag_with_value));
            let hidden = command == "compare" && set_by_compare.contains(&key.as_str());
            assert!(
                shown != hidden,
                "`lsgan {command} --help`: {flag} shown {shown}, expected {}",
                !hidden
            );
        }
    }
}

#[test]
fn train_help_groups_the_options_and_shows_every_default() {
    let help = stdout(&["train", "--help"]);
    let headings = [
        "Data:",
        "Budget:",
        "Objective:",
        "Networks:",
        "Optimiser:",
        "Outputs:",
        "Runtime:",
    ];
    let at: Vec<usize> = headings
        .iter()
        .map(|heading| {
            help.find(&format!("\n{heading}\n"))
                .unwrap_or_else(|| panic!("no heading {heading} in\n{help}"))
        })
        .collect();
    assert!(at.windows(2).all(|pair| pair[0] < pair[1]), "{at:?}");
    // Every option's help (the paragraph under its flag) ends with its default.
    let options = &help[at[0]..];
    // The paragraphs of the options, a heading line above the first of a section dropped.
    let blocks: Vec<&str> = options
        .split("\n\n")
        .map(|block| match block.split_once('\n') {
            Some((heading, rest)) if headings.contains(&heading) => rest,
            _ => block,
        })
        .collect();
    let mut flags = 0;
    for block in blocks.iter().filter(|b| b.trim_start().starts_with("--")) {
        flags += 1;
        assert!(block.contains("[default: "), "no default in:\n{block}");
    }
    assert!(flags >= 44, "{flags} options");
    for (flag, default) in [
        (
            "--batch-size <BATCH_SIZE>",
            "[default: depends on --loss and --data (LS-GAN on the ring: 256)",
        ),
        ("--iters <ITERS>", "[default: 3000]"),
        ("--seed <SEED>", "[default: 0]"),
        ("--device <DEVICE>", "[default: auto]"),
        ("--lr-generator <LR_GENERATOR>", "learning rate"),
    ] {
        let block = blocks
            .iter()
            .find(|b| b.trim_start().starts_with(flag))
            .unwrap_or_else(|| panic!("no {flag}"));
        assert!(block.contains(default), "{flag}: {block}");
    }
    for history in ["before it existed", "spelled"] {
        assert!(!help.contains(history), "help speaks of history: {history}");
    }
}

#[test]
fn config_prints_what_train_writes_into_the_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    let flags = [
        "--loss",
        "wgan-gp",
        "--iters",
        "2",
        "--gen-width",
        "8",
        "--critic-width",
        "8",
        "--eval-samples",
        "50",
        "--threads",
        "1",
    ];
    let printed = stdout(&[&["config"], &flags[..]].concat());
    let table: toml::Table = printed.parse().unwrap();
    assert_eq!(table["loss"].as_str(), Some("wgan-gp"));
    assert_eq!(table["iters"].as_integer(), Some(2));
    assert_eq!(table["penalty_weight"].as_float(), Some(10.0));
    let run = dir.path().join("run");
    let out = run.to_str().unwrap();
    stdout(&[&["train", "--quiet", "--out", out], &flags[..]].concat());
    let written = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert_eq!(printed, written);
    // The printed configuration read back as a file gives itself.
    let file = dir.path().join("printed.toml");
    std::fs::write(&file, &printed).unwrap();
    assert_eq!(
        stdout(&["config", "--config", file.to_str().unwrap()]),
        printed
    );
}

/// The fixture, copied into a fresh folder (resuming writes into it).
fn fixture_copy(dir: &Path) -> std::path::PathBuf {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/run-2a728e4");
    let run = dir.join("run");
    std::fs::create_dir_all(&run).unwrap();
    for entry in std::fs::read_dir(&fixture).unwrap() {
        let entry = entry.unwrap();
        std::fs::copy(entry.path(), run.join(entry.file_name())).unwrap();
    }
    run
}

#[test]
fn a_run_folder_written_before_the_sections_resumes_reports_and_samples() {
    let dir = tempfile::tempdir().unwrap();
    let run = fixture_copy(dir.path());
    let config = TrainConfig::from_file(&run.join("config.toml")).unwrap();
    assert_eq!(
        (
            config.budget.iters,
            config.networks.gen_width,
            config.budget.time_budget
        ),
        (40, 8, 0.0)
    );
    let resumed = stdout(&["resume", run.to_str().unwrap(), "--iters", "60", "--quiet"]);
    assert!(resumed.contains("60 iterations"), "{resumed}");
    let records = std::fs::read_to_string(run.join("metrics.jsonl")).unwrap();
    let iterations: Vec<u64> = records
        .lines()
        .map(|line| {
            serde_json::from_str::<serde_json::Value>(line).unwrap()["iteration"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(iterations, [10, 20, 30, 40, 50, 60]);
    let report = dir.path().join("report");
    stdout(&[
        "report",
        run.to_str().unwrap(),
        "--out",
        report.to_str().unwrap(),
    ]);
    assert!(report.join("report.html").is_file());
    let samples = dir.path().join("samples.csv");
    stdout(&[
        "sample",
        run.to_str().unwrap(),
        "-n",
        "7",
        "--ema",
        "--out",
        samples.to_str().unwrap(),
    ]);
    assert_eq!(
        std::fs::read_to_string(&samples).unwrap().lines().count(),
        7
    );
}

/// Resuming a run whose budget ran out is refused (exit 2), saying which budget and how to
/// train further.
fn assert_resume_names_the_spent_budget(run: &Path, budget: &str) {
    let spent = lsgan().arg("resume").arg(run).output().unwrap();
    let message = String::from_utf8_lossy(&spent.stderr);
    assert_eq!(spent.status.code(), Some(2), "{message}");
    assert!(
        message.contains(budget) && message.contains("raise"),
        "{message}"
    );
}

#[test]
fn a_critic_budget_stops_the_run_at_that_many_critic_steps() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("critic-budget");
    succeeded(
        lsgan()
            .args([
                "train",
                "--data",
                "ring",
                "--iters",
                "100",
                "--critic-steps",
                "2",
            ])
            .args([
                "--critic-budget",
                "50",
                "--log-every",
                "10",
                "--eval-samples",
                "200",
            ])
            .args([
                "--gen-width",
                "16",
                "--critic-width",
                "16",
                "--threads",
                "1",
                "--quiet",
            ])
            .arg("--out")
            .arg(&out)
            .output()
            .unwrap(),
    );
    let summary = read_json(&out.join("final_metrics.json"));
    assert_eq!(
        summary["iterations"], 25,
        "50 critic steps at 2 a generator step"
    );
    assert_resume_names_the_spent_budget(&out, "critic budget of 50 critic steps");
}

#[test]
fn a_time_budget_stops_the_run_and_finishes_it_where_it_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("budget");
    let output = succeeded(
        lsgan()
            .args([
                "train",
                "--data",
                "ring",
                "--iters",
                "1000000",
                "--time-budget",
                "2",
            ])
            .args([
                "--log-every",
                "1000",
                "--eval-samples",
                "200",
                "--threads",
                "1",
                "--quiet",
            ])
            .args(["--gen-width", "64", "--critic-width", "64", "--out"])
            .arg(&out)
            .output()
            .unwrap(),
    );
    let summary = read_json(&out.join("final_metrics.json"));
    let done = summary["iterations"].as_u64().unwrap();
    let seconds = summary["seconds"].as_f64().unwrap();
    // Stopped by the budget, not by the iterations: short of them, after training for at
    // least the budget (the loop stops at the first iteration whose elapsed time reaches it,
    // and the summary's seconds are read after that). How many iterations fit in 2 s, and how
    // far past 2 s the last one ended, are the machine's speed, which the benchmarks measure.
    assert!(done < 1_000_000, "{done} iterations");
    assert!(seconds >= 2.0, "{seconds} s");
    // The last logged line is the iteration it stopped at, with its evaluation.
    let log = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["iteration"].as_u64(), Some(done));
    assert!(last["modes_covered"].is_u64(), "{last}");
    assert!(out.join("critic_landscape.png").is_file());
    let printed = String::from_utf8(output.stdout).unwrap();
    assert!(printed.contains(&format!("{done} iterations")), "{printed}");
    assert_resume_names_the_spent_budget(&out, "time budget of 2 s");
    let bad = lsgan()
        .args(["train", "--time-budget", "-1", "--out"])
        .arg(dir.path().join("bad"))
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&bad.stderr).contains("--time-budget"),
        "{}",
        String::from_utf8_lossy(&bad.stderr)
    );
}
