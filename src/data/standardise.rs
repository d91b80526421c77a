//! Standardising points read from a file: each coordinate shifted by its mean and divided by
//! its standard deviation, so that the networks — whose initialisation, margin and penalty
//! suit data of unit scale near the origin, like the ring and the grid — train the same
//! whatever the file's units and offset. Undone when samples are written.

use serde::{Deserialize, Serialize};
use tch::{Device, Kind, Tensor};

/// The shift and scale of each coordinate: training sees (x − mean) / scale.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Standardisation {
    pub mean: Vec<f64>,
    pub scale: Vec<f64>,
}

impl Standardisation {
    /// The mean and (population) standard deviation of each column of `points` [n, d]; a
    /// coordinate that never varies keeps scale 1.
    pub fn of(points: &Tensor) -> Standardisation {
        let points = points.to_kind(Kind::Double);
        let mean = points.mean_dim(0, false, Kind::Double);
        let spread = points.std_correction(0, 0, false);
        let mean = Vec::<f64>::try_from(&mean).unwrap_or_default();
        let scale = Vec::<f64>::try_from(&spread)
            .unwrap_or_default()
            .into_iter()
            .map(|s| if s.is_finite() && s > 0.0 { s } else { 1.0 })
            .collect();
        Standardisation { mean, scale }
    }

    fn tensors(&self, device: Device) -> (Tensor, Tensor) {
        let row = |values: &[f64]| {
            Tensor::from_slice(values)
                .to_kind(Kind::Float)
                .view([1, -1])
                .to_device(device)
        };
        (row(&self.mean), row(&self.scale))
    }

    /// (x − mean) / scale for points [n, d].
    pub fn apply(&self, points: &Tensor) -> Tensor {
        let (mean, scale) = self.tensors(points.device());
        (points.to_kind(Kind::Float) - mean) / scale
    }

    /// x · scale + mean: points back in the file's units.
    pub fn undo(&self, points: &Tensor) -> Tensor {
        let (mean, scale) = self.tensors(points.device());
        points.to_kind(Kind::Float) * scale + mean
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn points_far_from_the_origin_come_to_unit_scale_and_back() {
        let points = Tensor::from_slice(&[100.0f32, 50.0, 102.0, 50.0, 98.0, 50.0, 100.0, 50.0])
            .view([4, 2]);
        let standard = Standardisation::of(&points);
        assert_eq!(standard.mean, [100.0, 50.0]);
        assert!(
            (standard.scale[0] - 2f64.sqrt()).abs() < 1e-9,
            "{:?}",
            standard.scale
        );
        assert_eq!(
            standard.scale[1], 1.0,
            "a constant coordinate keeps scale 1"
        );
        let applied = standard.apply(&points);
        let spread =
            Vec::<f64>::try_from(applied.to_kind(Kind::Double).std_correction(0, 0, false))
                .unwrap();
        assert!(
            (spread[0] - 1.0).abs() < 1e-6 && spread[1] == 0.0,
            "{spread:?}"
        );
        let back = standard.undo(&applied);
        assert!(back.allclose(&points, 1e-5, 1e-4, false));
    }
}
