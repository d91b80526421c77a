//! `lsgan compare`: several losses, each over several seeds, on one data set with one
//! architecture and budget, then a summary of their final metrics and diagnostics
//! (`summary.json` for scripts, `summary.md` for people); `report::html` turns a summary
//! into the report. A sweep (`--vary key=v1,v2 …`) crosses the losses with every
//! combination of the varied options, and ranks the variants.
//!
//! Runs go to `DIR/runs/<loss>-seed<k>/` (`DIR/runs/<loss>-<key>=<value>,…-seed<k>/` in a
//! sweep), ordinary run folders, trained one after the other in this process, `--jobs N`
//! at a time as separate `lsgan` processes, or as a Slurm job array (`--slurm`,
//! `commands::slurm`). A finished run is kept and an interrupted one resumed, so calling
//! `compare` again after Ctrl-C only does what is missing.

use std::path::{Path, PathBuf};

use crate::commands::evaluate::{
    evaluate_run, read_run_evaluation, FeatureSpaces, Measurement, IMAGE_METRICS_FILE,
};
use crate::error::{Error, Result};
use crate::objectives::options::LossKind;
use crate::train::config::TrainConfig;
use crate::train::config_file::unknown_key_hint;
use crate::train::flags::ConfigFlags;

use crate::commands::report::{print_claims, run_result};
use crate::commands::sample::Weights;
use crate::commands::slurm::{hand_to_slurm, SlurmOptions};
use crate::commands::train::{resume, train, ResumeFrom, RunFlags};
use crate::report::claims::runs_with_flat_critic;
use crate::report::html::{write_report, REPORT_HTML, REPORT_MARKDOWN};
use crate::report::summary::{
    counted, default_ranking_keys, group_label, markdown, rank, rankable_keys, summarise, Quantity,
    Summary, SUMMARY_JSON, SUMMARY_MARKDOWN,
};
use crate::storage::{files, write_atomically};
use crate::train::run::RunOptions;
use crate::train::stop_signal;
use crate::train::trainer::{device_name, pick_device};
use crate::train::RunSummary;

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
    /// The options a sweep varies, each over its values (empty: no sweep).
    pub vary: Vec<Varied>,
    /// Runs trained at once, each as its own `lsgan` process (1: one after the other, in
    /// this process).
    pub jobs: usize,
    /// The quantities that rank the losses and variants (empty: chosen by the data; a sweep
    /// always ranks).
    pub rank_by: Vec<Quantity>,
    /// Which image metrics to measure after each image run (`lsgan evaluate`).
    pub image_metrics: ImageMetricsChoice,
    /// Only summarise: every run must have finished (the Slurm collection job).
    pub collect: bool,
}

/// One option a sweep varies, and its values as given and as TOML values.
#[derive(Clone, Debug, PartialEq)]
pub struct Varied {
    pub key: String,
    pub values: Vec<(String, toml::Value)>,
}

impl Varied {
    /// `key=v1,v2,…` (`--vary`): `key` an option of the configuration file other than the
    /// loss, seed and data (a comparison sets those itself); each value read as TOML (a
    /// number, `true`, …) or else as text (`relu`).
    pub fn parse(text: &str) -> Result<Varied> {
        let refuse = |why: String| Error::bad_input(format!("option --vary {text}: {why}"));
        let Some((key, values)) = text.split_once('=') else {
            return Err(refuse(
                "expected KEY=VALUE[,VALUE…], e.g. margin_scale=0.5,1,2".into(),
            ));
        };
        let key = key.trim().replace('-', "_");
        let known = TrainConfig::default().keys();
        if !known.contains(&key) {
            return Err(refuse(format!(
                "`{key}` is not an option; {}",
                unknown_key_hint(&key, &known)
            )));
        }
        if matches!(key.as_str(), "loss" | "seed" | "data") {
            return Err(refuse(format!(
                "compare sets `{key}` itself (--losses, --seeds, --data)"
            )));
        }
        let values: Vec<(String, toml::Value)> = values
            .split(',')
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(|value| (value.to_string(), toml_value(value)))
            .collect();
        if values.is_empty() {
            return Err(refuse("no values after `=`".into()));
        }
        Ok(Varied { key, values })
    }
}

