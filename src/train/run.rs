//! A whole training job, top to bottom: resolve the data, create the run folder, train for
//! `iters` generator steps with a progress bar, log and evaluate every `log_every`
//! iterations, then save the weights, the final metrics and the pictures.

use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::config::TrainConfig;
use crate::data::PointData;
use crate::error::Result;
use crate::metrics::ToyMetrics;
use crate::report::plots::{draw_landscape, draw_loss_curves, grid_points, Landscape};
use crate::report::run_dir::{self, RunDir};
use crate::train::{LogRecord, Trainer};

/// Cells per side of the critic heat map.
const LANDSCAPE_RESOLUTION: usize = 150;

/// How a run talks to the terminal and treats an existing folder.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Replace a run already in the folder.
    pub force: bool,
    /// Show a progress bar and print each logged line to stderr.
    pub verbose: bool,
}

/// What `final_metrics.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    pub loss: String,
    pub data: String,
    pub seed: u64,
    pub iterations: u64,
    pub seconds: f64,
    pub seconds_per_iteration: f64,
    pub device: String,
    #[serde(flatten)]
    pub metrics: ToyMetrics,
}

/// Trains with `config` and writes the run folder `out`.
pub fn train(config: TrainConfig, out: &Path, options: RunOptions) -> Result<RunSummary> {
    let data = PointData::from_spec(&config.data)?;
    let run = RunDir::create(out, options.force)?;
    run.write_config(&config)?;
    let mut log = run.metrics_log()?;
    let mut trainer = Trainer::new(config, data)?;
    let config = trainer.config.clone();

    let progress = progress_bar(config.iters, options.verbose);
    let mut interval = Vec::with_capacity(config.log_every as usize);
    let mut history = Vec::new();
    let started = Instant::now();
    for iteration in 1..=config.iters {
        interval.push(trainer.step()?);
        progress.inc(1);
        if iteration % config.log_every == 0 || iteration == config.iters {
            let record = LogRecord::new(iteration, &interval, trainer.evaluate());
            interval.clear();
            log.append(&record)?;
            if options.verbose {
                progress.suspend(|| eprintln!("{}", record.summary()));
            }
            history.push(record);
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    progress.finish_and_clear();

    run.save_weights(&trainer.generator_store, run_dir::GENERATOR_FILE)?;
    run.save_weights(&trainer.critic_store, run_dir::CRITIC_FILE)?;
    let summary = RunSummary {
        loss: config.loss.name().into(),
        data: trainer.data.name().into(),
        seed: config.seed,
        iterations: config.iters,
        seconds,
        seconds_per_iteration: seconds / config.iters as f64,
        device: format!("{:?}", trainer.device),
        metrics: history
            .last()
            .map_or_else(|| trainer.evaluate(), |r| r.metrics.clone()),
    };
    run.write_json(run_dir::FINAL_METRICS_FILE, &summary)?;
    draw_pictures(&run, &trainer, &history)?;
    Ok(summary)
}

fn progress_bar(iterations: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(iterations);
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} iterations  {per_sec}  ETA {eta}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn draw_pictures(run: &RunDir, trainer: &Trainer, history: &[LogRecord]) -> Result<()> {
    let config = &trainer.config;
    let bounds = trainer.data.plot_bounds();
    let cells = grid_points(bounds, LANDSCAPE_RESOLUTION);
    let flat: Vec<f32> = cells.iter().flat_map(|&(x, y)| [x, y]).collect();
    let grid = Tensor::from_slice(&flat).view([-1, 2]);
    let scores = Vec::<f32>::try_from(trainer.critic_scores(&grid))?;
    let real = points_of(&trainer.eval_real())?;
    let generated = points_of(&trainer.eval_samples())?;
    let title = format!(
        "{} on {}, iteration {}: L(x), real (white), generated (red)",
        config.loss.name(),
        trainer.data.name(),
        trainer.iteration
    );
    draw_landscape(
        &run.file(run_dir::LANDSCAPE_FILE),
        &Landscape {
            title: &title,
            bounds,
            resolution: LANDSCAPE_RESOLUTION,
            scores: &scores,
            real: &real,
            generated: &generated,
        },
    )?;
    let title = format!(
        "{} on {}, seed {}",
        config.loss.name(),
        trainer.data.name(),
        config.seed
    );
    draw_loss_curves(&run.file(run_dir::LOSS_CURVES_FILE), &title, history)
}

/// Rows of an [n, 2] tensor as (x, y) pairs.
pub fn points_of(points: &Tensor) -> Result<Vec<(f32, f32)>> {
    let flat = Vec::<f32>::try_from(points.to_kind(tch::Kind::Float).contiguous().view([-1]))?;
    Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}
