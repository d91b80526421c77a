//! The `lsgan` command line: parse, call the library, map errors to exit codes
//! (0 success, 2 bad input or usage, 1 any other failure).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use lsgan::config::{
    Activation, CriticNorm, CriticOutput, DeviceChoice, LossKind, LrSchedule, MarginDistance,
    NoiseKind, OptimizerKind, Precision, TrainConfig,
};
use lsgan::sample::{self, Weights};
use lsgan::train::run::{ResumeFrom, RunOptions, RunSummary};
use lsgan::Error;

/// Loss-Sensitive GANs (Qi 2017) and their relatives: train, sample and measure.
#[derive(Parser)]
#[command(name = "lsgan", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a GAN and write a run folder (config, metrics, weights, pictures).
    Train(Box<TrainArgs>),
    /// Continue a run from its checkpoint (after Ctrl-C, a crash, or to train further).
    Resume(ResumeArgs),
    /// Train several losses over several seeds on one data set and summarise them
    /// (→ DIR/summary.json, DIR/summary.md, runs in DIR/runs/).
    Compare(Box<CompareArgs>),
    /// Write a report (report.html with embedded pictures, report.md) comparing finished
    /// runs on one data set, with the automatic reading of the LS-GAN claims.
    Report {
        /// Finished run folders (any losses and seeds; one data set).
        #[arg(required = true)]
        run_dirs: Vec<PathBuf>,
        /// Folder to write report.html and report.md into.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write samples from a finished run's generator (.csv, .npy, a .png grid or a folder of PNGs).
    Sample(SampleArgs),
    /// Write latent interpolation strips of an image run's generator as a PNG grid.
    Interpolate(InterpolateArgs),
    /// Measure a finished image run: FID, KID, precision/recall (→ RUN_DIR/image_metrics.json).
    Evaluate(EvaluateArgs),
    /// Time whole training iterations (critic steps with penalty + generator step) on
    /// standard workloads after warm-up: median and spread of ms/iteration, samples/s,
    /// peak memory.
    Bench(BenchArgs),
    /// Download MNIST, Fashion-MNIST or CIFAR-10, checked against the mirror's MD5s.
    Download {
        #[arg(value_parser = ["mnist", "fashion-mnist", "cifar10"])]
        dataset: String,
        /// Folder to write the files into; `--data-dir DIR` then finds them
        /// [default: the per-user cache, ~/.cache/lsgan/data/<dataset>].
        #[arg(long, value_name = "DIR")]
        dir: Option<PathBuf>,
        /// URL of the mirror folder the canonical file names are appended to
        /// [default: the dataset's public mirror].
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
    },
    /// Train the digit classifier whose features FID, KID and precision/recall use for
    /// 28×28 images; prints its test accuracy and writes its weights.
    TrainClassifier {
        /// The dataset.
        #[arg(long, value_name = "mnist|fashion-mnist")]
        data: String,
        /// Folder holding <data>/train-images-idx3-ubyte.gz and the rest [default: the
        /// per-user cache's data folder].
        #[arg(long, value_name = "DIR")]
        data_dir: Option<PathBuf>,
        /// Weights file to write [default: ~/.cache/lsgan/classifiers/<data>.safetensors].
        #[arg(long, value_name = "FILE.safetensors")]
        out: Option<PathBuf>,
        /// Passes over the training set.
        #[arg(long, default_value_t = 2)]
        epochs: usize,
        #[arg(long, default_value_t = 0)]
        seed: u64,
    },
}

