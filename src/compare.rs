//! `lsgan compare`: several losses, each over several seeds, on one data set with one
//! architecture and iteration budget, then a summary of their final metrics and diagnostics
//! (`summary.json` for scripts, `summary.md` for people); `report::html` turns a summary
//! into the report.
//!
//! Runs go to `DIR/runs/<loss>-seed<k>/`, ordinary run folders. A finished run is kept and an
//! interrupted one resumed, so calling `compare` again after Ctrl-C only does what is missing.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{LossKind, TrainConfig};
use crate::error::{Error, Result};
use crate::evaluate::{
    classifier_applies, evaluate_run, read_run_evaluation, FeatureSpaces, IMAGE_METRICS_FILE,
};
use crate::metrics::{Diagnostics, Evaluation};
use crate::report::run_dir::{self, write_atomically, RunDir};
use crate::sample::Weights;
use crate::train::checkpoint::CHECKPOINT_FILE;
use crate::train::run::{resume, train, ResumeFrom, RunOptions, RunSummary};

/// The file names `compare` writes into its folder.
pub const SUMMARY_JSON: &str = "summary.json";
pub const SUMMARY_MARKDOWN: &str = "summary.md";
pub const RUNS_FOLDER: &str = "runs";

/// What to compare.
#[derive(Clone, Debug)]
pub struct Comparison {
    /// A TOML file of options every run shares (as `lsgan train --config`).
    pub config_file: Option<PathBuf>,
    /// Options every run shares, over the file (TOML keys, as from flags); `loss` and
    /// `seed` are set by the comparison.
    pub shared: toml::Table,
    pub losses: Vec<LossKind>,
    /// Seeds 0..seeds.
    pub seeds: u64,
    /// Which image metrics to measure after each image run (`lsgan evaluate`).
    pub image_metrics: ImageMetricsChoice,
}

/// The image metrics `compare` measures after each image run, into its image_metrics.json.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImageMetricsChoice {
    None,
    /// The digit classifier's space where it applies (MNIST, Fashion-MNIST), nothing
    /// elsewhere: seconds per run on a CPU, where Inception takes minutes.
    Auto {
        /// Generated and held-out images compared.
        count: usize,
    },
    Spaces {
        spaces: FeatureSpaces,
        /// Generated and held-out images compared.
        count: usize,
    },
}

impl ImageMetricsChoice {
    /// What to measure for a run trained with `config`, if anything.
    fn for_run(self, config: &TrainConfig) -> Option<(FeatureSpaces, usize)> {
        if !config.is_image_data() {
            return None;
        }
        match self {
            ImageMetricsChoice::None => None,
            ImageMetricsChoice::Auto { count } => {
                classifier_applies(config).then_some((FeatureSpaces::Classifier, count))
            }
            ImageMetricsChoice::Spaces { spaces, count } => Some((spaces, count)),
        }
    }
}

/// One finished run of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub loss: String,
    pub seed: u64,
    pub run_dir: PathBuf,
    pub iterations: u64,
    pub seconds_per_iteration: f64,
    /// The final evaluation (toy metrics for points).
    #[serde(flatten)]
    pub metrics: Evaluation,
    /// The diagnostics logged last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
}

impl RunResult {
    /// "loss seed k", as the report and the command line name a run.
    pub fn label(&self) -> String {
        format!("{} seed {}", self.loss, self.seed)
    }
}

/// Mean and sample standard deviation over seeds (std 0 for one seed).
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct MeanStd {
    pub mean: f64,
    pub std: f64,
    /// Seeds the value was present for.
    pub n: usize,
}

/// One loss over its seeds: `metrics` maps a [`SUMMARY_KEYS`] name to its mean ± std.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossSummary {
    pub loss: String,
    pub metrics: BTreeMap<String, MeanStd>,
}

impl LossSummary {
    /// "mean ± std" of `key`, or "—" when no run has it.
    pub fn cell(&self, key: &str) -> String {
        self.metrics
            .get(key)
            .map_or_else(|| "—".into(), |m| format!("{:.4} ± {:.4}", m.mean, m.std))
    }
}

/// What `summary.json` holds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub data: String,
    pub iterations: u64,
    pub seeds: u64,
    pub losses: Vec<LossSummary>,
    pub runs: Vec<RunResult>,
}

impl Summary {
    /// The [`SUMMARY_KEYS`] entries some loss has, in their order: the columns of the tables.
    pub fn present_keys(&self) -> Vec<&'static (&'static str, Extractor)> {
        SUMMARY_KEYS
            .iter()
            .filter(|(key, _)| self.losses.iter().any(|l| l.metrics.contains_key(*key)))
            .collect()
    }
}

