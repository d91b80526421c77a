//! # lsgan — Loss-Sensitive GANs and their relatives, on libtorch
//!
//! Trains Loss-Sensitive GANs (LS-GAN, G.-J. Qi 2017, arXiv:1701.06264) — not Least-Squares
//! GAN — and, on the same networks, data and loop, GLS-GAN, WGAN, WGAN-GP and the standard
//! GAN; measures the result and draws what the critic ("loss function" L) learned.
//!
//! The layers, bottom to top, one module each (`docs/ARCHITECTURE.md` draws them; a lower
//! layer never imports a higher one, and `tests/architecture.rs` keeps it so; the formulas
//! are in docs/FORMULAS.md):
//!
//! | module | what lives there |
//! |--------|------------------|
//! | [`error`], [`process`], [`storage`] | typed errors with exit codes; libtorch's process-wide settings; the run folder (file names, atomic writes, claims, JSON lines) |
//! | [`data`] | real samples: the ring and grid mixtures, CSV point files, image datasets; the data options |
//! | [`nets`] | generator and critic networks (MLP for points, DCGAN for images), the optimisers; the network options |
//! | [`objectives`] | the closed set of losses, a critic and a generator objective per file (`objectives/lsgan.rs` is LS-GAN), margin, penalties; the objective options |
//! | [`metrics`] | modes covered, high-quality share, energy distance; FID, KID, precision/recall; diagnostics |
//! | [`train`] | the whole typed configuration ([`train::config::TrainConfig`]), one training step ([`train::Trainer`]), the loop to the budget, checkpoints |
//! | [`report`] | the run folder as the loop's outputs, pictures, summaries, the HTML report and its claims |
//! | [`commands`] | each command of the binary as a library function: train, resume, compare, report, sample, evaluate, bench, … |
//!
//! ```no_run
//! use lsgan::commands::train::train;
//! use lsgan::data::options::DataSource;
//! use lsgan::objectives::options::LossKind;
//! use lsgan::train::config::TrainConfig;
//! use lsgan::train::run::RunOptions;
//!
//! let mut config = TrainConfig::defaults(LossKind::Lsgan, &DataSource::Ring);
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
