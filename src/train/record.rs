//! One line of a run's `metrics.jsonl`: the iteration, the training losses averaged over the
//! iterations since the previous line, the evaluation of the generator at that moment and the
//! diagnostics of the critic (margin, allocation on demand, Lipschitz behaviour).
//! Key names are stable: scripts and reports read them.

use serde::{Deserialize, Serialize};

use crate::metrics::{Diagnostics, Evaluation};
use crate::train::StepLosses;

/// A logged iteration.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LogRecord {
    pub iteration: u64,
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
    /// The record for `iteration` from the steps of its interval, an evaluation and the
    /// diagnostics.
    pub fn new(
        iteration: u64,
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
