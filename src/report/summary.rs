//! The summary of several finished runs, one data set: each run's result ([`RunResult`]),
//! mean ± std over seeds per loss (and per variant of a sweep) of the [`SUMMARY_KEYS`]
//! quantities ([`summarise`]), the variants ranked by chosen quantities ([`rank`]), and
//! the Markdown tables (`summary.md`). `lsgan compare` writes it as `summary.json`; the
//! report and its claims read it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use crate::metrics::classifier::CLASSES;
use crate::metrics::{Diagnostics, Evaluation};
use crate::objectives::options::LossKind;

/// The file names of a summary in a comparison's folder.
pub const SUMMARY_JSON: &str = "summary.json";
pub const SUMMARY_MARKDOWN: &str = "summary.md";

/// One finished run of the comparison.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RunResult {
    pub loss: String,
    /// A sweep's variant, `key=value` settings joined by `,` (empty outside sweeps).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    pub seed: u64,
    pub run_dir: PathBuf,
    /// The run's budget in words ("3000 iterations or 600 s"; absent from summaries written
    /// before it existed).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub budget: String,
    /// Generator steps done.
    pub iterations: u64,
    /// Critic steps done.
    #[serde(default)]
    pub critic_steps: u64,
    /// Training seconds.
    #[serde(default)]
    pub seconds: f64,
    pub seconds_per_iteration: f64,
    /// The final evaluation (toy metrics for points).
    #[serde(flatten)]
    pub metrics: Evaluation,
    /// The diagnostics logged last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
}

impl RunResult {
    /// "loss seed k" (with the variant after the loss in a sweep), as the report and the
    /// command line name a run.
    pub fn label(&self) -> String {
        format!(
            "{} seed {}",
            group_label(&self.loss, &self.variant),
            self.seed
        )
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
    /// The sweep's variant (empty outside sweeps).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    pub metrics: BTreeMap<String, MeanStd>,
}

/// "loss", or "loss variant" in a sweep.
pub fn group_label(loss: &str, variant: &str) -> String {
    if variant.is_empty() {
        loss.to_string()
    } else {
        format!("{loss} {variant}")
    }
}

impl LossSummary {
    /// "loss", or "loss variant" in a sweep.
    pub fn label(&self) -> String {
        group_label(&self.loss, &self.variant)
    }

    /// Whether `run` belongs to this loss and variant.
    pub fn holds(&self, run: &RunResult) -> bool {
        run.loss == self.loss && run.variant == self.variant
    }

    /// "mean ± std" of `key` as people read it ([`shown_mean_std`]), or "—" when no run
    /// has it.
    pub fn cell(&self, key: &str, modes_total: Option<usize>) -> String {
        self.metrics
            .get(key)
            .map_or_else(|| "—".into(), |m| shown_mean_std(key, m, modes_total))
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
    /// The losses and variants ranked (a sweep's, or when asked for).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ranking: Option<Ranking>,
}

/// Losses (and variants) ranked by quantities of [`SUMMARY_KEYS`], best first: by the mean
/// over seeds of the first quantity, ties broken by its worst seed, then by the next
/// quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// The quantities, in order of precedence.
    pub by: Vec<String>,
    pub entries: Vec<RankEntry>,
}

/// One loss (and variant) in a ranking: each ranking quantity's mean ± std over seeds and
/// its worst seed's value.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankEntry {
    pub loss: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    pub values: Vec<RankValue>,
}

/// A ranking quantity of one entry.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RankValue {
    pub key: String,
    pub mean: f64,
    pub std: f64,
    /// The worst seed's value (the lowest where higher is better, else the highest).
    pub worst: f64,
    pub n: usize,
}

impl RankEntry {
    /// "loss", or "loss variant".
    pub fn label(&self) -> String {
        group_label(&self.loss, &self.variant)
    }
}

/// Whether a larger value of the summary quantity `key` is better: `Some(true)` for modes,
/// high-quality share, precision and recall, `Some(false)` for distances, FID, KID and time;
/// `None` for a quantity that does not rank (diagnostics).
pub fn higher_is_better(key: &str) -> Option<bool> {
    match key {
        "modes_covered"
        | "high_quality_share"
        | "classifier_precision"
        | "classifier_recall"
        | "classifier_classes_covered" => Some(true),
        "energy_distance"
        | "inception_fid"
        | "inception_kid"
        | "classifier_fid"
        | "seconds_per_iteration" => Some(false),
        _ => None,
    }
}

