//! Checkpoints: everything a run needs to continue as if it had never stopped — generator,
//! critic and averaged-generator weights (batch-norm statistics included), both optimisers'
//! moments and step counts, and the iteration — in one safetensors file.
//!
//! Nothing else is needed: libtorch's generator is reseeded from (seed, iteration) at every
//! step and the image loader's order is a function of (seed, batch index), so on the CPU a
//! resumed run gives the same numbers as an uninterrupted one.
//!
//! The file is written under a temporary name, synced, and renamed over the previous one, so
//! a crash while writing leaves the previous checkpoint whole.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;

use tch::nn::VarStore;
use tch::{Device, Tensor};

use crate::error::{Error, Result};
use crate::train::{StepLosses, Trainer};

/// A checkpoint's file name inside a run folder.
pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";

const ITERATION: &str = "iteration";
const SECONDS: &str = "seconds";
const INTERVAL: &str = "interval";

/// What a checkpoint holds besides the trainer's tensors: the progress of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// The steps since the last logged iteration (the next log line averages over them).
    pub interval: Vec<StepLosses>,
    /// Training seconds so far.
    pub seconds: f64,
}

/// The steps of an interval as rows of an f64 [k, 6] tensor (a missing margin share is NaN).
fn interval_tensor(steps: &[StepLosses]) -> Tensor {
    let flat: Vec<f64> = steps
        .iter()
        .flat_map(|s| {
            [
                s.critic_objective,
                s.generator_objective,
                s.loss_real,
                s.loss_fake,
                s.penalty,
                s.margin_satisfaction.unwrap_or(f64::NAN),
            ]
        })
        .collect();
    Tensor::from_slice(&flat).view([-1, 6])
}

fn interval_steps(tensor: &Tensor) -> Result<Vec<StepLosses>> {
    let flat = Vec::<f64>::try_from(tensor.contiguous().view([-1]))?;
    Ok(flat
        .chunks_exact(6)
        .map(|row| StepLosses {
            critic_objective: row[0],
            generator_objective: row[1],
            loss_real: row[2],
            loss_fake: row[3],
            penalty: row[4],
            margin_satisfaction: (!row[5].is_nan()).then_some(row[5]),
        })
        .collect())
}

fn store_tensors(prefix: &str, store: &VarStore, out: &mut Vec<(String, Tensor)>) {
    let mut variables: Vec<(String, Tensor)> = store.variables().into_iter().collect();
    variables.sort_by(|a, b| a.0.cmp(&b.0));
    for (name, tensor) in variables {
        out.push((format!("{prefix}.{name}"), tensor));
    }
}

/// Writes `trainer`'s state and the run's `progress` to `path` atomically.
pub fn save(trainer: &Trainer, progress: &Progress, path: &Path) -> Result<()> {
    let mut tensors = vec![
        (
            ITERATION.to_string(),
            Tensor::from(trainer.iteration as i64),
        ),
        (SECONDS.to_string(), Tensor::from(progress.seconds)),
        (INTERVAL.to_string(), interval_tensor(&progress.interval)),
    ];
    store_tensors("generator", &trainer.generator_store, &mut tensors);
    store_tensors("critic", &trainer.critic_store, &mut tensors);
    if let Some(ema) = &trainer.ema {
        store_tensors("ema", &ema.store, &mut tensors);
    }
    tensors.extend(trainer.generator_optimizer.state("generator_optimizer"));
    tensors.extend(trainer.critic_optimizer.state("critic_optimizer"));
    let tensors: Vec<(String, Tensor)> = tensors
        .into_iter()
        .map(|(name, tensor)| (name, tensor.to_device(Device::Cpu)))
        .collect();

    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let temporary = path.with_file_name(format!("partial-{file_name}"));
    Tensor::write_safetensors(&tensors, &temporary)?;
    File::open(&temporary)
        .and_then(|file| file.sync_all())
        .map_err(|e| Error::io("syncing", &temporary, e))?;
    std::fs::rename(&temporary, path).map_err(|e| Error::io("renaming", path, e))
}

/// The iteration a checkpoint was written at.
pub fn iteration_of(path: &Path) -> Result<u64> {
    let tensors = read(path)?;
    let iteration = find(&tensors, path, ITERATION)?;
    Ok(iteration.int64_value(&[]) as u64)
}

fn read(path: &Path) -> Result<HashMap<String, Tensor>> {
    let tensors = Tensor::read_safetensors(path).map_err(|e| {
        Error::bad_input(format!(
            "{}: not a readable checkpoint ({e})",
            path.display()
        ))
    })?;
    Ok(tensors.into_iter().collect())
}

fn find(tensors: &HashMap<String, Tensor>, path: &Path, name: &str) -> Result<Tensor> {
    tensors.get(name).map(Tensor::shallow_clone).ok_or_else(|| {
        Error::bad_input(format!(
            "{}: checkpoint has no tensor `{name}` (written by another configuration?)",
            path.display()
        ))
    })
}

fn load_store(
    prefix: &str,
    store: &VarStore,
    tensors: &HashMap<String, Tensor>,
    path: &Path,
) -> Result<()> {
    tch::no_grad(|| -> Result<()> {
        for (name, mut variable) in store.variables() {
            let saved = find(tensors, path, &format!("{prefix}.{name}"))?;
            if saved.size() != variable.size() {
                return Err(Error::bad_input(format!(
                    "{}: `{prefix}.{name}` has shape {:?}, the configured network needs {:?}",
                    path.display(),
                    saved.size(),
                    variable.size()
                )));
            }
            variable.f_copy_(&saved)?;
        }
        Ok(())
    })
}

/// Loads the checkpoint at `path` into `trainer`, built from the run's configuration, and
/// returns the run's progress.
pub fn restore(trainer: &mut Trainer, path: &Path) -> Result<Progress> {
    let tensors = read(path)?;
    trainer.iteration = find(&tensors, path, ITERATION)?.int64_value(&[]) as u64;
    load_store("generator", &trainer.generator_store, &tensors, path)?;
    load_store("critic", &trainer.critic_store, &tensors, path)?;
    if let Some(ema) = &trainer.ema {
        load_store("ema", &ema.store, &tensors, path)?;
    }
    let lookup = |name: &str| tensors.get(name).map(Tensor::shallow_clone);
    trainer
        .generator_optimizer
        .load_state("generator_optimizer", &lookup)
        .map_err(|e| Error::bad_input(format!("{}: {e}", path.display())))?;
    trainer
        .critic_optimizer
        .load_state("critic_optimizer", &lookup)
        .map_err(|e| Error::bad_input(format!("{}: {e}", path.display())))?;
    Ok(Progress {
        interval: interval_steps(&find(&tensors, path, INTERVAL)?)?,
        seconds: find(&tensors, path, SECONDS)?.double_value(&[]),
    })
}
