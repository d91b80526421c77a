//! # lsgan — Loss-Sensitive GANs and their relatives, on libtorch
//!
//! Trains Loss-Sensitive GANs (LS-GAN, G.-J. Qi 2017, arXiv:1701.06264) — not Least-Squares
//! GAN — and, on the same networks, data and loop, GLS-GAN, WGAN, WGAN-GP and the standard
//! GAN; measures the result and draws what the critic ("loss function" L) learned.
//!
//! The flow, one module each (see `../shared/SPEC.md` for the formulas):
//!
//! | module | what lives there |
//! |--------|------------------|
//! | [`config`] | every option, per-loss defaults, TOML + flags merging, validation |
//! | [`data`] | real samples: the ring and grid mixtures, CSV point files, image datasets |
//! | [`nets`] | generator and critic networks (MLP for points, DCGAN for images) |
//! | [`objectives`] | one pure function per loss (`objectives/lsgan.rs` is LS-GAN), margin, penalties |
//! | [`train`] | one training step ([`train::Trainer`]), the whole job ([`train::train`]), checkpoints and resume |
//! | [`metrics`] | modes covered, high-quality share, energy distance; FID, KID, precision/recall |
//! | [`report`] | the run folder's files and pictures (plots, image grids) |
//! | [`sample`] | samples and interpolation strips from a finished run |
//! | [`evaluate`] | FID, KID, precision/recall of a finished image run |
//! | [`compare`] | several losses × seeds on one data set, and their summary |
//! | [`bench`] | the speed of training iterations on standard workloads |
//! | [`process`] | process-wide settings for libtorch's CPU work (MKL threads, allocator) |
//!
//! ```no_run
//! use lsgan::config::{LossKind, TrainConfig};
//! use lsgan::train::{run::RunOptions, train};
//!
//! let mut config = TrainConfig::defaults_for(LossKind::Lsgan);
//! config.data.data = "ring".into();
//! config.budget.iters = 500;
//! let summary = train(config, "runs/demo".as_ref(), RunOptions { force: true, verbose: true })?;
//! let modes = summary.metrics.modes().expect("the ring is a known mixture");
//! println!("{} of {} modes covered", modes.modes_covered, modes.modes_total);
//! # Ok::<(), lsgan::Error>(())
//! ```

pub mod commands;
pub mod data;
pub mod error;
pub mod metrics;
pub mod nets;
pub mod objectives;
pub mod process;
pub mod report;
pub mod storage;
pub mod train;

pub use error::{Error, Result};
