//! The summary of several finished runs, one data set: each run's result ([`RunResult`]),
//! mean ± std over seeds per loss (and per variant of a sweep) of the quantities of
//! [`QUANTITIES`] ([`summarise`]), the variants ranked by chosen quantities ([`rank`]), and
//! the Markdown tables (`summary.md`). `lsgan compare` writes it as `summary.json`; the
//! report and its claims read it.
//!
//! [`QUANTITIES`] is the one table of what is summarised: each [`Quantity`] once, with its
//! key in `summary.json`, how it is read from a run, which way is better (if it ranks) and
//! how it is shown. A new quantity is a variant of [`Quantity`] and its row.

use std::borrow::Borrow;
use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;
use std::path::PathBuf;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::metrics::classifier::CLASSES;
use crate::metrics::{Diagnostics, Evaluation, FeatureSpace};
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

    /// `quantity` of this run as people read it ([`Quantity::shown`]), or "—" when the run
    /// does not have it.
    pub fn cell(&self, quantity: Quantity, modes_total: Option<usize>) -> String {
        quantity
            .read(self)
            .map_or_else(|| "—".into(), |v| quantity.shown(v, modes_total))
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

/// One loss over its seeds: `metrics` maps a quantity to its mean ± std.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LossSummary {
    pub loss: String,
    /// The sweep's variant (empty outside sweeps).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub variant: String,
    pub metrics: BTreeMap<Quantity, MeanStd>,
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

    /// "mean ± std" of `quantity` as people read it ([`Quantity::shown_mean_std`]), or "—"
    /// when no run has it.
    pub fn cell(&self, quantity: Quantity, modes_total: Option<usize>) -> String {
        self.metrics
            .get(&quantity)
            .map_or_else(|| "—".into(), |m| quantity.shown_mean_std(m, modes_total))
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

/// Losses (and variants) ranked by quantities that rank, best first: by the mean over seeds
/// of the first quantity, ties broken by its worst seed, then by the next quantity.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Ranking {
    /// The quantities, in order of precedence.
    pub by: Vec<Quantity>,
    pub entries: Vec<RankEntry>,
}

impl Ranking {
    /// The quantities' headers, in order of precedence.
    pub fn headers(&self) -> Vec<&'static str> {
        self.by.iter().map(|quantity| quantity.header()).collect()
    }
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
    pub key: Quantity,
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

/// A quantity of the summary, one row of [`QUANTITIES`] (the variants in the table's order).
/// It is written in `summary.json` as its key (`modes_covered`, …), and sorts by it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Quantity {
    ModesCovered,
    HighQualityShare,
    EnergyDistance,
    SecondsPerIteration,
    MarginShare,
    AllocationRankCorrelation,
    GradientNormRealMean,
    GradientNormInterpolateMean,
    CriticFakeMax,
    InceptionFid,
    InceptionKid,
    ClassifierFid,
    ClassifierPrecision,
    ClassifierRecall,
    ClassifierClassesCovered,
    TestError,
}

/// Which way a quantity is better.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// How people read a quantity's values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// Three significant digits (`0.00150`, `19.6`, `2258`).
    Digits,
    /// A share, as a percentage (`79.0%`).
    Share,
    /// A count out of a total (`8 / 8`; to three significant digits when the total is
    /// unknown).
    CountOf(Total),
}

/// What a count is out of.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Total {
    /// The mixture's modes, when the data is a known mixture.
    Modes,
    /// The digit classifier's classes.
    Classes,
}

/// A value read from a run for the per-loss summary.
pub type Extractor = fn(&RunResult) -> Option<f64>;

/// One quantity of the summary: its key in `summary.json`, how it is read from a run, which
/// way is better and how it is shown.
pub struct Row {
    pub quantity: Quantity,
    /// The stable key in `summary.json` (docs/COMPARE-AND-REPORT.md lists them).
    pub key: &'static str,
    /// Its name in the tables people read: words that wrap between words, not mid-word.
    pub header: &'static str,
    pub read: Extractor,
    /// `None` for a quantity that does not rank (the diagnostics).
    pub better: Option<Better>,
    pub shown: Shown,
}

