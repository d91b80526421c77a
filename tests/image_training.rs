//! Image runs end to end through the CLI on the real MNIST files in ../shared/data: training
//! writes sample grids, checkpoints and weights; a run trained in two parts (resumed from its
//! checkpoint) equals one trained in one go; `sample` writes .npy, a .png grid and a folder;
//! `interpolate` writes strips. Tiny networks: these check plumbing, not quality.

mod common;

use std::path::Path;

use common::lsgan_output as lsgan;
use common::path_text as path;
use common::succeeded as ok;
use std::process::Output;

fn tiny(iters: &str) -> Vec<String> {
    common::tiny_mnist_run(iters, "64")
}

fn train(out: &Path, iters: &str, extra: &[&str]) -> Output {
    let mut args = vec!["train".to_string(), "--out".into(), path(out)];
    args.extend(tiny(iters));
    args.extend(extra.iter().map(|s| s.to_string()));
    lsgan(&args)
}

#[test]
fn an_mnist_run_writes_grids_checkpoints_and_resumes_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let whole = dir.path().join("whole");
    ok(train(&whole, "6", &[]));
    for file in [
        "config.toml",
        "metrics.jsonl",
        "final_metrics.json",
        "generator.safetensors",
        "generator_ema.safetensors",
        "critic.safetensors",
        "checkpoint.safetensors",
        "samples.png",
        "samples/iter_000003.png",
        "samples/iter_000006.png",
        "loss_curves.png",
    ] {
        assert!(whole.join(file).is_file(), "{file} missing");
    }
    let config = std::fs::read_to_string(whole.join("config.toml")).unwrap();
    assert!(config.contains("image_size = 28") && config.contains("image_channels = 1"));
    common::assert_mnist_grid(&whole, 8);

    // The same run in two parts: 3 iterations, then resumed to 6.
    let parts = dir.path().join("parts");
    ok(train(&parts, "3", &[]));
    common::assert_resumes_to(&parts, "6", &whole);
    common::assert_same_files(
        &parts,
        &whole,
        &[
            "generator.safetensors",
            "generator_ema.safetensors",
            "critic.safetensors",
            "samples/iter_000006.png",
        ],
    );
}

#[test]
fn samples_of_an_image_run_come_as_npy_grid_folder_and_strips() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    ok(train(&run, "3", &[]));
    let sample = |out: &Path, extra: &[&str]| {
        let mut args = vec![
            "sample".to_string(),
            path(&run),
            "-n".into(),
            "10".into(),
            "--out".into(),
            path(out),
        ];
        args.extend(extra.iter().map(|s| s.to_string()));
        lsgan(&args)
    };

    let npy = dir.path().join("s.npy");
    ok(sample(&npy, &["--ema"]));
    let array = tch::Tensor::read_npy(&npy).unwrap();
    assert_eq!(array.size(), [10, 1, 28, 28]);
    assert!(array.abs().max().double_value(&[]) <= 1.0);

    let grid = dir.path().join("s.png");
    ok(sample(&grid, &[]));
    // 4 columns of 28-pixel images with 2-pixel gaps (122 pixels), drawn 4× so that the
    // captioned grid is at least 480 wide.
    assert_eq!(image::open(&grid).unwrap().width(), 4 * (4 * 30 + 2));

    let folder = dir.path().join("pngs");
    ok(sample(&folder, &[]));
    assert_eq!(std::fs::read_dir(&folder).unwrap().count(), 10);
    let first = image::open(folder.join("000000.png")).unwrap();
    assert_eq!((first.width(), first.height()), (28, 28));

    let csv = dir.path().join("s.csv");
    let refused = sample(&csv, &[]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("s.csv"));

    let strips = dir.path().join("strips.png");
    ok(lsgan(&[
        "interpolate".into(),
        path(&run),
        "--out".into(),
        path(&strips),
        "--rows".into(),
        "3".into(),
        "--steps".into(),
        "5".into(),
    ]));
    let picture = image::open(&strips).unwrap();
    // 5 × 3 images (152 × 92 pixels) drawn 4× under a 30-pixel caption.
    assert_eq!(
        (picture.width(), picture.height()),
        (4 * (5 * 30 + 2), 4 * (3 * 30 + 2) + 30)
    );
}

#[test]
fn missing_dataset_files_name_the_folder_and_the_download_command() {
    let dir = tempfile::tempdir().unwrap();
    let output = lsgan(&[
        "train".into(),
        "--data".into(),
        "fashion-mnist".into(),
        "--data-dir".into(),
        path(dir.path()),
        "--out".into(),
        path(&dir.path().join("run")),
        "--quiet".into(),
    ]);
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(
        message.contains("lsgan download fashion-mnist"),
        "{message}"
    );
    assert!(message.contains(&path(dir.path())), "{message}");
}
