//! What the training loop hands out, one call each on an [`Outputs`] object: a metrics line,
//! a sample interval's picture, a checkpoint, and at the end the results. The loop only trains; where and
//! how these are written (the run folder, pictures) is the business of the layer above
//! (`report::run_outputs`).
//!
//! A [`Snapshot`] is what the pictures are drawn from: the generator's and the critic's
//! state at one iteration, taken from the trainer as plain numbers and tensors on the CPU.

use tch::Tensor;

use crate::error::Result;
use crate::metrics::{Allocation, Diagnostics};
use crate::train::checkpoint::Progress;
use crate::train::{LogRecord, RunSummary, Trainer};

/// Images in a sample grid (8×8).
pub const GRID_IMAGES: usize = 64;
/// Images per class in a conditional run's grid: one row of 10 per class.
pub const GRID_IMAGES_PER_CLASS: usize = 10;
/// Cells per side of the critic landscape.
pub const LANDSCAPE_RESOLUTION: usize = 150;

/// The receiver of everything a training run leaves behind.
pub trait Outputs {
    /// One logged iteration (a line of `metrics.jsonl`).
    fn log(&mut self, record: &LogRecord) -> Result<()>;
    /// The picture of a sample interval: the sample grid of the fixed noise (image runs) or
    /// the critic's landscape under the real and generated points (2-D runs).
    fn sample(&mut self, snapshot: &Snapshot) -> Result<()>;
    /// A checkpoint of the trainer and the loop's progress.
    fn checkpoint(&mut self, trainer: &Trainer, progress: &Progress) -> Result<()>;
    /// The final weights, pictures and, last, the summary that marks the run finished.
    fn finish(&mut self, trainer: &Trainer, results: &Results) -> Result<()>;
}

/// A finished run's results, as the loop hands them to [`Outputs::finish`].
pub struct Results<'a> {
    pub summary: &'a RunSummary,
    pub history: &'a [LogRecord],
    pub diagnosis: &'a (Diagnostics, Allocation),
    pub snapshot: Snapshot,
}

/// The state of a run at one iteration, for pictures.
pub struct Snapshot {
    pub iteration: u64,
    /// "LS-GAN on ring, seed 0", the pictures' title ([`TrainConfig::title`]).
    ///
    /// [`TrainConfig::title`]: crate::train::config::TrainConfig::title
    pub title: String,
    /// Image runs: the grid of the fixed noise, [n, C, H, W] in [−1, 1].
    pub grid: Option<Tensor>,
    /// The grid's columns where they mean something (a conditional run: one row of 10 per
    /// class); `None`: as square as the images allow.
    pub grid_columns: Option<usize>,
    /// 2-D runs: L(x) over a square around the data, with real and generated points.
    pub landscape: Option<LandscapeSnapshot>,
}

/// A critic evaluated on a square grid, with the evaluation's real and generated points to
/// draw over it.
pub struct LandscapeSnapshot {
    /// The square [lo, hi]² shown.
    pub bounds: (f64, f64),
    /// Cells per side of the grid.
    pub resolution: usize,
    /// L at cell centres, row-major from the bottom row: `scores[row * resolution + column]`
    /// is at x = lo + (column + ½)·cell, y = lo + (row + ½)·cell.
    pub scores: Vec<f32>,
    pub real: Vec<(f32, f32)>,
    pub generated: Vec<(f32, f32)>,
}

/// Cell centres of a `resolution`² grid over `bounds`, in the order of
/// [`LandscapeSnapshot::scores`].
pub fn grid_points((lo, hi): (f64, f64), resolution: usize) -> Vec<(f32, f32)> {
    let cell = (hi - lo) / resolution as f64;
    let centre = |i: usize| (lo + (i as f64 + 0.5) * cell) as f32;
    (0..resolution)
        .flat_map(|row| (0..resolution).map(move |column| (centre(column), centre(row))))
        .collect()
}

impl Snapshot {
    /// The snapshot of `trainer` now.
    pub fn of(trainer: &Trainer) -> Result<Snapshot> {
        let grid = trainer
            .data
            .images()
            .map(|_| trainer.grid_samples(grid_size(trainer)));
        // A landscape is drawn over the plane: for 2-D points only.
        let landscape = match trainer.data.points() {
            Some(points) if points.dim() != 2 => None,
            None => None,
            Some(points) => {
                let bounds = points.plot_bounds();
                let cells = grid_points(bounds, LANDSCAPE_RESOLUTION);
                let flat: Vec<f32> = cells.iter().flat_map(|&(x, y)| [x, y]).collect();
                let grid = Tensor::from_slice(&flat).view([-1, 2]);
                Some(LandscapeSnapshot {
                    bounds,
                    resolution: LANDSCAPE_RESOLUTION,
                    scores: Vec::<f32>::try_from(trainer.critic_scores(&grid))?,
                    real: points_of(&trainer.eval_real())?,
                    generated: points_of(&trainer.eval_samples())?,
                })
            }
        };
        Ok(Snapshot {
            iteration: trainer.iteration,
            title: trainer.config.title(trainer.data.name()),
            grid,
            grid_columns: (trainer.classes > 0).then_some(GRID_IMAGES_PER_CLASS),
            landscape,
        })
    }
}

/// The images in `trainer`'s sample grid: 8×8, or one row of 10 per class.
fn grid_size(trainer: &Trainer) -> usize {
    match trainer.classes {
        0 => GRID_IMAGES,
        classes => GRID_IMAGES_PER_CLASS * classes as usize,
    }
}

/// Rows of an [n, 2] tensor as (x, y) pairs.
pub fn points_of(points: &Tensor) -> Result<Vec<(f32, f32)>> {
    let flat = Vec::<f32>::try_from(points.to_kind(tch::Kind::Float).contiguous().view([-1]))?;
    Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grid_points_are_cell_centres_from_the_bottom_row() {
        let points = grid_points((0.0, 2.0), 2);
        assert_eq!(points, [(0.5, 0.5), (1.5, 0.5), (0.5, 1.5), (1.5, 1.5)]);
    }
}
