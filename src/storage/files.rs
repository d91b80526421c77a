//! The files of a run folder, by name:
//!
//! | file | what |
//! |------|------|
//! | `config.toml` | the resolved configuration; `lsgan train --config` runs it again |
//! | `metrics.jsonl` | one log record per logged iteration |
//! | `final_metrics.json` | the last evaluation, timing and the run's identity; its presence marks the run finished |
//! | `generator.safetensors`, `critic.safetensors` | final weights (`lsgan sample` reads them) |
//! | `generator_ema.safetensors` | final averaged generator weights, when `ema_decay` > 0 |
//! | `critic_ema.safetensors` | a conditional run's final averaged critic weights, when `ema_decay` > 0 |
//! | `checkpoint.safetensors` | everything `lsgan resume` needs |
//! | `checkpoint.previous.safetensors` | the checkpoint before it (`resume --previous-checkpoint`) |
//! | `checkpoint.damaged.safetensors` | a latest checkpoint set aside by `resume --previous-checkpoint` |
//! | `lsgan.claim` | present while a process trains into the folder: its host, process id and token (`claim`) |
//! | `critic_landscape.png` (2-D data), `loss_curves.png`, `diagnostics.png`, `allocation.png` | pictures |
//! | `allocation.csv` | the numbers behind `allocation.png` |
//! | `samples.png`, `samples/iter_NNNNNN.png` (images) | sample grids on fixed noise |
//! | `image_metrics.json` (images) | FID, KID, precision/recall from `lsgan evaluate` |
//! | `labelled.json` (CLS-GAN) | the training images that kept their labels (`--labels`) |
//! | `classes.json`, `confusion.png` (CLS-GAN) | the critic's test error, per class and as a confusion matrix, and the conditional samples' class agreement and per-class FID, from `lsgan evaluate` |
//! | `events.out.tfevents.*` | TensorBoard's event files: every logged line's scalars, the pictures of each sample interval and the options as text, one file per training process (`event_file`) |

pub const CONFIG_FILE: &str = "config.toml";
pub const METRICS_LOG_FILE: &str = "metrics.jsonl";
pub const FINAL_METRICS_FILE: &str = "final_metrics.json";
pub const GENERATOR_FILE: &str = "generator.safetensors";
pub const CRITIC_FILE: &str = "critic.safetensors";
pub const EMA_GENERATOR_FILE: &str = "generator_ema.safetensors";
/// A conditional run's averaged critic, which `lsgan evaluate` classifies with.
pub const EMA_CRITIC_FILE: &str = "critic_ema.safetensors";
/// The latest checkpoint.
pub const CHECKPOINT_FILE: &str = "checkpoint.safetensors";
/// The checkpoint before the latest, kept when a new one replaces it.
pub const PREVIOUS_CHECKPOINT_FILE: &str = "checkpoint.previous.safetensors";
/// Where `resume --previous-checkpoint` moves the latest checkpoint.
pub const SET_ASIDE_CHECKPOINT_FILE: &str = "checkpoint.damaged.safetensors";
pub const LANDSCAPE_FILE: &str = "critic_landscape.png";
pub const LOSS_CURVES_FILE: &str = "loss_curves.png";
pub const SAMPLES_FILE: &str = "samples.png";
pub const SAMPLES_FOLDER: &str = "samples";
pub const DIAGNOSTICS_FILE: &str = "diagnostics.png";
pub const ALLOCATION_PLOT_FILE: &str = "allocation.png";
pub const ALLOCATION_DATA_FILE: &str = "allocation.csv";
/// FID, KID and precision/recall of an image run (`lsgan evaluate`, `lsgan compare`).
pub const IMAGE_METRICS_FILE: &str = "image_metrics.json";
/// The training images a CLS-GAN run kept labelled.
pub const LABELLED_FILE: &str = "labelled.json";
/// A CLS-GAN run's classification and per-class generation metrics (`lsgan evaluate`).
pub const CLASSES_FILE: &str = "classes.json";
/// A CLS-GAN run's confusion matrix on the test split (`lsgan evaluate`).
pub const CONFUSION_FILE: &str = "confusion.png";
/// The shift and scale a run standardised its CSV points with (`data::standardise`).
pub const STANDARDISATION_FILE: &str = "standardisation.json";
/// The claim of the process training into the folder (`storage::claim`).
pub const CLAIM_FILE: &str = "lsgan.claim";
