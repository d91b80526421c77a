//! A whole training job, top to bottom: resolve the data, create the run folder, train for
//! `iters` generator steps with a progress bar, log and evaluate every `log_every`
//! iterations, checkpoint every `checkpoint_every` (and on SIGINT or SIGTERM), then save the
//! weights, the final metrics and the pictures. [`resume`] continues a run from its
//! checkpoint. When training fails (divergence, a full disk, …) the error says which
//! checkpoint is intact and how to continue from it.

use std::path::Path;
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::config::{CriticOutput, TrainConfig};
use crate::data::TrainingData;
use crate::error::{Error, Result};
use crate::metrics::{Allocation, Diagnostics, Evaluation};
use crate::report::diagnostic_plots::{draw_allocation, draw_diagnostics, write_allocation_csv};
use crate::report::grid::{square_columns, write_grid};
use crate::report::plots::{draw_landscape, draw_loss_curves, grid_points, Landscape};
use crate::report::run_dir::{self, JsonLines, RunDir};
use crate::train::checkpoint::{
    self, Checkpoint, Progress, CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE,
    SET_ASIDE_CHECKPOINT_FILE,
};
use crate::train::{precision, stop_signal, LogRecord, Trainer};

/// Cells per side of the critic heat map.
const LANDSCAPE_RESOLUTION: usize = 150;
/// Images in a sample grid (8×8).
const GRID_IMAGES: usize = 64;

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
    pub metrics: Evaluation,
}

/// Which checkpoint [`resume`] continues from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeFrom {
    /// `checkpoint.safetensors`, the latest.
    Latest,
    /// `checkpoint.previous.safetensors`, the one before it (when the latest is damaged);
    /// the latest is set aside as `checkpoint.damaged.safetensors`, not deleted.
    Previous,
}

/// Trains with `config` and writes the run folder `out`.
pub fn train(config: TrainConfig, out: &Path, options: RunOptions) -> Result<RunSummary> {
    let data = TrainingData::load(&config, 0)?;
    let config = data.complete(config);
    let run = RunDir::create(out, options.force)?;
    run.write_config(&config)?;
    let log = run.metrics_log()?;
    let trainer = Trainer::new(config, data)?;
    run_loop(&run, trainer, log, Vec::new(), Progress::default(), options)
}

/// Continues the run in `out` from its checkpoint (`from`) up to `iters` iterations
/// (default: the run's own budget); a run stopped before its first checkpoint starts again
/// from iteration 0, one stopped while writing its results writes them. On the CPU the
/// result equals that of a run never interrupted.
pub fn resume(
    out: &Path,
    iters: Option<u64>,
    from: ResumeFrom,
    options: RunOptions,
) -> Result<RunSummary> {
    let run = RunDir::open_to_resume(out)?;
    let mut config = run.read_config()?;
    let checkpoint = checkpoint_to_resume(&run, from)?;
    let done = match &checkpoint {
        Some(checkpoint) => checkpoint.iteration()?,
        None => 0,
    };
    if let Some(iters) = iters {
        config.iters = iters;
    }
    // A run stopped at its last iteration while writing its results only needs those.
    let results_missing = !run.file(run_dir::FINAL_METRICS_FILE).exists();
    if done > config.iters || (done == config.iters && !results_missing) {
        return Err(Error::bad_input(format!(
            "{}: the run is at iteration {done} of {}; pass --iters with a larger total to train further",
            out.display(),
            config.iters
        )));
    }
    run.write_config(&config)?;
    let data = TrainingData::load(&config, done * config.critic_steps as u64)?;
    let mut trainer = Trainer::new(config, data)?;
    let progress = match &checkpoint {
        Some(checkpoint) => checkpoint.restore(&mut trainer)?,
        None => Progress::default(),
    };
    let history: Vec<LogRecord> = run
        .read_metrics_log()?
        .into_iter()
        .filter(|record| record.iteration <= done)
        .collect();
    let log = run.rewrite_metrics_log(&history)?;
    run_loop(&run, trainer, log, history, progress, options)
}

/// The checkpoint `resume` continues from; `None` when the run was stopped before its
/// first one.
fn checkpoint_to_resume(run: &RunDir, from: ResumeFrom) -> Result<Option<Checkpoint>> {
    let latest = run.file(CHECKPOINT_FILE);
    let previous = run.file(PREVIOUS_CHECKPOINT_FILE);
    let use_previous = format!(
        "`lsgan resume {} --previous-checkpoint` continues from the checkpoint before it",
        run.path.display()
    );
    match from {
        ResumeFrom::Previous => {
            if !previous.is_file() {
                return Err(Error::bad_input(format!(
                    "{}: there is no previous checkpoint ({PREVIOUS_CHECKPOINT_FILE} is missing)",
                    run.path.display()
                )));
            }
            let checkpoint = Checkpoint::read(&previous)?;
            if latest.is_file() {
                let aside = run.file(SET_ASIDE_CHECKPOINT_FILE);
                std::fs::rename(&latest, &aside).map_err(|e| Error::io("renaming", &latest, e))?;
                eprintln!(
                    "note: the latest checkpoint is set aside as {}",
                    aside.display()
                );
            }
            Ok(Some(checkpoint))
        }
        ResumeFrom::Latest if latest.is_file() => match Checkpoint::read(&latest) {
            Ok(checkpoint) => Ok(Some(checkpoint)),
            Err(e) if previous.is_file() => Err(e.advise(use_previous)),
            Err(e) => Err(e),
        },
        ResumeFrom::Latest if previous.is_file() => Err(Error::bad_input(format!(
            "{}: {CHECKPOINT_FILE} is missing; {use_previous}",
            run.path.display()
        ))),
        ResumeFrom::Latest => {
            eprintln!(
                "note: {} has no checkpoint yet; training starts again from iteration 0",
                run.path.display()
            );
            Ok(None)
        }
    }
}

