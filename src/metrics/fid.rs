//! The Fréchet distance between two feature distributions, each summarised by its mean and
//! covariance ([`FeatureStats`]) — FID when the features are Inception pool3 activations
//! (Heusel et al. 2017):
//!
//! d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁ Σ₂)^{1/2}
//!
//! Everything is computed in f64 on the CPU. The trace term uses tr (Σ₁Σ₂)^{1/2} =
//! tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}: the matrix inside is symmetric positive semi-definite, so
//! its square root comes from a symmetric eigendecomposition (`linalg_eigh`), with the tiny
//! negative eigenvalues that rounding leaves clamped to 0. This avoids the general `sqrtm` of a
//! non-symmetric product (scipy's route), which can return complex parts for singular
//! covariances — the usual case when there are fewer samples than feature dimensions.
//!
//! Statistics can be saved to and loaded from a safetensors file, so that the statistics of a
//! reference set are computed once (see `metrics::images` for the cache).

use std::path::Path;

use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};

/// Mean and covariance (unbiased, divisor n − 1, like `numpy.cov`) of n feature vectors.
#[derive(Debug)]
pub struct FeatureStats {
    /// [D], f64, CPU.
    pub mean: Tensor,
    /// [D, D], f64, CPU.
    pub cov: Tensor,
    /// Number of feature vectors summarised.
    pub n: i64,
}

impl FeatureStats {
    /// The statistics of `features` ([N, D], any float kind and device; N ≥ 2).
    pub fn from_features(features: &Tensor) -> Result<Self> {
        let size = features.size();
        if size.len() != 2 || size[0] < 2 {
            return Err(Error::bad_input(format!(
                "feature statistics need a [N, D] matrix with N ≥ 2, got shape {size:?}"
            )));
        }
        let features = features.to_device(Device::Cpu).to_kind(Kind::Double);
        let mean = features.mean_dim(0, false, Kind::Double);
        let centred = &features - mean.unsqueeze(0);
        let cov = centred.tr().matmul(&centred) / (size[0] - 1) as f64;
        Ok(FeatureStats {
            mean,
            cov,
            n: size[0],
        })
    }

    /// Feature dimension D.
    pub fn dim(&self) -> i64 {
        self.mean.size()[0]
    }

    /// The tensors under the names [`FeatureStats::load`] reads (for files that hold more).
    pub fn named_tensors(&self, prefix: &str) -> Vec<(String, Tensor)> {
        vec![
            (format!("{prefix}mean"), self.mean.shallow_clone()),
            (format!("{prefix}cov"), self.cov.contiguous()),
            (format!("{prefix}n"), Tensor::from(self.n)),
        ]
    }

    /// Reads statistics written by [`FeatureStats::named_tensors`] with `prefix` from
    /// `tensors`; `path` only names the file in errors.
    pub fn from_named_tensors(
        tensors: &[(String, Tensor)],
        prefix: &str,
        path: &Path,
    ) -> Result<Self> {
        let find = |name: &str| {
            let full = format!("{prefix}{name}");
            tensors
                .iter()
                .find(|(n, _)| *n == full)
                .map(|(_, t)| t.shallow_clone())
                .ok_or_else(|| {
                    Error::bad_input(format!(
                        "{}: no tensor {full}; is this a feature-statistics file?",
                        path.display()
                    ))
                })
        };
        let (mean, cov, n) = (find("mean")?, find("cov")?, find("n")?);
        let dim = mean.size().first().copied().unwrap_or(0);
        if mean.size() != [dim] || cov.size() != [dim, dim] || mean.kind() != Kind::Double {
            return Err(Error::bad_input(format!(
                "{}: feature statistics of inconsistent shapes (mean {:?}, cov {:?})",
                path.display(),
                mean.size(),
                cov.size()
            )));
        }
        Ok(FeatureStats {
            mean,
            cov,
            n: n.int64_value(&[]),
        })
    }

    /// Writes the statistics to `path` (safetensors).
    pub fn save(&self, path: &Path) -> Result<()> {
        super::tensor_file::write_atomically(&self.named_tensors(""), path)
    }

    /// Reads statistics written by [`FeatureStats::save`].
    pub fn load(path: &Path) -> Result<Self> {
        let tensors = super::tensor_file::read(path)?;
        Self::from_named_tensors(&tensors, "", path)
    }
}

/// The square root of a symmetric positive semi-definite matrix: V diag(√λ) Vᵀ from its
/// eigendecomposition, with negative eigenvalues (rounding) clamped to 0. The input is
/// symmetrised first; the result is f64 on the CPU.
pub fn sqrtm_psd(matrix: &Tensor) -> Tensor {
    let (eigenvalues, eigenvectors) = symmetric_eigh(matrix);
    let roots = eigenvalues.clamp_min(0.0).sqrt();
    (&eigenvectors * roots.unsqueeze(0)).matmul(&eigenvectors.tr())
}

