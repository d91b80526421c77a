//! The one training configuration: every option, its default for each loss (SPEC.md §4–5),
//! how a TOML file and command-line flags are merged over those defaults, and validation.
//!
//! Precedence: flags > config file > the chosen loss's defaults. The resolved config is
//! written into each run folder as `config.toml` and can be run again with `--config`.

use std::fs::File;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// The largest config file read (256 KiB); the ones lsgan writes are about 1.5 KB.
pub const MAX_CONFIG_BYTES: u64 = 256 << 10;
/// The largest `batch_size`.
pub const MAX_BATCH_SIZE: u64 = 65_536;
/// The largest `noise_dim`.
pub const MAX_NOISE_DIM: u64 = 4096;
/// The largest `gen_width` and `critic_width` (MLP units; DCGAN base channels).
pub const MAX_WIDTH: u64 = 4096;
/// The largest `gen_depth` and `critic_depth`.
pub const MAX_DEPTH: u64 = 64;
/// The largest `critic_steps`.
pub const MAX_CRITIC_STEPS: u64 = 1000;
/// The largest `eval_samples` (the toy metrics' energy distance holds an n×n matrix).
pub const MAX_EVAL_SAMPLES: u64 = 20_000;
/// The largest `threads`.
pub const MAX_THREADS: u64 = 1024;

/// Which critic/generator objective pair to train with (SPEC.md §2–4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LossKind {
    /// Loss-Sensitive GAN: hinge on the margin, zero-centred gradient penalty on real data.
    Lsgan,
    /// Generalised LS-GAN: the hinge replaced by max(a, ν·a).
    Glsgan,
    /// WGAN with weight clipping.
    Wgan,
    /// WGAN-GP: gradient penalty on interpolates, centred at 1.
    WganGp,
    /// Standard non-saturating GAN, the critic's output used as a logit.
    Gan,
}

impl LossKind {
    /// Every loss, in the order reports list them.
    pub const ALL: [LossKind; 5] = [
        LossKind::Lsgan,
        LossKind::Glsgan,
        LossKind::Wgan,
        LossKind::WganGp,
        LossKind::Gan,
    ];

    /// The name used on the command line and in files.
    pub fn name(self) -> &'static str {
        match self {
            LossKind::Lsgan => "lsgan",
            LossKind::Glsgan => "glsgan",
            LossKind::Wgan => "wgan",
            LossKind::WganGp => "wgan-gp",
            LossKind::Gan => "gan",
        }
    }
}

/// The distance inside the margin Δ(x, y) = τ · dist(x, y).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum MarginDistance {
    /// Σ_j |x_j − y_j|
    L1,
    /// ‖x − y‖₂
    L2,
}

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

/// Optimiser for both networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum OptimizerKind {
    Adam,
    Rmsprop,
}

/// How the learning rates change over the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LrSchedule {
    /// The configured rates throughout.
    Constant,
    /// From the configured rates at the first iteration linearly down to 0 at the last.
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

/// The arithmetic of the networks' forward and backward passes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// float32 throughout.
    #[default]
    Fp32,
    /// Mixed: matrix products and convolutions in bfloat16 under libtorch's autocast;
    /// weights, gradients, optimiser state and objectives in float32 (`train::precision`).
    Bf16,
}

/// Where tensors live.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum DeviceChoice {
    Cpu,
    Cuda,
    /// CUDA when available, else CPU.
    Auto,
}

