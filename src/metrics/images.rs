//! Image metrics of a generator, in the feature space of a network: FID (`fid`), KID (`kid`)
//! and improved precision/recall (`precision_recall`) between generated images and a real
//! reference set. Two feature spaces: Inception-v3 pool3 (`inception`, the standard one, for
//! any images) and the digit classifier lsgan trains itself (`classifier`, for 28×28
//! MNIST-like images).
//!
//! The reference side — features and their mean and covariance — is computed once per
//! (dataset, split, network, N) and cached as a safetensors file under
//! `<cache_dir>/reference-stats/`, because Inception on the CPU takes minutes for thousands
//! of images. The cache trusts its key: the same dataset, split and N must mean the same
//! images (the first N of the split, say).

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use super::classifier::CLASSES;
use super::features::{FeatureExtractor, FeatureSpace};
use super::fid::{frechet_distance, FeatureStats};
use super::{kid, precision_recall, tensor_file};
use crate::error::{Error, Result};

/// FID, KID and precision/recall of generated images in one feature space.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ImageMetrics {
    /// The feature space (`"inception"` or `"classifier"` in the files).
    pub feature: FeatureSpace,
    /// Generated images measured.
    pub n: i64,
    /// Real images they were measured against.
    pub n_reference: i64,
    /// Fréchet distance (FID in Inception space).
    pub fid: f64,
    /// KID: mean and standard deviation over subsets.
    pub kid_mean: f64,
    pub kid_std: f64,
    /// Share of generated images on the real manifold.
    pub precision: f64,
    /// Share of real images on the generated manifold.
    pub recall: f64,
    /// The classifier's space only: how many of its classes at least
    /// [`CLASS_COVERED_SHARE`] of the generated images are predicted as (the image analogue
    /// of the docs/FORMULAS.md#toy-data-and-metrics covered modes). Absent from evaluations written before it existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classes_covered: Option<u32>,
    /// The classifier's space only: the share of generated images predicted as each class.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub class_shares: Option<Vec<f64>>,
}

/// A class is covered when at least this share of the generated images is predicted as it,
/// as a mode is covered at 1% of the points (docs/FORMULAS.md#toy-data-and-metrics).
pub const CLASS_COVERED_SHARE: f64 = 0.01;

/// How many classes hold at least [`CLASS_COVERED_SHARE`] of the images, given each
/// class's share.
pub fn classes_covered(shares: &[f64]) -> u32 {
    shares.iter().filter(|&&s| s >= CLASS_COVERED_SHARE).count() as u32
}

impl ImageMetrics {
    /// These metrics with the classes the generated images were predicted as.
    pub fn with_class_shares(mut self, shares: Vec<f64>) -> Self {
        self.classes_covered = Some(classes_covered(&shares));
        self.class_shares = Some(shares);
        self
    }

    /// `"  classes 9/10"` for the terminal lines that show these metrics; empty outside the
    /// classifier's space.
    pub fn classes_text(&self) -> String {
        self.classes_covered.map_or(String::new(), |covered| {
            format!("  classes {covered}/{CLASSES}")
        })
    }
}

/// Settings of the metrics; the defaults are the standard ones.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct MetricOptions {
    pub kid_subsets: usize,
    pub kid_subset_size: usize,
    /// k of the k-NN balls of precision/recall.
    pub neighbours: i64,
    /// Seeds KID's subsets.
    pub seed: u64,
}

impl Default for MetricOptions {
    fn default() -> Self {
        MetricOptions {
            kid_subsets: kid::DEFAULT_SUBSETS,
            kid_subset_size: kid::DEFAULT_SUBSET_SIZE,
            neighbours: precision_recall::DEFAULT_K,
            seed: 0,
        }
    }
}

/// The real side of the comparison: features (f32, CPU) and their statistics.
#[derive(Debug)]
pub struct Reference {
    pub features: Tensor,
    pub stats: FeatureStats,
}

/// Which real images a reference set holds, for its cache file name.
#[derive(Clone, Copy, Debug)]
pub struct ReferenceKey<'a> {
    /// `mnist`, `fashion-mnist`, `cifar10`, ...
    pub dataset: &'a str,
    /// `train` or `test`.
    pub split: &'a str,
}

