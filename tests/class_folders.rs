//! A folder of images laid out by class (`DIR/train/<class>/…`, `DIR/test/<class>/…`) as a
//! labelled data set, on real MNIST digits written out as PNG files: its classes are its
//! subfolders in name order, it trains CLS-GAN and the conditional WGAN-GP with `--labels`,
//! `evaluate` measures the critic on the `test/` images, `sample --class` draws a class; and
//! what it cannot do (no labels, no held-out images, a count that is not a multiple of the
//! classes) is a one-line error. Tiny networks: plumbing, not quality.

mod common;

use std::path::Path;
use std::process::Output;

use common::assert_refused;
use common::lsgan_output as lsgan;
use common::path_text as path;
use common::succeeded as ok;
use lsgan::data::images::{load_labelled, ImageDataset, ImageSet, Split};

/// The classes written, by digit; their subfolders' names sort as one, seven, zero.
const CLASSES: [(i64, &str); 3] = [(0, "zero"), (1, "one"), (7, "seven")];

/// Writes `per_class` MNIST images of `split` of each of [`CLASSES`] as PNG files into
/// `dir/<name>/NNNN.png`.
fn write_digits(dir: &Path, split: Split, per_class: usize) {
    let (images, labels) = load_labelled("mnist", Path::new(&common::shared_data_dir()), split)
        .expect("MNIST in ../shared/data");
    let labels = Vec::<i64>::try_from(&labels).unwrap();
    for (digit, name) in CLASSES {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        let of_digit = labels.iter().enumerate().filter(|(_, &l)| l == digit);
        for (written, (index, _)) in of_digit.take(per_class).enumerate() {
            // [−1, 1] back to the file's bytes.
            let pixels = ((images.get(index as i64) + 1.0) * 127.5)
                .round()
                .to_kind(tch::Kind::Uint8)
                .flatten(0, -1);
            let bytes = Vec::<u8>::try_from(&pixels).unwrap();
            image::GrayImage::from_raw(28, 28, bytes)
                .unwrap()
                .save(folder.join(format!("{written:04}.png")))
                .unwrap();
        }
    }
}

/// A split folder of 20 training and 10 test digits of each class.
fn digit_folder(root: &Path) {
    write_digits(&root.join("train"), Split::Train, 20);
    write_digits(&root.join("test"), Split::Test, 10);
}

/// A tiny 28×28 grayscale run of 4 iterations on the folder `data` into `out`, with `extra`
/// options.
fn train(data: &Path, out: &Path, extra: &[&str]) -> Output {
    train_for("4", data, out, extra)
}

/// [`train`] for `iters` iterations.
fn train_for(iters: &str, data: &Path, out: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["train".to_string(), "--out".into(), path(out)];
    let tiny = common::tiny_mnist_run(iters, "30");
    args.extend(tiny.into_iter().map(|arg| match arg.as_str() {
        "mnist" => path(data),
        _ => arg,
    }));
    args.extend(["--image-size", "28", "--image-channels", "1"].map(String::from));
    args.extend(extra.iter().map(|s| s.to_string()));
    lsgan(&args)
}

#[test]
fn the_subfolders_are_the_classes_and_train_test_the_splits() {
    let dir = tempfile::tempdir().unwrap();
    digit_folder(dir.path());
    let dataset = ImageDataset::Folder(dir.path().to_path_buf());
    assert!(dataset.has_test_split());
    let train = ImageSet::load(&dataset, Path::new(""), Split::Train, (1, 28)).unwrap();
    let test = ImageSet::load(&dataset, Path::new(""), Split::Test, (1, 28)).unwrap();
    assert_eq!((train.len(), test.len()), (60, 30));
    assert_eq!(train.class_names, ["one", "seven", "zero"]);
    assert_eq!(test.class_names, train.class_names);
    let labels = Vec::<i64>::try_from(train.labels.as_ref().unwrap()).unwrap();
    let expected: Vec<i64> = (0..3).flat_map(|k| [k; 20]).collect();
    assert_eq!(labels, expected);
    // The PNG files hold MNIST's pixels exactly: the first "zero" is MNIST's first 0.
    let (mnist, mnist_labels) =
        load_labelled("mnist", Path::new(&common::shared_data_dir()), Split::Train).unwrap();
    let first_zero = Vec::<i64>::try_from(&mnist_labels)
        .unwrap()
        .iter()
        .position(|&l| l == 0)
        .unwrap() as i64;
    let zero = lsgan::data::images::to_unit_range(&train.images.get(40));
    assert_eq!(zero, mnist.get(first_zero));

    // Without train/ and test/, the whole folder is one set; a flat folder has no classes.
    let unsplit = ImageDataset::Folder(dir.path().join("train"));
    assert!(!unsplit.has_test_split());
    let whole = ImageSet::load(&unsplit, Path::new(""), Split::Test, (1, 28)).unwrap();
    assert_eq!((whole.len(), whole.classes()), (60, 3));
    let flat = ImageDataset::Folder(dir.path().join("train/zero"));
    let flat = ImageSet::load(&flat, Path::new(""), Split::Train, (1, 28)).unwrap();
    assert_eq!((flat.len(), flat.classes()), (20, 0));
    assert!(flat.labels.is_none());
}

