//! What the objective does to the critic and the generator, measured at each logged
//! iteration (issue 5; docs/FORMULAS.md#claims lists the claims these numbers test):
//!
//! - **margin**: the share of pairs with L(G(z)) − L(x) ≥ Δ(x, G(z)) and the mean hinge
//!   (Δ + L(x) − L(G(z)))_+ (margin losses only);
//! - **allocation on demand**: for each fake, the norm of the generator objective's gradient
//!   with respect to that fake against its distance to the nearest real sample, and their rank
//!   correlation;
//! - **Lipschitz behaviour**: ‖∇_x L(x)‖ on real samples, fakes and interpolates;
//! - **range of L** on real samples and on fakes.
//!
//! Measuring changes nothing: no random numbers are drawn (interpolation weights are evenly
//! spaced), no parameter gradient is accumulated, and the caller passes fakes made with batch
//! norm in evaluation mode. So a resumed run logs the same numbers as an uninterrupted one.

use serde::{Deserialize, Serialize};
use tch::{Kind, Tensor};

use crate::objectives::margin::share_past_margin;
use crate::objectives::{lsgan::hinge, penalty::blend, Objective};

/// The diagnostics of one logged iteration (`diagnostics` in metrics.jsonl; key names are
/// stable and listed in docs/METRICS.md).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Diagnostics {
    /// Share of pairs past the margin, L(G(z)) − L(x) ≥ Δ (margin losses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub margin_share: Option<f64>,
    /// Mean of (Δ + L(x) − L(G(z)))_+ over the pairs (margin losses only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mean_hinge: Option<f64>,
    /// Spearman rank correlation between a fake's distance to the nearest real sample and
    /// the norm of the generator objective's gradient at it (absent when either is constant).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allocation_rank_correlation: Option<f64>,
    /// ‖∇_x L(x)‖ on real samples.
    pub gradient_norm_real: Spread,
    /// ‖∇_x L(x)‖ on fakes.
    pub gradient_norm_fake: Spread,
    /// ‖∇_x L(x)‖ on interpolates ε x + (1 − ε) G(z), ε evenly spaced in (0, 1).
    pub gradient_norm_interpolate: Spread,
    /// L(x) on real samples.
    pub critic_real: Range,
    /// L(G(z)) on fakes.
    pub critic_fake: Range,
}

/// The critic counts as flat where the samples are when its mean input-gradient norm on
/// real samples and on fakes is below this fraction of its mean on the interpolates between
/// them: a softplus output sunk to L ≈ 0 (GLS-GAN on MNIST) measured 2e-7 and below, every
/// live critic measured (ring, grid, MNIST; five losses) 3e-2 and above.
pub const FLAT_GRADIENT_RATIO: f64 = 1e-4;
/// ... or when it is below this everywhere, between the samples too: a slope no data set's
/// units make meaningful, and float32 noise at these sizes.
pub const FLAT_GRADIENT_NORM: f64 = 1e-10;

impl Diagnostics {
    /// Whether L is flat where the real samples and the fakes are, so that no gradient
    /// reaches the generator: ‖∇ₓL‖ there a vanishing fraction ([`FLAT_GRADIENT_RATIO`]) of
    /// its size between them, or vanishing everywhere ([`FLAT_GRADIENT_NORM`]). A ReLU output
    /// stuck at 0 does this (∇ₓL exactly 0), and so does a softplus output sunk to L ≈ 0;
    /// neither recovers. Mostly a ratio, so that the test does not depend on the data's units.
    pub fn critic_is_flat(&self) -> bool {
        let (real, fake) = (self.gradient_norm_real.mean, self.gradient_norm_fake.mean);
        let between = self.gradient_norm_interpolate.mean;
        let below = |bound: f64| real < bound && fake < bound;
        below(FLAT_GRADIENT_RATIO * between)
            || (below(FLAT_GRADIENT_NORM) && between < FLAT_GRADIENT_NORM)
    }
}

/// Mean and maximum of non-negative values.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Spread {
    pub mean: f64,
    pub max: f64,
}

