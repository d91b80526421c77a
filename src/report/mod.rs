//! What a run leaves for people: the run folder as the training loop's outputs
//! (`run_outputs`), the pictures: the critic landscape with real and generated points and loss curves (`plots`),
//! image sample grids (`grid`), and the diagnostics' curves and allocation scatter
//! (`diagnostic_plots`), the curves laid out as panels the same way (`panels`); the summary of several runs (`summary`), the comparison report
//! (`html`) and its reading of the claims (`claims`); and the run's TensorBoard events as it
//! trains (`tensorboard`).

pub mod claims;
pub mod confusion;
pub mod diagnostic_plots;
pub mod grid;
pub mod html;
pub mod panels;
pub mod plots;
pub mod run_outputs;
pub mod summary;
pub mod tensorboard;
