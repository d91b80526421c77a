//! Training: the configuration (`config`, with the training's own sections in `options`,
//! every default in one table in `defaults`, the flags in `flags`, the reading of a config
//! file in `config_file`, and how they are laid over one another in `resolve`), one step of the algorithm (`trainer`), its generator average
//! (`ema`) and mixed precision (`precision`), the loop that trains to the budget (`run`) and
//! hands what it leaves to an outputs object (`outputs`), the checkpoint that lets it resume
//! (`checkpoint`), the signals that stop it cleanly (`stop_signal`), and the records a run
//! leaves: each logged iteration's line and the finished run's summary (`record`).

pub mod checkpoint;
mod conditional_step;
pub mod config;
pub mod config_file;
pub mod defaults;
pub mod ema;
pub mod flags;
pub mod logged_image_metrics;
pub mod options;
pub mod outputs;
pub mod precision;
pub mod record;
pub mod resolve;
pub mod run;
pub mod stop_signal;
pub mod trainer;

pub use record::{LogRecord, RunSummary};
pub use trainer::{StepLosses, Trainer};
