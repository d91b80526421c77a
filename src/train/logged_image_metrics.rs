//! Image metrics at every logged line (`log_fid = true`): FID, KID, precision/recall and the
//! classes covered of the evaluation images, in the space of the data set's own classifier
//! (MNIST, Fashion-MNIST; `lsgan train-classifier` trains it once), against the held-out
//! images the run evaluates on — the measurement of `lsgan evaluate --features classifier`,
//! taken while the run trains so that `metrics.jsonl`, the loss curves and TensorBoard show
//! it. The classifier and the held-out images' features are loaded once. The metrics draw no
//! number from libtorch's random generator, so training goes as it would without them.

use tch::{Device, Tensor};

use crate::error::{Error, Result};
use crate::metrics::classifier::{default_weights_path, Classifier};
use crate::metrics::images::{evaluate_against, MetricOptions, Reference};
use crate::metrics::ImageMetrics;
use crate::train::config::TrainConfig;

/// The classifier and the held-out images' features in its space.
pub struct LoggedImageMetrics {
    classifier: Classifier,
    reference: Reference,
}

impl LoggedImageMetrics {
    /// The metrics `config` asks for at each logged line, measured against `held_out`
    /// ([N, 1, 28, 28] in [−1, 1]); none when `log_fid` is off. Bad input when the data has
    /// no classifier, or its classifier has not been trained yet.
    pub fn load(config: &TrainConfig, held_out: &Tensor, device: Device) -> Result<Option<Self>> {
        if !config.outputs.log_fid {
            return Ok(None);
        }
        let dataset = match config.data.data.images() {
            Some(dataset) if config.classifier_applies() => dataset.name(),
            _ => {
                return Err(Error::bad_input(format!(
                    "option --log-fid: measured in the classifier's space, which MNIST and \
                     Fashion-MNIST at 28×28 have; this run's data is {}",
                    config.data.data
                )))
            }
        };
        let file = default_weights_path(&dataset);
        if !file.is_file() {
            return Err(Error::bad_input(format!(
                "option --log-fid: {} is missing; train the {dataset} classifier once with \
                 `{}` (about 15 s)",
                file.display(),
                config.train_classifier_command()
            )));
        }
        let classifier = Classifier::load(&file, device)?;
        let reference = Reference::compute(held_out, &classifier)?;
        Ok(Some(LoggedImageMetrics {
            classifier,
            reference,
        }))
    }

    /// The metrics of `generated` images, with the classes the classifier reads them as.
    pub fn measure(&self, generated: &Tensor) -> Result<ImageMetrics> {
        let options = MetricOptions::default();
        let metrics = evaluate_against(generated, &self.reference, &self.classifier, &options)?;
        Ok(metrics.with_class_shares(self.classifier.class_shares(generated)?))
    }
}
