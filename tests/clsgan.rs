//! CLS-GAN end to end through the CLI on the real MNIST files in ../shared/data: `--labels`
//! keeps a balanced, recorded set of labelled images; each logged line carries the critic's
//! test error; the sample grid has one row per class; a run trained in two parts equals one
//! trained in one go; `sample --class` draws one class; `evaluate` writes the confusion
//! matrix and the per-class generation metrics; bad combinations are one-line errors. Tiny
//! networks: these check plumbing, not quality (EXPERIMENTS.md measures that).

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::assert_refused;
use common::lsgan_output as lsgan;
use common::path_text as path;
use common::succeeded as ok;

fn tiny(iters: &str) -> Vec<String> {
    let mut args = common::tiny_mnist_run(iters, "100");
    args.extend(["--labels".to_string(), "20".into()]);
    args
}

/// A tiny run of CLS-GAN (or of the `--loss` in `extra`) into `out`.
fn train(out: &Path, iters: &str, extra: &[&str]) -> Output {
    let mut args = vec!["train".to_string(), "--out".into(), path(out)];
    if !extra.contains(&"--loss") {
        args.extend(["--loss".to_string(), "clsgan".into()]);
    }
    args.extend(tiny(iters));
    args.extend(extra.iter().map(|s| s.to_string()));
    lsgan(&args)
}

/// The MNIST training labels, from the shared files.
fn training_labels() -> Vec<i64> {
    let dir = Path::new(&common::shared_data_dir()).join("mnist");
    let file = ["train-labels-idx1-ubyte", "train-labels-idx1-ubyte.gz"]
        .iter()
        .map(|name| dir.join(name))
        .find(|p| p.is_file())
        .expect("the MNIST training labels in ../shared/data/mnist");
    Vec::<i64>::try_from(lsgan::data::images::idx::read_labels(&file).unwrap()).unwrap()
}

#[test]
fn a_clsgan_run_records_its_labels_logs_its_test_error_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    let trained = ok(train(&whole, "6", &[]));

    // Some labels kept: the semi-supervised defaults (no conditional hinge, feature matching).
    let config = std::fs::read_to_string(whole.join("config.toml")).unwrap();
    for line in [
        "hinge_weight = 0.0",
        "feature_matching = 1.0",
        "labels = 20",
    ] {
        assert!(config.lines().any(|l| l == line), "{line} not in {config}");
    }

    // 20 labels: two of each digit, chosen by the seed, listed in labelled.json.
    let labelled = common::read_json(&whole.join("labelled.json"));
    assert_eq!(labelled["count"], 20);
    let indices: Vec<usize> = labelled["indices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i.as_u64().unwrap() as usize)
        .collect();
    let labels = training_labels();
    let mut per_class = [0; 10];
    for &i in &indices {
        per_class[labels[i] as usize] += 1;
    }
    assert_eq!(per_class, [2; 10], "indices {indices:?}");
    let other_seed = dir.path().join("seed1");
    ok(train(&other_seed, "1", &["--seed", "1"]));
    assert_ne!(
        common::read_json(&other_seed.join("labelled.json"))["indices"],
        labelled["indices"]
    );

    // Each logged line: the critic's error on the 10,000 test images, overall and per class.
    let log = common::metrics_log(&whole);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(lines.len(), 2);
    for line in &lines {
        let classification = &line["classification"];
        assert_eq!(classification["images"], 10_000);
        let error = classification["test_error"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&error), "{error}");
        let per_class = classification["per_class_error"].as_array().unwrap();
        assert_eq!(per_class.len(), 10);
    }
    // The run's last printed line gives the last logged test error, and where the samples are.
    let stdout = String::from_utf8_lossy(&trained.stdout);
    let last_error = lines[1]["classification"]["test_error"].as_f64().unwrap();
    let result = stdout.lines().next().unwrap_or_default();
    assert!(
        result.contains(&format!("test error {:.2}%;", 100.0 * last_error))
            && result.contains("samples.png"),
        "{stdout}"
    );

    // The grid: one row of ten per class.
    common::assert_mnist_grid(&whole, 10);

    // The same run in two parts: 3 iterations, then resumed to 6.
    let parts = dir.path().join("parts");
    ok(train(&parts, "3", &[]));
    common::assert_resumes_to(&parts, "6", &whole);
    common::assert_same_files(
        &parts,
        &whole,
        &[
            "generator.safetensors",
            "critic.safetensors",
            "labelled.json",
            "samples/iter_000006.png",
        ],
    );

    // The semi-supervised default trains the generator without its class (λ = 0): `sample
    // --class` says so and how to train one that draws classes.
    assert_refused(
        lsgan(&[
            "sample".into(),
            path(&whole),
            "--class".into(),
            "3".into(),
            "--out".into(),
            path(&dir.path().join("x.png")),
        ]),
        &["ignores its class", "--hinge-weight 1"],
    );

    // `sample --class` on a run that draws classes: every image of the one class asked for
    // (the same noise, another class: other images).
    let conditional = dir.path().join("conditional");
    ok(train(&conditional, "2", &["--hinge-weight", "1"]));
    let three = dir.path().join("three.npy");
    let output = ok(lsgan(&[
        "sample".into(),
        path(&conditional),
        "--class".into(),
        "3".into(),
        "-n".into(),
        "5".into(),
        "--out".into(),
        path(&three),
    ]));
    assert!(String::from_utf8_lossy(&output.stdout).contains("5 samples of class 3"));
    let drawn = tch::Tensor::read_npy(&three).unwrap();
    assert_eq!(drawn.size(), [5, 1, 28, 28]);
    let four = dir.path().join("four.npy");
    ok(lsgan(&[
        "sample".into(),
        path(&conditional),
        "--class".into(),
        "4".into(),
        "-n".into(),
        "5".into(),
        "--out".into(),
        path(&four),
    ]));
    let other = tch::Tensor::read_npy(&four).unwrap();
    assert!(drawn.ne_tensor(&other).any().int64_value(&[]) == 1);
    for (class, expected) in [("10", "from 0 to 9, got 10"), ("-1", "from 0 to 9, got -1")] {
        assert_refused(
            lsgan(&[
                "sample".into(),
                path(&conditional),
                "--class".into(),
                class.into(),
                "--out".into(),
                path(&dir.path().join("x.png")),
            ]),
            &["option --class", expected],
        );
    }
}

