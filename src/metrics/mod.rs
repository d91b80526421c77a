//! What a run achieved, measured apart from training: the toy metrics of docs/FORMULAS.md#toy-data-and-metrics
//! (`toy`), and for images FID (`fid`), KID (`kid`) and precision/recall
//! (`precision_recall`) in a feature space (`features`): Inception-v3's (`inception`) or that
//! of lsgan's own digit classifier (`classifier`), put together by `images`. [`Evaluation`] is one
//! evaluation of a generator, whatever the data; a conditional run's critic is also measured
//! as a classifier (`classification`). `diagnostics` measures what the objective
//! does to the critic (margin, allocation on demand, Lipschitz behaviour).

pub mod classification;
pub mod classifier;
pub mod diagnostics;
pub mod features;
pub mod fid;
pub mod images;
pub mod inception;
pub mod kid;
pub mod precision_recall;
mod tensor_file;
pub mod toy;

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

pub use classification::ClassificationMetrics;
pub use diagnostics::{Allocation, Diagnostics};
pub use features::{FeatureExtractor, FeatureSpace};
pub use images::ImageMetrics;
pub use toy::{energy_distance, mode_metrics, ModeMetrics, ToyMetrics};

/// lsgan's per-user cache (libtorch, Inception weights, classifiers, reference statistics):
/// `$LSGAN_CACHE_DIR`, else `$XDG_CACHE_HOME/lsgan`, else `~/.cache/lsgan` — the folder
/// scripts/setup.sh uses.
pub fn cache_root() -> PathBuf {
    let from_env = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    from_env("LSGAN_CACHE_DIR")
        .or_else(|| from_env("XDG_CACHE_HOME").map(|p| p.join("lsgan")))
        .or_else(|| from_env("HOME").map(|p| p.join(".cache").join("lsgan")))
        .unwrap_or_else(|| PathBuf::from(".cache").join("lsgan"))
}

/// One evaluation of the generator; which parts are present depends on the data.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Evaluation {
    /// 2-D data: modes, high-quality share, energy distance.
    #[serde(flatten, default, skip_serializing_if = "Option::is_none")]
    pub toy: Option<ToyMetrics>,
    /// Images: FID, KID, precision/recall, one entry per feature space measured in.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub images: Vec<ImageMetrics>,
    /// Conditional runs (CLS-GAN): the critic as a classifier of the test split.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub classification: Option<ClassificationMetrics>,
}

impl Evaluation {
    /// Mode coverage, when the data is a known mixture.
    pub fn modes(&self) -> Option<&ModeMetrics> {
        self.toy.as_ref().and_then(|toy| toy.modes.as_ref())
    }

    /// Energy distance to true samples, for 2-D data.
    pub fn energy_distance(&self) -> Option<f64> {
        self.toy.as_ref().map(|toy| toy.energy_distance)
    }

    /// The image metrics in one feature space.
    pub fn image_metrics(&self, feature: FeatureSpace) -> Option<&ImageMetrics> {
        self.images
            .iter()
            .find(|metrics| metrics.feature == feature)
    }

    /// A one-line human summary for the terminal.
    pub fn summary(&self) -> String {
        let mut line = String::new();
        if let Some(toy) = &self.toy {
            if let Some(modes) = &toy.modes {
                line += &format!(
                    "  modes {}/{}  high-quality {:>5.1}%",
                    modes.modes_covered,
                    modes.modes_total,
                    100.0 * modes.high_quality_share
                );
            }
            line += &format!("  energy {:.4}", toy.energy_distance);
        }
        for metrics in &self.images {
            line += &format!(
                "  [{}] FID {:.2}  KID {:.4}±{:.4}  P/R {:.3}/{:.3}",
                metrics.feature,
                metrics.fid,
                metrics.kid_mean,
                metrics.kid_std,
                metrics.precision,
                metrics.recall
            );
            line += &metrics.classes_text();
        }
        if let Some(classification) = &self.classification {
            line += &format!("  test error {:.2}%", 100.0 * classification.test_error);
        }
        line
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn image_metrics_are_a_json_list_and_in_the_summary() {
        let metrics = ImageMetrics {
            feature: FeatureSpace::Classifier,
            n: 1000,
            n_reference: 1000,
            fid: 1.25,
            kid_mean: 0.5,
            kid_std: 0.125,
            precision: 0.75,
            recall: 0.5,
            classes_covered: Some(9),
            class_shares: None,
        };
        let evaluation = Evaluation {
            images: vec![metrics],
            ..Default::default()
        };
        let json = serde_json::to_string(&evaluation).unwrap();
        assert!(
            json.starts_with(r#"{"images":[{"feature":"classifier","#),
            "{json}"
        );
        assert_eq!(
            serde_json::from_str::<Evaluation>(&json).unwrap(),
            evaluation
        );
        assert_eq!(
            evaluation
                .image_metrics(FeatureSpace::Classifier)
                .map(|m| m.fid),
            Some(1.25)
        );
        assert!(
            evaluation.summary().contains("[classifier] FID 1.25"),
            "{}",
            evaluation.summary()
        );
        assert!(
            evaluation.summary().ends_with("classes 9/10"),
            "{}",
            evaluation.summary()
        );
        // Toy evaluations serialise as before: no images key.
        assert_eq!(serde_json::to_string(&Evaluation::default()).unwrap(), "{}");
    }
}