/// Eigenvalues and eigenvectors of (M + Mᵀ)/2, f64 on the CPU.
fn symmetric_eigh(matrix: &Tensor) -> (Tensor, Tensor) {
    let matrix = matrix.to_device(Device::Cpu).to_kind(Kind::Double);
    let symmetric = (&matrix + matrix.tr()) * 0.5;
    symmetric.linalg_eigh("L")
}

/// tr (Σ₁ Σ₂)^{1/2} for symmetric PSD Σ₁, Σ₂, as tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}: the sum of
/// the square roots of the (clamped) eigenvalues of a symmetric PSD matrix.
pub fn trace_sqrt_product(cov1: &Tensor, cov2: &Tensor) -> f64 {
    let root1 = sqrtm_psd(cov1);
    let cov2 = cov2.to_device(Device::Cpu).to_kind(Kind::Double);
    let inner = root1.matmul(&cov2).matmul(&root1);
    let (eigenvalues, _) = symmetric_eigh(&inner);
    eigenvalues
        .clamp_min(0.0)
        .sqrt()
        .sum(Kind::Double)
        .double_value(&[])
}

/// The Fréchet distance between Gaussians N(μ₁, Σ₁) and N(μ₂, Σ₂) (squared, as FID reports it).
pub fn frechet_distance(a: &FeatureStats, b: &FeatureStats) -> Result<f64> {
    if a.dim() != b.dim() {
        return Err(Error::bad_input(format!(
            "Fréchet distance between features of different dimensions ({} and {})",
            a.dim(),
            b.dim()
        )));
    }
    let mean_term = (&a.mean - &b.mean)
        .square()
        .sum(Kind::Double)
        .double_value(&[]);
    let trace = |m: &Tensor| m.trace().double_value(&[]);
    let distance =
        mean_term + trace(&a.cov) + trace(&b.cov) - 2.0 * trace_sqrt_product(&a.cov, &b.cov);
    // The exact value is ≥ 0; rounding can leave a tiny negative number for equal inputs.
    Ok(distance.max(0.0))
}

