//! Shuffled image batches for training, assembled on a background thread ahead of use.
//!
//! The order is a pure function of the seed: epoch `e` visits the images in the permutation
//! [`epoch_permutation`]`(n, seed, e)` (a Fisher–Yates shuffle driven by ChaCha8 seeded from
//! `(seed, e)`), cut into `n / batch` whole batches (the last incomplete one is dropped).
//! Batch `k` of a run is batch `k mod (n / batch)` of epoch `k / (n / batch)`. A loader
//! started at `first_batch = k` therefore serves exactly what an uninterrupted loader serves
//! from its `k`-th batch on, which is what lets a resumed run continue the same sequence.

use std::sync::mpsc::{sync_channel, Receiver};
use std::thread::JoinHandle;

use rand_chacha::rand_core::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::Tensor;

use super::{to_unit_range, ImageSet};
use crate::error::{Error, Result};

/// Batches assembled ahead of the trainer.
pub const PREFETCH: usize = 4;

/// Serves batches of an [`ImageSet`] as f32 in `[−1, 1]`, `[B, C, H, W]`, on the CPU, with
/// their labels where the set has them.
///
/// Dropping the loader stops its thread (it is joined).
pub struct BatchLoader {
    /// Batches from the background thread; `None` once dropped.
    receiver: Option<Receiver<(Tensor, Option<Tensor>)>>,
    worker: Option<JoinHandle<()>>,
    /// The same batches made on the calling thread, used only if the worker has died.
    fallback: BatchSource,
    /// The index of the next batch to serve, counted from the start of training.
    position: u64,
}

impl BatchLoader {
    /// A loader of batches of `batch` images from `set`, in the order fixed by `seed`,
    /// starting at batch `first_batch` of that order (0 for a new run).
    ///
    /// The loader shares the set's pixel storage (the set must not be changed in place
    /// while the loader lives). Errors when `batch` is 0 or more than the set holds.
    pub fn new(set: &ImageSet, batch: usize, seed: u64, first_batch: u64) -> Result<BatchLoader> {
        let count = set.len();
        if batch == 0 || batch > count {
            return Err(Error::bad_input(format!(
                "option --batch-size: {batch} images a batch from {}, which holds {count}; \
                 expected 1 to {count}",
                set.name
            )));
        }
        let source = BatchSource {
            images: set.images.shallow_clone(),
            labels: set.labels.as_ref().map(Tensor::shallow_clone),
            batch,
            seed,
            per_epoch: (count / batch) as u64,
            epoch: None,
        };
        let mut worker_source = source.clone_sharing();
        let (sender, receiver) = sync_channel(PREFETCH);
        let worker = std::thread::Builder::new()
            .name("lsgan-batches".into())
            .spawn(move || {
                for index in first_batch.. {
                    if sender.send(worker_source.batch(index)).is_err() {
                        break;
                    }
                }
            })
            .ok();
        Ok(BatchLoader {
            // Without a thread (the system refused one) batches are made on demand instead.
            receiver: worker.is_some().then_some(receiver),
            worker,
            fallback: source,
            position: first_batch,
        })
    }

    /// The next batch: f32 in `[−1, 1]`, `[B, C, H, W]`, on the CPU.
    pub fn next_batch(&mut self) -> Tensor {
        self.next_with_labels().0
    }

    /// The next batch and its labels (i64 `[B]`; `None` when the set has none).
    pub fn next_with_labels(&mut self) -> (Tensor, Option<Tensor>) {
        let prefetched = self.receiver.as_ref().and_then(|r| r.recv().ok());
        let batch = match prefetched {
            Some(batch) => batch,
            None => {
                // No worker (it could not start, or panicked): make the batch here.
                self.receiver = None;
                self.fallback.batch(self.position)
            }
        };
        self.position += 1;
        batch
    }

    /// Batches served since the start of training: `first_batch` plus those served by this
    /// loader. A run that stops now resumes with `first_batch = position()`.
    pub fn position(&self) -> u64 {
        self.position
    }

    /// Whole batches in one pass over the set (`n / batch`).
    pub fn batches_per_epoch(&self) -> u64 {
        self.fallback.per_epoch
    }

    /// The epoch the next batch belongs to (0 first).
    pub fn epoch(&self) -> u64 {
        self.position / self.fallback.per_epoch
    }
}

impl Drop for BatchLoader {
    fn drop(&mut self) {
        // Closing the channel makes the worker's next send fail, and it returns.
        drop(self.receiver.take());
        if let Some(worker) = self.worker.take() {
            let _ = worker.join();
        }
    }
}

