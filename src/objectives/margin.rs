//! The margin Δ(x, G(z)) = τ · dist(x, G(z)) that LS-GAN asks between L on a fake and L on
//! its paired real sample (docs/FORMULAS.md#ls-gan).

use tch::{Kind, Tensor};

use crate::objectives::options::{MarginDistance, MarginNorm};

/// Δ for each pair (row i of `real` with row i of `fake`), shape [n]:
/// `l1`: τ Σ_j |x_j − y_j|, `l2`: τ ‖x − y‖₂; with [`MarginNorm::Mean`] divided by the
/// dimension d (l1) or √d (l2). Rows may be images; they are flattened.
pub fn margin(
    real: &Tensor,
    fake: &Tensor,
    distance: MarginDistance,
    scale: f64,
    norm: MarginNorm,
) -> Tensor {
    let difference = (real - fake).flatten(1, -1);
    let dimension = difference.size()[1].max(1) as f64;
    let (dist, per_dimension) = match distance {
        MarginDistance::L1 => (difference.abs().sum_dim_intlist(1, false, None), dimension),
        MarginDistance::L2 => (
            difference.square().sum_dim_intlist(1, false, None).sqrt(),
            dimension.sqrt(),
        ),
    };
    match norm {
        MarginNorm::Sum => dist * scale,
        MarginNorm::Mean => dist * (scale / per_dimension),
    }
}

/// The share of pairs already past the margin, L(G(z_i)) − L(x_i) ≥ Δ_i: the training log's
/// `margin_satisfaction` and the diagnostics' `margin_share`.
pub fn share_past_margin(loss_real: &Tensor, loss_fake: &Tensor, margin: &Tensor) -> f64 {
    (loss_fake - loss_real)
        .ge_tensor(margin)
        .to_kind(Kind::Double)
        .mean(Kind::Double)
        .double_value(&[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn l1_and_l2_on_a_3_4_triangle() {
        let real = Tensor::from_slice(&[0.0f64, 0.0, 1.0, 1.0]).view([2, 2]);
        let fake = Tensor::from_slice(&[3.0f64, 4.0, 1.0, 1.0]).view([2, 2]);
        let l1 = margin(&real, &fake, MarginDistance::L1, 0.5, MarginNorm::Sum);
        let l2 = margin(&real, &fake, MarginDistance::L2, 2.0, MarginNorm::Sum);
        assert_eq!(Vec::<f64>::try_from(l1).unwrap(), [3.5, 0.0]);
        assert_eq!(Vec::<f64>::try_from(l2).unwrap(), [10.0, 0.0]);
    }

    #[test]
    fn the_mean_norm_divides_by_the_dimension_or_its_root() {
        // Rows of 4 coordinates, every difference 3: l1 sum 12, l2 6.
        let real = Tensor::zeros([2, 4], (tch::Kind::Double, tch::Device::Cpu));
        let fake = Tensor::full([2, 4], 3.0, (tch::Kind::Double, tch::Device::Cpu));
        let l1 = margin(&real, &fake, MarginDistance::L1, 0.5, MarginNorm::Mean);
        let l2 = margin(&real, &fake, MarginDistance::L2, 2.0, MarginNorm::Mean);
        assert_eq!(Vec::<f64>::try_from(l1).unwrap(), [1.5, 1.5]);
        assert_eq!(Vec::<f64>::try_from(l2).unwrap(), [6.0, 6.0]);
        // Images: the same per-pixel difference gives the same Δ at any size.
        let image_margin = |side: i64| {
            let real = Tensor::zeros([2, 1, side, side], (tch::Kind::Double, tch::Device::Cpu));
            let delta = margin(
                &real,
                &(&real + 3.0),
                MarginDistance::L1,
                1.0,
                MarginNorm::Mean,
            );
            Vec::<f64>::try_from(delta).unwrap()
        };
        for side in [2, 28, 64] {
            for delta in image_margin(side) {
                assert!((delta - 3.0).abs() < 1e-12, "{side}×{side}: {delta}");
            }
        }
    }
}
