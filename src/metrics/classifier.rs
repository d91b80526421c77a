//! A small CNN that lsgan trains itself on 28×28 grayscale digits (MNIST, or Fashion-MNIST),
//! whose 128-d penultimate layer is the feature space for FID, KID and precision/recall of
//! 28×28 images. Inception-v3 saw ImageNet photographs at 299×299; upscaled digits are far
//! from what it knows, and its features of them are dominated by the upscaling. A classifier
//! trained on the digits themselves measures what matters for digits (which digit, how it is
//! drawn), as the MNIST GAN literature does ("FID with a LeNet").
//!
//! The network (≈ 0.21 M parameters, 1.2 M multiply-adds per image):
//!
//! conv 3×3, 16 (pad 1) → batch norm → ReLU → max-pool 2 (14×14)
//! → conv 3×3, 32 (pad 1) → batch norm → ReLU → max-pool 2 (7×7)
//! → linear 1568 → 128 → batch norm → ReLU (**the features**) → linear 128 → 10
//!
//! trained with lsgan's own Adam (β = 0.9, 0.999, learning rate 4·10⁻³ decaying linearly to
//! 0) on shuffled mini-batches of 64, for 2 epochs by default: 99.3% test accuracy on MNIST.
//! It was sized for a 2-core CPU: the batch norm after the hidden layer is what brings it
//! to 99% within one epoch; dropout only slowed it down at this budget, so there is none.
//! Training is a function of the seed (weights and batch order come from it) on a given
//! machine. Weights are saved and loaded as safetensors.

use std::path::{Path, PathBuf};
use std::time::Instant;

use md5::{Digest, Md5};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use tch::nn::{self, VarStore};
use tch::{Device, Kind, Tensor};

use super::features::{FeatureExtractor, FeatureSpace};
use crate::error::{Error, Result};
use crate::nets::optim::Optimizer;
use crate::nets::optim::OptimizerKind;

/// Dimension of the features (the penultimate layer).
pub const FEATURE_DIM: i64 = 128;
/// Number of classes.
pub const CLASSES: i64 = 10;
/// The image side the classifier takes.
pub const SIDE: i64 = 28;
/// Channels of the two convolutions.
const CONV_CHANNELS: (i64, i64) = (16, 32);
/// Images per forward pass when only evaluating.
const EVAL_BATCH: i64 = 1000;

/// How to train the classifier.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct TrainOptions {
    /// Passes over the training set.
    pub epochs: usize,
    pub batch_size: i64,
    /// Adam's initial learning rate; it decays linearly to 0 over the run.
    pub learning_rate: f64,
    pub seed: u64,
}

impl Default for TrainOptions {
    fn default() -> Self {
        TrainOptions {
            epochs: 2,
            batch_size: 64,
            learning_rate: 4e-3,
            seed: 0,
        }
    }
}

/// What one epoch of training did, for progress output.
#[derive(Clone, Copy, Debug)]
pub struct EpochReport {
    /// 1-based.
    pub epoch: usize,
    /// Mean cross-entropy over the epoch's batches.
    pub mean_loss: f64,
    /// Seconds since training began.
    pub seconds: f64,
}

/// The digit classifier; see the module documentation for the layers.
#[derive(Debug)]
pub struct Classifier {
    store: VarStore,
    conv1: nn::Conv2D,
    norm1: nn::BatchNorm,
    conv2: nn::Conv2D,
    norm2: nn::BatchNorm,
    hidden: nn::Linear,
    norm3: nn::BatchNorm,
    output: nn::Linear,
}

/// The per-user file the classifier for `dataset` is written to and read from by default:
/// `<cache>/classifiers/<dataset>.safetensors` (see `metrics::cache_root`).
pub fn default_weights_path(dataset: &str) -> PathBuf {
    super::cache_root()
        .join("classifiers")
        .join(format!("{dataset}.safetensors"))
}

/// Checks that `images` are [N, 1, 28, 28] and `labels` (if any) [N].
fn check_shapes(images: &Tensor, labels: Option<&Tensor>) -> Result<()> {
    let size = images.size();
    if size.len() != 4 || size[1..] != [1, SIDE, SIDE] {
        return Err(Error::bad_input(format!(
            "the digit classifier takes images [N, 1, 28, 28], got shape {size:?}"
        )));
    }
    if let Some(labels) = labels {
        if labels.size() != [size[0]] {
            return Err(Error::bad_input(format!(
                "{} images but labels of shape {:?}",
                size[0],
                labels.size()
            )));
        }
    }
    Ok(())
}