/// The quantities a ranking can use, for messages.
pub fn rankable_keys() -> Vec<&'static str> {
    SUMMARY_KEYS
        .iter()
        .map(|(key, _)| *key)
        .filter(|key| higher_is_better(key).is_some())
        .collect()
}

/// The ranking quantities that suit the runs when none are asked for: modes covered, then the
/// high-quality share, on known mixtures; the classifier's FID, else Inception's, on images;
/// the energy distance on other points.
pub fn default_ranking_keys(runs: &[RunResult]) -> Vec<String> {
    let has = |key: &str| {
        let read = SUMMARY_KEYS.iter().find(|(k, _)| *k == key).map(|(_, r)| r);
        runs.iter()
            .any(|run| read.is_some_and(|read| read(run).is_some()))
    };
    let keys: &[&str] = if has("modes_covered") {
        &["modes_covered", "high_quality_share"]
    } else if has("classifier_fid") {
        &["classifier_fid", "classifier_recall"]
    } else if has("inception_fid") {
        &["inception_fid"]
    } else {
        &["energy_distance"]
    };
    keys.iter().map(|key| key.to_string()).collect()
}

/// `groups` ranked by `keys` (each a rankable [`SUMMARY_KEYS`] name) over their `runs`.
pub fn rank(groups: &[LossSummary], runs: &[RunResult], keys: &[String]) -> Ranking {
    let mut entries: Vec<RankEntry> = groups
        .iter()
        .map(|group| {
            let mine: Vec<&RunResult> = runs.iter().filter(|r| group.holds(r)).collect();
            let values = keys
                .iter()
                .filter_map(|key| {
                    let (_, read) = SUMMARY_KEYS.iter().find(|(k, _)| k == key)?;
                    let higher = higher_is_better(key)?;
                    let values: Vec<f64> = mine.iter().filter_map(|r| read(r)).collect();
                    let summary = mean_std(&values)?;
                    let worst = values.iter().copied().fold(summary.mean, |worst, v| {
                        if higher {
                            worst.min(v)
                        } else {
                            worst.max(v)
                        }
                    });
                    Some(RankValue {
                        key: key.clone(),
                        mean: summary.mean,
                        std: summary.std,
                        worst,
                        n: summary.n,
                    })
                })
                .collect();
            RankEntry {
                loss: group.loss.clone(),
                variant: group.variant.clone(),
                values,
            }
        })
        .collect();
    // Better first: compare (mean, worst) of each key in turn; a missing value ranks last.
    let order = |a: &RankEntry, b: &RankEntry| {
        for key in keys {
            let higher = higher_is_better(key).unwrap_or(true);
            let value = |e: &RankEntry| {
                e.values
                    .iter()
                    .find(|v| &v.key == key)
                    .map(|v| (v.mean, v.worst))
            };
            let ordering = match (value(a), value(b)) {
                (Some(x), Some(y)) => {
                    let by = |p: f64, q: f64| {
                        if higher {
                            q.total_cmp(&p)
                        } else {
                            p.total_cmp(&q)
                        }
                    };
                    by(x.0, y.0).then(by(x.1, y.1))
                }
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        std::cmp::Ordering::Equal
    };
    entries.sort_by(order);
    Ranking {
        by: keys.to_vec(),
        entries,
    }
}

impl Summary {
    /// The number of modes of the data, when it is a known mixture.
    pub fn modes_total(&self) -> Option<usize> {
        self.runs
            .iter()
            .find_map(|run| run.metrics.modes().map(|m| m.modes_total as usize))
    }

    /// The [`SUMMARY_KEYS`] entries some loss has, in their order: the columns of the tables.
    pub fn present_keys(&self) -> Vec<&'static (&'static str, Extractor)> {
        SUMMARY_KEYS
            .iter()
            .filter(|(key, _)| self.losses.iter().any(|l| l.metrics.contains_key(*key)))
            .collect()
    }
}

/// Whether the summary quantity `key` is a share, shown as a percentage.
fn is_share(key: &str) -> bool {
    matches!(
        key,
        "high_quality_share" | "margin_share" | "classifier_precision" | "classifier_recall"
    )
}

/// `value` to three significant digits (whole numbers from 1,000 on; 0 as 0).
pub fn three_digits(value: f64) -> String {
    if value == 0.0 || !value.is_finite() {
        return format!("{value}");
    }
    let magnitude = value.abs().log10().floor() as i32;
    let decimals = (2 - magnitude).clamp(0, 8) as usize;
    format!("{value:.decimals$}")
}

/// A count: whole when it is whole (`8`), else to three significant digits (a mean).
fn count(value: f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        three_digits(value)
    }
}