/// `text` as a TOML value: a number, a boolean, a quoted string …, or else the text itself.
fn toml_value(text: &str) -> toml::Value {
    format!("value = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut table| table.remove("value"))
        .unwrap_or_else(|| toml::Value::String(text.to_string()))
}

/// One combination of the varied options' values: its settings and its label,
/// `key=value,key=value` (empty outside a sweep).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Variant {
    pub settings: toml::Table,
    pub label: String,
}

/// Every combination of the values of `vary`, the first option's values outermost; one
/// empty variant when nothing varies.
pub fn variants(vary: &[Varied]) -> Vec<Variant> {
    let mut variants = vec![Variant::default()];
    for varied in vary {
        variants = variants
            .iter()
            .flat_map(|variant| {
                varied.values.iter().map(move |(text, value)| {
                    let mut next = variant.clone();
                    next.settings.insert(varied.key.clone(), value.clone());
                    if !next.label.is_empty() {
                        next.label.push(',');
                    }
                    next.label += &format!("{}={text}", varied.key);
                    next
                })
            })
            .collect();
    }
    variants
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
            ImageMetricsChoice::Auto => config
                .classifier_applies()
                .then_some(FeatureSpaces::Classifier),
            ImageMetricsChoice::Classifier => Some(FeatureSpaces::Classifier),
            ImageMetricsChoice::Inception => Some(FeatureSpaces::Inception),
            ImageMetricsChoice::All => Some(FeatureSpaces::All),
        }
    }
}

/// One run of a comparison: which loss, variant and seed, its configuration and folder.
#[derive(Clone, Debug)]
struct PlannedRun {
    loss: LossKind,
    variant: String,
    seed: u64,
    config: TrainConfig,
    dir: PathBuf,
}

impl PlannedRun {
    fn label(&self) -> String {
        group_label(self.loss.name(), &self.variant) + &format!(" seed {}", self.seed)
    }
}

/// Every run of `comparison`, losses outermost, then variants, then seeds; the folders
/// under `out/runs/`. With `jobs` > 1 a run whose threads were left to libtorch gets its
/// share of the machine's cores.
fn plan(comparison: &Comparison, out: &Path) -> Result<Vec<PlannedRun>> {
    let variants = variants(&comparison.vary);
    let threads_each = (comparison.jobs > 1).then(|| {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        (cores / comparison.jobs).max(1)
    });
    let mut runs = Vec::new();
    for &loss in &comparison.losses {
        for variant in &variants {
            for seed in 0..comparison.seeds {
                let mut config = run_config(comparison, loss, seed, variant)?;
                if let Some(threads) = threads_each.filter(|_| config.runtime.threads == 0) {
                    config.runtime.threads = threads;
                }
                // A value holding a path separator must not make a folder of its own.
                let name = match variant.label.replace(['/', '\\'], "_").as_str() {
                    "" => format!("{}-seed{seed}", loss.name()),
                    label => format!("{}-{label}-seed{seed}", loss.name()),
                };
                runs.push(PlannedRun {
                    loss,
                    variant: variant.label.clone(),
                    seed,
                    config,
                    dir: out.join(RUNS_FOLDER).join(name),
                });
            }
        }
    }
    Ok(runs)
}

