//! The feature spaces image metrics are measured in, and what a network must do to be one:
//! Inception-v3's pool3 (`inception`) or lsgan's own digit classifier (`classifier`) maps
//! images to feature vectors through [`FeatureExtractor`]; [`FeatureSpace`] names which one a
//! measurement was made in (`"inception"` or `"classifier"` in the files).

use std::fmt;

use serde::{Deserialize, Serialize};
use tch::Tensor;

use crate::error::Result;

/// The feature space of a measurement.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FeatureSpace {
    /// Inception-v3 pool3, for any images.
    Inception,
    /// The digit classifier's penultimate layer, for 28×28 MNIST-like images.
    Classifier,
}

impl FeatureSpace {
    /// The name in files and on the terminal: `inception` or `classifier`.
    pub fn as_str(self) -> &'static str {
        match self {
            FeatureSpace::Inception => "inception",
            FeatureSpace::Classifier => "classifier",
        }
    }
}

impl fmt::Display for FeatureSpace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A network that maps images [N, C, H, W] in [−1, 1] to feature vectors [N, D].
pub trait FeatureExtractor {
    /// The feature space it spans.
    fn space(&self) -> FeatureSpace;
    /// Names the exact network (weights included), for cache keys.
    fn id(&self) -> String;
    /// Features [N, D] (f32, on the images' device), computed without autograd.
    fn features(&self, images: &Tensor) -> Result<Tensor>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feature_spaces_are_named_as_in_the_files() {
        for space in [FeatureSpace::Inception, FeatureSpace::Classifier] {
            let json = serde_json::to_string(&space).unwrap();
            assert_eq!(json, format!("\"{space}\""));
            assert_eq!(serde_json::from_str::<FeatureSpace>(&json).unwrap(), space);
        }
        assert!(serde_json::from_str::<FeatureSpace>("\"flatten\"").is_err());
    }
}
