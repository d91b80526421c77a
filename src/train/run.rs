//! The training loop, top to bottom: train from the trainer's iteration to the budget
//! (`iters` generator steps, `time_budget` seconds or `critic_budget` critic steps, whichever
//! comes first) with a progress
//! bar; log and evaluate every `log_every` iterations, hand a picture's snapshot out every
//! `sample_every`, checkpoint every `checkpoint_every` (and on SIGINT or SIGTERM), then hand
//! out the results. Everything written goes through one call on an [`Outputs`] object; the
//! loop itself only trains. When training fails (divergence, a full disk, …) the error says
//! which checkpoint is intact and how to continue from it.

use std::path::Path;
use std::time::Instant;

use crate::error::{Error, Result};
use crate::nets::options::CriticOutput;
use crate::train::checkpoint::Progress;
use crate::train::config::TrainConfig;
use crate::train::outputs::{Outputs, Results, Snapshot};
use crate::train::trainer::device_name;
use crate::train::{precision, stop_signal, LogRecord, RunSummary, Trainer};
use indicatif::{ProgressBar, ProgressStyle};

/// How a run talks to the terminal and treats an existing folder.
#[derive(Clone, Copy, Debug)]
pub struct RunOptions {
    /// Replace a run already in the folder.
    pub force: bool,
    /// Show a progress bar and print each logged line to stderr.
    pub verbose: bool,
}

