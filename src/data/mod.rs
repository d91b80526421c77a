//! Where real samples come from. Issue-3 scope is 2-D point data: the 8-Gaussian ring and
//! 25-Gaussian grid of SPEC.md §6 (`toy`) and any two-column CSV file (`csv`).
//!
//! All randomness goes through libtorch's generator, seeded once per run, so a seed fixes
//! the whole run.

pub mod csv;
pub mod toy;

use std::path::Path;

use tch::{Device, Kind, Tensor};

use crate::error::Result;
pub use toy::GaussianMixture;

/// A source of real 2-D points.
#[derive(Debug)]
pub enum PointData {
    /// A known mixture; the toy metrics (modes, high-quality share) are defined for it.
    Mixture(GaussianMixture),
    /// Points read from a file, sampled uniformly with replacement.
    Points { name: String, points: Tensor },
}

impl PointData {
    /// `ring`, `grid`, or the path of a CSV file.
    pub fn from_spec(spec: &str) -> Result<Self> {
        match spec {
            "ring" => Ok(PointData::Mixture(GaussianMixture::ring())),
            "grid" => Ok(PointData::Mixture(GaussianMixture::grid())),
            path => Ok(PointData::Points {
                name: path.to_string(),
                points: csv::read_points(Path::new(path))?,
            }),
        }
    }

    /// `n` real points, shape [n, 2], f32 on `device`.
    pub fn sample(&self, n: usize, device: Device) -> Tensor {
        match self {
            PointData::Mixture(mixture) => mixture.sample(n, device),
            PointData::Points { points, .. } => {
                let index =
                    Tensor::randint(points.size()[0], [n as i64], (Kind::Int64, Device::Cpu));
                points.index_select(0, &index).to_device(device)
            }
        }
    }

    /// The mixture, when the data is one (the toy metrics need its means and σ).
    pub fn mixture(&self) -> Option<&GaussianMixture> {
        match self {
            PointData::Mixture(mixture) => Some(mixture),
            PointData::Points { .. } => None,
        }
    }

    /// Short name for titles: `ring`, `grid` or the file name.
    pub fn name(&self) -> &str {
        match self {
            PointData::Mixture(mixture) => mixture.name,
            PointData::Points { name, .. } => name,
        }
    }

    /// A square [lo, hi]² that holds the data with some room around it, for plots.
    pub fn plot_bounds(&self) -> (f64, f64) {
        let (lo, hi) = match self {
            PointData::Mixture(mixture) => {
                let reach = mixture.means.abs().max().double_value(&[]);
                (-reach, reach)
            }
            PointData::Points { points, .. } => (
                points.min().double_value(&[]),
                points.max().double_value(&[]),
            ),
        };
        let pad = 0.25 * (hi - lo).max(1.0);
        (lo - pad, hi + pad)
    }
}
