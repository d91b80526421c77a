//! DCGAN-style convolutional networks for square images of side 28, 32 or 64 with 1 or 3
//! channels (Radford et al. 2016).
//!
//! Generator: z → transposed conv (kernel s₀) to s₀×s₀ → k transposed convs (kernel 4,
//! stride 2) doubling the side each time → tanh. s₀ = 7, k = 2 for 28×28; s₀ = 4, k = 3 or 4
//! for 32×32 or 64×64. Batch norm + ReLU between layers (batch norm optional).
//!
//! Critic: k strided convs (kernel 4, stride 2) halving the side, leaky ReLU (0.2), then a
//! conv with kernel s₀ to one number, and the configured output activation (or, for a
//! conditional pair of K classes, to K class outputs a_y(x), used as they are). It has no batch
//! norm, because the gradient penalty is a per-sample quantity; layer norm (over C×H×W) or no
//! normalisation after every conv but the first.
//!
//! A conditional generator G(z, y) takes z with the class y one-hot appended (noise_dim + K
//! inputs), as the author's CLS-GAN code does.
//!
//! Weights are initialised as in DCGAN: N(0, 0.02), norm scales N(1, 0.02), biases 0.

use tch::nn::{self, ModuleT};
use tch::Tensor;

use crate::error::{Error, Result};
use crate::nets::options::{CriticNorm, CriticOutput};

/// The critic's leaky ReLU slope, as in DCGAN.
const LEAKY_SLOPE: f64 = 0.2;

/// The spatial plan for one image side: start side s₀ and number of doublings k.
fn plan(side: i64) -> Result<(i64, usize)> {
    match side {
        28 => Ok((7, 2)),
        32 => Ok((4, 3)),
        64 => Ok((4, 4)),
        other => Err(Error::bad_input(format!(
            "option --image-size: DCGAN networks exist for images of side 28, 32 or 64, got {other}"
        ))),
    }
}

/// Shape of a DCGAN pair.
#[derive(Clone, Copy, Debug)]
pub struct DcganConfig {
    pub noise_dim: i64,
    pub channels: i64,
    pub side: i64,
    /// Channels of the widest-resolution layer; deeper layers double it.
    pub gen_width: i64,
    pub critic_width: i64,
    pub gen_batch_norm: bool,
    pub critic_norm: CriticNorm,
    pub critic_output: CriticOutput,
    /// K for a conditional pair (one-hot classes appended to z, one critic output per class);
    /// 0 for an unconditional one.
    pub classes: i64,
}

fn normal(std: f64) -> nn::Init {
    nn::Init::Randn {
        mean: 0.0,
        stdev: std,
    }
}

fn conv_config(stride: i64, padding: i64, bias: bool) -> nn::ConvConfig {
    nn::ConvConfig {
        stride,
        padding,
        bias,
        ws_init: normal(0.02),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    }
}

fn transposed_config(stride: i64, padding: i64, bias: bool) -> nn::ConvTransposeConfig {
    nn::ConvTransposeConfig {
        stride,
        padding,
        bias,
        ws_init: normal(0.02),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    }
}

fn batch_norm(path: &nn::Path, channels: i64) -> nn::BatchNorm {
    nn::batch_norm2d(
        path,
        channels,
        nn::BatchNormConfig {
            ws_init: nn::Init::Randn {
                mean: 1.0,
                stdev: 0.02,
            },
            bs_init: nn::Init::Const(0.0),
            ..Default::default()
        },
    )
}

/// The DCGAN generator: z [n, noise_dim (+ K one-hot)] → images [n, C, side, side] in [−1, 1].
#[derive(Debug)]
pub struct DcganGenerator {
    layers: Vec<(nn::ConvTranspose2D, Option<nn::BatchNorm>)>,
    noise_dim: i64,
}