/// Every training option. Field names are the TOML keys and, with `-` for `_`, the flags.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainConfig {
    /// `ring`, `grid`, the path of a CSV file with two numbers per line, `mnist`,
    /// `fashion-mnist`, `cifar10`, or a folder of images.
    pub data: String,
    /// Where image datasets are looked for; empty: the per-user cache.
    pub data_dir: String,
    /// Side of the (square) images the networks make; 0: the dataset's own (64 for folders).
    pub image_size: usize,
    /// 1 (grayscale) or 3 (RGB); 0: the dataset's own (3 for folders).
    pub image_channels: usize,
    pub loss: LossKind,
    /// Generator steps.
    pub iters: u64,
    pub seed: u64,
    pub batch_size: usize,
    pub noise: NoiseKind,
    pub noise_dim: usize,
    pub gen_width: usize,
    pub gen_depth: usize,
    pub critic_width: usize,
    pub critic_depth: usize,
    /// Hidden activation of the MLPs (the DCGAN nets use ReLU / leaky ReLU).
    pub activation: Activation,
    pub critic_output: CriticOutput,
    /// Added to the initial bias of the critic's last layer (MLP critics). A positive value
    /// starts a ReLU output alive on every input (EXPERIMENTS.md, "seeds").
    pub critic_output_bias: f64,
    /// Batch norm in the DCGAN generator.
    pub gen_batch_norm: bool,
    /// Normalisation in the DCGAN critic.
    pub critic_norm: CriticNorm,
    pub optimizer: OptimizerKind,
    pub lr_generator: f64,
    pub lr_critic: f64,
    pub lr_schedule: LrSchedule,
    /// Adam's β1 (unused by RMSProp).
    pub beta1: f64,
    /// Adam's β2 (unused by RMSProp).
    pub beta2: f64,
    /// Critic steps per generator step.
    pub critic_steps: usize,
    /// Δ's distance (LS-GAN, GLS-GAN).
    pub margin: MarginDistance,
    /// τ in Δ(x, y) = τ · dist(x, y).
    pub margin_scale: f64,
    /// λ, the weight of the mean hinge.
    pub hinge_weight: f64,
    /// The weight of mean L(x) in the critic objective (0 in the author's code).
    pub real_weight: f64,
    /// γ: zero-centred penalty on real data (LS-GAN, GLS-GAN, WGAN, GAN as R1), or the
    /// interpolate penalty centred at 1 (WGAN-GP).
    pub penalty_weight: f64,
    /// Lazy regularisation: the penalty on every k-th critic step only, with weight k·γ
    /// (Karras et al. 2020, StyleGAN2); 1 computes it on every critic step. Absent from run
    /// folders written before it existed.
    #[serde(default = "every_critic_step")]
    pub penalty_every: u64,
    /// L2 weight decay on the critic's parameters.
    pub weight_decay: f64,
    /// ν in GLS-GAN's cost max(a, ν·a).
    pub glsgan_slope: f64,
    /// c: WGAN clips critic weights to [−c, c] after each step.
    pub clip: f64,
    /// Decay of the exponential moving average of the generator's weights (e.g. 0.999), used
    /// for samples and metrics; 0 turns it off.
    pub ema_decay: f64,
    /// Log losses and metrics every this many iterations.
    pub log_every: u64,
    /// Write a sample grid (images) every this many iterations; 0: only the final one.
    pub sample_every: u64,
    /// Write a checkpoint every this many iterations; 0: only at the end or on Ctrl-C.
    pub checkpoint_every: u64,
    /// Generated points used for the toy metrics.
    pub eval_samples: usize,
    pub device: DeviceChoice,
    /// CPU threads for libtorch; 0 keeps libtorch's choice.
    pub threads: usize,
    /// fp32, or bf16 mixed precision. Absent from run folders written before it existed.
    #[serde(default)]
    pub precision: Precision,
}

/// `penalty_every`'s default, also in a run folder written before the option existed.
fn every_critic_step() -> u64 {
    1
}

impl Default for TrainConfig {
    fn default() -> Self {
        TrainConfig::defaults_for(LossKind::Lsgan)
    }
}

