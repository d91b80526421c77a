//! The margin Δ(x, G(z)) = τ · dist(x, G(z)) that LS-GAN asks between L on a fake and L on
//! its paired real sample (SPEC.md §2).

use tch::{Kind, Tensor};

use crate::objectives::options::MarginDistance;

/// Δ for each pair (row i of `real` with row i of `fake`), shape [n]:
/// `l1`: τ Σ_j |x_j − y_j|, `l2`: τ ‖x − y‖₂. Rows may be images; they are flattened.
pub fn margin(real: &Tensor, fake: &Tensor, distance: MarginDistance, scale: f64) -> Tensor {
    let difference = (real - fake).flatten(1, -1);
    let dist = match distance {
        MarginDistance::L1 => difference.abs().sum_dim_intlist(1, false, None),
        MarginDistance::L2 => difference.square().sum_dim_intlist(1, false, None).sqrt(),
    };
    dist * scale
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
        let l1 = margin(&real, &fake, MarginDistance::L1, 0.5);
        let l2 = margin(&real, &fake, MarginDistance::L2, 2.0);
        assert_eq!(Vec::<f64>::try_from(l1).unwrap(), [3.5, 0.0]);
        assert_eq!(Vec::<f64>::try_from(l2).unwrap(), [10.0, 0.0]);
    }
}