/// `error`, with what the user can do next: which checkpoint is intact and how to continue
/// from it.
fn advise_after_failure(error: Error, run: &RunDir, last_checkpoint: Option<u64>) -> Error {
    let folder = run.path.display();
    let advice = match (&error, last_checkpoint) {
        (Error::Diverged(_), Some(iteration)) => format!(
            "the last checkpoint, of iteration {iteration}, was written before and is kept; to \
             continue from it with other settings, edit {folder}/config.toml and run `lsgan \
             resume {folder}`"
        ),
        (Error::Diverged(_), None) => "no checkpoint had been written yet".to_string(),
        (_, Some(iteration)) => format!(
            "the checkpoint of iteration {iteration} is intact; once the cause is fixed, `lsgan \
             resume {folder}` continues from it"
        ),
        (_, None) => format!(
            "no checkpoint had been written yet; once the cause is fixed, `lsgan resume \
             {folder}` starts the run again"
        ),
    };
    error.advise(advice)
}

/// Steps `trainer` from its iteration to its budget, logging, checkpointing and, at the
/// end, writing weights, final metrics and pictures.
fn run_loop(
    run: &RunDir,
    mut trainer: Trainer,
    mut log: JsonLines,
    mut history: Vec<LogRecord>,
    mut progress: Progress,
    options: RunOptions,
) -> Result<RunSummary> {
    stop_signal::watch();
    let config = trainer.config.clone();
    if let Some(warning) = precision::slow_on_this_machine(config.precision, trainer.device) {
        eprintln!("warning: {warning}");
    }
    let bar = progress_bar(config.iters, trainer.iteration, options.verbose);
    let (earlier_seconds, started) = (progress.seconds, Instant::now());
    let seconds_so_far = || earlier_seconds + started.elapsed().as_secs_f64();
    let mut warned_flat_critic = false;
    // The iteration of the checkpoint on disk, which the advice on failure names.
    let mut last_checkpoint = (trainer.iteration > 0).then_some(trainer.iteration);
    // The last iteration's diagnosis, reused for the allocation picture.
    let mut final_diagnosis = None;
    while trainer.iteration < config.iters {
        let failed = |error: Error| advise_after_failure(error, run, last_checkpoint);
        progress.interval.push(trainer.step().map_err(failed)?);
        let iteration = trainer.iteration;
        bar.inc(1);
        if iteration.is_multiple_of(config.log_every) || iteration == config.iters {
            let (diagnostics, allocation) = trainer.diagnose();
            if diagnostics.critic_is_flat() && !warned_flat_critic {
                warned_flat_critic = true;
                let warning = flat_critic_warning(&config, iteration);
                bar.suspend(|| eprintln!("warning: {}: {warning}", run.path.display()));
            }
            if iteration == config.iters {
                final_diagnosis = Some((diagnostics.clone(), allocation));
            }
            let record = LogRecord::new(
                iteration,
                &progress.interval,
                trainer.evaluate(),
                Some(diagnostics),
            );
            progress.interval.clear();
            log.append(&record).map_err(failed)?;
            if options.verbose {
                bar.suspend(|| eprintln!("{}", record.summary()));
            }
            history.push(record);
        }
        if config.sample_every > 0
            && iteration.is_multiple_of(config.sample_every)
            && trainer.data.images().is_some()
        {
            write_sample_grid(run, &trainer).map_err(failed)?;
        }
        let stop = stop_signal::received();
        let due = config.checkpoint_every > 0 && iteration.is_multiple_of(config.checkpoint_every);
        if due || stop.is_some() || iteration == config.iters {
            progress.seconds = seconds_so_far();
            trainer.check_weights().map_err(failed)?;
            checkpoint::save(&trainer, &progress, &run.file(CHECKPOINT_FILE)).map_err(failed)?;
            last_checkpoint = Some(iteration);
        }
        if let Some(signal) = stop.filter(|_| iteration < config.iters) {
            bar.abandon();
            return Err(Error::Interrupted {
                message: format!(
                    "stopped by {} at iteration {iteration}; checkpoint written; continue with \
                     `lsgan resume {}`",
                    signal.name(),
                    run.path.display()
                ),
                exit_code: signal.exit_code(),
            });
        }
    }
    let seconds = seconds_so_far();
    bar.finish_and_clear();
    let final_diagnosis = final_diagnosis.unwrap_or_else(|| trainer.diagnose());
    write_results(run, &trainer, &history, &final_diagnosis, seconds)
        .map_err(|error| advise_after_failure(error, run, last_checkpoint))
}

