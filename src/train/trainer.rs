//! One training step, read top to bottom as in docs/FORMULAS.md: `critic_steps` times {sample real
//! points and fakes, minimise the critic objective, clip if WGAN}, then one generator step
//! minimising its objective on fresh fakes; the networks' forward passes in the configured
//! precision (`precision`). Also: building the nets and optimisers from a
//! config, and the fixed evaluation batch used for metrics and pictures.

use tch::nn;
use tch::{Device, Kind, Tensor};

use crate::data::TrainingData;
use crate::error::{Error, Result};
use crate::metrics::classification::{confusion, ConfusionMatrix};
use crate::metrics::diagnostics::diagnose;
use crate::metrics::{
    energy_distance, mode_metrics, Allocation, ClassificationMetrics, Diagnostics, Evaluation,
    ToyMetrics,
};
use crate::nets::optim::Optimizer;
use crate::nets::options::NoiseKind;
use crate::nets::{conditional_input, Critic, Generator};
use crate::objectives::Objective;
use crate::train::config::TrainConfig;
use crate::train::ema::{Averaged, Ema};
use crate::train::logged_image_metrics::LoggedImageMetrics;
use crate::train::options::{DeviceChoice, LrSchedule};
use crate::train::precision::forward_in;

/// Pairs the diagnostics are measured on (the first rows of the evaluation batch).
pub const DIAGNOSTIC_PAIRS: i64 = 512;

/// Scalars of one training step (of its last critic step, for the critic's parts).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct StepLosses {
    pub critic_objective: f64,
    pub generator_objective: f64,
    /// Mean L(x) on the real batch.
    pub loss_real: f64,
    /// Mean L(G(z)) on the fake batch.
    pub loss_fake: f64,
    pub penalty: f64,
    /// Share of pairs past the margin (LS-GAN, GLS-GAN), after the critic steps' last batch.
    pub margin_satisfaction: Option<f64>,
}

/// A generator, a critic, their optimisers, the objective and the data: everything one
/// training step needs. Its state is the training module's own (the checkpoint saves and
/// restores it); other layers read it through the accessors.
pub struct Trainer {
    pub(super) config: TrainConfig,
    pub(super) device: Device,
    pub(super) data: TrainingData,
    pub(super) generator_store: nn::VarStore,
    pub(super) critic_store: nn::VarStore,
    pub(super) generator: Generator,
    pub(super) critic: Critic,
    /// The moving average of the generator's weights, when `ema_decay` > 0.
    pub(super) ema: Option<Ema>,
    /// The moving average of a conditional run's critic, which classifies, when
    /// `ema_decay` > 0.
    pub(super) critic_ema: Option<Averaged<Critic>>,
    pub(super) generator_optimizer: Optimizer,
    pub(super) critic_optimizer: Optimizer,
    pub(super) objective: Objective,
    /// K, the classes of a conditional run (CLS-GAN); 0 for others.
    pub(super) classes: i64,
    /// Fixed noise for evaluation and pictures (with its classes one-hot appended in a
    /// conditional run: image i is of class (i / 10) mod K, so each grid row is one class), drawn once so that evaluating does not
    /// change the training's random stream and successive evaluations are comparable.
    eval_noise: Tensor,
    /// Fixed true samples the generated ones are compared with.
    eval_real: Tensor,
    /// The image metrics of each logged line (`log_fid`).
    logged_image_metrics: Option<LoggedImageMetrics>,
    /// Generator steps done.
    pub(super) iteration: u64,
}