/// Runs every (loss, variant, seed) of `comparison` into `out/runs/` (keeping finished runs,
/// resuming interrupted ones) and writes `summary.json` and `summary.md` into `out`.
pub fn compare(comparison: &Comparison, out: &Path, options: RunOptions) -> Result<Summary> {
    if comparison.losses.is_empty() || comparison.seeds == 0 {
        return Err(Error::bad_input(
            "compare: give at least one loss (--losses) and one seed (--seeds)",
        ));
    }
    check(comparison)?;
    let planned = plan(comparison, out)?;
    let summaries = if comparison.collect {
        collected(&planned)?
    } else if comparison.jobs > 1 {
        train_in_processes(&planned, comparison.jobs, options)?
    } else {
        let mut summaries = Vec::with_capacity(planned.len());
        for run in &planned {
            if options.verbose {
                eprintln!(
                    "compare: {} → {} ({})",
                    run.label(),
                    run.dir.display(),
                    where_it_runs(&run.config)
                );
            }
            summaries.push(finished_or_trained(run.config.clone(), &run.dir, options)?);
        }
        summaries
    };
    let mut runs = Vec::with_capacity(planned.len());
    for (run, summary) in planned.iter().zip(&summaries) {
        if let Some(spaces) = comparison.image_metrics.for_run(&run.config) {
            measure_images(&run.config, summary, &run.dir, spaces, options)?;
        }
        let mut result = run_result(summary, &run.dir)?;
        result.variant = run.variant.clone();
        runs.push(result);
    }
    let config = &planned[0].config;
    let losses = summarise(&comparison.losses, &runs);
    let ranking = (!comparison.vary.is_empty() || !comparison.rank_by.is_empty()).then(|| {
        let keys = match comparison.rank_by.as_slice() {
            [] => default_ranking_keys(&runs),
            keys => keys.to_vec(),
        };
        rank(&losses, &runs, &keys)
    });
    let summary = Summary {
        data: config.data.data.to_string(),
        iterations: config.budget.iters,
        seeds: comparison.seeds,
        losses,
        runs,
        ranking,
    };
    std::fs::create_dir_all(out).map_err(|e| Error::io("creating", out, e))?;
    let json = serde_json::to_string_pretty(&summary)
        .map_err(|e| Error::bad_input(format!("serialising {SUMMARY_JSON}: {e}")))?;
    write_atomically(&out.join(SUMMARY_JSON), json.as_bytes())?;
    write_atomically(&out.join(SUMMARY_MARKDOWN), markdown(&summary).as_bytes())?;
    Ok(summary)
}

/// Refuses a comparison that cannot run (no loss or seed, no jobs, a varied value that
/// is not an option's) before anything trains.
fn check(comparison: &Comparison) -> Result<()> {
    if comparison.jobs == 0 {
        return Err(Error::bad_input("option --jobs: expected at least 1"));
    }
    // Each value with each loss compared: a value may hold for some losses only (labels,
    // the conditional losses'), and each run is one loss.
    let checks = comparison.vary.iter().flat_map(|varied| {
        varied.values.iter().flat_map(move |value| {
            comparison
                .losses
                .iter()
                .map(move |&loss| (varied, value, loss))
        })
    });
    for (varied, (text, value), loss) in checks {
        let settings = toml::Table::from_iter([
            (varied.key.clone(), value.clone()),
            ("loss".to_string(), toml::Value::String(loss.name().into())),
        ]);
        TrainConfig::resolve(
            comparison.config_file.as_deref(),
            &comparison.flags,
            &settings,
        )
        .map_err(|e| {
            // The value's own error, without the flag of the key it was given for.
            let why = e.to_string();
            let flag = format!("option --{}: ", varied.key.replace('_', "-"));
            let why = why.strip_prefix(&flag).unwrap_or(&why);
            Error::bad_input(format!("option --vary {}={text}: {why}", varied.key))
        })?;
    }
    Ok(())
}

/// "cpu, fp32": the device the run's `device` picks on this machine, and its precision.
fn where_it_runs(config: &TrainConfig) -> String {
    let device = pick_device(config.runtime.device).map_or_else(|e| e.to_string(), device_name);
    format!("{}, {}", device, config.runtime.precision.name())
}

/// Whether the run in `dir` has finished: its `final_metrics.json`, written last, is there.
fn is_finished(dir: &Path) -> bool {
    dir.join(files::FINAL_METRICS_FILE).is_file()
}

