//! Training: one step of the algorithm (`trainer`), the loop that runs a whole job and writes
//! its run folder (`run`), and the record each logged iteration leaves (`record`).

pub mod record;
pub mod run;
pub mod trainer;

pub use record::LogRecord;
pub use run::{train, RunSummary};
pub use trainer::{StepLosses, Trainer};
