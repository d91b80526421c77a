//! Toy-data metrics (docs/FORMULAS.md#toy-data-and-metrics): a generated point is **high-quality** when it lies within
//! 3σ of its nearest mixture mean; a mode is **covered** when at least 1% of the generated
//! points are high-quality points nearest to it. Plus the energy distance between generated
//! and true samples, which needs no mixture and so also serves CSV data.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::data::GaussianMixture;

/// Share of generated points a mode needs (as high-quality points) to count as covered.
pub const COVERAGE_SHARE: f64 = 0.01;

/// torch.cdist's compute mode 2: direct differences, no matrix-product shortcut, so a point's
/// distance to itself is exactly 0.
const EXACT_DISTANCES: i64 = 2;

/// Mode coverage and quality of generated points against a known mixture.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ModeMetrics {
    /// Modes with at least 1% of the points as high-quality points nearest to them.
    pub modes_covered: i64,
    /// Number of modes of the mixture.
    pub modes_total: i64,
    /// Modes with at least one high-quality point (VEEGAN's looser count).
    pub modes_with_any_high_quality: i64,
    /// Share of points within 3σ of their nearest mean.
    pub high_quality_share: f64,
}

/// All toy metrics of one evaluation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ToyMetrics {
    /// Present when the data is a known mixture (`ring`, `grid`).
    #[serde(flatten)]
    pub modes: Option<ModeMetrics>,
    /// Energy distance between generated points and fresh true points.
    pub energy_distance: f64,
}

/// Mode metrics of `points` ([n, 2]) against `mixture`.
pub fn mode_metrics(points: &Tensor, mixture: &GaussianMixture) -> ModeMetrics {
    let points = points.to_kind(Kind::Float).to_device(tch::Device::Cpu);
    let n = points.size()[0];
    let distances = Tensor::cdist(&points, &mixture.means, 2.0, EXACT_DISTANCES);
    let (nearest_distance, nearest_mode) = distances.min_dim(1, false);
    let high_quality = nearest_distance.le(3.0 * mixture.sigma);
    let high_quality_share = high_quality
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[]);
    let modes = mixture.modes();
    let per_mode = nearest_mode
        .masked_select(&high_quality)
        .bincount(None::<Tensor>, modes);
    let per_mode = Vec::<i64>::try_from(per_mode).unwrap_or_default();
    let needed = COVERAGE_SHARE * n as f64;
    ModeMetrics {
        modes_covered: per_mode
            .iter()
            .filter(|&&count| count as f64 >= needed)
            .count() as i64,
        modes_total: modes,
        modes_with_any_high_quality: per_mode.iter().filter(|&&count| count > 0).count() as i64,
        high_quality_share,
    }
}

/// Energy distance 2 E‖X − Y‖ − E‖X − X'‖ − E‖Y − Y'‖ between the rows of `a` and `b`
/// (unbiased within-sample means: the zero diagonal is left out). 0 for equal distributions.
pub fn energy_distance(a: &Tensor, b: &Tensor) -> f64 {
    let (a, b) = (a.to_kind(Kind::Double), b.to_kind(Kind::Double));
    let mean_between = Tensor::cdist(&a, &b, 2.0, EXACT_DISTANCES)
        .mean(Kind::Double)
        .double_value(&[]);
    let mean_within = |x: &Tensor| {
        let n = x.size()[0] as f64;
        Tensor::cdist(x, x, 2.0, EXACT_DISTANCES)
            .sum(Kind::Double)
            .double_value(&[])
            / (n * (n - 1.0))
    };
    2.0 * mean_between - mean_within(&a) - mean_within(&b)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use tch::Device;

    /// P(‖N(0, σ²I₂)‖ ≤ 3σ) = 1 − e^{−9/2}.
    const HIGH_QUALITY_FOR_EXACT_SAMPLES: f64 = 0.988_891;

    #[test]
    fn exact_samples_cover_all_modes() {
        let _rng = seeded(0);
        for mixture in [GaussianMixture::ring(), GaussianMixture::grid()] {
            let points = mixture.sample(10_000, Device::Cpu);
            let metrics = mode_metrics(&points, &mixture);
            assert_eq!(metrics.modes_covered, mixture.modes());
            assert_eq!(metrics.modes_with_any_high_quality, mixture.modes());
            assert!(
                (metrics.high_quality_share - HIGH_QUALITY_FOR_EXACT_SAMPLES).abs() < 0.005,
                "{metrics:?}"
            );
        }
    }

    #[test]
    fn one_mode_only() {
        let _rng = seeded(0);
        let ring = GaussianMixture::ring();
        let points = ring.means.get(3).unsqueeze(0)
            + Tensor::randn([2500, 2], (Kind::Float, Device::Cpu)) * ring.sigma;
        let metrics = mode_metrics(&points, &ring);
        assert_eq!(
            (metrics.modes_covered, metrics.modes_with_any_high_quality),
            (1, 1)
        );
        assert!((metrics.high_quality_share - HIGH_QUALITY_FOR_EXACT_SAMPLES).abs() < 0.01);
    }

    #[test]
    fn uniform_noise_covers_nothing() {
        let _rng = seeded(0);
        let ring = GaussianMixture::ring();
        let points = Tensor::rand([2500, 2], (Kind::Float, Device::Cpu)) * 6.0 - 3.0;
        let metrics = mode_metrics(&points, &ring);
        // Expected high-quality share: 8 discs of radius 0.06 over a 6×6 square ≈ 0.25%.
        assert_eq!(metrics.modes_covered, 0);
        assert!(metrics.high_quality_share < 0.01, "{metrics:?}");
    }

    #[test]
    fn coverage_threshold_is_one_percent() {
        // 100 points: 99 at mode 0, 1 at mode 1 → mode 1 has exactly 1% and counts.
        let ring = GaussianMixture::ring();
        let mut index = vec![0i64; 99];
        index.push(1);
        let points = ring.means.index_select(0, &Tensor::from_slice(&index));
        assert_eq!(mode_metrics(&points, &ring).modes_covered, 2);
        // 201 + 1 points: mode 1's single point is under 1%.
        let mut index = vec![0i64; 201];
        index.push(1);
        let points = ring.means.index_select(0, &Tensor::from_slice(&index));
        let metrics = mode_metrics(&points, &ring);
        assert_eq!(
            (metrics.modes_covered, metrics.modes_with_any_high_quality),
            (1, 2)
        );
    }

    #[test]
    fn energy_distance_is_near_zero_for_one_distribution_and_grows_with_a_shift() {
        let _rng = seeded(0);
        let options = (Kind::Double, Device::Cpu);
        let a = Tensor::randn([1500, 2], options);
        let b = Tensor::randn([1500, 2], options);
        let same = energy_distance(&a, &b);
        let shifted = energy_distance(&a, &(&b + 1.0));
        let further = energy_distance(&a, &(&b + 3.0));
        assert!(same.abs() < 0.01, "{same}");
        assert!(shifted > 0.3 && further > shifted, "{shifted} {further}");
        // Point masses at 0 and at 1 in 1-D: 2·1 − 0 − 0 = 2 (diagonal excluded within).
        let zeros = Tensor::zeros([10, 1], options);
        let ones = Tensor::ones([10, 1], options);
        assert!((energy_distance(&zeros, &ones) - 2.0).abs() < 1e-12);
    }
}