/// The summaries of `planned`, every one of which must have finished (`--collect`).
fn collected(planned: &[PlannedRun]) -> Result<Vec<RunSummary>> {
    let unfinished: Vec<String> = planned
        .iter()
        .filter(|run| !is_finished(&run.dir))
        .map(|run| run.dir.display().to_string())
        .collect();
    if !unfinished.is_empty() {
        return Err(Error::Failed(format!(
            "compare --collect: {} of {} runs have not finished: {}; the same compare command \
             (with --slurm --submit) trains or resumes them",
            unfinished.len(),
            planned.len(),
            unfinished.join(", ")
        )));
    }
    summaries_of(planned)
}

/// The final metrics of every run of `planned`, each of which has finished.
fn summaries_of(planned: &[PlannedRun]) -> Result<Vec<RunSummary>> {
    planned
        .iter()
        .map(|run| RunSummary::read(&run.dir))
        .collect()
}

/// Trains the runs of `planned` that are not finished, `jobs` at a time, each as its own
/// `lsgan train` (or `lsgan resume`, where a checkpoint is) process of this executable, and
/// returns every run's summary. A run that fails is named with its exit status once the
/// others have ended; one stopped by Ctrl-C has its checkpoint, and the next `compare`
/// resumes it.
fn train_in_processes(
    planned: &[PlannedRun],
    jobs: usize,
    options: RunOptions,
) -> Result<Vec<RunSummary>> {
    let executable = std::env::current_exe()
        .map_err(|e| Error::io("finding", Path::new("the lsgan executable"), e))?;
    let to_train: Vec<&PlannedRun> = planned
        .iter()
        .filter(|run| options.force || !is_finished(&run.dir))
        .collect();
    let total = to_train.len();
    let mut waiting = to_train.into_iter();
    let mut running: Vec<(&PlannedRun, std::process::Child)> = Vec::new();
    let mut failures = Vec::new();
    let mut done = 0;
    stop_signal::watch();
    let mut forwarded = None;
    loop {
        // The runs are in process groups of their own, so Ctrl-C reaches compare alone; it
        // passes the signal on once, and every run writes its checkpoint and stops.
        if let (Some(signal), None) = (stop_signal::received(), forwarded) {
            forwarded = Some(signal);
            for (_, child) in &running {
                stop_signal::send(signal, child.id());
            }
        }
        while running.len() < jobs && failures.is_empty() && forwarded.is_none() {
            let Some(run) = waiting.next() else { break };
            let child = spawn_run(&executable, run, options)?;
            if options.verbose {
                eprintln!(
                    "compare: started {} → {} ({}; {} running, {done} of {total} done)",
                    run.label(),
                    run.dir.display(),
                    where_it_runs(&run.config),
                    running.len() + 1
                );
            }
            running.push((run, child));
        }
        if running.is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
        let mut still = Vec::with_capacity(running.len());
        for (run, mut child) in running {
            match child.try_wait() {
                Ok(None) => still.push((run, child)),
                Ok(Some(status)) => {
                    done += 1;
                    if status.success() {
                        if options.verbose {
                            eprintln!("compare: finished {} ({done} of {total})", run.label());
                        }
                    } else {
                        failures.push(format!("{} ({status})", run.label()));
                    }
                }
                Err(e) => return Err(Error::io("waiting for", &run.dir, e)),
            }
        }
        running = still;
    }
    if let Some(signal) = forwarded {
        return Err(Error::Interrupted {
            message: format!(
                "compare stopped by {}; the runs it was training wrote their checkpoints; \
                 run the same command again to resume them",
                signal.name()
            ),
            exit_code: signal.exit_code(),
        });
    }
    if !failures.is_empty() {
        return Err(Error::Failed(format!(
            "compare: {} failed: {}; their folders keep their checkpoints, and running the same \
             command again resumes them",
            counted(failures.len() as u64, "run"),
            failures.join(", ")
        )));
    }
    summaries_of(planned)
}

