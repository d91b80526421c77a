//! Gradient penalties on the critic's input gradient ∇_x L(x), built with exact second
//! derivatives (the gradient stays in the autograd graph, so the penalty backpropagates to θ).
//!
//! - LS-GAN (docs/FORMULAS.md#ls-gan): mean ‖∇_x L(x_i)‖² on **real** samples, centred at 0.
//! - WGAN-GP (docs/FORMULAS.md#baselines-on-the-same-loop): mean (‖∇L(x̂_i)‖ − 1)² on interpolates x̂ = ε x + (1 − ε) G(z).

use tch::{Kind, Tensor};

/// ∇_x Σ_i L(x_i), one row per sample, kept in the graph (`create_graph`). `inputs` must
/// require grad and `outputs` must have been computed from it. The critic treats samples
/// independently (no batch norm), so row i is ∇ L(x_i).
pub fn input_gradients(inputs: &Tensor, outputs: &Tensor) -> Tensor {
    let total = outputs.sum(outputs.kind());
    let mut gradients = Tensor::run_backward(&[total], &[inputs], true, true);
    gradients.remove(0)
}

/// LS-GAN's Lipschitz penalty: (1/n) Σ_i ‖∇_x L(x_i)‖², on the real samples `real` (which
/// require grad) and their scores `loss_real` = L(real).
pub fn zero_centred_gradient_penalty(real: &Tensor, loss_real: &Tensor) -> Tensor {
    let gradients = input_gradients(real, loss_real).flatten(1, -1);
    gradients
        .square()
        .sum_dim_intlist(1, false, None)
        .mean(None::<Kind>)
}

/// WGAN-GP's penalty: (1/n) Σ_i (‖∇L(x̂_i)‖₂ − 1)², on `interpolates` (which require grad) and
/// their scores.
pub fn interpolate_gradient_penalty(interpolates: &Tensor, scores: &Tensor) -> Tensor {
    let gradients = input_gradients(interpolates, scores).flatten(1, -1);
    let norms = gradients.square().sum_dim_intlist(1, false, None).sqrt();
    (norms - 1.0).square().mean(None::<Kind>)
}

/// Random interpolates ε x + (1 − ε) y, ε ~ U[0, 1] per sample, requiring grad.
pub fn interpolates(real: &Tensor, fake: &Tensor) -> Tensor {
    let epsilon = Tensor::rand([real.size()[0]], (real.kind(), real.device()));
    blend(real, fake, &epsilon).detach().set_requires_grad(true)
}

/// ε_i x_i + (1 − ε_i) y_i for rows x_i, y_i of any shape and weights `epsilon` [n].
pub fn blend(x: &Tensor, y: &Tensor, epsilon: &Tensor) -> Tensor {
    let mut shape = vec![x.size()[0]];
    shape.extend(std::iter::repeat_n(1, x.dim() - 1));
    let epsilon = epsilon.view(shape.as_slice());
    &epsilon * x + (-&epsilon + 1.0) * y
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::nets::options::{Activation, CriticOutput};
    use crate::nets::{Mlp, MlpConfig};
    use crate::process::seeded;
    use tch::nn;
    use tch::Device;

    fn f64_critic(output: CriticOutput) -> (nn::VarStore, Mlp) {
        let mut vs = nn::VarStore::new(Device::Cpu);
        let config = MlpConfig {
            input_dim: 2,
            output_dim: 1,
            width: 6,
            depth: 2,
            activation: Activation::Tanh,
            output,
            output_bias: 0.0,
        };
        let critic = Mlp::new(&vs.root(), config);
        vs.double();
        (vs, critic)
    }

    #[test]
    fn penalty_gradient_wrt_parameters_matches_finite_differences() {
        let _rng = seeded(7);
        let (vs, critic) = f64_critic(CriticOutput::Softplus);
        let real = Tensor::randn([5, 2], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let penalty_of = || {
            let scores = critic.score(&real);
            zero_centred_gradient_penalty(&real, &scores)
        };
        let penalty = penalty_of();
        let parameters = vs.trainable_variables();
        let analytic = Tensor::run_backward(&[&penalty], &parameters, false, false);

        let step = 1e-6;
        let mut checked = 0;
        for (parameter, gradient) in parameters.iter().zip(&analytic) {
            let flat = parameter.view([-1]);
            let flat_gradient = gradient.view([-1]);
            for index in 0..flat.size()[0] {
                let original = flat.double_value(&[index]);
                let value_at = |x: f64| {
                    tch::no_grad(|| {
                        let _ = flat.get(index).fill_(x);
                    });
                    penalty_of().double_value(&[])
                };
                let numeric =
                    (value_at(original + step) - value_at(original - step)) / (2.0 * step);
                tch::no_grad(|| {
                    let _ = flat.get(index).fill_(original);
                });
                let exact = flat_gradient.double_value(&[index]);
                let error = (exact - numeric).abs() / numeric.abs().max(exact.abs()).max(1e-3);
                assert!(
                    error < 1e-5,
                    "parameter {index}: autograd {exact} vs finite difference {numeric}"
                );
                checked += 1;
            }
        }
        assert_eq!(checked, (2 * 6 + 6) + (6 * 6 + 6) + (6 + 1));
        assert!(
            analytic
                .iter()
                .any(|g| g.abs().max().double_value(&[]) > 1e-4),
            "a non-trivial gradient"
        );
    }

    #[test]
    fn penalty_is_mean_squared_input_gradient_centred_at_zero() {
        // L(x) = 3 x₀ − 4 x₁ has ‖∇L‖ = 5 everywhere: penalty 25 (centred at 0, not at 1).
        let _rng = seeded(0);
        let x = Tensor::randn([4, 2], (Kind::Double, Device::Cpu)).set_requires_grad(true);
        let w = Tensor::from_slice(&[3.0f64, -4.0]);
        let scores = x.matmul(&w);
        let penalty = zero_centred_gradient_penalty(&x, &scores).double_value(&[]);
        assert!((penalty - 25.0).abs() < 1e-12);
        let scores = x.matmul(&w);
        let wgan_gp = interpolate_gradient_penalty(&x, &scores).double_value(&[]);
        assert!(
            (wgan_gp - 16.0).abs() < 1e-12,
            "(5 − 1)² = 16, got {wgan_gp}"
        );
    }

    #[test]
    fn interpolates_lie_between_the_pairs() {
        let _rng = seeded(0);
        let real = Tensor::zeros([100, 2], (Kind::Double, Device::Cpu));
        let fake = Tensor::ones([100, 2], (Kind::Double, Device::Cpu));
        let mixed = interpolates(&real, &fake);
        assert!(mixed.requires_grad());
        let column0 = mixed.select(1, 0);
        assert!(column0.min().double_value(&[]) >= 0.0 && column0.max().double_value(&[]) <= 1.0);
        assert!(
            (mixed.select(1, 0) - mixed.select(1, 1))
                .abs()
                .max()
                .double_value(&[])
                == 0.0,
            "one ε per sample"
        );
        assert!(
            column0.std(true).double_value(&[]) > 0.1,
            "ε varies across samples"
        );
    }
}
