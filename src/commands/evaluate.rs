//! `lsgan evaluate`: FID, KID and precision/recall of a finished image run, measured on N
//! generated images against the first N held-out real images (the test split; a folder's
//! own images), in Inception-v3 space and — for 28×28 data whose classifier has been trained
//! (`lsgan train-classifier`) — in the digit classifier's space, with the classes the
//! classifier reads the samples as (how many of the ten are covered). Written to
//! `RUN_DIR/image_metrics.json`. Kept apart from training because Inception on a CPU takes
//! minutes for thousands of images; the networks run on `--device` (cuda where available),
//! with a progress bar per pass ([`Tracked`]).

use std::path::{Path, PathBuf};

use indicatif::{ProgressBar, ProgressStyle};
use serde::{Deserialize, Serialize};
use tch::{Device, Tensor};

use crate::commands::evaluate_classes::{evaluate_classes, ClassEvaluation, ClassMeasurement};
use crate::commands::sample::{GeneratorFlags, TrainedGenerator, Weights};
use crate::data::images::{ImageDataset, ImageSet, Split};
use crate::error::{Error, Result};
use crate::metrics::classifier::{default_weights_path, Classifier};
use crate::metrics::features::FeatureSpace;
use crate::metrics::images::{evaluate_images, MetricOptions, ReferenceKey};
use crate::metrics::inception::Inception;
use crate::metrics::kid::DEFAULT_SUBSET_SIZE;
use crate::metrics::{cache_root, FeatureExtractor, ImageMetrics};
use crate::storage::files::{CLASSES_FILE, CONFUSION_FILE};
use crate::storage::RunDir;
use crate::train::trainer::device_name;
use crate::train::RunSummary;

/// The file `evaluate` writes into the run folder (named with the others in storage).
pub use crate::storage::files::IMAGE_METRICS_FILE;

/// Which feature spaces to measure in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum FeatureSpaces {
    Inception,
    Classifier,
    /// Inception, plus the classifier where one applies.
    All,
}

/// What `image_metrics.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct RunEvaluation {
    pub data: String,
    pub loss: String,
    pub iterations: u64,
    /// Which generator was measured (`final` or `ema` in the file).
    pub generator: Weights,
    pub metrics: Vec<ImageMetrics>,
    /// A conditional run's classes (written to their own file, `classes.json`).
    #[serde(skip)]
    pub classes: Option<ClassEvaluation>,
}

/// The run's `image_metrics.json`, when `lsgan evaluate` (or `compare`) wrote one.
pub fn read_run_evaluation(run_dir: &Path) -> Result<Option<RunEvaluation>> {
    let path = run_dir.join(IMAGE_METRICS_FILE);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io("reading", &path, e)),
    };
    serde_json::from_str(&text).map(Some).map_err(|e| {
        Error::bad_input(format!(
            "{}: not an image metrics file ({e}); delete it and run `lsgan evaluate {}` again",
            path.display(),
            run_dir.display()
        ))
    })
}

/// What to measure a run with: how many images, which generator, where.
#[derive(Clone, Copy, Debug)]
pub struct Measurement {
    /// Generated images, and held-out real images (None: the run's `eval_samples`).
    pub n: Option<usize>,
    pub weights: Weights,
    pub spaces: FeatureSpaces,
    /// Seed for the generator's noise and KID's subsets.
    pub seed: u64,
    pub device: Device,
    /// Show a progress bar for each pass through a network.
    pub progress: bool,
}

/// A feature extractor that feeds its images in chunks and shows a progress bar over
/// them. The chunks are multiples of the networks' own batches, so the features are the
/// same as in one call.
struct Tracked<'a> {
    inner: &'a dyn FeatureExtractor,
    visible: bool,
}

