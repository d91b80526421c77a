//! Multi-layer perceptrons for the toy data: `depth` hidden layers of `width` units with a
//! chosen activation, then a linear layer and an optional output activation. The critic has
//! no batch norm: the gradient penalty is a per-sample quantity.

use tch::nn::{self, Module};
use tch::Tensor;

use crate::nets::options::{Activation, CriticOutput, NetworkOptions};

/// Shape and activations of an MLP.
#[derive(Clone, Copy, Debug)]
pub struct MlpConfig {
    pub input_dim: i64,
    pub output_dim: i64,
    pub width: i64,
    pub depth: usize,
    pub activation: Activation,
    pub output: CriticOutput,
    /// Added to the output layer's initial bias (the critic's `critic_output_bias`).
    pub output_bias: f64,
}

impl MlpConfig {
    /// The generator of a run: noise_dim → data_dim, linear output.
    pub fn generator(config: &NetworkOptions, data_dim: i64) -> Self {
        MlpConfig {
            input_dim: config.noise_dim as i64,
            output_dim: data_dim,
            width: config.gen_width as i64,
            depth: config.gen_depth,
            activation: config.activation,
            output: CriticOutput::Linear,
            output_bias: 0.0,
        }
    }

    /// The critic of a run: data_dim → 1, with the configured output activation.
    pub fn critic(config: &NetworkOptions, data_dim: i64) -> Self {
        MlpConfig {
            input_dim: data_dim,
            output_dim: 1,
            width: config.critic_width as i64,
            depth: config.critic_depth,
            activation: config.activation,
            output: config.critic_output,
            output_bias: config.critic_output_bias,
        }
    }
}

/// An MLP whose parameters live under `path` in a [`nn::VarStore`].
#[derive(Debug)]
pub struct Mlp {
    layers: Vec<nn::Linear>,
    config: MlpConfig,
}

impl Mlp {
    pub fn new(path: &nn::Path, config: MlpConfig) -> Self {
        let mut layers = Vec::with_capacity(config.depth + 1);
        let mut input = config.input_dim;
        for index in 0..config.depth {
            layers.push(torch_default_linear(
                &(path / format!("hidden{index}")),
                input,
                config.width,
            ));
            input = config.width;
        }
        let out = torch_default_linear(&(path / "out"), input, config.output_dim);
        if config.output_bias != 0.0 {
            if let Some(bias) = &out.bs {
                let _ = tch::no_grad(|| bias.shallow_clone().g_add_scalar_(config.output_bias));
            }
        }
        layers.push(out);
        Mlp { layers, config }
    }

    /// For a critic (output_dim 1): L(x) for each row of `x`, shape [n].
    pub fn score(&self, x: &Tensor) -> Tensor {
        self.forward(x).squeeze_dim(-1)
    }
}

impl Module for Mlp {
    fn forward(&self, x: &Tensor) -> Tensor {
        let (last, hidden) = self
            .layers
            .split_last()
            .expect("an MLP has an output layer");
        let mut h = x.shallow_clone();
        for layer in hidden {
            h = activate(&layer.forward(&h), self.config.activation);
        }
        super::apply_output(&last.forward(&h), self.config.output)
    }
}

/// A linear layer initialised as PyTorch's `nn.Linear` is: weights and bias uniform on
/// ±1/√fan_in. (tch's default weight init is Kaiming-uniform with ReLU gain, √6 times wider;
/// matching PyTorch keeps results comparable with the PyTorch reference.)
fn torch_default_linear(path: &nn::Path, input: i64, output: i64) -> nn::Linear {
    let bound = 1.0 / (input as f64).sqrt();
    let uniform = nn::Init::Uniform {
        lo: -bound,
        up: bound,
    };
    nn::linear(
        path,
        input,
        output,
        nn::LinearConfig {
            ws_init: uniform,
            bs_init: Some(uniform),
            bias: true,
        },
    )
}

fn activate(x: &Tensor, activation: Activation) -> Tensor {
    match activation {
        Activation::Relu => x.relu(),
        Activation::LeakyRelu => x.leaky_relu(),
        Activation::Tanh => x.tanh(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use tch::{Device, Kind};

    #[test]
    fn output_bias_shifts_the_initial_output() {
        let _rng = seeded(3);
        let config = |output_bias| MlpConfig {
            input_dim: 2,
            output_dim: 1,
            width: 8,
            depth: 2,
            activation: Activation::Relu,
            output: CriticOutput::Linear,
            output_bias,
        };
        let x = Tensor::randn([5, 2], (Kind::Float, Device::Cpu));
        let score = |bias| {
            tch::manual_seed(3);
            let vs = nn::VarStore::new(Device::Cpu);
            Mlp::new(&vs.root(), config(bias)).score(&x)
        };
        let shift = (score(1.5) - score(0.0)).double_value(&[2]);
        assert!((shift - 1.5).abs() < 1e-6, "{shift}");
    }

    #[test]
    fn shapes_and_parameter_count() {
        let _rng = seeded(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let config = MlpConfig {
            input_dim: 2,
            output_dim: 1,
            width: 8,
            depth: 3,
            activation: Activation::Relu,
            output: CriticOutput::Relu,
            output_bias: 0.0,
        };
        let critic = Mlp::new(&vs.root(), config);
        let scores = critic.score(&Tensor::randn([5, 2], (Kind::Float, Device::Cpu)));
        assert_eq!(scores.size(), [5]);
        assert!(
            scores.min().double_value(&[]) >= 0.0,
            "ReLU output is non-negative"
        );
        let parameters: i64 = vs
            .trainable_variables()
            .iter()
            .map(|t| t.numel() as i64)
            .sum();
        assert_eq!(parameters, (2 * 8 + 8) + 2 * (8 * 8 + 8) + (8 + 1));
    }
}