impl Trainer {
    /// Seeds libtorch with `config.runtime.seed` and builds everything from `config`.
    pub fn new(config: TrainConfig, data: TrainingData) -> Result<Self> {
        let device = pick_device(config.runtime.device)?;
        if config.runtime.threads > 0 {
            tch::set_num_threads(config.runtime.threads as i32);
        }
        tch::manual_seed(config.runtime.seed as i64);
        let shape = data.shape();
        let generator_store = nn::VarStore::new(device);
        let critic_store = nn::VarStore::new(device);
        let classes = config.classes();
        let generator =
            Generator::build(&generator_store.root(), &config.networks, shape, classes)?;
        let critic = Critic::build(&critic_store.root(), &config.networks, shape, classes)?;
        let ema = (config.optimiser.ema_decay > 0.0)
            .then(|| {
                Ema::new(&generator_store, config.optimiser.ema_decay, |path| {
                    Generator::build(path, &config.networks, shape, classes)
                })
            })
            .transpose()?;
        let critic_ema = (classes > 0 && config.optimiser.ema_decay > 0.0)
            .then(|| {
                Averaged::new(&critic_store, config.optimiser.ema_decay, |path| {
                    Critic::build(path, &config.networks, shape, classes)
                })
            })
            .transpose()?;
        let betas = (config.optimiser.beta1, config.optimiser.beta2);
        let generator_optimizer = Optimizer::new(
            &generator_store,
            config.optimiser.optimizer,
            betas,
            config.optimiser.lr_generator,
            0.0,
        );
        let critic_optimizer = Optimizer::new(
            &critic_store,
            config.optimiser.optimizer,
            betas,
            config.optimiser.lr_critic,
            config.optimiser.weight_decay,
        );
        let objective = Objective::from_options(&config.objective);
        let eval_noise = sample_noise(
            config.networks.noise,
            config.outputs.eval_samples,
            config.networks.noise_dim,
            device,
        );
        let eval_noise = match classes {
            0 => eval_noise,
            _ => conditional_input(
                &eval_noise,
                &grid_classes(config.outputs.eval_samples, classes).to_device(device),
                classes,
            ),
        };
        let eval_real = data.evaluation_samples(config.outputs.eval_samples, device);
        let logged_image_metrics = LoggedImageMetrics::load(&config, &eval_real, device)?;
        Ok(Trainer {
            config,
            device,
            data,
            generator_store,
            critic_store,
            generator,
            critic,
            ema,
            critic_ema,
            generator_optimizer,
            critic_optimizer,
            objective,
            classes,
            eval_noise,
            eval_real,
            logged_image_metrics,
            iteration: 0,
        })
    }

    /// The configuration it trains with.
    pub fn config(&self) -> &TrainConfig {
        &self.config
    }

    /// The real data it trains on.
    pub fn data(&self) -> &TrainingData {
        &self.data
    }

    /// Where its tensors live.
    pub fn device(&self) -> Device {
        self.device
    }

    /// Generator steps done.
    pub fn iteration(&self) -> u64 {
        self.iteration
    }

    /// The generator's weights.
    pub fn generator_store(&self) -> &nn::VarStore {
        &self.generator_store
    }

    /// The critic's weights.
    pub fn critic_store(&self) -> &nn::VarStore {
        &self.critic_store
    }

    /// The moving average of the generator's weights, when `ema_decay` > 0.
    pub fn averaged_generator_store(&self) -> Option<&nn::VarStore> {
        self.ema.as_ref().map(|ema| &ema.store)
    }

    /// The moving average of a conditional run's critic, when `ema_decay` > 0.
    pub fn averaged_critic_store(&self) -> Option<&nn::VarStore> {
        self.critic_ema.as_ref().map(|ema| &ema.store)
    }

    /// One generator step, preceded by `critic_steps` critic steps.
    ///
    /// libtorch's generator is seeded from (seed, iteration) first, so the step's randomness
    /// depends on nothing before it: a run resumed from a checkpoint continues exactly.
    pub fn step(&mut self) -> Result<StepLosses> {
        tch::manual_seed(iteration_seed(self.config.runtime.seed, self.iteration));
        let batch = self.config.optimiser.batch_size;
        let mut losses = StepLosses::default();
        if self.config.optimiser.lr_schedule == LrSchedule::Linear {
            let remaining =
                (1.0 - self.iteration as f64 / self.config.budget.iters as f64).max(0.0);
            self.critic_optimizer.lr = self.config.optimiser.lr_critic * remaining;
            self.generator_optimizer.lr = self.config.optimiser.lr_generator * remaining;
        }
        // A conditional run's last unlabelled batch, for the generator's feature matching.
        let mut last_unlabelled = None;
        for critic_step in 1..=self.config.optimiser.critic_steps {
            let step =
                self.iteration * self.config.optimiser.critic_steps as u64 + critic_step as u64 - 1;
            let objective = self.objective.at_critic_step(step);
            let terms = if self.classes > 0 {
                let (terms, unlabelled) = self.conditional_critic_terms(&objective, batch)?;
                last_unlabelled = Some(unlabelled);
                terms
            } else {
                let real = self.data.next_batch(batch, self.device);
                let fake = tch::no_grad(|| self.generate(&self.noise(batch)));
                objective.critic_terms(&|x| self.score(x), &real, &fake)
            };
            self.critic_optimizer.backward_step(&terms.objective);
            if let Some(c) = self.objective.weight_clip() {
                clip_weights(&self.critic_store, c);
            }
            // Only the last critic step's scalars are reported: read back just those.
            if critic_step == self.config.optimiser.critic_steps {
                losses.critic_objective = terms.objective.double_value(&[]);
                losses.loss_real = terms.loss_real.mean(Kind::Float).double_value(&[]);
                losses.loss_fake = terms.loss_fake.mean(Kind::Float).double_value(&[]);
                losses.penalty = terms.penalty.double_value(&[]);
                losses.margin_satisfaction = terms.margin_satisfaction();
            }
        }

        // The labels-only baseline trains no generator (`Objective::trains_generator`).
        if self.objective.trains_generator() {
            // The critic is fixed during the generator step: no gradients for its parameters.
            self.critic_store.freeze();
            let generator_objective = if let Some(real) = &last_unlabelled {
                self.conditional_generator_objective(batch, real)
            } else {
                let fake = self.generate(&self.noise(batch));
                self.objective.generator_objective(&self.score(&fake))
            };
            self.generator_optimizer.backward_step(&generator_objective);
            self.critic_store.unfreeze();
            losses.generator_objective = generator_objective.double_value(&[]);
            if let Some(ema) = &mut self.ema {
                ema.update(&self.generator_store, self.iteration);
            }
        }

        if let Some(critic_ema) = &mut self.critic_ema {
            critic_ema.update(&self.critic_store, self.iteration);
        }
        self.iteration += 1;
        self.check_finite(&losses)?;
        Ok(losses)
    }

