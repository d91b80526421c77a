//! What a run leaves for people and scripts: the run folder's files (`run_dir`) and the
//! pictures: the critic landscape with real and generated points and loss curves (`plots`),
//! image sample grids (`grid`), and the diagnostics' curves and allocation scatter
//! (`diagnostic_plots`); the comparison report (`html`) and its reading of the claims
//! (`claims`).

pub mod claims;
pub mod diagnostic_plots;
pub mod grid;
pub mod html;
pub mod plots;
pub mod run_dir;

pub use run_dir::RunDir;
