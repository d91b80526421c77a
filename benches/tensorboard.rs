//! What TensorBoard's events and the interval pictures cost a finished run, timed in this
//! process rather than read off two whole runs (whose wall clocks differ by 10-20% on a
//! shared machine, far more than the cost): the events of RUN_DIR written again, as its
//! training wrote them (the options, every metrics.jsonl line's scalars, each
//! `samples/iter_*.png` as an image, the end), into a scratch folder; and the making of one critic
//! landscape, the picture a 2-D run draws at each sample interval (the snapshot of the
//! networks, the drawing, the PNG). Each is timed
//! `REPEATS` times; the medians are set beside the run's own training loop
//! (final_metrics.json's `seconds`). A benchmark, not a test: BENCHMARKS.md ("TensorBoard's
//! cost") holds its table.
//!
//! Usage: cargo bench --bench tensorboard -- RUN_DIR   (a finished 2-D run, e.g. the demo's)

use std::path::{Path, PathBuf};
use std::time::Instant;

use lsgan::report::grid::png_bytes;
use lsgan::report::plots::landscape_picture;
use lsgan::report::tensorboard::{TensorBoardEvents, LANDSCAPE_TAG};
use lsgan::storage::RunDir;
use lsgan::train::config::TrainConfig;
use lsgan::train::outputs::Snapshot;
use lsgan::train::{LogRecord, RunSummary, Trainer};

const REPEATS: usize = 15;

fn median(mut seconds: Vec<f64>) -> f64 {
    seconds.sort_by(f64::total_cmp);
    seconds[seconds.len() / 2]
}

/// The run's interval pictures, decoded, with their iterations.
fn interval_pictures(run: &Path) -> Vec<(u64, image::RgbImage, Vec<u8>)> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(run.join("samples"))
        .map(|entries| entries.map(|e| e.unwrap().path()).collect())
        .unwrap_or_default();
    paths.sort();
    paths
        .into_iter()
        .map(|path| {
            let stem = path.file_stem().unwrap().to_string_lossy().into_owned();
            let iteration = stem.trim_start_matches("iter_").parse().unwrap();
            let png = std::fs::read(&path).unwrap();
            (iteration, image::open(&path).unwrap().to_rgb8(), png)
        })
        .collect()
}

fn main() {
    let Some(run) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench tensorboard -- RUN_DIR");
        std::process::exit(2);
    };
    let run = PathBuf::from(run);
    let folder = RunDir::open_finished(&run).unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    });
    let config = TrainConfig::read_from(&folder).unwrap();
    let records: Vec<LogRecord> = folder.read_metrics_log().unwrap();
    let pictures = interval_pictures(&run);
    let loop_seconds = RunSummary::read(&run).unwrap().seconds;

    let events_seconds = median(
        (0..REPEATS)
            .map(|_| {
                let scratch = tempfile::tempdir().unwrap();
                let started = Instant::now();
                let mut events = TensorBoardEvents::start(&config, scratch.path(), 0, None);
                for record in &records {
                    events.log(record);
                }
                for (iteration, picture, png) in &pictures {
                    events.picture(LANDSCAPE_TAG, *iteration, picture, png);
                }
                events.finish(records.last().map_or(0, |r| r.iteration));
                started.elapsed().as_secs_f64()
            })
            .collect(),
    );

    // One interval's picture as the loop makes it: the snapshot of a trainer of the run's
    // configuration (the critic on the landscape's grid, the generator on the evaluation
    // noise), drawn and encoded.
    let data = config.load_data(0).unwrap();
    let trainer = Trainer::new(config.clone(), data).unwrap();
    let path = Path::new("landscape.png");
    let picture_seconds = median(
        (0..REPEATS)
            .map(|_| {
                let started = Instant::now();
                let snapshot = Snapshot::of(&trainer).unwrap();
                let landscape = snapshot.landscape.expect("a 2-D run");
                let picture = landscape_picture(path, &snapshot.title, &landscape).unwrap();
                std::hint::black_box(png_bytes(&picture, path).unwrap());
                started.elapsed().as_secs_f64()
            })
            .collect(),
    );
    let intervals = pictures.len();
    println!(
        "{} ({} logged lines, {intervals} interval pictures; its training loop {loop_seconds:.2} s), \
         medians of {REPEATS}",
        run.display(),
        records.len()
    );
    println!();
    println!("| what | seconds a run | share of the run's training loop |");
    println!("|---|---|---|");
    println!(
        "| TensorBoard events: the options (as text and as hyperparameters), {} lines' scalars, {intervals} pictures, the end | {events_seconds:.4} | {:.3}% |",
        records.len(),
        100.0 * events_seconds / loop_seconds
    );
    let drawn = picture_seconds * intervals as f64;
    println!(
        "| the {intervals} interval landscapes: snapshot, drawing, PNG ({:.1} ms each) | {drawn:.3} | {:.2}% |",
        1000.0 * picture_seconds,
        100.0 * drawn / loop_seconds
    );
}
