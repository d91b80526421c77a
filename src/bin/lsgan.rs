//! The `lsgan` command line: parse, call the library, map errors to exit codes
//! (0 success, 2 bad input or usage, 1 any other failure).

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use serde::Serialize;

use lsgan::config::{
    Activation, CriticNorm, CriticOutput, DeviceChoice, LossKind, LrSchedule, MarginDistance,
    NoiseKind, OptimizerKind, TrainConfig,
};
use lsgan::train::run::{RunOptions, RunSummary};
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
    /// Write samples from a finished run's generator (.csv or .npy).
    Sample(SampleArgs),
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
struct ResumeArgs {
    /// The run folder (it holds config.toml and checkpoint.safetensors).
    run_dir: PathBuf,
    /// New total number of iterations [default: the run's own].
    #[arg(long)]
    iters: Option<u64>,
    /// No progress bar and no metrics lines.
    #[arg(long, short)]
    quiet: bool,
}

#[derive(Args)]
struct TrainArgs {
    /// Read options from this TOML file (flags override it; a run's config.toml works).
    #[arg(long, value_name = "FILE.toml")]
    config: Option<PathBuf>,
    /// Run folder to write [default: runs/<data>-<loss>].
    #[arg(long, value_name = "RUN_DIR")]
    out: Option<PathBuf>,
    /// Replace a run already in the folder.
    #[arg(long)]
    force: bool,
    /// No progress bar and no metrics lines (the final summary is still printed).
    #[arg(long, short)]
    quiet: bool,
    #[command(flatten)]
    options: TrainFlags,
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
}

#[derive(Args)]
struct SampleArgs {
    /// A finished run folder.
    run_dir: PathBuf,
    /// Number of samples.
    #[arg(short = 'n', long = "count", default_value_t = 2500)]
    count: usize,
    /// Output file: .csv (x,y per line) or .npy (N×2 float32).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Seed for the generator's noise.
    #[arg(long, default_value_t = 0)]
    seed: u64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Train(args) => train(*args),
        Command::Resume(args) => resume(args),
        Command::Sample(args) => {
            lsgan::sample::write_samples(&args.run_dir, args.count, &args.out, args.seed)
                .map(|()| println!("wrote {} samples to {}", args.count, args.out.display()))
        }
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
    let overrides = toml::Table::try_from(&args.options)
        .map_err(|e| Error::bad_input(format!("command-line options: {e}")))?;
    let config = TrainConfig::resolve(args.config.as_deref(), overrides)?;
    let out = args.out.unwrap_or_else(|| default_run_dir(&config));
    let options = RunOptions {
        force: args.force,
        verbose: !args.quiet,
    };
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
    let summary = lsgan::train::run::resume(&args.run_dir, args.iters, options)?;
    report(&summary, &args.run_dir);
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

/// Trains the digit classifier on the training split, reports test accuracy, saves it.
fn train_classifier(
    data: &str,
    data_dir: Option<PathBuf>,
    out: Option<PathBuf>,
    epochs: usize,
    seed: u64,
) -> Result<(), Error> {
    use lsgan::metrics::{cache_root, classifier, idx_temporary};
    let data_dir = data_dir.unwrap_or_else(|| cache_root().join("data"));
    let (train_images, train_labels) = idx_temporary::load_split(&data_dir, data, true)?;
    let (test_images, test_labels) = idx_temporary::load_split(&data_dir, data, false)?;
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
