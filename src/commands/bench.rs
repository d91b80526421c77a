//! `lsgan bench`: the time of whole training iterations (the critic steps with their penalty,
//! then the generator step: [`Trainer::step`], exactly what `lsgan train` runs) on three
//! standard workloads, after warm-up. Kept apart from training because it writes no run
//! folder and measures nothing but speed and memory.
//!
//! | workload  | networks                  | data                         | batch |
//! |-----------|---------------------------|------------------------------|-------|
//! | `ring`    | MLP 3×128, ReLU           | the 8-Gaussian ring          | 256   |
//! | `mnist`   | DCGAN 28×28×1, width 64   | 4,096 synthetic u8 images    | 64    |
//! | `dcgan64` | DCGAN 64×64×3, width 64   | 4,096 synthetic u8 images    | 64    |
//!
//! Image pixels are random (seeded): their values do not change the arithmetic, and the
//! benchmark then needs no dataset on the machine. Batches still go through the real
//! loader (shuffled, converted to [−1, 1], prefetched on a worker thread). The PyTorch
//! reference (`bench/reference/lsgan_step.py`) builds the same workloads.

use std::io::Write;
use std::time::Instant;

use serde::Serialize;
use tch::{Device, Kind, Tensor};

use crate::data::images::{ImageDataset, ImageSet};
use crate::data::options::DataSource;
use crate::data::{ImageData, PointData, TrainingData};
use crate::error::{Error, Result};
use crate::train::config::TrainConfig;
use crate::train::flags::StepFlags;
use crate::train::options::Precision;
use crate::train::trainer::device_name;
use crate::train::Trainer;

/// Images in a synthetic data set.
pub const SYNTHETIC_IMAGES: i64 = 4096;

/// A benchmark workload.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Workload {
    /// The toy MLP on the 8-Gaussian ring.
    Ring,
    /// DCGAN on 28×28 grayscale images (MNIST's shape).
    Mnist,
    /// DCGAN on 64×64 RGB images.
    Dcgan64,
}

impl Workload {
    /// (channels, side) of the images, `None` for the ring.
    fn image_shape(self) -> Option<(i64, i64)> {
        match self {
            Workload::Ring => None,
            Workload::Mnist => Some((1, 28)),
            Workload::Dcgan64 => Some((3, 64)),
        }
    }

    /// The training configuration: `lsgan train`'s defaults for the loss on this kind of
    /// data and shape, with the flags given over them.
    pub fn config(self, flags: &StepFlags) -> Result<TrainConfig> {
        let data = match self {
            Workload::Ring => DataSource::Ring,
            Workload::Mnist => DataSource::Images(ImageDataset::Mnist),
            Workload::Dcgan64 => DataSource::Images(ImageDataset::Cifar10),
        };
        let mut settings = toml::Table::new();
        settings.insert("data".into(), toml::Value::String(data.to_string()));
        if let Some((channels, side)) = self.image_shape() {
            settings.insert("image_channels".into(), toml::Value::Integer(channels));
            settings.insert("image_size".into(), toml::Value::Integer(side));
        }
        TrainConfig::resolve(None, flags, &settings)
    }
}

/// How long to measure: untimed iterations first (allocator, caches, cuDNN's algorithm
/// search), then timed ones.
#[derive(Clone, Copy, Debug)]
pub struct Timing {
    pub warmup: usize,
    pub iters: usize,
}

/// One workload's timings. Key names are stable (the comparison script reads them).
#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    pub engine: &'static str,
    pub workload: Workload,
    pub loss: String,
    pub device: String,
    pub threads: usize,
    pub batch: usize,
    pub critic_steps: usize,
    pub penalty_every: u64,
    /// `fp32` or `bf16`.
    pub precision: Precision,
    pub iters: usize,
    pub median_ms: f64,
    /// 10th and 90th percentiles of the iteration times.
    pub p10_ms: f64,
    pub p90_ms: f64,
    /// Real samples the critic sees per second: batch × critic steps / median.
    pub samples_per_second: f64,
    /// The process's peak resident memory so far (VmHWM), where the system reports it.
    pub peak_rss_mib: Option<f64>,
}

/// Times `timing.iters` training iterations of `workload`, trained with `config` (from
/// [`Workload::config`]), after `timing.warmup` others.
pub fn bench(workload: Workload, config: TrainConfig, timing: Timing) -> Result<BenchResult> {
    bench_in_lockstep(workload, config, timing, &mut NoPartner)
}

/// What a timed iteration waits for, and whom its time is told: the other engine's driver in
/// lock-step mode (`lsgan bench --lockstep`, `bench/lockstep.py`), where two engines take
/// turns one iteration at a time so that both see the same moment of a noisy machine.
pub trait Partner {
    /// Called once the warm-up is done.
    fn ready(&mut self) -> Result<()>;
    /// Called before each timed iteration; `false` ends the timing early.
    fn go(&mut self) -> Result<bool>;
    /// Called with each timed iteration's milliseconds.
    fn timed(&mut self, milliseconds: f64) -> Result<()>;
}