/// Starts `lsgan train` (or `lsgan resume`) for `run`, quiet, in a process group of its own.
fn spawn_run(
    executable: &Path,
    run: &PlannedRun,
    options: RunOptions,
) -> Result<std::process::Child> {
    let mut command = std::process::Command::new(executable);
    if has_checkpoint(&run.dir) && !options.force {
        command.arg("resume").arg(&run.dir);
    } else {
        write_run_config(run)?;
        command
            .arg("train")
            .arg("--config")
            .arg(run.dir.join(files::CONFIG_FILE))
            .arg("--out")
            .arg(&run.dir)
            .arg("--force");
    }
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command
        .arg("--quiet")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .spawn()
        .map_err(|e| Error::io("starting", executable, e))
}

/// Whether the run in `dir` has a checkpoint to resume from.
fn has_checkpoint(dir: &Path) -> bool {
    dir.join(files::CHECKPOINT_FILE).is_file()
}

/// Writes the run's configuration into its folder, where `lsgan train --config` (a job or
/// an array task) reads it, and from which a run stopped before its first checkpoint
/// resumes.
fn write_run_config(run: &PlannedRun) -> Result<()> {
    std::fs::create_dir_all(&run.dir).map_err(|e| Error::io("creating", &run.dir, e))?;
    write_atomically(
        &run.dir.join(files::CONFIG_FILE),
        run.config.to_toml().as_bytes(),
    )
}

/// The run folders of `comparison` not yet finished (of how many), each with its
/// configuration written into it unless it has a checkpoint to resume from: what a Slurm
/// array trains (`--slurm`).
pub fn prepare_unfinished(comparison: &Comparison, out: &Path) -> Result<(Vec<PathBuf>, usize)> {
    check(comparison)?;
    let planned = plan(comparison, out)?;
    let mut unfinished = Vec::new();
    for run in planned.iter().filter(|run| !is_finished(&run.dir)) {
        if !has_checkpoint(&run.dir) {
            write_run_config(run)?;
        }
        unfinished.push(run.dir.clone());
    }
    Ok((unfinished, planned.len()))
}

/// The shared options with this run's loss, seed and variant, resolved over the loss's
/// defaults.
fn run_config(
    comparison: &Comparison,
    loss: LossKind,
    seed: u64,
    variant: &Variant,
) -> Result<TrainConfig> {
    let mut settings = variant.settings.clone();
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
    if is_finished(dir) && !options.force {
        return RunSummary::read(dir);
    }
    if has_checkpoint(dir) && !options.force {
        return resume(dir, None, ResumeFrom::Latest, options);
    }
    let options = RunOptions {
        force: true,
        ..options
    };
    train(config, dir, options)
}

/// Writes the run's image_metrics.json unless one of the finished run is there already
/// (`--force` measures again): with the run's `eval_samples` images, the moving-average
/// generator where there is one, on the device `--device` would pick.
fn measure_images(
    config: &TrainConfig,
    summary: &RunSummary,
    dir: &Path,
    spaces: FeatureSpaces,
    options: RunOptions,
) -> Result<()> {
    let measured = read_run_evaluation(dir)?;
    if !options.force && measured.is_some_and(|m| m.iterations == summary.iterations) {
        return Ok(());
    }
    if options.verbose {
        eprintln!(
            "compare: measuring {} → {IMAGE_METRICS_FILE}",
            dir.display()
        );
    }
    let measurement = Measurement {
        n: None,
        weights: Weights::preferred(dir),
        spaces,
        seed: 0,
        device: pick_device(config.runtime.device)?,
        progress: false,
    };
    evaluate_run(dir, &measurement).map(|_| ())
}