/// The summarised quantities, each once, in the order of the tables' columns (and of
/// [`Quantity`]'s variants).
pub static QUANTITIES: &[Row] = &[
    Row {
        quantity: Quantity::ModesCovered,
        key: "modes_covered",
        header: "modes covered",
        read: |r| r.metrics.modes().map(|m| m.modes_covered as f64),
        better: Some(Better::Higher),
        shown: Shown::CountOf(Total::Modes),
    },
    Row {
        quantity: Quantity::HighQualityShare,
        key: "high_quality_share",
        header: "high-quality points",
        read: |r| r.metrics.modes().map(|m| m.high_quality_share),
        better: Some(Better::Higher),
        shown: Shown::Share,
    },
    Row {
        quantity: Quantity::EnergyDistance,
        key: "energy_distance",
        header: "energy distance",
        read: |r| r.metrics.energy_distance(),
        better: Some(Better::Lower),
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::SecondsPerIteration,
        key: "seconds_per_iteration",
        header: "seconds per iteration",
        read: |r| Some(r.seconds_per_iteration),
        better: Some(Better::Lower),
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::MarginShare,
        key: "margin_share",
        header: "pairs past the margin",
        read: |r| r.diagnostics.as_ref().and_then(|d| d.margin_share),
        better: None,
        shown: Shown::Share,
    },
    Row {
        quantity: Quantity::AllocationRankCorrelation,
        key: "allocation_rank_correlation",
        header: "allocation correlation",
        read: |r| {
            r.diagnostics
                .as_ref()
                .and_then(|d| d.allocation_rank_correlation)
        },
        better: None,
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::GradientNormRealMean,
        key: "gradient_norm_real_mean",
        header: "mean ‖∇L‖ on real",
        read: |r| r.diagnostics.as_ref().map(|d| d.gradient_norm_real.mean),
        better: None,
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::GradientNormInterpolateMean,
        key: "gradient_norm_interpolate_mean",
        header: "mean ‖∇L‖ on interpolates",
        read: |r| {
            r.diagnostics
                .as_ref()
                .map(|d| d.gradient_norm_interpolate.mean)
        },
        better: None,
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::CriticFakeMax,
        key: "critic_fake_max",
        header: "max L(G(z))",
        read: |r| r.diagnostics.as_ref().map(|d| d.critic_fake.max),
        better: None,
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::InceptionFid,
        key: "inception_fid",
        header: "FID (Inception)",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Inception)
                .map(|m| m.fid)
        },
        better: Some(Better::Lower),
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::InceptionKid,
        key: "inception_kid",
        header: "KID (Inception)",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Inception)
                .map(|m| m.kid_mean)
        },
        better: Some(Better::Lower),
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::ClassifierFid,
        key: "classifier_fid",
        header: "FID (classifier)",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Classifier)
                .map(|m| m.fid)
        },
        better: Some(Better::Lower),
        shown: Shown::Digits,
    },
    Row {
        quantity: Quantity::ClassifierPrecision,
        key: "classifier_precision",
        header: "precision (classifier)",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Classifier)
                .map(|m| m.precision)
        },
        better: Some(Better::Higher),
        shown: Shown::Share,
    },
    Row {
        quantity: Quantity::ClassifierRecall,
        key: "classifier_recall",
        header: "recall (classifier)",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Classifier)
                .map(|m| m.recall)
        },
        better: Some(Better::Higher),
        shown: Shown::Share,
    },
    Row {
        quantity: Quantity::ClassifierClassesCovered,
        key: "classifier_classes_covered",
        header: "classes covered",
        read: |r| {
            r.metrics
                .image_metrics(FeatureSpace::Classifier)
                .and_then(|m| m.classes_covered)
                .map(f64::from)
        },
        better: Some(Better::Higher),
        shown: Shown::CountOf(Total::Classes),
    },
    Row {
        quantity: Quantity::TestError,
        key: "test_error",
        header: "test error (CLS-GAN critic)",
        read: |r| r.metrics.classification.as_ref().map(|c| c.test_error),
        better: Some(Better::Lower),
        shown: Shown::Share,
    },
];

/// How one value is written, once the total of a count is known.
enum Style {
    OutOf(usize),
    Percent,
    Digits,
}

impl Quantity {
    /// Every quantity, in the table's order.
    pub fn all() -> impl Iterator<Item = Quantity> {
        QUANTITIES.iter().map(|row| row.quantity)
    }

    /// The quantity whose key in `summary.json` is `key`.
    pub fn from_key(key: &str) -> Option<Quantity> {
        QUANTITIES
            .iter()
            .find(|row| row.key == key)
            .map(|row| row.quantity)
    }

