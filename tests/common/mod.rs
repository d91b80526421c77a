//! Helpers shared by the integration tests that run the `lsgan` binary and compare run
//! folders. Each test binary uses its own subset of them.
#![allow(dead_code)]

pub mod file_server;
pub mod tensorboard;

use std::io::Write;
use std::path::Path;
use std::process::{Child, Command, Output};
use std::time::{Duration, Instant};

/// The fault-injection runs' budget, logging and checkpoint intervals (see [`run_flags_for`]).
pub const ITERATIONS: u64 = 400;
pub const LOG_EVERY: u64 = 20;
pub const CHECKPOINT_EVERY: u64 = 10;

/// `lsgan train` flags for a small, quick ring run of `iterations` (one thread, so that its
/// numbers are reproducible): with [`ITERATIONS`], long enough that a signal lands mid-run.
pub fn run_flags_for(iterations: u64) -> Vec<String> {
    let flags = format!(
        "--data ring --iters {iterations} --log-every {LOG_EVERY} --checkpoint-every \
         {CHECKPOINT_EVERY} --gen-width 32 --critic-width 32 --eval-samples 200 --batch-size 64 \
         --ema-decay 0.9 --threads 1 --quiet"
    );
    flags.split_whitespace().map(String::from).collect()
}

/// The paths git tracks in this checkout (`git ls-files`), relative to the repository root.
pub fn tracked_files() -> Vec<String> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        root.join(".git").exists(),
        "{} is not a git checkout: this test reads `git ls-files`",
        root.display()
    );
    let listed = Command::new("git")
        .args(["ls-files", "-z"])
        .current_dir(root)
        .output()
        .expect("git runs");
    assert!(listed.status.success(), "git ls-files failed: {listed:?}");
    let text = String::from_utf8(listed.stdout).expect("tracked paths are UTF-8");
    let paths: Vec<String> = text
        .split('\0')
        .filter(|p| !p.is_empty())
        .map(String::from)
        .collect();
    assert!(
        paths.iter().any(|p| p == "Cargo.toml"),
        "git ls-files listed {} paths",
        paths.len()
    );
    paths
}

/// The `lsgan` binary under test.
pub fn lsgan() -> Command {
    Command::new(env!("CARGO_BIN_EXE_lsgan"))
}

/// `lsgan compare` of LS-GAN and WGAN-GP on the ring, two seeds each, into `out`: the sweep
/// the browser tests look at (each adds its budget and sizes).
pub fn ring_comparison_of_two_losses(out: &Path) -> Command {
    let mut command = lsgan();
    command
        .args(["compare", "--data", "ring", "--losses", "lsgan,wgan-gp"])
        .args(["--seeds", "2", "--quiet", "--out"])
        .arg(out);
    command
}

/// Headless Chromium from PATH (scripts/install-browser.sh installs Debian's
/// chromium-headless-shell).
pub fn browser() -> std::path::PathBuf {
    ["chromium-headless-shell", "chromium"]
        .iter()
        .find_map(|name| {
            let output = Command::new("which").arg(name).output().ok()?;
            output
                .status
                .success()
                .then(|| std::path::PathBuf::from(String::from_utf8_lossy(&output.stdout).trim()))
        })
        .expect(
            "no headless Chromium on PATH: scripts/install-browser.sh installs Debian's \
             chromium-headless-shell (apt-get install chromium-headless-shell)",
        )
}

