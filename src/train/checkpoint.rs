//! Checkpoints: everything a run needs to continue as if it had never stopped — generator,
//! critic, averaged-generator and (conditional runs) averaged-critic weights (batch-norm
//! statistics included), both optimisers'
//! moments and step counts, and the iteration — in one safetensors file.
//!
//! Nothing else is needed: libtorch's generator is reseeded from (seed, iteration) at every
//! step and the image loader's order is a function of (seed, batch index), so on the CPU a
//! resumed run gives the same numbers as an uninterrupted one.
//!
//! Safe against crashes and damage:
//! - the file is written under a temporary name, synced, and renamed over the previous one
//!   (then the folder is synced: `storage::replace_atomically`), so a crash while writing
//!   leaves the last checkpoint whole;
//! - the checkpoint it replaces is kept as `checkpoint.previous.safetensors` (a hard link, no
//!   copy), for `lsgan resume --previous-checkpoint`;
//! - the file carries an MD5 checksum of its content (names, types, shapes and bytes of every
//!   tensor) in its metadata, so damage after writing is detected and named, never loaded.

use std::borrow::Cow;
use std::collections::HashMap;
use std::fs;
use std::path::{Path, PathBuf};

use md5::{Digest, Md5};
use safetensors::tensor::{Dtype, SafeTensors, View};
use tch::nn::VarStore;
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};
use crate::storage::checksum::hex;
use crate::storage::files::PREVIOUS_CHECKPOINT_FILE;
use crate::storage::replace_atomically;
use crate::train::{StepLosses, Trainer};

/// The metadata key of the content checksum.
const CHECKSUM_KEY: &str = "lsgan_content_md5";
const ITERATION: &str = "iteration";
const SECONDS: &str = "seconds";
const STEP_SECONDS: &str = "step_seconds";
const INTERVAL: &str = "interval";
/// The prefix of a conditional run's averaged critic in a checkpoint.
const CRITIC_EMA: &str = "critic_ema";

/// What a checkpoint holds besides the trainer's tensors: the progress of the run.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Progress {
    /// The steps since the last logged iteration (the next log line averages over them).
    pub interval: Vec<StepLosses>,
    /// Training seconds so far.
    pub seconds: f64,
    /// Of those, the seconds spent in training steps alone (without evaluation, logging and
    /// checkpoints): what the log's `seconds` reports.
    pub step_seconds: f64,
}

/// Writes `trainer`'s state and the run's `progress` to `path` atomically, keeping the
/// checkpoint it replaces as [`PREVIOUS_CHECKPOINT_FILE`]. On failure (a full disk, say)
/// the temporary file is removed and the checkpoints already there are untouched.
pub fn save(trainer: &Trainer, progress: &Progress, path: &Path) -> Result<()> {
    let mut blobs = Vec::new();
    for (name, tensor) in trainer_tensors(trainer, progress) {
        blobs.push((name, Blob::of(&tensor)?));
    }
    blobs.sort_by(|a, b| a.0.cmp(&b.0));
    let checksum = content_checksum(
        blobs
            .iter()
            .map(|(name, blob)| (name.as_str(), blob.dtype, &blob.shape[..], &blob.bytes[..])),
    );
    let metadata = Some(HashMap::from([(CHECKSUM_KEY.to_string(), checksum)]));
    let views = blobs.iter().map(|(name, blob)| (name.as_str(), blob));
    replace_atomically(
        path,
        |temporary| {
            safetensors::tensor::serialize_to_file(views, &metadata, temporary).map_err(|e| match e
            {
                safetensors::SafeTensorError::IoError(e) => e,
                other => std::io::Error::other(format!("{other:?}")),
            })
        },
        || keep_as_previous(path),
    )
}

/// Every tensor of a checkpoint, by name.
fn trainer_tensors(trainer: &Trainer, progress: &Progress) -> Vec<(String, Tensor)> {
    let mut tensors = vec![
        (
            ITERATION.to_string(),
            Tensor::from(trainer.iteration as i64),
        ),
        (SECONDS.to_string(), Tensor::from(progress.seconds)),
        (
            STEP_SECONDS.to_string(),
            Tensor::from(progress.step_seconds),
        ),
        (INTERVAL.to_string(), interval_tensor(&progress.interval)),
    ];
    store_tensors("generator", &trainer.generator_store, &mut tensors);
    store_tensors("critic", &trainer.critic_store, &mut tensors);
    if let Some(ema) = &trainer.ema {
        store_tensors("ema", &ema.store, &mut tensors);
    }
    if let Some(critic_ema) = &trainer.critic_ema {
        store_tensors(CRITIC_EMA, &critic_ema.store, &mut tensors);
    }
    tensors.extend(trainer.generator_optimizer.state("generator_optimizer"));
    tensors.extend(trainer.critic_optimizer.state("critic_optimizer"));
    tensors
}

