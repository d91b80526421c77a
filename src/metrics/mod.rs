//! What a run achieved, measured apart from training: the toy metrics of SPEC.md §6
//! (`toy`). [`Evaluation`] is one evaluation of a generator, whatever the data.

pub mod toy;

use serde::{Deserialize, Serialize};

pub use toy::{energy_distance, mode_metrics, ModeMetrics, ToyMetrics};

/// One evaluation of the generator; which parts are present depends on the data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// 2-D data: modes, high-quality share, energy distance.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub toy: Option<ToyMetrics>,
}

impl Evaluation {
    /// Mode coverage, when the data is a known mixture.
    pub fn modes(&self) -> Option<&ModeMetrics> {
        self.toy.as_ref().and_then(|toy| toy.modes.as_ref())
    }

    /// Energy distance to true samples, for 2-D data.
    pub fn energy_distance(&self) -> Option<f64> {
        self.toy.as_ref().map(|toy| toy.energy_distance)
    }

    /// A one-line human summary for the terminal.
    pub fn summary(&self) -> String {
        let mut line = String::new();
        if let Some(toy) = &self.toy {
            if let Some(modes) = &toy.modes {
                line += &format!(
                    "  modes {}/{}  high-quality {:>5.1}%",
                    modes.modes_covered,
                    modes.modes_total,
                    100.0 * modes.high_quality_share
                );
            }
            line += &format!("  energy {:.4}", toy.energy_distance);
        }
        line
    }
}