impl FeatureExtractor for Tracked<'_> {
    fn space(&self) -> FeatureSpace {
        self.inner.space()
    }

    fn id(&self) -> String {
        self.inner.id()
    }

    fn features(&self, images: &Tensor) -> Result<Tensor> {
        let n = images.size()[0];
        let chunk = match self.space() {
            FeatureSpace::Inception => 100,
            FeatureSpace::Classifier => 1000,
        };
        let bar = if self.visible {
            ProgressBar::new(n as u64)
        } else {
            ProgressBar::hidden()
        };
        let template = format!(
            "{{spinner}} [{{elapsed_precise}}] {} features {{wide_bar}} {{pos}}/{{len}} images  ETA {{eta}}",
            self.space()
        );
        if let Ok(style) = ProgressStyle::with_template(&template) {
            bar.set_style(style);
        }
        let mut parts = Vec::new();
        for start in (0..n).step_by(chunk) {
            let length = (chunk as i64).min(n - start);
            parts.push(self.inner.features(&images.narrow(0, start, length))?);
            bar.inc(length as u64);
        }
        bar.finish_and_clear();
        if parts.is_empty() {
            return self.inner.features(images);
        }
        Ok(Tensor::cat(&parts, 0))
    }
}

/// Measures the run in `run_dir` as `measurement` says.
pub fn evaluate_run(run_dir: &Path, measurement: &Measurement) -> Result<RunEvaluation> {
    let Measurement {
        n,
        weights,
        spaces,
        seed,
        device,
        progress,
    } = *measurement;
    let trained = TrainedGenerator::load(run_dir, weights, device)?;
    let config = &trained.config;
    let dataset = config.data.data.images().cloned().ok_or_else(|| {
        Error::bad_input(format!(
            "{}: evaluate measures image runs; this run trained on {}",
            run_dir.display(),
            config.data.data
        ))
    })?;
    // Empty means the per-user cache; the image layer resolves that itself.
    let data_dir = Path::new(&config.data.data_dir);
    let (split, split_name) = match dataset {
        ImageDataset::Folder(_) => (Split::Train, "train"),
        _ => (Split::Test, "test"),
    };
    let want = (
        config.data.image_channels as i64,
        config.data.image_size as i64,
    );
    let real_set = ImageSet::load(&dataset, data_dir, split, want)?;
    let n = n.unwrap_or(config.outputs.eval_samples).min(real_set.len());
    if n < 2 {
        return Err(Error::bad_input(
            "option --eval-samples: expected at least 2 images",
        ));
    }
    let real = crate::data::images::to_unit_range(&real_set.images.narrow(0, 0, n as i64));
    let generated = trained.samples(n, seed);

    let inception = if spaces != FeatureSpaces::Classifier {
        Some(Inception::load(device)?)
    } else {
        None
    };
    let classifier_file = default_weights_path(&dataset.name());
    let classifier = if spaces != FeatureSpaces::Inception && config.classifier_applies() {
        if !classifier_file.is_file() {
            return Err(Error::bad_input(format!(
                "{}: no digit classifier; train it with `{}`",
                classifier_file.display(),
                config.train_classifier_command()
            )));
        }
        Some(Classifier::load(&classifier_file, device)?)
    } else {
        None
    };
    let mut extractors: Vec<Tracked> = Vec::new();
    if let Some(inception) = &inception {
        extractors.push(Tracked {
            inner: inception,
            visible: progress,
        });
    }
    if let Some(classifier) = &classifier {
        extractors.push(Tracked {
            inner: classifier,
            visible: progress,
        });
    }
    if extractors.is_empty() {
        return Err(Error::bad_input(format!(
            "{}: the classifier's feature space is for 28×28 MNIST-like runs; use --features inception",
            run_dir.display()
        )));
    }
    // The size is part of the key: one folder resized two ways gives two references.
    let reference_name = format!(
        "{}-{}x{}",
        real_set.name,
        real_set.channels(),
        real_set.height()
    );
    let key = ReferenceKey {
        dataset: &reference_name,
        split: split_name,
    };
    let cache = cache_root();
    let options = MetricOptions {
        seed,
        ..Default::default()
    };
    let metrics = extractors
        .iter()
        .map(|extractor| {
            let metrics =
                evaluate_images(&generated, &real, &key, extractor, Some(&cache), &options)?;
            match &classifier {
                // Which digits (or garments) the samples are, as the classifier reads them.
                Some(classifier) if metrics.feature == classifier.space() => {
                    Ok(metrics.with_class_shares(classifier.class_shares(&generated)?))
                }
                _ => Ok(metrics),
            }
        })
        .collect::<Result<Vec<_>>>()?;
    let evaluation = RunEvaluation {
        data: config.data.data.to_string(),
        loss: config.objective.loss.name().into(),
        // The iterations the weights were trained for: fewer than the budget's when a time
        // or critic budget stopped the run (compare re-measures when they differ).
        iterations: RunSummary::read(run_dir).map_or(config.budget.iters, |s| s.iterations),
        generator: weights,
        metrics,
        classes: None,
    };
    RunDir::open(run_dir)?.write_json(IMAGE_METRICS_FILE, &evaluation)?;
    let classes = match config.objective.loss.is_conditional() {
        true => Some(evaluate_classes(
            run_dir,
            config,
            &ClassMeasurement {
                per_class: measurement.n,
                weights,
                seed,
                device,
            },
        )?),
        false => None,
    };
    Ok(RunEvaluation {
        classes,
        ..evaluation
    })
}

