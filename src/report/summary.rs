//! The summary of several finished runs, one data set: each run's result ([`RunResult`]),
//! mean ± std over seeds per loss of the [`SUMMARY_KEYS`] quantities ([`summarise`]), and
//! the Markdown tables (`summary.md`). `lsgan compare` writes it as `summary.json`; the
//! report and its claims read it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::metrics::{Diagnostics, Evaluation};
use crate::objectives::options::LossKind;

/// The file names of a summary in a comparison's folder.
pub const SUMMARY_JSON: &str = "summary.json";
pub const SUMMARY_MARKDOWN: &str = "summary.md";

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

/// The summarised quantities, by their stable key in `summary.json` (docs/COMPARE-AND-REPORT.md lists them).
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