impl Classifier {
    /// A classifier with fresh weights (from libtorch's generator) on `device`.
    pub fn new(device: Device) -> Self {
        let store = VarStore::new(device);
        let root = store.root();
        let conv = |name: &str, input: i64, output: i64| {
            nn::conv2d(
                &root / name,
                input,
                output,
                3,
                nn::ConvConfig {
                    padding: 1,
                    ..Default::default()
                },
            )
        };
        let (c1, c2) = CONV_CHANNELS;
        let conv1 = conv("conv1", 1, c1);
        let bn = nn::BatchNormConfig {
            ws_init: nn::Init::Const(1.0),
            ..Default::default()
        };
        let norm1 = nn::batch_norm2d(&root / "norm1", c1, bn);
        let conv2 = conv("conv2", c1, c2);
        let norm2 = nn::batch_norm2d(&root / "norm2", c2, bn);
        let norm3 = nn::batch_norm1d(&root / "norm3", FEATURE_DIM, bn);
        let flat = c2 * (SIDE / 4) * (SIDE / 4);
        let hidden = nn::linear(&root / "hidden", flat, FEATURE_DIM, Default::default());
        let output = nn::linear(&root / "output", FEATURE_DIM, CLASSES, Default::default());
        Classifier {
            store,
            conv1,
            norm1,
            conv2,
            norm2,
            hidden,
            norm3,
            output,
        }
    }

    /// The penultimate layer [N, 128] of images [N, 1, 28, 28] in [−1, 1] (`train`: batch
    /// statistics, else the running ones).
    pub fn features_t(&self, images: &Tensor, train: bool) -> Tensor {
        images
            .apply(&self.conv1)
            .apply_t(&self.norm1, train)
            .relu()
            .max_pool2d_default(2)
            .apply(&self.conv2)
            .apply_t(&self.norm2, train)
            .relu()
            .max_pool2d_default(2)
            .flatten(1, -1)
            .apply(&self.hidden)
            .apply_t(&self.norm3, train)
            .relu()
    }

    /// Class scores [N, 10].
    pub fn logits_t(&self, images: &Tensor, train: bool) -> Tensor {
        self.features_t(images, train).apply(&self.output)
    }

    /// `f` applied in evaluation mode, without autograd, to batches of `images` on the
    /// classifier's device; the results concatenated on the images' device.
    fn in_batches(&self, images: &Tensor, f: impl Fn(&Tensor) -> Tensor) -> Tensor {
        let n = images.size()[0];
        let device = self.store.device();
        tch::no_grad(|| {
            let parts: Vec<Tensor> = (0..n)
                .step_by(EVAL_BATCH as usize)
                .map(|start| {
                    let batch = images.narrow(0, start, EVAL_BATCH.min(n - start));
                    f(&batch.to_device(device).to_kind(Kind::Float)).to_device(images.device())
                })
                .collect();
            Tensor::cat(&parts, 0)
        })
    }

    /// Predicted classes [N] (i64) of images [N, 1, 28, 28].
    pub fn predict(&self, images: &Tensor) -> Result<Tensor> {
        check_shapes(images, None)?;
        Ok(self.in_batches(images, |batch| self.logits_t(batch, false).argmax(1, false)))
    }

    /// The share of `images` [N, 1, 28, 28] predicted as each of the [`CLASSES`] classes.
    pub fn class_shares(&self, images: &Tensor) -> Result<Vec<f64>> {
        let predicted = self.predict(images)?.to_device(Device::Cpu);
        let counts = predicted.bincount::<Tensor>(None, CLASSES);
        let n = predicted.size()[0].max(1) as f64;
        Ok((0..CLASSES)
            .map(|class| counts.int64_value(&[class]) as f64 / n)
            .collect())
    }

    /// Share of `images` whose predicted class is `labels`.
    pub fn accuracy(&self, images: &Tensor, labels: &Tensor) -> Result<f64> {
        check_shapes(images, Some(labels))?;
        let predicted = self.predict(images)?;
        Ok(predicted
            .eq_tensor(&labels.to_device(predicted.device()))
            .to_kind(Kind::Double)
            .mean(Kind::Double)
            .double_value(&[]))
    }

