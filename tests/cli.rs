//! The command-line contract: exit codes, one clear error line naming the option/file, every
//! loss on both toy data sets, `sample` outputs, and re-running a run's config.toml.

mod common;

use std::path::Path;
use std::process::{Command, Output};

/// Small nets and budgets: these tests check plumbing, not quality.
const TINY: &[&str] = &[
    "--iters",
    "20",
    "--log-every",
    "10",
    "--gen-width",
    "32",
    "--critic-width",
    "32",
    "--eval-samples",
    "300",
    "--batch-size",
    "64",
    "--quiet",
];

fn lsgan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lsgan"))
        .args(args)
        .output()
        .expect("the lsgan binary runs")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn train(out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train", "--out", out.to_str().unwrap()];
    args.extend_from_slice(TINY);
    args.extend_from_slice(extra);
    lsgan(&args)
}

fn assert_bad_input(output: &Output, must_mention: &[&str]) {
    let message = stderr(output);
    assert_eq!(
        output.status.code(),
        Some(2),
        "exit code 2 expected; stderr: {message}"
    );
    for needle in must_mention {
        assert!(
            message.contains(needle),
            "`{needle}` missing from: {message}"
        );
    }
    assert!(!message.contains("panicked"), "{message}");
}

#[test]
fn bad_values_exit_2_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert_bad_input(
        &train(&out, &["--hinge-weight", "-1"]),
        &["--hinge-weight", "at least 0"],
    );
    assert_bad_input(&train(&out, &["--batch-size", "0"]), &["--batch-size"]);
    assert_bad_input(
        &train(&out, &["--loss", "least-squares"]),
        &["least-squares", "wgan-gp"],
    );
    assert_bad_input(
        &train(&out, &["--data", "no-such-points.csv"]),
        &["no-such-points.csv"],
    );
    assert_bad_input(
        &train(&out, &["--config", "no-such-config.toml"]),
        &["no-such-config.toml"],
    );
    assert!(
        !out.join("config.toml").exists(),
        "nothing is written for a bad invocation"
    );
}

/// One line on stderr: the error, nothing else (no usage block, no progress).
fn assert_one_line(output: &Output) {
    let message = stderr(output);
    let lines: Vec<&str> = message.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(
        lines.len() == 1 && lines[0].starts_with("error: "),
        "one error line expected: {message}"
    );
}

#[test]
fn bad_input_at_the_prompt_gets_one_line_naming_the_option() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    let compare_out = dir.path().join("cmp");
    let compare_out = compare_out.to_str().unwrap();
    let file = dir.path().join("notes.txt");
    std::fs::write(&file, "my notes").unwrap();
    let cases: Vec<(Output, Vec<&str>)> = vec![
        (
            lsgan(&["train", "--iters", "-5"]),
            vec!["option --iters: expected a whole number", "'-5'"],
        ),
        (
            lsgan(&["train", "--lr-critic", "fast"]),
            vec!["option --lr-critic: expected a number", "'fast'"],
        ),
        (
            lsgan(&["train", "--loss", "lsq"]),
            vec!["option --loss: expected one of lsgan, glsgan, wgan, wgan-gp, gan"],
        ),
        (
            lsgan(&["train", "--iterz", "5"]),
            vec!["unknown option '--iterz'", "did you mean '--iters'?"],
        ),
        (
            lsgan(&[
                "compare",
                "--out",
                compare_out,
                "--vary",
                "margin_scale=abc",
            ]),
            vec![
                "option --vary margin_scale=abc: expected a number",
                "got \"abc\"",
            ],
        ),
        (
            lsgan(&["compare", "--out", compare_out, "--vary", "margn_scale=1"]),
            vec!["`margn_scale` is not an option; did you mean `margin_scale`?"],
        ),
        (
            lsgan(&["resume", "/nonexistent/run"]),
            vec!["/nonexistent/run does not exist"],
        ),
        (
            train(Path::new(file.to_str().unwrap()), &[]),
            vec!["option --out:", "notes.txt is a file"],
        ),
        (
            lsgan(&[
                "train",
                "--out",
                out.to_str().unwrap(),
                "--eval-samples",
                "1",
            ]),
            vec!["option --eval-samples: expected a whole number of at least 2"],
        ),
        (
            train(&out, &["--data", "nosuchthing"]),
            vec![
                "option --data",
                "nosuchthing",
                "mnist",
                "a folder of images",
            ],
        ),
        (
            lsgan(&["sample", "--out", "x.csv", "/nonexistent/run"]),
            vec!["/nonexistent/run does not exist"],
        ),
    ];
    for (output, mentions) in &cases {
        assert_bad_input(output, mentions);
        // Refused before anything is announced: no "training …" or "resuming …" line.
        assert_one_line(output);
    }
    assert_eq!(std::fs::read_to_string(&file).unwrap(), "my notes");
    assert!(!out.exists(), "a refused start writes no run folder");
    assert!(
        !Path::new(compare_out).exists(),
        "a refused comparison writes nothing"
    );
}