#[derive(Args)]
struct BenchArgs {
    /// Workloads, comma-separated: ring (MLP 3×512, batch 256), mnist (DCGAN 28×28×1,
    /// batch 64), dcgan64 (DCGAN 64×64×3, batch 64).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ring,mnist,dcgan64"
    )]
    workloads: Vec<lsgan::bench::Workload>,
    /// The objective timed, with its own defaults (the PyTorch reference has LS-GAN only).
    #[arg(long, value_enum, default_value = "lsgan")]
    loss: LossKind,
    /// Batch size [default: the workload's].
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    batch: usize,
    /// CPU threads for libtorch [default: libtorch's choice].
    #[arg(long, default_value_t = 0, hide_default_value = true)]
    threads: usize,
    #[arg(long, value_enum, default_value = "cpu")]
    device: DeviceChoice,
    /// Untimed iterations first.
    #[arg(long, default_value_t = 5)]
    warmup: usize,
    /// Timed iterations.
    #[arg(long, default_value_t = 20)]
    iters: usize,
    /// Lazy penalty: on every k-th critic step only, weighted k·γ.
    #[arg(long, default_value_t = 1)]
    penalty_every: u64,
    /// `bf16`: mixed precision (matrix products and convolutions in bfloat16).
    #[arg(long, value_enum, default_value = "fp32")]
    precision: Precision,
    /// One JSON object per workload instead of a sentence.
    #[arg(long)]
    json: bool,
    /// Take turns with another engine (bench/lockstep.py): after the warm-up print
    /// {"ready":true}, then time one iteration per line read from standard input and print
    /// {"iteration_ms":T} after each; end at --iters or when standard input closes.
    #[arg(long)]
    lockstep: bool,
}

#[derive(Args)]
struct ResumeArgs {
    /// The run folder (it holds config.toml and checkpoint.safetensors).
    run_dir: PathBuf,
    /// New total number of iterations [default: the run's own].
    #[arg(long)]
    iters: Option<u64>,
    /// Continue from checkpoint.previous.safetensors, the checkpoint before the latest (use
    /// it when the latest is damaged; the latest is set aside, not deleted).
    #[arg(long)]
    previous_checkpoint: bool,
    /// No progress bar and no metrics lines.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// Run folder to write [default: runs/<data>-<loss>].
    #[arg(long, value_name = "RUN_DIR")]
    out: Option<PathBuf>,
    #[command(flatten)]
    run: RunFlags,
}

/// What `train` and `compare` share: options from a file and flags, and how to run.
#[derive(Args)]
struct RunFlags {
    /// Read options from this TOML file (flags override it; a run's config.toml works;
    /// each loss's own defaults lie underneath).
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Replace runs already in the output folder.
    #[arg(long)]
    force: bool,
    /// No progress bar and no metrics lines (the final summary is still printed).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    options: TrainFlags,
}

impl RunFlags {
    /// The flags given, as TOML keys over the config file.
    fn overrides(&self) -> Result<toml::Table, Error> {
        toml::Table::try_from(&self.options)
            .map_err(|e| Error::bad_input(format!("command-line options: {e}")))
    }

    fn run_options(&self) -> RunOptions {
        RunOptions {
            force: self.force,
            verbose: !self.quiet,
        }
    }
}

#[derive(Args)]
struct CompareArgs {
    /// Folder for the runs and the summary (finished runs in it are kept, interrupted ones
    /// resumed).
    #[arg(long, value_name = "DIR")]
    out: PathBuf,
    /// Losses to compare, comma-separated.
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "lsgan,glsgan,wgan,wgan-gp,gan"
    )]
    losses: Vec<LossKind>,
    /// Seeds per loss (0, 1, …).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    /// Image metrics measured after each image run (as `lsgan evaluate`): auto is the
    /// digit classifier's space for MNIST and Fashion-MNIST (seconds a run) and none
    /// elsewhere; inception and all take minutes a run on a CPU.
    #[arg(
        long,
        value_parser = ["auto", "none", "classifier", "inception", "all"],
        default_value = "auto"
    )]
    image_metrics: String,
    /// Generated and held-out images the image metrics compare.
    #[arg(long, default_value_t = 1000)]
    eval_count: usize,
    #[command(flatten)]
    run: RunFlags,
}

