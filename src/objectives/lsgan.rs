//! The Loss-Sensitive GAN objectives (docs/FORMULAS.md#ls-gan, Qi 2017): the critic's, with its hinge on
//! the margin, and the generator's.

use tch::{Kind, Tensor};

/// The weights of the LS-GAN critic objective's terms.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LsGanWeights {
    /// w, on mean L(x) (0 in the author's code; the seed text has 1).
    pub real: f64,
    /// λ, on the mean hinge.
    pub hinge: f64,
    /// γ, on the zero-centred gradient penalty on real data.
    pub penalty: f64,
}

/// Per-pair hinge (Δ(x_i, G(z_i)) + L(x_i) − L(G(z_i)))_+, shape [n]. A pair already past
/// the margin, L(G(z)) − L(x) ≥ Δ, gives 0 and no gradient.
pub fn hinge(loss_real: &Tensor, loss_fake: &Tensor, margin: &Tensor) -> Tensor {
    (margin + loss_real - loss_fake).relu()
}

/// LS-GAN critic objective, minimised over θ:
///
/// S(θ) = w · (1/n) Σ L(x_i) + λ · (1/n) Σ (Δ(x_i, G(z_i)) + L(x_i) − L(G(z_i)))_+ + γ · P
///
/// with `penalty` P = (1/n) Σ ‖∇_x L(x_i)‖² on the real samples (see `penalty.rs`).
pub fn lsgan_critic_objective(
    loss_real: &Tensor,
    loss_fake: &Tensor,
    margin: &Tensor,
    penalty: &Tensor,
    weights: LsGanWeights,
) -> Tensor {
    loss_real.mean(None::<Kind>) * weights.real
        + hinge(loss_real, loss_fake, margin).mean(None::<Kind>) * weights.hinge
        + penalty * weights.penalty
}

/// LS-GAN generator objective, minimised over φ: T(φ) = (1/n) Σ L(G_φ(z_i)).
pub fn lsgan_generator_objective(loss_fake: &Tensor) -> Tensor {
    loss_fake.mean(None::<Kind>)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(values: &[f64]) -> Tensor {
        Tensor::from_slice(values)
    }

    #[test]
    fn value_matches_hand_computation() {
        // Pairs: (Δ, L(x), L(G)) = (1, 0.5, 0.2) → 1.3; (2, 0, 3) → 0 (past the margin);
        // (0.5, 1, 1) → 0.5. Mean hinge 0.6, mean L(x) 0.5.
        let (real, fake, margin) = (
            t(&[0.5, 0.0, 1.0]),
            t(&[0.2, 3.0, 1.0]),
            t(&[1.0, 2.0, 0.5]),
        );
        let weights = LsGanWeights {
            real: 2.0,
            hinge: 3.0,
            penalty: 0.5,
        };
        let value = lsgan_critic_objective(&real, &fake, &margin, &t(&[4.0]).squeeze(), weights);
        let by_hand = 2.0 * 0.5 + 3.0 * 0.6 + 0.5 * 4.0;
        assert!((value.double_value(&[]) - by_hand).abs() < 1e-12);
    }

    #[test]
    fn pairs_past_the_margin_contribute_zero_value_and_zero_gradient() {
        let real = t(&[0.5, 0.0]).set_requires_grad(true);
        let fake = t(&[0.2, 3.0]).set_requires_grad(true);
        let margin = t(&[1.0, 2.0]);
        let hinges = hinge(&real, &fake, &margin);
        assert_eq!(Vec::<f64>::try_from(&hinges).unwrap(), [1.3, 0.0]);
        let weights = LsGanWeights {
            real: 0.0,
            hinge: 1.0,
            penalty: 0.0,
        };
        let zero = Tensor::zeros([], (Kind::Double, tch::Device::Cpu));
        let objective = lsgan_critic_objective(&real, &fake, &margin, &zero, weights);
        let gradients = Tensor::run_backward(&[objective], &[&real, &fake], false, false);
        // Pair 0 violates the margin: ∂/∂L(x₀) = 1/n, ∂/∂L(G₀) = −1/n. Pair 1: exactly 0.
        assert_eq!(Vec::<f64>::try_from(&gradients[0]).unwrap(), [0.5, 0.0]);
        assert_eq!(Vec::<f64>::try_from(&gradients[1]).unwrap(), [-0.5, 0.0]);
    }
}