    /// Its row (the variants are in the table's order).
    fn row(self) -> &'static Row {
        &QUANTITIES[self as usize]
    }

    /// Its key in `summary.json`.
    pub fn key(self) -> &'static str {
        self.row().key
    }

    /// Its column header in the tables people read.
    pub fn header(self) -> &'static str {
        self.row().header
    }

    /// Its value in `run`, when the run has it.
    pub fn read(self, run: &RunResult) -> Option<f64> {
        (self.row().read)(run)
    }

    /// Which way it is better; `None` when it does not rank.
    pub fn better(self) -> Option<Better> {
        self.row().better
    }

    fn style(self, modes_total: Option<usize>) -> Style {
        let total = match self.row().shown {
            Shown::Share => return Style::Percent,
            Shown::Digits => None,
            Shown::CountOf(Total::Modes) => modes_total,
            Shown::CountOf(Total::Classes) => Some(CLASSES as usize),
        };
        total.map_or(Style::Digits, Style::OutOf)
    }

    /// One value as people read it: modes and classes as a count of all (`8 / 8`,
    /// `10 / 10`), shares as percentages (`79.0%`), the rest to three significant digits.
    pub fn shown(self, value: f64, modes_total: Option<usize>) -> String {
        match self.style(modes_total) {
            Style::OutOf(total) => format!("{} / {total}", count(value)),
            Style::Percent => format!("{:.1}%", 100.0 * value),
            Style::Digits => three_digits(value),
        }
    }

    /// Mean ± std over seeds as people read it: as [`Quantity::shown`], the spread left out
    /// when every seed gave the same value (`8 / 8`, `7.33 ± 0.577 / 8`, `79.0% ± 1.2%`).
    pub fn shown_mean_std(self, m: &MeanStd, modes_total: Option<usize>) -> String {
        if m.std == 0.0 {
            return self.shown(m.mean, modes_total);
        }
        match self.style(modes_total) {
            Style::OutOf(total) => {
                format!("{} ± {} / {total}", count(m.mean), three_digits(m.std))
            }
            Style::Percent => format!("{:.1}% ± {:.1}%", 100.0 * m.mean, 100.0 * m.std),
            Style::Digits => format!("{} ± {}", three_digits(m.mean), three_digits(m.std)),
        }
    }

    /// The table's row of `key`; a key that is not in it is a mistake in the caller.
    fn named(key: &str) -> Quantity {
        Quantity::from_key(key)
            .unwrap_or_else(|| panic!("`{key}` is not a summary quantity ({})", keys_text()))
    }
}

/// Every key, for messages.
fn keys_text() -> String {
    QUANTITIES
        .iter()
        .map(|row| row.key)
        .collect::<Vec<_>>()
        .join(", ")
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Quantities sort by their key, as `summary.json`'s maps did when they were keyed by
/// strings; a key string finds its quantity in a map ([`Borrow`]).
impl Ord for Quantity {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(other.key())
    }
}

impl PartialOrd for Quantity {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Borrow<str> for Quantity {
    fn borrow(&self) -> &str {
        self.key()
    }
}

impl Serialize for Quantity {
    fn serialize<S: Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(self.key())
    }
}