impl DcganGenerator {
    pub fn new(path: &nn::Path, config: &DcganConfig) -> Result<Self> {
        let (start, doublings) = plan(config.side)?;
        let norm = config.gen_batch_norm;
        let mut width = config.gen_width << (doublings - 1);
        let mut layers = vec![(
            nn::conv_transpose2d(
                path / "in",
                config.noise_dim + config.classes,
                width,
                start,
                transposed_config(1, 0, !norm),
            ),
            norm.then(|| batch_norm(&(path / "in_norm"), width)),
        )];
        for index in 0..doublings {
            let last = index + 1 == doublings;
            let out = if last { config.channels } else { width / 2 };
            let bias = last || !norm;
            layers.push((
                nn::conv_transpose2d(
                    path / format!("up{index}"),
                    width,
                    out,
                    4,
                    transposed_config(2, 1, bias),
                ),
                (norm && !last).then(|| batch_norm(&(path / format!("up{index}_norm")), out)),
            ));
            width = out;
        }
        Ok(DcganGenerator {
            layers,
            noise_dim: config.noise_dim + config.classes,
        })
    }
}

impl ModuleT for DcganGenerator {
    fn forward_t(&self, z: &Tensor, train: bool) -> Tensor {
        let mut h = z.view([-1, self.noise_dim, 1, 1]);
        let last = self.layers.len() - 1;
        for (index, (conv, norm)) in self.layers.iter().enumerate() {
            h = h.apply(conv);
            if let Some(norm) = norm {
                h = h.apply_t(norm, train);
            }
            h = if index == last { h.tanh() } else { h.relu() };
        }
        h
    }
}

/// The DCGAN critic: images [n, C, side, side] → L(x) [n].
#[derive(Debug)]
pub struct DcganCritic {
    layers: Vec<(nn::Conv2D, Option<nn::LayerNorm>)>,
    out: nn::Conv2D,
    output: CriticOutput,
    /// K, or 0 for one output.
    classes: i64,
}

impl DcganCritic {
    pub fn new(path: &nn::Path, config: &DcganConfig) -> Result<Self> {
        let (start, doublings) = plan(config.side)?;
        let mut layers = Vec::with_capacity(doublings);
        let (mut channels, mut side, mut width) =
            (config.channels, config.side, config.critic_width);
        for index in 0..doublings {
            side /= 2;
            let norm = (index > 0 && config.critic_norm == CriticNorm::Layer).then(|| {
                nn::layer_norm(
                    path / format!("down{index}_norm"),
                    vec![width, side, side],
                    nn::LayerNormConfig::default(),
                )
            });
            layers.push((
                nn::conv2d(
                    path / format!("down{index}"),
                    channels,
                    width,
                    4,
                    conv_config(2, 1, true),
                ),
                norm,
            ));
            channels = width;
            width *= 2;
        }
        let outputs = config.classes.max(1);
        let out = nn::conv2d(
            path / "out",
            channels,
            outputs,
            start,
            conv_config(1, 0, true),
        );
        Ok(DcganCritic {
            layers,
            out,
            output: config.critic_output,
            classes: config.classes,
        })
    }

    /// L(x) for each image, shape [n]: of a conditional critic, the unlabelled loss
    /// −log Σ_y exp a_y(x) (objectives/clsgan.rs).
    pub fn score(&self, x: &Tensor) -> Tensor {
        if self.classes > 0 {
            // The unlabelled loss of objectives/clsgan.rs (networks do not import objectives).
            return -self
                .logits(x)
                .to_kind(tch::Kind::Float)
                .logsumexp([1], false);
        }
        let out = self.hidden(x).apply(&self.out).view([-1]);
        super::apply_output(&out, self.output)
    }

    /// The class outputs a_y(x), shape [n, K] ([n, 1] for an unconditional critic, before
    /// its output activation).
    pub fn logits(&self, x: &Tensor) -> Tensor {
        self.hidden(x).apply(&self.out).flatten(1, -1)
    }

    /// The last hidden layer's activations, flattened to [n, D], and the class outputs
    /// [n, K] computed from them.
    pub fn features_and_logits(&self, x: &Tensor) -> (Tensor, Tensor) {
        let hidden = self.hidden(x);
        let logits = hidden.apply(&self.out).flatten(1, -1);
        (hidden.flatten(1, -1), logits)
    }

    /// The activations before the last convolution, [n, C, s₀, s₀].
    fn hidden(&self, x: &Tensor) -> Tensor {
        let mut h = x.shallow_clone();
        for (conv, norm) in &self.layers {
            h = h.apply(conv);
            if let Some(norm) = norm {
                h = h.apply(norm);
            }
            h = leaky_relu(&h, LEAKY_SLOPE);
        }
        h
    }
}