/// Every training option; each overrides the config file and the loss's defaults.
#[derive(Args, Serialize, Default)]
struct TrainFlags {
    /// `ring`, `grid`, a CSV file of x,y points, `mnist`, `fashion-mnist`, `cifar10` or a
    /// folder of images [default: ring].
    #[arg(
        long,
        value_name = "ring|grid|FILE.csv|mnist|fashion-mnist|cifar10|DIR"
    )]
    #[serde(skip_serializing_if = "Option::is_none")]
    data: Option<String>,
    /// Where image datasets are looked for [default: the per-user cache].
    #[arg(long, value_name = "DIR")]
    #[serde(skip_serializing_if = "Option::is_none")]
    data_dir: Option<String>,
    /// Image side the networks make: 28, 32 or 64 [default: the dataset's own].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    image_size: Option<usize>,
    /// 1 (grayscale) or 3 (RGB) [default: the dataset's own].
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    image_channels: Option<usize>,
    /// The objective [default: lsgan].
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    loss: Option<LossKind>,
    /// Generator steps.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    iters: Option<u64>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    seed: Option<u64>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    batch_size: Option<usize>,
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    noise: Option<NoiseKind>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    noise_dim: Option<usize>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    gen_width: Option<usize>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    gen_depth: Option<usize>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_width: Option<usize>,
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_depth: Option<usize>,
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    activation: Option<Activation>,
    /// Last activation of the critic L.
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_output: Option<CriticOutput>,
    /// Added to the initial bias of the critic's last layer (MLP critics).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_output_bias: Option<f64>,
    /// Batch norm in the DCGAN generator.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    gen_batch_norm: Option<bool>,
    /// Normalisation in the DCGAN critic.
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_norm: Option<CriticNorm>,
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    optimizer: Option<OptimizerKind>,
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    lr_generator: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    lr_critic: Option<f64>,
    /// `linear`: learning rates fall linearly to 0 over the run; `constant`.
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    lr_schedule: Option<LrSchedule>,
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    beta1: Option<f64>,
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    beta2: Option<f64>,
    /// Critic steps per generator step.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    critic_steps: Option<usize>,
    /// Distance in the margin Δ (LS-GAN, GLS-GAN).
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    margin: Option<MarginDistance>,
    /// τ in Δ(x, y) = τ · dist(x, y).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    margin_scale: Option<f64>,
    /// λ, the weight of the mean hinge.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    hinge_weight: Option<f64>,
    /// Weight of mean L(x) in the critic objective.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    real_weight: Option<f64>,
    /// γ: gradient-penalty weight (zero-centred on real data; WGAN-GP: interpolates, at 1).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    penalty_weight: Option<f64>,
    /// Lazy penalty: compute it on every k-th critic step only, weighted k·γ.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    penalty_every: Option<u64>,
    /// L2 weight decay on the critic.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    weight_decay: Option<f64>,
    /// ν in GLS-GAN's cost max(a, ν·a).
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    glsgan_slope: Option<f64>,
    /// WGAN weight-clipping bound c.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    clip: Option<f64>,
    /// Decay of the generator's weight average (0: off), used for samples and metrics.
    #[arg(long, allow_negative_numbers = true)]
    #[serde(skip_serializing_if = "Option::is_none")]
    ema_decay: Option<f64>,
    /// Log and evaluate every N iterations.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    log_every: Option<u64>,
    /// Write a sample grid every N iterations (images; 0: only the final one).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    sample_every: Option<u64>,
    /// Write a checkpoint every N iterations (0: only at the end and on Ctrl-C).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    checkpoint_every: Option<u64>,
    /// Generated points per evaluation.
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    eval_samples: Option<usize>,
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    device: Option<DeviceChoice>,
    /// CPU threads for libtorch (0: libtorch's choice).
    #[arg(long)]
    #[serde(skip_serializing_if = "Option::is_none")]
    threads: Option<usize>,
    /// `bf16`: the networks' matrix products and convolutions in bfloat16 (mixed precision).
    #[arg(long, value_enum)]
    #[serde(skip_serializing_if = "Option::is_none")]
    precision: Option<Precision>,
}

#[derive(Args)]
struct SampleArgs {
    /// A finished run folder.
    run_dir: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', long = "count", default_value_t = 2500)]
    count: usize,
    /// Output: .csv (x,y per line; 2-D runs), .npy (N×2, or N×C×H×W in [-1, 1]), .png (a
    /// grid; image runs) or a folder name without extension (N PNG files; image runs).
    #[arg(long, value_name = "FILE|DIR")]
    out: PathBuf,
    /// Seed for the generator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use the moving average of the generator's weights.
    #[arg(long)]
    ema: bool,
}

