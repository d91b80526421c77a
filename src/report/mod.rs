//! What a run leaves for people and scripts: the run folder's files (`run_dir`) and the
//! pictures (`plots`): the critic landscape with real and generated points, loss curves.

pub mod plots;
pub mod run_dir;

pub use run_dir::RunDir;