impl<'de> Deserialize<'de> for Quantity {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let key = String::deserialize(deserializer)?;
        Quantity::from_key(&key).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{key}` is not a summary quantity (expected one of {})",
                keys_text()
            ))
        })
    }
}

/// Whether a larger value of the summary quantity `key` is better: `Some(true)` for modes,
/// high-quality share, precision and recall, `Some(false)` for distances, FID, KID and time;
/// `None` for a quantity that does not rank (diagnostics). Panics on a key that is not in
/// [`QUANTITIES`].
pub fn higher_is_better(key: &str) -> Option<bool> {
    Quantity::named(key)
        .better()
        .map(|better| better == Better::Higher)
}

/// The quantities a ranking can use, for messages.
pub fn rankable_keys() -> Vec<&'static str> {
    Quantity::all()
        .filter(|quantity| quantity.better().is_some())
        .map(Quantity::key)
        .collect()
}

/// The ranking quantities that suit the runs when none are asked for: modes covered, then the
/// high-quality share, on known mixtures; the classifier's FID, else Inception's, on images;
/// the energy distance on other points.
pub fn default_ranking_keys(runs: &[RunResult]) -> Vec<Quantity> {
    let has = |quantity: Quantity| runs.iter().any(|run| quantity.read(run).is_some());
    let keys: &[Quantity] = if has(Quantity::ModesCovered) {
        &[Quantity::ModesCovered, Quantity::HighQualityShare]
    } else if has(Quantity::ClassifierFid) {
        &[Quantity::ClassifierFid, Quantity::ClassifierRecall]
    } else if has(Quantity::InceptionFid) {
        &[Quantity::InceptionFid]
    } else {
        &[Quantity::EnergyDistance]
    };
    keys.to_vec()
}

/// `groups` ranked by `keys` over their `runs`. Panics on a quantity that does not rank
/// (`lsgan compare` refuses one in `--rank-by`).
pub fn rank(groups: &[LossSummary], runs: &[RunResult], keys: &[Quantity]) -> Ranking {
    let direction = |quantity: Quantity| {
        quantity
            .better()
            .unwrap_or_else(|| panic!("`{quantity}` does not rank"))
    };
    let mut entries: Vec<RankEntry> = groups
        .iter()
        .map(|group| {
            let mine: Vec<&RunResult> = runs.iter().filter(|r| group.holds(r)).collect();
            let values = keys
                .iter()
                .filter_map(|&key| {
                    let better = direction(key);
                    let values: Vec<f64> = mine.iter().filter_map(|r| key.read(r)).collect();
                    let summary = mean_std(&values)?;
                    let worst =
                        values
                            .iter()
                            .copied()
                            .fold(summary.mean, |worst, v| match better {
                                Better::Higher => worst.min(v),
                                Better::Lower => worst.max(v),
                            });
                    Some(RankValue {
                        key,
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
        for &key in keys {
            let better = direction(key);
            let value = |e: &RankEntry| {
                e.values
                    .iter()
                    .find(|v| v.key == key)
                    .map(|v| (v.mean, v.worst))
            };
            let ordering = match (value(a), value(b)) {
                (Some(x), Some(y)) => {
                    let by = |p: f64, q: f64| match better {
                        Better::Higher => q.total_cmp(&p),
                        Better::Lower => p.total_cmp(&q),
                    };
                    by(x.0, y.0).then(by(x.1, y.1))
                }
                (Some(_), None) => Ordering::Less,
                (None, Some(_)) => Ordering::Greater,
                (None, None) => Ordering::Equal,
            };
            if ordering.is_ne() {
                return ordering;
            }
        }
        Ordering::Equal
    };
    entries.sort_by(order);
    Ranking {
        by: keys.to_vec(),
        entries,
    }
}

impl Summary {
    /// "LS-GAN, WGAN-GP and GAN on ring": the losses compared, as people write them, on the
    /// data (one loss alone: "LS-GAN on ring").
    pub fn title(&self) -> String {
        let mut names: Vec<&str> = Vec::new();
        let trained = |group: &&LossSummary| self.runs.iter().any(|run| group.holds(run));
        for group in self.losses.iter().filter(trained) {
            let name: &str = LossKind::ALL
                .into_iter()
                .find(|kind| kind.name() == group.loss)
                .map_or(group.loss.as_str(), |kind| kind.display_name());
            if !names.contains(&name) {
                names.push(name);
            }
        }
        let listed = match names.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
            _ => names.join(""),
        };
        format!("{listed} on {}", self.data)
    }

    /// "3,000 iterations, 3 seeds per loss".
    pub fn budget_text(&self) -> String {
        format!(
            "{}, {} per loss",
            counted(self.iterations, "iteration"),
            counted(self.seeds, "seed")
        )
    }

    /// The number of modes of the data, when it is a known mixture.
    pub fn modes_total(&self) -> Option<usize> {
        self.runs
            .iter()
            .find_map(|run| run.metrics.modes().map(|m| m.modes_total as usize))
    }

    /// The quantities some loss has, in the table's order: the columns of the tables.
    pub fn present_quantities(&self) -> Vec<Quantity> {
        Quantity::all()
            .filter(|quantity| self.losses.iter().any(|l| l.metrics.contains_key(quantity)))
            .collect()
    }
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

/// One value of the summary quantity `key` as people read it ([`Quantity::shown`]). Panics
/// on a key that is not in [`QUANTITIES`].
pub fn shown(key: &str, value: f64, modes_total: Option<usize>) -> String {
    Quantity::named(key).shown(value, modes_total)
}

/// Mean ± std over seeds of the summary quantity `key` as people read it
/// ([`Quantity::shown_mean_std`]). Panics on a key that is not in [`QUANTITIES`].
pub fn shown_mean_std(key: &str, m: &MeanStd, modes_total: Option<usize>) -> String {
    Quantity::named(key).shown_mean_std(m, modes_total)
}

/// Mean ± std over seeds of each quantity of the table, per loss, in the order of `losses`,
/// and within a loss per variant, in the order the runs have them.
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
            group.metrics = Quantity::all()
                .filter_map(|quantity| {
                    let values: Vec<f64> = mine.iter().filter_map(|r| quantity.read(r)).collect();
                    mean_std(&values).map(|m| (quantity, m))
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
        value.key.shown_mean_std(&spread, modes_total),
        value.key.shown(value.worst, modes_total)
    )
}

/// A whole number as people write it, thousands grouped (`3,000`).
pub fn whole_number(value: f64) -> String {
    let digits = format!("{:.0}", value.abs());
    let mut grouped = String::new();
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    if value.round() < 0.0 {
        format!("-{grouped}")
    } else {
        grouped
    }
}

/// "1 seed", "3 seeds": a count with its noun, plural where it is not one.
pub fn counted(count: u64, noun: &str) -> String {
    format!(
        "{} {noun}{}",
        whole_number(count as f64),
        if count == 1 { "" } else { "s" }
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
    let columns = summary.present_quantities();
    let keys: Vec<&str> = columns.iter().map(|quantity| quantity.header()).collect();
    let mut text = format!(
        "# {}\n\n{}. Mean ± standard deviation over seeds (final evaluation; diagnostics as \
         last logged).\n\n| loss | {} |\n|---|{}\n",
        summary.title(),
        summary.budget_text(),
        keys.join(" | "),
        "---|".repeat(keys.len())
    );
    let modes_total = summary.modes_total();
    for loss in &summary.losses {
        let cells: Vec<String> = columns
            .iter()
            .map(|&quantity| loss.cell(quantity, modes_total))
            .collect();
        text += &format!("| {} | {} |\n", loss.label(), cells.join(" | "));
    }
    if let Some(ranking) = &summary.ranking {
        text += &format!(
            "\n## Ranking\n\nBest first, by {} (mean over seeds, ties broken by the worst \
             seed).\n\n| rank | loss | {} |\n|---|---|{}\n",
            ranking.headers().join(", then "),
            ranking
                .by
                .iter()
                .map(|quantity| format!("{} (worst seed)", quantity.header()))
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
            .map(|&quantity| run.cell(quantity, modes_total))
            .collect();
        text += &format!(
            "| {} | {} | `{}` | {} | {} | {} | {} | {} |\n",
            group_label(&run.loss, &run.variant),
            run.seed,
            run.run_dir.display(),
            run.budget,
            whole_number(run.iterations as f64),
            whole_number(run.critic_steps as f64),
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

    #[test]
    fn the_table_holds_each_quantity_once_in_order_by_its_key() {
        for (index, row) in QUANTITIES.iter().enumerate() {
            assert_eq!(row.quantity as usize, index, "{}", row.key);
            assert_eq!(Quantity::from_key(row.key), Some(row.quantity));
            let json = serde_json::to_string(&row.quantity).unwrap();
            assert_eq!(json, format!("\"{}\"", row.key));
            assert_eq!(
                serde_json::from_str::<Quantity>(&json).unwrap(),
                row.quantity
            );
        }
        assert_eq!(QUANTITIES.len(), Quantity::TestError as usize + 1);
        // A key that is not in the table is refused, not read as a quantity that does not
        // rank.
        assert_eq!(Quantity::from_key("modes_coverd"), None);
        let typo = serde_json::from_str::<Quantity>("\"modes_coverd\"").unwrap_err();
        assert!(
            typo.to_string().contains("not a summary quantity"),
            "{typo}"
        );
        assert_eq!(
            rankable_keys(),
            [
                "modes_covered",
                "high_quality_share",
                "energy_distance",
                "seconds_per_iteration",
                "inception_fid",
                "inception_kid",
                "classifier_fid",
                "classifier_precision",
                "classifier_recall",
                "classifier_classes_covered",
                "test_error",
            ]
        );
    }

    #[test]
    fn rankings_order_by_each_quantitys_direction() {
        let runs = [
            run("lsgan", 0, 1.0, Some(0.8)),
            run("lsgan", 1, 3.0, Some(0.6)),
            run("wgan", 0, 1.5, None),
        ];
        let groups = summarise(&[LossKind::Lsgan, LossKind::Wgan], &runs);
        let ranking = rank(&groups, &runs, &[Quantity::SecondsPerIteration]);
        let order: Vec<String> = ranking.entries.iter().map(|e| e.label()).collect();
        assert_eq!(order, ["wgan", "lsgan"]);
        // Lower is better: lsgan's worst seed is its slowest.
        assert_eq!(ranking.entries[1].values[0].worst, 3.0);
        let json = serde_json::to_value(&ranking).unwrap();
        assert_eq!(json["by"], serde_json::json!(["seconds_per_iteration"]));
        assert_eq!(
            json["entries"][0]["values"][0]["key"],
            "seconds_per_iteration"
        );
        assert_eq!(serde_json::from_value::<Ranking>(json).unwrap(), ranking);
    }
}
