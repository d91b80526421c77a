//! Every default of a training run, in one place: the base each run starts from, and one table
//! whose rows say, for some losses on some kinds of data, which values differ from the base,
//! why, and where that was measured (EXPERIMENTS.md, or docs/FORMULAS.md for the papers' settings).
//! [`TrainConfig::defaults`] resolves them for one loss and one data: `lsgan train` with no
//! options runs them, and [`TrainConfig::resolve`] lays a file, flags and settings over them.
//!
//! To change a default, change its row (or add one), record in EXPERIMENTS.md the sweep that
//! chose it, and record the new digests in the test at the end of this file: it holds every
//! resolved default, so that a change shows as the loss, the data and the whole
//! configuration.

use std::sync::OnceLock;

use serde::Deserialize;

use crate::data::images::ImageDataset;
use crate::data::options::{DataOptions, DataSource};
use crate::nets::optim::OptimizerKind;
use crate::nets::options::{Activation, CriticNorm, CriticOutput, NetworkOptions, NoiseKind};
use crate::objectives::options::{LossKind, MarginDistance, MarginNorm, ObjectiveOptions};
use crate::train::config::TrainConfig;
use crate::train::options::{
    BudgetOptions, DeviceChoice, LrSchedule, OptimiserOptions, OutputOptions, Precision,
    RuntimeOptions,
};

/// The loss of a run that names none.
pub const DEFAULT_LOSS: LossKind = LossKind::Lsgan;
/// The data of a run that names none.
pub const DEFAULT_DATA: DataSource = DataSource::Ring;

/// The kinds of data the defaults tell apart.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataKind {
    /// The 8-Gaussian ring.
    Ring,
    /// The 25-Gaussian grid.
    Grid,
    /// A CSV file of x,y points.
    PointsFile,
    /// MNIST, 28×28 grayscale.
    Mnist,
    /// Fashion-MNIST, 28×28 grayscale.
    FashionMnist,
    /// CIFAR-10, 32×32 RGB.
    Cifar10,
    /// A folder of images.
    ImageFolder,
}

impl DataKind {
    /// Every kind, points first.
    pub const ALL: [DataKind; 7] = [
        DataKind::Ring,
        DataKind::Grid,
        DataKind::PointsFile,
        DataKind::Mnist,
        DataKind::FashionMnist,
        DataKind::Cifar10,
        DataKind::ImageFolder,
    ];

    /// One data of this kind (a CSV file or a folder named by example).
    pub fn example(self) -> DataSource {
        match self {
            DataKind::Ring => DataSource::Ring,
            DataKind::Grid => DataSource::Grid,
            DataKind::PointsFile => DataSource::PointsFile("points.csv".into()),
            DataKind::Mnist => DataSource::Images(ImageDataset::Mnist),
            DataKind::FashionMnist => DataSource::Images(ImageDataset::FashionMnist),
            DataKind::Cifar10 => DataSource::Images(ImageDataset::Cifar10),
            DataKind::ImageFolder => DataSource::Images(ImageDataset::Folder("faces".into())),
        }
    }

    /// The kind of `data`.
    pub fn of(data: &DataSource) -> DataKind {
        match data {
            DataSource::Ring => DataKind::Ring,
            DataSource::Grid => DataKind::Grid,
            DataSource::PointsFile(_) => DataKind::PointsFile,
            DataSource::Images(ImageDataset::Mnist) => DataKind::Mnist,
            DataSource::Images(ImageDataset::FashionMnist) => DataKind::FashionMnist,
            DataSource::Images(ImageDataset::Cifar10) => DataKind::Cifar10,
            DataSource::Images(ImageDataset::Folder(_)) => DataKind::ImageFolder,
        }
    }
}

/// One row of [`TABLE`]: for these losses on these kinds of data, these values, and why.
#[derive(Debug)]
pub struct Row {
    pub losses: &'static [LossKind],
    pub data: &'static [DataKind],
    /// `key = value` lines, as in a config file.
    pub values: &'static [&'static str],
    /// Why these values, and the section of EXPERIMENTS.md (or docs/FORMULAS.md) that chose them.
    pub why: &'static str,
}