#[test]
fn evaluate_writes_the_confusion_matrix_and_each_class_agreement() {
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    let run = dir.path().join("run");
    ok(train(&run, "3", &["--hinge-weight", "1"]));
    let with_cache = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_lsgan"))
            .args(args)
            .env("LSGAN_CACHE_DIR", &cache)
            .output()
            .unwrap()
    };
    // Without the data set's classifier, the message says how to train it.
    let refused = with_cache(&["evaluate", &path(&run), "--features", "classifier", "-q"]);
    assert_refused(refused, &["lsgan train-classifier --data mnist"]);
    ok(with_cache(&[
        "train-classifier",
        "--data",
        "mnist",
        "--data-dir",
        &common::shared_data_dir(),
        "--epochs",
        "1",
    ]));
    let evaluate = |extra: &[&str]| {
        let run = path(&run);
        let mut args = vec![
            "evaluate",
            &run,
            "--features",
            "classifier",
            "-n",
            "50",
            "-q",
        ];
        args.extend_from_slice(extra);
        ok(with_cache(&args))
    };
    let output = evaluate(&[]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("critic as classifier (10000 test images): error"),
        "{stdout}"
    );
    let classes = common::read_json(&run.join("classes.json"));
    let confusion: Vec<Vec<u64>> = serde_json::from_value(classes["confusion"].clone()).unwrap();
    assert_eq!(confusion.len(), 10);
    assert_eq!(confusion.iter().flatten().sum::<u64>(), 10_000);
    // The error is what the matrix says: one minus its diagonal's share.
    let diagonal: u64 = (0..10).map(|c| confusion[c][c]).sum();
    let error = classes["classification"]["test_error"].as_f64().unwrap();
    assert!((error - (1.0 - diagonal as f64 / 10_000.0)).abs() < 1e-12);
    // The averaged critic classifies, as for the run's last logged line; `--final` takes the
    // last weights, which differ from the average.
    assert_eq!(classes["critic"], "ema");
    let log = common::metrics_log(&run);
    let last: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(last["classification"]["test_error"].as_f64(), Some(error));
    let weights = |file: &str| std::fs::read(run.join(file)).unwrap();
    assert_ne!(
        weights("critic_ema.safetensors"),
        weights("critic.safetensors")
    );
    evaluate(&["--final"]);
    let last_weights = common::read_json(&run.join("classes.json"));
    assert_eq!(last_weights["critic"], "final");
    let generation = &classes["generation"];
    assert_eq!(generation["per_class"], 50);
    for key in ["agreement", "fid"] {
        let values = generation[key].as_array().unwrap();
        assert_eq!(values.len(), 10, "{key}");
        assert!(values.iter().all(|v| v.as_f64().unwrap() >= 0.0), "{key}");
    }
    assert!(image::open(run.join("confusion.png")).is_ok());
}