#[test]
fn runs_say_where_they_ran_and_samples_come_from_the_averaged_generator() {
    let dir = tempfile::tempdir().unwrap();
    let averaged = dir.path().join("averaged");
    let trained = train(&averaged, &["--ema-decay", "0.9", "--threads", "1"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let first = stderr(&trained)
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(first.starts_with("training lsgan on ring"), "{first}");
    assert!(first.contains(" on cpu in fp32 into "), "{first}");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(averaged.join("final_metrics.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["device"], "cpu");
    assert_eq!(summary["precision"], "fp32");

    let sample = |run: &Path, name: &str, extra: &[&str]| {
        let out = dir.path().join(name);
        let mut args = vec!["sample", run.to_str().unwrap(), "-n", "20", "-o"];
        args.push(out.to_str().unwrap());
        args.extend_from_slice(extra);
        let output = lsgan(&args);
        let text = std::fs::read_to_string(&out).unwrap_or_default();
        (output, text)
    };
    let (default, by_default) = sample(&averaged, "default.csv", &[]);
    assert!(default.status.success(), "{}", stderr(&default));
    let said = String::from_utf8_lossy(&default.stdout).into_owned();
    assert!(said.contains("of the averaged generator"), "{said}");
    let (_, with_ema) = sample(&averaged, "ema.csv", &["--ema"]);
    let (_, with_final) = sample(&averaged, "final.csv", &["--final"]);
    assert_eq!(by_default, with_ema);
    assert_ne!(by_default, with_final);
    assert_eq!(by_default.lines().count(), 20);

    let plain = dir.path().join("plain");
    assert!(train(&plain, &["--ema-decay", "0", "--threads", "1"])
        .status
        .success());
    let (default, by_default) = sample(&plain, "plain.csv", &[]);
    assert!(String::from_utf8_lossy(&default.stdout).contains("of the final generator"));
    let (_, with_final) = sample(&plain, "plain-final.csv", &["--final"]);
    assert_eq!(by_default, with_final);
    let (refused, _) = sample(&plain, "plain-ema.csv", &["--ema"]);
    assert_bad_input(&refused, &["no averaged generator"]);
}

#[test]
fn bad_csv_row_and_bad_config_key_are_named() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("points.csv");
    std::fs::write(&csv, "0,0\n1,1\n2,x\n").unwrap();
    let out = dir.path().join("run");
    assert_bad_input(
        &train(&out, &["--data", csv.to_str().unwrap()]),
        &["points.csv:3", "two finite numbers"],
    );

    let config = dir.path().join("my.toml");
    std::fs::write(&config, "loss = \"lsgan\"\nlearning_rate = 0.1\n").unwrap();
    assert_bad_input(
        &train(&out, &["--config", config.to_str().unwrap()]),
        &["my.toml", "learning_rate", "unknown"],
    );
    std::fs::write(&config, "margin_scale = \"big\"\n").unwrap();
    assert_bad_input(
        &train(&out, &["--config", config.to_str().unwrap()]),
        &["my.toml", "margin_scale"],
    );
}

#[test]
fn every_loss_runs_on_ring_and_grid_and_writes_its_run_folder() {
    let dir = tempfile::tempdir().unwrap();
    for data in ["ring", "grid"] {
        for loss in ["lsgan", "glsgan", "wgan", "wgan-gp", "gan"] {
            let out = dir.path().join(format!("{data}-{loss}"));
            let output = train(&out, &["--data", data, "--loss", loss]);
            assert!(
                output.status.success(),
                "{data} {loss}: {}",
                stderr(&output)
            );
            for file in [
                "config.toml",
                "metrics.jsonl",
                "final_metrics.json",
                "generator.safetensors",
                "critic_landscape.png",
                "loss_curves.png",
                "diagnostics.png",
                "allocation.png",
                "allocation.csv",
            ] {
                assert!(out.join(file).is_file(), "{data} {loss}: {file} missing");
            }
            assert_diagnostics_logged(&out, loss);
            let summary: serde_json::Value = serde_json::from_str(
                &std::fs::read_to_string(out.join("final_metrics.json")).unwrap(),
            )
            .unwrap();
            assert_eq!(summary["loss"], loss);
            assert_eq!(summary["modes_total"], if data == "ring" { 8 } else { 25 });
            // Each line's training seconds grow, and stay within the run's whole time.
            let seconds = common::logged_seconds(&out);
            assert!(seconds[0] > 0.0, "{data} {loss}: {seconds:?}");
            assert!(
                seconds.windows(2).all(|pair| pair[0] < pair[1]),
                "{seconds:?}"
            );
            assert!(seconds[seconds.len() - 1] <= summary["seconds"].as_f64().unwrap());
            assert!(summary["energy_distance"].as_f64().unwrap().is_finite());
            let png = std::fs::read(out.join("critic_landscape.png")).unwrap();
            assert_eq!(&png[..4], b"\x89PNG");
            assert_eq!(
                std::fs::read_to_string(out.join("metrics.jsonl"))
                    .unwrap()
                    .lines()
                    .count(),
                2
            );
        }
    }
}

/// Every metrics.jsonl line has the diagnostics, with the margin's only for margin losses,
/// and allocation.csv has one row per diagnostic pair (all 300 evaluation samples here).
fn assert_diagnostics_logged(out: &Path, loss: &str) {
    let log = std::fs::read_to_string(out.join("metrics.jsonl")).unwrap();
    for line in log.lines() {
        let record: serde_json::Value = serde_json::from_str(line).unwrap();
        let diagnostics = &record["diagnostics"];
        let has_margin = matches!(loss, "lsgan" | "glsgan");
        assert_eq!(
            diagnostics["margin_share"].is_f64(),
            has_margin,
            "{loss}: {line}"
        );
        assert_eq!(
            diagnostics["mean_hinge"].is_f64(),
            has_margin,
            "{loss}: {line}"
        );
        for key in [
            "gradient_norm_real",
            "gradient_norm_fake",
            "gradient_norm_interpolate",
        ] {
            let (mean, max) = (
                diagnostics[key]["mean"].as_f64(),
                diagnostics[key]["max"].as_f64(),
            );
            let (mean, max) = (mean.unwrap(), max.unwrap());
            // (The mean of equal values may exceed their max in the last bit.)
            assert!(
                0.0 <= mean && mean <= max * (1.0 + 1e-9),
                "{loss} {key}: {line}"
            );
        }
        let (lo, hi) = (
            diagnostics["critic_fake"]["min"].as_f64(),
            diagnostics["critic_fake"]["max"].as_f64(),
        );
        assert!(lo.unwrap() <= hi.unwrap(), "{loss}: {line}");
    }
    let csv = std::fs::read_to_string(out.join("allocation.csv")).unwrap();
    let mut rows = csv.lines();
    assert_eq!(rows.next(), Some("distance_to_data,gradient_norm"));
    let rows: Vec<(f64, f64)> = rows
        .map(|row| {
            let (d, g) = row.split_once(',').unwrap();
            (d.parse().unwrap(), g.parse().unwrap())
        })
        .collect();
    assert_eq!(rows.len(), 300, "{loss}");
    assert!(rows.iter().all(|&(d, g)| d >= 0.0 && g >= 0.0), "{loss}");
}

#[test]
fn a_flat_critic_is_reported_with_its_remedy() {
    // A critic rate of 0.3 drives the small grid critic's ReLU output to 0 everywhere within
    // ten steps (0.1 already does): no gradient can reach the generator after that.
    let dir = tempfile::tempdir().unwrap();
    let output = train(
        &dir.path().join("dead"),
        &["--data", "grid", "--lr-critic", "0.3"],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let message = stderr(&output);
    assert!(message.contains("the critic is flat"), "{message}");
    assert!(message.contains("--critic-output-bias"), "{message}");
    assert_eq!(
        message.matches("warning:").count(),
        1,
        "warned once: {message}"
    );
    // The default rate keeps it alive: no warning.
    let healthy = train(&dir.path().join("alive"), &["--data", "grid"]);
    assert!(
        !stderr(&healthy).contains("warning"),
        "{}",
        stderr(&healthy)
    );
}

#[test]
fn compare_runs_every_loss_and_seed_and_keeps_finished_runs() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let compare = |extra: &[&str]| {
        let mut args = vec![
            "compare",
            "--data",
            "ring",
            "--losses",
            "lsgan,wgan-gp",
            "--seeds",
            "2",
        ];
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        args.extend_from_slice(TINY);
        args.extend_from_slice(extra);
        lsgan(&args)
    };
    let output = compare(&[]);
    assert!(output.status.success(), "{}", stderr(&output));
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["data"], "ring");
    assert_eq!(summary["iterations"], 20);
    let runs = summary["runs"].as_array().unwrap();
    let names: Vec<String> = runs
        .iter()
        .map(|r| format!("{}-{}", r["loss"].as_str().unwrap(), r["seed"]))
        .collect();
    assert_eq!(names, ["lsgan-0", "lsgan-1", "wgan-gp-0", "wgan-gp-1"]);
    // Different seeds, different runs.
    assert_ne!(runs[0]["energy_distance"], runs[1]["energy_distance"]);
    let losses = summary["losses"].as_array().unwrap();
    assert_eq!(losses[0]["loss"], "lsgan");
    let energy = &losses[0]["metrics"]["energy_distance"];
    let (a, b) = (
        runs[0]["energy_distance"].as_f64().unwrap(),
        runs[1]["energy_distance"].as_f64().unwrap(),
    );
    assert!((energy["mean"].as_f64().unwrap() - (a + b) / 2.0).abs() < 1e-12);
    assert_eq!(energy["n"], 2);
    assert!(losses[0]["metrics"]["margin_share"].is_object());
    assert!(
        losses[1]["metrics"]["margin_share"].is_null(),
        "WGAN-GP has no margin"
    );
    let markdown = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(markdown.contains("| wgan-gp |"), "{markdown}");
    // The report: self-contained (pictures as data URIs), with the claims read.
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(
        html.matches("src=\"data:image/png;base64,").count() >= 8,
        "two losses × 4+ pictures"
    );
    assert!(
        !html.contains("src=\"/") && !html.contains("src=\"runs"),
        "no linked files"
    );
    let report = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert_eq!(
        report.matches("| **").count(),
        5,
        "five claims with a verdict: {report}"
    );
    // `lsgan report` on the same folders writes the same claims.
    let again_dir = dir.path().join("report");
    let mut args = vec!["report", "--out", again_dir.to_str().unwrap()];
    let runs: Vec<String> = [
        "lsgan-seed0",
        "lsgan-seed1",
        "wgan-gp-seed0",
        "wgan-gp-seed1",
    ]
    .iter()
    .map(|r| out.join("runs").join(r).to_str().unwrap().to_string())
    .collect();
    args.extend(runs.iter().map(String::as_str));
    let reported = lsgan(&args);
    assert!(reported.status.success(), "{}", stderr(&reported));
    assert_eq!(
        std::fs::read_to_string(again_dir.join("report.md")).unwrap(),
        report
    );

    // A second call keeps the finished runs: nothing is retrained.
    let final_metrics = out.join("runs/lsgan-seed0/final_metrics.json");
    let before = std::fs::metadata(&final_metrics)
        .unwrap()
        .modified()
        .unwrap();
    let again = compare(&[]);
    assert!(again.status.success(), "{}", stderr(&again));
    assert_eq!(
        std::fs::metadata(&final_metrics)
            .unwrap()
            .modified()
            .unwrap(),
        before
    );

    assert_bad_input(&compare(&["--loss", "gan"]), &["--losses", "--seeds"]);
    assert_bad_input(&compare(&["--seeds", "0"]), &["--seeds"]);
}

#[test]
fn an_existing_run_needs_force() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    assert!(train(&out, &[]).status.success());
    assert_bad_input(&train(&out, &[]), &["already holds a run", "--force"]);
    assert!(train(&out, &["--force"]).status.success());
}

#[test]
fn a_failed_start_leaves_nothing_in_the_way_of_its_rerun() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("run");
    // A loss that diverges at its first iteration: config.toml and an empty metrics.jsonl.
    let diverged = train(&out, &["--lr-critic", "1e30"]);
    assert_eq!(diverged.status.code(), Some(1), "{}", stderr(&diverged));
    assert!(
        stderr(&diverged).contains("diverged at iteration 1")
            && stderr(&diverged).contains("no --force needed"),
        "{}",
        stderr(&diverged)
    );
    assert!(out.join("config.toml").exists() && !out.join("checkpoint.safetensors").exists());
    let rerun = train(&out, &[]);
    assert!(rerun.status.success(), "{}", stderr(&rerun));
    assert!(
        stderr(&rerun).contains("stopped before its first checkpoint"),
        "{}",
        stderr(&rerun)
    );
    assert!(out.join("final_metrics.json").exists());
    // `--device cuda` where a CPU build cannot give it: refused before any folder exists.
    let version = lsgan(&["--version"]);
    if String::from_utf8_lossy(&version.stdout).contains("cpu build") {
        let cuda = dir.path().join("cuda");
        assert_bad_input(&train(&cuda, &["--device", "cuda"]), &["--device", "cuda"]);
        assert!(!cuda.exists(), "a refused start left {}", cuda.display());
        assert!(train(&cuda, &[]).status.success());
    }
}

