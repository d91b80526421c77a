//! The networks: a generator G_φ(z) and a critic ("loss function") L_θ(x). MLPs for 2-D
//! points (`mlp`), DCGAN convolutional nets for images (`dcgan`); [`Generator`] and
//! [`Critic`] are what the trainer holds, whichever kind the data needs.

pub mod dcgan;
pub mod mlp;
pub mod optim;
pub mod options;

use tch::nn::{self, Module, ModuleT};
use tch::Tensor;

use crate::data::SampleShape;
use crate::error::Result;
use crate::nets::options::CriticOutput;
use crate::nets::options::NetworkOptions;
pub use dcgan::{DcganConfig, DcganCritic, DcganGenerator};
pub use mlp::{Mlp, MlpConfig};

/// A generator network.
#[derive(Debug)]
pub enum Generator {
    Mlp(Mlp),
    Dcgan(DcganGenerator),
}

/// The DCGAN shape of a run whose samples are images.
fn dcgan_config(config: &NetworkOptions, channels: i64, side: i64, classes: i64) -> DcganConfig {
    DcganConfig {
        noise_dim: config.noise_dim as i64,
        channels,
        side,
        gen_width: config.gen_width as i64,
        critic_width: config.critic_width as i64,
        gen_batch_norm: config.gen_batch_norm,
        critic_norm: config.critic_norm,
        critic_output: config.critic_output,
        classes,
    }
}

impl Generator {
    /// The generator `config` asks for, making samples of `shape`, under `path`; conditional
    /// on one of `classes` classes (one-hot appended to z) when `classes` > 0.
    pub fn build(
        path: &nn::Path,
        config: &NetworkOptions,
        shape: SampleShape,
        classes: i64,
    ) -> Result<Self> {
        Ok(match shape {
            SampleShape::Point { dim } => {
                Generator::Mlp(Mlp::new(path, MlpConfig::generator(config, dim)))
            }
            SampleShape::Image { channels, side } => Generator::Dcgan(DcganGenerator::new(
                path,
                &dcgan_config(config, channels, side, classes),
            )?),
        })
    }

    /// G(z); `train` selects batch statistics (training) or running ones (evaluation) in
    /// batch norm, when there is one.
    pub fn forward_t(&self, z: &Tensor, train: bool) -> Tensor {
        match self {
            Generator::Mlp(mlp) => mlp.forward(z),
            Generator::Dcgan(net) => net.forward_t(z, train),
        }
    }
}

/// A critic network: L(x), one number per sample.
#[derive(Debug)]
pub enum Critic {
    Mlp(Mlp),
    Dcgan(DcganCritic),
}

impl Critic {
    /// The critic `config` asks for, scoring samples of `shape`, under `path`; with one output
    /// per class when `classes` > 0.
    pub fn build(
        path: &nn::Path,
        config: &NetworkOptions,
        shape: SampleShape,
        classes: i64,
    ) -> Result<Self> {
        Ok(match shape {
            SampleShape::Point { dim } => {
                Critic::Mlp(Mlp::new(path, MlpConfig::critic(config, dim)))
            }
            SampleShape::Image { channels, side } => Critic::Dcgan(DcganCritic::new(
                path,
                &dcgan_config(config, channels, side, classes),
            )?),
        })
    }

    /// L(x) for each sample of the batch `x`, shape [n].
    pub fn score(&self, x: &Tensor) -> Tensor {
        match self {
            Critic::Mlp(mlp) => mlp.score(x),
            Critic::Dcgan(net) => net.score(x),
        }
    }

    /// The class outputs a_y(x), shape [n, K] (a conditional critic; others give their one
    /// output as [n, 1]).
    pub fn logits(&self, x: &Tensor) -> Tensor {
        match self {
            Critic::Mlp(mlp) => mlp.score(x).unsqueeze(1),
            Critic::Dcgan(net) => net.logits(x),
        }
    }

    /// The last hidden layer's activations [n, D] (what feature matching compares) and the
    /// class outputs [n, K] (as [`Critic::logits`]). An MLP critic has no class outputs: its
    /// input stands for the features, its one output for the logits.
    pub fn features_and_logits(&self, x: &Tensor) -> (Tensor, Tensor) {
        match self {
            Critic::Mlp(mlp) => (x.flatten(1, -1), mlp.score(x).unsqueeze(1)),
            Critic::Dcgan(net) => net.features_and_logits(x),
        }
    }
}

/// The generator's input for classes `labels` (i64 [n]) of `classes`: z [n, k] with the
/// class one-hot appended, [n, k + classes].
pub fn conditional_input(z: &Tensor, labels: &Tensor, classes: i64) -> Tensor {
    let one_hot = labels.one_hot(classes).to_kind(z.kind());
    Tensor::cat(&[z, &one_hot], 1)
}

/// The critic's last activation (docs/FORMULAS.md#ls-gan: ReLU keeps L non-negative).
pub fn apply_output(out: &Tensor, output: CriticOutput) -> Tensor {
    match output {
        CriticOutput::Linear => out.shallow_clone(),
        CriticOutput::Relu => out.relu(),
        CriticOutput::Softplus => out.softplus(),
    }
}