#[test]
fn bad_combinations_of_loss_data_and_labels_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    let out = |name: &str| path(&dir.path().join(name));
    let run = |args: &[&str]| {
        let mut all = vec!["train".to_string(), "--quiet".into()];
        all.extend(args.iter().map(|s| s.to_string()));
        lsgan(&all)
    };
    assert_refused(
        run(&["--loss", "clsgan", "--out", &out("a")]),
        &["option --data", "--loss clsgan, cwgan-gp"],
    );
    let folder = format!("{}/cifar10-samples", common::shared_data_dir());
    if Path::new(&folder).is_dir() {
        assert_refused(
            run(&["--loss", "clsgan", "--data", &folder, "--out", &out("b")]),
            &["--data", "the images have no labels", "laid out by class"],
        );
    }
    assert_refused(
        run(&["--data", "mnist", "--labels", "100", "--out", &out("c")]),
        &[
            "option --labels",
            "only the conditional losses train on labels",
        ],
    );
    let mnist = [
        "--data",
        "mnist",
        "--data-dir",
        &common::shared_data_dir(),
        "--loss",
        "clsgan",
    ];
    let with = |extra: &[&str]| {
        let mut args = mnist.to_vec();
        args.extend_from_slice(extra);
        run(&args)
    };
    assert_refused(
        with(&["--labels", "15", "--out", &out("d")]),
        &["option --labels", "a multiple of the 10 classes", "got 15"],
    );
    assert_refused(
        with(&["--labels", "70000", "--out", &out("e")]),
        &["option --labels", "70000", "holds 60000"],
    );
    for name in ["a", "b", "c", "d", "e"] {
        assert!(!dir.path().join(name).exists(), "{name}: nothing written");
    }
}

#[test]
fn the_conditional_wgan_gp_trains_on_the_labels_and_draws_a_chosen_class() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("cwgan");
    ok(train(
        &run,
        "2",
        &["--loss", "cwgan-gp", "--critic-steps", "2"],
    ));
    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.contains("loss = \"cwgan-gp\""), "{config}");
    assert!(config.contains("penalty_weight = 10.0"), "{config}");
    assert_eq!(common::read_json(&run.join("labelled.json"))["count"], 20);
    // Not a classifier: its lines carry no test error.
    let log = common::metrics_log(&run);
    assert!(!log.contains("classification"), "{log}");
    let out = dir.path().join("seven.npy");
    ok(lsgan(&[
        "sample".into(),
        path(&run),
        "--class".into(),
        "7".into(),
        "-n".into(),
        "3".into(),
        "--out".into(),
        path(&out),
    ]));
    assert_eq!(tch::Tensor::read_npy(&out).unwrap().size(), [3, 1, 28, 28]);
}