#[test]
fn csv_data_trains_and_sample_writes_csv_and_npy() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("line.csv");
    let points: String = (0..200)
        .map(|i| format!("{},{}\n", i as f32 / 100.0, 1.0 - i as f32 / 100.0))
        .collect();
    std::fs::write(&csv, format!("x,y\n{points}")).unwrap();
    let out = dir.path().join("run");
    let output = train(&out, &["--data", csv.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let samples = dir.path().join("s.csv");
    let run = out.to_str().unwrap();
    let output = lsgan(&[
        "sample",
        run,
        "-n",
        "123",
        "--out",
        samples.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let text = std::fs::read_to_string(&samples).unwrap();
    assert_eq!(text.lines().count(), 123);
    for line in text.lines() {
        let values: Vec<f32> = line.split(',').map(|v| v.parse().unwrap()).collect();
        assert!(
            values.len() == 2 && values.iter().all(|v| v.is_finite()),
            "{line}"
        );
    }

    let npy = dir.path().join("s.npy");
    assert!(
        lsgan(&["sample", run, "-n", "50", "--out", npy.to_str().unwrap()])
            .status
            .success()
    );
    let bytes = std::fs::read(&npy).unwrap();
    assert_eq!(&bytes[..6], b"\x93NUMPY");
    let header_length = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
    let header: String = String::from_utf8_lossy(&bytes[10..10 + header_length])
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    assert!(
        header.contains("'shape':(50,2") && header.contains("'<f4'"),
        "{header}"
    );
    assert_eq!(
        bytes.len(),
        10 + header_length + 50 * 2 * 4,
        "header plus 50×2 float32 values"
    );

    assert_bad_input(
        &lsgan(&[
            "sample",
            run,
            "--out",
            dir.path().join("s.txt").to_str().unwrap(),
        ]),
        &["s.txt", ".csv, .npy or .png"],
    );
    assert_bad_input(
        &lsgan(&["sample", dir.path().to_str().unwrap(), "--out", "x.csv"]),
        &["config.toml is missing"],
    );
}

/// The rows of a CSV file of numbers.
fn csv_rows(path: &Path) -> Vec<Vec<f64>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| line.split(',').map(|v| v.parse().unwrap()).collect())
        .collect()
}

#[test]
fn csv_points_far_from_the_origin_or_of_three_coordinates_train_and_sample_in_their_units() {
    let dir = tempfile::tempdir().unwrap();
    // Four clusters around (105, 55), 10 apart: far from where the networks start.
    let far = dir.path().join("far.csv");
    let points: String = (0..400)
        .map(|i| {
            let (cx, cy) = (
                100.0 + 10.0 * (i % 2) as f64,
                50.0 + 10.0 * ((i / 2) % 2) as f64,
            );
            format!(
                "{},{}\n",
                cx + 0.01 * (i % 7) as f64,
                cy - 0.01 * (i % 5) as f64
            )
        })
        .collect();
    std::fs::write(&far, points).unwrap();
    let out = dir.path().join("far");
    let trained = train(&out, &["--data", far.to_str().unwrap(), "--threads", "1"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("standardisation.json")).unwrap())
            .unwrap();
    let mean = recorded["mean"].as_array().unwrap();
    assert!(
        (mean[0].as_f64().unwrap() - 105.0).abs() < 0.1,
        "{recorded}"
    );
    assert!((mean[1].as_f64().unwrap() - 55.0).abs() < 0.1, "{recorded}");
    let samples = dir.path().join("far-samples.csv");
    let sampled = lsgan(&[
        "sample",
        out.to_str().unwrap(),
        "-n",
        "200",
        "-o",
        samples.to_str().unwrap(),
    ]);
    assert!(sampled.status.success(), "{}", stderr(&sampled));
    let rows = csv_rows(&samples);
    let centre = |k: usize| rows.iter().map(|row| row[k]).sum::<f64>() / rows.len() as f64;
    // Even 20 iterations' samples lie around the data, in its units, not near the origin.
    assert!(
        (centre(0) - 105.0).abs() < 15.0 && (centre(1) - 55.0).abs() < 15.0,
        "samples centred at ({}, {})",
        centre(0),
        centre(1)
    );

    let three = dir.path().join("three.csv");
    let points: String = (0..300)
        .map(|i| {
            format!(
                "{} {} {}\n",
                (i % 10) as f64 / 10.0,
                (i % 7) as f64,
                -(i % 3) as f64
            )
        })
        .collect();
    std::fs::write(&three, format!("a b c\n{points}")).unwrap();
    let out = dir.path().join("three");
    let trained = train(&out, &["--data", three.to_str().unwrap(), "--threads", "1"]);
    assert!(trained.status.success(), "{}", stderr(&trained));
    let config = std::fs::read_to_string(out.join("config.toml")).unwrap();
    assert!(config.contains("point_dim = 3"), "{config}");
    assert!(
        !out.join("critic_landscape.png").exists(),
        "a landscape needs 2-D points"
    );
    let samples = dir.path().join("three-samples.csv");
    let sampled = lsgan(&[
        "sample",
        out.to_str().unwrap(),
        "-n",
        "7",
        "-o",
        samples.to_str().unwrap(),
    ]);
    assert!(sampled.status.success(), "{}", stderr(&sampled));
    let rows = csv_rows(&samples);
    assert!(
        rows.len() == 7 && rows.iter().all(|row| row.len() == 3),
        "{rows:?}"
    );
    assert_bad_input(
        &train(
            &dir.path().join("wrong"),
            &["--data", three.to_str().unwrap(), "--point-dim", "2"],
        ),
        &["option --point-dim", "3 coordinates, not 2"],
    );
}

#[test]
fn a_runs_config_reruns_to_identical_metrics() {
    let dir = tempfile::tempdir().unwrap();
    let first = dir.path().join("first");
    assert!(train(&first, &["--loss", "wgan-gp", "--seed", "5"])
        .status
        .success());
    let second = dir.path().join("second");
    let config = first.join("config.toml");
    let output = lsgan(&[
        "train",
        "--quiet",
        "--config",
        config.to_str().unwrap(),
        "--out",
        second.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(common::metrics_log(&first), common::metrics_log(&second));
    assert_eq!(
        std::fs::read_to_string(&config).unwrap(),
        std::fs::read_to_string(second.join("config.toml")).unwrap()
    );
}

/// `lsgan bench --json` prints one object per workload with the keys bench/table.py reads,
/// and a bad count is bad input.
#[test]
fn bench_prints_one_json_line_per_workload() {
    let output = lsgan(&[
        "bench",
        "--workloads",
        "ring,mnist",
        "--batch",
        "16",
        "--warmup",
        "1",
        "--iters",
        "3",
        "--threads",
        "1",
        "--json",
    ]);
    assert!(output.status.success(), "{}", stderr(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let rows: Vec<serde_json::Value> = stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(rows.len(), 2, "{stdout}");
    for (row, workload) in rows.iter().zip(["ring", "mnist"]) {
        assert_eq!(row["workload"], workload);
        assert_eq!(row["engine"], "lsgan");
        assert_eq!(
            (row["batch"].as_u64(), row["iters"].as_u64()),
            (Some(16), Some(3))
        );
        let median = row["median_ms"].as_f64().unwrap();
        assert!(row["p10_ms"].as_f64().unwrap() <= median);
        assert!(median <= row["p90_ms"].as_f64().unwrap());
    }
    assert_bad_input(&lsgan(&["bench", "--iters", "0"]), &["--iters"]);
    assert_bad_input(
        &lsgan(&["bench", "--penalty-every", "0"]),
        &["--penalty-every"],
    );
}