/// max(x, slope·x) for 0 ≤ slope ≤ 1, in one kernel forward, backward and in the penalty's
/// double backward, as libtorch's own leaky ReLU, whose slope tch 0.24 cannot set.
/// `leaky_relu_backward(g, x, slope)` is g where x > 0 and slope·g elsewhere, so with g = x it
/// is the leaky ReLU of x. The mask's argument is detached: autograd then differentiates
/// through `g` alone, where the derivative is the same kernel again (the mask's own derivative
/// is 0 almost everywhere, which libtorch writes as a tensor of zeros it would add).
/// BENCHMARKS.md measures this against the forms used before.
fn leaky_relu(x: &Tensor, slope: f64) -> Tensor {
    x.detach().leaky_relu_backward(x, slope, false)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use tch::{Device, Kind};

    fn config(side: i64, channels: i64) -> DcganConfig {
        DcganConfig {
            noise_dim: 10,
            channels,
            side,
            gen_width: 8,
            critic_width: 8,
            gen_batch_norm: true,
            critic_norm: CriticNorm::Layer,
            critic_output: CriticOutput::Linear,
            classes: 0,
        }
    }

    #[test]
    fn shapes_for_every_supported_size() {
        let _rng = seeded(0);
        for (side, channels) in [(28, 1), (32, 3), (64, 3), (64, 1)] {
            let vs = nn::VarStore::new(Device::Cpu);
            let config = config(side, channels);
            let generator = DcganGenerator::new(&(vs.root() / "g"), &config).unwrap();
            let critic = DcganCritic::new(&(vs.root() / "c"), &config).unwrap();
            let z = Tensor::randn([3, 10], (Kind::Float, Device::Cpu));
            let images = generator.forward_t(&z, true);
            assert_eq!(images.size(), [3, channels, side, side]);
            assert!(images.abs().max().double_value(&[]) <= 1.0);
            assert_eq!(critic.score(&images).size(), [3]);
        }
    }

    #[test]
    fn unsupported_size_is_bad_input() {
        let _rng = seeded(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let err = DcganGenerator::new(&vs.root(), &config(48, 1)).unwrap_err();
        assert!(err.to_string().contains("28, 32 or 64"), "{err}");
    }

    /// The one-kernel leaky ReLU has the value, gradient and second derivative (through a
    /// gradient penalty) of max(x, 0.2x).
    #[test]
    fn leaky_relu_matches_the_maximum_form_to_second_order() {
        let x = Tensor::from_slice(&[-2.0f64, -0.5, 0.3, 1.7]).set_requires_grad(true);
        let weights = Tensor::from_slice(&[0.7f64, -1.1, 0.4, 2.0]);
        let derivatives = |f: &dyn Fn(&Tensor) -> Tensor| {
            let y = (f(&x).square() * &weights).sum(Kind::Double);
            let g = Tensor::run_backward(&[&y], &[&x], true, true).remove(0);
            let second = Tensor::run_backward(&[g.square().sum(Kind::Double)], &[&x], false, false)
                .remove(0);
            [f(&x).detach(), g.detach(), second]
        };
        let ours = derivatives(&|x| leaky_relu(x, LEAKY_SLOPE));
        let reference = derivatives(&|x| x.maximum(&(x * LEAKY_SLOPE)));
        for (a, b) in ours.iter().zip(&reference) {
            let gap = (a - b).abs().max().double_value(&[]);
            assert!(gap < 1e-12, "{gap}");
        }
        assert!(ours[2].abs().sum(Kind::Double).double_value(&[]) > 1.0);
    }

    /// The critic is per-sample: one image's score does not depend on the rest of the batch
    /// (no batch norm), which the per-sample gradient penalty needs.
    #[test]
    fn critic_scores_are_per_sample() {
        let _rng = seeded(0);
        let vs = nn::VarStore::new(Device::Cpu);
        let critic = DcganCritic::new(&vs.root(), &config(28, 1)).unwrap();
        let batch = Tensor::randn([4, 1, 28, 28], (Kind::Float, Device::Cpu));
        let together = critic.score(&batch);
        let alone = critic.score(&batch.narrow(0, 0, 1));
        let gap = (together.get(0) - alone.get(0)).abs().double_value(&[]);
        assert!(gap < 1e-5, "score changed with the batch by {gap}");
    }
}