/// Smallest and largest value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// Per-fake points of the allocation scatter plot.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Allocation {
    /// Distance from each fake to its nearest real sample.
    pub distance_to_data: Vec<f64>,
    /// ‖∇_{G(z)} (generator objective)‖ at each fake, scaled by n (so it does not shrink
    /// with the batch size: for the mean-of-L objectives it is ‖∇L(G(z))‖).
    pub gradient_norm: Vec<f64>,
}

/// The diagnostics of `critic` on `real` samples paired row by row with `fake` ones, with
/// `data` (real samples, any number) as the reference for distances to the data.
pub fn diagnose(
    objective: &Objective,
    critic: &dyn Fn(&Tensor) -> Tensor,
    real: &Tensor,
    fake: &Tensor,
    data: &Tensor,
) -> (Diagnostics, Allocation) {
    let (real, fake) = (real.detach(), fake.detach());
    let (loss_real, gradient_real) = scores_and_input_gradients(critic, &real);
    let (loss_fake, gradient_fake) = scores_and_input_gradients(critic, &fake);
    let (_, gradient_interpolate) =
        scores_and_input_gradients(critic, &even_interpolates(&real, &fake));

    let (margin_share, mean_hinge) = match objective.loss.margin() {
        Some(margin) => {
            let delta = margin.between(&real, &fake);
            (
                Some(share_past_margin(&loss_real, &loss_fake, &delta)),
                Some(mean_of(&hinge(&loss_real, &loss_fake, &delta))),
            )
        }
        None => (None, None),
    };

    let allocation = Allocation {
        distance_to_data: to_vec(&nearest_distances(&fake, data)),
        gradient_norm: to_vec(&generator_gradient_norms(objective, critic, &fake)),
    };
    let diagnostics = Diagnostics {
        margin_share,
        mean_hinge,
        allocation_rank_correlation: rank_correlation(
            &allocation.distance_to_data,
            &allocation.gradient_norm,
        ),
        gradient_norm_real: spread(&row_norms(&gradient_real)),
        gradient_norm_fake: spread(&row_norms(&gradient_fake)),
        gradient_norm_interpolate: spread(&row_norms(&gradient_interpolate)),
        critic_real: range(&loss_real),
        critic_fake: range(&loss_fake),
    };
    (diagnostics, allocation)
}

/// L(x_i) (detached) and ∇_x L(x_i), one row per sample, without touching parameter gradients.
fn scores_and_input_gradients(critic: &dyn Fn(&Tensor) -> Tensor, x: &Tensor) -> (Tensor, Tensor) {
    let x = x.detach().set_requires_grad(true);
    let scores = critic(&x);
    let total = scores.sum(scores.kind());
    let gradient = Tensor::run_backward(&[total], &[&x], false, false).remove(0);
    (scores.detach(), gradient)
}

/// n · ∇_{G(z_i)} of the generator objective, as row norms [n].
fn generator_gradient_norms(
    objective: &Objective,
    critic: &dyn Fn(&Tensor) -> Tensor,
    fake: &Tensor,
) -> Tensor {
    let fake = fake.detach().set_requires_grad(true);
    let value = objective.generator_objective(&critic(&fake));
    let gradient = Tensor::run_backward(&[value], &[&fake], false, false).remove(0);
    row_norms(&gradient) * fake.size()[0] as f64
}

/// ε_i x_i + (1 − ε_i) y_i with ε_i = (i + ½)/n: interpolates without random numbers.
pub fn even_interpolates(x: &Tensor, y: &Tensor) -> Tensor {
    let n = x.size()[0];
    let epsilon = (Tensor::arange(n, (x.kind(), x.device())) + 0.5) / n as f64;
    blend(x, y, &epsilon)
}

/// Euclidean distance from each row of `points` to its nearest row of `reference`, [n].
pub fn nearest_distances(points: &Tensor, reference: &Tensor) -> Tensor {
    let points = points.flatten(1, -1).to_kind(Kind::Float);
    let reference = reference.flatten(1, -1).to_kind(Kind::Float);
    Tensor::cdist(&points, &reference, 2.0, None::<i64>)
        .min_dim(1, false)
        .0
        .to_kind(Kind::Double)
}

