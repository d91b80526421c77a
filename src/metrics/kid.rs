//! Kernel Inception Distance (Bińkowski et al. 2018): the unbiased estimate of the squared
//! maximum mean discrepancy between two feature sets under the cubic polynomial kernel
//! k(x, y) = (x·y / d + 1)³, averaged over random subsets, as torch-fidelity and clean-fid
//! compute it (100 subsets of min(1000, N) features each, drawn without replacement
//! independently from each set).
//!
//! Per subset of m real features X and m generated features Y:
//!
//! MMD²ᵤ = [Σ_{i≠j} k(xᵢ, xⱼ) + Σ_{i≠j} k(yᵢ, yⱼ)] / (m(m − 1)) − 2 Σ_{i,j} k(xᵢ, yⱼ) / m²
//!
//! Unlike FID it is unbiased, so it is near 0 (either sign) for two independent samples of
//! one distribution whatever their size. A set measured against itself is not two independent
//! samples: subsets drawn from it independently share about m²/N points, whose k(x, x) enter
//! the cross term, which pulls the estimate below 0 by about (2/N)·(mean k(x, x) − mean
//! k(x, y)) — negligible when N ≫ m, several standard deviations when N ≈ m. Computed in
//! f64; the subsets are a pure function of the seed.

use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};

/// Subsets averaged over, as torch-fidelity's `kid_subsets`.
pub const DEFAULT_SUBSETS: usize = 100;
/// Largest subset, as torch-fidelity's `kid_subset_size`.
pub const DEFAULT_SUBSET_SIZE: usize = 1000;

/// KID over subsets: their mean and (population) standard deviation, as torch-fidelity reports.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Kid {
    pub mean: f64,
    pub std: f64,
    /// Subsets averaged over.
    pub subsets: usize,
    /// Features per set in each subset.
    pub subset_size: usize,
}

/// The cubic polynomial kernel matrix (a·bᵀ / d + 1)³ of the rows of `a` and `b`.
fn polynomial_kernel(a: &Tensor, b: &Tensor) -> Tensor {
    let dim = a.size()[1] as f64;
    (a.matmul(&b.tr()) / dim + 1.0).pow_tensor_scalar(3)
}

/// The unbiased MMD² of `x` and `y` ([m, D] each, m ≥ 2) under the cubic kernel.
pub fn mmd2_unbiased(x: &Tensor, y: &Tensor) -> f64 {
    let m = x.size()[0] as f64;
    let off_diagonal_sum =
        |k: &Tensor| k.sum(Kind::Double).double_value(&[]) - k.trace().double_value(&[]);
    let within =
        off_diagonal_sum(&polynomial_kernel(x, x)) + off_diagonal_sum(&polynomial_kernel(y, y));
    let between = polynomial_kernel(x, y).sum(Kind::Double).double_value(&[]);
    within / (m * (m - 1.0)) - 2.0 * between / (m * m)
}

/// `count` distinct indices below `n`, drawn uniformly (a partial Fisher–Yates shuffle).
fn subset(rng: &mut ChaCha8Rng, n: usize, count: usize) -> Vec<i64> {
    let mut indices: Vec<i64> = (0..n as i64).collect();
    for i in 0..count {
        let j = rng.random_range(i..n);
        indices.swap(i, j);
    }
    indices.truncate(count);
    indices
}