impl TrainConfig {
    /// The defaults for `loss`: the shared toy setting of SPEC.md §5 plus the loss's own
    /// optimiser, critic steps and regulariser (SPEC.md §4). LS-GAN's were picked by
    /// measurement (EXPERIMENTS.md).
    pub fn defaults_for(loss: LossKind) -> Self {
        let mut config = TrainConfig {
            data: "ring".into(),
            data_dir: String::new(),
            image_size: 0,
            image_channels: 0,
            loss,
            iters: 3000,
            seed: 0,
            batch_size: 256,
            noise: NoiseKind::Normal,
            noise_dim: 2,
            gen_width: 512,
            gen_depth: 3,
            critic_width: 512,
            critic_depth: 3,
            activation: Activation::Relu,
            critic_output: CriticOutput::Linear,
            critic_output_bias: 0.0,
            gen_batch_norm: true,
            critic_norm: CriticNorm::Layer,
            optimizer: OptimizerKind::Adam,
            lr_generator: 1e-4,
            lr_critic: 1e-4,
            lr_schedule: LrSchedule::Linear,
            beta1: 0.5,
            beta2: 0.9,
            critic_steps: 1,
            margin: MarginDistance::L1,
            margin_scale: 1.0,
            hinge_weight: 1.0,
            real_weight: 0.0,
            penalty_weight: 0.0,
            penalty_every: every_critic_step(),
            weight_decay: 0.0,
            glsgan_slope: 0.5,
            clip: 0.01,
            ema_decay: 0.0,
            log_every: 100,
            sample_every: 0,
            checkpoint_every: 500,
            eval_samples: 2500,
            device: DeviceChoice::Cpu,
            threads: 0,
            precision: Precision::Fp32,
        };
        match loss {
            LossKind::Lsgan | LossKind::Glsgan => {
                config.critic_output = CriticOutput::Relu;
                // Starts the ReLU output alive where the first fakes are: without it the
                // critic died at once on half the seeds (EXPERIMENTS.md, "Seeds").
                config.critic_output_bias = 1.0;
                config.penalty_weight = 0.1;
            }
            LossKind::Wgan => {
                config.optimizer = OptimizerKind::Rmsprop;
                config.lr_generator = 5e-5;
                config.lr_critic = 5e-5;
                config.critic_steps = 5;
            }
            LossKind::WganGp => {
                config.critic_steps = 5;
                config.penalty_weight = 10.0;
            }
            LossKind::Gan => {}
        }
        config
    }

    /// The defaults for `loss` on `data`: [`TrainConfig::defaults_for`] for 2-D points; for
    /// image data the DCGAN setting of SPEC.md §5 (batch 64, uniform noise of dimension 100,
    /// Adam 1e-4 with β1 = 0.5, l1 margin with τ = 0.0002) with each loss's own optimiser,
    /// critic steps and regulariser.
    pub fn defaults_for_data(loss: LossKind, data: &str) -> Self {
        let mut config = TrainConfig::defaults_for(loss);
        config.data = data.to_string();
        if data == "grid" && loss == LossKind::Lsgan {
            // With one critic step per generator step LS-GAN's critic went flat on every
            // grid seed tried (0 of 3 alive); with five it stayed alive on all three, where
            // a smaller margin or a faster critic saved two (EXPERIMENTS.md, "The grid").
            config.critic_steps = 5;
        }
        if !is_image_data(data) {
            return config;
        }
        config.batch_size = 64;
        config.noise = NoiseKind::Uniform;
        config.noise_dim = 100;
        config.gen_width = 64;
        config.critic_width = 64;
        config.lr_schedule = LrSchedule::Constant;
        config.beta2 = 0.999;
        config.margin_scale = 0.0002;
        config.iters = 3000;
        config.log_every = 250;
        config.sample_every = 250;
        config.eval_samples = 1000;
        config.ema_decay = 0.999;
        match loss {
            LossKind::Lsgan | LossKind::Glsgan => {
                config.weight_decay = 5e-5;
                // A ReLU output died within 20 DCGAN steps on MNIST (L = 0 everywhere, no
                // gradient left); LS-GAN's softplus output kept L ≥ 0 and stayed alive on
                // every seed. GLS-GAN's slope past the margin sank a softplus output to L ≈ 0
                // on 5 draws of 7, and a linear output on none of 4 (EXPERIMENTS.md).
                config.critic_output = match loss {
                    LossKind::Glsgan => CriticOutput::Linear,
                    _ => CriticOutput::Softplus,
                };
                // The output bias is an MLP critic's ReLU's.
                config.critic_output_bias = 0.0;
            }
            LossKind::WganGp => config.beta2 = 0.9,
            LossKind::Wgan | LossKind::Gan => {}
        }
        config
    }