/// Headless Chromium ([`browser`]) on `url` in a window of `window` pixels with `args`
/// (a screenshot, a DOM dump, a time budget); asserts that it succeeded.
pub fn chromium(url: &str, window: (u32, u32), args: &[&str]) -> Output {
    let output = Command::new(browser())
        .args(["--no-sandbox", "--disable-gpu", "--hide-scrollbars"])
        .arg(format!("--window-size={},{}", window.0, window.1))
        .args(args)
        .arg(url)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "chromium: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// How many colours the picture at `path` (a screenshot) has: a blank page has one or two.
pub fn colours_in(path: &Path) -> usize {
    let picture = image::open(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .to_rgb8();
    let mut colours: Vec<[u8; 3]> = picture.pixels().map(|p| p.0).collect();
    colours.sort_unstable();
    colours.dedup();
    colours.len()
}

/// `sh -c script` in a private user and mount namespace (root in it, so that it may mount a
/// small disk or a device over a file without being root outside); the script's own
/// arguments follow.
pub fn in_private_namespace(script: &str) -> Command {
    let mut command = Command::new("unshare");
    command.args([
        "--user",
        "--map-root-user",
        "--mount",
        "sh",
        "-c",
        script,
        "sh",
    ]);
    command
}

/// Resumes the run in `parts` to `iters` iterations (`lsgan resume --quiet`) and asserts
/// that it then logged exactly what the run in `whole`, trained in one go, did.
pub fn assert_resumes_to(parts: &Path, iters: &str, whole: &Path) {
    succeeded(
        lsgan()
            .arg("resume")
            .arg(parts)
            .args(["--iters", iters, "--quiet"])
            .output()
            .expect("the lsgan binary runs"),
    );
    assert_eq!(metrics_log(parts), metrics_log(whole));
}

/// Asserts that each of `files` has the same bytes in run folders `got` and `want`.
pub fn assert_same_files(got: &Path, want: &Path, files: &[&str]) {
    for file in files {
        let read = |dir: &Path| {
            std::fs::read(dir.join(file))
                .unwrap_or_else(|e| panic!("{}: {e}", dir.join(file).display()))
        };
        assert!(read(got) == read(want), "{file} differs");
    }
}

/// Asserts that a command exited 0, showing its stderr otherwise; returns its output.
pub fn succeeded(output: Output) -> Output {
    assert!(
        output.status.success(),
        "exit {:?}: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

/// Waits until `file` exists (and, for metrics.jsonl, has a line), or the child exits.
pub fn wait_for(child: &mut Child, file: &Path) {
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
        std::thread::sleep(Duration::from_millis(5));
    }
    panic!("{} did not appear within 120 s", file.display());
}

/// Sends `signal` (`-INT`, `-TERM`, `-KILL`) to `child`.
pub fn send(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// The text of a run's metrics.jsonl without its wall-clock `seconds`: what two runs of one
/// seed, or a resumed run and an uninterrupted one, write alike.
pub fn metrics_log(run: &Path) -> String {
    without_seconds(&std::fs::read_to_string(run.join("metrics.jsonl")).expect("metrics.jsonl"))
}

/// The `seconds` of each metrics.jsonl line of the run in `run` (training steps alone).
pub fn logged_seconds(run: &Path) -> Vec<f64> {
    std::fs::read_to_string(run.join("metrics.jsonl"))
        .expect("metrics.jsonl")
        .lines()
        .map(|line| {
            let record: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            record["seconds"].as_f64().expect("a `seconds` number")
        })
        .collect()
}

/// metrics.jsonl text with each line's `"seconds":…` removed and everything else as written.
pub fn without_seconds(log: &str) -> String {
    const KEY: &str = ",\"seconds\":";
    log.split_inclusive('\n')
        .map(|line| match line.find(KEY) {
            Some(start) => {
                let value = &line[start + KEY.len()..];
                let end = value.find([',', '}']).expect("a value after \"seconds\"");
                format!("{}{}", &line[..start], &value[end..])
            }
            None => line.to_string(),
        })
        .collect()
}

/// `bytes` gzipped.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// A CIFAR-10 sample PNG of ../shared/data (named `…_<label>.png`) as a binary batch record:
/// the label byte, then the red, green and blue planes. Returns the label and the record.
pub fn cifar_record(png: &Path) -> (u8, Vec<u8>) {
    let stem = png.file_stem().unwrap().to_str().unwrap().to_string();
    let label: u8 = stem.rsplit('_').next().unwrap().parse().unwrap();
    let rgb = image::open(png).unwrap().to_rgb8();
    let mut record = vec![label];
    for channel in 0..3 {
        record.extend(rgb.pixels().map(|p| p[channel]));
    }
    (label, record)
}

/// The CIFAR-10 sample PNGs of ../shared/data in name order as binary batch records (see
/// [`cifar_record`]), and their labels.
pub fn cifar_sample_records() -> (Vec<u8>, Vec<i64>) {
    let samples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/cifar10-samples");
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(samples)
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .collect();
    paths.sort();
    let mut records = Vec::new();
    let mut labels = Vec::new();
    for path in paths {
        let (label, record) = cifar_record(&path);
        records.extend(record);
        labels.push(i64::from(label));
    }
    (records, labels)
}

/// A CIFAR-10 folder made of the samples: 4 images in each train batch, all 20 in the test.
pub fn write_fake_cifar(folder: &Path) {
    let (records, _) = cifar_sample_records();
    std::fs::create_dir_all(folder).unwrap();
    for (index, chunk) in records
        .chunks(4 * lsgan::data::images::cifar::RECORD_BYTES)
        .enumerate()
    {
        std::fs::write(folder.join(format!("data_batch_{}.bin", index + 1)), chunk).unwrap();
    }
    std::fs::write(folder.join("test_batch.bin"), &records).unwrap();
}

/// `value` without what changes from one run to the next: timings and folder paths.
pub fn without_timings_and_paths(value: serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match value {
        Value::Object(map) => Value::Object(
            map.into_iter()
                .filter(|(key, _)| !key.contains("seconds") && key != "run_dir")
                .map(|(key, value)| (key, without_timings_and_paths(value)))
                .collect(),
        ),
        Value::Array(items) => {
            Value::Array(items.into_iter().map(without_timings_and_paths).collect())
        }
        other => other,
    }
}

/// The JSON file `path`, parsed.
pub fn read_json(path: &Path) -> serde_json::Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The names in a folder, sorted.
pub fn folder_entries(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// The folder of the shared test data (MNIST, Fashion-MNIST, CIFAR-10 samples).
pub fn shared_data_dir() -> String {
    format!("{}/../shared/data", env!("CARGO_MANIFEST_DIR"))
}

/// The options of a tiny MNIST run of `iters` iterations measured on `eval_samples` samples:
/// 8-wide networks, batch 16, a log line, a sample grid and a checkpoint every 3 iterations,
/// one thread, quiet.
pub fn tiny_mnist_run(iters: &str, eval_samples: &str) -> Vec<String> {
    let data_dir = shared_data_dir();
    [
        "--data",
        "mnist",
        "--data-dir",
        &data_dir,
        "--iters",
        iters,
        "--log-every",
        "3",
        "--sample-every",
        "3",
        "--checkpoint-every",
        "3",
        "--gen-width",
        "8",
        "--critic-width",
        "8",
        "--batch-size",
        "16",
        "--eval-samples",
        eval_samples,
        "--threads",
        "1",
        "--quiet",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// Asserts exit 2 and a one-line error (the last line of standard error) naming each of
/// `what`.
pub fn assert_refused(output: Output, what: &[&str]) {
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    let error = stderr.trim().lines().last().unwrap_or_default();
    assert!(error.starts_with("error: "), "{stderr}");
    for part in what {
        assert!(error.contains(part), "{part:?} not in {stderr}");
    }
}

/// `p` as a command-line argument.
pub fn path_text(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// What the lsgan binary does with `args`.
pub fn lsgan_output(args: &[String]) -> Output {
    lsgan().args(args).output().expect("the lsgan binary runs")
}

/// Asserts that the sample grid of the MNIST run in `run` holds `cells` × `cells` images:
/// 28 pixels each with 2-pixel gaps, every pixel drawn 2 × 2, under a 30-pixel caption.
pub fn assert_mnist_grid(run: &Path, cells: u32) {
    let grid = image::open(run.join("samples.png")).unwrap();
    let side = 2 * (cells * 30 + 2);
    assert_eq!((grid.width(), grid.height()), (side, side + 30));
}