/// A value read from a run for the per-loss summary.
pub type Extractor = fn(&RunResult) -> Option<f64>;

/// The summarised quantities, by their stable key in `summary.json` (README lists them).
pub const SUMMARY_KEYS: &[(&str, Extractor)] = &[
    ("modes_covered", |r| {
        r.metrics.modes().map(|m| m.modes_covered as f64)
    }),
    ("high_quality_share", |r| {
        r.metrics.modes().map(|m| m.high_quality_share)
    }),
    ("energy_distance", |r| r.metrics.energy_distance()),
    ("seconds_per_iteration", |r| Some(r.seconds_per_iteration)),
    ("margin_share", |r| {
        r.diagnostics.as_ref().and_then(|d| d.margin_share)
    }),
    ("allocation_rank_correlation", |r| {
        r.diagnostics
            .as_ref()
            .and_then(|d| d.allocation_rank_correlation)
    }),
    ("gradient_norm_real_mean", |r| {
        r.diagnostics.as_ref().map(|d| d.gradient_norm_real.mean)
    }),
    ("gradient_norm_interpolate_mean", |r| {
        r.diagnostics
            .as_ref()
            .map(|d| d.gradient_norm_interpolate.mean)
    }),
    ("critic_fake_max", |r| {
        r.diagnostics.as_ref().map(|d| d.critic_fake.max)
    }),
    ("inception_fid", |r| {
        r.metrics.image_metrics("inception").map(|m| m.fid)
    }),
    ("inception_kid", |r| {
        r.metrics.image_metrics("inception").map(|m| m.kid_mean)
    }),
    ("classifier_fid", |r| {
        r.metrics.image_metrics("classifier").map(|m| m.fid)
    }),
    ("classifier_precision", |r| {
        r.metrics.image_metrics("classifier").map(|m| m.precision)
    }),
    ("classifier_recall", |r| {
        r.metrics.image_metrics("classifier").map(|m| m.recall)
    }),
];

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
            if let Some((spaces, count)) = comparison.image_metrics.for_run(&config) {
                measure_images(&config, &summary, &dir, spaces, count, options)?;
            }
            runs.push(run_result(&summary, &dir)?);
            first_config.get_or_insert(config);
        }
    }
    let config = first_config.expect("at least one run");
    let summary = Summary {
        data: config.data.clone(),
        iterations: config.iters,
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
    let path = dir.join(run_dir::FINAL_METRICS_FILE);
    let text = std::fs::read_to_string(&path).map_err(|e| {
        if e.kind() == std::io::ErrorKind::NotFound {
            Error::bad_input(format!(
                "{} is not a finished lsgan run: {} is missing",
                dir.display(),
                run_dir::FINAL_METRICS_FILE
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
    let mut options = comparison.shared.clone();
    options.insert("loss".into(), toml::Value::String(loss.name().into()));
    options.insert("seed".into(), toml::Value::Integer(seed as i64));
    TrainConfig::resolve(comparison.config_file.as_deref(), options)
}

/// The run's summary: read back when the run finished before, else trained or resumed.
fn finished_or_trained(config: TrainConfig, dir: &Path, options: RunOptions) -> Result<RunSummary> {
    if dir.join(run_dir::FINAL_METRICS_FILE).is_file() && !options.force {
        return read_final(dir);
    }
    if dir.join(CHECKPOINT_FILE).is_file() && !options.force {
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
    let weights = if config.ema_decay > 0.0 {
        Weights::Averaged
    } else {
        Weights::Final
    };
    evaluate_run(dir, count, weights, spaces, 0).map(|_| ())
}

/// The run's result: its final metrics, the image metrics `lsgan evaluate` wrote (if any)
/// and the diagnostics logged last.
fn run_result(summary: &RunSummary, dir: &Path) -> Result<RunResult> {
    let records = RunDir::open_finished(dir)?.read_metrics_log()?;
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

/// Mean ± std over seeds of each [`SUMMARY_KEYS`] value, per loss.
pub fn summarise(losses: &[LossKind], runs: &[RunResult]) -> Vec<LossSummary> {
    losses
        .iter()
        .map(|loss| {
            let mine: Vec<&RunResult> = runs.iter().filter(|r| r.loss == loss.name()).collect();
            let metrics = SUMMARY_KEYS
                .iter()
                .filter_map(|(key, read)| {
                    let values: Vec<f64> = mine.iter().filter_map(|r| read(r)).collect();
                    mean_std(&values).map(|m| (key.to_string(), m))
                })
                .collect();
            LossSummary {
                loss: loss.name().into(),
                metrics,
            }
        })
        .collect()
}

/// Mean and sample standard deviation (n − 1); `None` for no values.
pub fn mean_std(values: &[f64]) -> Option<MeanStd> {
    let n = values.len();
    if n == 0 {
        return None;
    }
    let mean = values.iter().sum::<f64>() / n as f64;
    let std = if n > 1 {
        (values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64).sqrt()
    } else {
        0.0
    };
    Some(MeanStd { mean, std, n })
}

/// The per-loss table (mean ± std over seeds) and the per-run table, in Markdown.
pub fn markdown(summary: &Summary) -> String {
    let columns = summary.present_keys();
    let keys: Vec<&str> = columns.iter().map(|(key, _)| *key).collect();
    let mut text = format!(
        "# lsgan compare: {}, {} iterations, {} seed(s)\n\nMean ± standard deviation over seeds \
         (final evaluation; diagnostics as last logged).\n\n| loss | {} |\n|---|{}\n",
        summary.data,
        summary.iterations,
        summary.seeds,
        keys.join(" | "),
        "---|".repeat(keys.len())
    );
    for loss in &summary.losses {
        let cells: Vec<String> = keys.iter().map(|key| loss.cell(key)).collect();
        text += &format!("| {} | {} |\n", loss.loss, cells.join(" | "));
    }
    text += "\n## Runs\n\n| loss | seed | run folder |";
    text += &format!(
        " {} |\n|---|---|---|{}\n",
        keys.join(" | "),
        "---|".repeat(keys.len())
    );
    for run in &summary.runs {
        let cells: Vec<String> = columns
            .iter()
            .map(|(_, read)| read(run).map_or_else(|| "—".into(), |v| format!("{v:.4}")))
            .collect();
        text += &format!(
            "| {} | {} | `{}` | {} |\n",
            run.loss,
            run.seed,
            run.run_dir.display(),
            cells.join(" | ")
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_sample_std_by_hand() {
        // 1, 2, 3, 4: mean 2.5, Σ(v − m)² = 5, sample variance 5/3.
        let m = mean_std(&[1.0, 2.0, 3.0, 4.0]).unwrap();
        assert_eq!(m.mean, 2.5);
        assert!((m.std - (5.0f64 / 3.0).sqrt()).abs() < 1e-15);
        assert_eq!(m.n, 4);
        assert_eq!(
            mean_std(&[7.0]).unwrap(),
            MeanStd {
                mean: 7.0,
                std: 0.0,
                n: 1
            }
        );
        assert_eq!(mean_std(&[]), None);
    }

    fn run(loss: &str, seed: u64, seconds: f64, margin_share: Option<f64>) -> RunResult {
        RunResult {
            loss: loss.into(),
            seed,
            run_dir: PathBuf::from(format!("runs/{loss}-seed{seed}")),
            iterations: 10,
            seconds_per_iteration: seconds,
            metrics: Evaluation::default(),
            diagnostics: Some(Diagnostics {
                margin_share,
                ..Default::default()
            }),
        }
    }

    #[test]
    fn summaries_group_by_loss_and_skip_absent_values() {
        let runs = [
            run("lsgan", 0, 1.0, Some(0.8)),
            run("lsgan", 1, 3.0, Some(0.6)),
            run("wgan", 0, 5.0, None),
        ];
        let summary = summarise(&[LossKind::Lsgan, LossKind::Wgan], &runs);
        assert_eq!(summary[0].loss, "lsgan");
        assert_eq!(summary[0].metrics["seconds_per_iteration"].mean, 2.0);
        assert!((summary[0].metrics["margin_share"].mean - 0.7).abs() < 1e-12);
        assert_eq!(summary[1].metrics["seconds_per_iteration"].n, 1);
        assert!(!summary[1].metrics.contains_key("margin_share"));
        assert!(!summary[0].metrics.contains_key("modes_covered"));
        let text = markdown(&Summary {
            data: "ring".into(),
            iterations: 10,
            seeds: 2,
            losses: summary,
            runs: runs.to_vec(),
        });
        // Columns: seconds_per_iteration, margin_share, then the always-present diagnostics.
        assert!(
            text.contains("| lsgan | 2.0000 ± 1.4142 | 0.7000 ± 0.1414 |"),
            "{text}"
        );
        assert!(text.contains("| wgan | 5.0000 ± 0.0000 | — |"), "{text}");
    }
}