    /// True when the data is images (and so the networks are DCGAN).
    pub fn is_image_data(&self) -> bool {
        is_image_data(&self.data)
    }

    /// Resolves the configuration: the loss's defaults, then `file` (a TOML file), then
    /// `overrides` (from flags). Unknown keys, wrong types and out-of-range values are
    /// [`Error::BadInput`] naming the file and key.
    pub fn resolve(file: Option<&Path>, overrides: toml::Table) -> Result<Self> {
        let mut given = match file {
            Some(path) => read_toml_table(path)?,
            None => toml::Table::new(),
        };
        let origin = |key: &str| -> String {
            match file {
                Some(path) if !overrides.contains_key(key) => {
                    format!("{}: key {}", path.display(), shown_key(key))
                }
                _ => format!("option --{}", key.replace('_', "-")),
            }
        };
        given.extend(overrides.clone());

        let loss = match given.get("loss") {
            None => LossKind::Lsgan,
            Some(value) => LossKind::deserialize(value.clone()).map_err(|e| {
                Error::bad_input(format!("{}: {}", origin("loss"), escaped(e.message())))
            })?,
        };
        let data = match given.get("data") {
            None => "ring".to_string(),
            Some(value) => String::deserialize(value.clone()).map_err(|e| {
                Error::bad_input(format!("{}: {}", origin("data"), escaped(e.message())))
            })?,
        };
        let defaults = toml::Table::try_from(TrainConfig::defaults_for_data(loss, &data))
            .map_err(|e| Error::bad_input(format!("internal: defaults do not serialise: {e}")))?;

        // One key at a time over the defaults, so that an error names its key.
        for (key, value) in &given {
            if !defaults.contains_key(key) {
                let known: Vec<&str> = defaults.keys().map(String::as_str).collect();
                return Err(Error::bad_input(format!(
                    "{}: unknown key (known keys: {})",
                    origin(key),
                    known.join(", ")
                )));
            }
            let mut single = defaults.clone();
            single.insert(key.clone(), value.clone());
            if let Err(e) = TrainConfig::deserialize(single) {
                return Err(Error::bad_input(format!(
                    "{}: {}",
                    origin(key),
                    escaped(e.message())
                )));
            }
        }
        let mut merged = defaults;
        merged.extend(given);
        let config = TrainConfig::deserialize(merged).map_err(|e| {
            Error::bad_input(format!("invalid configuration: {}", escaped(e.message())))
        })?;
        config.validate().map_err(|(key, expected)| {
            let value = config.value_of(key);
            Error::bad_input(format!("{}: expected {expected}, got {value}", origin(key)))
        })?;
        Ok(config)
    }