fn store_tensors(prefix: &str, store: &VarStore, out: &mut Vec<(String, Tensor)>) {
    for (name, tensor) in store.variables() {
        out.push((format!("{prefix}.{name}"), tensor));
    }
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

/// A tensor's type, shape and bytes on the CPU, as safetensors writes them.
struct Blob {
    dtype: Dtype,
    shape: Vec<usize>,
    bytes: Vec<u8>,
}

impl Blob {
    fn of(tensor: &Tensor) -> Result<Blob> {
        let tensor = tensor.to_device(Device::Cpu).contiguous();
        let numel = tensor.numel();
        let mut bytes = vec![0u8; numel * tensor.kind().elt_size_in_bytes()];
        tensor.f_copy_data_u8(&mut bytes, numel)?;
        Ok(Blob {
            dtype: Dtype::try_from(tensor.kind())?,
            shape: tensor.size().iter().map(|&d| d as usize).collect(),
            bytes,
        })
    }
}

impl View for &Blob {
    fn dtype(&self) -> Dtype {
        self.dtype
    }

    fn shape(&self) -> &[usize] {
        &self.shape
    }

    fn data(&self) -> Cow<'_, [u8]> {
        Cow::Borrowed(&self.bytes)
    }

    fn data_len(&self) -> usize {
        self.bytes.len()
    }
}

/// MD5 over each tensor's name, type, shape and bytes, in the order given (by name).
fn content_checksum<'a>(
    tensors: impl IntoIterator<Item = (&'a str, Dtype, &'a [usize], &'a [u8])>,
) -> String {
    let mut hasher = Md5::new();
    for (name, dtype, shape, bytes) in tensors {
        hasher.update((name.len() as u64).to_le_bytes());
        hasher.update(name.as_bytes());
        hasher.update(format!("{dtype:?}").as_bytes());
        hasher.update((shape.len() as u64).to_le_bytes());
        for &side in shape {
            hasher.update((side as u64).to_le_bytes());
        }
        hasher.update((bytes.len() as u64).to_le_bytes());
        hasher.update(bytes);
    }
    hex(&hasher.finalize())
}

/// Makes the checkpoint at `path`, if there is one, the previous checkpoint too: a hard
/// link (a copy where the file system has none), renamed into place.
fn keep_as_previous(path: &Path) -> std::io::Result<()> {
    if !path.exists() {
        return Ok(());
    }
    let previous = path.with_file_name(PREVIOUS_CHECKPOINT_FILE);
    let link = path.with_file_name(format!("partial-{PREVIOUS_CHECKPOINT_FILE}"));
    let _ = fs::remove_file(&link);
    if fs::hard_link(path, &link).is_err() {
        fs::copy(path, &link)?;
    }
    fs::rename(&link, &previous)
}

/// A checkpoint read from disk whose checksum matched its content.
pub struct Checkpoint {
    path: PathBuf,
    tensors: HashMap<String, Tensor>,
}

impl Checkpoint {
    /// Reads and verifies the checkpoint at `path`. A damaged file (unreadable, truncated, or
    /// content that does not match its checksum) is bad input naming the file.
    pub fn read(path: &Path) -> Result<Checkpoint> {
        let bytes = fs::read(path).map_err(|e| Error::io("reading", path, e))?;
        let damaged = |problem: String| {
            Error::bad_input(format!("{}: damaged checkpoint: {problem}", path.display()))
        };
        let unreadable =
            |e: safetensors::SafeTensorError| damaged(format!("not a safetensors file ({e:?})"));
        let (_, metadata) = SafeTensors::read_metadata(&bytes).map_err(unreadable)?;
        let stored = metadata
            .metadata()
            .as_ref()
            .and_then(|m| m.get(CHECKSUM_KEY))
            .cloned()
            .ok_or_else(|| {
                damaged("it has no checksum (it was not written by this version of lsgan)".into())
            })?;
        let file = SafeTensors::deserialize(&bytes).map_err(unreadable)?;
        let mut views = file.tensors();
        views.sort_by(|a, b| a.0.cmp(&b.0));
        let computed = content_checksum(
            views
                .iter()
                .map(|(name, view)| (name.as_str(), view.dtype(), view.shape(), view.data())),
        );
        if computed != stored {
            return Err(damaged(format!(
                "its content does not match its checksum (stored {stored}, computed {computed}); \
                 the file was changed after lsgan wrote it"
            )));
        }
        let mut tensors = HashMap::with_capacity(views.len());
        for (name, view) in views {
            let tensor =
                Tensor::try_from(view).map_err(|e| damaged(format!("tensor `{name}`: {e}")))?;
            tensors.insert(name, tensor);
        }
        Ok(Checkpoint {
            path: path.to_path_buf(),
            tensors,
        })
    }