#[derive(clap::Args)]
pub struct EvaluateArgs {
    /// A finished image run folder.
    pub run_dir: PathBuf,
    /// Generated images, and held-out real images, to compare [default: the run's
    /// eval_samples, 1000 for image runs].
    #[arg(short = 'n', long, alias = "count", value_name = "N")]
    pub eval_samples: Option<usize>,
    /// Feature spaces: inception, classifier (28×28 digits), or all that apply.
    #[arg(long, value_enum, default_value = "all")]
    pub features: FeatureSpaces,
    /// Seed for the generator's noise and KID's subsets.
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    #[command(flatten)]
    pub generator: GeneratorFlags,
    /// No progress bars.
    #[arg(long, short)]
    pub quiet: bool,
}

/// `lsgan evaluate`: measures a finished image run and prints one line per feature space.
pub fn evaluate_command(args: EvaluateArgs) -> Result<()> {
    let measurement = Measurement {
        n: args.eval_samples,
        weights: args.generator.weights(&args.run_dir),
        spaces: args.features,
        seed: args.seed,
        device: args.generator.device()?,
        progress: !args.quiet,
    };
    eprintln!(
        "measuring {} ({} generator) with {} generated and held-out images on {}",
        args.run_dir.display(),
        measurement.weights.describe(),
        args.eval_samples
            .map_or_else(|| "the run's eval_samples".to_string(), |n| n.to_string()),
        device_name(measurement.device)
    );
    let evaluation = evaluate_run(&args.run_dir, &measurement)?;
    for m in &evaluation.metrics {
        // With N ≤ the subset size every KID subset is the whole set: no spread to show.
        let kid = if m.n.min(m.n_reference) as usize > DEFAULT_SUBSET_SIZE {
            format!("KID {:.4} ± {:.4}", m.kid_mean, m.kid_std)
        } else {
            format!("KID {:.4}", m.kid_mean)
        };
        println!(
            "{} ({} vs {}): FID {:.2}  {kid}  precision {:.3}  recall {:.3}{}",
            m.feature,
            m.n,
            m.n_reference,
            m.fid,
            m.precision,
            m.recall,
            m.classes_text()
        );
    }
    println!(
        "written to {}",
        args.run_dir.join(IMAGE_METRICS_FILE).display()
    );
    if let Some(classes) = &evaluation.classes {
        print_classes(classes);
        let confusion = match classes.confusion {
            Some(_) => format!(" and {}", args.run_dir.join(CONFUSION_FILE).display()),
            None => String::new(),
        };
        println!(
            "written to {}{confusion}",
            args.run_dir.join(CLASSES_FILE).display()
        );
    }
    Ok(())
}

/// The lines `evaluate` prints for a conditional run.
fn print_classes(classes: &ClassEvaluation) {
    let percent = |shares: &[f64]| {
        shares
            .iter()
            .map(|share| format!("{:.1}", 100.0 * share))
            .collect::<Vec<_>>()
            .join(" ")
    };
    if let Some(classification) = &classes.classification {
        let critic = classes.critic.unwrap_or(Weights::Final).describe();
        println!(
            "{critic} critic as classifier ({} test images): error {:.2}%; per class (%): {}",
            classification.images,
            100.0 * classification.test_error,
            percent(&classification.per_class_error)
        );
    }
    if let Some(generation) = &classes.generation {
        println!(
            "samples of each class ({} each) read as that class (%): {} (lowest {:.1}%)",
            generation.per_class,
            percent(&generation.agreement),
            100.0 * generation.worst_agreement()
        );
        let fid: Vec<String> = generation.fid.iter().map(|f| format!("{f:.2}")).collect();
        println!("FID per class (classifier space): {}", fid.join(" "));
    }
}