/// `error`, with what the user can do next: which checkpoint is intact and how to continue
/// from it.
pub fn advise_after_failure(error: Error, folder: &Path, last_checkpoint: Option<u64>) -> Error {
    let folder = folder.display();
    let advice = match (&error, last_checkpoint) {
        (Error::Diverged(_), Some(iteration)) => format!(
            "the last checkpoint, of iteration {iteration}, was written before and is kept; to \
             continue from it with other settings, edit {folder}/config.toml and run `lsgan \
             resume {folder}`"
        ),
        (Error::Diverged(_), None) => format!(
            "no checkpoint had been written yet, so `lsgan train` with other settings may start \
             again in {folder} (no --force needed)"
        ),
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

/// Steps `trainer` from its iteration to its budget (its iterations, or its time budget,
/// whichever comes first), handing every logged line, sample grid and checkpoint to
/// `outputs` and, at the end, the results. `folder` names the run in messages; `history` is
/// what was logged before (a resumed run's).
pub fn run_to_budget(
    mut trainer: Trainer,
    outputs: &mut dyn Outputs,
    folder: &Path,
    mut history: Vec<LogRecord>,
    mut progress: Progress,
    options: RunOptions,
) -> Result<RunSummary> {
    stop_signal::watch();
    let config = trainer.config.clone();
    if let Some(warning) = precision::slow_on_this_machine(config.runtime.precision, trainer.device)
    {
        eprintln!("warning: {warning}");
    }
    let iters = config.budget.iters;
    let bar = progress_bar(iters, trainer.iteration, options.verbose);
    let (earlier_seconds, started) = (progress.seconds, Instant::now());
    let seconds_so_far = || earlier_seconds + started.elapsed().as_secs_f64();
    // The last sample interval's snapshot, reused for the final pictures when it is of the
    // last iteration.
    let mut last_sample: Option<Snapshot> = None;
    let mut warned_flat_critic = false;
    // The iteration of the checkpoint on disk, which the advice on failure names.
    let mut last_checkpoint = (trainer.iteration > 0).then_some(trainer.iteration);
    // The last iteration's diagnosis, reused for the allocation picture.
    let mut final_diagnosis = None;
    while trainer.iteration < iters {
        let failed = |error: Error| advise_after_failure(error, folder, last_checkpoint);
        let step_started = Instant::now();
        progress.interval.push(trainer.step().map_err(failed)?);
        progress.step_seconds += step_started.elapsed().as_secs_f64();
        let iteration = trainer.iteration;
        bar.inc(1);
        let critic_steps = iteration * config.optimiser.critic_steps as u64;
        let last = iteration == iters
            || config.budget.time_is_up(seconds_so_far())
            || config.budget.critic_steps_are_up(critic_steps);
        if iteration.is_multiple_of(config.outputs.log_every) || last {
            let (diagnostics, allocation) = trainer.diagnose();
            if diagnostics.critic_is_flat() && !warned_flat_critic {
                warned_flat_critic = true;
                let warning = flat_critic_warning(&config, iteration);
                bar.suspend(|| eprintln!("warning: {}: {warning}", folder.display()));
            }
            if last {
                final_diagnosis = Some((diagnostics.clone(), allocation));
            }
            let record = LogRecord::new(
                iteration,
                progress.step_seconds,
                &progress.interval,
                trainer.evaluate().map_err(failed)?,
                Some(diagnostics),
            );
            progress.interval.clear();
            outputs.log(&record).map_err(failed)?;
            if options.verbose {
                bar.suspend(|| eprintln!("{}", record.summary()));
            }
            history.push(record);
        }
        if config.outputs.sample_every > 0 && iteration.is_multiple_of(config.outputs.sample_every)
        {
            let snapshot = Snapshot::of(&trainer).map_err(failed)?;
            outputs.sample(&snapshot).map_err(failed)?;
            last_sample = Some(snapshot);
        }
        let stop = stop_signal::received();
        let due = config.outputs.checkpoint_every > 0
            && iteration.is_multiple_of(config.outputs.checkpoint_every);
        if due || stop.is_some() || last {
            progress.seconds = seconds_so_far();
            trainer.check_weights().map_err(failed)?;
            outputs.checkpoint(&trainer, &progress).map_err(failed)?;
            last_checkpoint = Some(iteration);
        }
        if let Some(signal) = stop.filter(|_| !last) {
            bar.abandon();
            return Err(Error::Interrupted {
                message: format!(
                    "stopped by {} at iteration {iteration}; checkpoint written; continue with \
                     `lsgan resume {}`",
                    signal.name(),
                    folder.display()
                ),
                exit_code: signal.exit_code(),
            });
        }
        if last {
            break;
        }
    }
    let seconds = seconds_so_far();
    bar.finish_and_clear();
    let final_diagnosis = final_diagnosis.unwrap_or_else(|| trainer.diagnose());
    let done = trainer.iteration;
    let summary = RunSummary {
        loss: config.objective.loss.name().into(),
        data: trainer.data.name().into(),
        seed: config.runtime.seed,
        iterations: done,
        seconds,
        seconds_per_iteration: seconds / done.max(1) as f64,
        device: device_name(trainer.device),
        precision: config.runtime.precision,
        metrics: match history.last() {
            Some(record) => record.metrics.clone(),
            None => trainer.evaluate()?,
        },
    };
    let mut finish = || -> Result<()> {
        let results = Results {
            summary: &summary,
            history: &history,
            diagnosis: &final_diagnosis,
            snapshot: match last_sample.take() {
                Some(snapshot) if snapshot.iteration == trainer.iteration => snapshot,
                _ => Snapshot::of(&trainer)?,
            },
        };
        outputs.finish(&trainer, &results)
    };
    finish().map_err(|error| advise_after_failure(error, folder, last_checkpoint))?;
    Ok(summary)
}

/// The warning printed (once, even with `--quiet`) when the critic has gone flat.
fn flat_critic_warning(config: &TrainConfig, iteration: u64) -> String {
    let remedy = match config.networks.critic_output {
        CriticOutput::Relu => format!(
            "its ReLU output is stuck at 0 and will not recover; rerun with a larger \
             --critic-output-bias (this run: {}), another --lr-critic (lower helped on the \
             ring, higher on the grid), a smaller --margin-scale or another --seed",
            config.networks.critic_output_bias
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
