//! What a run records: one line of its `metrics.jsonl` ([`LogRecord`]: the iteration, the
//! training losses averaged over the iterations since the previous line, the evaluation of
//! the generator at that moment and the diagnostics of the critic — margin, allocation on
//! demand, Lipschitz behaviour), and, once finished, its `final_metrics.json`
//! ([`RunSummary`]). Key names are stable: scripts and reports read them.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::metrics::{Diagnostics, Evaluation};
use crate::storage::files::FINAL_METRICS_FILE;
use crate::train::options::Precision;
use crate::train::StepLosses;

/// A logged iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    pub iteration: u64,
    /// Seconds spent in training steps up to this iteration, without evaluation, logging and
    /// checkpoints (absent in logs written before 2026-12-07): what time-to-quality counts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seconds: Option<f64>,
    /// Mean over the logging interval of the critic's objective.
    pub critic_objective: f64,
    pub generator_objective: f64,
    /// Mean L(x) on real batches.
    pub loss_real: f64,
    /// Mean L(G(z)) on fake batches.
    pub loss_fake: f64,
    pub penalty: f64,
    /// Share of pairs with L(G(z)) − L(x) ≥ Δ (LS-GAN, GLS-GAN; absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub margin_satisfaction: Option<f64>,
    #[serde(flatten)]
    pub metrics: Evaluation,
    /// Measured on the fixed evaluation pairs after this iteration's updates.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub diagnostics: Option<Diagnostics>,
}

impl LogRecord {
    /// The record for `iteration`, reached after `seconds` of training steps, from the steps
    /// of its interval, an evaluation and the diagnostics.
    pub fn new(
        iteration: u64,
        seconds: f64,
        steps: &[StepLosses],
        metrics: Evaluation,
        diagnostics: Option<Diagnostics>,
    ) -> Self {
        let mean = |value: fn(&StepLosses) -> f64| {
            steps.iter().map(value).sum::<f64>() / steps.len().max(1) as f64
        };
        let satisfaction: Vec<f64> = steps.iter().filter_map(|s| s.margin_satisfaction).collect();
        LogRecord {
            iteration,
            seconds: Some(seconds),
            critic_objective: mean(|s| s.critic_objective),
            generator_objective: mean(|s| s.generator_objective),
            loss_real: mean(|s| s.loss_real),
            loss_fake: mean(|s| s.loss_fake),
            penalty: mean(|s| s.penalty),
            margin_satisfaction: (!satisfaction.is_empty())
                .then(|| satisfaction.iter().sum::<f64>() / satisfaction.len() as f64),
            metrics,
            diagnostics,
        }
    }

    /// A one-line human summary for the terminal.
    pub fn summary(&self) -> String {
        let mut line = format!(
            "iter {:>6}  critic {:>9.4}  gen {:>9.4}  L(x) {:>8.4}  L(G) {:>8.4}  penalty {:>8.4}",
            self.iteration,
            self.critic_objective,
            self.generator_objective,
            self.loss_real,
            self.loss_fake,
            self.penalty
        );
        if let Some(share) = self.margin_satisfaction {
            line += &format!("  margin ok {:>5.1}%", 100.0 * share);
        }
        line + &self.metrics.summary()
    }
}

/// What `final_metrics.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunSummary {
    pub loss: String,
    pub data: String,
    pub seed: u64,
    pub iterations: u64,
    pub seconds: f64,
    pub seconds_per_iteration: f64,
    /// `cpu` or `cuda:<index>` (`Cpu` or `Cuda(0)` in runs written before 2026-12-04).
    pub device: String,
    /// The arithmetic of the networks' passes (`fp32` in runs written before 2026-12-04).
    #[serde(default)]
    pub precision: Precision,
    #[serde(flatten)]
    pub metrics: Evaluation,
}

impl RunSummary {
    /// The `final_metrics.json` of the finished run in `dir`.
    pub fn read(dir: &Path) -> Result<RunSummary> {
        let path = dir.join(FINAL_METRICS_FILE);
        let text = std::fs::read_to_string(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                Error::bad_input(format!(
                    "{} is not a finished lsgan run: {FINAL_METRICS_FILE} is missing",
                    dir.display()
                ))
            } else {
                Error::io("reading", &path, e)
            }
        })?;
        serde_json::from_str(&text).map_err(|e| {
            Error::bad_input(format!("{}: not a final_metrics file: {e}", path.display()))
        })
    }
}