#[derive(Args)]
struct EvaluateArgs {
    /// A finished image run folder.
    run_dir: PathBuf,
    /// Generated images, and held-out real images, to compare.
    #[arg(short = 'n', long = "count", default_value_t = 2000)]
    count: usize,
    /// Feature spaces: inception, classifier (28×28 digits), or all that apply.
    #[arg(long, value_parser = ["all", "inception", "classifier"], default_value = "all")]
    features: String,
    /// Seed for the generator's noise and KID's subsets.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use the moving average of the generator's weights.
    #[arg(long)]
    ema: bool,
}

#[derive(Args)]
struct InterpolateArgs {
    /// A finished image run folder.
    run_dir: PathBuf,
    /// The PNG to write.
    #[arg(long, value_name = "FILE.png")]
    out: PathBuf,
    /// Strips (pairs of noise vectors).
    #[arg(long, default_value_t = 8)]
    rows: usize,
    /// Images per strip, endpoints included.
    #[arg(long, default_value_t = 10)]
    steps: usize,
    /// Seed for the endpoints.
    #[arg(long, default_value_t = 0)]
    seed: u64,
    /// Use the moving average of the generator's weights.
    #[arg(long)]
    ema: bool,
}

fn weights(ema: bool) -> Weights {
    if ema {
        Weights::Averaged
    } else {
        Weights::Final
    }
}

fn main() -> ExitCode {
    lsgan::process::configure();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(*args),
        Command::Resume(args) => resume(args),
        Command::Sample(args) => sample::write_samples(
            &args.run_dir,
            args.count,
            &args.out,
            args.seed,
            weights(args.ema),
        )
        .map(|()| println!("wrote {} samples to {}", args.count, args.out.display())),
        Command::Interpolate(args) => sample::write_interpolation(
            &args.run_dir,
            &args.out,
            args.rows,
            args.steps,
            args.seed,
            weights(args.ema),
        )
        .map(|()| {
            println!(
                "wrote {} interpolation strips to {}",
                args.rows,
                args.out.display()
            )
        }),
        Command::Download {
            dataset,
            dir,
            base_url,
        } => download(&dataset, dir, base_url),
        Command::Evaluate(args) => evaluate(args),
        Command::Compare(args) => compare(*args),
        Command::Bench(args) => bench(args),
        Command::Report { run_dirs, out } => report_runs(&run_dirs, &out),
        Command::TrainClassifier {
            data,
            data_dir,
            out,
            epochs,
            seed,
        } => train_classifier(&data, data_dir, out, epochs, seed),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}

fn train(args: TrainArgs) -> Result<(), Error> {
    let config = TrainConfig::resolve(args.run.config.as_deref(), args.run.overrides()?)?;
    let out = args.out.unwrap_or_else(|| default_run_dir(&config));
    let options = args.run.run_options();
    eprintln!(
        "training {} on {} for {} iterations (seed {}) into {}",
        config.loss.name(),
        config.data,
        config.iters,
        config.seed,
        out.display()
    );
    let summary = lsgan::train::train(config, &out, options)?;
    report(&summary, &out);
    Ok(())
}

fn resume(args: ResumeArgs) -> Result<(), Error> {
    let options = RunOptions {
        force: false,
        verbose: !args.quiet,
    };
    eprintln!("resuming {}", args.run_dir.display());
    let from = if args.previous_checkpoint {
        ResumeFrom::Previous
    } else {
        ResumeFrom::Latest
    };
    let summary = lsgan::train::run::resume(&args.run_dir, args.iters, from, options)?;
    report(&summary, &args.run_dir);
    Ok(())
}

/// `lsgan download`: fetches a public dataset into `dir` (default: the per-user cache) and
/// says how to train on it.
fn download(name: &str, dir: Option<PathBuf>, base_url: Option<String>) -> Result<(), Error> {
    use lsgan::data::images::{download, ImageDataset};
    let dataset = ImageDataset::from_spec(name).ok_or_else(|| {
        Error::bad_input(format!("{name}: expected mnist, fashion-mnist or cifar10"))
    })?;
    let data_dir_flag = match &dir {
        Some(dir) => format!(" --data-dir {}", dir.display()),
        None => String::new(),
    };
    let dir = dir.unwrap_or_else(|| dataset.download_dir(Path::new("")));
    let base_url = base_url
        .or_else(|| download::default_base_url(&dataset).map(String::from))
        .unwrap_or_default();
    eprintln!("downloading {name} from {base_url} into {}", dir.display());
    download::download(&dataset, &dir, &base_url)?;
    println!(
        "{name} is in {}; train on it with `lsgan train --data {name}{data_dir_flag}`",
        dir.display()
    );
    Ok(())
}