/// FID-style Fréchet distance between two feature sets ([N, D] and [M, D]).
pub fn frechet_distance_of_features(a: &Tensor, b: &Tensor) -> Result<f64> {
    frechet_distance(
        &FeatureStats::from_features(a)?,
        &FeatureStats::from_features(b)?,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    fn matrix(rows: &[&[f64]]) -> Tensor {
        let n = rows.len() as i64;
        let flat: Vec<f64> = rows.iter().flat_map(|row| row.iter().copied()).collect();
        Tensor::from_slice(&flat).view([n, -1])
    }

    fn max_abs_difference(a: &Tensor, b: &Tensor) -> f64 {
        (a - b).abs().max().double_value(&[])
    }

    fn rotation(angle: f64) -> Tensor {
        let (s, c) = angle.sin_cos();
        matrix(&[&[c, -s], &[s, c]])
    }

    #[test]
    fn sqrtm_of_a_diagonal_matrix_is_the_elementwise_root() {
        let diagonal = Tensor::from_slice(&[4.0f64, 9.0, 0.25, 0.0]).diag(0);
        let root = sqrtm_psd(&diagonal);
        let expected = Tensor::from_slice(&[2.0f64, 3.0, 0.5, 0.0]).diag(0);
        assert!(max_abs_difference(&root, &expected) < 1e-12, "{root}");
    }

    #[test]
    fn sqrtm_of_a_rotated_diagonal_matrix_is_the_rotated_root() {
        let r = rotation(0.7);
        let m = r
            .matmul(&Tensor::from_slice(&[16.0f64, 1.0]).diag(0))
            .matmul(&r.tr());
        let root = sqrtm_psd(&m);
        let expected = r
            .matmul(&Tensor::from_slice(&[4.0f64, 1.0]).diag(0))
            .matmul(&r.tr());
        assert!(max_abs_difference(&root, &expected) < 1e-12, "{root}");
        assert!(max_abs_difference(&root.matmul(&root), &m) < 1e-8);
    }

    #[test]
    fn sqrtm_of_a_known_two_by_two() {
        // [[5, 4], [4, 5]] = [[2, 1], [1, 2]]².
        let root = sqrtm_psd(&matrix(&[&[5.0, 4.0], &[4.0, 5.0]]));
        let expected = matrix(&[&[2.0, 1.0], &[1.0, 2.0]]);
        assert!(max_abs_difference(&root, &expected) < 1e-12, "{root}");
    }

    #[test]
    fn sqrtm_squared_is_the_input_for_a_random_psd_matrix() {
        let _rng = seeded(0);
        let a = Tensor::randn([30, 20], (Kind::Double, Device::Cpu));
        // Rank 20 in 30 dimensions: singular, like a covariance of few samples.
        let m = a.matmul(&a.tr());
        let root = sqrtm_psd(&m);
        assert!(max_abs_difference(&root.matmul(&root), &m) < 1e-8);
    }

    #[test]
    fn frechet_distance_of_diagonal_gaussians_has_the_closed_form() {
        // Commuting covariances: d² = ‖μ₁ − μ₂‖² + Σᵢ (√σ₁ᵢ − √σ₂ᵢ)².
        let a = FeatureStats {
            mean: Tensor::from_slice(&[0.0f64, 1.0, 2.0]),
            cov: Tensor::from_slice(&[1.0f64, 4.0, 9.0]).diag(0),
            n: 100,
        };
        let b = FeatureStats {
            mean: Tensor::from_slice(&[1.0f64, 1.0, 0.0]),
            cov: Tensor::from_slice(&[4.0f64, 4.0, 1.0]).diag(0),
            n: 100,
        };
        let expected = (1.0 + 0.0 + 4.0) + (1.0 + 0.0 + 4.0);
        let distance = frechet_distance(&a, &b).unwrap();
        assert!((distance - expected).abs() < 1e-10, "{distance}");
        let symmetric = frechet_distance(&b, &a).unwrap();
        assert!((symmetric - expected).abs() < 1e-10);
    }

    #[test]
    fn frechet_distance_of_rotated_gaussians_has_the_closed_form() {
        // Σ and RΣRᵀ with R a 90° rotation of diag(a, b): both diagonal, swapped.
        let a = FeatureStats {
            mean: Tensor::zeros([2], (Kind::Double, Device::Cpu)),
            cov: Tensor::from_slice(&[9.0f64, 1.0]).diag(0),
            n: 10,
        };
        let r = rotation(std::f64::consts::FRAC_PI_2);
        let b = FeatureStats {
            mean: Tensor::zeros([2], (Kind::Double, Device::Cpu)),
            cov: r.matmul(&a.cov).matmul(&r.tr()),
            n: 10,
        };
        // (√9 − √1)² + (√1 − √9)² = 8.
        let distance = frechet_distance(&a, &b).unwrap();
        assert!((distance - 8.0).abs() < 1e-10, "{distance}");
    }

    #[test]
    fn fid_of_a_feature_set_with_itself_is_zero() {
        let _rng = seeded(0);
        // Fewer samples than dimensions: a singular covariance, FID's usual case in tests.
        let features = Tensor::randn([100, 256], (Kind::Float, Device::Cpu)) * 3.0 + 1.0;
        let stats = FeatureStats::from_features(&features).unwrap();
        let total_variance = stats.cov.trace().double_value(&[]);
        let distance = frechet_distance(&stats, &stats).unwrap();
        assert!(
            distance < 1e-6 * total_variance,
            "{distance} vs {total_variance}"
        );
        let other = Tensor::randn([100, 256], (Kind::Float, Device::Cpu)) * 3.0 + 1.0;
        let between = frechet_distance_of_features(&features, &other).unwrap();
        assert!(between > 0.1 * total_variance, "{between}");
    }

    #[test]
    fn stats_match_numpy_conventions() {
        let features = matrix(&[&[1.0, 2.0], &[3.0, 6.0], &[5.0, 4.0]]);
        let stats = FeatureStats::from_features(&features).unwrap();
        assert_eq!(stats.n, 3);
        assert!(max_abs_difference(&stats.mean, &Tensor::from_slice(&[3.0f64, 4.0])) < 1e-12);
        // numpy.cov(rowvar=False): [[4, 2], [2, 4]].
        assert!(max_abs_difference(&stats.cov, &matrix(&[&[4.0, 2.0], &[2.0, 4.0]])) < 1e-12);
        assert!(FeatureStats::from_features(&matrix(&[&[1.0, 2.0]])).is_err());
    }

    #[test]
    fn stats_round_trip_through_a_file() {
        let _rng = seeded(1);
        let stats =
            FeatureStats::from_features(&Tensor::randn([50, 7], (Kind::Float, Device::Cpu)))
                .unwrap();
        let folder = tempfile::tempdir().unwrap();
        let path = folder.path().join("stats.safetensors");
        stats.save(&path).unwrap();
        let loaded = FeatureStats::load(&path).unwrap();
        assert_eq!(loaded.n, 50);
        assert!(loaded.mean.equal(&stats.mean) && loaded.cov.equal(&stats.cov));
        let missing = FeatureStats::load(&folder.path().join("absent.safetensors")).unwrap_err();
        assert!(
            missing.to_string().contains("absent.safetensors"),
            "{missing}"
        );
    }
}