/// `lsgan compare`'s options. The options every run shares are `lsgan train`'s, less the
/// loss and seed, which the comparison sets (`--losses`, `--seeds`): their flags are hidden,
/// kept only to say so.
#[derive(clap::Args)]
#[command(mut_arg("loss", |arg| arg.hide(true)), mut_arg("seed", |arg| arg.hide(true)))]
pub struct CompareArgs {
    /// Folder for the runs and the summary (finished runs in it are kept, interrupted ones
    /// resumed).
    #[arg(long, short, value_name = "DIR")]
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
    /// A sweep: train every loss with each of these values of an option (a config file's
    /// key), e.g. `--vary margin_scale=0.5,1,2`; repeat it to cross several options. The
    /// summary then ranks the variants (`--rank-by`).
    #[arg(long, value_name = "KEY=V1,V2,…")]
    pub vary: Vec<String>,
    /// Runs trained at once, each as its own lsgan process (CPU threads divided among them
    /// unless --threads is given; on a GPU they share it).
    #[arg(long, short, default_value_t = 1)]
    pub jobs: usize,
    /// Rank the losses and variants by these summary quantities, comma-separated, in order
    /// of precedence [default: modes_covered,high_quality_share on the ring and grid;
    /// classifier_fid,classifier_recall on digits; energy_distance on other points].
    #[arg(long, value_delimiter = ',', value_name = "KEY,…")]
    pub rank_by: Vec<String>,
    /// Image metrics measured after each image run (as `lsgan evaluate`): auto is the
    /// digit classifier's space for MNIST and Fashion-MNIST (seconds a run) and none
    /// elsewhere; inception and all take minutes a run on a CPU.
    #[arg(long, value_enum, default_value = "auto")]
    pub image_metrics: ImageMetricsChoice,
    /// Train the unfinished runs as a Slurm job array: write DIR/slurm/array-K.sh (task k
    /// trains or resumes run k) and DIR/slurm/collect-K.sh (this command with --collect:
    /// the summary and report once the array has ended). Run it again after a failure to
    /// write (and submit) only the runs not finished.
    #[arg(long)]
    pub slurm: bool,
    /// With --slurm: submit both scripts with sbatch (the collection job depending on the
    /// array) instead of only writing them.
    #[arg(long, requires = "slurm")]
    pub submit: bool,
    /// With --slurm: an sbatch option for both scripts, e.g. --sbatch=--partition=gpu
    /// --sbatch=--time=2:00:00 --sbatch=--gres=gpu:1 --sbatch=--account=NAME (default
    /// --cpus-per-task=1; the runs use the CPUs Slurm gives them).
    #[arg(
        long,
        requires = "slurm",
        allow_hyphen_values = true,
        value_name = "OPTION"
    )]
    pub sbatch: Vec<String>,
    /// Only summarise and report: every run must have finished (what the Slurm collection
    /// job runs); nothing is trained.
    #[arg(long, conflicts_with = "slurm")]
    pub collect: bool,
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
    let vary = args
        .vary
        .iter()
        .map(|text| Varied::parse(text))
        .collect::<Result<Vec<_>>>()?;
    let rank_by = args
        .rank_by
        .iter()
        .map(|key| {
            Quantity::from_key(key)
                .filter(|quantity| quantity.better().is_some())
                .ok_or_else(|| {
                    Error::bad_input(format!(
                        "option --rank-by: `{key}` does not rank (expected one of {})",
                        rankable_keys().join(", ")
                    ))
                })
        })
        .collect::<Result<Vec<_>>>()?;
    if args.slurm && args.run.force {
        return Err(Error::bad_input(
            "option --force: not with --slurm (remove the run folders to train them again)",
        ));
    }
    let options = args.run.run_options();
    let comparison = Comparison {
        collect: args.collect,
        vary,
        jobs: args.jobs,
        rank_by,
        image_metrics: args.image_metrics,
        flags: args.run.options,
        config_file: args.run.config,
        losses: args.losses,
        seeds: args.seeds,
    };
    if args.slurm {
        let slurm = SlurmOptions {
            submit: args.submit,
            sbatch: args.sbatch,
        };
        let (unfinished, total) = prepare_unfinished(&comparison, &args.out)?;
        if !unfinished.is_empty() {
            return hand_to_slurm(&args.out, unfinished, total, &slurm);
        }
        eprintln!("compare: every run has finished; summarising them here");
    }
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
