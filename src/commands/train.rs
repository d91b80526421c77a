//! `lsgan train` and `lsgan resume`: a whole training job into a run folder. [`train`]
//! creates the folder, writes the configuration and trains; [`resume`] continues a run from
//! its checkpoint. Both hand the training loop (`train::run`) the run folder's outputs
//! (`report::run_outputs`). The command-line functions print what a person reads: where
//! the run goes and, at the end, its result in one line.

use std::path::{Path, PathBuf};

use crate::data::PointData;
use crate::error::{Error, Result};
use crate::report::run_outputs::RunFolderOutputs;
use crate::report::tensorboard::TensorBoardEvents;
use crate::storage::files::{
    self, CHECKPOINT_FILE, PREVIOUS_CHECKPOINT_FILE, SET_ASIDE_CHECKPOINT_FILE,
};
use crate::storage::RunDir;
use crate::train::checkpoint::{Checkpoint, Progress};
use crate::train::config::TrainConfig;
use crate::train::flags::ConfigFlags;
use crate::train::run::{run_to_budget, RunOptions};
use crate::train::trainer::{device_name, pick_device};
use crate::train::{LogRecord, RunSummary, Trainer};

/// Which checkpoint [`resume`] continues from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResumeFrom {
    /// `checkpoint.safetensors`, the latest.
    Latest,
    /// `checkpoint.previous.safetensors`, the one before it (when the latest is damaged);
    /// the latest is set aside as `checkpoint.damaged.safetensors`, not deleted.
    Previous,
}

/// `labelled.json`: which training images a CLS-GAN run kept labelled (indices into the
/// data set's training split, ascending; absent when every image kept its label), the seed
/// that chose them, and the names of the classes by number (a folder's subfolders).
#[derive(serde::Serialize)]
struct LabelledRecord<'a> {
    data: String,
    split: &'static str,
    count: usize,
    seed: u64,
    classes: &'a [String],
    #[serde(skip_serializing_if = "Option::is_none")]
    indices: Option<&'a [i64]>,
}

/// Trains with `config` and writes the run folder `out`.
pub fn train(config: TrainConfig, out: &Path, options: RunOptions) -> Result<RunSummary> {
    train_announced(config, out, options, || {})
}