    fn check_finite(&self, losses: &StepLosses) -> Result<()> {
        let quantities = [
            ("critic objective", losses.critic_objective),
            ("generator objective", losses.generator_objective),
            ("gradient penalty", losses.penalty),
        ];
        for (name, value) in quantities {
            if !value.is_finite() {
                return Err(self.diverged(&format!("the {name} is {value}")));
            }
        }
        Ok(())
    }

    /// Checks that every weight (generator, critic, averaged generator) is finite; run
    /// before a checkpoint is written, so that a checkpoint never holds a diverged run.
    pub fn check_weights(&self) -> Result<()> {
        let mut stores = vec![
            ("generator", &self.generator_store),
            ("critic", &self.critic_store),
        ];
        if let Some(ema) = &self.ema {
            stores.push(("averaged generator", &ema.store));
        }
        if let Some(critic_ema) = &self.critic_ema {
            stores.push(("averaged critic", &critic_ema.store));
        }
        for (network, store) in stores {
            let mut variables: Vec<(String, Tensor)> = store.variables().into_iter().collect();
            variables.sort_by(|a, b| a.0.cmp(&b.0));
            for (name, variable) in variables {
                if !bool::try_from(variable.isfinite().all())? {
                    return Err(self.diverged(&format!(
                        "the {network} weight `{name}` holds NaN or infinity"
                    )));
                }
            }
        }
        Ok(())
    }

    fn diverged(&self, what: &str) -> Error {
        Error::Diverged(format!(
            "training diverged at iteration {}: {what}; try a lower learning rate \
             (--lr-critic, --lr-generator) or a larger penalty weight (--penalty-weight)",
            self.iteration
        ))
    }

    /// G(z) as training computes it: batch statistics in batch norm, in the configured
    /// precision.
    pub(super) fn generate(&self, z: &Tensor) -> Tensor {
        forward_in(self.config.runtime.precision, self.device, || {
            self.generator.forward_t(z, true)
        })
    }

    /// L(x) as training computes it, in the configured precision.
    pub(super) fn score(&self, x: &Tensor) -> Tensor {
        forward_in(self.config.runtime.precision, self.device, || {
            self.critic.score(x)
        })
    }

    /// Generator noise z, shape [n, noise_dim].
    pub fn noise(&self, n: usize) -> Tensor {
        sample_noise(
            self.config.networks.noise,
            n,
            self.config.networks.noise_dim,
            self.device,
        )
    }

    /// The generator samples and metrics come from: the moving average when there is one.
    pub fn sampling_generator(&self) -> &Generator {
        self.ema.as_ref().map_or(&self.generator, |ema| &ema.net)
    }

    /// G(z) on the fixed evaluation noise (batch norm in evaluation mode), on the CPU.
    pub fn eval_samples(&self) -> Tensor {
        tch::no_grad(|| self.sampling_generator().forward_t(&self.eval_noise, false))
            .to_device(Device::Cpu)
    }

