//! Training: one step of the algorithm (`trainer`), its optimisers (`optim`), generator
//! average (`ema`) and mixed precision (`precision`), the loop that runs a whole job and
//! writes its run folder (`run`), the checkpoint that lets it resume (`checkpoint`), the
//! signals that stop it cleanly (`stop_signal`), and the record each logged iteration leaves
//! (`record`).

pub mod checkpoint;
pub mod ema;
pub mod optim;
pub mod precision;
pub mod record;
pub mod run;
pub mod stop_signal;
pub mod trainer;

pub use record::LogRecord;
pub use run::{train, RunSummary};
pub use trainer::{StepLosses, Trainer};