    /// Trains a fresh classifier on `images` [N, 1, 28, 28] in [−1, 1] and `labels` [N]
    /// (0–9) on `device`; `on_epoch` hears after every epoch, with the network as it is then.
    pub fn train(
        images: &Tensor,
        labels: &Tensor,
        options: &TrainOptions,
        device: Device,
        on_epoch: &mut dyn FnMut(&EpochReport, &Classifier),
    ) -> Result<Self> {
        check_shapes(images, Some(labels))?;
        if options.epochs == 0 || options.batch_size < 2 || images.size()[0] < 2 {
            return Err(Error::bad_input(format!(
                "classifier training needs epochs ≥ 1, batch size ≥ 2 and 2 images or more, \
                 got {options:?} and {} images",
                images.size()[0]
            )));
        }
        let started = Instant::now();
        tch::manual_seed(options.seed as i64);
        let classifier = Classifier::new(device);
        let mut optimizer = Optimizer::new(
            &classifier.store,
            OptimizerKind::Adam,
            (0.9, 0.999),
            options.learning_rate,
            0.0,
        );
        let images = images.to_device(device).to_kind(Kind::Float);
        let labels = labels.to_device(device).to_kind(Kind::Int64);
        let n = images.size()[0];
        let batches_per_epoch = (n + options.batch_size - 1) / options.batch_size;
        let total_steps = batches_per_epoch * options.epochs as i64;
        let mut rng = ChaCha8Rng::seed_from_u64(options.seed);
        let mut order: Vec<i64> = (0..n).collect();
        let mut step = 0;
        for epoch in 1..=options.epochs {
            for i in (1..order.len()).rev() {
                let j = rng.random_range(0..=i);
                order.swap(i, j);
            }
            let (mut loss_sum, mut batches) = (0.0, 0);
            // A last batch of one image is skipped: batch norm needs two.
            for batch in order
                .chunks(options.batch_size as usize)
                .filter(|batch| batch.len() > 1)
            {
                let index = Tensor::from_slice(batch).to_device(device);
                let x = images.index_select(0, &index);
                let y = labels.index_select(0, &index);
                optimizer.lr = options.learning_rate * (1.0 - step as f64 / total_steps as f64);
                let loss = classifier.logits_t(&x, true).cross_entropy_for_logits(&y);
                optimizer.backward_step(&loss);
                loss_sum += loss.double_value(&[]);
                step += 1;
                batches += 1;
            }
            let mean_loss = loss_sum / batches as f64;
            if !mean_loss.is_finite() {
                return Err(Error::Diverged(format!(
                    "classifier training diverged in epoch {epoch} (mean loss {mean_loss})"
                )));
            }
            on_epoch(
                &EpochReport {
                    epoch,
                    mean_loss,
                    seconds: started.elapsed().as_secs_f64(),
                },
                &classifier,
            );
        }
        Ok(classifier)
    }

    /// The weights (and batch-norm statistics) by name, sorted.
    fn named_tensors(&self) -> Vec<(String, Tensor)> {
        let mut tensors: Vec<(String, Tensor)> = self.store.variables().into_iter().collect();
        tensors.sort_by(|a, b| a.0.cmp(&b.0));
        tensors
    }

    /// Writes the weights to `path` (safetensors), creating its folder.
    pub fn save(&self, path: &Path) -> Result<()> {
        super::tensor_file::write_atomically(&self.named_tensors(), path)
    }

    /// Reads weights written by [`Classifier::save`] onto `device`.
    pub fn load(path: &Path, device: Device) -> Result<Self> {
        if !path.is_file() {
            return Err(Error::bad_input(format!(
                "classifier weights {} not found: train them with `lsgan train-classifier \
                 --data <dataset>` (it writes {} by default)",
                path.display(),
                default_weights_path("<dataset>").display()
            )));
        }
        let saved = super::tensor_file::read(path)?;
        let classifier = Classifier::new(device);
        tch::no_grad(|| -> Result<()> {
            for (name, mut variable) in classifier.named_tensors() {
                let tensor = saved
                    .iter()
                    .find(|(saved_name, _)| *saved_name == name)
                    .map(|(_, tensor)| tensor)
                    .ok_or_else(|| {
                        Error::bad_input(format!(
                            "{}: no tensor {name}; not lsgan classifier weights",
                            path.display()
                        ))
                    })?;
                if tensor.size() != variable.size() {
                    return Err(Error::bad_input(format!(
                        "{}: {name} has shape {:?}, the classifier needs {:?}",
                        path.display(),
                        tensor.size(),
                        variable.size()
                    )));
                }
                variable.f_copy_(tensor)?;
            }
            Ok(())
        })?;
        Ok(classifier)
    }

