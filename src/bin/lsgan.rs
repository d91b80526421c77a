//! The `lsgan` command line: the clap definitions and the dispatch to the commands layer
//! (`lsgan::commands`), whose errors map to exit codes (0 success, 2 bad input or usage, 1
//! any other failure). A usage error is one line naming the option and what it expects
//! ([`usage_error`]); numbers are read with parsers that say what they expect, negative
//! ones included, so `--iters -5` is a bad value of `--iters`, not an unknown argument.

use std::any::TypeId;
use std::process::ExitCode;

use clap::builder::ValueParser;
use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, FromArgMatches, Parser, Subcommand};

use lsgan::commands::{
    bench, compare, config, download, evaluate, report, sample, train, train_classifier,
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
    /// Print the configuration `lsgan train` would run with these options (TOML, the keys of
    /// a run folder's config.toml), without training.
    Config(config::ConfigArgs),
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

/// `arg` with a number parser that says what it expects, negative numbers reaching it.
fn with_number_parser(arg: clap::Arg) -> clap::Arg {
    let id = arg.get_value_parser().type_id();
    let whole = "expected a whole number (0, 1, 2, …)";
    let parser = if id == TypeId::of::<u64>() {
        ValueParser::new(move |text: &str| text.trim().parse::<u64>().map_err(|_| whole))
    } else if id == TypeId::of::<usize>() {
        ValueParser::new(move |text: &str| text.trim().parse::<usize>().map_err(|_| whole))
    } else if id == TypeId::of::<f64>() {
        ValueParser::new(|text: &str| {
            text.trim()
                .parse::<f64>()
                .map_err(|_| "expected a number (such as 0.5 or 1e-4)")
        })
    } else {
        return arg;
    };
    arg.value_parser(parser).allow_negative_numbers(true)
}

/// A clap error as one line: the option and what it expects, or clap's own message and
/// its tip, without the usage that follows.
fn usage_error(error: &clap::Error) -> String {
    let context = |kind| match error.get(kind) {
        Some(ContextValue::String(text)) => Some(text.clone()),
        Some(ContextValue::Strings(texts)) => Some(texts.join(", ")),
        _ => None,
    };
    let option = context(ContextKind::InvalidArg)
        .map(|arg| arg.split(' ').next().unwrap_or_default().to_string());
    let value = context(ContextKind::InvalidValue);
    match (error.kind(), option, value) {
        (ErrorKind::ValueValidation, Some(option), Some(value)) => {
            let expected = std::error::Error::source(error)
                .map_or_else(|| "a valid value".to_string(), |e| e.to_string());
            format!("option {option}: {expected}, got '{value}'")
        }
        (ErrorKind::InvalidValue, Some(option), Some(value)) => {
            let expected = context(ContextKind::ValidValue).map_or_else(
                || "a value".to_string(),
                |values| format!("one of {values}"),
            );
            let got = if value.is_empty() {
                "nothing".to_string()
            } else {
                format!("'{value}'")
            };
            format!("option {option}: expected {expected}, got {got}")
        }
        (ErrorKind::UnknownArgument, _, _) if context(ContextKind::InvalidArg).is_some() => {
            let unknown = context(ContextKind::InvalidArg).unwrap_or_default();
            let hint = match context(ContextKind::SuggestedArg) {
                Some(suggested) => format!("did you mean '{suggested}'?"),
                None => "--help lists the options".to_string(),
            };
            let what = if unknown.starts_with('-') {
                "unknown option"
            } else {
                "unexpected argument"
            };
            format!("{what} '{unknown}': {hint}")
        }
        _ => error
            .to_string()
            .lines()
            .take_while(|line| !line.starts_with("Usage:") && !line.starts_with("For more"))
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .trim_start_matches("error: ")
            .to_string(),
    }
}

/// The command line parsed, or the exit code of a usage error (after printing it in one
/// line) or of `--help` and `--version` (after printing them).
fn parse() -> Result<Cli, ExitCode> {
    let command = Cli::command().mut_subcommands(|sub| sub.mut_args(with_number_parser));
    let parsed = command
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches));
    parsed.map_err(|error| match error.kind() {
        ErrorKind::DisplayHelp
        | ErrorKind::DisplayVersion
        | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand => {
            let _ = error.print();
            ExitCode::from(error.exit_code() as u8)
        }
        _ => {
            eprintln!("error: {}", usage_error(&error));
            ExitCode::from(2)
        }
    })
}

fn main() -> ExitCode {
    lsgan::process::configure();
    let cli = match parse() {
        Ok(cli) => cli,
        Err(code) => return code,
    };
    let result = match cli.command {
        Command::Train(args) => train::train_command(*args),
        Command::Resume(args) => train::resume_command(args),
        Command::Config(args) => config::config_command(args),
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