/// The results of a finished run: final weights, pictures and, last, `final_metrics.json`,
/// whose presence marks the run finished (`resume` and `compare` read it so).
fn write_results(
    run: &RunDir,
    trainer: &Trainer,
    history: &[LogRecord],
    final_diagnosis: &(Diagnostics, Allocation),
    seconds: f64,
) -> Result<RunSummary> {
    let config = &trainer.config;
    run.save_weights(&trainer.generator_store, run_dir::GENERATOR_FILE)?;
    run.save_weights(&trainer.critic_store, run_dir::CRITIC_FILE)?;
    if let Some(ema) = &trainer.ema {
        run.save_weights(&ema.store, run_dir::EMA_GENERATOR_FILE)?;
    }
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
    draw_pictures(run, trainer, history, final_diagnosis)?;
    run.write_json(run_dir::FINAL_METRICS_FILE, &summary)?;
    Ok(summary)
}

/// The warning printed (once, even with `--quiet`) when the critic has gone flat.
fn flat_critic_warning(config: &TrainConfig, iteration: u64) -> String {
    let remedy = match config.critic_output {
        CriticOutput::Relu => format!(
            "its ReLU output is stuck at 0 and will not recover; rerun with a larger \
             --critic-output-bias (this run: {}), another --lr-critic (lower helped on the \
             ring, higher on the grid), a smaller --margin-scale or another --seed",
            config.critic_output_bias
        ),
        CriticOutput::Softplus => "its softplus output has sunk to L ≈ 0 and will not come \
             back; rerun with --critic-output linear (which kept GLS-GAN's critic alive on \
             MNIST where softplus sank), a lower --lr-critic or a smaller --margin-scale"
            .into(),
        CriticOutput::Linear => {
            "try a lower learning rate (--lr-critic) or a smaller margin (--margin-scale)".into()
        }
    };
    format!(
        "at iteration {iteration} the critic is flat (‖∇L‖ ≈ 0 on the real and generated \
         evaluation samples), so the generator gets no gradient: {remedy}"
    )
}

fn progress_bar(iterations: u64, done: u64, visible: bool) -> ProgressBar {
    if !visible {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(iterations);
    bar.set_position(done);
    bar.reset_eta();
    let style = ProgressStyle::with_template(
        "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} iterations  {per_sec}  ETA {eta}",
    );
    if let Ok(style) = style {
        bar.set_style(style);
    }
    bar
}

fn draw_pictures(
    run: &RunDir,
    trainer: &Trainer,
    history: &[LogRecord],
    (diagnostics, allocation): &(Diagnostics, Allocation),
) -> Result<()> {
    let config = &trainer.config;
    let title = format!(
        "{} on {}, seed {}",
        config.loss.name(),
        trainer.data.name(),
        config.seed
    );
    draw_loss_curves(&run.file(run_dir::LOSS_CURVES_FILE), &title, history)?;
    draw_diagnostics(&run.file(run_dir::DIAGNOSTICS_FILE), &title, history)?;
    write_allocation_csv(&run.file(run_dir::ALLOCATION_DATA_FILE), allocation)?;
    let correlation = diagnostics
        .allocation_rank_correlation
        .map_or_else(|| "undefined".into(), |rho| format!("{rho:.2}"));
    draw_allocation(
        &run.file(run_dir::ALLOCATION_PLOT_FILE),
        &format!(
            "{title}, iteration {}: allocation on demand (rank correlation {correlation})",
            trainer.iteration
        ),
        allocation,
    )?;
    if trainer.data.images().is_some() {
        let grid = trainer.grid_samples(GRID_IMAGES);
        return write_grid(
            &run.file(run_dir::SAMPLES_FILE),
            &grid,
            square_columns(GRID_IMAGES),
        );
    }
    let Some(points) = trainer.data.points() else {
        return Ok(());
    };
    let bounds = points.plot_bounds();
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
    )
}

/// The grid of the fixed noise batch at this iteration: `samples/iter_NNNNNN.png`.
fn write_sample_grid(run: &RunDir, trainer: &Trainer) -> Result<()> {
    let folder = run.file(run_dir::SAMPLES_FOLDER);
    std::fs::create_dir_all(&folder).map_err(|e| Error::io("creating", &folder, e))?;
    let path = folder.join(format!("iter_{:06}.png", trainer.iteration));
    write_grid(
        &path,
        &trainer.grid_samples(GRID_IMAGES),
        square_columns(GRID_IMAGES),
    )
}

/// Rows of an [n, 2] tensor as (x, y) pairs.
pub fn points_of(points: &Tensor) -> Result<Vec<(f32, f32)>> {
    let flat = Vec::<f32>::try_from(points.to_kind(tch::Kind::Float).contiguous().view([-1]))?;
    Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}
