//! Training: the configuration (`config`, with the training's own sections in `options`,
//! every default in one table in `defaults`, the flags in `flags` and the reading of a config
//! file in `config_file`), one step of the algorithm (`trainer`), its generator average
//! (`ema`) and mixed precision (`precision`), the loop that trains to the budget (`run`) and
//! hands what it leaves to an outputs object (`outputs`), the checkpoint that lets it resume
//! (`checkpoint`), the signals that stop it cleanly (`stop_signal`), and the records a run
//! leaves: each logged iteration's line and the finished run's summary (`record`).

pub mod checkpoint;
pub mod config;
mod config_file;
pub mod defaults;
pub mod ema;
mod flags;
pub mod options;
pub mod outputs;
pub mod precision;
pub mod record;
pub mod run;
pub mod stop_signal;
pub mod trainer;

pub use record::{LogRecord, RunSummary};
pub use trainer::{StepLosses, Trainer};