    /// G(z) on the first `n` rows of the fixed evaluation noise, on the CPU: the sample grid,
    /// the same noise at every iteration so that progress is visible.
    pub fn grid_samples(&self, n: usize) -> Tensor {
        let n = (n as i64).min(self.eval_noise.size()[0]);
        let noise = self.eval_noise.narrow(0, 0, n);
        tch::no_grad(|| self.sampling_generator().forward_t(&noise, false)).to_device(Device::Cpu)
    }

    /// The fixed true points used for evaluation, on the CPU.
    pub fn eval_real(&self) -> Tensor {
        self.eval_real.to_device(Device::Cpu)
    }

    /// Metrics of the generator on the fixed evaluation noise: on points the toy metrics; on
    /// images those of `log_fid`, or none.
    pub fn evaluate(&self) -> Result<Evaluation> {
        if self.data.images().is_some() {
            let images = match &self.logged_image_metrics {
                Some(metrics) => vec![metrics.measure(&self.eval_samples())?],
                None => Vec::new(),
            };
            return Ok(Evaluation {
                images,
                classification: self.classification()?,
                ..Default::default()
            });
        }
        let generated = self.eval_samples();
        let toy = ToyMetrics {
            modes: self
                .data
                .points()
                .and_then(|points| points.mixture())
                .map(|mixture| mode_metrics(&generated, mixture)),
            energy_distance: energy_distance(&generated, &self.eval_real()),
        };
        Ok(Evaluation {
            toy: Some(toy),
            ..Default::default()
        })
    }

    /// A conditional run's critic as a classifier of the test split (its error overall and
    /// per class); `None` for other runs.
    pub fn classification(&self) -> Result<Option<ClassificationMetrics>> {
        Ok(self.confusion()?.map(|matrix| matrix.metrics()))
    }

    /// A conditional run's confusion matrix on the test split, of the averaged critic when
    /// there is one; `None` for other runs.
    pub fn confusion(&self) -> Result<Option<ConfusionMatrix>> {
        let labels = self
            .data
            .images()
            .and_then(|images| Some((images, images.reference.labels.as_ref()?)));
        let (Some((images, labels)), true) = (labels, self.config.objective.loss.classifies())
        else {
            return Ok(None);
        };
        let critic = self
            .critic_ema
            .as_ref()
            .map_or(&self.critic, |ema| &ema.net);
        Ok(Some(confusion(
            &|x| critic.logits(x),
            &images.reference.images,
            labels,
            self.classes,
            self.device,
        )?))
    }

    /// The diagnostics of the critic and the (training) generator on the first
    /// [`DIAGNOSTIC_PAIRS`] evaluation pairs, distances measured to all evaluation samples.
    /// Changes no state: batch norm in evaluation mode, no random numbers drawn.
    pub fn diagnose(&self) -> (Diagnostics, Allocation) {
        let n = DIAGNOSTIC_PAIRS
            .min(self.eval_noise.size()[0])
            .min(self.eval_real.size()[0]);
        let fake = tch::no_grad(|| {
            self.generator
                .forward_t(&self.eval_noise.narrow(0, 0, n), false)
        });
        let critic = &self.critic;
        diagnose(
            &self.objective,
            &|x| critic.score(x),
            &self.eval_real.narrow(0, 0, n),
            &fake,
            &self.eval_real,
        )
    }

    /// L(x) at the points (rows of `points`), on the CPU.
    pub fn critic_scores(&self, points: &Tensor) -> Tensor {
        tch::no_grad(|| self.critic.score(&points.to_device(self.device))).to_device(Device::Cpu)
    }
}

/// Clamps every trainable parameter of `critic` to [−c, c], in place: WGAN's weight
/// clipping, after each critic step.
pub fn clip_weights(critic: &nn::VarStore, c: f64) {
    tch::no_grad(|| {
        for mut parameter in critic.trainable_variables() {
            let _ = parameter.clamp_(-c, c);
        }
    });
}

/// The seed of libtorch's generator for the step after `iteration` steps: a SplitMix64 mix
/// of the run's seed and the iteration, so neighbouring steps get unrelated streams.
pub fn iteration_seed(seed: u64, iteration: u64) -> i64 {
    let mut z = seed
        ^ iteration
            .wrapping_add(1)
            .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 1) as i64
}

/// The classes of the fixed evaluation images of a conditional run: image i is of class
/// (i / 10) mod `classes`, so that a grid of 10 columns shows one class per row.
pub fn grid_classes(n: usize, classes: i64) -> Tensor {
    Tensor::arange(n as i64, (Kind::Int64, Device::Cpu))
        .divide_scalar_mode(10, "floor")
        .remainder(classes)
}

