//! `lsgan compare`: several losses, each over several seeds, on one data set with one
//! architecture and iteration budget, then a summary of their final metrics and diagnostics
//! (`summary.json` for scripts, `summary.md` for people); `report::html` turns a summary
//! into the report.
//!
//! Runs go to `DIR/runs/<loss>-seed<k>/`, ordinary run folders. A finished run is kept and an
//! interrupted one resumed, so calling `compare` again after Ctrl-C only does what is missing.

use std::path::{Path, PathBuf};

use crate::commands::evaluate::{
    classifier_applies, evaluate_run, read_run_evaluation, FeatureSpaces, IMAGE_METRICS_FILE,
};
use crate::error::{Error, Result};
use crate::objectives::options::LossKind;
use crate::train::config::{ConfigFlags, TrainConfig};

use crate::commands::report::print_claims;
use crate::commands::sample::Weights;
use crate::commands::train::{resume, train, ResumeFrom, RunFlags};
use crate::report::claims::runs_with_flat_critic;
use crate::report::html::{write_report, REPORT_HTML, REPORT_MARKDOWN};
use crate::report::summary::{
    markdown, summarise, RunResult, Summary, SUMMARY_JSON, SUMMARY_MARKDOWN,
};
use crate::storage::{files, write_atomically, RunDir};
use crate::train::run::{RunOptions, RunSummary};
use crate::train::LogRecord;

/// The folder of a comparison that holds its runs.
pub const RUNS_FOLDER: &str = "runs";

/// What to compare.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// A TOML file of options every run shares (as `lsgan train --config`).
    pub config_file: Option<PathBuf>,
    /// Options every run shares, over the file (the flags given); `loss` and `seed` are set
    /// by the comparison.
    pub flags: ConfigFlags,
    pub losses: Vec<LossKind>,
    /// Seeds 0..seeds.
    pub seeds: u64,
    /// Which image metrics to measure after each image run (`lsgan evaluate`).
    pub image_metrics: ImageMetricsChoice,
    /// Generated and held-out images the image metrics compare.
    pub eval_count: usize,
}

/// The image metrics `compare` measures after each image run, into its image_metrics.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum ImageMetricsChoice {
    /// The digit classifier's space where it applies (MNIST, Fashion-MNIST), nothing
    /// elsewhere: seconds per run on a CPU, where Inception takes minutes.
    Auto,
    None,
    Classifier,
    Inception,
    /// Inception, plus the classifier where it applies.
    All,
}

impl ImageMetricsChoice {
    /// The feature spaces to measure a run trained with `config` in, if any.
    fn for_run(self, config: &TrainConfig) -> Option<FeatureSpaces> {
        if !config.is_image_data() {
            return None;
        }
        match self {
            ImageMetricsChoice::None => None,
            ImageMetricsChoice::Auto => {
                classifier_applies(config).then_some(FeatureSpaces::Classifier)
            }
            ImageMetricsChoice::Classifier => Some(FeatureSpaces::Classifier),
            ImageMetricsChoice::Inception => Some(FeatureSpaces::Inception),
            ImageMetricsChoice::All => Some(FeatureSpaces::All),
        }
    }
}

/// Runs every (loss, seed) of `comparison` into `out/runs/` (keeping finished runs, resuming
/// interrupted ones) and writes `summary.json` and `summary.md` into `out`.
pub fn compare(comparison: &Comparison, out: &Path, options: RunOptions) -> Result<Summary> {
    if comparison.losses.is_empty() || comparison.seeds == 0 {
        return Err(Error::bad_input(
            "compare: give at least one loss (--losses) and one seed (--seeds)",
        ));
    }
    let mut runs = Vec::new();
    let mut first_config = None;
    for &loss in &comparison.losses {
        for seed in 0..comparison.seeds {
            let config = run_config(comparison, loss, seed)?;
            let dir = out
                .join(RUNS_FOLDER)
                .join(format!("{}-seed{seed}", loss.name()));
            if options.verbose {
                eprintln!("compare: {} seed {seed} → {}", loss.name(), dir.display());
            }
            let summary = finished_or_trained(config.clone(), &dir, options)?;
            if let Some(spaces) = comparison.image_metrics.for_run(&config) {
                let count = comparison.eval_count;
                measure_images(&config, &summary, &dir, spaces, count, options)?;
            }
            runs.push(run_result(&summary, &dir)?);
            first_config.get_or_insert(config);
        }
    }
    let config = first_config.expect("at least one run");
    let summary = Summary {
        data: config.data.data.to_string(),
        iterations: config.budget.iters,
        seeds: comparison.seeds,
        losses: summarise(&comparison.losses, &runs),
        runs,
    };
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating", out, e))?;
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::bad_input(format!("serialising {SUMMARY_JSON}: {e}")))?;
    write_atomically(&out.join(SUMMARY_JSON), json.as_bytes())?;
    write_atomically(&out.join(SUMMARY_MARKDOWN), markdown(&summary).as_bytes())?;
    Ok(summary)
}

