//! The reliability record: each fault-injection test writes one row of RELIABILITY.md's table
//! (fault, how it was tried, trials, outcome) to `target/tmp/reliability/<slug>.md`, and
//! `scripts/reliability.sh` gathers the rows into RELIABILITY.md. The number of trials comes
//! from an environment variable, so CI runs a small campaign and the script a long one.
#![allow(dead_code)]

use std::path::PathBuf;

/// The number of trials for a campaign: `$variable` when set (and a positive number), else
/// `ci_default`.
pub fn trials(variable: &str, ci_default: usize) -> usize {
    match std::env::var(variable) {
        Ok(text) => match text.trim().parse::<usize>() {
            Ok(n) if n > 0 => n,
            _ => panic!("{variable}={text}: expected a positive whole number of trials"),
        },
        Err(_) => ci_default,
    }
}

/// The folder the rows go to.
pub fn folder() -> PathBuf {
    PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("reliability")
}

/// Writes the row for `fault` (whose file name is `slug`): how it was `tried`, the number of
/// `trials` and the `outcome` seen in every one of them. Call it only after the test's
/// assertions passed, so a row exists only for a fault that was handled.
pub fn record(slug: &str, fault: &str, tried: &str, trials: usize, outcome: &str) {
    let folder = folder();
    std::fs::create_dir_all(&folder)
        .unwrap_or_else(|e| panic!("creating {}: {e}", folder.display()));
    let cell = |text: &str| text.replace('|', "\\|").replace('\n', " ");
    let row = format!(
        "| {} | {} | {trials} | {} |\n",
        cell(fault),
        cell(tried),
        cell(outcome)
    );
    let path = folder.join(format!("{slug}.md"));
    std::fs::write(&path, row).unwrap_or_else(|e| panic!("writing {}: {e}", path.display()));
}