/// ‖row‖₂ for each row of a [n, ...] tensor.
fn row_norms(x: &Tensor) -> Tensor {
    x.flatten(1, -1)
        .to_kind(Kind::Double)
        .square()
        .sum_dim_intlist(1, false, None)
        .sqrt()
}

fn mean_of(x: &Tensor) -> f64 {
    x.to_kind(Kind::Double).mean(Kind::Double).double_value(&[])
}

fn spread(x: &Tensor) -> Spread {
    Spread {
        mean: mean_of(x),
        max: x.max().double_value(&[]),
    }
}

fn range(x: &Tensor) -> Range {
    Range {
        min: x.min().double_value(&[]),
        max: x.max().double_value(&[]),
    }
}

fn to_vec(x: &Tensor) -> Vec<f64> {
    Vec::<f64>::try_from(x.to_kind(Kind::Double).contiguous().view([-1])).unwrap_or_default()
}

/// Spearman's rank correlation (ties get their average rank); `None` when fewer than two
/// values or when either list is constant.
pub fn rank_correlation(a: &[f64], b: &[f64]) -> Option<f64> {
    if a.len() != b.len() || a.len() < 2 {
        return None;
    }
    let (ra, rb) = (average_ranks(a), average_ranks(b));
    let mean = (a.len() as f64 + 1.0) / 2.0;
    let (mut covariance, mut var_a, mut var_b) = (0.0, 0.0, 0.0);
    for (x, y) in ra.iter().zip(&rb) {
        covariance += (x - mean) * (y - mean);
        var_a += (x - mean) * (x - mean);
        var_b += (y - mean) * (y - mean);
    }
    (var_a > 0.0 && var_b > 0.0).then(|| covariance / (var_a * var_b).sqrt())
}

