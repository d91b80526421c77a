//! `lsgan evaluate` on a conditional run (CLS-GAN, the conditional WGAN-GP), beside FID: a
//! CLS-GAN critic as a classifier (ŷ = argmin_y L(x, y)) on the whole test split, overall and
//! per class, with the confusion matrix as a picture; and, where the data set's classifier applies (MNIST, Fashion-MNIST),
//! its conditional samples: the share of each requested class that classifier reads as that
//! class, and the FID of each class against the test images of that class (for a generator
//! trained to draw the class it is given). Written to
//! `RUN_DIR/classes.json` and `RUN_DIR/confusion.png`.

use std::path::Path;

use serde::{Deserialize, Serialize};
use tch::{nn, Device, Kind, Tensor};

use crate::commands::sample::{TrainedGenerator, Weights};
use crate::data::images::{ImageSet, Split};
use crate::data::SampleShape;
use crate::error::{Error, Result};
use crate::metrics::classification::{confusion, ClassificationMetrics};
use crate::metrics::classifier::{default_weights_path, Classifier};
use crate::metrics::fid::frechet_distance_of_features;
use crate::metrics::FeatureExtractor;
use crate::nets::Critic;
use crate::report::confusion::draw_confusion;
use crate::storage::files::{CLASSES_FILE, CONFUSION_FILE, CRITIC_FILE, EMA_CRITIC_FILE};
use crate::storage::RunDir;
use crate::train::config::TrainConfig;

/// What `classes.json` holds.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassEvaluation {
    /// Which critic classified: the moving average of its weights (`ema`) where the run has
    /// one and the generator measured is the averaged one too, else the final weights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub critic: Option<Weights>,
    /// The critic as a classifier of the test split (CLS-GAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<ClassificationMetrics>,
    /// counts[true][predicted] on the test split (CLS-GAN).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confusion: Option<Vec<Vec<u64>>>,
    /// The conditional samples, read by the data set's classifier (MNIST, Fashion-MNIST).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generation: Option<ClassGeneration>,
}

/// How well the generator draws the class it is asked for.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ClassGeneration {
    /// Samples drawn of each class.
    pub per_class: usize,
    /// The share of each class's samples the classifier reads as that class.
    pub agreement: Vec<f64>,
    /// The FID of each class's samples against the test images of that class, in the
    /// classifier's feature space.
    pub fid: Vec<f64>,
}

impl ClassGeneration {
    /// The lowest agreement over the classes.
    pub fn worst_agreement(&self) -> f64 {
        self.agreement.iter().copied().fold(f64::INFINITY, f64::min)
    }
}

/// How `evaluate` measures a run's classes: `per_class` samples of each class (None: the
/// run's `eval_samples`) from its `weights`, noise from `seed`, networks on `device`.
#[derive(Clone, Copy, Debug)]
pub struct ClassMeasurement {
    pub per_class: Option<usize>,
    pub weights: Weights,
    pub seed: u64,
    pub device: Device,
}

