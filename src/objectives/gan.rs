//! The standard non-saturating GAN (Goodfellow et al. 2014), on the shared "loss function"
//! convention: the discriminator's logit for "real" is −L(x), so D(x) = σ(−L(x)).

use tch::{Kind, Tensor};

/// Discriminator objective −mean log D(x) − mean log(1 − D(G(z))), which with D = σ(−L) is
/// S = (1/n) Σ softplus(L(x_i)) + (1/n) Σ softplus(−L(G(z_i))) (+ γ · P, R1 when γ > 0).
pub fn gan_critic_objective(
    loss_real: &Tensor,
    loss_fake: &Tensor,
    penalty: &Tensor,
    penalty_weight: f64,
) -> Tensor {
    loss_real.softplus().mean(None::<Kind>)
        + (-loss_fake).softplus().mean(None::<Kind>)
        + penalty * penalty_weight
}

/// Non-saturating generator objective −mean log D(G(z)) = (1/n) Σ softplus(L(G(z_i))).
pub fn gan_generator_objective(loss_fake: &Tensor) -> Tensor {
    loss_fake.softplus().mean(None::<Kind>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_match_hand_computation() {
        let real = Tensor::from_slice(&[0.0f64, 1.0]);
        let fake = Tensor::from_slice(&[2.0f64]);
        let softplus = |x: f64| (1.0 + x.exp()).ln();
        let critic =
            gan_critic_objective(&real, &fake, &Tensor::from(0.0f64), 1.0).double_value(&[]);
        let by_hand = (softplus(0.0) + softplus(1.0)) / 2.0 + softplus(-2.0);
        assert!((critic - by_hand).abs() < 1e-12);
        let generator = gan_generator_objective(&fake).double_value(&[]);
        assert!((generator - softplus(2.0)).abs() < 1e-12);
        // −log σ(−2) = softplus(2): the same as the definition through D.
        let d = 1.0 / (1.0 + 2.0f64.exp());
        assert!((generator + d.ln()).abs() < 1e-12);
    }
}