/// KID between real features [N, D] and generated features [M, D]: `subsets` subsets of
/// min(`max_subset_size`, N, M) features from each, drawn with a generator seeded by `seed`.
pub fn kid(
    real: &Tensor,
    generated: &Tensor,
    subsets: usize,
    max_subset_size: usize,
    seed: u64,
) -> Result<Kid> {
    let (real_size, generated_size) = (real.size(), generated.size());
    if real_size.len() != 2 || generated_size.len() != 2 || real_size[1] != generated_size[1] {
        return Err(Error::bad_input(format!(
            "KID needs two feature matrices [N, D] of one D, got {real_size:?} and {generated_size:?}"
        )));
    }
    let (n_real, n_generated) = (real_size[0] as usize, generated_size[0] as usize);
    let subset_size = max_subset_size.min(n_real).min(n_generated);
    if subset_size < 2 || subsets == 0 {
        return Err(Error::bad_input(format!(
            "KID needs at least 2 features per set and 1 subset (got {n_real} real, \
             {n_generated} generated, {subsets} subsets)"
        )));
    }
    let real = real.to_device(Device::Cpu).to_kind(Kind::Double);
    let generated = generated.to_device(Device::Cpu).to_kind(Kind::Double);
    // Subsets as large as both sets hold every feature: each is the same set (in another
    // order), so one estimate stands for them all.
    if subset_size == n_real && subset_size == n_generated {
        return Ok(Kid {
            mean: mmd2_unbiased(&real, &generated),
            std: 0.0,
            subsets,
            subset_size,
        });
    }
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let values: Vec<f64> = (0..subsets)
        .map(|_| {
            let x = real.index_select(
                0,
                &Tensor::from_slice(&subset(&mut rng, n_real, subset_size)),
            );
            let y = generated.index_select(
                0,
                &Tensor::from_slice(&subset(&mut rng, n_generated, subset_size)),
            );
            mmd2_unbiased(&x, &y)
        })
        .collect();
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let variance = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / values.len() as f64;
    Ok(Kid {
        mean,
        std: variance.sqrt(),
        subsets,
        subset_size,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    fn gaussian(n: i64, dim: i64, shift: f64) -> Tensor {
        Tensor::randn([n, dim], (Kind::Double, Device::Cpu)) + shift
    }

    #[test]
    fn mmd_of_known_sets() {
        // One dimension, x = {0, 0}, y = {1, 1}: k(0,0) = 1, k(1,1) = 8, k(0,1) = 1.
        // (2·1 + 2·8)/2 − 2·4·1/4 = 9 − 2 = 7.
        let x = Tensor::zeros([2, 1], (Kind::Double, Device::Cpu));
        let y = Tensor::ones([2, 1], (Kind::Double, Device::Cpu));
        assert!((mmd2_unbiased(&x, &y) - 7.0).abs() < 1e-12);
    }

    #[test]
    fn kid_is_near_zero_for_one_distribution_and_positive_for_shifted_sets() {
        let _rng = seeded(0);
        let real = gaussian(600, 32, 0.0);
        let same = gaussian(600, 32, 0.0);
        let result = kid(&real, &same, 50, 200, 0).unwrap();
        assert_eq!(result.subset_size, 200);
        // The subset means scatter around 0 by std/√subsets.
        let standard_error = result.std / (result.subsets as f64).sqrt();
        assert!(
            result.mean.abs() < 4.0 * standard_error + 1e-4,
            "{result:?}"
        );
        // A set against itself: subsets drawn independently (as torch-fidelity does) overlap
        // and bias the estimate below 0 by ≈ 2/N · (k(x,x) − k(x,y)) ≈ 14/N here; with
        // N ≫ m that stays within the subsets' spread.
        let large = gaussian(4000, 32, 0.0);
        let itself = kid(&large, &large, 50, 200, 1).unwrap();
        assert!(itself.mean.abs() < 3.0 * itself.std, "{itself:?}");
        let shifted = kid(&real, &gaussian(600, 32, 0.5), 50, 200, 0).unwrap();
        let further = kid(&real, &gaussian(600, 32, 1.0), 50, 200, 0).unwrap();
        assert!(
            shifted.mean > 10.0 * shifted.std / 50f64.sqrt(),
            "{shifted:?}"
        );
        assert!(further.mean > shifted.mean, "{shifted:?} {further:?}");
    }

    #[test]
    fn subsets_holding_every_feature_are_one_estimate_whatever_their_order() {
        let _rng = seeded(3);
        let (real, generated) = (gaussian(300, 8, 0.0), gaussian(300, 8, 0.3));
        let result = kid(&real, &generated, 20, 1000, 0).unwrap();
        assert_eq!(
            (result.subset_size, result.subsets, result.std),
            (300, 20, 0.0)
        );
        // What one drawn subset of all 300 gives: the same sets, in another order.
        let mut rng = ChaCha8Rng::seed_from_u64(7);
        let order = |rng: &mut ChaCha8Rng| Tensor::from_slice(&subset(rng, 300, 300));
        let x = real.index_select(0, &order(&mut rng));
        let y = generated.index_select(0, &order(&mut rng));
        assert!((mmd2_unbiased(&x, &y) - result.mean).abs() < 1e-12 * result.mean.abs().max(1.0));
    }

    #[test]
    fn kid_is_a_function_of_the_seed() {
        let _rng = seeded(0);
        let (a, b) = (gaussian(300, 8, 0.0), gaussian(300, 8, 0.2));
        let first = kid(&a, &b, 10, 100, 7).unwrap();
        assert_eq!(first, kid(&a, &b, 10, 100, 7).unwrap());
        assert_ne!(first, kid(&a, &b, 10, 100, 8).unwrap());
    }

    #[test]
    fn subsets_are_distinct_indices() {
        let _rng = seeded(0);
        let mut rng = ChaCha8Rng::seed_from_u64(3);
        let mut indices = subset(&mut rng, 50, 50);
        indices.sort_unstable();
        assert_eq!(indices, (0..50).collect::<Vec<i64>>());
        assert!(kid(&gaussian(1, 4, 0.0), &gaussian(5, 4, 0.0), 10, 100, 0).is_err());
    }
}
