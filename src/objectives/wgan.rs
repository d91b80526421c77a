//! WGAN (docs/FORMULAS.md#baselines-on-the-same-loop), written as a loss function (low on real, high on fake): the critic
//! minimises mean L(x) − mean L(G(z)); the trainer clips its weights to [−c, c] after each
//! step (`train::trainer`).

use tch::{Kind, Tensor};

/// WGAN critic objective: S = (1/n) Σ L(x_i) − (1/n) Σ L(G(z_i)) (+ γ · P when a
/// zero-centred penalty P is asked for; 0 by default).
pub fn wgan_critic_objective(
    loss_real: &Tensor,
    loss_fake: &Tensor,
    penalty: &Tensor,
    penalty_weight: f64,
) -> Tensor {
    loss_real.mean(None::<Kind>) - loss_fake.mean(None::<Kind>) + penalty * penalty_weight
}

/// WGAN generator objective: (1/n) Σ L(G(z_i)) (the critic f = −L).
pub fn wgan_generator_objective(loss_fake: &Tensor) -> Tensor {
    loss_fake.mean(None::<Kind>)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_matches_hand_computation() {
        let real = Tensor::from_slice(&[1.0f64, 3.0]);
        let fake = Tensor::from_slice(&[5.0f64, 9.0]);
        let value = wgan_critic_objective(&real, &fake, &Tensor::from(2.0f64), 0.5);
        assert_eq!(value.double_value(&[]), 2.0 - 7.0 + 1.0);
    }
}
