//! What a run achieved, measured apart from training. Issue-3 scope: the toy metrics of
//! SPEC.md §6 (`toy`).

pub mod toy;

pub use toy::{energy_distance, mode_metrics, ModeMetrics, ToyMetrics};