/// Nobody to wait for: [`bench`]'s plain timing.
struct NoPartner;

impl Partner for NoPartner {
    fn ready(&mut self) -> Result<()> {
        Ok(())
    }
    fn go(&mut self) -> Result<bool> {
        Ok(true)
    }
    fn timed(&mut self, _: f64) -> Result<()> {
        Ok(())
    }
}

/// [`bench`], each timed iteration started by `partner` and its time told to it.
pub fn bench_in_lockstep(
    workload: Workload,
    config: TrainConfig,
    timing: Timing,
    partner: &mut dyn Partner,
) -> Result<BenchResult> {
    if timing.iters == 0 {
        return Err(Error::bad_input("option --iters: expected at least 1"));
    }
    let data = training_data(workload, &config)?;
    let mut trainer = Trainer::new(config, data)?;
    let device = trainer.device();
    let synchronize = || {
        if let Device::Cuda(index) = device {
            tch::Cuda::synchronize(index as i64);
        }
    };
    for _ in 0..timing.warmup {
        trainer.step()?;
    }
    synchronize();
    partner.ready()?;
    let mut times = Vec::with_capacity(timing.iters);
    while times.len() < timing.iters && partner.go()? {
        let start = Instant::now();
        trainer.step()?;
        synchronize();
        let milliseconds = start.elapsed().as_secs_f64() * 1000.0;
        partner.timed(milliseconds)?;
        times.push(milliseconds);
    }
    if times.is_empty() {
        return Err(Error::bad_input(
            "lsgan bench --lockstep: the driver closed standard input before the first timed iteration",
        ));
    }
    let config = trainer.config();
    let median_ms = percentile(&times, 0.5);
    Ok(BenchResult {
        engine: "lsgan",
        workload,
        loss: config.objective.loss.name().to_string(),
        device: device_name(device),
        threads: tch::get_num_threads() as usize,
        batch: config.optimiser.batch_size,
        critic_steps: config.optimiser.critic_steps,
        penalty_every: config.objective.penalty_every,
        precision: config.runtime.precision,
        iters: times.len(),
        median_ms,
        p10_ms: percentile(&times, 0.1),
        p90_ms: percentile(&times, 0.9),
        samples_per_second: (config.optimiser.batch_size * config.optimiser.critic_steps) as f64
            / median_ms
            * 1000.0,
        peak_rss_mib: peak_rss_mib(),
    })
}

/// The ring, or [`SYNTHETIC_IMAGES`] random images of the workload's shape.
fn training_data(workload: Workload, config: &TrainConfig) -> Result<TrainingData> {
    let Some((channels, side)) = workload.image_shape() else {
        return Ok(TrainingData::Points(PointData::from_source(
            &config.data.data,
            config.data.standardise,
        )?));
    };
    tch::manual_seed(config.runtime.seed as i64);
    let set = ImageSet {
        name: format!("synthetic-{channels}x{side}"),
        images: Tensor::randint(
            256,
            [SYNTHETIC_IMAGES, channels, side, side],
            (Kind::Uint8, Device::Cpu),
        ),
        labels: None,
        class_names: Vec::new(),
    };
    Ok(TrainingData::Images(Box::new(ImageData::in_memory(
        set,
        config.optimiser.batch_size,
        config.runtime.seed,
    )?)))
}

/// The `q` quantile of `values` (linear interpolation between order statistics, as
/// numpy's default); `values` must not be empty.
pub fn percentile(values: &[f64], q: f64) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    let position = q * (sorted.len() - 1) as f64;
    let (low, high) = (position.floor() as usize, position.ceil() as usize);
    sorted[low] + (sorted[high] - sorted[low]) * (position - low as f64)
}