#[test]
fn compare_sets_clsgan_beside_the_conditional_wgan_gp_over_label_counts() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("cmp");
    let mut args: Vec<String> = [
        "compare",
        "--losses",
        "clsgan,cwgan-gp",
        "--seeds",
        "1",
        "--vary",
        "labels=20,40",
        "--rank-by",
        "test_error",
        "--image-metrics",
        "none",
        "--out",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.push(path(&out));
    // The tiny run's options without its --labels, which the comparison varies.
    args.extend(common::tiny_mnist_run("3", "100"));
    ok(lsgan(&args));
    let summary = common::read_json(&out.join("summary.json"));
    assert_eq!(summary["runs"].as_array().unwrap().len(), 4);
    for run in summary["runs"].as_array().unwrap() {
        let folder = Path::new(run["run_dir"].as_str().unwrap());
        let kept = common::read_json(&folder.join("labelled.json"))["count"].clone();
        assert_eq!(format!("labels={kept}"), run["variant"], "{run}");
    }
    // Only CLS-GAN's critic is a classifier: the ranking by test error puts its variants
    // first, each with its error, and the conditional WGAN-GP's after them with none.
    let entries = summary["ranking"]["entries"].as_array().unwrap();
    let ranked: Vec<(&str, usize)> = entries
        .iter()
        .map(|e| {
            (
                e["loss"].as_str().unwrap(),
                e["values"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        ranked,
        [
            ("clsgan", 1),
            ("clsgan", 1),
            ("cwgan-gp", 0),
            ("cwgan-gp", 0)
        ]
    );
    let errors: Vec<f64> = entries[..2]
        .iter()
        .map(|e| e["values"][0]["mean"].as_f64().unwrap())
        .collect();
    assert!(errors[0] <= errors[1] && errors[1] <= 1.0, "{errors:?}");
    let table = std::fs::read_to_string(out.join("summary.md")).unwrap();
    assert!(table.contains("test error (CLS-GAN critic)"), "{table}");
}

#[test]
fn a_slurm_array_task_trains_the_semi_supervised_run_a_local_compare_trains() {
    let dir = tempfile::tempdir().unwrap();
    let compare = |out: &Path, extra: &[&str]| {
        let mut args: Vec<String> = ["compare", "--losses", "clsgan", "--seeds", "1"]
            .iter()
            .chain(["--image-metrics", "none", "--out"].iter())
            .map(|s| s.to_string())
            .collect();
        args.push(path(out));
        args.extend(tiny("3"));
        args.extend(extra.iter().map(|s| s.to_string()));
        ok(lsgan(&args))
    };
    let array = dir.path().join("array");
    compare(&array, &["--slurm"]);
    // Task 0 as Slurm would run it: from the run's config.toml alone.
    let task = Command::new("bash")
        .arg(array.join("slurm/array-1.sh"))
        .env("SLURM_ARRAY_TASK_ID", "0")
        .current_dir(dir.path())
        .output()
        .unwrap();
    ok(task);
    let local = dir.path().join("local");
    compare(&local, &[]);
    let run = "runs/clsgan-seed0";
    let config = std::fs::read_to_string(array.join(run).join("config.toml")).unwrap();
    for line in [
        "labels = 20",
        "hinge_weight = 0.0",
        "feature_matching = 1.0",
    ] {
        assert!(config.lines().any(|l| l == line), "{line} not in {config}");
    }
    assert_eq!(
        common::metrics_log(&array.join(run)),
        common::metrics_log(&local.join(run))
    );
    common::assert_same_files(
        &array.join(run),
        &local.join(run),
        &["labelled.json", "critic.safetensors"],
    );
}

#[test]
fn cifar10_trains_clsgan_at_32_by_32_in_colour() {
    // A CIFAR-10 folder of the 20 sample images (no 2s or 4s among them).
    let dir = tempfile::tempdir().unwrap();
    common::write_fake_cifar(&dir.path().join("cifar-10-batches-bin"));
    let run = |out: &Path, labels: &str| {
        lsgan(&[
            "train".into(),
            "--data".into(),
            "cifar10".into(),
            "--data-dir".into(),
            path(dir.path()),
            "--loss".into(),
            "clsgan".into(),
            "--labels".into(),
            labels.into(),
            "--iters".into(),
            "2".into(),
            "--batch-size".into(),
            "8".into(),
            "--gen-width".into(),
            "8".into(),
            "--critic-width".into(),
            "8".into(),
            "--eval-samples".into(),
            "20".into(),
            "--log-every".into(),
            "2".into(),
            "--threads".into(),
            "1".into(),
            "--out".into(),
            path(out),
            "--quiet".into(),
        ])
    };
    let every_label = dir.path().join("all");
    ok(run(&every_label, "0"));
    let log = common::metrics_log(&every_label);
    let line: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(line["classification"]["images"], 20);
    let grid = image::open(every_label.join("samples.png"))
        .unwrap()
        .to_rgb8();
    // 20 evaluation images: two rows of ten, 32 + 2 pixels a cell at scale 2.
    assert_eq!(grid.width(), 2 * (10 * 34 + 2));
    assert_refused(
        run(&dir.path().join("ten"), "10"),
        &[
            "option --labels",
            "1 per class",
            "holds 0 images of class 2",
        ],
    );
}