/// 1-based ranks, ties sharing the average of the ranks they span.
fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&i, &j| values[i].total_cmp(&values[j]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        let rank = (start + end + 1) as f64 / 2.0;
        for &index in &order[start..end] {
            ranks[index] = rank;
        }
        start = end;
    }
    ranks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objectives::options::LossKind;
    // L(x) = ‖x‖² + x₀: ∇L = 2x + e₀.
    use crate::objectives::testing::{critic, objective};

    fn t(rows: &[[f64; 2]]) -> Tensor {
        let flat: Vec<f64> = rows.iter().flatten().copied().collect();
        Tensor::from_slice(&flat).view([-1, 2])
    }

    #[test]
    fn spearman_by_hand() {
        assert_eq!(
            rank_correlation(&[1.0, 2.0, 3.0], &[10.0, 20.0, 30.0]),
            Some(1.0)
        );
        assert_eq!(
            rank_correlation(&[1.0, 2.0, 3.0], &[3.0, 2.0, 1.0]),
            Some(-1.0)
        );
        // Ranks (1, 2, 3, 4) against (2, 1, 4, 3): d² sums to 4, ρ = 1 − 6·4/(4·15) = 0.6.
        let rho = rank_correlation(&[1.0, 2.0, 3.0, 4.0], &[5.0, 1.0, 9.0, 7.0]).unwrap();
        assert!((rho - 0.6).abs() < 1e-12, "{rho}");
        // A monotone but non-linear relation is still rank correlation 1.
        assert_eq!(
            rank_correlation(&[1.0, 2.0, 3.0], &[1.0, 8.0, 27.0]),
            Some(1.0)
        );
        assert_eq!(rank_correlation(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]), None);
        assert_eq!(rank_correlation(&[1.0], &[1.0]), None);
    }

    #[test]
    fn ties_share_their_average_rank() {
        assert_eq!(
            average_ranks(&[5.0, 1.0, 5.0, 3.0]),
            vec![3.5, 1.0, 3.5, 2.0]
        );
    }

    #[test]
    fn interpolates_are_evenly_spaced_and_need_no_randomness() {
        let x = t(&[[0.0, 0.0], [0.0, 0.0]]);
        let y = t(&[[4.0, 0.0], [4.0, 0.0]]);
        // ε = (¼, ¾): points at (1 − ε)·4 = 3 and 1.
        let mixed = even_interpolates(&x, &y);
        assert_eq!(
            Vec::<f64>::try_from(mixed.select(1, 0)).unwrap(),
            vec![3.0, 1.0]
        );
    }

    #[test]
    fn nearest_distances_by_hand() {
        let points = t(&[[0.0, 0.0], [3.0, 4.0]]);
        let reference = t(&[[1.0, 0.0], [3.0, 5.0], [10.0, 10.0]]);
        let d = Vec::<f64>::try_from(nearest_distances(&points, &reference)).unwrap();
        assert!(
            (d[0] - 1.0).abs() < 1e-6 && (d[1] - 1.0).abs() < 1e-6,
            "{d:?}"
        );
    }

    #[test]
    fn lsgan_diagnostics_by_hand() {
        // Real x = (1, 0), (0, 2); fakes (3, 0), (0, 0). L(x) = [2, 4], L(G) = [12, 0].
        // Δ (l1) = [2, 2]: pair 1 is past the margin (12 − 2 ≥ 2), pair 2 is not (0 − 4 < 2);
        // hinges 0 and 6 → mean 3.
        let (real, fake) = (t(&[[1.0, 0.0], [0.0, 2.0]]), t(&[[3.0, 0.0], [0.0, 0.0]]));
        let (d, allocation) = diagnose(&objective(LossKind::Lsgan), &critic, &real, &fake, &real);
        assert_eq!(d.margin_share, Some(0.5));
        assert_eq!(d.mean_hinge, Some(3.0));
        // ∇L(x) = 2x + e₀: real (3, 0), (1, 4) → norms 3, √17; fakes (7, 0), (1, 0) → 7, 1.
        assert!((d.gradient_norm_real.mean - (3.0 + 17f64.sqrt()) / 2.0).abs() < 1e-12);
        assert_eq!(d.gradient_norm_real.max, 17f64.sqrt());
        assert_eq!(
            d.gradient_norm_fake,
            Spread {
                mean: 4.0,
                max: 7.0
            }
        );
        assert_eq!(d.critic_real, Range { min: 2.0, max: 4.0 });
        assert_eq!(
            d.critic_fake,
            Range {
                min: 0.0,
                max: 12.0
            }
        );
        // The generator minimises mean L(G(z)): n·∇ = ∇L(G(z)), norms 7 and 1. Fake (3, 0) is
        // 2 from (1, 0); fake (0, 0) is 1 from (1, 0): farther fake, larger gradient.
        assert_eq!(allocation.gradient_norm, vec![7.0, 1.0]);
        assert!((allocation.distance_to_data[0] - 2.0).abs() < 1e-6);
        assert!((allocation.distance_to_data[1] - 1.0).abs() < 1e-6);
        assert_eq!(d.allocation_rank_correlation, Some(1.0));
        // Interpolates at ε = ¼, ¾: (1/4·1 + 3/4·3, 0) = (2.5, 0) → ∇ (6, 0);
        // (0, 3/4·2) = (0, 1.5) → ∇ (1, 3), norm √10.
        let expected = (6.0 + 10f64.sqrt()) / 2.0;
        assert!((d.gradient_norm_interpolate.mean - expected).abs() < 1e-12);
    }

    #[test]
    fn a_dead_relu_critic_is_reported_flat() {
        let (real, fake) = (t(&[[1.0, 0.0], [0.0, 2.0]]), t(&[[3.0, 0.0], [0.0, 0.0]]));
        let dead = |x: &Tensor| (critic(x) - 100.0).relu();
        let (d, _) = diagnose(&objective(LossKind::Lsgan), &dead, &real, &fake, &real);
        assert!(d.critic_is_flat());
        assert_eq!(d.allocation_rank_correlation, None);
        let (alive, _) = diagnose(&objective(LossKind::Lsgan), &critic, &real, &fake, &real);
        assert!(!alive.critic_is_flat());
    }

    /// A softplus output sunk to L ≈ 0 where the samples are is not exactly flat, but flat for
    /// the generator; a live critic's gradients are of the size of those between the samples.
    /// The numbers are GLS-GAN's on MNIST, seed 2 (sunk) and seed 1 (alive).
    #[test]
    fn a_sunk_softplus_critic_is_reported_flat() {
        let spread = |mean, max| Spread { mean, max };
        let diagnostics = |real, fake, between| Diagnostics {
            gradient_norm_real: real,
            gradient_norm_fake: fake,
            gradient_norm_interpolate: between,
            ..Default::default()
        };
        let sunk = diagnostics(
            spread(2.5e-7, 1.2e-4),
            spread(5.7e-7, 1.5e-4),
            spread(3.46, 17.1),
        );
        assert!(sunk.critic_is_flat());
        let alive = diagnostics(spread(3.38, 4.7), spread(3.57, 4.6), spread(4.25, 12.0));
        assert!(!alive.critic_is_flat());
        // Sunk on the real samples only: the fakes still get a gradient.
        let half = diagnostics(
            spread(2.5e-7, 1.2e-4),
            spread(3.57, 4.6),
            spread(3.46, 17.1),
        );
        assert!(!half.critic_is_flat());
        // Sunk between the samples as well (seed 0 on the CPU: 4e-16, 9e-15 and 4e-7), and
        // sunk everywhere alike.
        let deeper = diagnostics(
            spread(4.2e-16, 1e-13),
            spread(9e-15, 3e-12),
            spread(3.6e-7, 1.0),
        );
        assert!(deeper.critic_is_flat());
        let everywhere = diagnostics(
            spread(1e-14, 1e-13),
            spread(1e-14, 1e-13),
            spread(1e-14, 1e-13),
        );
        assert!(everywhere.critic_is_flat());
        // Small slopes alike everywhere are data in large units, not a flat critic.
        let large_units = diagnostics(spread(1e-7, 1e-6), spread(1e-7, 1e-6), spread(2e-7, 1e-6));
        assert!(!large_units.critic_is_flat());
    }

    #[test]
    fn losses_without_a_margin_have_no_margin_diagnostics() {
        let (real, fake) = (t(&[[1.0, 0.0], [0.0, 2.0]]), t(&[[3.0, 0.0], [0.0, 0.0]]));
        for kind in [LossKind::Wgan, LossKind::WganGp, LossKind::Gan] {
            let (d, _) = diagnose(&objective(kind), &critic, &real, &fake, &real);
            assert_eq!((d.margin_share, d.mean_hinge), (None, None), "{kind:?}");
        }
    }

    #[test]
    fn gan_generator_gradient_is_scaled_by_the_sigmoid() {
        // Non-saturating objective mean softplus(L(G)): n·∂/∂G = sigmoid(L(G)) ∇L(G).
        let (real, fake) = (t(&[[1.0, 0.0]]), t(&[[0.0, 0.0]]));
        let (_, allocation) = diagnose(&objective(LossKind::Gan), &critic, &real, &fake, &real);
        // L(0, 0) = 0 → sigmoid ½; ∇L = (1, 0) → norm ½.
        assert!((allocation.gradient_norm[0] - 0.5).abs() < 1e-12);
    }

    #[test]
    fn measuring_leaves_parameter_gradients_alone() {
        let w = Tensor::ones([2], (Kind::Double, tch::Device::Cpu)).set_requires_grad(true);
        let scorer = |x: &Tensor| x.matmul(&w);
        let (real, fake) = (t(&[[1.0, 0.0], [0.0, 2.0]]), t(&[[3.0, 0.0], [0.0, 0.0]]));
        let _ = diagnose(&objective(LossKind::Lsgan), &scorer, &real, &fake, &real);
        assert!(!w.grad().defined(), "a parameter gradient was accumulated");
    }
}