#[test]
fn clsgan_trains_on_a_class_folder_evaluates_on_its_test_images_and_draws_a_class() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("digits");
    digit_folder(&data);
    let run = dir.path().join("run");
    ok(train(&data, &run, &["--loss", "clsgan", "--labels", "6"]));

    let config = std::fs::read_to_string(run.join("config.toml")).unwrap();
    assert!(config.lines().any(|l| l == "classes = 3"), "{config}");
    let labelled = common::read_json(&run.join("labelled.json"));
    assert_eq!(labelled["count"], 6);
    assert_eq!(
        labelled["classes"],
        serde_json::json!(["one", "seven", "zero"])
    );
    let indices: Vec<i64> = serde_json::from_value(labelled["indices"].clone()).unwrap();
    // Two of each class: indices 0-19 are "one", 20-39 "seven", 40-59 "zero".
    for class in 0..3 {
        let of_class = indices.iter().filter(|&&i| i / 20 == class).count();
        assert_eq!(of_class, 2, "{indices:?}");
    }
    // Trained in two parts, the run is the same: the classes come back from config.toml.
    let parts = dir.path().join("parts");
    ok(train_for(
        "3",
        &data,
        &parts,
        &["--loss", "clsgan", "--labels", "6"],
    ));
    common::assert_resumes_to(&parts, "4", &run);
    let log = common::metrics_log(&run);
    let line: serde_json::Value = serde_json::from_str(log.lines().last().unwrap()).unwrap();
    assert_eq!(line["classification"]["images"], 30, "{line}");
    assert_eq!(
        line["classification"]["per_class_error"]
            .as_array()
            .map(Vec::len),
        Some(3),
        "{line}"
    );

    ok(lsgan(&["evaluate".into(), path(&run)]));
    let classes = common::read_json(&run.join("classes.json"));
    let counts: Vec<Vec<u64>> = serde_json::from_value(classes["confusion"].clone()).unwrap();
    assert_eq!(counts.len(), 3);
    for row in &counts {
        assert_eq!(row.len(), 3);
        assert_eq!(row.iter().sum::<u64>(), 10, "{counts:?}");
    }
    assert!(run.join("confusion.png").is_file());

    // Every label kept: the generator learns classes, and draws the one asked for.
    let full = dir.path().join("full");
    ok(train(&data, &full, &["--loss", "cwgan-gp"]));
    let samples = dir.path().join("sevens.png");
    let draw = |class: &str, out: &Path| {
        lsgan(&[
            "sample".into(),
            path(&full),
            "--class".into(),
            class.into(),
            "--count".into(),
            "4".into(),
            "--out".into(),
            path(out),
        ])
    };
    ok(draw("1", &samples));
    // By name: "seven" is class 1, the same samples.
    let by_name = dir.path().join("sevens-by-name.png");
    ok(draw("seven", &by_name));
    assert_eq!(
        std::fs::read(&samples).unwrap(),
        std::fs::read(&by_name).unwrap()
    );
    assert_refused(
        draw("eight", &dir.path().join("none.png")),
        &["option --class", "\"eight\"", "one, seven, zero"],
    );
    assert_refused(
        lsgan(&[
            "sample".into(),
            path(&full),
            "--class".into(),
            "3".into(),
            "--out".into(),
            path(&dir.path().join("none.png")),
        ]),
        &["option --class", "from 0 to 2"],
    );

    // The folder changed under a run: the classes no longer match.
    std::fs::create_dir_all(data.join("test/eight")).unwrap();
    std::fs::copy(
        data.join("test/zero/0000.png"),
        data.join("test/eight/0000.png"),
    )
    .unwrap();
    assert_refused(
        lsgan(&["evaluate".into(), path(&run)]),
        &["the test images have 4 classes", "the run trained 3"],
    );
}

#[test]
fn what_a_class_folder_cannot_train_is_a_one_line_error() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("digits");
    digit_folder(&data);
    let out = |name: &str| dir.path().join(name);
    assert_refused(
        train(&data, &out("a"), &["--loss", "clsgan", "--labels", "7"]),
        &["option --labels", "not a multiple of the 3 classes"],
    );
    assert_refused(
        train(&data.join("train"), &out("b"), &["--loss", "clsgan"]),
        &["held-out images", "train/<class>/", "test/<class>/"],
    );
    assert_refused(
        train(&data.join("train/zero"), &out("c"), &["--loss", "clsgan"]),
        &["the images have no labels", "laid out by class"],
    );
    std::fs::rename(data.join("test/seven"), data.join("test/eight")).unwrap();
    assert_refused(
        train(&data, &out("d"), &["--loss", "clsgan"]),
        &[
            "held-out images' classes (eight, one, zero)",
            "(one, seven, zero)",
        ],
    );
    std::fs::rename(data.join("test/eight"), data.join("test/seven")).unwrap();
    assert_refused(
        train(&data, &out("e"), &["--loss", "clsgan", "--classes", "4"]),
        &["option --classes: 4", "has 3 classes (one, seven, zero)"],
    );
    assert_refused(
        train(&data, &out("f"), &["--classes", "3"]),
        &[
            "option --classes",
            "only the conditional losses have classes",
        ],
    );
    for name in ["a", "b", "c", "d", "e", "f"] {
        assert!(!out(name).exists(), "{name}: nothing written");
    }
    // An unconditional run trains on train/ and measures against test/; `--classes` is a
    // check a conditional run passes.
    ok(train(&data, &out("lsgan"), &[]));
    ok(train(
        &data,
        &out("cls"),
        &["--loss", "clsgan", "--classes", "3"],
    ));
}