/// The cache file of the reference (`key`, network `extractor_id`, `n` images):
/// `<cache_dir>/reference-stats/<dataset>-<split>-<extractor_id>-n<n>.safetensors`.
pub fn reference_path(cache_dir: &Path, key: &ReferenceKey, extractor_id: &str, n: i64) -> PathBuf {
    let clean = |s: &str| -> String {
        s.chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                    c
                } else {
                    '_'
                }
            })
            .collect()
    };
    cache_dir.join("reference-stats").join(format!(
        "{}-{}-{}-n{n}.safetensors",
        clean(key.dataset),
        clean(key.split),
        clean(extractor_id)
    ))
}

impl Reference {
    /// Features and statistics of `images` under `extractor`.
    pub fn compute(images: &Tensor, extractor: &dyn FeatureExtractor) -> Result<Self> {
        Self::from_features(extractor.features(images)?)
    }

    /// A reference from features [N, D] already computed.
    pub fn from_features(features: Tensor) -> Result<Self> {
        let features = features.to_device(Device::Cpu).to_kind(Kind::Float);
        let stats = FeatureStats::from_features(&features)?;
        Ok(Reference { features, stats })
    }

    /// The reference of `images` under `extractor`, read from the cache under `cache_dir`
    /// when there, else computed and written there.
    pub fn cached(
        images: &Tensor,
        key: &ReferenceKey,
        extractor: &dyn FeatureExtractor,
        cache_dir: &Path,
    ) -> Result<Self> {
        let n = images.size().first().copied().unwrap_or(0);
        let path = reference_path(cache_dir, key, &extractor.id(), n);
        if path.is_file() {
            let reference = Self::load(&path)?;
            if reference.stats.n == n {
                return Ok(reference);
            }
        }
        let reference = Self::compute(images, extractor)?;
        reference.save(&path)?;
        Ok(reference)
    }

    /// Writes features and statistics to `path` (safetensors).
    pub fn save(&self, path: &Path) -> Result<()> {
        let mut tensors = self.stats.named_tensors("stats.");
        tensors.push(("features".into(), self.features.shallow_clone()));
        tensor_file::write_atomically(&tensors, path)
    }

    /// Reads a reference written by [`Reference::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let tensors = tensor_file::read(path)?;
        let stats = FeatureStats::from_named_tensors(&tensors, "stats.", path)?;
        let features = tensors
            .iter()
            .find(|(name, _)| name == "features")
            .map(|(_, t)| t.shallow_clone())
            .ok_or_else(|| {
                Error::bad_input(format!("{}: no reference features", path.display()))
            })?;
        if features.size() != [stats.n, stats.dim()] {
            return Err(Error::bad_input(format!(
                "{}: features of shape {:?} do not match statistics of {} × {}",
                path.display(),
                features.size(),
                stats.n,
                stats.dim()
            )));
        }
        Ok(Reference { features, stats })
    }
}

/// The metrics of generated features [M, D] against `reference`, both in `feature`.
pub fn evaluate_features(
    generated: &Tensor,
    reference: &Reference,
    feature: FeatureSpace,
    options: &MetricOptions,
) -> Result<ImageMetrics> {
    let generated = generated.to_device(Device::Cpu).to_kind(Kind::Float);
    let stats = FeatureStats::from_features(&generated)?;
    let fid = frechet_distance(&reference.stats, &stats)?;
    let kid = kid::kid(
        &reference.features,
        &generated,
        options.kid_subsets,
        options.kid_subset_size,
        options.seed,
    )?;
    let pr =
        precision_recall::precision_recall(&reference.features, &generated, options.neighbours)?;
    Ok(ImageMetrics {
        feature,
        n: stats.n,
        n_reference: reference.stats.n,
        fid,
        kid_mean: kid.mean,
        kid_std: kid.std,
        precision: pr.precision,
        recall: pr.recall,
        classes_covered: None,
        class_shares: None,
    })
}