impl std::fmt::Debug for BatchLoader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BatchLoader")
            .field("batch", &self.fallback.batch)
            .field("seed", &self.fallback.seed)
            .field("position", &self.position)
            .field("batches_per_epoch", &self.fallback.per_epoch)
            .finish()
    }
}

/// Makes batch `k` of the order; keeps the current epoch's permutation.
struct BatchSource {
    images: Tensor,
    labels: Option<Tensor>,
    batch: usize,
    seed: u64,
    per_epoch: u64,
    /// The epoch whose permutation is cached, and the permutation.
    epoch: Option<(u64, Vec<i64>)>,
}

impl BatchSource {
    /// A source of the same batches sharing the same pixels.
    fn clone_sharing(&self) -> BatchSource {
        BatchSource {
            images: self.images.shallow_clone(),
            labels: self.labels.as_ref().map(Tensor::shallow_clone),
            batch: self.batch,
            seed: self.seed,
            per_epoch: self.per_epoch,
            epoch: None,
        }
    }

    /// Batch `k` counted from the start of training, with its labels.
    fn batch(&mut self, k: u64) -> (Tensor, Option<Tensor>) {
        let epoch = k / self.per_epoch;
        let slot = (k % self.per_epoch) as usize;
        if self
            .epoch
            .as_ref()
            .is_none_or(|(cached, _)| *cached != epoch)
        {
            let count = self.images.size()[0] as usize;
            self.epoch = Some((epoch, epoch_permutation(count, self.seed, epoch)));
        }
        let order = self.epoch.as_ref().map_or(&[][..], |(_, order)| &order[..]);
        let indices = Tensor::from_slice(&order[slot * self.batch..(slot + 1) * self.batch]);
        let picked = self.images.index_select(0, &indices);
        let labels = self
            .labels
            .as_ref()
            .map(|labels| labels.index_select(0, &indices));
        (to_unit_range(&picked), labels)
    }
}

/// The order in which epoch `epoch` visits `n` images: a permutation of 0..n that depends
/// only on (`n`, `seed`, `epoch`).
pub fn epoch_permutation(n: usize, seed: u64, epoch: u64) -> Vec<i64> {
    keyed_permutation(n, seed, epoch, b"lsgan image loop")
}

/// A permutation of 0..n that depends only on (`n`, `seed`, `index`, `purpose`): a
/// Fisher–Yates shuffle driven by ChaCha8 keyed by all four, so that each purpose (the epochs'
/// order, the choice of labelled images) draws its own stream from the run's seed.
pub fn keyed_permutation(n: usize, seed: u64, index: u64, purpose: &[u8; 16]) -> Vec<i64> {
    let mut key = [0u8; 32];
    key[..8].copy_from_slice(&seed.to_le_bytes());
    key[8..16].copy_from_slice(&index.to_le_bytes());
    key[16..].copy_from_slice(purpose);
    let mut rng = ChaCha8Rng::from_seed(key);
    let mut order: Vec<i64> = (0..n as i64).collect();
    for i in (1..n).rev() {
        let j = below(&mut rng, i as u64 + 1) as usize;
        order.swap(i, j);
    }
    order
}

/// A uniform draw from 0..bound (bound ≥ 1), without modulo bias (Lemire's method).
fn below(rng: &mut ChaCha8Rng, bound: u64) -> u64 {
    let threshold = bound.wrapping_neg() % bound;
    loop {
        let product = u128::from(rng.next_u64()) * u128::from(bound);
        if (product as u64) >= threshold {
            return (product >> 64) as u64;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn permutations_are_permutations_and_differ_by_epoch() {
        let first = epoch_permutation(100, 7, 0);
        let mut sorted = first.clone();
        sorted.sort_unstable();
        assert_eq!(sorted, (0..100).collect::<Vec<i64>>());
        assert_eq!(first, epoch_permutation(100, 7, 0));
        assert_ne!(first, epoch_permutation(100, 7, 1));
        assert_ne!(first, epoch_permutation(100, 8, 0));
    }

    #[test]
    fn draws_stay_below_the_bound() {
        let mut rng = ChaCha8Rng::from_seed([1; 32]);
        let mut seen = [false; 3];
        for _ in 0..300 {
            seen[below(&mut rng, 3) as usize] = true;
        }
        assert_eq!(seen, [true; 3]);
    }
}