/// [`train`], calling `announce` once the start can no longer fail on the data, the device
/// or the folder, so that a refused start prints its error alone.
pub fn train_announced(
    config: TrainConfig,
    out: &Path,
    options: RunOptions,
    announce: impl FnOnce(),
) -> Result<RunSummary> {
    let data = config.load_data(0)?;
    let mut config = config;
    config.data = data.complete(config.data);
    // The trainer first: a start that fails (no GPU for `--device cuda`) leaves no folder.
    let trainer = Trainer::new(config.clone(), data)?;
    let run = RunDir::create(out, options.force)?;
    announce();
    config.write_into(&run)?;
    if let Some(standardisation) = trainer.data().points().and_then(PointData::standardisation) {
        run.write_json(files::STANDARDISATION_FILE, standardisation)?;
    }
    let images = trainer.data().images();
    if let Some((images, labelled)) = images.and_then(|i| Some((i, i.labelled.as_ref()?))) {
        let record = LabelledRecord {
            data: config.data.data.to_string(),
            split: "train",
            count: labelled.indices.len(),
            seed: config.runtime.seed,
            classes: &images.train.class_names,
            // Every image (`--labels 0`): no list to keep.
            indices: (config.data.labels != 0).then_some(&labelled.indices[..]),
        };
        run.write_json(files::LABELLED_FILE, &record)?;
    }
    let log = run.metrics_log()?;
    let events = TensorBoardEvents::start(&config, out, 0, None);
    let mut outputs = RunFolderOutputs::new(run, log, events);
    run_to_budget(
        trainer,
        &mut outputs,
        out,
        Vec::new(),
        Progress::default(),
        options,
    )
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
    let mut config = TrainConfig::read_from(&run)?;
    let checkpoint = checkpoint_to_resume(&run, from)?;
    let done = match &checkpoint {
        Some(checkpoint) => checkpoint.iteration()?,
        None => 0,
    };
    if let Some(iters) = iters {
        config.budget.iters = iters;
    }
    // A run stopped at its last iteration while writing its results only needs those.
    let results_missing = !run.file(files::FINAL_METRICS_FILE).exists();
    let seconds = match &checkpoint {
        Some(checkpoint) => checkpoint.seconds()?,
        None => 0.0,
    };
    let critic_steps = done * config.optimiser.critic_steps as u64;
    let spent = if config.budget.time_is_up(seconds) {
        Some((
            "time budget",
            format!("{} s", config.budget.time_budget),
            "time_budget",
        ))
    } else if config.budget.critic_steps_are_up(critic_steps) {
        let steps = format!("{} critic steps", config.budget.critic_budget);
        Some(("critic budget", steps, "critic_budget"))
    } else {
        None
    };
    if let Some((budget, amount, key)) = spent.filter(|_| !results_missing) {
        return Err(Error::bad_input(format!(
            "{}: the run finished at iteration {done}, when its {budget} of {amount} ran out; to \
             train further, raise `{key}` in {} (0: none) and resume again",
            out.display(),
            run.file(files::CONFIG_FILE).display()
        )));
    }
    if done > config.budget.iters || (done == config.budget.iters && !results_missing) {
        return Err(Error::bad_input(format!(
            "{}: the run is at iteration {done} of {}; pass --iters with a larger total to train further",
            out.display(),
            config.budget.iters
        )));
    }
    config.write_into(&run)?;
    let data = config.load_data(done * config.optimiser.critic_steps as u64)?;
    let mut trainer = Trainer::new(config, data)?;
    let progress = match &checkpoint {
        Some(checkpoint) => checkpoint.restore(&mut trainer)?,
        None => Progress::default(),
    };
    let history: Vec<LogRecord> = run
        .read_metrics_log::<LogRecord>()?
        .into_iter()
        .filter(|record| record.iteration <= done)
        .collect();
    let log = run.rewrite_metrics_log(&history)?;
    let events = TensorBoardEvents::start(trainer.config(), out, done, history.last());
    let mut outputs = RunFolderOutputs::new(run, log, events);
    run_to_budget(trainer, &mut outputs, out, history, progress, options)
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

/// `lsgan train`'s options: the run folder, the config file and every option's flag.
#[derive(clap::Args)]
pub struct TrainArgs {
    /// Run folder to write [default: runs/<data>-<loss>].
    #[arg(long, short, value_name = "RUN_DIR")]
    pub out: Option<PathBuf>,
    /// Print the whole resolved configuration (as `lsgan config` does) before training.
    #[arg(long, short, conflicts_with = "quiet")]
    pub verbose: bool,
    #[command(flatten)]
    pub run: RunFlags,
}

/// What `train` and `compare` share: options from a file and flags, and how to run.
#[derive(clap::Args)]
pub struct RunFlags {
    /// Read options from this TOML file (flags override it; a run's config.toml works; the
    /// defaults of the loss on the data lie underneath).
    #[arg(long, value_name = "FILE.toml")]
    pub config: Option<PathBuf>,
    /// Replace runs already in the output folder.
    #[arg(long)]
    pub force: bool,
    /// No progress bar and no metrics lines (the final summary is still printed).
    #[arg(long, short)]
    pub quiet: bool,
    #[command(flatten)]
    pub options: ConfigFlags,
}

impl RunFlags {
    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            force: self.force,
            verbose: !self.quiet,
        }
    }
}