/// The summary of finished run folders (for `lsgan report`): they must share their data.
pub fn summary_of_runs(dirs: &[PathBuf]) -> Result<Summary> {
    let finals = dirs
        .iter()
        .map(|dir| read_final(dir))
        .collect::<Result<Vec<_>>>()?;
    let Some(first) = finals.first() else {
        return Err(Error::bad_input("report: give at least one run folder"));
    };
    let mut runs = Vec::with_capacity(dirs.len());
    let mut losses: Vec<LossKind> = Vec::new();
    for (dir, final_metrics) in dirs.iter().zip(&finals) {
        if final_metrics.data != first.data {
            return Err(Error::bad_input(format!(
                "{}: trained on {}, but {} on {}; a report compares runs on one data set",
                dir.display(),
                final_metrics.data,
                dirs[0].display(),
                first.data
            )));
        }
        let loss = LossKind::ALL
            .into_iter()
            .find(|l| l.name() == final_metrics.loss)
            .ok_or_else(|| {
                Error::bad_input(format!(
                    "{}: unknown loss {}",
                    dir.display(),
                    final_metrics.loss
                ))
            })?;
        if !losses.contains(&loss) {
            losses.push(loss);
        }
        runs.push(run_result(final_metrics, dir)?);
    }
    let seeds = losses
        .iter()
        .map(|l| runs.iter().filter(|r| r.loss == l.name()).count() as u64)
        .max()
        .unwrap_or(0);
    Ok(Summary {
        data: first.data.clone(),
        iterations: first.iterations,
        seeds,
        losses: summarise(&losses, &runs),
        runs,
    })
}

/// A finished run's `final_metrics.json`.
fn read_final(dir: &Path) -> Result<RunSummary> {
    let path = dir.join(files::FINAL_METRICS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::bad_input(format!(
                "{} is not a finished lsgan run: {} is missing",
                dir.display(),
                files::FINAL_METRICS_FILE
            ))
        } else {
            Error::io("reading", &path, e)
        }
    })?;
    serde_json::from_str(&text)
        .map_err(|e| Error::bad_input(format!("{}: not a final_metrics file: {e}", path.display())))
}

/// The shared options with this run's loss and seed, resolved over the loss's defaults.
fn run_config(comparison: &Comparison, loss: LossKind, seed: u64) -> Result<TrainConfig> {
    let mut settings = toml::Table::new();
    settings.insert("loss".into(), toml::Value::String(loss.name().into()));
    settings.insert("seed".into(), toml::Value::Integer(seed as i64));
    TrainConfig::resolve(
        comparison.config_file.as_deref(),
        &comparison.flags,
        &settings,
    )
}

/// The run's summary: read back when the run finished before, else trained or resumed.
fn finished_or_trained(config: TrainConfig, dir: &Path, options: RunOptions) -> Result<RunSummary> {
    if dir.join(files::FINAL_METRICS_FILE).is_file() && !options.force {
        return read_final(dir);
    }
    if dir.join(files::CHECKPOINT_FILE).is_file() && !options.force {
        return resume(dir, None, ResumeFrom::Latest, options);
    }
    let options = RunOptions {
        force: true,
        ..options
    };
    train(config, dir, options)
}

