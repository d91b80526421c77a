//! The run folder as the training loop's outputs ([`train::outputs::Outputs`]): each
//! logged line appended to `metrics.jsonl`, sample grids under `samples/`, checkpoints, and
//! at the end the final weights, the pictures (loss curves, diagnostics, allocation, the
//! critic landscape or the sample grid) and, last, `final_metrics.json`, whose presence
//! marks the run finished (`resume` and `compare` read it so).
//!
//! [`train::outputs::Outputs`]: crate::train::outputs::Outputs

use std::path::Path;

use image::RgbImage;

use crate::error::{Error, Result};
use crate::report::diagnostic_plots::{draw_allocation, draw_diagnostics, write_allocation_csv};
use crate::report::grid::{captioned_grid, png_bytes, square_columns};
use crate::report::plots::{draw_loss_curves, landscape_picture};
use crate::report::summary::whole_number;
use crate::report::tensorboard::{TensorBoardEvents, LANDSCAPE_TAG, SAMPLES_TAG};
use crate::storage::files;
use crate::storage::{write_atomically, JsonLines, RunDir};
use crate::train::checkpoint::{self, Progress};
use crate::train::outputs::{Outputs, Results, Snapshot};
use crate::train::{LogRecord, Trainer};

/// A run folder being trained into, with its open metrics log and its TensorBoard events.
pub struct RunFolderOutputs {
    run: RunDir,
    log: JsonLines,
    events: TensorBoardEvents,
}

impl RunFolderOutputs {
    pub fn new(run: RunDir, log: JsonLines, events: TensorBoardEvents) -> Self {
        RunFolderOutputs { run, log, events }
    }
}

impl Outputs for RunFolderOutputs {
    fn log(&mut self, record: &LogRecord) -> Result<()> {
        self.log.append(record)?;
        self.events.log(record);
        Ok(())
    }

    /// `samples/iter_NNNNNN.png`, and the same picture in TensorBoard.
    fn sample(&mut self, snapshot: &Snapshot) -> Result<()> {
        let path = self
            .run
            .file(files::SAMPLES_FOLDER)
            .join(format!("iter_{:06}.png", snapshot.iteration));
        self.write_picture(&path, snapshot)
    }

    fn checkpoint(&mut self, trainer: &Trainer, progress: &Progress) -> Result<()> {
        checkpoint::save(trainer, progress, &self.run.file(files::CHECKPOINT_FILE))
    }

    fn finish(&mut self, trainer: &Trainer, results: &Results) -> Result<()> {
        let run = &self.run;
        run.save_weights(trainer.generator_store(), files::GENERATOR_FILE)?;
        run.save_weights(trainer.critic_store(), files::CRITIC_FILE)?;
        if let Some(averaged) = trainer.averaged_generator_store() {
            run.save_weights(averaged, files::EMA_GENERATOR_FILE)?;
        }
        if let Some(averaged) = trainer.averaged_critic_store() {
            run.save_weights(averaged, files::EMA_CRITIC_FILE)?;
        }
        let snapshot = &results.snapshot;
        draw_pictures(run, results.history, results.diagnosis, snapshot)?;
        let path = run.file(match snapshot.grid {
            Some(_) => files::SAMPLES_FILE,
            None => files::LANDSCAPE_FILE,
        });
        self.write_picture(&path, snapshot)?;
        self.run
            .write_json(files::FINAL_METRICS_FILE, results.summary)?;
        self.events.finish(snapshot.iteration);
        Ok(())
    }
}

impl RunFolderOutputs {
    /// The picture of `snapshot` ([`picture_of`]) into the file at `path` (its folder made
    /// where missing) and into TensorBoard; nothing for data without a picture.
    fn write_picture(&mut self, path: &Path, snapshot: &Snapshot) -> Result<()> {
        let Some((picture, tag)) = picture_of(path, snapshot)? else {
            return Ok(());
        };
        if let Some(folder) = path.parent() {
            std::fs::create_dir_all(folder).map_err(|e| Error::io("creating", folder, e))?;
        }
        let png = png_bytes(&picture, path)?;
        write_atomically(path, &png)?;
        self.events.picture(tag, snapshot.iteration, &picture, &png);
        Ok(())
    }
}

/// The curves and the allocation pictures of a finished run.
fn draw_pictures(
    run: &RunDir,
    history: &[LogRecord],
    (diagnostics, allocation): &(crate::metrics::Diagnostics, crate::metrics::Allocation),
    snapshot: &Snapshot,
) -> Result<()> {
    let title = &snapshot.title;
    let iteration = whole_number(snapshot.iteration as f64);
    draw_loss_curves(&run.file(files::LOSS_CURVES_FILE), title, history)?;
    draw_diagnostics(&run.file(files::DIAGNOSTICS_FILE), title, history)?;
    write_allocation_csv(&run.file(files::ALLOCATION_DATA_FILE), allocation)?;
    let correlation = diagnostics
        .allocation_rank_correlation
        .map_or_else(|| "undefined".into(), |rho| format!("{rho:.2}"));
    draw_allocation(
        &run.file(files::ALLOCATION_PLOT_FILE),
        &format!(
            "{title}, iteration {iteration}: allocation on demand (rank correlation {correlation})"
        ),
        allocation,
    )
}

/// The picture of `snapshot` (for the file at `path`) with its TensorBoard tag: the sample
/// grid of an image run, the critic's landscape of a 2-D run; none for other data.
fn picture_of(path: &Path, snapshot: &Snapshot) -> Result<Option<(RgbImage, &'static str)>> {
    let (title, iteration) = (&snapshot.title, snapshot.iteration);
    if let Some(grid) = &snapshot.grid {
        let columns = snapshot
            .grid_columns
            .unwrap_or_else(|| square_columns(grid.size()[0] as usize));
        let picture = captioned_grid(path, grid, columns, &grid_caption(title, iteration))?;
        return Ok(Some((picture, SAMPLES_TAG)));
    }
    let Some(landscape) = &snapshot.landscape else {
        return Ok(None);
    };
    let caption = format!(
        "{title}, iteration {}: the critic L(x)",
        whole_number(iteration as f64)
    );
    let picture = landscape_picture(path, &caption, landscape)?;
    Ok(Some((picture, LANDSCAPE_TAG)))
}

/// The caption of a run's sample grid: whose samples, and when (drawn by the averaged
/// generator where the run keeps one, from the run's fixed noise).
fn grid_caption(title: &str, iteration: u64) -> String {
    format!(
        "{title}, iteration {}: samples of the fixed noise",
        whole_number(iteration as f64)
    )
}
