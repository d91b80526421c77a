//! The networks section of the configuration: the generator's noise and both networks'
//! sizes and activations (MLPs for points, DCGAN for images).

use serde::{Deserialize, Serialize};

/// The largest `noise_dim`.
pub const MAX_NOISE_DIM: u64 = 4096;
/// The largest `gen_width` and `critic_width` (MLP units; DCGAN base channels).
pub const MAX_WIDTH: u64 = 4096;
/// The largest `gen_depth` and `critic_depth`.
pub const MAX_DEPTH: u64 = 64;

/// The distribution of the generator's input noise z.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum NoiseKind {
    /// Uniform on [−1, 1]^k.
    Uniform,
    /// Standard normal N(0, I_k).
    Normal,
}

/// Hidden-layer activation of the MLPs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Activation {
    Relu,
    LeakyRelu,
    Tanh,
}

/// The last activation of the critic, L(x) = out(h(x)).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CriticOutput {
    /// max(0, ·): L is non-negative, as in the author's LS-GAN code.
    Relu,
    /// log(1 + e^·): non-negative and smooth.
    Softplus,
    /// No activation: the WGAN critic f and the GAN logit.
    Linear,
}

/// Normalisation inside the convolutional critic (never batch norm: the gradient penalty is
/// per sample).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum CriticNorm {
    /// Layer norm over channels × height × width, per sample.
    Layer,
    None,
}

/// The generator's noise and both networks' shapes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct NetworkOptions {
    /// The distribution of the generator's input noise.
    #[arg(long, value_enum)]
    pub noise: NoiseKind,
    /// The dimension of the generator's input noise.
    #[arg(long)]
    pub noise_dim: usize,
    /// Generator width (MLP units per hidden layer; DCGAN base channels).
    #[arg(long)]
    pub gen_width: usize,
    /// Generator hidden layers (MLP).
    #[arg(long)]
    pub gen_depth: usize,
    /// Critic width (MLP units per hidden layer; DCGAN base channels).
    #[arg(long)]
    pub critic_width: usize,
    /// Critic hidden layers (MLP).
    #[arg(long)]
    pub critic_depth: usize,
    /// Hidden activation of the MLPs (the DCGAN nets use ReLU / leaky ReLU).
    #[arg(long, value_enum)]
    pub activation: Activation,
    /// Last activation of the critic L.
    #[arg(long, value_enum)]
    pub critic_output: CriticOutput,
    /// Added to the initial bias of the critic's last layer (MLP critics). A positive value
    /// starts a ReLU output alive on every input (EXPERIMENTS.md, "Seeds and the dead critic").
    #[arg(long, allow_negative_numbers = true)]
    pub critic_output_bias: f64,
    /// Batch norm in the DCGAN generator (`true` or `false`).
    #[arg(long, action = clap::ArgAction::Set)]
    pub gen_batch_norm: bool,
    /// Normalisation in the DCGAN critic.
    #[arg(long, value_enum)]
    pub critic_norm: CriticNorm,
}

impl NetworkOptions {
    /// Checks ranges; on failure the key and what it should be. Each size bound is far above
    /// any setting that trains well, and keeps a typo from asking for terabytes.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        let counts = [
            (
                "noise_dim",
                self.noise_dim as u64,
                MAX_NOISE_DIM,
                "a whole number of at least 1 and at most 4096",
            ),
            (
                "gen_width",
                self.gen_width as u64,
                MAX_WIDTH,
                "a whole number of at least 1 and at most 4096",
            ),
            (
                "gen_depth",
                self.gen_depth as u64,
                MAX_DEPTH,
                "a whole number of at least 1 and at most 64",
            ),
            (
                "critic_width",
                self.critic_width as u64,
                MAX_WIDTH,
                "a whole number of at least 1 and at most 4096",
            ),
            (
                "critic_depth",
                self.critic_depth as u64,
                MAX_DEPTH,
                "a whole number of at least 1 and at most 64",
            ),
        ];
        check_counts(&counts)?;
        if !self.critic_output_bias.is_finite() {
            return Err(("critic_output_bias", "a finite number"));
        }
        Ok(())
    }
}

/// Each (key, value, max, expected) a whole number in 1..=max, or the first that is not.
pub fn check_counts(
    counts: &[(&'static str, u64, u64, &'static str)],
) -> Result<(), (&'static str, &'static str)> {
    for &(key, value, max, expected) in counts {
        if value == 0 || value > max {
            return Err((key, expected));
        }
    }
    Ok(())
}