    /// Checks ranges. On failure returns the key and what it should be.
    ///
    /// Sizes have upper bounds as well as lower ones: each bound is far above any setting
    /// that trains well, and keeps a typo (three zeros too many) from making libtorch try to
    /// allocate terabytes.
    pub fn validate(&self) -> std::result::Result<(), (&'static str, &'static str)> {
        const AT_LEAST_1: &str = "a whole number of at least 1";
        let counts = [
            ("iters", self.iters, u64::MAX, AT_LEAST_1),
            (
                "batch_size",
                self.batch_size as u64,
                MAX_BATCH_SIZE,
                "a whole number of at least 1 and at most 65536",
            ),
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
            (
                "critic_steps",
                self.critic_steps as u64,
                MAX_CRITIC_STEPS,
                "a whole number of at least 1 and at most 1000",
            ),
            ("penalty_every", self.penalty_every, u64::MAX, AT_LEAST_1),
            ("log_every", self.log_every, u64::MAX, AT_LEAST_1),
            (
                "eval_samples",
                self.eval_samples as u64,
                MAX_EVAL_SAMPLES,
                "a whole number of at least 1 and at most 20000",
            ),
        ];
        for (key, value, max, expected) in counts {
            if value == 0 || value > max {
                return Err((key, expected));
            }
        }
        if self.threads as u64 > MAX_THREADS {
            return Err((
                "threads",
                "a whole number of at most 1024 (0 keeps libtorch's choice)",
            ));
        }
        if !self.critic_output_bias.is_finite() {
            return Err(("critic_output_bias", "a finite number"));
        }
        let positive_reals = [
            ("lr_generator", self.lr_generator),
            ("lr_critic", self.lr_critic),
            ("margin_scale", self.margin_scale),
            ("clip", self.clip),
        ];
        for (key, value) in positive_reals {
            if !(value.is_finite() && value > 0.0) {
                return Err((key, "a finite number greater than 0"));
            }
        }
        let non_negative = [
            ("hinge_weight", self.hinge_weight),
            ("real_weight", self.real_weight),
            ("penalty_weight", self.penalty_weight),
            ("weight_decay", self.weight_decay),
        ];
        for (key, value) in non_negative {
            if !(value.is_finite() && value >= 0.0) {
                return Err((key, "a finite number of at least 0"));
            }
        }
        for (key, value) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&value) {
                return Err((key, "a number in [0, 1)"));
            }
        }
        if !(self.ema_decay.is_finite() && (0.0..1.0).contains(&self.ema_decay)) {
            return Err(("ema_decay", "a number in [0, 1) (0 turns the average off)"));
        }
        if !matches!(self.image_channels, 0 | 1 | 3) {
            return Err((
                "image_channels",
                "1 (grayscale) or 3 (RGB), or 0 for the dataset's own",
            ));
        }
        if !matches!(self.image_size, 0 | 28 | 32 | 64) {
            return Err((
                "image_size",
                "28, 32 or 64 (the DCGAN sizes), or 0 for the dataset's own",
            ));
        }
        if !(self.glsgan_slope.is_finite() && self.glsgan_slope <= 1.0) {
            return Err(("glsgan_slope", "a finite number of at most 1"));
        }
        if self.data.trim().is_empty() {
            return Err((
                "data",
                "`ring`, `grid`, a CSV file, `mnist`, `fashion-mnist`, `cifar10` or an image folder",
            ));
        }
        Ok(())
    }

    /// The value of `key` as TOML would write it, on one line (for error messages).
    fn value_of(&self, key: &str) -> String {
        match toml::Table::try_from(self)
            .ok()
            .and_then(|mut table| table.remove(key))
        {
            Some(toml::Value::String(text)) => format!("{text:?}"),
            Some(value) => escaped(&value.to_string()),
            None => "?".into(),
        }
    }

    /// The configuration as a TOML document, the form written into run folders.
    pub fn to_toml(&self) -> String {
        toml::to_string(self).unwrap_or_default()
    }

    /// Reads a configuration written by [`TrainConfig::to_toml`] (or by a user) with no
    /// overrides.
    pub fn from_file(path: &Path) -> Result<Self> {
        TrainConfig::resolve(Some(path), toml::Table::new())
    }
}

/// `mnist`, `fashion-mnist`, `cifar10` or an existing folder.
pub fn is_image_data(data: &str) -> bool {
    crate::data::images::ImageDataset::from_spec(data).is_some()
}

/// `key` as an error message shows it: `` `key` `` for a bare key, quoted and escaped
/// otherwise, so that a key holding a newline cannot break the message's one line.
fn shown_key(key: &str) -> String {
    let bare = !key.is_empty()
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if bare {
        format!("`{key}`")
    } else {
        format!("`{key:?}`")
    }
}

/// A message quoting a value on one line: control characters (a newline in a string the
/// user wrote) escaped.
fn escaped(message: &str) -> String {
    let mut text = String::with_capacity(message.len());
    for c in message.chars() {
        if c.is_control() {
            text.extend(c.escape_default());
        } else {
            text.push(c);
        }
    }
    text
}

/// A TOML syntax error's explanation on one line: its lines joined with "; ".
fn one_line(message: &str) -> String {
    message
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .collect::<Vec<_>>()
        .join("; ")
}

/// The 1-based line and column (in characters) of byte `offset` of `text`.
fn line_and_column(text: &[u8], offset: usize) -> (usize, usize) {
    let before = &text[..offset.min(text.len())];
    let line_start = before
        .iter()
        .rposition(|&b| b == b'\n')
        .map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&before[line_start..])
        .chars()
        .count();
    (
        1 + before.iter().filter(|&&b| b == b'\n').count(),
        1 + column,
    )
}