/// `lsgan resume`'s options.
#[derive(clap::Args)]
pub struct ResumeArgs {
    /// The run folder (it holds config.toml and checkpoint.safetensors).
    pub run_dir: PathBuf,
    /// New total number of iterations [default: the run's own].
    #[arg(long)]
    pub iters: Option<u64>,
    /// Continue from checkpoint.previous.safetensors, the checkpoint before the latest (use
    /// it when the latest is damaged; the latest is set aside, not deleted).
    #[arg(long)]
    pub previous_checkpoint: bool,
    /// No progress bar and no metrics lines.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lsgan train`: resolves the configuration, trains, prints the result.
pub fn train_command(args: TrainArgs) -> Result<()> {
    let config = TrainConfig::resolve(
        args.run.config.as_deref(),
        &args.run.options,
        &toml::Table::new(),
    )?;
    let out = args.out.unwrap_or_else(|| default_run_dir(&config));
    let options = args.run.run_options();
    let device = pick_device(config.runtime.device)?;
    let mut announcement = format!(
        "training {} on {} for {} iterations (seed {}) on {} in {} into {}\n",
        config.objective.loss.name(),
        config.data.data,
        config.budget.iters,
        config.runtime.seed,
        device_name(device),
        config.runtime.precision.name(),
        out.display()
    );
    if args.verbose {
        announcement += &config.to_toml();
    }
    if !options.force && RunDir::never_got_going(&out) {
        announcement += &format!(
            "{} holds a run that stopped before its first checkpoint (nothing to resume or \
             report); starting again in it\n",
            out.display()
        );
    }
    let summary = train_announced(config, &out, options, || eprint!("{announcement}"))?;
    print_result(&summary, &out);
    Ok(())
}

/// `lsgan resume`: continues the run, prints the result.
pub fn resume_command(args: ResumeArgs) -> Result<()> {
    let options = RunOptions {
        force: false,
        verbose: !args.quiet,
    };
    // Where it will run, when its configuration reads and its device is there; otherwise
    // `resume` says in one line what is wrong.
    let on = TrainConfig::from_file(&args.run_dir.join(files::CONFIG_FILE))
        .ok()
        .and_then(|config| {
            let device = pick_device(config.runtime.device).ok()?;
            Some(format!(
                " on {} in {}",
                device_name(device),
                config.runtime.precision.name()
            ))
        });
    if let Some(on) = on {
        eprintln!("resuming {}{on}", args.run_dir.display());
    }
    let from = if args.previous_checkpoint {
        ResumeFrom::Previous
    } else {
        ResumeFrom::Latest
    };
    let summary = resume(&args.run_dir, args.iters, from, options)?;
    print_result(&summary, &args.run_dir);
    Ok(())
}

/// Prints the run's result in one line (for an image run, where its samples are and how to
/// measure them) and where the run folder is.
fn print_result(summary: &RunSummary, out: &Path) {
    let mut result = summary.metrics.summary();
    // An image run measured by nothing but (CLS-GAN's) test error also says where its
    // samples are and how to measure them.
    if summary.metrics.toy.is_none() && summary.metrics.images.is_empty() {
        let samples = format!(
            " samples in {} (FID, KID, precision/recall: `lsgan evaluate {}`)",
            out.join(files::SAMPLES_FILE).display(),
            out.display()
        );
        result = match result.is_empty() {
            true => samples,
            false => format!("{result};{samples}"),
        };
    }
    println!(
        "{} on {}:{result}; {} iterations in {:.1} s ({:.1} ms/iteration)",
        summary.loss,
        summary.data,
        summary.iterations,
        summary.seconds,
        1000.0 * summary.seconds_per_iteration
    );
    println!(
        "run folder: {} (pictures, metrics.jsonl, final_metrics.json)",
        out.display()
    );
}

/// `runs/<data>-<loss>`, where a run goes without `--out`.
fn default_run_dir(config: &TrainConfig) -> PathBuf {
    let data = config.data.data.to_string();
    let stem = Path::new(&data)
        .file_stem()
        .map_or_else(|| data.clone(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(format!("{stem}-{}", config.objective.loss.name()))
}