/// Writes the run's image_metrics.json unless one of the finished run is there already
/// (`--force` measures again). The moving-average generator is measured where there is one.
fn measure_images(
    config: &TrainConfig,
    summary: &RunSummary,
    dir: &Path,
    spaces: FeatureSpaces,
    count: usize,
    options: RunOptions,
) -> Result<()> {
    let measured = read_run_evaluation(dir)?;
    if !options.force && measured.is_some_and(|m| m.iterations == summary.iterations) {
        return Ok(());
    }
    if options.verbose {
        eprintln!(
            "compare: measuring {} with {count} images → {IMAGE_METRICS_FILE}",
            dir.display()
        );
    }
    let weights = if config.optimiser.ema_decay > 0.0 {
        Weights::Averaged
    } else {
        Weights::Final
    };
    evaluate_run(dir, count, weights, spaces, 0).map(|_| ())
}

/// The run's result: its final metrics, the image metrics `lsgan evaluate` wrote (if any)
/// and the diagnostics logged last.
fn run_result(summary: &RunSummary, dir: &Path) -> Result<RunResult> {
    let records: Vec<LogRecord> = RunDir::open_finished(dir)?.read_metrics_log()?;
    let mut metrics = summary.metrics.clone();
    if let Some(evaluation) = read_run_evaluation(dir)? {
        metrics.images = evaluation.metrics;
    }
    Ok(RunResult {
        loss: summary.loss.clone(),
        seed: summary.seed,
        run_dir: dir.to_path_buf(),
        iterations: summary.iterations,
        seconds_per_iteration: summary.seconds_per_iteration,
        metrics,
        diagnostics: records.last().and_then(|r| r.diagnostics.clone()),
    })
}

#[derive(clap::Args)]
pub struct CompareArgs {
    /// Folder for the runs and the summary (finished runs in it are kept, interrupted ones
    /// resumed).
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,
    /// Losses to compare, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "lsgan,glsgan,wgan,wgan-gp,gan"
    )]
    pub losses: Vec<LossKind>,
    /// Seeds per loss (0, 1, …).
    #[arg(long, default_value_t = 3)]
    pub seeds: u64,
    /// Image metrics measured after each image run (as `lsgan evaluate`): auto is the
    /// digit classifier's space for MNIST and Fashion-MNIST (seconds a run) and none
    /// elsewhere; inception and all take minutes a run on a CPU.
    #[arg(long, value_enum, default_value = "auto")]
    pub image_metrics: ImageMetricsChoice,
    /// Generated and held-out images the image metrics compare.
    #[arg(long, default_value_t = 1000)]
    pub eval_count: usize,
    #[command(flatten)]
    pub run: RunFlags,
}

/// `lsgan compare`: every (loss, seed) run, then the per-loss summary on stdout.
pub fn compare_command(args: CompareArgs) -> Result<()> {
    if args.run.options.has("loss") || args.run.options.has("seed") {
        return Err(Error::bad_input(
            "compare sets each run's loss and seed itself: use --losses and --seeds, not --loss or --seed",
        ));
    }
    let options = args.run.run_options();
    let comparison = Comparison {
        image_metrics: args.image_metrics,
        eval_count: args.eval_count,
        flags: args.run.options,
        config_file: args.run.config,
        losses: args.losses,
        seeds: args.seeds,
    };
    let summary = compare(&comparison, &args.out, options)?;
    print!("{}", markdown(&summary));
    let claims = write_report(&summary, &args.out)?;
    println!();
    print_claims(&claims);
    let flat: Vec<String> = runs_with_flat_critic(&summary)
        .iter()
        .map(|run| run.label())
        .collect();
    if !flat.is_empty() {
        println!(
            "\ncritic ended flat, so the generator got no gradient: {}",
            flat.join(", ")
        );
    }
    println!(
        "\nwrote {}, {}, {} and {} in {}",
        SUMMARY_JSON,
        SUMMARY_MARKDOWN,
        REPORT_HTML,
        REPORT_MARKDOWN,
        args.out.display()
    );
    Ok(())
}
