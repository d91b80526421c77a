//! The run folder as the training loop's outputs ([`train::outputs::Outputs`]): each
//! logged line appended to `metrics.jsonl`, sample grids under `samples/`, checkpoints, and
//! at the end the final weights, the pictures (loss curves, diagnostics, allocation, the
//! critic landscape or the sample grid) and, last, `final_metrics.json`, whose presence
//! marks the run finished (`resume` and `compare` read it so).
//!
//! [`train::outputs::Outputs`]: crate::train::outputs::Outputs

use tch::Tensor;

use crate::error::{Error, Result};
use crate::report::diagnostic_plots::{draw_allocation, draw_diagnostics, write_allocation_csv};
use crate::report::grid::{square_columns, write_grid};
use crate::report::plots::{draw_landscape, draw_loss_curves};
use crate::report::summary::whole_number;
use crate::storage::files;
use crate::storage::{JsonLines, RunDir};
use crate::train::checkpoint::{self, Progress};
use crate::train::outputs::{Outputs, Results, Snapshot};
use crate::train::{LogRecord, Trainer};

/// A run folder being trained into, with its open metrics log.
pub struct RunFolderOutputs {
    run: RunDir,
    log: JsonLines,
}

impl RunFolderOutputs {
    pub fn new(run: RunDir, log: JsonLines) -> Self {
        RunFolderOutputs { run, log }
    }
}

impl Outputs for RunFolderOutputs {
    fn log(&mut self, record: &LogRecord) -> Result<()> {
        self.log.append(record)
    }

    /// `samples/iter_NNNNNN.png`.
    fn sample_grid(&mut self, title: &str, iteration: u64, images: &Tensor) -> Result<()> {
        let folder = self.run.file(files::SAMPLES_FOLDER);
        std::fs::create_dir_all(&folder).map_err(|e| Error::io("creating", &folder, e))?;
        let path = folder.join(format!("iter_{iteration:06}.png"));
        write_grid(
            &path,
            images,
            square_columns(images.size()[0] as usize),
            &grid_caption(title, iteration),
        )
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
        draw_pictures(run, results.history, results.diagnosis, &results.snapshot)?;
        run.write_json(files::FINAL_METRICS_FILE, results.summary)
    }
}

/// The pictures of a finished run.
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
    )?;
    if let Some(grid) = &snapshot.grid {
        return write_grid(
            &run.file(files::SAMPLES_FILE),
            grid,
            square_columns(grid.size()[0] as usize),
            &grid_caption(title, snapshot.iteration),
        );
    }
    let Some(landscape) = &snapshot.landscape else {
        return Ok(());
    };
    draw_landscape(
        &run.file(files::LANDSCAPE_FILE),
        &format!("{title}, iteration {iteration}: the critic L(x)"),
        landscape,
    )
}

/// The caption of a run's sample grid: whose samples, and when (drawn by the averaged
/// generator where the run keeps one, from the run's fixed noise).
fn grid_caption(title: &str, iteration: u64) -> String {
    format!(
        "{title}, iteration {}: samples of the fixed noise",
        whole_number(iteration as f64)
    )
}