/// Measures the conditional run in `run_dir` (its config `config`): writes `classes.json`
/// and `confusion.png`.
pub fn evaluate_classes(
    run_dir: &Path,
    config: &TrainConfig,
    measurement: &ClassMeasurement,
) -> Result<ClassEvaluation> {
    let dataset = config
        .data
        .data
        .images()
        .cloned()
        .ok_or_else(|| Error::bad_input(format!("{}: not an image run", run_dir.display())))?;
    let want = (
        config.data.image_channels as i64,
        config.data.image_size as i64,
    );
    let test = ImageSet::load(
        &dataset,
        Path::new(&config.data.data_dir),
        Split::Test,
        want,
    )?;
    let labels = test
        .labels
        .as_ref()
        .ok_or_else(|| Error::bad_input(format!("{}: the test split has no labels", test.name)))?;
    if test.classes() != config.classes() {
        return Err(Error::bad_input(format!(
            "{}: the test images have {} classes ({}), the run trained {}",
            test.name,
            test.classes(),
            test.class_names.join(", "),
            config.classes()
        )));
    }
    let critic_weights = match (measurement.weights, run_dir.join(EMA_CRITIC_FILE).is_file()) {
        (Weights::Averaged, true) => Weights::Averaged,
        _ => Weights::Final,
    };
    let classifies = config.objective.loss.classifies();
    let matrix = if classifies {
        let critic = load_critic(run_dir, config, critic_weights, measurement.device)?;
        Some(confusion(
            &|x| critic.logits(x),
            &test.images,
            labels,
            config.classes(),
            measurement.device,
        )?)
    } else {
        None
    };
    let trained = TrainedGenerator::load(run_dir, measurement.weights, measurement.device)?;
    // A generator that ignores its class (CLS-GAN with λ = 0) has no class to agree with.
    let generation = if config.classifier_applies() && trained.draws_classes() {
        let per_class = measurement.per_class.unwrap_or(config.outputs.eval_samples);
        Some(class_generation(
            &trained,
            &test,
            per_class,
            measurement.seed,
            config,
            measurement.device,
        )?)
    } else {
        None
    };
    let evaluation = ClassEvaluation {
        critic: classifies.then_some(critic_weights),
        classification: matrix.as_ref().map(|m| m.metrics()),
        confusion: matrix.map(|m| m.counts),
        generation,
    };
    let run = RunDir::open(run_dir)?;
    run.write_json(CLASSES_FILE, &evaluation)?;
    if let (Some(counts), Some(metrics)) = (&evaluation.confusion, &evaluation.classification) {
        let title = format!(
            "{}: test error {:.2}%",
            config.title(&config.data.data.to_string()),
            100.0 * metrics.test_error
        );
        draw_confusion(&run.file(CONFUSION_FILE), &title, counts)?;
    }
    Ok(evaluation)
}

/// The run's final or averaged critic (`weights`) on `device`.
fn load_critic(
    run_dir: &Path,
    config: &TrainConfig,
    weights: Weights,
    device: Device,
) -> Result<Critic> {
    let mut store = nn::VarStore::new(device);
    let critic = Critic::build(
        &store.root(),
        &config.networks,
        SampleShape::of(&config.data),
        config.classes(),
    )?;
    let path = run_dir.join(match weights {
        Weights::Final => CRITIC_FILE,
        Weights::Averaged => EMA_CRITIC_FILE,
    });
    store.load(&path).map_err(|e| {
        Error::bad_input(format!(
            "{}: cannot load the critic ({e}); is the run finished?",
            path.display()
        ))
    })?;
    Ok(critic)
}

/// `per_class` samples of each class, read by the data set's classifier.
fn class_generation(
    trained: &TrainedGenerator,
    test: &ImageSet,
    per_class: usize,
    seed: u64,
    config: &TrainConfig,
    device: Device,
) -> Result<ClassGeneration> {
    let path = default_weights_path(&test.name);
    if !path.is_file() {
        return Err(Error::bad_input(format!(
            "{}: no digit classifier; train it with `{}`",
            path.display(),
            config.train_classifier_command()
        )));
    }
    let classifier = Classifier::load(&path, device)?;
    let labels = test.labels.as_ref().expect("a labelled test split");
    let (mut agreement, mut fid) = (Vec::new(), Vec::new());
    for class in 0..trained.classes() {
        let samples = trained.samples_of(per_class, seed + class as u64, Some(class));
        let predicted = classifier.predict(&samples)?.to_device(Device::Cpu);
        agreement.push(
            predicted
                .eq(class)
                .to_kind(Kind::Double)
                .mean(Kind::Double)
                .double_value(&[]),
        );
        let of_class = labels.eq(class).nonzero().squeeze_dim(1);
        let real = crate::data::images::to_unit_range(&test.images.index_select(0, &of_class));
        fid.push(frechet_distance_of_features(
            &features(&classifier, &real)?,
            &features(&classifier, &samples)?,
        )?);
    }
    Ok(ClassGeneration {
        per_class,
        agreement,
        fid,
    })
}

fn features(classifier: &Classifier, images: &Tensor) -> Result<Tensor> {
    Ok(classifier
        .features(images)?
        .to_device(Device::Cpu)
        .to_kind(Kind::Float))
}