/// What a count among the summary quantities is out of: the mixture's modes for
/// `modes_covered`, the classifier's classes for `classifier_classes_covered`.
fn count_out_of(key: &str, modes_total: Option<usize>) -> Option<usize> {
    match key {
        "modes_covered" => modes_total,
        "classifier_classes_covered" => Some(CLASSES as usize),
        _ => None,
    }
}

/// One value of the summary quantity `key` as people read it: modes and classes as a count
/// of all (`8 / 8`, `10 / 10`), shares as percentages (`79.0%`), the rest to three
/// significant digits.
pub fn shown(key: &str, value: f64, modes_total: Option<usize>) -> String {
    match count_out_of(key, modes_total) {
        Some(total) => format!("{} / {total}", count(value)),
        None if is_share(key) => format!("{:.1}%", 100.0 * value),
        None => three_digits(value),
    }
}

/// Mean ± std over seeds as people read it: as [`shown`], the spread left out when every
/// seed gave the same value (`8 / 8`, `7.33 ± 0.577 / 8`, `79.0% ± 1.2%`).
pub fn shown_mean_std(key: &str, m: &MeanStd, modes_total: Option<usize>) -> String {
    if m.std == 0.0 {
        return shown(key, m.mean, modes_total);
    }
    match count_out_of(key, modes_total) {
        Some(total) => format!("{} ± {} / {total}", count(m.mean), three_digits(m.std)),
        None if is_share(key) => format!("{:.1}% ± {:.1}%", 100.0 * m.mean, 100.0 * m.std),
        None => format!("{} ± {}", three_digits(m.mean), three_digits(m.std)),
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
    ("classifier_classes_covered", |r| {
        r.metrics
            .image_metrics("classifier")
            .and_then(|m| m.classes_covered)
            .map(f64::from)
    }),
];

/// Mean ± std over seeds of each [`SUMMARY_KEYS`] value, per loss, in the order of
/// `losses`, and within a loss per variant, in the order the runs have them.
pub fn summarise(losses: &[LossKind], runs: &[RunResult]) -> Vec<LossSummary> {
    let mut groups = Vec::new();
    for loss in losses {
        let mut variants: Vec<&str> = Vec::new();
        for run in runs.iter().filter(|r| r.loss == loss.name()) {
            if !variants.contains(&run.variant.as_str()) {
                variants.push(&run.variant);
            }
        }
        if variants.is_empty() {
            variants.push("");
        }
        for variant in variants {
            let mut group = LossSummary {
                loss: loss.name().into(),
                variant: variant.into(),
                metrics: BTreeMap::new(),
            };
            let mine: Vec<&RunResult> = runs.iter().filter(|r| group.holds(r)).collect();
            group.metrics = SUMMARY_KEYS
                .iter()
                .filter_map(|(key, read)| {
                    let values: Vec<f64> = mine.iter().filter_map(|r| read(r)).collect();
                    mean_std(&values).map(|m| (key.to_string(), m))
                })
                .collect();
            groups.push(group);
        }
    }
    groups
}

/// A ranking value as people read it: mean ± std over seeds, and the worst seed's value.
pub fn ranked_cell(value: &RankValue, modes_total: Option<usize>) -> String {
    let spread = MeanStd {
        mean: value.mean,
        std: value.std,
        n: value.n,
    };
    format!(
        "{} (worst {})",
        shown_mean_std(&value.key, &spread, modes_total),
        shown(&value.key, value.worst, modes_total)
    )
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
    let modes_total = summary.modes_total();
    for loss in &summary.losses {
        let cells: Vec<String> = keys.iter().map(|key| loss.cell(key, modes_total)).collect();
        text += &format!("| {} | {} |\n", loss.label(), cells.join(" | "));
    }
    if let Some(ranking) = &summary.ranking {
        text += &format!(
            "\n## Ranking\n\nBest first, by {} (mean over seeds, ties broken by the worst \
             seed).\n\n| rank | loss | {} |\n|---|---|{}\n",
            ranking.by.join(", then "),
            ranking
                .by
                .iter()
                .map(|key| format!("{key} (worst seed)"))
                .collect::<Vec<_>>()
                .join(" | "),
            "---|".repeat(ranking.by.len())
        );
        for (place, entry) in ranking.entries.iter().enumerate() {
            let cells: Vec<String> = entry
                .values
                .iter()
                .map(|v| ranked_cell(v, modes_total))
                .collect();
            text += &format!(
                "| {} | {} | {} |\n",
                place + 1,
                entry.label(),
                cells.join(" | ")
            );
        }
    }
    text += "\n## Runs\n\nEach run's budget and what it used: generator steps, critic steps and \
             training seconds.\n\n| loss | seed | run folder | budget | generator steps | critic steps | seconds |";
    text += &format!(
        " {} |\n|---|---|---|---|---|---|---|{}\n",
        keys.join(" | "),
        "---|".repeat(keys.len())
    );
    for run in &summary.runs {
        let cells: Vec<String> = columns
            .iter()
            .map(|(key, read)| read(run).map_or_else(|| "—".into(), |v| shown(key, v, modes_total)))
            .collect();
        text += &format!(
            "| {} | {} | `{}` | {} | {} | {} | {} | {} |\n",
            group_label(&run.loss, &run.variant),
            run.seed,
            run.run_dir.display(),
            run.budget,
            run.iterations,
            run.critic_steps,
            three_digits(run.seconds),
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
            variant: String::new(),
            seed,
            run_dir: PathBuf::from(format!("runs/{loss}-seed{seed}")),
            budget: String::new(),
            iterations: 10,
            critic_steps: 10,
            seconds: 10.0 * seconds,
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
            ranking: None,
        });
        // Columns: seconds_per_iteration, margin_share, then the always-present diagnostics.
        assert!(
            text.contains("| lsgan | 2.00 ± 1.41 | 70.0% ± 14.1% |"),
            "{text}"
        );
        assert!(text.contains("| wgan | 5.00 | — |"), "{text}");
    }

    #[test]
    fn values_are_shown_as_counts_percentages_and_three_significant_digits() {
        let spread = |mean, std| MeanStd { mean, std, n: 3 };
        assert_eq!(shown("modes_covered", 8.0, Some(8)), "8 / 8");
        assert_eq!(shown("classifier_classes_covered", 10.0, None), "10 / 10");
        assert_eq!(
            shown_mean_std(
                "classifier_classes_covered",
                &spread(29.0 / 3.0, 0.57735),
                None
            ),
            "9.67 ± 0.577 / 10"
        );
        assert_eq!(higher_is_better("classifier_classes_covered"), Some(true));
        assert_eq!(
            shown_mean_std("modes_covered", &spread(8.0, 0.0), Some(8)),
            "8 / 8"
        );
        assert_eq!(
            shown_mean_std("modes_covered", &spread(22.0 / 3.0, 0.57735), Some(25)),
            "7.33 ± 0.577 / 25"
        );
        assert_eq!(shown("high_quality_share", 0.79, None), "79.0%");
        assert_eq!(
            shown_mean_std("high_quality_share", &spread(0.454, 0.0209), None),
            "45.4% ± 2.1%"
        );
        assert_eq!(shown("energy_distance", 0.0015, None), "0.00150");
        assert_eq!(shown("classifier_fid", 2258.31, None), "2258");
        assert_eq!(shown("classifier_fid", 19.64, None), "19.6");
        assert_eq!(
            shown("allocation_rank_correlation", -0.0123, None),
            "-0.0123"
        );
        assert_eq!(three_digits(0.0), "0");
    }
}