/// The key/value table of a TOML file; errors are one line naming the file and, for a
/// syntax error, the line and column.
fn read_toml_table(path: &Path) -> Result<toml::Table> {
    let cannot_read = |e: std::io::Error| {
        Error::bad_input(format!("cannot read config file {}: {e}", path.display()))
    };
    let file = File::open(path).map_err(cannot_read)?;
    let size = file.metadata().map_err(cannot_read)?.len();
    let too_big = |size: u64| {
        Error::bad_input(format!(
            "{}: {size} bytes is more than the {MAX_CONFIG_BYTES} bytes lsgan reads from a \
             config file; expected a TOML file of `key = value` lines",
            path.display()
        ))
    };
    if size > MAX_CONFIG_BYTES {
        return Err(too_big(size));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    file.take(MAX_CONFIG_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot_read)?;
    if bytes.len() as u64 > MAX_CONFIG_BYTES {
        return Err(too_big(bytes.len() as u64));
    }
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        let (line, column) = line_and_column(&bytes, e.valid_up_to());
        Error::bad_input(format!(
            "{}:{line}:{column}: not UTF-8 text; expected a TOML file",
            path.display()
        ))
    })?;
    text.parse::<toml::Table>().map_err(|e| {
        let position = e.span().map_or(String::new(), |span| {
            let (line, column) = line_and_column(text.as_bytes(), span.start);
            format!("{line}:{column}:")
        });
        Error::bad_input(format!(
            "{}:{position} not valid TOML: {}",
            path.display(),
            one_line(e.message())
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn overrides(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    #[test]
    fn defaults_depend_on_the_loss() {
        let wgan = TrainConfig::defaults_for(LossKind::Wgan);
        assert_eq!(wgan.optimizer, OptimizerKind::Rmsprop);
        assert_eq!(wgan.critic_steps, 5);
        assert_eq!(
            TrainConfig::defaults_for(LossKind::WganGp).penalty_weight,
            10.0
        );
        assert_eq!(
            TrainConfig::defaults_for(LossKind::Lsgan).critic_output,
            CriticOutput::Relu
        );
    }

    /// On images LS-GAN's critic ends in a softplus and GLS-GAN's in nothing (its softplus
    /// sank on MNIST: EXPERIMENTS.md); neither keeps the MLP's ReLU bias.
    #[test]
    fn image_defaults_choose_the_critic_output_per_loss() {
        let output = |loss| TrainConfig::defaults_for_data(loss, "mnist");
        assert_eq!(
            output(LossKind::Lsgan).critic_output,
            CriticOutput::Softplus
        );
        assert_eq!(output(LossKind::Glsgan).critic_output, CriticOutput::Linear);
        assert_eq!(output(LossKind::Glsgan).critic_output_bias, 0.0);
        assert_eq!(
            TrainConfig::defaults_for_data(LossKind::Glsgan, "ring").critic_output,
            CriticOutput::Relu
        );
    }

    /// LS-GAN's critic takes five steps per generator step on the grid (one died on every
    /// seed there), one on the ring; other losses keep their own on both.
    #[test]
    fn lsgan_takes_five_critic_steps_on_the_grid_only() {
        let steps = |loss, data| TrainConfig::defaults_for_data(loss, data).critic_steps;
        assert_eq!(steps(LossKind::Lsgan, "grid"), 5);
        assert_eq!(steps(LossKind::Lsgan, "ring"), 1);
        assert_eq!(steps(LossKind::Glsgan, "grid"), 1);
        assert_eq!(steps(LossKind::WganGp, "grid"), 5);
    }

    #[test]
    fn flags_override_file_and_file_overrides_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "loss = \"wgan-gp\"\niters = 7\nseed = 3\n").unwrap();
        let config = TrainConfig::resolve(Some(&path), overrides("seed = 9")).unwrap();
        assert_eq!(config.loss, LossKind::WganGp);
        assert_eq!(config.iters, 7);
        assert_eq!(config.seed, 9);
        assert_eq!(config.critic_steps, 5, "the file's loss picks the defaults");
    }

    #[test]
    fn written_config_reads_back_identically() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        let mut config = TrainConfig::defaults_for(LossKind::Glsgan);
        config.glsgan_slope = -1.0;
        config.data = "points.csv".into();
        std::fs::write(&path, config.to_toml()).unwrap();
        assert_eq!(TrainConfig::from_file(&path).unwrap(), config);
    }

    #[test]
    fn a_config_written_before_the_later_options_reads_with_their_defaults() {
        let mut config = TrainConfig::defaults_for(LossKind::Lsgan);
        (config.precision, config.penalty_every) = (Precision::Bf16, 4);
        let text = config.to_toml();
        let later = ["precision = \"bf16\"", "penalty_every = 4"];
        assert!(later.iter().all(|line| text.contains(line)), "{text}");
        let older: String = text
            .lines()
            .filter(|line| !line.starts_with("precision") && !line.starts_with("penalty_every"))
            .map(|line| format!("{line}\n"))
            .collect();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, older).unwrap();
        let read = TrainConfig::from_file(&path).unwrap();
        assert_eq!((read.precision, read.penalty_every), (Precision::Fp32, 1));
    }

    #[test]
    fn errors_name_the_key() {
        let err = |text: &str| {
            TrainConfig::resolve(None, overrides(text))
                .unwrap_err()
                .to_string()
        };
        assert!(
            err("hinge_weight = -1.0").contains("--hinge-weight"),
            "{}",
            err("hinge_weight = -1.0")
        );
        assert!(err("batch_size = 0").contains("--batch-size"));
        assert!(err("loss = \"lsq\"").contains("--loss"));
        assert!(
            err("loss = \"lsq\"").contains("wgan-gp"),
            "lists the valid losses"
        );
        assert!(err("colour = 1").contains("unknown"));
    }

    #[test]
    fn size_bounds_match_their_messages() {
        for (key, max) in [
            ("batch_size", MAX_BATCH_SIZE),
            ("noise_dim", MAX_NOISE_DIM),
            ("gen_width", MAX_WIDTH),
            ("critic_width", MAX_WIDTH),
            ("gen_depth", MAX_DEPTH),
            ("critic_depth", MAX_DEPTH),
            ("critic_steps", MAX_CRITIC_STEPS),
            ("eval_samples", MAX_EVAL_SAMPLES),
            ("threads", MAX_THREADS),
        ] {
            TrainConfig::resolve(None, overrides(&format!("{key} = {max}")))
                .unwrap_or_else(|e| panic!("{key} = {max}: {e}"));
            let message = TrainConfig::resolve(None, overrides(&format!("{key} = {}", max + 1)))
                .unwrap_err()
                .to_string();
            assert!(
                message.contains(&format!("--{}", key.replace('_', "-")))
                    && message.contains(&format!("at most {max}")),
                "{message}"
            );
        }
    }

    #[test]
    fn newlines_in_keys_and_values_are_escaped() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        for (text, shown) in [
            ("\"a\\nb\" = 1\n", "key `\"a\\nb\"`: unknown key"),
            ("device = \"a\\nb\"\n", "unknown variant `a\\nb`"),
            ("data = \"\\n\"\n", "got \"\\n\""),
        ] {
            std::fs::write(&path, text).unwrap();
            let message = TrainConfig::from_file(&path).unwrap_err().to_string();
            assert!(!message.contains('\n'), "{message}");
            assert!(message.contains(shown), "expected {shown} in {message}");
        }
    }

    #[test]
    fn file_errors_name_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bad.toml");
        std::fs::write(&path, "iters = \"many\"\n").unwrap();
        let message = TrainConfig::from_file(&path).unwrap_err().to_string();
        assert!(
            message.contains("bad.toml") && message.contains("`iters`"),
            "{message}"
        );
        let missing = TrainConfig::from_file(&dir.path().join("none.toml")).unwrap_err();
        assert!(matches!(missing, Error::BadInput(_)));
        assert!(missing.to_string().contains("none.toml"));
    }
}
