//! WGAN-GP (docs/FORMULAS.md#baselines-on-the-same-loop), written as a loss function: the WGAN critic objective plus the
//! gradient penalty on interpolates, centred at 1 (see `penalty.rs`).

use tch::{Kind, Tensor};

/// WGAN-GP critic objective:
/// S = (1/n) Σ L(x_i) − (1/n) Σ L(G(z_i)) + γ · (1/n) Σ (‖∇L(x̂_i)‖ − 1)²,
/// with `interpolate_penalty` the last mean (γ = 10 by default).
pub fn wgan_gp_critic_objective(
    loss_real: &Tensor,
    loss_fake: &Tensor,
    interpolate_penalty: &Tensor,
    penalty_weight: f64,
) -> Tensor {
    loss_real.mean(None::<Kind>) - loss_fake.mean(None::<Kind>)
        + interpolate_penalty * penalty_weight
}

/// WGAN-GP generator objective: (1/n) Σ L(G(z_i)) (the critic f = −L).
pub fn wgan_gp_generator_objective(loss_fake: &Tensor) -> Tensor {
    loss_fake.mean(None::<Kind>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_matches_hand_computation() {
        let real = Tensor::from_slice(&[0.0f64, 2.0]);
        let fake = Tensor::from_slice(&[4.0f64, 4.0]);
        let value = wgan_gp_critic_objective(&real, &fake, &Tensor::from(0.25f64), 10.0);
        assert_eq!(value.double_value(&[]), 1.0 - 4.0 + 2.5);
    }
}