/// The metrics of `generated` images ([N, C, H, W] in [−1, 1]) against a reference computed
/// with the same `extractor`.
pub fn evaluate_against(
    generated: &Tensor,
    reference: &Reference,
    extractor: &dyn FeatureExtractor,
    options: &MetricOptions,
) -> Result<ImageMetrics> {
    let features = extractor.features(generated)?;
    evaluate_features(&features, reference, extractor.space(), options)
}

/// The metrics of `generated` images against `real` images ([N, C, H, W] in [−1, 1]) in the
/// feature space of `extractor`. With a `cache_dir`, the real side is read from (or written
/// to) the reference cache under the `key`; without one it is computed each time.
pub fn evaluate_images(
    generated: &Tensor,
    real: &Tensor,
    key: &ReferenceKey,
    extractor: &dyn FeatureExtractor,
    cache_dir: Option<&Path>,
    options: &MetricOptions,
) -> Result<ImageMetrics> {
    let reference = match cache_dir {
        Some(cache_dir) => Reference::cached(real, key, extractor, cache_dir)?,
        None => Reference::compute(real, extractor)?,
    };
    evaluate_against(generated, &reference, extractor, options)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use std::cell::Cell;

    /// Features = the flattened image, counting calls; it stands in for Inception.
    struct Flatten {
        calls: Cell<usize>,
    }

    impl FeatureExtractor for Flatten {
        fn space(&self) -> FeatureSpace {
            FeatureSpace::Inception
        }
        fn id(&self) -> String {
            "flatten-v1".into()
        }
        fn features(&self, images: &Tensor) -> Result<Tensor> {
            self.calls.set(self.calls.get() + 1);
            Ok(images.flatten(1, -1).to_kind(Kind::Float))
        }
    }

    fn images(n: i64, shift: f64) -> Tensor {
        Tensor::randn([n, 1, 4, 4], (Kind::Float, Device::Cpu)) * 0.3 + shift
    }

    #[test]
    fn the_reference_is_cached_and_metrics_respond_to_a_shift() {
        let _rng = seeded(0);
        let folder = tempfile::tempdir().unwrap();
        let extractor = Flatten {
            calls: Cell::new(0),
        };
        let key = ReferenceKey {
            dataset: "toy",
            split: "test",
        };
        let real = images(400, 0.0);
        let options = MetricOptions {
            kid_subsets: 20,
            kid_subset_size: 200,
            ..Default::default()
        };
        let same = evaluate_images(
            &images(400, 0.0),
            &real,
            &key,
            &extractor,
            Some(folder.path()),
            &options,
        )
        .unwrap();
        let path = reference_path(folder.path(), &key, "flatten-v1", 400);
        assert!(path.is_file(), "{}", path.display());
        assert_eq!(extractor.calls.get(), 2);
        let shifted = evaluate_images(
            &images(400, 0.5),
            &real,
            &key,
            &extractor,
            Some(folder.path()),
            &options,
        )
        .unwrap();
        // The real side came from the cache: one more call, for the generated images only.
        assert_eq!(extractor.calls.get(), 3);
        assert_eq!(
            (same.feature, same.n, same.n_reference),
            (FeatureSpace::Inception, 400, 400)
        );
        assert!(shifted.fid > 10.0 * same.fid, "{same:?} {shifted:?}");
        assert!(
            shifted.kid_mean > same.kid_mean + 5.0 * shifted.kid_std,
            "{same:?} {shifted:?}"
        );
        assert!(same.precision > 0.5 && same.recall > 0.5, "{same:?}");
        assert!(shifted.precision < same.precision && shifted.recall < same.recall);
    }

    #[test]
    fn reference_round_trip() {
        let _rng = seeded(2);
        let reference =
            Reference::from_features(Tensor::randn([30, 5], (Kind::Float, Device::Cpu))).unwrap();
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("r.safetensors");
        reference.save(&path).unwrap();
        let loaded = Reference::load(&path).unwrap();
        assert!(loaded.features.equal(&reference.features));
        assert!(loaded.stats.cov.equal(&reference.stats.cov));
        assert_eq!(loaded.stats.n, 30);
    }
}