/// Prints the final metrics and where the run folder is.
fn report(summary: &RunSummary, out: &Path) {
    println!(
        "{} on {}:{}; {} iterations in {:.1} s ({:.1} ms/iteration)",
        summary.loss,
        summary.data,
        summary.metrics.summary(),
        summary.iterations,
        summary.seconds,
        1000.0 * summary.seconds_per_iteration
    );
    println!(
        "run folder: {} (pictures, metrics.jsonl, final_metrics.json)",
        out.display()
    );
}

/// `lsgan compare`: every (loss, seed) run, then the per-loss summary on stdout.
fn compare(args: CompareArgs) -> Result<(), Error> {
    if args.run.options.loss.is_some() || args.run.options.seed.is_some() {
        return Err(Error::bad_input(
            "compare sets each run's loss and seed itself: use --losses and --seeds, not --loss or --seed",
        ));
    }
    use lsgan::compare::ImageMetricsChoice;
    use lsgan::evaluate::FeatureSpaces;
    let spaces = |spaces| ImageMetricsChoice::Spaces {
        spaces,
        count: args.eval_count,
    };
    let image_metrics = match args.image_metrics.as_str() {
        "none" => ImageMetricsChoice::None,
        "classifier" => spaces(FeatureSpaces::Classifier),
        "inception" => spaces(FeatureSpaces::Inception),
        "all" => spaces(FeatureSpaces::All),
        _ => ImageMetricsChoice::Auto {
            count: args.eval_count,
        },
    };
    let options = args.run.run_options();
    let comparison = lsgan::compare::Comparison {
        image_metrics,
        shared: args.run.overrides()?,
        config_file: args.run.config,
        losses: args.losses,
        seeds: args.seeds,
    };
    let summary = lsgan::compare::compare(&comparison, &args.out, options)?;
    print!("{}", lsgan::compare::markdown(&summary));
    let claims = lsgan::report::html::write_report(&summary, &args.out)?;
    println!();
    print_claims(&claims);
    let flat: Vec<String> = lsgan::report::claims::runs_with_flat_critic(&summary)
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
        lsgan::compare::SUMMARY_JSON,
        lsgan::compare::SUMMARY_MARKDOWN,
        lsgan::report::html::REPORT_HTML,
        lsgan::report::html::REPORT_MARKDOWN,
        args.out.display()
    );
    Ok(())
}

/// `lsgan bench`: each workload in turn, one line (or JSON object) per workload on stdout.
fn bench(args: BenchArgs) -> Result<(), Error> {
    let options = lsgan::bench::BenchOptions {
        loss: args.loss,
        batch: args.batch,
        threads: args.threads,
        device: args.device,
        warmup: args.warmup,
        iters: args.iters,
        penalty_every: args.penalty_every,
        precision: args.precision,
    };
    for workload in args.workloads {
        let result = if args.lockstep {
            lsgan::bench::bench_in_lockstep(workload, options, &mut StdioPartner)?
        } else {
            lsgan::bench::bench(workload, options)?
        };
        if args.json {
            // Plain fields and string keys: serialising cannot fail.
            println!("{}", serde_json::to_string(&result).unwrap_or_default());
        } else {
            println!("{}", lsgan::bench::describe(&result));
        }
    }
    Ok(())
}

/// The lock-step driver on the other end of standard input and output.
struct StdioPartner;

impl StdioPartner {
    fn say(&self, line: &str) -> Result<(), Error> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|source| Error::Io {
                action: "writing to",
                path: "standard output".into(),
                source,
            })
    }
}

