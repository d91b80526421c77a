//! The `lsgan` command line: the clap definitions and the dispatch to the commands layer
//! (`lsgan::commands`), whose errors map to exit codes (0 success, 2 bad input or usage, 1
//! any other failure).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

use lsgan::commands::{
    bench, compare, download, evaluate, report, sample, train, train_classifier,
};

/// `lsgan --version`: the crate's version and the libtorch build it links (cpu or cuda).
const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (libtorch 2.11.0, ",
    env!("LSGAN_LIBTORCH_BUILD"),
    " build)"
);

/// Loss-Sensitive GANs (Qi 2017) and their relatives: train, sample and measure.
#[derive(Parser)]
#[command(name = "lsgan", version = VERSION, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Train a GAN and write a run folder (config, metrics, weights, pictures).
    Train(Box<train::TrainArgs>),
    /// Continue a run from its checkpoint (after Ctrl-C, a crash, or to train further).
    Resume(train::ResumeArgs),
    /// Train several losses over several seeds on one data set and summarise them
    /// (→ DIR/summary.json, DIR/summary.md, runs in DIR/runs/).
    Compare(Box<compare::CompareArgs>),
    /// Write a report (report.html with embedded pictures, report.md) comparing finished
    /// runs on one data set, with the automatic reading of the LS-GAN claims.
    Report(report::ReportArgs),
    /// Write samples from a finished run's generator (.csv, .npy, a .png grid or a folder of PNGs).
    Sample(sample::SampleArgs),
    /// Write latent interpolation strips of an image run's generator as a PNG grid.
    Interpolate(sample::InterpolateArgs),
    /// Measure a finished image run: FID, KID, precision/recall (→ RUN_DIR/image_metrics.json).
    Evaluate(evaluate::EvaluateArgs),
    /// Time whole training iterations (critic steps with penalty + generator step) on
    /// standard workloads after warm-up: median and spread of ms/iteration, samples/s,
    /// peak memory.
    Bench(bench::BenchArgs),
    /// Download MNIST, Fashion-MNIST or CIFAR-10, checked against the mirror's MD5s.
    Download(download::DownloadArgs),
    /// Train the digit classifier whose features FID, KID and precision/recall use for
    /// 28×28 images; prints its test accuracy and writes its weights.
    TrainClassifier(train_classifier::TrainClassifierArgs),
}

fn main() -> ExitCode {
    lsgan::process::configure();
    let result = match Cli::parse().command {
        Command::Train(args) => train::train_command(*args),
        Command::Resume(args) => train::resume_command(args),
        Command::Compare(args) => compare::compare_command(*args),
        Command::Report(args) => report::report_command(args),
        Command::Sample(args) => sample::sample_command(args),
        Command::Interpolate(args) => sample::interpolate_command(args),
        Command::Evaluate(args) => evaluate::evaluate_command(args),
        Command::Bench(args) => bench::bench_command(args),
        Command::Download(args) => download::download_command(args),
        Command::TrainClassifier(args) => train_classifier::train_classifier_command(args),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