/// VmHWM from /proc/self/status, in MiB; `None` where there is no such file.
fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// One line per result, for people.
pub fn describe(result: &BenchResult) -> String {
    let memory = result
        .peak_rss_mib
        .map_or_else(String::new, |mib| format!(", peak RSS {mib:.0} MiB"));
    format!(
        "{:<8} {} {} threads batch {}: median {:.2} ms/iteration (p10 {:.2}, p90 {:.2}), {:.0} samples/s{memory}",
        format!("{:?}", result.workload).to_lowercase(),
        result.device,
        result.threads,
        result.batch,
        result.median_ms,
        result.p10_ms,
        result.p90_ms,
        result.samples_per_second,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::process::seeded;

    #[test]
    fn percentiles_interpolate_like_numpy() {
        let values = [4.0, 1.0, 3.0, 2.0];
        assert_eq!(percentile(&values, 0.5), 2.5);
        assert!((percentile(&values, 0.1) - 1.3).abs() < 1e-12);
        assert_eq!(percentile(&values, 1.0), 4.0);
        assert_eq!(percentile(&[7.0], 0.9), 7.0);
    }

    /// The workload's configuration with batch `batch`, on one thread.
    fn small(workload: Workload, batch: usize) -> TrainConfig {
        let mut config = workload.config(&StepFlags::default()).unwrap();
        config.optimiser.batch_size = batch;
        config.runtime.threads = 1;
        config
    }

    fn timing(iters: usize) -> Timing {
        Timing { warmup: 1, iters }
    }

    #[test]
    fn a_small_image_bench_runs_and_reports_the_workload_shape() {
        let _rng = seeded(0);
        let result = bench(Workload::Mnist, small(Workload::Mnist, 8), timing(2)).unwrap();
        assert_eq!((result.batch, result.iters, result.critic_steps), (8, 2, 1));
        assert!(result.median_ms > 0.0 && result.p10_ms <= result.p90_ms);
        assert!((result.samples_per_second - 8000.0 / result.median_ms).abs() < 1e-6);
    }

    /// A partner that allows two timed iterations and records what it was told.
    #[derive(Default)]
    struct TwoTurns {
        ready: usize,
        turns: usize,
        times: Vec<f64>,
    }

    impl Partner for TwoTurns {
        fn ready(&mut self) -> Result<()> {
            assert!(self.turns == 0, "ready comes before the first turn");
            self.ready += 1;
            Ok(())
        }
        fn go(&mut self) -> Result<bool> {
            self.turns += 1;
            Ok(self.turns <= 2)
        }
        fn timed(&mut self, milliseconds: f64) -> Result<()> {
            self.times.push(milliseconds);
            Ok(())
        }
    }

    #[test]
    fn lockstep_times_only_the_iterations_its_partner_starts() {
        let _rng = seeded(0);
        let mut partner = TwoTurns::default();
        let config = small(Workload::Ring, 16);
        let result = bench_in_lockstep(Workload::Ring, config, timing(10), &mut partner).unwrap();
        assert_eq!((partner.ready, partner.turns, result.iters), (1, 3, 2));
        assert_eq!(result.median_ms, percentile(&partner.times, 0.5));
    }
}

#[derive(clap::Args)]
pub struct BenchArgs {
    /// Workloads, comma-separated: ring (MLP 3×128, batch 256), mnist (DCGAN 28×28×1,
    /// batch 64), dcgan64 (DCGAN 64×64×3, batch 64).
    #[arg(
        long,
        value_enum,
        value_delimiter = ',',
        default_value = "ring,mnist,dcgan64"
    )]
    pub workloads: Vec<Workload>,
    /// Untimed iterations first.
    #[arg(long, default_value_t = 5)]
    pub warmup: usize,
    /// Timed iterations.
    #[arg(long, default_value_t = 20)]
    pub iters: usize,
    /// One JSON object per workload instead of a sentence.
    #[arg(long)]
    pub json: bool,
    /// Take turns with another engine (bench/lockstep.py): after the warm-up print
    /// {"ready":true}, then time one iteration per line read from standard input and print
    /// {"iteration_ms":T} after each; end at --iters or when standard input closes.
    #[arg(long)]
    pub lockstep: bool,
    /// The options of the training step timed (`lsgan train`'s, but for the data and the
    /// budget), over the workload's defaults for the loss: `--loss` (the PyTorch reference
    /// has LS-GAN only), `--batch-size`, `--threads`, `--device`, `--penalty-every`,
    /// `--precision`, ….
    #[command(flatten)]
    pub options: StepFlags,
}

/// `lsgan bench`: each workload in turn, one line (or JSON object) per workload on stdout.
pub fn bench_command(args: BenchArgs) -> Result<()> {
    let timing = Timing {
        warmup: args.warmup,
        iters: args.iters,
    };
    for workload in args.workloads {
        let config = workload.config(&args.options)?;
        let result = if args.lockstep {
            bench_in_lockstep(workload, config, timing, &mut StdioPartner)?
        } else {
            bench(workload, config, timing)?
        };
        if args.json {
            // Plain fields and string keys: serialising cannot fail.
            println!("{}", serde_json::to_string(&result).unwrap_or_default());
        } else {
            println!("{}", describe(&result));
        }
    }
    Ok(())
}

/// The lock-step driver on the other end of standard input and output.
struct StdioPartner;

impl StdioPartner {
    fn say(&self, line: &str) -> Result<()> {
        let mut out = std::io::stdout().lock();
        writeln!(out, "{line}")
            .and_then(|()| out.flush())
            .map_err(|source| Error::Io {
                action: "writing to",
                path: "standard output".into(),
                source,
            })
    }
}

impl Partner for StdioPartner {
    fn ready(&mut self) -> Result<()> {
        self.say(r#"{"ready":true}"#)
    }

    fn go(&mut self) -> Result<bool> {
        let mut line = String::new();
        let read = std::io::stdin()
            .read_line(&mut line)
            .map_err(|source| Error::Io {
                action: "reading",
                path: "standard input".into(),
                source,
            })?;
        Ok(read > 0)
    }

    fn timed(&mut self, milliseconds: f64) -> Result<()> {
        self.say(&format!(r#"{{"iteration_ms":{milliseconds}}}"#))
    }
}