/// z: uniform on [−1, 1]^k or N(0, I_k), shape [n, k].
pub fn sample_noise(kind: NoiseKind, n: usize, dim: usize, device: Device) -> Tensor {
    let shape = [n as i64, dim as i64];
    match kind {
        NoiseKind::Normal => Tensor::randn(shape, (Kind::Float, device)),
        NoiseKind::Uniform => Tensor::rand(shape, (Kind::Float, device)) * 2.0 - 1.0,
    }
}

/// The device asked for; `cuda` when none is available is bad input.
pub fn pick_device(choice: DeviceChoice) -> Result<Device> {
    match choice {
        DeviceChoice::Cpu => Ok(Device::Cpu),
        DeviceChoice::Auto => Ok(Device::cuda_if_available()),
        DeviceChoice::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
        DeviceChoice::Cuda if LIBTORCH_BUILD == "cpu" => Err(Error::bad_input(
            "option --device: cuda was asked for, but this lsgan links libtorch's CPU build \
             (rebuild after LSGAN_TORCH=cuda scripts/setup.sh), or use cpu or auto",
        )),
        DeviceChoice::Cuda => Err(Error::bad_input(
            "option --device: cuda was asked for but libtorch sees no CUDA device (use cpu or auto)",
        )),
    }
}

/// `cpu` or `cuda:<index>`: how runs, benchmarks and messages name a device.
pub fn device_name(device: Device) -> String {
    match device {
        Device::Cuda(index) => format!("cuda:{index}"),
        _ => "cpu".to_string(),
    }
}

/// Which build of libtorch the binary links: `cpu` or `cuda` (build.rs decides).
pub const LIBTORCH_BUILD: &str = env!("LSGAN_LIBTORCH_BUILD");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;
    use crate::train::options::Precision;

    #[test]
    fn clipping_bounds_every_weight() {
        let _rng = seeded(0);
        let vs = nn::VarStore::new(tch::Device::Cpu);
        let _w = vs.root().randn("w", &[10, 10], 0.0, 1.0);
        clip_weights(&vs, 0.01);
        for parameter in vs.trainable_variables() {
            assert!(parameter.abs().max().double_value(&[]) <= 0.01 + 1e-9);
        }
    }

    #[test]
    fn a_weight_that_is_not_finite_is_named_with_the_iteration() {
        let _rng = seeded(0);
        let mut config = TrainConfig::default();
        (
            config.networks.gen_width,
            config.networks.critic_width,
            config.outputs.eval_samples,
        ) = (8, 8, 50);
        let data = config.load_data(0).unwrap();
        let mut trainer = Trainer::new(config, data).unwrap();
        trainer.step().unwrap();
        trainer.check_weights().unwrap();

        let mut variables: Vec<(String, Tensor)> =
            trainer.critic_store.variables().into_iter().collect();
        variables.sort_by(|a, b| a.0.cmp(&b.0));
        let (name, weight) = variables.pop().unwrap();
        tch::no_grad(|| {
            let _ = weight.view([-1]).get(0).fill_(f64::NAN);
        });
        let message = trainer.check_weights().unwrap_err().to_string();
        assert!(
            message.contains("iteration 1")
                && message.contains(&format!("critic weight `{name}` holds NaN")),
            "{message}"
        );
    }

    #[test]
    fn a_bf16_step_stays_close_to_the_fp32_step() {
        let _rng = seeded(0);
        let step = |precision| {
            let mut config = TrainConfig::default();
            (
                config.networks.gen_width,
                config.networks.critic_width,
                config.outputs.eval_samples,
            ) = (64, 64, 50);
            config.runtime.precision = precision;
            let data = config.load_data(0).unwrap();
            let mut trainer = Trainer::new(config, data).unwrap();
            (trainer.step().unwrap(), trainer.step().unwrap())
        };
        let (exact, mixed) = (step(Precision::Fp32), step(Precision::Bf16));
        for ((a, b), name) in [
            ((exact.0.loss_real, mixed.0.loss_real), "first L(x)"),
            ((exact.1.loss_real, mixed.1.loss_real), "second L(x)"),
            ((exact.1.loss_fake, mixed.1.loss_fake), "second L(G(z))"),
            ((exact.1.penalty, mixed.1.penalty), "second penalty"),
        ] {
            let relative = (a - b).abs() / a.abs();
            assert!(relative < 3e-2, "{name}: fp32 {a}, bf16 {b}");
        }
        assert_ne!(exact, mixed, "the bf16 step computed in bfloat16");
    }
}
