//! The Generalised LS-GAN critic objective (docs/FORMULAS.md#gls-gan): LS-GAN with the hinge (a)_+
//! replaced by the leaky cost C_ν(a) = max(a, ν·a), ν ≤ 1. ν = 0 is LS-GAN, ν = 1 a
//! Wasserstein-type critic, ν = −1 the absolute value.

use tch::{Kind, Tensor};

use super::lsgan::LsGanWeights;

/// C_ν(a) = max(a, ν·a), elementwise.
pub fn leaky_cost(a: &Tensor, slope: f64) -> Tensor {
    a.maximum(&(a * slope))
}

/// GLS-GAN critic objective, minimised over θ:
///
/// S(θ) = w · (1/n) Σ L(x_i) + λ · (1/n) Σ C_ν(Δ(x_i, G(z_i)) + L(x_i) − L(G(z_i))) + γ · P
pub fn glsgan_critic_objective(
    loss_real: &Tensor,
    loss_fake: &Tensor,
    margin: &Tensor,
    penalty: &Tensor,
    weights: LsGanWeights,
    slope: f64,
) -> Tensor {
    let cost = leaky_cost(&(margin + loss_real - loss_fake), slope);
    loss_real.mean(None::<Kind>) * weights.real
        + cost.mean(None::<Kind>) * weights.hinge
        + penalty * weights.penalty
}

/// GLS-GAN generator objective, as LS-GAN's: T(φ) = (1/n) Σ L(G_φ(z_i)).
pub fn glsgan_generator_objective(loss_fake: &Tensor) -> Tensor {
    loss_fake.mean(None::<Kind>)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::objectives::lsgan::lsgan_critic_objective;
    use crate::process::seeded;
    use tch::Device;

    fn batch() -> (Tensor, Tensor, Tensor, Tensor) {
        let options = (Kind::Double, Device::Cpu);
        (
            Tensor::rand([64], options),
            Tensor::rand([64], options) * 2.0,
            Tensor::rand([64], options),
            Tensor::from(0.3f64),
        )
    }

    const WEIGHTS: LsGanWeights = LsGanWeights {
        real: 0.5,
        hinge: 2.0,
        penalty: 0.1,
    };

    #[test]
    fn slope_zero_is_lsgan() {
        let _rng = seeded(3);
        let (real, fake, margin, penalty) = batch();
        let gls = glsgan_critic_objective(&real, &fake, &margin, &penalty, WEIGHTS, 0.0);
        let ls = lsgan_critic_objective(&real, &fake, &margin, &penalty, WEIGHTS);
        assert!((gls - ls).abs().double_value(&[]) < 1e-12);
    }

    #[test]
    fn slope_one_is_linear() {
        // C_1(a) = a: the objective is w·mean L(x) + λ·(mean Δ + mean L(x) − mean L(G)) + γP.
        let _rng = seeded(3);
        let (real, fake, margin, penalty) = batch();
        let value = glsgan_critic_objective(&real, &fake, &margin, &penalty, WEIGHTS, 1.0);
        let mean = |t: &Tensor| t.mean(Kind::Double).double_value(&[]);
        let by_hand =
            0.5 * mean(&real) + 2.0 * (mean(&margin) + mean(&real) - mean(&fake)) + 0.1 * 0.3;
        assert!((value.double_value(&[]) - by_hand).abs() < 1e-12);
    }

    #[test]
    fn leaky_cost_by_hand() {
        let a = Tensor::from_slice(&[-2.0f64, 0.0, 3.0]);
        assert_eq!(
            Vec::<f64>::try_from(leaky_cost(&a, 0.5)).unwrap(),
            [-1.0, 0.0, 3.0]
        );
        assert_eq!(
            Vec::<f64>::try_from(leaky_cost(&a, -1.0)).unwrap(),
            [2.0, 0.0, 3.0]
        );
    }
}