impl Row {
    /// Whether the row applies to `loss` on data of kind `data`.
    pub fn applies_to(&self, loss: LossKind, data: DataKind) -> bool {
        self.losses.contains(&loss) && self.data.contains(&data)
    }

    /// The row's values as a table of keys.
    pub fn table(&self) -> toml::Table {
        self.values
            .join("\n")
            .parse()
            .unwrap_or_else(|e| panic!("the defaults table's row {:?}: not TOML: {e}", self.values))
    }
}

const EVERY_LOSS: &[LossKind] = &LossKind::ALL;
/// LS-GAN and GLS-GAN: one critic, GLS-GAN's with a leaky cost.
const LSGAN_FAMILY: &[LossKind] = &[LossKind::Lsgan, LossKind::Glsgan];
const POINTS: &[DataKind] = &[DataKind::Ring, DataKind::Grid, DataKind::PointsFile];
const IMAGES: &[DataKind] = &[
    DataKind::Mnist,
    DataKind::FashionMnist,
    DataKind::Cifar10,
    DataKind::ImageFolder,
];

impl Default for TrainConfig {
    /// `lsgan train` with no options: LS-GAN on the ring.
    fn default() -> Self {
        TrainConfig::defaults(DEFAULT_LOSS, &DEFAULT_DATA)
    }
}

