//! WGAN (SPEC.md §4), written as a loss function (low on real, high on fake): the critic
//! minimises mean L(x) − mean L(G(z)); its weights are clipped to [−c, c] after each step.

use tch::nn::VarStore;
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

/// Clamps every trainable parameter of `critic` to [−c, c], in place.
pub fn clip_weights(critic: &VarStore, c: f64) {
    tch::no_grad(|| {
        for mut parameter in critic.trainable_variables() {
            let _ = parameter.clamp_(-c, c);
        }
    });
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

    #[test]
    fn clipping_bounds_every_weight() {
        let vs = VarStore::new(tch::Device::Cpu);
        let _w = vs.root().randn("w", &[10, 10], 0.0, 1.0);
        clip_weights(&vs, 0.01);
        for parameter in vs.trainable_variables() {
            assert!(parameter.abs().max().double_value(&[]) <= 0.01 + 1e-9);
        }
    }
}
