//! The training's own sections of the configuration: the optimiser and its schedule, the
//! budget, what the run writes and when, and where and how it runs.

use serde::{Deserialize, Serialize};

use crate::nets::optim::OptimizerKind;
use crate::nets::options::check_counts;

/// The largest `batch_size`.
pub const MAX_BATCH_SIZE: u64 = 65_536;
/// The largest `critic_steps`.
pub const MAX_CRITIC_STEPS: u64 = 1000;
/// The largest `eval_samples` (the toy metrics' energy distance holds an n×n matrix).
pub const MAX_EVAL_SAMPLES: u64 = 20_000;
/// The largest `threads`.
pub const MAX_THREADS: u64 = 1024;

/// How the learning rates change over the run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum LrSchedule {
    /// The configured rates throughout.
    Constant,
    /// From the configured rates at the first iteration linearly down to 0 at the last.
    Linear,
}

/// The arithmetic of the networks' forward and backward passes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Precision {
    /// float32 throughout.
    #[default]
    Fp32,
    /// Mixed: matrix products and convolutions in bfloat16 under libtorch's autocast;
    /// weights, gradients, optimiser state and objectives in float32.
    Bf16,
}

impl Precision {
    /// The name in files and on the terminal: `fp32` or `bf16`.
    pub fn name(self) -> &'static str {
        match self {
            Precision::Fp32 => "fp32",
            Precision::Bf16 => "bf16",
        }
    }
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

/// The optimiser, its rates and schedule, and the batches it steps on.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct OptimiserOptions {
    /// Pairs (real, generated) per step (`--batch` also works).
    #[arg(long, alias = "batch")]
    pub batch_size: usize,
    /// The optimiser of both networks.
    #[arg(long, value_enum)]
    pub optimizer: OptimizerKind,
    /// The generator's learning rate (at the first iteration, under a linear schedule).
    #[arg(long, allow_negative_numbers = true)]
    pub lr_generator: f64,
    /// The critic's learning rate (at the first iteration, under a linear schedule).
    #[arg(long, allow_negative_numbers = true)]
    pub lr_critic: f64,
    /// `linear`: learning rates fall linearly to 0 over the run; `constant`.
    #[arg(long, value_enum)]
    pub lr_schedule: LrSchedule,
    /// Adam's β1 (unused by RMSProp).
    #[arg(long, allow_negative_numbers = true)]
    pub beta1: f64,
    /// Adam's β2 (unused by RMSProp).
    #[arg(long, allow_negative_numbers = true)]
    pub beta2: f64,
    /// Critic steps per generator step.
    #[arg(long)]
    pub critic_steps: usize,
    /// L2 weight decay on the critic's parameters.
    #[arg(long, allow_negative_numbers = true)]
    pub weight_decay: f64,
    /// Decay of the exponential moving average of the generator's weights (e.g. 0.999), used
    /// for samples and metrics, and of a conditional run's critic, used to classify; 0 turns
    /// them off.
    #[arg(long, allow_negative_numbers = true)]
    pub ema_decay: f64,
}

impl OptimiserOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        check_counts(&[
            (
                "batch_size",
                self.batch_size as u64,
                MAX_BATCH_SIZE,
                "a whole number of at least 1 and at most 65536",
            ),
            (
                "critic_steps",
                self.critic_steps as u64,
                MAX_CRITIC_STEPS,
                "a whole number of at least 1 and at most 1000",
            ),
        ])?;
        for (key, value) in [
            ("lr_generator", self.lr_generator),
            ("lr_critic", self.lr_critic),
        ] {
            if !(value.is_finite() && value > 0.0) {
                return Err((key, "a finite number greater than 0"));
            }
        }
        if !(self.weight_decay.is_finite() && self.weight_decay >= 0.0) {
            return Err(("weight_decay", "a finite number of at least 0"));
        }
        for (key, value) in [("beta1", self.beta1), ("beta2", self.beta2)] {
            if !(0.0..1.0).contains(&value) {
                return Err((key, "a number in [0, 1)"));
            }
        }
        if !(self.ema_decay.is_finite() && (0.0..1.0).contains(&self.ema_decay)) {
            return Err(("ema_decay", "a number in [0, 1) (0 turns the average off)"));
        }
        Ok(())
    }
}

/// How long the run trains.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct BudgetOptions {
    /// Generator steps.
    #[arg(long)]
    pub iters: u64,
    /// Wall-clock budget in seconds (0: none): training stops at the first iteration that
    /// reaches it, and the run is finished and evaluated there, as if its iterations were
    /// done; `final_metrics.json` records how many were.
    #[arg(long, value_name = "SECONDS", allow_negative_numbers = true)]
    // Run folders written before the option lack the key: no budget, as they trained.
    #[serde(default)]
    pub time_budget: f64,
    /// Critic steps in all (0: none): training stops at the first iteration that reaches
    /// them, as with the time budget; with `critic_steps` 5 a budget of 15000 is 3000
    /// generator steps. Compares losses at equal critic work.
    #[arg(long, value_name = "STEPS")]
    // Run folders written before the option lack the key: no budget, as they trained.
    #[serde(default)]
    pub critic_budget: u64,
}

