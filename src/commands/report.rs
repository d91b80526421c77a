//! `lsgan report`: the report (report.html with embedded pictures, report.md) of finished
//! runs on one data set, with the automatic reading of the LS-GAN claims printed.

use std::path::{Path, PathBuf};

use crate::commands::compare::summary_of_runs;
use crate::error::Result;
use crate::report::claims::ClaimReading;
use crate::report::html::{write_report, REPORT_HTML, REPORT_MARKDOWN};

/// `lsgan report`'s options.
#[derive(clap::Args)]
pub struct ReportArgs {
    /// Finished run folders (any losses and seeds; one data set).
    #[arg(required = true)]
    pub run_dirs: Vec<PathBuf>,
    /// Folder to write report.html and report.md into.
    #[arg(long, value_name = "DIR")]
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
