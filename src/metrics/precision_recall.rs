//! Improved precision and recall (Kynkäänniemi et al. 2019, "Improved Precision and Recall
//! Metric for Assessing Generative Models"): each feature set stands for its manifold, the
//! union of balls around its points whose radius is the distance to the point's k-th nearest
//! neighbour in the same set (k = 3 by default, as in the paper).
//!
//! - **precision**: the share of generated features inside the real manifold — how many
//!   samples look real;
//! - **recall**: the share of real features inside the generated manifold — how much of the
//!   real variety the generator covers.
//!
//! Distances are Euclidean, in f64, computed in row blocks so that memory stays bounded.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};

/// The paper's neighbourhood size.
pub const DEFAULT_K: i64 = 3;
/// Rows per block of the distance matrices.
const BLOCK_ROWS: i64 = 512;

/// Precision and recall of generated features against real ones.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct PrecisionRecall {
    pub precision: f64,
    pub recall: f64,
}

/// Row blocks of `x` with their Euclidean distances to all rows of `y`.
fn distance_blocks<'a>(x: &'a Tensor, y: &'a Tensor) -> impl Iterator<Item = Tensor> + 'a {
    let n = x.size()[0];
    (0..n).step_by(BLOCK_ROWS as usize).map(move |start| {
        let block = x.narrow(0, start, BLOCK_ROWS.min(n - start));
        Tensor::cdist(&block, y, 2.0, None::<i64>)
    })
}

/// The distance of every row of `features` ([N, D], N > k) to its k-th nearest other row.
pub fn knn_radii(features: &Tensor, k: i64) -> Tensor {
    let features = features.to_device(Device::Cpu).to_kind(Kind::Double);
    let radii: Vec<Tensor> = distance_blocks(&features, &features)
        .map(|distances| {
            // The k + 1 smallest include the point itself (distance 0).
            let (smallest, _) = distances.topk(k + 1, 1, false, true);
            smallest.select(1, k)
        })
        .collect();
    Tensor::cat(&radii, 0)
}

/// The share of `points` inside at least one ball (centre `centres[i]`, radius `radii[i]`).
fn share_inside(points: &Tensor, centres: &Tensor, radii: &Tensor) -> f64 {
    let n = points.size()[0];
    let radii = radii.unsqueeze(0);
    let inside: i64 = distance_blocks(points, centres)
        .map(|distances| {
            distances
                .le_tensor(&radii)
                .any_dim(1, false)
                .sum(Kind::Int64)
                .int64_value(&[])
        })
        .sum();
    inside as f64 / n as f64
}

/// Precision and recall of `generated` ([M, D]) against `real` ([N, D]) with k-NN balls.
pub fn precision_recall(real: &Tensor, generated: &Tensor, k: i64) -> Result<PrecisionRecall> {
    let (real_size, generated_size) = (real.size(), generated.size());
    if real_size.len() != 2 || generated_size.len() != 2 || real_size[1] != generated_size[1] {
        return Err(Error::bad_input(format!(
            "precision/recall needs two feature matrices [N, D] of one D, got {real_size:?} \
             and {generated_size:?}"
        )));
    }
    if k < 1 || real_size[0] <= k || generated_size[0] <= k {
        return Err(Error::bad_input(format!(
            "precision/recall with k = {k} needs more than k features per set (got {} real, \
             {} generated)",
            real_size[0], generated_size[0]
        )));
    }
    let real = real.to_device(Device::Cpu).to_kind(Kind::Double);
    let generated = generated.to_device(Device::Cpu).to_kind(Kind::Double);
    let real_radii = knn_radii(&real, k);
    let generated_radii = knn_radii(&generated, k);
    Ok(PrecisionRecall {
        precision: share_inside(&generated, &real, &real_radii),
        recall: share_inside(&real, &generated, &generated_radii),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    fn gaussian(n: i64, dim: i64) -> Tensor {
        Tensor::randn([n, dim], (Kind::Double, Device::Cpu))
    }

    #[test]
    fn radii_on_a_line() {
        // Points 0, 1, 3, 6, 10: distance to the 2nd nearest other point of each
        // (0: 1, 3; 1: 1, 2; 3: 2, 3; 6: 3, 4; 10: 4, 7).
        let points = Tensor::from_slice(&[0.0f64, 1.0, 3.0, 6.0, 10.0]).view([5, 1]);
        let radii = Vec::<f64>::try_from(knn_radii(&points, 2)).unwrap();
        assert_eq!(radii, [3.0, 2.0, 3.0, 4.0, 7.0]);
    }

    #[test]
    fn identical_sets_have_full_precision_and_recall() {
        let _rng = seeded(0);
        let real = gaussian(700, 16);
        let result = precision_recall(&real, &real.copy(), DEFAULT_K).unwrap();
        assert_eq!(
            result,
            PrecisionRecall {
                precision: 1.0,
                recall: 1.0
            }
        );
    }

    #[test]
    fn disjoint_far_sets_have_zero_precision_and_recall() {
        let _rng = seeded(0);
        let real = gaussian(300, 16);
        let far = gaussian(300, 16) + 100.0;
        let result = precision_recall(&real, &far, DEFAULT_K).unwrap();
        assert_eq!(
            result,
            PrecisionRecall {
                precision: 0.0,
                recall: 0.0
            }
        );
    }

    #[test]
    fn collapsed_fakes_are_precise_but_recall_little() {
        let _rng = seeded(0);
        let real = gaussian(500, 16);
        // Every fake near one real point (mode collapse).
        let fake = real.get(17).unsqueeze(0) + gaussian(500, 16) * 1e-3;
        let result = precision_recall(&real, &fake, DEFAULT_K).unwrap();
        assert!(result.precision > 0.99, "{result:?}");
        assert!(result.recall < 0.01, "{result:?}");
    }

    #[test]
    fn samples_of_one_distribution_score_high_and_a_narrow_generator_loses_recall() {
        let _rng = seeded(0);
        let real = gaussian(1000, 8);
        let same = precision_recall(&real, &gaussian(1000, 8), DEFAULT_K).unwrap();
        assert!(same.precision > 0.6 && same.recall > 0.6, "{same:?}");
        let narrow = precision_recall(&real, &(gaussian(1000, 8) * 0.3), DEFAULT_K).unwrap();
        assert!(narrow.precision > same.precision, "{narrow:?} {same:?}");
        assert!(narrow.recall < 0.5 * same.recall, "{narrow:?} {same:?}");
    }

    #[test]
    fn too_few_points_is_an_error() {
        let _rng = seeded(0);
        assert!(precision_recall(&gaussian(3, 2), &gaussian(10, 2), 3).is_err());
        assert!(precision_recall(&gaussian(10, 2), &gaussian(10, 3), 3).is_err());
    }
}