    /// A short hash of the weights, naming this exact network in cache keys.
    pub fn fingerprint(&self) -> String {
        let mut hasher = Md5::new();
        for (name, tensor) in self.named_tensors() {
            hasher.update(name.as_bytes());
            let values = Vec::<f32>::try_from(
                tensor
                    .to_device(Device::Cpu)
                    .to_kind(Kind::Float)
                    .flatten(0, -1),
            )
            .unwrap_or_default();
            for value in values {
                hasher.update(value.to_le_bytes());
            }
        }
        hasher.finalize()[..4]
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The device the weights live on.
    pub fn device(&self) -> Device {
        self.store.device()
    }
}

impl FeatureExtractor for Classifier {
    fn space(&self) -> FeatureSpace {
        FeatureSpace::Classifier
    }

    fn id(&self) -> String {
        format!("classifier-{}", self.fingerprint())
    }

    /// The 128-d penultimate layer (f32, on the images' device) of images [N, 1, 28, 28].
    fn features(&self, images: &Tensor) -> Result<Tensor> {
        check_shapes(images, None)?;
        Ok(self.in_batches(images, |batch| self.features_t(batch, false)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    /// A toy task the network learns in a few steps: class = which quadrant is bright.
    fn quadrant_data(n: i64) -> (Tensor, Tensor) {
        let labels = Tensor::randint(4, [n], (Kind::Int64, Device::Cpu));
        let images = Tensor::full([n, 1, SIDE, SIDE], -1.0, (Kind::Float, Device::Cpu));
        for (i, label) in Vec::<i64>::try_from(&labels)
            .unwrap()
            .into_iter()
            .enumerate()
        {
            let (row, column) = ((label / 2) * 14, (label % 2) * 14);
            let _ = images
                .get(i as i64)
                .narrow(1, row, 14)
                .narrow(2, column, 14)
                .fill_(1.0);
        }
        (
            images + Tensor::randn([n, 1, SIDE, SIDE], (Kind::Float, Device::Cpu)) * 0.3,
            labels,
        )
    }

    fn quick_options(seed: u64) -> TrainOptions {
        TrainOptions {
            epochs: 1,
            batch_size: 32,
            learning_rate: 2e-3,
            seed,
        }
    }

    #[test]
    fn learns_a_toy_task_and_round_trips_through_a_file() {
        let _rng = seeded(0);
        let (images, labels) = quadrant_data(256);
        let mut epochs = 0;
        let classifier = Classifier::train(
            &images,
            &labels,
            &quick_options(1),
            Device::Cpu,
            &mut |_, _| epochs += 1,
        )
        .unwrap();
        assert_eq!(epochs, 1);
        let accuracy = classifier.accuracy(&images, &labels).unwrap();
        assert!(accuracy > 0.95, "{accuracy}");
        let features = classifier.features(&images).unwrap();
        assert_eq!(features.size(), [256, FEATURE_DIM]);
        let shares = classifier.class_shares(&images).unwrap();
        assert_eq!(shares.len(), CLASSES as usize);
        assert!(
            (shares.iter().sum::<f64>() - 1.0).abs() < 1e-9,
            "{shares:?}"
        );
        let label_counts = labels.bincount::<Tensor>(None, CLASSES);
        for (class, share) in shares.iter().enumerate() {
            let truth = label_counts.int64_value(&[class as i64]) as f64 / 256.0;
            assert!(
                (share - truth).abs() <= 1.0 - accuracy + 1e-9,
                "{class}: {shares:?}"
            );
        }

        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("c.safetensors");
        classifier.save(&path).unwrap();
        let loaded = Classifier::load(&path, Device::Cpu).unwrap();
        assert!(loaded.features(&images).unwrap().equal(&features));
        assert_eq!(loaded.fingerprint(), classifier.fingerprint());
    }

    #[test]
    fn wrong_shapes_and_missing_weights_are_errors() {
        let _rng = seeded(0);
        let classifier = Classifier::new(Device::Cpu);
        let rgb = Tensor::zeros([2, 3, 28, 28], (Kind::Float, Device::Cpu));
        assert!(classifier.features(&rgb).is_err());
        let error = Classifier::load(Path::new("/nonexistent/mnist.safetensors"), Device::Cpu)
            .unwrap_err()
            .to_string();
        assert!(
            error.contains("/nonexistent/mnist.safetensors") && error.contains("train-classifier"),
            "{error}"
        );
    }
}
