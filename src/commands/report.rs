//! `lsgan report`: the report (report.html with embedded pictures, report.md) of finished
//! runs on one data set, with the automatic reading of the LS-GAN claims printed. What a
//! finished run folder gives a summary ([`run_result`]) and the printed claims are also
//! what `lsgan compare` ends with.

use std::path::{Path, PathBuf};

use crate::commands::evaluate::read_run_evaluation;
use crate::error::{Error, Result};
use crate::objectives::options::LossKind;
use crate::report::claims::ClaimReading;
use crate::report::html::{write_report, REPORT_HTML, REPORT_MARKDOWN};
use crate::report::summary::{summarise, RunResult, Summary};
use crate::storage::RunDir;
use crate::train::config::TrainConfig;
use crate::train::{LogRecord, RunSummary};

/// `lsgan report`'s options.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Finished run folders (any losses and seeds; one data set).
    #[arg(required = true)]
    pub run_dirs: Vec<PathBuf>,
    /// Folder to write report.html and report.md into.
    #[arg(long, short, value_name = "DIR")]
    pub out: PathBuf,
}

/// `lsgan report`: the report of finished runs, its claims printed.
pub fn report_command(args: ReportArgs) -> Result<()> {
    report_runs(&args.run_dirs, &args.out)
}

/// `lsgan report`: the report of finished runs, its claims printed.
fn report_runs(run_dirs: &[PathBuf], out: &Path) -> Result<()> {
    let summary = summary_of_runs(run_dirs)?;
    let claims = write_report(&summary, out)?;
    print_claims(&claims);
    println!(
        "wrote {} and {} in {}",
        REPORT_HTML,
        REPORT_MARKDOWN,
        out.display()
    );
    Ok(())
}

/// The summary of finished run folders (for `lsgan report`): they must share their data.
pub fn summary_of_runs(dirs: &[PathBuf]) -> Result<Summary> {
    let finals = dirs
        .iter()
        .map(|dir| RunSummary::read(dir))
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
        ranking: None,
    })
}

/// The result of the finished run in `dir` (`summary` is its `final_metrics.json`), as a
/// summary holds it: its budget and what it used, its final metrics, the image metrics
/// `lsgan evaluate` wrote (if any) and the diagnostics logged last.
pub fn run_result(summary: &RunSummary, dir: &Path) -> Result<RunResult> {
    let run = RunDir::open_finished(dir)?;
    let records: Vec<LogRecord> = run.read_metrics_log()?;
    let config = TrainConfig::read_from(&run)?;
    let mut metrics = summary.metrics.clone();
    if let Some(evaluation) = read_run_evaluation(dir)? {
        metrics.images = evaluation.metrics;
    }
    Ok(RunResult {
        loss: summary.loss.clone(),
        variant: String::new(),
        seed: summary.seed,
        run_dir: dir.to_path_buf(),
        budget: config.budget.describe(),
        iterations: summary.iterations,
        critic_steps: summary.iterations * config.optimiser.critic_steps as u64,
        seconds: summary.seconds,
        seconds_per_iteration: summary.seconds_per_iteration,
        metrics,
        diagnostics: records.last().and_then(|r| r.diagnostics.clone()),
    })
}

/// Prints each claim's verdict and its evidence, a line each.
pub fn print_claims(claims: &[ClaimReading]) {
    for claim in claims {
        println!(
            "{}: {} ({})",
            claim.claim,
            claim.verdict.label(),
            claim.evidence
        );
    }
}