    /// The iteration the checkpoint was written at.
    pub fn iteration(&self) -> Result<u64> {
        let value = self.scalar(ITERATION)?.f_int64_value(&[])?;
        u64::try_from(value).map_err(|_| self.bad(format!("iteration {value} is negative")))
    }

    /// The training seconds the run had spent when the checkpoint was written.
    pub fn seconds(&self) -> Result<f64> {
        Ok(self.scalar(SECONDS)?.f_double_value(&[])?)
    }

    /// The seconds the run had spent in training steps alone; a checkpoint written before
    /// 2026-12-07 has no such count and gives its training seconds.
    pub fn step_seconds(&self) -> Result<f64> {
        if !self.tensors.contains_key(STEP_SECONDS) {
            return self.seconds();
        }
        Ok(self.scalar(STEP_SECONDS)?.f_double_value(&[])?)
    }

    /// Loads the checkpoint into `trainer`, built from the run's configuration, and returns
    /// the run's progress.
    pub fn restore(&self, trainer: &mut Trainer) -> Result<Progress> {
        trainer.iteration = self.iteration()?;
        self.load_store("generator", &trainer.generator_store)?;
        self.load_store("critic", &trainer.critic_store)?;
        if let Some(ema) = &trainer.ema {
            self.load_store("ema", &ema.store)?;
        }
        if let Some(critic_ema) = &trainer.critic_ema {
            // A checkpoint written before 2026-12-07 has no averaged critic: the average
            // starts again from the critic it holds.
            let source = match self.has_store(CRITIC_EMA) {
                true => CRITIC_EMA,
                false => "critic",
            };
            self.load_store(source, &critic_ema.store)?;
        }
        let lookup = |name: &str| self.tensors.get(name).map(Tensor::shallow_clone);
        for (prefix, optimizer) in [
            ("generator_optimizer", &mut trainer.generator_optimizer),
            ("critic_optimizer", &mut trainer.critic_optimizer),
        ] {
            optimizer
                .load_state(prefix, &lookup)
                .map_err(|e| self.bad(e.to_string()))?;
        }
        Ok(Progress {
            interval: self.interval()?,
            seconds: self.seconds()?,
            step_seconds: self.step_seconds()?,
        })
    }

    fn find(&self, name: &str) -> Result<Tensor> {
        self.tensors
            .get(name)
            .map(Tensor::shallow_clone)
            .ok_or_else(|| {
                self.bad(format!(
                    "no tensor `{name}` (written by another configuration?)"
                ))
            })
    }

    fn scalar(&self, name: &str) -> Result<Tensor> {
        let tensor = self.find(name)?;
        if tensor.numel() != 1 {
            return Err(self.bad(format!(
                "`{name}` has shape {:?}, expected one number",
                tensor.size()
            )));
        }
        Ok(tensor)
    }

    fn bad(&self, problem: String) -> Error {
        Error::bad_input(format!("{}: {problem}", self.path.display()))
    }

    fn interval(&self) -> Result<Vec<StepLosses>> {
        let tensor = self.find(INTERVAL)?;
        let size = tensor.size();
        if size.len() != 2 || size[1] != 6 || tensor.kind() != Kind::Double {
            return Err(self.bad(format!(
                "`{INTERVAL}` is {:?} of shape {size:?}, expected f64 rows of 6",
                tensor.kind()
            )));
        }
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

    /// Whether the checkpoint holds a store saved under `prefix`.
    fn has_store(&self, prefix: &str) -> bool {
        let start = format!("{prefix}.");
        self.tensors.keys().any(|name| name.starts_with(&start))
    }

    fn load_store(&self, prefix: &str, store: &VarStore) -> Result<()> {
        tch::no_grad(|| -> Result<()> {
            for (name, mut variable) in store.variables() {
                let saved = self.find(&format!("{prefix}.{name}"))?;
                if saved.size() != variable.size() || saved.kind() != variable.kind() {
                    return Err(self.bad(format!(
                        "`{prefix}.{name}` is {:?} {:?}, the configured network needs {:?} {:?}",
                        saved.kind(),
                        saved.size(),
                        variable.kind(),
                        variable.size()
                    )));
                }
                variable.f_copy_(&saved)?;
            }
            Ok(())
        })
    }
}