impl lsgan::bench::Partner for StdioPartner {
    fn ready(&mut self) -> Result<(), Error> {
        self.say(r#"{"ready":true}"#)
    }

    fn go(&mut self) -> Result<bool, Error> {
        let mut line = String::new();
        let read = std::io::stdin()
            .read_line(&mut line)
            .map_err(|source| Error::Io {
                action: "reading",
                path: "standard input".into(),
                source,
            })?;
        Ok(read > 0)
    }

    fn timed(&mut self, milliseconds: f64) -> Result<(), Error> {
        self.say(&format!(r#"{{"iteration_ms":{milliseconds}}}"#))
    }
}

/// `lsgan report`: the report of finished runs, its claims printed.
fn report_runs(run_dirs: &[PathBuf], out: &Path) -> Result<(), Error> {
    let summary = lsgan::compare::summary_of_runs(run_dirs)?;
    let claims = lsgan::report::html::write_report(&summary, out)?;
    print_claims(&claims);
    println!(
        "wrote {} and {} in {}",
        lsgan::report::html::REPORT_HTML,
        lsgan::report::html::REPORT_MARKDOWN,
        out.display()
    );
    Ok(())
}

fn print_claims(claims: &[lsgan::report::claims::ClaimReading]) {
    for claim in claims {
        println!(
            "{}: {} ({})",
            claim.claim,
            claim.verdict.label(),
            claim.evidence
        );
    }
}

/// `lsgan evaluate`: measures a finished image run and prints one line per feature space.
fn evaluate(args: EvaluateArgs) -> Result<(), Error> {
    use lsgan::evaluate::{evaluate_run, FeatureSpaces, IMAGE_METRICS_FILE};
    let spaces = match args.features.as_str() {
        "inception" => FeatureSpaces::Inception,
        "classifier" => FeatureSpaces::Classifier,
        _ => FeatureSpaces::All,
    };
    eprintln!(
        "measuring {} with {} generated and held-out images",
        args.run_dir.display(),
        args.count
    );
    let evaluation = evaluate_run(
        &args.run_dir,
        args.count,
        weights(args.ema),
        spaces,
        args.seed,
    )?;
    for m in &evaluation.metrics {
        println!(
            "{} ({} vs {}): FID {:.2}  KID {:.4} ± {:.4}  precision {:.3}  recall {:.3}",
            m.feature, m.n, m.n_reference, m.fid, m.kid_mean, m.kid_std, m.precision, m.recall
        );
    }
    println!(
        "written to {}",
        args.run_dir.join(IMAGE_METRICS_FILE).display()
    );
    Ok(())
}

/// Trains the digit classifier on the training split, reports test accuracy, saves it.
fn train_classifier(
    data: &str,
    data_dir: Option<PathBuf>,
    out: Option<PathBuf>,
    epochs: usize,
    seed: u64,
) -> Result<(), Error> {
    use lsgan::data::images::{default_data_dir, load_labelled, Split};
    use lsgan::metrics::classifier;
    let data_dir = data_dir.unwrap_or_else(default_data_dir);
    let (train_images, train_labels) = load_labelled(data, &data_dir, Split::Train)?;
    let (test_images, test_labels) = load_labelled(data, &data_dir, Split::Test)?;
    let out = out.unwrap_or_else(|| classifier::default_weights_path(data));
    let options = classifier::TrainOptions {
        epochs,
        seed,
        ..Default::default()
    };
    let device = tch::Device::cuda_if_available();
    eprintln!(
        "training the {data} classifier on {} images for {epochs} epochs (seed {seed}, {device:?})",
        train_images.size()[0]
    );
    let network = classifier::Classifier::train(
        &train_images,
        &train_labels,
        &options,
        device,
        &mut |report, network| {
            let accuracy = network
                .accuracy(&test_images, &test_labels)
                .unwrap_or(f64::NAN);
            eprintln!(
                "epoch {}/{epochs}: mean loss {:.4}, test accuracy {:.2}% ({:.0} s)",
                report.epoch,
                report.mean_loss,
                100.0 * accuracy,
                report.seconds
            )
        },
    )?;
    let accuracy = network.accuracy(&test_images, &test_labels)?;
    network.save(&out)?;
    println!(
        "{data} classifier: test accuracy {:.2}% on {} images; weights: {}",
        100.0 * accuracy,
        test_images.size()[0],
        out.display()
    );
    Ok(())
}

fn default_run_dir(config: &TrainConfig) -> PathBuf {
    let data = Path::new(&config.data)
        .file_stem()
        .map_or_else(|| config.data.clone(), |s| s.to_string_lossy().into_owned());
    PathBuf::from("runs").join(format!("{data}-{}", config.loss.name()))
}