impl BudgetOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        check_counts(&[(
            "iters",
            self.iters,
            u64::MAX,
            "a whole number of at least 1",
        )])?;
        if !(self.time_budget.is_finite() && self.time_budget >= 0.0) {
            return Err((
                "time_budget",
                "a finite number of seconds of at least 0 (0: no budget)",
            ));
        }
        Ok(())
    }

    /// Whether `seconds` of training have used up the time budget.
    pub fn time_is_up(&self, seconds: f64) -> bool {
        self.time_budget > 0.0 && seconds >= self.time_budget
    }

    /// Whether `critic_steps` critic steps in all have used up the critic budget.
    pub fn critic_steps_are_up(&self, critic_steps: u64) -> bool {
        self.critic_budget > 0 && critic_steps >= self.critic_budget
    }

    /// The budget in words: "3000 iterations", with "or 600 s" and "or 15000 critic steps"
    /// where those are set.
    pub fn describe(&self) -> String {
        let mut text = format!("{} iterations", self.iters);
        if self.time_budget > 0.0 {
            text += &format!(" or {} s", self.time_budget);
        }
        if self.critic_budget > 0 {
            text += &format!(" or {} critic steps", self.critic_budget);
        }
        text
    }
}

/// What the run writes, and how often.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct OutputOptions {
    /// Log losses and metrics every this many iterations.
    #[arg(long)]
    pub log_every: u64,
    /// Draw the samples every this many iterations into samples/ and TensorBoard (images:
    /// the grid of the fixed noise; 2-D points: the critic's landscape under them); 0: only
    /// the final picture.
    #[arg(long)]
    pub sample_every: u64,
    /// Write a checkpoint every this many iterations; 0: only at the end or on Ctrl-C.
    #[arg(long)]
    pub checkpoint_every: u64,
    /// Generated points (or images) for each evaluation, against as many real ones; also
    /// the images `lsgan evaluate` and `lsgan compare` measure.
    #[arg(long)]
    pub eval_samples: usize,
    /// Image runs on MNIST or Fashion-MNIST: measure FID, KID, precision/recall and the
    /// classes covered in the data set's classifier space at each logged line (needs `lsgan
    /// train-classifier --data D` once).
    #[arg(long, action = clap::ArgAction::Set)]
    pub log_fid: bool,
    /// Write TensorBoard event files into the run folder as it trains: every logged line's
    /// numbers, the pictures of each sample interval and these options (`tensorboard
    /// --logdir` on the folder, or on a comparison's, shows them live).
    #[arg(long, action = clap::ArgAction::Set)]
    pub tensorboard: bool,
}

impl OutputOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        check_counts(&[
            (
                "log_every",
                self.log_every,
                u64::MAX,
                "a whole number of at least 1",
            ),
            (
                "eval_samples",
                self.eval_samples as u64,
                MAX_EVAL_SAMPLES,
                "a whole number of at least 2 and at most 20000",
            ),
        ])?;
        // One sample has no spread: the energy distance and FID need two.
        if self.eval_samples < 2 {
            return Err((
                "eval_samples",
                "a whole number of at least 2 and at most 20000",
            ));
        }
        Ok(())
    }
}

/// Where and how the run computes, and its seed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, clap::Args)]
pub struct RuntimeOptions {
    /// Seeds the networks' initialisation, the noise and the batches.
    #[arg(long)]
    pub seed: u64,
    /// Where tensors live: auto is CUDA when a GPU is available, else the CPU.
    #[arg(long, value_enum)]
    pub device: DeviceChoice,
    /// CPU threads for libtorch; 0 keeps libtorch's choice.
    #[arg(long)]
    pub threads: usize,
    /// `bf16`: the networks' matrix products and convolutions in bfloat16 (mixed
    /// precision).
    #[arg(long, value_enum)]
    // Run folders written before the option lack the key: fp32, as they trained.
    #[serde(default)]
    pub precision: Precision,
}

impl RuntimeOptions {
    /// Checks ranges; on failure the key and what it should be.
    pub fn validate(&self) -> Result<(), (&'static str, &'static str)> {
        if self.threads as u64 > MAX_THREADS {
            return Err((
                "threads",
                "a whole number of at most 1024 (0 keeps libtorch's choice)",
            ));
        }
        Ok(())
    }
}