/// The rows, applied top to bottom over [`base`]: each row whose losses and data include the
/// run's sets its values, a later row over an earlier one (the general rows come first).
pub const TABLE: &[Row] = &[
    Row {
        losses: EVERY_LOSS,
        data: IMAGES,
        values: &[
            "batch_size = 64",
            r#"noise = "uniform""#,
            "noise_dim = 100",
            "gen_width = 64",
            "critic_width = 64",
            r#"lr_schedule = "constant""#,
            "beta2 = 0.999",
            "margin_scale = 0.0002",
            "ema_decay = 0.999",
            "log_every = 250",
            "sample_every = 250",
            "eval_samples = 1000",
        ],
        why: "the author's image setting (docs/FORMULAS.md#defaults: DCGAN, batch 64, uniform noise of \
              dimension 100, Adam (0.5, 0.999) at a constant rate, l1 margin τ = 0.0002), with \
              the generator's average for samples and metrics, a sample grid and a log line \
              every 250 iterations, and 1,000 images per evaluation (EXPERIMENTS.md, \"MNIST \
              and Fashion-MNIST: LS-GAN's defaults\")",
    },
    Row {
        losses: LSGAN_FAMILY,
        data: &DataKind::ALL,
        values: &["penalty_weight = 0.1"],
        why: "the zero-centred penalty on real data of the reference LS-GAN setting \
              (EXPERIMENTS.md, \"The ring: LS-GAN's defaults\")",
    },
    Row {
        losses: LSGAN_FAMILY,
        data: POINTS,
        values: &[r#"critic_output = "relu""#, "critic_output_bias = 1.0"],
        why: "a non-negative L, as in the author's code, worked best on the ring (EXPERIMENTS.md, \
              \"The ring: LS-GAN's defaults\"); the output bias starts the ReLU alive \
              where the first fakes are: without it the critic died at once on half the seeds \
              (EXPERIMENTS.md, \"Seeds and the dead critic\")",
    },
    Row {
        losses: LSGAN_FAMILY,
        data: &[DataKind::Ring, DataKind::PointsFile],
        values: &[
            "penalty_weight = 0.5",
            "lr_generator = 1e-3",
            "lr_critic = 1e-3",
        ],
        why: "γ = 0.5 kept the ReLU critic alive and covered 8 of 8 ring modes on every seed \
              0–9, where 0.1 went flat on seeds 8 and 9 (EXPERIMENTS.md, \"The penalty's \
              weight γ: 0.5\"); on the 3×128 networks Adam at 1e-3, falling linearly to 0, \
              put 90.9–93.2% of the points within 3σ of a mode over seeds 0–9 (GLS-GAN \
              87.7–93.1%), where 3e-4 left 58–68% and 2e-3 killed the critic on seed 6 \
              (\"Time to quality: 3 by 128 networks at Adam 1e-3\"). CSV points take the ring's",
    },
    Row {
        losses: &[LossKind::Lsgan],
        data: &[DataKind::Grid],
        values: &[
            "penalty_weight = 0.5",
            "lr_generator = 2e-3",
            "lr_critic = 2e-3",
            "critic_steps = 5",
        ],
        why: "the grid's 25 modes, further apart, took γ = 0.5 and a faster rate than the ring: \
              on the 3×128 networks Adam 2e-3 covered 25 of 25 modes on every seed 0–9 with \
              81.7% ± 2.1 of the points within 3σ, where 1e-3 covered 7–20 (EXPERIMENTS.md, \
              \"The grid in less time: 3 by 128 at Adam 2e-3\"); with one critic step per \
              generator step the critic went flat on every grid seed tried, with five it stayed \
              alive (\"The grid's critic steps: five\"). GLS-GAN was not swept there",
    },
    Row {
        losses: LSGAN_FAMILY,
        data: IMAGES,
        values: &["weight_decay = 5e-5"],
        why: "the author's image setting's weight decay on the critic (docs/FORMULAS.md#defaults; \
              EXPERIMENTS.md, \"MNIST and Fashion-MNIST: LS-GAN's defaults\")",
    },
    Row {
        losses: &[LossKind::Lsgan],
        data: IMAGES,
        values: &[r#"critic_output = "softplus""#],
        why: "a ReLU output died within 20 DCGAN steps on MNIST (L = 0 everywhere, no gradient \
              left); a softplus output kept L ≥ 0 and stayed alive on every seed \
              (EXPERIMENTS.md, \"LS-GAN on MNIST: a softplus output\")",
    },
    Row {
        losses: &[LossKind::Glsgan],
        data: IMAGES,
        values: &[r#"critic_output = "linear""#],
        why: "GLS-GAN's slope past the margin sank a softplus output to L ≈ 0 on 5 draws of 7, \
              a linear output on none of 4 (EXPERIMENTS.md, \"GLS-GAN on MNIST: a softplus \
              output sinks; a linear one does not\")",
    },
    Row {
        losses: &[LossKind::Lsgan],
        data: &[DataKind::Mnist, DataKind::FashionMnist],
        values: &[
            "margin_scale = 0.002",
            "lr_generator = 4e-4",
            "lr_critic = 4e-4",
        ],
        why: "τ = 0.0002 is the author's for 64×64×3 (Δ ≈ 1), ten times smaller in effect on \
              28×28×1; τ = 0.002 restores Δ ≈ 1 and took the classifier FID at 2,000 iterations \
              from 22.6 to 19.2 and recall from 27% to 37% over seeds 0–2 (EXPERIMENTS.md, \
              \"The image margin τ: 0.002\"); the generator's rate \
              decides how far 3,000 steps get: 1e-4 → 2e-4 → 4e-4 took seed 0's classifier FID \
              from 16.0 to 12.3 to 7.9, a faster critic alone made it worse (\"The image \
              learning rate: Adam 4e-4 for both networks\"); Fashion-MNIST gained the same way",
    },
    Row {
        losses: &[LossKind::Clsgan],
        data: IMAGES,
        values: &[
            r#"critic_output = "linear""#,
            "real_weight = 1.0",
            "unlabelled_weight = 1.0",
            "penalty_weight = 0.1",
            "margin_scale = 0.0008",
            "lr_generator = 1e-3",
            "lr_critic = 1e-3",
        ],
        why: "the author's clsgan.lua (docs/FORMULAS.md#cls-gan: class outputs as logits, weight 1 \
              on the labelled loss, l1 margin τ = 0.0008, Adam 1e-3), with the paper's \
              unlabelled hinge at weight 1 and LS-GAN's zero-centred penalty on real data \
              (EXPERIMENTS.md, \"CLS-GAN on MNIST with 100 labels\")",
    },
    Row {
        losses: &[LossKind::Wgan],
        data: &DataKind::ALL,
        values: &[
            r#"optimizer = "rmsprop""#,
            "lr_generator = 5e-5",
            "lr_critic = 5e-5",
            "critic_steps = 5",
        ],
        why: "WGAN's own setting (docs/FORMULAS.md#baselines-on-the-same-loop, Arjovsky et al.): RMSProp at 5e-5, five critic \
              steps per generator step",
    },
    Row {
        losses: &[LossKind::WganGp, LossKind::CwganGp],
        data: &DataKind::ALL,
        values: &["penalty_weight = 10.0", "critic_steps = 5"],
        why: "WGAN-GP's own setting (docs/FORMULAS.md#baselines-on-the-same-loop, Gulrajani et al.): the interpolate penalty at \
              weight 10, five critic steps per generator step",
    },
    Row {
        losses: &[LossKind::WganGp, LossKind::CwganGp],
        data: IMAGES,
        values: &["beta2 = 0.9"],
        why: "WGAN-GP's Adam betas (0.5, 0.9) (docs/FORMULAS.md#baselines-on-the-same-loop)",
    },
];

/// The configuration every run starts from, before [`TABLE`]: the toy setting of docs/FORMULAS.md#defaults
/// (MLPs of 3 hidden ReLU layers, normal noise of dimension 2, batch 256) with layers of 128
/// units instead of its 512 (a sixteenth of the arithmetic, the same quality at a faster rate:
/// EXPERIMENTS.md, "Time to quality: 3 by 128 networks at Adam 1e-3"), and
/// the choices of EXPERIMENTS.md, "The ring: LS-GAN's defaults" (Adam (0.5, 0.9)
/// at 1e-4 falling linearly to 0 over 3,000 iterations, l1 margin τ = 1, λ = 1, no weight on
/// mean L(x) as in the author's code), a linear critic output, no penalty, WGAN's clipping
/// bound c = 0.01 (docs/FORMULAS.md#baselines-on-the-same-loop) and GLS-GAN's slope ν = 0.5;
/// a picture every 500 iterations and TensorBoard's events (EXPERIMENTS.md, "Pictures while a
/// run trains: every 500 iterations on 2-D data").
fn base(loss: LossKind, data: &DataSource) -> TrainConfig {
    TrainConfig {
        data: DataOptions {
            data: data.clone(),
            data_dir: String::new(),
            image_size: 0,
            image_channels: 0,
            point_dim: 0,
            standardise: true,
            labels: 0,
            classes: 0,
        },
        objective: ObjectiveOptions {
            loss,
            margin: MarginDistance::L1,
            margin_scale: 1.0,
            margin_norm: MarginNorm::Sum,
            hinge_weight: 1.0,
            real_weight: 0.0,
            penalty_weight: 0.0,
            unlabelled_weight: 0.0,
            feature_matching: 0.0,
            penalty_every: 1,
            glsgan_slope: 0.5,
            clip: 0.01,
        },
        budget: BudgetOptions {
            iters: 3000,
            time_budget: 0.0,
            critic_budget: 0,
        },
        networks: NetworkOptions {
            noise: NoiseKind::Normal,
            noise_dim: 2,
            gen_width: 128,
            gen_depth: 3,
            critic_width: 128,
            critic_depth: 3,
            activation: Activation::Relu,
            critic_output: CriticOutput::Linear,
            critic_output_bias: 0.0,
            gen_batch_norm: true,
            critic_norm: CriticNorm::Layer,
        },
        optimiser: OptimiserOptions {
            batch_size: 256,
            optimizer: OptimizerKind::Adam,
            lr_generator: 1e-4,
            lr_critic: 1e-4,
            lr_schedule: LrSchedule::Linear,
            beta1: 0.5,
            beta2: 0.9,
            critic_steps: 1,
            weight_decay: 0.0,
            ema_decay: 0.0,
        },
        outputs: OutputOptions {
            log_every: 100,
            sample_every: 500,
            checkpoint_every: 500,
            eval_samples: 2500,
            log_fid: false,
            tensorboard: true,
        },
        runtime: RuntimeOptions {
            seed: 0,
            device: DeviceChoice::Auto,
            threads: 0,
            precision: Precision::Fp32,
        },
    }
}

/// The row written last when a CLS-GAN run keeps only some labels (`labels` > 0): the
/// semi-supervised setting, where what helps the classifier differs from the author's fully
/// labelled one.
pub const SEMI_SUPERVISED: Row = Row {
    losses: &[LossKind::Clsgan],
    data: IMAGES,
    values: &[
        "hinge_weight = 0.0",
        "feature_matching = 1.0",
        "critic_norm = \"none\"",
        "margin_scale = 0.004",
    ],
    why: "with 100 of MNIST's labels the conditional hinge (λ = 1, the author's) took the test \
          error to 64% at 1,000 iterations, worse than the labels alone (23%); without it, and \
          with the generator unconditional, 13%; feature matching in the generator's objective \
          10%; over seeds 0-2 the error was 10.2% ± 1.8 at 1,000 iterations and no lower \
          later (12.3% ± 4.9 at 3,000, 15.0% ± 1.9 at 5,000); without the critic's layer norm \
          7.4% ± 1.1 at 1,000, and with the margin's τ 0.004 instead of 0.0008 5.1% ± 0.6; \
          classifying with the averaged critic, 4.4% ± 0.5 at 1,000 and 3.7% ± 0.1 at the \
          images' 3,000 iterations (EXPERIMENTS.md, \"CLS-GAN on MNIST with 100 labels\")",
};

impl TrainConfig {
    /// The defaults of `loss` on `data`: [`base`] with every row of [`TABLE`] that applies
    /// written over it, in order. What `lsgan train --loss LOSS --data DATA` runs.
    pub fn defaults(loss: LossKind, data: &DataSource) -> Self {
        TrainConfig::defaults_with_labels(loss, data, 0)
    }

    /// The defaults of `loss` on `data` for a run that keeps `labels` labelled images (0:
    /// all): [`TrainConfig::defaults`], then [`SEMI_SUPERVISED`] where it applies and
    /// `labels` > 0.
    pub fn defaults_with_labels(loss: LossKind, data: &DataSource, labels: usize) -> Self {
        let kind = DataKind::of(data);
        let mut table = toml::Table::try_from(base(loss, data))
            .expect("the base configuration serialises to TOML");
        let semi_supervised = (labels > 0).then_some(&SEMI_SUPERVISED);
        let rows = TABLE.iter().chain(semi_supervised);
        for row in rows.filter(|row| row.applies_to(loss, kind)) {
            for (key, value) in row.table() {
                assert!(
                    table.contains_key(&key),
                    "the defaults table's row {:?}: no option `{key}`",
                    row.values
                );
                table.insert(key, value);
            }
        }
        TrainConfig::deserialize(table)
            .unwrap_or_else(|e| panic!("the defaults of {} on {data}: {e}", loss.name()))
    }
}

/// An option's default as `--help` shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DefaultValue {
    /// The same for every loss on every kind of data.
    Shared(String),
    /// Different for some; `demo` is LS-GAN's on the ring (what `lsgan train` runs).
    Depends { demo: String },
}

/// The default of the option `key` (a config file's key) over every loss and kind of data.
pub fn default_of(key: &str) -> DefaultValue {
    static EVERY_DEFAULT: OnceLock<Vec<toml::Table>> = OnceLock::new();
    let every = EVERY_DEFAULT.get_or_init(|| {
        LossKind::ALL
            .iter()
            .flat_map(|&loss| {
                DataKind::ALL.iter().map(move |kind| {
                    toml::Table::try_from(TrainConfig::defaults(loss, &kind.example()))
                        .expect("the defaults serialise to TOML")
                })
            })
            .collect()
    });
    let shown = |value: Option<&toml::Value>| match value {
        Some(toml::Value::String(text)) if text.is_empty() => "\"\"".to_string(),
        Some(toml::Value::String(text)) => text.clone(),
        Some(value) => value.to_string(),
        None => "?".to_string(),
    };
    match key {
        "loss" => return DefaultValue::Shared(DEFAULT_LOSS.name().to_string()),
        "data" => return DefaultValue::Shared(DEFAULT_DATA.to_string()),
        _ => {}
    }
    let demo = TrainConfig::default();
    let demo = shown(
        toml::Table::try_from(demo)
            .ok()
            .as_ref()
            .and_then(|t| t.get(key)),
    );
    if every.iter().all(|table| shown(table.get(key)) == demo) {
        DefaultValue::Shared(demo)
    } else {
        DefaultValue::Depends { demo }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data_of(kind: DataKind) -> DataSource {
        kind.example()
    }

    #[test]
    fn help_shows_a_default_shared_by_every_loss_and_one_that_depends() {
        assert_eq!(default_of("device"), DefaultValue::Shared("auto".into()));
        assert_eq!(default_of("loss"), DefaultValue::Shared("lsgan".into()));
        assert_eq!(default_of("data"), DefaultValue::Shared("ring".into()));
        let DefaultValue::Depends { demo } = default_of("batch_size") else {
            panic!("batch_size differs between the ring and MNIST");
        };
        assert_eq!(
            demo,
            TrainConfig::default().optimiser.batch_size.to_string()
        );
    }

    /// `text`'s MD5 digest in lowercase hex.
    fn md5_hex(text: &str) -> String {
        <md5::Md5 as md5::Digest>::digest(text.as_bytes())
            .iter()
            .map(|byte| format!("{byte:02x}"))
            .collect()
    }

    /// The MD5 of the TOML that each loss's defaults on each kind of data write, recorded
    /// before the defaults moved into this table (from the five places that decided them
    /// then); a change to any resolved default fails here, naming the loss and the data and
    /// printing the whole TOML.
    #[test]
    fn every_resolved_default_is_as_recorded() {
        // Per loss, in the order of `DataKind::ALL`: the ring, the grid, a CSV file, MNIST,
        // Fashion-MNIST, CIFAR-10 and an image folder.
        let recorded = [
            (
                LossKind::Lsgan,
                [
                    "ca69c513197664963f0b6f195f3d32c6",
                    "c6ae0b49c5bd66275559abba58ad8348",
                    "f83ae790773a7b5f6a43034e2cd3a2a1",
                    "56f70574c19a827ed3d8b0f29a436d7b",
                    "4d35833161e6f5916fc320318fb22d3d",
                    "8bc3c03093fde08c9ad7c196818e11bf",
                    "553123bac28978cf19a4c0e883bb6df1",
                ],
            ),
            (
                LossKind::Glsgan,
                [
                    "dbbd4913a465b041874c67949bfcc236",
                    "2bdc002da6e3e52647539743f6ffff13",
                    "82ffdc8b5108c1a6dd20c48dbd8d6914",
                    "a587a8acb2bcebe721faf46deadc21b9",
                    "0dc7d371ba856b7db86b7beedbf8fc50",
                    "cd0a9f5b9a3acbcd47c73f9079be205d",
                    "3ae05c2892d5718a711da5c859589e18",
                ],
            ),
            (
                LossKind::Wgan,
                [
                    "3078d18a00fe6fd09b851bd50cfd670c",
                    "17269c3dbe6b5729ef917f688356233a",
                    "60641b02137695f1b01a786085f77101",
                    "1203f2e0b830254f253e0fd97cabbef5",
                    "e8d47010c68eabe792fa950538de4529",
                    "11bae1184ab44c8752077acee46d62df",
                    "9496d6a0fdba0314d54acd2f87c36578",
                ],
            ),
            (
                LossKind::WganGp,
                [
                    "157e3f51d5f84d0269c08e15f68bc283",
                    "1c9af030ea0e8df507fe86c74a0c865d",
                    "f26a0e8c5ab6e6864b0d0d6da2ea0250",
                    "303c208d8f058d26428579d8d6dd4d1a",
                    "ba61061c51f14d6247a47d4d8a57e056",
                    "ca0d19e45c47c4cc7dd157bf5123df51",
                    "99a1fec7982a9a8658fac4cceb93be21",
                ],
            ),
            (
                LossKind::Gan,
                [
                    "96e1f0bd5e003dccb50ca3f2ac799d3f",
                    "e8c7c8daa4a2071de06cc10d12003296",
                    "c0f95a53a5201344334907619b981c62",
                    "8ef21dd5e07272455850dba0b3110404",
                    "4b8acc676f6b9e1ca1a024aa64a2e112",
                    "baa49b0779e844c0a037c8945b2b91b9",
                    "b46c1a79f5a6376f750895cd1c940628",
                ],
            ),
            (
                LossKind::Clsgan,
                [
                    "19dec92d257dab8d5c44456224f2092e",
                    "d1a5e8b295140899c5db590ae1653e40",
                    "fac6c6822675d261686926a8a441d5ce",
                    "98c28dddc219e814620e0d24595dfdb9",
                    "08bad0d5814a40e2b57fb707dcfc79d9",
                    "4ad9171ba5e6c7a06a5a842fa3a9627d",
                    "98cf9df985b8a998acfb83da28e0778e",
                ],
            ),
            (
                LossKind::CwganGp,
                [
                    "a0ab8bdc46ddd2f74c64d6750a1bb9c8",
                    "d98a132d98d572c093b22b129369fa83",
                    "16bce555386968530811bf4edc78bf6c",
                    "a447482e638a403ed00cc16b3415d324",
                    "1bef1b1f4d9356eb07ca520eb003bce3",
                    "1c75df0a4c533b55a43e2b77e4e27745",
                    "2559f73698236bfc2416c261a54c5451",
                ],
            ),
        ];
        for (loss, digests) in recorded {
            for (kind, digest) in DataKind::ALL.into_iter().zip(digests) {
                let data = data_of(kind);
                let toml = TrainConfig::defaults(loss, &data).to_toml();
                let hex = md5_hex(&toml);
                assert_eq!(hex, digest, "{} on {data}:\n{toml}", loss.name());
            }
        }
        // A CLS-GAN run that keeps 100 labels (semi-supervised) on each labelled data set.
        let semi_supervised = [
            (DataKind::Mnist, "736fb39f3017899f5632faba8991d0bf"),
            (DataKind::FashionMnist, "656648bf11aa9a5a16c38fbdb2a2c693"),
            (DataKind::Cifar10, "6e81985c2d184c6d120ba55edfe9162f"),
        ];
        for (kind, digest) in semi_supervised {
            let data = data_of(kind);
            let toml = TrainConfig::defaults_with_labels(LossKind::Clsgan, &data, 100).to_toml();
            let hex = md5_hex(&toml);
            assert_eq!(hex, digest, "CLS-GAN with 100 labels on {data}:\n{toml}");
        }
    }

    /// Every row applies somewhere and changes what it applies to: none is left over from a
    /// default that a later row always overrides.
    #[test]
    fn every_row_sets_an_option_to_a_value_it_keeps() {
        for (index, row) in TABLE.iter().enumerate() {
            let mut kept = false;
            for &loss in row.losses {
                for &kind in row.data {
                    let data = data_of(kind);
                    let resolved =
                        toml::Table::try_from(TrainConfig::defaults(loss, &data)).unwrap();
                    let overridden_later = |key: &str| {
                        TABLE[index + 1..].iter().any(|later| {
                            later.applies_to(loss, kind) && later.table().contains_key(key)
                        })
                    };
                    kept |= row
                        .table()
                        .iter()
                        .any(|(key, value)| !overridden_later(key) && resolved[key] == *value);
                }
            }
            assert!(
                kept,
                "row {index} ({:?}) is overridden wherever it applies",
                row.values
            );
        }
    }

    #[test]
    fn defaults_depend_on_the_loss_and_the_data() {
        let ring = |loss| TrainConfig::defaults(loss, &DataSource::Ring);
        let wgan = ring(LossKind::Wgan);
        assert_eq!(wgan.optimiser.optimizer, OptimizerKind::Rmsprop);
        assert_eq!(wgan.optimiser.critic_steps, 5);
        assert_eq!(ring(LossKind::WganGp).objective.penalty_weight, 10.0);
        assert_eq!(
            ring(LossKind::Lsgan).networks.critic_output,
            CriticOutput::Relu
        );
        assert_eq!(
            TrainConfig::default(),
            TrainConfig::defaults(DEFAULT_LOSS, &DEFAULT_DATA)
        );
    }

    /// On images LS-GAN's critic ends in a softplus and GLS-GAN's in nothing (its softplus
    /// sank on MNIST: EXPERIMENTS.md); neither keeps the MLP's ReLU bias.
    #[test]
    fn image_defaults_choose_the_critic_output_per_loss() {
        let output = |loss| TrainConfig::defaults(loss, &DataSource::Images(ImageDataset::Mnist));
        assert_eq!(
            output(LossKind::Lsgan).networks.critic_output,
            CriticOutput::Softplus
        );
        assert_eq!(
            output(LossKind::Glsgan).networks.critic_output,
            CriticOutput::Linear
        );
        assert_eq!(output(LossKind::Glsgan).networks.critic_output_bias, 0.0);
        assert_eq!(
            TrainConfig::defaults(LossKind::Glsgan, &DataSource::Ring)
                .networks
                .critic_output,
            CriticOutput::Relu
        );
    }

    /// LS-GAN's critic takes five steps per generator step on the grid (one died on every
    /// seed there), one on the ring; other losses keep their own on both.
    #[test]
    fn lsgan_takes_five_critic_steps_on_the_grid_only() {
        let steps = |loss, data| {
            TrainConfig::defaults(loss, &DataSource::parse(data).unwrap())
                .optimiser
                .critic_steps
        };
        assert_eq!(steps(LossKind::Lsgan, "grid"), 5);
        assert_eq!(steps(LossKind::Lsgan, "ring"), 1);
        assert_eq!(steps(LossKind::Glsgan, "grid"), 1);
        assert_eq!(steps(LossKind::WganGp, "grid"), 5);
    }

    #[test]
    fn lsgans_measured_defaults_apply_where_they_were_measured() {
        let of = |loss, data: DataSource| TrainConfig::defaults(loss, &data).objective;
        let images = |dataset| DataSource::Images(dataset);
        assert_eq!(of(LossKind::Lsgan, DataSource::Ring).penalty_weight, 0.5);
        assert_eq!(TrainConfig::default().objective.penalty_weight, 0.5);
        assert_eq!(of(LossKind::Lsgan, DataSource::Grid).penalty_weight, 0.5);
        assert_eq!(of(LossKind::Glsgan, DataSource::Ring).penalty_weight, 0.5);
        assert_eq!(of(LossKind::Glsgan, DataSource::Grid).penalty_weight, 0.1);
        let mnist = of(LossKind::Lsgan, images(ImageDataset::Mnist));
        assert_eq!((mnist.margin_scale, mnist.penalty_weight), (0.002, 0.1));
        let fashion = of(LossKind::Lsgan, images(ImageDataset::FashionMnist));
        assert_eq!(fashion.margin_scale, 0.002);
        assert_eq!(
            of(LossKind::Lsgan, images(ImageDataset::Cifar10)).margin_scale,
            0.0002
        );
        assert_eq!(
            of(LossKind::Glsgan, images(ImageDataset::Mnist)).margin_scale,
            0.0002
        );
        let rates = |loss, data: DataSource| {
            let optimiser = TrainConfig::defaults(loss, &data).optimiser;
            (optimiser.lr_generator, optimiser.lr_critic)
        };
        let measured = [
            (LossKind::Lsgan, DataSource::Ring, 1e-3),
            (LossKind::Lsgan, DataSource::Grid, 2e-3),
            (LossKind::Glsgan, DataSource::Ring, 1e-3),
            (LossKind::Glsgan, DataSource::Grid, 1e-4),
            (LossKind::Gan, DataSource::Ring, 1e-4),
            (LossKind::Lsgan, images(ImageDataset::Mnist), 4e-4),
            (LossKind::Lsgan, images(ImageDataset::FashionMnist), 4e-4),
            (LossKind::Lsgan, images(ImageDataset::Cifar10), 1e-4),
            (LossKind::WganGp, images(ImageDataset::Mnist), 1e-4),
        ];
        for (loss, data, rate) in measured {
            assert_eq!(
                rates(loss, data.clone()),
                (rate, rate),
                "{loss:?} on {data}"
            );
        }
    }
}
