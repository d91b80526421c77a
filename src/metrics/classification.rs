//! How well a conditional run's critic classifies (CLS-GAN: ŷ = argmin_y L(x, y), the argmax of
//! its class outputs): the error on the test split, per class, and the confusion matrix.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

use crate::error::Result;
use crate::objectives::clsgan::predicted_class;

/// Images classified per forward pass.
const CHUNK: i64 = 1000;

/// The classifier's errors on labelled held-out images.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ClassificationMetrics {
    /// The share of images whose predicted class is wrong.
    pub test_error: f64,
    /// The same within each true class, in class order.
    pub per_class_error: Vec<f64>,
    /// Images classified.
    pub images: usize,
}

/// counts[true][predicted] over the images.
#[derive(Clone, Debug, PartialEq)]
pub struct ConfusionMatrix {
    pub counts: Vec<Vec<u64>>,
}

impl ConfusionMatrix {
    /// The confusion of `predicted` against `truth` (i64 [n] each) over `classes` classes.
    pub fn of(predicted: &Tensor, truth: &Tensor, classes: i64) -> Result<Self> {
        let pairs = (truth * classes + predicted).to_kind(Kind::Int64);
        let flat = Vec::<i64>::try_from(pairs.bincount::<Tensor>(None, classes * classes))?;
        let counts = flat
            .chunks(classes as usize)
            .map(|row| row.iter().map(|&c| c as u64).collect())
            .collect();
        Ok(ConfusionMatrix { counts })
    }

    /// The error overall and per class.
    pub fn metrics(&self) -> ClassificationMetrics {
        let total: u64 = self.counts.iter().flatten().sum();
        let correct: u64 = (0..self.counts.len()).map(|c| self.counts[c][c]).sum();
        let per_class_error = self
            .counts
            .iter()
            .enumerate()
            .map(|(class, row)| {
                let n: u64 = row.iter().sum();
                if n == 0 {
                    0.0
                } else {
                    1.0 - row[class] as f64 / n as f64
                }
            })
            .collect();
        ClassificationMetrics {
            test_error: 1.0 - correct as f64 / total.max(1) as f64,
            per_class_error,
            images: total as usize,
        }
    }
}

/// The confusion of the classes that `logits` (a critic's class outputs, [n, K]) predicts for
/// `images` (u8 or f32 in [−1, 1] as the critic takes them, on the CPU) against `labels`,
/// computed in chunks on `device`.
pub fn confusion(
    logits: &dyn Fn(&Tensor) -> Tensor,
    images: &Tensor,
    labels: &Tensor,
    classes: i64,
    device: Device,
) -> Result<ConfusionMatrix> {
    let n = images.size()[0];
    let mut predicted = Vec::new();
    for start in (0..n).step_by(CHUNK as usize) {
        let chunk = images
            .narrow(0, start, CHUNK.min(n - start))
            .to_device(device);
        let chunk = match chunk.kind() {
            Kind::Uint8 => crate::data::images::to_unit_range(&chunk),
            _ => chunk,
        };
        predicted.push(tch::no_grad(|| predicted_class(&logits(&chunk))).to_device(Device::Cpu));
    }
    ConfusionMatrix::of(&Tensor::cat(&predicted, 0), labels, classes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_by_hand() {
        let truth = Tensor::from_slice(&[0i64, 0, 1, 1, 1, 2]);
        let predicted = Tensor::from_slice(&[0i64, 1, 1, 1, 0, 2]);
        let matrix = ConfusionMatrix::of(&predicted, &truth, 3).unwrap();
        assert_eq!(matrix.counts, [[1, 1, 0], [1, 2, 0], [0, 0, 1]]);
        let metrics = matrix.metrics();
        assert!((metrics.test_error - 2.0 / 6.0).abs() < 1e-12);
        assert!((metrics.per_class_error[0] - 0.5).abs() < 1e-12);
        assert!((metrics.per_class_error[1] - 1.0 / 3.0).abs() < 1e-12);
        assert_eq!(metrics.per_class_error[2], 0.0);
        assert_eq!(metrics.images, 6);
    }

    #[test]
    fn chunks_classify_as_one_pass() {
        // A "critic" whose class outputs are the first pixel's one-hot: it predicts class
        // x[0] > 0 for every image, across chunk boundaries.
        let images = Tensor::cat(
            &[
                Tensor::ones([1500, 1, 2, 2], (Kind::Float, Device::Cpu)),
                -Tensor::ones([700, 1, 2, 2], (Kind::Float, Device::Cpu)),
            ],
            0,
        );
        let logits = |x: &Tensor| {
            let first = x.flatten(1, -1).select(1, 0).unsqueeze(1);
            Tensor::cat(&[-&first, first], 1)
        };
        let labels = Tensor::cat(
            &[
                Tensor::ones([1500], (Kind::Int64, Device::Cpu)),
                Tensor::ones([700], (Kind::Int64, Device::Cpu)),
            ],
            0,
        );
        let matrix = confusion(&logits, &images, &labels, 2, Device::Cpu).unwrap();
        assert_eq!(matrix.counts, [[0, 0], [700, 1500]]);
        assert!((matrix.metrics().test_error - 700.0 / 2200.0).abs() < 1e-12);
    }
}
