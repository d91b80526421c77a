//! The commands, one library function each, that the `lsgan` binary dispatches to: they
//! take their options (clap's `Args`, declared here once), call the layers below and print
//! what a person reads; the binary maps their errors to exit codes.
//!
//! | command | file |
//! |---------|------|
//! | `train`, `resume` | `train.rs` |
//! | `config` | `config.rs` |
//! | `compare` | `compare.rs`; on Slurm (`--slurm`) `slurm.rs` |
//! | `report` | `report.rs` |
//! | `sample`, `interpolate` | `sample.rs` |
//! | `evaluate` | `evaluate.rs` |
//! | `bench` | `bench.rs` |
//! | `download` | `download.rs` |
//! | `train-classifier` | `train_classifier.rs` |

pub mod bench;
pub mod compare;
pub mod config;
pub mod download;
pub mod evaluate;
pub mod evaluate_classes;
pub mod report;
pub mod sample;
pub mod slurm;
pub mod train;
pub mod train_classifier;
